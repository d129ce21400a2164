//! Pinned messages (one list per room) and saved messages (one list per user). One query set
//! for both databases.

use chrono::{DateTime, Utc};

use super::{
    MessageRow, StoreResult,
    both::impl_both,
    sql::{message_columns, message_hit_joins, readable_by_viewer},
};
use crate::domain::{Id, policy::Viewer, room::RoomKind};

/// A pinned message, with who pinned it.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PinRow {
    /// The message.
    #[sqlx(flatten)]
    pub message: MessageRow,
    /// When it was pinned.
    pub pinned_at: DateTime<Utc>,
    /// Who pinned it.
    pub pinned_by: Id,
    /// Their name.
    pub pinned_by_name: String,
}

/// A saved message, with its room.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SavedRow {
    /// The message.
    #[sqlx(flatten)]
    pub message: MessageRow,
    /// Its room's slug.
    pub room_slug: String,
    /// Its room's title.
    pub room_title: String,
    /// Its room's kind.
    pub room_kind: RoomKind,
    /// When the user saved it.
    pub saved_at: DateTime<Utc>,
}

impl_both! {
    /// Pins and saved messages.
    pub trait PinStore {
        /// Pins a message to its room; false when it was pinned already.
        async fn pin_message(
            &self,
            message_id: Id,
            room_id: Id,
            by: Id,
            at: DateTime<Utc>,
        ) -> StoreResult<bool> {
            let query = sqlx::query(
                "INSERT INTO message_pins (message_id, room_id, pinned_by, pinned_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            );
            let query = query.bind(message_id).bind(room_id).bind(by).bind(at);
            Ok(Self::execute(self.writer(), query).await? > 0)
        }

        /// Unpins a message; false when it was not pinned.
        async fn unpin_message(&self, message_id: Id) -> StoreResult<bool> {
            let query = sqlx::query("DELETE FROM message_pins WHERE message_id = $1");
            Ok(Self::execute(self.writer(), query.bind(message_id)).await? > 0)
        }

        /// Messages pinned in a room.
        async fn count_pins(&self, room_id: Id) -> StoreResult<i64> {
            let query = sqlx::query_scalar("SELECT COUNT(*) FROM message_pins WHERE room_id = $1");
            Self::fetch_one_value(self.writer(), query.bind(room_id)).await
        }

        /// A room's pinned live messages, the latest pinned first.
        async fn room_pins(&self, room_id: Id, limit: i64) -> StoreResult<Vec<PinRow>> {
            let query = sqlx::query_as(concat!(
                "SELECT ",
                message_columns!(),
                ", p.pinned_at, p.pinned_by, pu.name AS pinned_by_name \
                 FROM message_pins p JOIN messages m ON m.id = p.message_id \
                 JOIN users u ON u.id = m.author_id JOIN users pu ON pu.id = p.pinned_by \
                 WHERE p.room_id = $1 AND m.deleted_at IS NULL \
                 ORDER BY p.pinned_at DESC, p.message_id DESC LIMIT $2"
            ));
            Self::fetch_all_rows(self.reader(), query.bind(room_id).bind(limit)).await
        }

        /// Saves a message for a user; false when it was saved already.
        async fn save_message(&self, user_id: Id, message_id: Id, at: DateTime<Utc>) -> StoreResult<bool> {
            let query = sqlx::query(
                "INSERT INTO saved_messages (user_id, message_id, saved_at) VALUES ($1, $2, $3) \
                 ON CONFLICT DO NOTHING",
            );
            let query = query.bind(user_id).bind(message_id).bind(at);
            Ok(Self::execute(self.writer(), query).await? > 0)
        }

        /// Forgets a saved message; false when it was not saved.
        async fn unsave_message(&self, user_id: Id, message_id: Id) -> StoreResult<bool> {
            let query =
                sqlx::query("DELETE FROM saved_messages WHERE user_id = $1 AND message_id = $2");
            Ok(Self::execute(self.writer(), query.bind(user_id).bind(message_id)).await? > 0)
        }

        /// The viewer's saved live messages that they may still read, the latest saved first,
        /// before a (saved_at, message id) cursor.
        async fn saved_messages(
            &self,
            viewer: &Viewer,
            before: Option<(DateTime<Utc>, Id)>,
            limit: i64,
        ) -> StoreResult<Vec<SavedRow>> {
            let sql = concat!(
                "SELECT ",
                message_columns!(),
                ", r.slug AS room_slug, r.title AS room_title, r.kind AS room_kind, s.saved_at \
                 FROM saved_messages s JOIN messages m ON m.id = s.message_id",
                message_hit_joins!(),
                "WHERE s.user_id = $1 AND m.deleted_at IS NULL AND ",
                readable_by_viewer!("$7"),
                " AND ($4 IS NULL OR s.saved_at < $4 OR (s.saved_at = $4 AND s.message_id < $5)) \
                 ORDER BY s.saved_at DESC, s.message_id DESC LIMIT $6"
            );
            let query = Self::query_page_as_viewer(sql, viewer, before, limit);
            Self::fetch_all_rows(self.reader(), query).await
        }
    }
}
