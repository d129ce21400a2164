//! E-mail notifications: who has mentions and DMs waiting to be e-mailed, marking them e-mailed
//! in the transaction that queues the mail, and the server's own keys. One query set for both
//! databases.

use chrono::{DateTime, Utc};
use serde_json::Value;

use super::{
    NotificationRow, StoreResult, both::impl_both, notifications::notification_select,
    ops::JobFields,
};
use crate::domain::Id;

/// Someone with notifications waiting to be e-mailed, and how they want them.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct DigestCandidate {
    /// Who.
    pub user_id: Id,
    /// Their oldest waiting notification.
    pub oldest: DateTime<Utc>,
    /// Minutes a notification must stay unread before it is e-mailed.
    pub email_delay_minutes: i64,
    /// Start of quiet hours (`HH:MM`, their time zone).
    pub quiet_hours_start: Option<String>,
    /// End of quiet hours.
    pub quiet_hours_end: Option<String>,
    /// Their time zone.
    pub timezone: String,
}

/// The notifications of `notifications n` that an e-mail may carry at `$now`: unread, not
/// e-mailed, a mention or a DM, and from a room that is neither muted nor at level `none` for
/// the person, unless they were mentioned by handle (Slack's rule, as for the notification).
macro_rules! emailable {
    ($now:literal) => {
        concat!(
            "n.read_at IS NULL AND n.emailed_at IS NULL AND n.kind IN ('mention', 'dm') \
             AND (EXISTS (SELECT 1 FROM message_mentions mm \
                          WHERE mm.message_id = n.message_id AND mm.user_id = n.user_id) \
                  OR NOT EXISTS (SELECT 1 FROM room_members rm \
                                 WHERE rm.room_id = n.room_id AND rm.user_id = n.user_id \
                                   AND (rm.notify_level = 'none' OR rm.muted_until > ",
            $now,
            "))) "
        )
    };
}

impl_both! {
    /// E-mail notifications and server keys.
    pub trait DigestStore {
        /// People with e-mailable notifications created at or before `before`, who may get
        /// mail (active, not banned, e-mail notifications on), with their preferences.
        async fn digest_candidates(
            &self,
            before: DateTime<Utc>,
            now: DateTime<Utc>,
            limit: i64,
        ) -> StoreResult<Vec<DigestCandidate>> {
            let query = sqlx::query_as(concat!(
                "SELECT n.user_id, MIN(n.created_at) AS oldest, \
                 COALESCE(p.email_delay_minutes, 15) AS email_delay_minutes, \
                 p.quiet_hours_start, p.quiet_hours_end, COALESCE(p.timezone, 'UTC') AS timezone \
                 FROM notifications n JOIN users u ON u.id = n.user_id \
                 LEFT JOIN user_preferences p ON p.user_id = n.user_id \
                 WHERE n.created_at <= $1 AND ",
                emailable!("$2"),
                "AND u.deactivated_at IS NULL \
                 AND COALESCE(p.email_notifications, 'mentions_dms') = 'mentions_dms' \
                 AND NOT EXISTS (SELECT 1 FROM bans b WHERE b.user_id = n.user_id \
                                 AND (b.expires_at IS NULL OR b.expires_at > $2)) \
                 GROUP BY n.user_id, p.email_delay_minutes, p.quiet_hours_start, \
                 p.quiet_hours_end, p.timezone ORDER BY MIN(n.created_at) LIMIT $3"
            ))
            .bind(before)
            .bind(now)
            .bind(limit);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// Marks the user's e-mailable notifications created at or before `before` e-mailed and,
        /// in the same transaction, queues the job `payload(ids)` of kind `kind` that sends
        /// them; the ids marked (none: nothing was queued). Two sweeps racing mark each
        /// notification once: the second finds it e-mailed already.
        async fn claim_for_email(
            &self,
            user_id: Id,
            before: DateTime<Utc>,
            kind: &'static str,
            payload: &(dyn Fn(Vec<Id>) -> Value + Send + Sync),
        ) -> StoreResult<Vec<Id>> {
            let now = crate::store::now();
            let mut tx = self.begin().await?;
            let query = sqlx::query_scalar(concat!(
                "UPDATE notifications SET emailed_at = $3 WHERE id IN (\
                 SELECT n.id FROM notifications n WHERE n.user_id = $1 AND n.created_at <= $2 AND ",
                emailable!("$3"),
                ") AND emailed_at IS NULL AND read_at IS NULL RETURNING id"
            ))
            .bind(user_id)
            .bind(before)
            .bind(now);
            let mut ids: Vec<Id> = Self::fetch_all_values(&mut *tx, query).await?;
            if ids.is_empty() {
                return Ok(ids);
            }
            ids.sort();
            let payload = payload(ids.clone());
            let subject = user_id.to_string();
            let job = JobFields {
                kind,
                dedupe_key: None,
                subject: Some(&subject),
                payload: &payload,
                run_at: now,
            };
            Self::insert_job(&mut tx, &job).await?;
            tx.commit().await.map_err(Self::db_err)?;
            Ok(ids)
        }

        /// These notifications of a user, oldest first.
        async fn notifications_by_ids(
            &self,
            user_id: Id,
            ids: &[Id],
        ) -> StoreResult<Vec<NotificationRow>> {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let query = sqlx::query_as(concat!(
                notification_select!(),
                "WHERE n.user_id = $1 AND n.id ",
                in_list!("$2"),
                " ORDER BY n.created_at, n.id"
            ))
            .bind(user_id)
            .bind(Self::list(ids)?);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// The server key `name`: the one stored, or `fresh` stored now when there is none
        /// (every instance then reads the same).
        async fn server_key(&self, name: &str, fresh: &str) -> StoreResult<String> {
            let query = sqlx::query(
                "INSERT INTO server_keys (name, value, created_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (name) DO NOTHING",
            )
            .bind(name)
            .bind(fresh)
            .bind(crate::store::now());
            Self::execute(self.writer(), query).await?;
            let query = sqlx::query_scalar("SELECT value FROM server_keys WHERE name = $1").bind(name);
            Self::fetch_one_value(self.writer(), query).await
        }
    }
}
