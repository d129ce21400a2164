//! The append-only audit log (triggers refuse UPDATE and DELETE). There is deliberately no
//! update or delete here. One query set for both databases.
//!
//! A change that is audited takes its rows (`audit: &[AuditEntry]`) and appends them in its
//! own transaction (`append_audit_in`): the change and its record commit together or not at
//! all, and rows are appended only when something changed. [`AuditStore::append_audit`] is for
//! actions that change nothing, such as exports.

use chrono::{DateTime, Utc};

use sqlx::types::Json;

use super::{EndSessions, StoreResult, both::impl_both, sql::audit_columns};
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

/// `entries`, with `revokedSessions` (how many sessions the change ended) in their metadata
/// when the change was to end sessions.
pub(crate) fn revoking(entries: &[AuditEntry], end: EndSessions, ended: &[Id]) -> Vec<AuditEntry> {
    let mut entries = entries.to_vec();
    if end == EndSessions::None {
        return entries;
    }
    for entry in &mut entries {
        if let serde_json::Value::Object(metadata) = &mut entry.metadata {
            metadata.insert("revokedSessions".into(), ended.len().into());
        }
    }
    entries
}

impl_both! {
    impl {
        /// Appends `entries` inside the caller's transaction, with the change they record.
        pub(crate) async fn append_audit_in(
            conn: &mut Conn,
            entries: &[AuditEntry],
        ) -> StoreResult<()> {
            for entry in entries {
                let query = sqlx::query(
                    "INSERT INTO audit_log (id, at, actor_id, actor_email, action, target_type, \
                     target_id, metadata, ip, request_id) \
                     VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10)",
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
                .bind(&entry.request_id);
                Self::execute(&mut *conn, query).await?;
            }
            Ok(())
        }

        /// Appends `audit` to the transaction's change and commits both.
        pub(crate) async fn commit_with_audit(
            mut tx: sqlx::Transaction<'_, Db>,
            audit: &[AuditEntry],
        ) -> StoreResult<()> {
            Self::append_audit_in(&mut tx, audit).await?;
            tx.commit().await.map_err(Self::db_err)
        }

        /// Runs `query`, the one statement of a change, in a transaction with `audit`, appended
        /// when it changed a row; whether it did.
        pub(crate) async fn execute_audited(
            &self,
            query: sqlx::query::Query<'_, Db, <Db as sqlx::Database>::Arguments>,
            audit: &[AuditEntry],
        ) -> StoreResult<bool> {
            let mut tx = self.begin().await?;
            let changed = Self::execute(&mut *tx, query).await? > 0;
            Self::commit_audited(tx, changed, audit).await
        }

        /// Appends `audit` when the transaction's change `changed` something, commits, and
        /// answers `changed`.
        pub(crate) async fn commit_audited(
            tx: sqlx::Transaction<'_, Db>,
            changed: bool,
            audit: &[AuditEntry],
        ) -> StoreResult<bool> {
            Self::commit_with_audit(tx, if changed { audit } else { &[] }).await?;
            Ok(changed)
        }
    }
}

impl_both! {
    /// Writes and reads the audit log.
    pub trait AuditStore {
        /// Appends a row on its own, for an action that changes nothing (a read, a failed
        /// sign-in); changes carry their rows instead.
        async fn append_audit(&self, entry: &AuditEntry) -> StoreResult<()> {
            let mut conn = self.writer().acquire().await.map_err(Self::db_err)?;
            Self::append_audit_in(&mut conn, std::slice::from_ref(entry)).await
        }

        /// Lists rows, newest first.
        async fn list_audit(&self, filter: &AuditFilter) -> StoreResult<Vec<AuditRow>> {
            let (before_at, before_id) = filter.before.unzip();
            let (action_exact, action_prefix) = action_filter(filter.action.as_deref());
            let query = sqlx::query_as(concat!(
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
            .bind(filter.limit);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// The names the audit log shows for these ids: a user's name, a room's (or a
        /// ticket's) title. Ids that are neither are left out.
        async fn audit_names(&self, ids: &[Id]) -> StoreResult<Vec<(Id, String)>> {
            if ids.is_empty() {
                return Ok(Vec::new());
            }
            let query = sqlx::query_as(concat!(
                "SELECT id, name FROM users WHERE id ",
                in_list!("$1"),
                " UNION ALL SELECT id, title FROM rooms WHERE id ",
                in_list!("$1")
            ))
            .bind(Self::list(ids)?);
            Self::fetch_all_rows(self.reader(), query).await
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

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use serde_json::json;

    use crate::{
        domain::{Id, room::RoomKind, user::Role},
        store::{
            AuditEntry, AuditFilter, BanRow, DynStore, EndSessions, NewRoom, NewSession, NewUser,
            UserPatch, sqlite::SqliteStore,
        },
    };

    fn entry(action: &'static str) -> AuditEntry {
        AuditEntry {
            actor_id: None,
            actor_email: None,
            action,
            target_type: "test",
            target_id: None,
            metadata: json!({}),
            ip: None,
            request_id: None,
        }
    }

    /// With the audit table refusing rows, every audited change fails and leaves nothing
    /// behind; unaudited changes go on.
    #[tokio::test]
    async fn a_change_rolls_back_when_its_audit_row_fails() -> anyhow::Result<()> {
        let path = std::env::temp_dir().join(format!("sb-audit-{}.db", Id::new()));
        let url = format!("sqlite://{}", path.display());
        let sqlite = SqliteStore::connect(&url, 2, Duration::from_secs(1))
            .await
            .map_err(|e| anyhow::anyhow!("{e:?}"))?;
        let writer = sqlite.writer().clone();
        let store: DynStore = std::sync::Arc::new(sqlite);
        let user = store
            .create_user(
                NewUser {
                    id: Id::new(),
                    email: "a@example.com".into(),
                    name: "A".into(),
                    password_hash: Some("old".into()),
                    role: Role::Staff,
                    department: None,
                    email_verified_at: None,
                    handle: None,
                },
                &[entry("user.create")],
            )
            .await?;
        let session = NewSession {
            id: Id::new(),
            token_hash: "hash".into(),
            user_id: user.id,
            expires_at: crate::store::now() + chrono::Duration::hours(1),
            ip: None,
            user_agent: None,
            ticket_scope: None,
        };
        store.create_session(&session).await?;
        sqlx::query(
            "CREATE TRIGGER audit_refused BEFORE INSERT ON audit_log \
             BEGIN SELECT RAISE(ABORT, 'audit refused'); END",
        )
        .execute(&writer)
        .await?;

        let audit = [entry("refused")];
        let rename = UserPatch {
            name: Some("B".into()),
            ..UserPatch::default()
        };
        assert!(store.update_user(user.id, &rename, &audit).await.is_err());
        let ban = BanRow {
            user_id: user.id,
            reason: "spam".into(),
            banned_by: None,
            banned_at: crate::store::now(),
            expires_at: None,
        };
        assert!(store.put_ban(&ban, EndSessions::All, &audit).await.is_err());
        let password = store.set_password_hash(user.id, "new", EndSessions::All, &audit);
        assert!(password.await.is_err());
        let room = NewRoom {
            id: Id::new(),
            slug: "atomic".into(),
            title: "Atomic".into(),
            description: String::new(),
            kind: RoomKind::Public,
            department: None,
            tags: Vec::new(),
            created_by: Some(user.id),
            dm_key: None,
            members: vec![(user.id, crate::domain::room::RoomRole::Owner)],
        };
        assert!(store.create_room(&room, &audit).await.is_err());

        let after = store
            .get_user(user.id)
            .await?
            .ok_or_else(|| anyhow::anyhow!("the user is gone"))?;
        assert_eq!(after.name, "A");
        assert_eq!(after.password_hash.as_deref(), Some("old"));
        assert!(store.get_ban(user.id).await?.is_none());
        assert!(store.session_exists(session.id).await?);
        assert!(store.get_room(room.id).await?.is_none());
        let rows = store
            .list_audit(&AuditFilter {
                limit: 10,
                ..AuditFilter::default()
            })
            .await?;
        assert_eq!(rows.len(), 1, "only the first user's row: {rows:?}");

        store.create_room(&room, &[]).await?;
        assert!(store.get_room(room.id).await?.is_some());
        store.close().await;
        // A leftover file in the temporary directory is harmless.
        for suffix in ["", "-wal", "-shm"] {
            let _removed = std::fs::remove_file(format!("{}{suffix}", path.display()));
        }
        Ok(())
    }
}
