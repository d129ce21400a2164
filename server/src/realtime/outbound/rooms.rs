//! Rooms and their members: who is subscribed follows creation, edits, deletion, joins and
//! leaves. Each change adds the new readers before it removes the old ones, so no socket that
//! may still read a room misses a message while it moves.

use serde_json::json;

use super::super::{Realtime, channel::Channel, events as wire};
use crate::{
    domain::{
        Id,
        policy::{self, Viewer},
        room::{RoomKind, RoomRole},
    },
    store::{RoomRow, TicketRow},
    views::RoomView,
};

/// Page size when listing a room's members to keep them subscribed.
const MEMBER_PAGE: i64 = 500;

/// True for rooms that department audiences read (public rooms and tickets).
fn has_audience(kind: RoomKind) -> bool {
    matches!(kind, RoomKind::Public | RoomKind::Ticket)
}

impl Realtime {
    /// A room was created: its creator's sockets, and for public rooms every reader's, join it.
    pub(super) async fn room_created(&self, room: &RoomRow, creator: Id) {
        let fanout = &self.inner.fanout;
        let channel = Channel::Room(room.id);
        fanout
            .join(Channel::User(creator), vec![channel.clone()])
            .await;
        if room.kind == RoomKind::Public {
            for audience in Channel::audiences(room.department.as_deref()) {
                fanout.join(audience, vec![channel.clone()]).await;
            }
        }
        self.emit(
            vec![Channel::User(creator)],
            wire::MEMBER_ADDED,
            &json!({"roomId": room.id, "userId": creator, "role": RoomRole::Owner}),
        )
        .await;
    }

    /// A room's title, tags or department changed: readers hear of it, and its subscriptions
    /// are re-derived for the department it has now.
    pub(super) async fn room_updated(&self, room: &RoomRow) {
        let data = serde_json::to_value(RoomView::plain(room)).unwrap_or_default();
        self.emit(vec![Channel::Room(room.id)], wire::ROOM_UPDATED, &data)
            .await;
        self.resubscribe_room(room, None).await;
    }

    /// Re-derives a room's department audience: the current department's readers join, then
    /// sockets of every other department audience leave unless they read the room in their own
    /// right (members, and for tickets the requester and assignee). Which department the room
    /// had before does not matter, so this is also right when called after a plain edit.
    pub(super) async fn resubscribe_room(&self, room: &RoomRow, ticket: Option<&TicketRow>) {
        if !has_audience(room.kind) {
            return;
        }
        let fanout = &self.inner.fanout;
        let channel = Channel::Room(room.id);
        let current = Channel::audiences(room.department.as_deref());
        for audience in &current {
            fanout.join(audience.clone(), vec![channel.clone()]).await;
        }
        let Some(mut keep) = self.member_channels(room.id).await else {
            // Without the member list nobody can be removed safely; over-subscription is
            // harmless for delivery and the policy still guards every read and write.
            return;
        };
        if let Some(ticket) = ticket {
            keep.push(Channel::User(ticket.requester_id));
            keep.extend(ticket.assignee_id.map(Channel::User));
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
    fn all_audiences(&self) -> Vec<Channel> {
        let mut all = vec![Channel::Team];
        all.extend(
            self.inner
                .departments
                .iter()
                .map(|d| Channel::Department(d.clone())),
        );
        all
    }

    /// `user:{id}` of every member of a room, or `None` when they cannot be listed.
    async fn member_channels(&self, room_id: Id) -> Option<Vec<Channel>> {
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
            channels.extend(page.iter().map(|m| Channel::User(m.user.id)));
            match page.last() {
                Some(last) if page.len() as i64 == MEMBER_PAGE => {
                    after = Some((last.joined_at, last.user.id));
                }
                _ => return Some(channels),
            }
        }
    }

    /// A room was deleted: readers are told, then unsubscribed.
    pub(super) async fn room_deleted(&self, room_id: Id) {
        let channel = Channel::Room(room_id);
        self.emit(
            vec![channel.clone()],
            wire::ROOM_DELETED,
            &json!({"roomId": room_id}),
        )
        .await;
        self.inner
            .fanout
            .leave(channel.clone(), vec![channel])
            .await;
    }

    /// Someone joined or was added: their sockets subscribe, the room hears of it.
    pub(super) async fn member_added(&self, room_id: Id, user_id: Id, role: RoomRole) {
        self.inner
            .fanout
            .join(Channel::User(user_id), vec![Channel::Room(room_id)])
            .await;
        let data = json!({"roomId": room_id, "userId": user_id, "role": role});
        self.emit(
            vec![Channel::Room(room_id), Channel::User(user_id)],
            wire::MEMBER_ADDED,
            &data,
        )
        .await;
    }

    /// Someone left or was removed: the room hears of it, and their sockets unsubscribe at once
    /// unless the policy still lets them read the room (public rooms of their department).
    pub(super) async fn member_removed(&self, room_id: Id, user_id: Id) {
        let data = json!({"roomId": room_id, "userId": user_id});
        self.emit(
            vec![Channel::Room(room_id), Channel::User(user_id)],
            wire::MEMBER_REMOVED,
            &data,
        )
        .await;
        if !self.still_reads(room_id, user_id).await {
            self.inner
                .fanout
                .leave(Channel::User(user_id), vec![Channel::Room(room_id)])
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
}
