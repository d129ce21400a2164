//! Web Push subscriptions: one per browser endpoint, owned by a user's session (ending the
//! session ends them). One query set for both databases.

use chrono::{DateTime, Utc};

use super::{StoreResult, both::impl_both};
use crate::domain::Id;

/// A browser's push subscription.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct PushSubscriptionRow {
    /// Id.
    pub id: Id,
    /// Whose notifications it receives.
    pub user_id: Id,
    /// The session that registered it.
    pub session_id: Id,
    /// The push service's URL for this browser.
    pub endpoint: String,
    /// The browser's P-256 public key (base64url).
    pub p256dh: String,
    /// The browser's authentication secret (base64url).
    pub auth: String,
    /// When it was registered.
    pub created_at: DateTime<Utc>,
}

macro_rules! subscription_select {
    () => {
        "SELECT id, user_id, session_id, endpoint, p256dh, auth, created_at \
         FROM push_subscriptions "
    };
}

impl_both! {
    /// Web Push subscriptions.
    pub trait PushStore {
        /// Stores a subscription; the endpoint of an existing one is taken over (a browser
        /// subscribes again with new keys, or another person signs in on it).
        async fn put_push_subscription(&self, sub: &PushSubscriptionRow) -> StoreResult<()> {
            let query = sqlx::query(
                "INSERT INTO push_subscriptions \
                   (id, user_id, session_id, endpoint, p256dh, auth, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) \
                 ON CONFLICT (endpoint) DO UPDATE SET user_id = excluded.user_id, \
                   session_id = excluded.session_id, p256dh = excluded.p256dh, auth = excluded.auth",
            )
            .bind(sub.id)
            .bind(sub.user_id)
            .bind(sub.session_id)
            .bind(&sub.endpoint)
            .bind(&sub.p256dh)
            .bind(&sub.auth)
            .bind(sub.created_at);
            Self::execute(self.writer(), query).await?;
            Ok(())
        }

        /// Deletes the user's subscription of `endpoint`; whether there was one.
        async fn delete_push_subscription(&self, user_id: Id, endpoint: &str) -> StoreResult<bool> {
            let query =
                sqlx::query("DELETE FROM push_subscriptions WHERE user_id = $1 AND endpoint = $2")
                    .bind(user_id)
                    .bind(endpoint);
            Ok(Self::execute(self.writer(), query).await? > 0)
        }

        /// Deletes a subscription the push service no longer knows.
        async fn drop_push_subscription(&self, id: Id) -> StoreResult<bool> {
            let query = sqlx::query("DELETE FROM push_subscriptions WHERE id = $1").bind(id);
            Ok(Self::execute(self.writer(), query).await? > 0)
        }

        /// The user's subscriptions.
        async fn push_subscriptions_of(&self, user_id: Id) -> StoreResult<Vec<PushSubscriptionRow>> {
            let query = sqlx::query_as(concat!(
                subscription_select!(),
                "WHERE user_id = $1 ORDER BY created_at, id"
            ))
            .bind(user_id);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// One subscription.
        async fn get_push_subscription(&self, id: Id) -> StoreResult<Option<PushSubscriptionRow>> {
            let query = sqlx::query_as(concat!(subscription_select!(), "WHERE id = $1")).bind(id);
            Self::fetch_optional_row(self.writer(), query).await
        }
    }
}
