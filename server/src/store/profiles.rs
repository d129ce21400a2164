//! Profiles (title, time zone, status). One query set for both databases.

use chrono::{DateTime, Utc};

use super::{StoreResult, both::impl_both};
use crate::domain::Id;

/// A person's profile beyond their account.
#[derive(Clone, Debug, Default, sqlx::FromRow)]
pub struct ProfileRow {
    /// Whose.
    pub user_id: Id,
    /// Job title ('' when none).
    pub title: String,
    /// IANA time zone name.
    pub timezone: Option<String>,
    /// Status emoji.
    pub status_emoji: Option<String>,
    /// Status text.
    pub status_text: Option<String>,
    /// When the status stops being shown (`None`: until cleared).
    pub status_expires_at: Option<DateTime<Utc>>,
}

impl_both! {
    /// Profiles and who may see whom.
    pub trait ProfileStore {
        /// A user's profile, when they ever set one.
        async fn get_profile(&self, user_id: Id) -> StoreResult<Option<ProfileRow>> {
            let query = sqlx::query_as(
                "SELECT user_id, title, timezone, status_emoji, status_text, status_expires_at \
                 FROM user_profiles WHERE user_id = $1",
            )
            .bind(user_id);
            Self::fetch_optional_row(self.reader(), query).await
        }

        /// Writes a user's whole profile.
        async fn put_profile(&self, profile: &ProfileRow) -> StoreResult<()> {
            let query = sqlx::query(
                "INSERT INTO user_profiles (user_id, title, timezone, status_emoji, status_text, \
                 status_expires_at, updated_at) VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (user_id) DO UPDATE SET title = excluded.title, \
                 timezone = excluded.timezone, status_emoji = excluded.status_emoji, \
                 status_text = excluded.status_text, \
                 status_expires_at = excluded.status_expires_at, updated_at = excluded.updated_at",
            )
            .bind(profile.user_id)
            .bind(&profile.title)
            .bind(&profile.timezone)
            .bind(&profile.status_emoji)
            .bind(&profile.status_text)
            .bind(profile.status_expires_at)
            .bind(crate::store::now());
            Self::execute(self.writer(), query).await?;
            Ok(())
        }

        /// Whether two users are both members of one ticket.
        async fn share_ticket(&self, a: Id, b: Id) -> StoreResult<bool> {
            let query = sqlx::query_scalar(
                "SELECT COUNT(*) FROM room_members x \
                 JOIN room_members y ON y.room_id = x.room_id AND y.user_id = $2 \
                 JOIN rooms r ON r.id = x.room_id AND r.kind = 'ticket' \
                 WHERE x.user_id = $1",
            )
            .bind(a)
            .bind(b);
            let n: i64 = Self::fetch_one_value(self.reader(), query).await?;
            Ok(n > 0)
        }
    }
}
