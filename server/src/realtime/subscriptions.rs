//! Who is subscribed to what: the server-side joins and leaves that follow rooms, tickets,
//! memberships, role changes, bans and sign-outs, on every instance.
//!
//! Readers of a room are in `room:{id}`. They get there at connect (from the access policy) and
//! through the changes below; a client never names a room to join. Each change adds the new
//! readers before it removes the old ones, so no socket that may still read a room misses a
//! message while it moves.
//!
//! Follow-link sockets (a customer's session limited to one ticket) are in `user:{id}:link`, not
//! `user:{id}`: per-user joins must not carry them into the customer's other tickets. Notices
//! that end a user's access (bans, role changes) go to both.

use std::collections::{HashMap, HashSet};

use chrono::{DateTime, Utc};
use serde_json::json;

use super::{Realtime, connect::SocketUser, delivery, events, room_channel, user_channel};
use crate::{
    domain::{
        Id,
        policy::{self, Viewer},
        room::{RoomKind, RoomRole},
        user::Role,
    },
    store::{RoomRow, TicketRow},
    views::{RoomView, TicketView},
};

/// Page size when listing a room's members to keep them subscribed.
const MEMBER_PAGE: i64 = 500;

/// The channel of a user's follow-link sockets.
fn link_channel(user_id: Id) -> String {
    format!("user:{user_id}:link")
}

/// Who may read a public room or a ticket of `department` besides its members and parties.
fn audiences(department: Option<&str>) -> Vec<String> {
    match department {
        None => vec!["team".to_owned()],
        Some(d) => vec![format!("dept:{d}"), "admins".to_owned()],
    }
}

/// True for rooms that department audiences read (public rooms and tickets).
fn has_audience(kind: RoomKind) -> bool {
    matches!(kind, RoomKind::Public | RoomKind::Ticket)
}

impl Realtime {
    /// A room was created: its creator's sockets, and for public rooms every reader's, join it.
    pub async fn room_created(&self, room: &RoomRow, creator: Id) {
        let Some(fanout) = self.inner.fanout.get() else {
            return;
        };
        let channel = room_channel(room.id);
        fanout
            .join(user_channel(creator), vec![channel.clone()])
            .await;
        if room.kind == RoomKind::Public {
            for audience in audiences(room.department.as_deref()) {
                fanout.join(audience, vec![channel.clone()]).await;
            }
        }
        self.emit(
            vec![user_channel(creator)],
            events::MEMBER_ADDED,
            &json!({"roomId": room.id, "userId": creator, "role": RoomRole::Owner}),
        )
        .await;
    }

    /// A room's title, tags or department changed: readers hear of it, and its subscriptions
    /// are re-derived for the department it has now.
    pub async fn room_updated(&self, room: &RoomRow) {
        let data = serde_json::to_value(RoomView::plain(room)).unwrap_or_default();
        self.emit(vec![room_channel(room.id)], events::ROOM_UPDATED, &data)
            .await;
        self.resubscribe_room(room, None).await;
    }

    /// Re-derives a room's department audience: the current department's readers join, then
    /// sockets of every other department audience leave unless they read the room in their own
    /// right (members, and for tickets the requester and assignee). Which department the room
    /// had before does not matter, so this is also right when called after a plain edit.
    async fn resubscribe_room(&self, room: &RoomRow, ticket: Option<&TicketRow>) {
        let Some(fanout) = self.inner.fanout.get() else {
            return;
        };
        if !has_audience(room.kind) {
            return;
        }
        let channel = room_channel(room.id);
        let current = audiences(room.department.as_deref());
        for audience in &current {
            fanout.join(audience.clone(), vec![channel.clone()]).await;
        }
        let Some(mut keep) = self.member_channels(room.id).await else {
            // Without the member list nobody can be removed safely; over-subscription is
            // harmless for delivery and the policy still guards every read and write.
            return;
        };
        if let Some(ticket) = ticket {
            keep.push(user_channel(ticket.requester_id));
            keep.extend(ticket.assignee_id.map(user_channel));
        }
        // Follow-link sockets are never in a department audience, so they are never touched.
        keep.extend(current.iter().cloned());
        for audience in self.all_audiences() {
            if !current.contains(&audience) {
                fanout
                    .leave_except(audience, keep.clone(), vec![channel.clone()])
                    .await;
            }
        }
    }

    /// Every department audience there can be.
    fn all_audiences(&self) -> Vec<String> {
        let mut all = vec!["team".to_owned()];
        all.extend(self.inner.departments.iter().map(|d| format!("dept:{d}")));
        all
    }

    /// `user:{id}` of every member of a room, or `None` when they cannot be listed.
    async fn member_channels(&self, room_id: Id) -> Option<Vec<String>> {
        let mut channels = Vec::new();
        let mut after = None;
        loop {
            let page = match self
                .inner
                .store
                .list_members(room_id, after, MEMBER_PAGE)
                .await
            {
                Ok(page) => page,
                Err(err) => {
                    tracing::error!(error = %err, %room_id, "cannot list members to re-subscribe");
                    return None;
                }
            };
            channels.extend(page.iter().map(|m| user_channel(m.user.id)));
            match page.last() {
                Some(last) if page.len() as i64 == MEMBER_PAGE => {
                    after = Some((last.joined_at, last.user.id));
                }
                _ => return Some(channels),
            }
        }
    }

