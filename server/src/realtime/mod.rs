//! Realtime fan-out over Socket.IO. (Being built: the REST layer already reports every change
//! here so that socket clients stay in step once the socket layer is mounted.)

use std::collections::HashSet;

use crate::{
    domain::{Id, room::RoomRole},
    http::health::Check,
    service::messages::Reacted,
    store::RoomRow,
    views::MessageView,
};

/// Pushes changes to connected clients.
#[derive(Clone, Default)]
pub struct Realtime {}

impl Realtime {
    /// A new message was stored.
    pub async fn message_new(&self, _message: &MessageView) {}
    /// A message was edited.
    pub async fn message_updated(&self, _message: &MessageView) {}
    /// A message was deleted.
    pub async fn message_deleted(&self, _message: &MessageView) {}
    /// A reaction was added or removed.
    pub async fn reaction_updated(&self, _reacted: &Reacted, _user_id: Id) {}
    /// A read cursor moved.
    pub async fn receipt(&self, _room_id: Id, _user_id: Id, _seq: i64) {}
    /// A room was created.
    pub async fn room_created(&self, _room: &RoomRow, _creator: Id) {}
    /// A room changed.
    pub async fn room_updated(&self, _room: &RoomRow) {}
    /// A room was deleted.
    pub async fn room_deleted(&self, _room_id: Id) {}
    /// Someone joined or was added.
    pub async fn member_added(&self, _room_id: Id, _user_id: Id, _role: RoomRole) {}
    /// Someone left or was removed.
    pub async fn member_removed(&self, _room_id: Id, _user_id: Id) {}
    /// A user's role or department changed.
    pub async fn access_changed(&self, _user_id: Id) {}
    /// A user's sessions were revoked.
    pub async fn revoke_user(&self, _user_id: Id, _reason: &'static str) {}
    /// Which of these users are online.
    pub async fn online_among(&self, _users: impl IntoIterator<Item = Id>) -> HashSet<Id> {
        HashSet::new()
    }
    /// Redis health, when Redis is configured.
    pub async fn redis_check(&self) -> Option<Check> {
        None
    }
}
