//! The append-only audit log. There is deliberately no update or delete here.

use chrono::{DateTime, Utc};

use super::StoreResult;
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