    /// A ticket was opened: its team audience, requester and assignee subscribe to it, and the
    /// team hears of it.
    pub async fn ticket_opened(&self, ticket: &TicketRow) {
        let Some(fanout) = self.inner.fanout.get() else {
            return;
        };
        let channel = room_channel(ticket.id);
        let mut selectors = audiences(ticket.department.as_deref());
        selectors.push(user_channel(ticket.requester_id));
        selectors.extend(ticket.assignee_id.map(user_channel));
        for selector in &selectors {
            fanout.join(selector.clone(), vec![channel.clone()]).await;
        }
        self.emit_ticket(ticket, &selectors).await;
    }

    /// A ticket changed: its readers and its department's team hear of it; a new department or
    /// assignee moves subscriptions.
    pub async fn ticket_changed(&self, before: Option<&TicketRow>, after: &TicketRow) {
        let mut selectors = audiences(after.department.as_deref());
        selectors.push(room_channel(after.id));
        if let Some(before) = before {
            if before.assignee_id != after.assignee_id
                && let Some(assignee) = after.assignee_id
            {
                self.member_added(after.id, assignee, RoomRole::Member)
                    .await;
            }
            if before.department != after.department {
                match self.inner.store.get_room(after.id).await {
                    Ok(Some(room)) => self.resubscribe_room(&room, Some(after)).await,
                    Ok(None) => {}
                    Err(err) => {
                        tracing::error!(error = %err, ticket_id = %after.id, "cannot re-subscribe a moved ticket");
                    }
                }
            }
            selectors.extend(audiences(before.department.as_deref()));
        }
        selectors.sort();
        selectors.dedup();
        self.emit_ticket(after, &selectors).await;
    }

    async fn emit_ticket(&self, ticket: &TicketRow, selectors: &[String]) {
        let data = serde_json::to_value(TicketView::from(ticket)).unwrap_or_default();
        let mut rooms = selectors.to_vec();
        rooms.push(room_channel(ticket.id));
        self.emit(rooms, events::TICKET_UPDATED, &data).await;
    }

    /// A ticket's assistant insights were refreshed: its staff readers are told (never the
    /// customer's sockets).
    pub async fn ticket_insights(&self, ticket_id: Id, requester: Id) {
        if let Some(fanout) = self.inner.fanout.get() {
            let except = vec![user_channel(requester), link_channel(requester)];
            fanout
                .emit(
                    vec![room_channel(ticket_id)],
                    except,
                    events::TICKET_INSIGHTS,
                    &json!({"ticketId": ticket_id}),
                )
                .await;
        }
    }

    /// A room was deleted: readers are told, then unsubscribed.
    pub async fn room_deleted(&self, room_id: Id) {
        let channel = room_channel(room_id);
        self.emit(
            vec![channel.clone()],
            events::ROOM_DELETED,
            &json!({"roomId": room_id}),
        )
        .await;
        if let Some(fanout) = self.inner.fanout.get() {
            fanout.leave(channel.clone(), vec![channel]).await;
        }
    }

    /// Someone joined or was added: their sockets subscribe, the room hears of it.
    pub async fn member_added(&self, room_id: Id, user_id: Id, role: RoomRole) {
        if let Some(fanout) = self.inner.fanout.get() {
            fanout
                .join(user_channel(user_id), vec![room_channel(room_id)])
                .await;
        }
        let data = json!({"roomId": room_id, "userId": user_id, "role": role});
        self.emit(
            vec![room_channel(room_id), user_channel(user_id)],
            events::MEMBER_ADDED,
            &data,
        )
        .await;
    }

    /// Someone left or was removed: the room hears of it, and their sockets unsubscribe at once
    /// unless the policy still lets them read the room (public rooms of their department).
    pub async fn member_removed(&self, room_id: Id, user_id: Id) {
        let data = json!({"roomId": room_id, "userId": user_id});
        self.emit(
            vec![room_channel(room_id), user_channel(user_id)],
            events::MEMBER_REMOVED,
            &data,
        )
        .await;
        if !self.still_reads(room_id, user_id).await
            && let Some(fanout) = self.inner.fanout.get()
        {
            fanout
                .leave(user_channel(user_id), vec![room_channel(room_id)])
                .await;
        }
    }

    async fn still_reads(&self, room_id: Id, user_id: Id) -> bool {
        let (room, user) = tokio::join!(
            self.inner.store.room_for(room_id, user_id),
            self.inner.store.get_user(user_id)
        );
        match (room, user) {
            (Ok(Some(room)), Ok(Some(user))) => {
                let viewer = Viewer::new(user.id, user.role, user.department);
                policy::can_read(&viewer, &room.facts())
            }
            // When in doubt, unsubscribe: the client can always resubscribe by reconnecting.
            _ => false,
        }
    }

