//! Reactions: one row per (message, user, emoji). One query set for both databases.

use super::{StoreResult, both::impl_both};
use crate::domain::Id;

/// One person's reaction on a message, with their name (who reacted with what).
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct ReactorRow {
    /// The emoji.
    pub emoji: String,
    /// Who reacted.
    pub user_id: Id,
    /// Their display name.
    pub name: String,
}

impl_both! {
    /// Adding, removing and counting reactions.
    pub trait ReactionStore {
        /// Adds a reaction; false when the user had it already.
        async fn add_reaction(&self, message_id: Id, user_id: Id, emoji: &str) -> StoreResult<bool> {
            let query = sqlx::query(
                "INSERT INTO reactions (message_id, user_id, emoji, created_at) \
                 VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING",
            );
            let query = query.bind(message_id).bind(user_id).bind(emoji).bind(crate::store::now());
            Ok(Self::execute(self.writer(), query).await? > 0)
        }

        /// Removes a reaction; false when the user did not have it.
        async fn remove_reaction(
            &self,
            message_id: Id,
            user_id: Id,
            emoji: &str,
        ) -> StoreResult<bool> {
            let query = sqlx::query(
                "DELETE FROM reactions WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
            );
            let query = query.bind(message_id).bind(user_id).bind(emoji);
            Ok(Self::execute(self.writer(), query).await? > 0)
        }

        /// Whether the user has this reaction on the message.
        async fn has_reaction(&self, message_id: Id, user_id: Id, emoji: &str) -> StoreResult<bool> {
            let query = sqlx::query_scalar(
                "SELECT COUNT(*) FROM reactions \
                 WHERE message_id = $1 AND user_id = $2 AND emoji = $3",
            );
            let query = query.bind(message_id).bind(user_id).bind(emoji);
            let found: i64 = Self::fetch_one_value(self.writer(), query).await?;
            Ok(found > 0)
        }

        /// Users with this emoji on the message.
        async fn count_reaction(&self, message_id: Id, emoji: &str) -> StoreResult<i64> {
            let query = sqlx::query_scalar(
                "SELECT COUNT(*) FROM reactions WHERE message_id = $1 AND emoji = $2",
            );
            Self::fetch_one_value(self.writer(), query.bind(message_id).bind(emoji)).await
        }

        /// Different emoji this user put on the message.
        async fn user_reaction_count(&self, message_id: Id, user_id: Id) -> StoreResult<i64> {
            let query = sqlx::query_scalar(
                "SELECT COUNT(*) FROM reactions WHERE message_id = $1 AND user_id = $2",
            );
            Self::fetch_one_value(self.writer(), query.bind(message_id).bind(user_id)).await
        }

        /// Everyone who reacted to the message, by emoji (in the order the emoji were first
        /// used, as message views list them), then by when each person reacted.
        async fn message_reactors(&self, message_id: Id) -> StoreResult<Vec<ReactorRow>> {
            let query = sqlx::query_as(
                "SELECT r.emoji, r.user_id, u.name FROM reactions r \
                 JOIN users u ON u.id = r.user_id \
                 JOIN (SELECT emoji, MIN(created_at) AS first_at FROM reactions \
                       WHERE message_id = $1 GROUP BY emoji) f ON f.emoji = r.emoji \
                 WHERE r.message_id = $1 \
                 ORDER BY f.first_at, r.emoji, r.created_at, r.user_id",
            );
            Self::fetch_all_rows(self.reader(), query.bind(message_id)).await
        }
    }
}
