//! The append-only audit log (triggers refuse UPDATE and DELETE). There is deliberately no
//! update or delete here. One query set for both databases.

use chrono::{DateTime, Utc};

use sqlx::types::Json;

use super::{StoreResult, both::impl_both, sql::audit_columns};
use crate::domain::Id;

/// An audit row to append.
#[derive(Clone, Debug)]
pub struct AuditEntry {
    /// Who acted (`None` for the system or an anonymous client).
    pub actor_id: Option<Id>,
    /// The actor's e-mail at the time, so the row outlives the account.
    pub actor_email: Option<String>,
    /// Dotted action name, e.g. `user.ban`.
    pub action: &'static str,
    /// What kind of thing was acted on: `user`, `room`, `message`, `ticket`, ...
    pub target_type: &'static str,
    /// Its id (or another stable key).
    pub target_id: Option<String>,
    /// Details (never message text or secrets).
    pub metadata: serde_json::Value,
    /// Client address.
    pub ip: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
}

/// A stored audit row.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AuditRow {
    /// Id (time-ordered).
    pub id: Id,
    /// When.
    pub at: DateTime<Utc>,
    /// Actor id.
    pub actor_id: Option<Id>,
    /// Actor e-mail snapshot.
    pub actor_email: Option<String>,
    /// Action.
    pub action: String,
    /// Target type.
    pub target_type: String,
    /// Target id.
    pub target_id: Option<String>,
    /// Details.
    pub metadata: sqlx::types::Json<serde_json::Value>,
    /// Client address.
    pub ip: Option<String>,
    /// Request id.
    pub request_id: Option<String>,
}

/// Filters of the audit list (all optional), newest first.
#[derive(Clone, Debug, Default)]
pub struct AuditFilter {
    /// Action, exact or a prefix ending in `.` (e.g. `user.`).
    pub action: Option<String>,
    /// Actor id.
    pub actor_id: Option<Id>,
    /// Target id.
    pub target_id: Option<String>,
    /// Rows strictly older than this (at, id) cursor.
    pub before: Option<(DateTime<Utc>, Id)>,
    /// Rows at or after this time.
    pub since: Option<DateTime<Utc>>,
    /// Page size.
    pub limit: i64,
}

/// Writes and reads the audit log.
#[async_trait::async_trait]
pub trait AuditStore: Send + Sync {
    /// Appends a row.
    async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()>;
    /// Lists rows, newest first.
    async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRow>>;
}

impl_both! {
    impl AuditStore {
        async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
            let _timer = self.timer("append_audit");
            sqlx::query(
                "INSERT INTO audit_log (id, at, actor_id, actor_email, action, target_type, target_id, \
                 metadata, ip, request_id) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
            )
            .bind(Id::new())
            .bind(crate::store::now())
            .bind(entry.actor_id)
            .bind(&entry.actor_email)
            .bind(entry.action)
            .bind(entry.target_type)
            .bind(&entry.target_id)
            .bind(Json(&entry.metadata))
            .bind(&entry.ip)
            .bind(&entry.request_id)
            .execute(self.writer())
            .await
            .map_err(Self::db_err)?;
            Ok(())
        }

        async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRow>> {
            let _timer = self.timer("list_audit");
            let (before_at, before_id) = filter.before.unzip();
            let (action_exact, action_prefix) = action_filter(filter.action.as_deref());
            sqlx::query_as(concat!(
                "SELECT ", audit_columns!(), " FROM audit_log \
                 WHERE ($1 IS NULL OR action = $1) AND ($2 IS NULL OR substr(action, 1, length($2)) = $2) \
                   AND ($3 IS NULL OR actor_id = $3) AND ($4 IS NULL OR target_id = $4) \
                   AND ($5 IS NULL OR at < $5 OR (at = $5 AND id < $6)) AND ($7 IS NULL OR at >= $7) \
                 ORDER BY at DESC, id DESC LIMIT $8"
            ))
            .bind(action_exact)
            .bind(action_prefix)
            .bind(filter.actor_id)
            .bind(&filter.target_id)
            .bind(before_at)
            .bind(before_id)
            .bind(filter.since)
            .bind(filter.limit)
            .fetch_all(self.reader())
            .await
            .map_err(Self::db_err)
        }
    }
}

/// Splits an action filter into an exact match or a prefix (`user.` matches `user.ban`).
fn action_filter(action: Option<&str>) -> (Option<&str>, Option<&str>) {
    match action {
        Some(a) if a.ends_with('.') => (None, Some(a)),
        Some(a) => (Some(a), None),
        None => (None, None),
    }
}
