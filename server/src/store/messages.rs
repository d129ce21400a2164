//! Messages and reactions. Sends are idempotent on (author, client id) and get gap-free
//! per-room sequence numbers. One query set for both databases, but for the send itself
//! (`sqlite/sends.rs`, `postgres/messages.rs`).

use chrono::{DateTime, Utc};

use super::{AuditEntry, StoreResult, both::impl_both, sql::message_select};
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
    /// Whether it is pinned to its room (false where a query does not say: a new message).
    #[sqlx(default)]
    pub pinned: bool,
    /// Its link preview as stored (see [`crate::domain::preview::StoredPreview`]); absent
    /// where a query does not select it (a new message has none).
    #[sqlx(default)]
    pub preview: Option<sqlx::types::Json<serde_json::Value>>,
    /// The version of the author's avatar (`None`: none).
    #[sqlx(default)]
    pub author_avatar_version: Option<i64>,
}

/// A text a message had before a change replaced it (an edit, or a moderator's deletion).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct EditRow {
    /// The text as it was.
    pub body: String,
    /// When it was replaced.
    pub edited_at: DateTime<Utc>,
    /// Who replaced it.
    pub editor_id: Id,
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
    /// Replaces the body of a live message, keeping the text it had in its edit history (in
    /// the same transaction).
    async fn edit_message(
        &self,
        id: Id,
        body: &str,
        editor: Id,
        at: DateTime<Utc>,
    ) -> StoreResult<Option<MessageRow>>;
    /// Soft-deletes a message (the body is erased, its pin and reactions go), with the audit
    /// rows. With `keep_text`, the text it had goes to its edit history first.
    async fn delete_message(
        &self,
        id: Id,
        by: Id,
        at: DateTime<Utc>,
        keep_text: bool,
        audit: &[AuditEntry],
    ) -> StoreResult<Option<MessageRow>>;
    /// Sets (or with `None` clears) a live message's link preview; false when the message is
    /// gone or deleted.
    async fn set_message_preview(
        &self,
        id: Id,
        preview: Option<&serde_json::Value>,
    ) -> StoreResult<bool>;
    /// The texts a message had before its changes, oldest first.
    async fn message_edits(&self, id: Id) -> StoreResult<Vec<EditRow>>;
    /// Reaction counts for these messages, as seen by `viewer`.
    async fn reactions_for(
        &self,
        message_ids: &[Id],
        viewer: Id,
    ) -> StoreResult<Vec<ReactionCount>>;
}

