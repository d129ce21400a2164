//! Rooms and their members: subscriptions follow membership. Members' sockets are in
//! `room:{id}`; sockets showing a room they may read without being members are in `watch:{id}`
//! until they stop, or until a change may have taken their access away (then they are dropped
//! and watch again if they still may). Joins come before the news, leaves after it.

use serde_json::json;

use super::super::{Realtime, channel::Channel, events as wire};
use crate::{
    domain::{
        Id,
        policy::{self, Viewer},
        room::RoomRole,
    },
    store::RoomRow,
    views::RoomView,
};

impl Realtime {
    /// A room was created: its creator's sockets join it.
    pub(super) async fn room_created(&self, room: &RoomRow, creator: Id) {
        self.inner
            .fanout
            .join(Channel::User(creator), vec![Channel::Room(room.id)])
            .await;
        self.emit(
            vec![Channel::User(creator)],
            wire::MEMBER_ADDED,
            &json!({"roomId": room.id, "userId": creator, "role": RoomRole::Owner}),
        )
        .await;
    }

    /// A room's title, tags or department changed: its followers hear of it. A move to a
    /// department may take the room away from some watchers, so every watch ends then (a
    /// watcher that still may read it watches again on `room:updated`).
    pub(super) async fn room_updated(&self, before: &RoomRow, after: &RoomRow) {
        let data = serde_json::to_value(RoomView::plain(after)).unwrap_or_default();
        self.emit(Channel::followers(after.id), wire::ROOM_UPDATED, &data)
            .await;
        let narrowed = after.department.is_some() && after.department != before.department;
        if narrowed || after.kind != before.kind {
            self.drop_watchers(after.id).await;
        }
    }

    /// Ends every watch of a room, on every instance (its access may have narrowed).
    pub(super) async fn drop_watchers(&self, room_id: Id) {
        let watch = Channel::Watch(room_id);
        self.inner.fanout.leave(watch.clone(), vec![watch]).await;
    }

    /// A room was deleted: its followers are told, then unsubscribed.
    pub(super) async fn room_deleted(&self, room_id: Id) {
        self.emit(
            Channel::followers(room_id),
            wire::ROOM_DELETED,
            &json!({"roomId": room_id}),
        )
        .await;
        for channel in Channel::followers(room_id) {
            self.inner
                .fanout
                .leave(channel.clone(), vec![channel])
                .await;
        }
    }

    /// Someone joined or was added: their sockets subscribe, the room hears of it.
    pub(super) async fn member_added(&self, room_id: Id, user_id: Id, role: RoomRole) {
        self.inner
            .fanout
            .join(Channel::User(user_id), vec![Channel::Room(room_id)])
            .await;
        let data = json!({"roomId": room_id, "userId": user_id, "role": role});
        let mut to = Channel::followers(room_id);
        to.push(Channel::User(user_id));
        self.emit(to, wire::MEMBER_ADDED, &data).await;
    }

    /// A member's room role changed: the room (and the member) hear of it.
    pub(super) async fn member_role_changed(&self, room_id: Id, user_id: Id, role: RoomRole) {
        let data = json!({"roomId": room_id, "userId": user_id, "role": role});
        let mut to = Channel::followers(room_id);
        to.push(Channel::User(user_id));
        self.emit(to, wire::MEMBER_UPDATED, &data).await;
    }

    /// Someone left or was removed: the room hears of it, and their sockets unsubscribe. A
    /// watch of theirs ends too unless the policy still lets them read the room.
    pub(super) async fn member_removed(&self, room_id: Id, user_id: Id) {
        let data = json!({"roomId": room_id, "userId": user_id});
        let mut to = Channel::followers(room_id);
        to.push(Channel::User(user_id));
        self.emit(to, wire::MEMBER_REMOVED, &data).await;
        let mut leave = vec![Channel::Room(room_id)];
        if !self.still_reads(room_id, user_id).await {
            leave.push(Channel::Watch(room_id));
        }
        self.inner.fanout.leave(Channel::User(user_id), leave).await;
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
            // When in doubt, unsubscribe: a client that still may read watches again.
            _ => false,
        }
    }
}
