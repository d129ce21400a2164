//! Messages and reactions. Sends are idempotent on (author, client id) and get gap-free
//! per-room sequence numbers.

use chrono::{DateTime, Utc};

use super::StoreResult;
use crate::domain::{Id, user::Role};

/// A stored message with its author.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct MessageRow {
    /// Id.
    pub id: Id,
    /// Room.
    pub room_id: Id,
    /// Per-room sequence number, from 1, gap-free.
    pub seq: i64,
    /// Author.
    pub author_id: Id,
    /// Author's name.
    pub author_name: String,
    /// Author's global role.
    pub author_role: Role,
    /// The sender's idempotency key.
    pub client_id: String,
    /// Text (empty once deleted).
    pub body: String,
    /// Thread root, for replies.
    pub parent_id: Option<Id>,
    /// Replies, for roots.
    pub reply_count: i64,
    /// Posting time.
    pub created_at: DateTime<Utc>,
    /// Last edit.
    pub edited_at: Option<DateTime<Utc>>,
    /// Deletion time.
    pub deleted_at: Option<DateTime<Utc>>,
    /// Who deleted it.
    pub deleted_by: Option<Id>,
}

/// A message to store.
#[derive(Clone, Debug)]
pub struct NewMessage {
    /// Id to use if it is new.
    pub id: Id,
    /// Room.
    pub room_id: Id,
    /// Author.
    pub author_id: Id,
    /// Idempotency key.
    pub client_id: String,
    /// Validated body.
    pub body: String,
    /// Thread root (validated by the caller).
    pub parent_id: Option<Id>,
    /// Posting time.
    pub created_at: DateTime<Utc>,
}

/// Result of an idempotent insert.
#[derive(Clone, Debug)]
pub enum InsertOutcome {
    /// Stored now, with this seq.
    Created(MessageRow),
    /// The author already sent this client id; here is that message.
    Existing(MessageRow),
}

/// Which slice of a room's history to read.
#[derive(Clone, Copy, Debug)]
pub enum Page {
    /// The newest `limit` messages with seq below `before` (or the newest overall).
    Before(Option<i64>),
    /// The oldest `limit` messages with seq above `after`.
    After(i64),
}

/// Reactions on one message for one emoji.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReactionCount {
    /// Message.
    pub message_id: Id,
    /// Emoji.
    pub emoji: String,
    /// How many users reacted.
    pub count: i64,
    /// Whether the viewer is among them.
    pub me: bool,
}

/// Messages and reactions.
#[async_trait::async_trait]
pub trait MessageStore: Send + Sync {
    /// Stores a message with the room's next seq, or returns the one the author already sent
    /// with this client id. A lost race rolls back entirely (no seq is consumed). Also moves
    /// the author's read and delivery cursors to the new seq.
    async fn insert_message(&self, message: NewMessage) -> StoreResult<InsertOutcome>;
    /// One message.
    async fn get_message(&self, id: Id) -> StoreResult<Option<MessageRow>>;
    /// A slice of a room's history, in ascending seq order.
    async fn list_messages(
        &self,
        room_id: Id,
        page: Page,
        limit: i64,
    ) -> StoreResult<Vec<MessageRow>>;
    /// A thread's replies, in seq order.
    async fn thread_replies(&self, root_id: Id, limit: i64) -> StoreResult<Vec<MessageRow>>;
    /// Replaces the body of a live message.
    async fn edit_message(
        &self,
        id: Id,
        body: &str,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<MessageRow>>;
    /// Soft-deletes a message (the body is erased).
    async fn delete_message(
        &self,
        id: Id,
        by: Id,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<MessageRow>>;
    /// Reaction counts for these messages, as seen by `viewer`.
    async fn reactions_for(
        &self,
        message_ids: &[Id],
        viewer: Id,
    ) -> StoreResult<Vec<ReactionCount>>;
}
