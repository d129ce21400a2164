//! Sessions and presence: revoked sessions close their sockets on every instance, sockets are
//! checked again when their session expires and after a Redis outage (bans and sign-outs made
//! meanwhile reached one instance only), and presence changes reach the team.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::json;

use super::super::{
    Realtime, channel::Channel, connect::rooms_for_socket, events as wire, fanout::Sid,
    session::SocketUser,
};
use crate::{
    domain::{Id, policy},
    views::NotificationView,
};

impl Realtime {
    /// All of a user's sessions were revoked: every socket of theirs, follow links included,
    /// gets `session:revoked` and is disconnected.
    pub(super) async fn revoke_user(&self, user_id: Id, reason: &str) {
        let channels = vec![Channel::User(user_id), Channel::UserLink(user_id)];
        self.emit(
            channels.clone(),
            wire::SESSION_REVOKED,
            &json!({"reason": reason}),
        )
        .await;
        self.disconnect_after_notice(channels).await;
    }

    /// One session ended (sign-out): its sockets are told and closed.
    pub(super) async fn revoke_session(&self, session_id: Id, reason: &str) {
        let channel = Channel::Session(session_id);
        self.emit(
            vec![channel.clone()],
            wire::SESSION_REVOKED,
            &json!({"reason": reason}),
        )
        .await;
        self.disconnect_after_notice(vec![channel]).await;
    }

    /// Gives the notice a moment to reach clients before their sockets close.
    async fn disconnect_after_notice(&self, selectors: Vec<Channel>) {
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        for selector in selectors {
            self.inner.fanout.disconnect(selector).await;
        }
    }

    /// Someone was notified: their full-access sockets hear of it (never a follow link's).
    pub(super) async fn notified(&self, notification: &NotificationView) {
        let Ok(data) = serde_json::to_value(notification) else {
            return;
        };
        self.emit(
            vec![Channel::User(notification.owner)],
            wire::NOTIFICATION_NEW,
            &data,
        )
        .await;
    }

    /// Some of a user's notifications were read: their other tabs update the bell.
    pub(super) async fn notifications_read(
        &self,
        user_id: Id,
        ids: Option<&[Id]>,
        room_id: Option<Id>,
    ) {
        let data = match (ids, room_id) {
            (Some(ids), _) => json!({"ids": ids}),
            (None, Some(room_id)) => json!({"roomId": room_id}),
            (None, None) => json!({"all": true}),
        };
        self.emit(vec![Channel::User(user_id)], wire::NOTIFICATION_READ, &data)
            .await;
    }

    /// A user came online or went offline.
    pub(crate) async fn presence_changed(&self, user_id: Id, online: bool) {
        self.emit(
            vec![Channel::Team, Channel::User(user_id)],
            wire::PRESENCE,
            &json!({"userId": user_id, "online": online}),
        )
        .await;
    }

    /// Tells the team (and the person's own sockets) of a new name, title or status.
    pub(crate) async fn user_updated(
        &self,
        user_id: Id,
        name: &str,
        title: &str,
        status: Option<&crate::views::StatusView>,
        avatar_url: Option<&str>,
    ) {
        self.emit(
            vec![Channel::Team, Channel::User(user_id)],
            wire::USER_UPDATED,
            &json!({"userId": user_id, "name": name, "title": title, "status": status,
                    "avatarUrl": avatar_url}),
        )
        .await;
    }