impl_both! {
    impl MessageStore {
        async fn insert_message(&self, message: NewMessage) -> StoreResult<InsertOutcome> {
            self.store_message(message).await
        }

        async fn get_message(&self, id: Id) -> StoreResult<Option<MessageRow>> {
            let query = sqlx::query_as(concat!(message_select!(), "WHERE m.id = $1"));
            Self::fetch_optional_row(self.reader(), query.bind(id)).await
        }

        async fn list_messages(
            &self,
            room_id: Id,
            page: Page,
            limit: i64,
        ) -> StoreResult<Vec<MessageRow>> {
            let query = match page {
                Page::Before(before) => sqlx::query_as(concat!(
                    "SELECT * FROM (",
                    message_select!(),
                    "WHERE m.room_id = $1 AND m.seq < $2 ORDER BY m.seq DESC LIMIT $3) AS page ORDER BY seq"
                ))
                .bind(room_id)
                .bind(before.unwrap_or(i64::MAX)),
                Page::After(after) => sqlx::query_as(concat!(
                    message_select!(),
                    "WHERE m.room_id = $1 AND m.seq > $2 ORDER BY m.seq LIMIT $3"
                ))
                .bind(room_id)
                .bind(after),
            };
            Self::fetch_all_rows(self.reader(), query.bind(limit)).await
        }

        async fn thread_replies(&self, root_id: Id, limit: i64) -> StoreResult<Vec<MessageRow>> {
            let query = sqlx::query_as(concat!(
                message_select!(),
                "WHERE m.parent_id = $1 ORDER BY m.seq LIMIT $2"
            ));
            Self::fetch_all_rows(self.reader(), query.bind(root_id).bind(limit)).await
        }

        async fn edit_message(
            &self,
            id: Id,
            body: &str,
            editor: Id,
            at: DateTime<Utc>,
        ) -> StoreResult<Option<MessageRow>> {
            let mut tx = self.begin().await?;
            if !Self::keep_text(&mut tx, id, editor, at).await? {
                return Ok(None);
            }
            let query = sqlx::query("UPDATE messages SET body = $2, edited_at = $3 WHERE id = $1");
            Self::execute(&mut *tx, query.bind(id).bind(body).bind(at)).await?;
            tx.commit().await.map_err(Self::db_err)?;
            self.get_message(id).await
        }

        async fn delete_message(
            &self,
            id: Id,
            by: Id,
            at: DateTime<Utc>,
            keep_text: bool,
            audit: &[AuditEntry],
        ) -> StoreResult<Option<MessageRow>> {
            let mut tx = self.begin().await?;
            if keep_text {
                Self::keep_text(&mut tx, id, by, at).await?;
            }
            let query = sqlx::query(
                "UPDATE messages SET body = '', deleted_at = $3, deleted_by = $2 \
                 WHERE id = $1 AND deleted_at IS NULL",
            );
            let deleted = Self::execute(&mut *tx, query.bind(id).bind(by).bind(at)).await? > 0;
            for sql in [
                "DELETE FROM reactions WHERE message_id = $1",
                "DELETE FROM message_pins WHERE message_id = $1",
            ] {
                Self::execute(&mut *tx, sqlx::query(sql).bind(id)).await?;
            }
            Self::commit_audited(tx, deleted, audit).await?;
            self.get_message(id).await
        }

        async fn set_message_preview(
            &self,
            id: Id,
            preview: Option<&serde_json::Value>,
        ) -> StoreResult<bool> {
            let query = sqlx::query(
                "UPDATE messages SET preview = $2 WHERE id = $1 AND deleted_at IS NULL",
            );
            let query = query.bind(id).bind(preview.map(sqlx::types::Json));
            Ok(Self::execute(self.writer(), query).await? > 0)
        }

        async fn message_edits(&self, id: Id) -> StoreResult<Vec<EditRow>> {
            let query = sqlx::query_as(
                "SELECT body, edited_at, editor_id FROM message_edits \
                 WHERE message_id = $1 ORDER BY edited_at, id",
            );
            Self::fetch_all_rows(self.reader(), query.bind(id)).await
        }

        async fn reactions_for(
            &self,
            message_ids: &[Id],
            viewer: Id,
        ) -> StoreResult<Vec<ReactionCount>> {
            if message_ids.is_empty() {
                return Ok(Vec::new());
            }
            let query = sqlx::query_as(concat!(
                "SELECT message_id, emoji, COUNT(*) AS count, \
                 MAX(CASE WHEN user_id = $2 THEN 1 ELSE 0 END) = 1 AS me \
                 FROM reactions WHERE message_id ",
                in_list!("$1"),
                " GROUP BY message_id, emoji ORDER BY message_id, MIN(created_at), emoji"
            ));
            let query = query.bind(Self::list(message_ids)?).bind(viewer);
            Self::fetch_all_rows(self.reader(), query).await
        }
    }
}

impl_both! {
    impl {
        /// Copies the text of live message `id` to its edit history, inside the transaction
        /// that changes it (the row stays locked until then, so concurrent edits each keep the
        /// text they replace); false when there is no such live message.
        async fn keep_text(
            tx: &mut sqlx::Transaction<'_, Db>,
            id: Id,
            editor: Id,
            at: DateTime<Utc>,
        ) -> StoreResult<bool> {
            let query = sqlx::query_scalar(concat!(
                "SELECT body FROM messages WHERE id = $1 AND deleted_at IS NULL",
                for_update!()
            ));
            let Some(body): Option<String> =
                Self::fetch_optional_value(&mut **tx, query.bind(id)).await?
            else {
                return Ok(false);
            };
            let query = sqlx::query(
                "INSERT INTO message_edits (id, message_id, body, edited_at, editor_id) \
                 VALUES ($1, $2, $3, $4, $5)",
            );
            let query = query.bind(Id::new()).bind(id).bind(body).bind(at).bind(editor);
            Self::execute(&mut **tx, query).await?;
            Ok(true)
        }
    }
}