    /// A user's role or department changed: all their sockets (follow links too) are told and
    /// closed, and reconnect with subscriptions that match their new access.
    pub async fn access_changed(&self, user_id: Id) {
        let channels = vec![user_channel(user_id), link_channel(user_id)];
        self.emit(
            channels.clone(),
            events::ACCESS_CHANGED,
            &json!({"userId": user_id}),
        )
        .await;
        self.disconnect_after_notice(channels).await;
    }

    /// All of a user's sessions were revoked (ban): every socket of theirs, follow links
    /// included, gets `session:revoked` and is disconnected.
    pub async fn revoke_user(&self, user_id: Id, reason: &'static str) {
        let channels = vec![user_channel(user_id), link_channel(user_id)];
        self.emit(
            channels.clone(),
            events::SESSION_REVOKED,
            &json!({"reason": reason}),
        )
        .await;
        self.disconnect_after_notice(channels).await;
    }

    /// One session ended (sign-out): its sockets are told and closed.
    pub async fn revoke_session(&self, session_id: Id, reason: &'static str) {
        let channel = format!("session:{session_id}");
        self.emit(
            vec![channel.clone()],
            events::SESSION_REVOKED,
            &json!({"reason": reason}),
        )
        .await;
        self.disconnect_after_notice(vec![channel]).await;
    }

    /// Gives the notice a moment to reach clients before their sockets close.
    async fn disconnect_after_notice(&self, selectors: Vec<String>) {
        let Some(fanout) = self.inner.fanout.get().cloned() else {
            return;
        };
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        for selector in selectors {
            fanout.disconnect(selector).await;
        }
    }

    /// After Redis comes back: subscriptions, bans and sign-outs made while it was away reached
    /// only the instance that made them, so every local socket is checked against the database
    /// again (revoked sessions closed, each socket's rooms set to exactly what it may read);
    /// then clients are told to sync what crossed instances meanwhile.
    pub(super) async fn recover_after_outage(&self) {
        let Some(fanout) = self.inner.fanout.get() else {
            return;
        };
        // Per user and follow-link scope: what the policy lets them read.
        let mut readable: HashMap<(Id, Option<Id>), HashSet<String>> = HashMap::new();
        for (sid, user) in fanout.local_users() {
            if self.session_still_valid(&user).await.is_none() {
                self.close_revoked(sid).await;
                continue;
            }
            let key = (user.user.id, user.scope);
            let rooms = match readable.get(&key) {
                Some(rooms) => rooms.clone(),
                None => match self.inner.store.readable_room_ids(&user.viewer()).await {
                    Ok(ids) => {
                        let rooms = rooms_for_socket(&user, ids);
                        readable.insert(key, rooms.clone());
                        rooms
                    }
                    Err(err) => {
                        tracing::warn!(error = %err, "cannot re-check subscriptions after the redis outage");
                        continue;
                    }
                },
            };
            let current: HashSet<String> = fanout
                .local_rooms(sid)
                .into_iter()
                .filter(|r| r.starts_with("room:"))
                .collect();
            let stale: Vec<String> = current.difference(&rooms).cloned().collect();
            let missing: Vec<String> = rooms.difference(&current).cloned().collect();
            fanout.join_local(sid, missing);
            fanout.leave_local(sid, stale);
        }
        fanout.emit_local_all(events::SYNC_HINT, &json!({})).await;
        tracing::info!("redis is back: local subscriptions re-checked, clients told to sync");
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
                    && (auth.ticket_scope.is_none() || auth.user.role == Role::Customer);
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
    async fn close_revoked(&self, sid: super::fanout::Sid) {
        let Some(fanout) = self.inner.fanout.get() else {
            return;
        };
        let channel = delivery::sid_channel(sid);
        fanout
            .emit(
                vec![channel.clone()],
                Vec::new(),
                events::SESSION_REVOKED,
                &json!({"reason": "revoked"}),
            )
            .await;
        fanout.disconnect(channel).await;
    }

    /// Checks again the sockets of this instance whose session has expired as of connecting
    /// (or of their last check): renewed sessions keep their socket, the others close.
    pub(super) async fn revalidate_expired(&self) {
        let Some(fanout) = self.inner.fanout.get().cloned() else {
            return;
        };
        let now = crate::store::now();
        for (sid, mut user) in fanout.local_users() {
            if user.expires_at > now {
                continue;
            }
            match self.session_still_valid(&user).await {
                Some(expires_at) if expires_at > now => {
                    user.expires_at = expires_at;
                    fanout.update_user(sid, user);
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

/// The `room:` channels one socket may be in: its user's readable rooms, or only the ticket of
/// a follow-link session.
pub(super) fn rooms_for_socket(user: &SocketUser, readable: Vec<Id>) -> HashSet<String> {
    readable
        .into_iter()
        .filter(|room| user.scope.is_none_or(|scope| scope == *room))
        .map(room_channel)
        .collect()
}