    /// After Redis comes back: memberships, bans and sign-outs made while it was away reached
    /// only the instance that made them, so every local socket is checked against the database
    /// again (revoked sessions closed, each socket's rooms set to exactly its memberships, watches
    /// the policy no longer allows ended); then clients are told to sync what crossed instances
    /// meanwhile.
    pub(crate) async fn recover_after_outage(&self) {
        let fanout = &self.inner.fanout;
        // Per user and follow-link scope: the rooms they are members of.
        let mut memberships: HashMap<(Id, Option<Id>), HashSet<Channel>> = HashMap::new();
        for (sid, user) in fanout.local_users() {
            if self.session_still_valid(&user).await.is_none() {
                self.close_revoked(sid).await;
                continue;
            }
            let key = (user.user.id, user.scope);
            let rooms = match memberships.get(&key) {
                Some(rooms) => rooms.clone(),
                None => match self.inner.store.member_room_ids(user.user.id).await {
                    Ok(ids) => {
                        let rooms = rooms_for_socket(&user, ids);
                        memberships.insert(key, rooms.clone());
                        rooms
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot re-check subscriptions after the redis outage");
                        continue;
                    }
                },
            };
            let current: HashSet<Channel> = fanout
                .local_rooms(sid)
                .iter()
                .filter_map(|name| name.strip_prefix("room:")?.parse().ok())
                .map(Channel::Room)
                .collect();
            let stale: Vec<Channel> = current.difference(&rooms).cloned().collect();
            let missing: Vec<Channel> = rooms.difference(&current).cloned().collect();
            fanout.join_local(sid, missing);
            fanout.leave_local(sid, stale);
            if let Some(acks) = fanout.socket_acks(sid) {
                for room in acks.watched() {
                    if !self.may_read(&user, room).await {
                        acks.unwatch(room);
                        fanout.leave_local(sid, vec![Channel::Watch(room)]);
                    }
                }
            }
        }
        fanout.emit_local_all(wire::SYNC_HINT, &json!({})).await;
        tracing::info!("redis is back: local subscriptions re-checked, clients told to sync");
    }

    /// Whether a socket's user may read a room now (false when it cannot be told).
    async fn may_read(&self, user: &SocketUser, room_id: Id) -> bool {
        match self.inner.store.room_for(room_id, user.user.id).await {
            Ok(Some(room)) => policy::can_read(&user.viewer(), &room.facts()),
            _ => false,
        }
    }

    /// The socket's session's expiry when it still admits the socket (it exists and has not
    /// expired, the user is not banned or deactivated, a follow link still belongs to a
    /// customer); `None` when the socket must close.
    async fn session_still_valid(&self, user: &SocketUser) -> Option<DateTime<Utc>> {
        let now = crate::store::now();
        match self.inner.store.session_by_id(user.session_id).await {
            Ok(Some(auth)) => {
                let valid = auth.expires_at > now
                    && !auth.ban.as_ref().is_some_and(|b| b.is_active(now))
                    && auth.user.deactivated_at.is_none()
                    && (auth.ticket_scope.is_none() || policy::link_session_valid(auth.user.role));
                valid.then_some(auth.expires_at)
            }
            Ok(None) => None,
            // A database hiccup is not a reason to drop users: try again at the next sweep.
            Err(err) => {
                tracing::debug!(error = %err, "cannot re-check a socket's session");
                Some(user.expires_at)
            }
        }
    }

    /// Tells one socket of this instance its session ended, and closes it.
    async fn close_revoked(&self, sid: Sid) {
        let channel = Channel::Socket(sid);
        self.inner
            .fanout
            .emit(
                vec![channel.clone()],
                Vec::new(),
                wire::SESSION_REVOKED,
                &json!({"reason": "revoked"}),
            )
            .await;
        self.inner.fanout.disconnect(channel).await;
    }

    /// Checks again the sockets of this instance whose session has expired as of connecting
    /// (or of their last check): renewed sessions keep their socket, the others close.
    pub(crate) async fn revalidate_expired(&self) {
        let now = crate::store::now();
        for (sid, mut user) in self.inner.fanout.local_users() {
            if user.expires_at > now {
                continue;
            }
            match self.session_still_valid(&user).await {
                Some(expires_at) if expires_at > now => {
                    user.expires_at = expires_at;
                    self.inner.fanout.update_user(sid, user);
                }
                Some(_) => {}
                None => {
                    metrics::counter!("switchboard_socket_sessions_expired_total").increment(1);
                    self.close_revoked(sid).await;
                }
            }
        }
    }
}
