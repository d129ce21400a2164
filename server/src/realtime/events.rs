//! Socket.IO event names (DESIGN §7) and the payloads clients send.

use serde::Deserialize;

use crate::domain::Id;

/// Client -> server: send a message.
pub const MESSAGE_SEND: &str = "message:send";
/// Client -> server: edit one's message.
pub const MESSAGE_EDIT: &str = "message:edit";
/// Client -> server: delete a message.
pub const MESSAGE_DELETE: &str = "message:delete";
/// Client -> server: add or remove one's reaction.
pub const REACTION_TOGGLE: &str = "reaction:toggle";
/// Both ways: someone is typing.
pub const TYPING: &str = "typing";
/// Client -> server: move the read cursor.
pub const READ: &str = "read";
/// Client -> server: fetch everything after per-room cursors.
pub const SYNC: &str = "sync";
/// Client -> server: the highest contiguous seq held in a room (cumulative, batched).
pub const ACK: &str = "ack";
/// Client -> server: follow a readable room one is not a member of while it is shown.
pub const ROOM_WATCH: &str = "room:watch";
/// Client -> server: stop following a watched room.
pub const ROOM_UNWATCH: &str = "room:unwatch";

/// Server -> client: a new message (acknowledged cumulatively with [`ACK`]).
pub const MESSAGE_NEW: &str = "message:new";
/// Server -> client: several consecutive messages of one room, `{roomId, messages: [...]}`, in
/// seq order; only to clients that connected with `auth.batch`, and only when more than one
/// message of a room is ready at once (acknowledged like as many `message:new`).
pub const MESSAGE_BATCH: &str = "message:batch";
/// Server -> client: a message was edited.
pub const MESSAGE_UPDATED: &str = "message:updated";
/// Server -> client: a message was deleted.
pub const MESSAGE_DELETED: &str = "message:deleted";
/// Server -> client: reactions changed.
pub const REACTION_UPDATED: &str = "reaction:updated";
/// Server -> client: a message was pinned to its room or unpinned.
pub const MESSAGE_PINNED: &str = "message:pinned";
/// Server -> client: someone came online or went offline.
pub const PRESENCE: &str = "presence";
/// Someone's name, title or status changed: `{userId, name, title, status}`.
pub const USER_UPDATED: &str = "user:updated";
/// Server -> client: a read or delivery cursor moved.
pub const RECEIPT: &str = "receipt";
/// Server -> client: a room changed.
pub const ROOM_UPDATED: &str = "room:updated";
/// Server -> client: a room was deleted.
pub const ROOM_DELETED: &str = "room:deleted";
/// Server -> client: someone joined a room.
pub const MEMBER_ADDED: &str = "member:added";
/// Server -> client: a member's room role changed: `{roomId, userId, role}`.
pub const MEMBER_UPDATED: &str = "member:updated";
/// Server -> client: someone left a room.
pub const MEMBER_REMOVED: &str = "member:removed";
/// Server -> client: a ticket changed.
pub const TICKET_UPDATED: &str = "ticket:updated";
/// Server -> client: a ticket's assistant insights were refreshed.
pub const TICKET_INSIGHTS: &str = "ticket:insights";
/// Server -> client: the session ended (banned, signed out); the socket is closed next.
pub const SESSION_REVOKED: &str = "session:revoked";
/// Server -> client: you were notified (a mention, a DM, a reply, a ticket assigned).
pub const NOTIFICATION_NEW: &str = "notification:new";
/// Server -> client: some of your notifications were read (in another tab, or by reading a room).
pub const NOTIFICATION_READ: &str = "notification:read";
/// Server -> client: the user's access changed; the socket is closed next and should reconnect.
pub const ACCESS_CHANGED: &str = "access:changed";
/// Server -> client: messages may have been missed (after a Redis outage: `{}`; after the
/// retries of one room ran out: `{roomId}`): sync now.
pub const SYNC_HINT: &str = "sync:hint";

/// `message:send` payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SendPayload {
    /// Room.
    pub room_id: Id,
    /// Idempotency key.
    pub client_id: String,
    /// Text (may be empty when there are attachments).
    #[serde(default)]
    pub body: String,
    /// Thread root.
    pub parent_id: Option<Id>,
    /// Uploads to attach (at most 10).
    #[serde(default)]
    pub attachment_ids: Vec<Id>,
}

/// `message:edit` payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct EditPayload {
    /// Message.
    pub message_id: Id,
    /// New text.
    pub body: String,
}

/// `message:delete` payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct DeletePayload {
    /// Message.
    pub message_id: Id,
}

/// `reaction:toggle` payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReactionPayload {
    /// Message.
    pub message_id: Id,
    /// Emoji.
    pub emoji: String,
}

/// `typing` payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct TypingPayload {
    /// Room.
    pub room_id: Id,
    /// Started (true) or stopped (false).
    pub typing: bool,
}

/// `read` payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ReadPayload {
    /// Room.
    pub room_id: Id,
    /// Newest seq seen.
    pub seq: i64,
}

/// `ack` payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct AckPayload {
    /// Room.
    pub room_id: Id,
    /// The highest seq the client holds with nothing missing before it.
    pub seq: i64,
}

/// `room:watch` and `room:unwatch` payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct WatchPayload {
    /// Room.
    pub room_id: Id,
}

/// `sync` payload.
#[derive(Debug, Deserialize)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct SyncPayload {
    /// Per-room cursors (at most 100 rooms).
    pub cursors: Vec<crate::service::sync::Cursor>,
    /// Messages per room per call (default 100, at most 500).
    pub limit: Option<i64>,
}
