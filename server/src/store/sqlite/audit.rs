//! The audit log on SQLite (append-only; triggers refuse UPDATE and DELETE).

use sqlx::types::Json;

use super::{SqliteStore, err};
use crate::domain::Id;
use crate::store::{
    AuditEntry, AuditFilter, AuditRow, AuditStore, StoreResult, sql::audit_columns,
};

#[async_trait::async_trait]
impl AuditStore for SqliteStore {
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
        .execute(&self.writer)
        .await
        .map_err(err)?;
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
        .fetch_all(&self.reader)
        .await
        .map_err(err)
    }
}

/// Splits an action filter into an exact match or a prefix (`user.` matches `user.ban`).
pub(crate) fn action_filter(action: Option<&str>) -> (Option<&str>, Option<&str>) {
    match action {
        Some(a) if a.ends_with('.') => (None, Some(a)),
        Some(a) => (Some(a), None),
        None => (None, None),
    }
}
