//! Users, sessions and bans. One query set for both databases.

use chrono::{DateTime, Utc};

use sqlx::{FromRow, Row};

use super::{
    AuditEntry, StoreResult,
    audit::revoking,
    both::impl_both,
    sql::{
        like_nocase, like_pattern, session_auth_select, set_or_keep, user_returning, user_select,
    },
};
use crate::domain::{Id, user::Role};

/// A stored user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct UserRow {
    /// Id.
    pub id: Id,
    /// Lower-cased e-mail address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Argon2id PHC string; `None` for customers who never set a password.
    pub password_hash: Option<String>,
    /// Global role.
    pub role: Role,
    /// Department, if any.
    pub department: Option<String>,
    /// Creation time.
    pub created_at: DateTime<Utc>,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// Last authenticated request or socket.
    pub last_seen_at: Option<DateTime<Utc>>,
    /// When the user proved they own the address (`None`: not yet; such an account cannot
    /// sign in with a password).
    pub email_verified_at: Option<DateTime<Utc>>,
    /// When an admin deactivated the account (`None`: active).
    pub deactivated_at: Option<DateTime<Utc>>,
    /// The unique `@handle` (`None` only until an account made before handles is given one).
    pub handle: Option<String>,
    /// The version of their avatar (`None`: none); absent where a query does not select it.
    #[sqlx(default)]
    pub avatar_version: Option<i64>,
}

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser {
    /// Id (chosen by the caller, so that its audit row can name it).
    pub id: Id,
    /// Normalised e-mail address.
    pub email: String,
    /// Display name.
    pub name: String,
    /// Argon2id PHC string.
    pub password_hash: Option<String>,
    /// Global role.
    pub role: Role,
    /// Department.
    pub department: Option<String>,
    /// When the address was proven (`None`: not yet).
    pub email_verified_at: Option<DateTime<Utc>>,
    /// The unique `@handle`.
    pub handle: Option<String>,
}

/// Changes to a user; `None` leaves a field alone.
#[derive(Clone, Debug, Default)]
pub struct UserPatch {
    /// New name.
    pub name: Option<String>,
    /// New role.
    pub role: Option<Role>,
    /// New department (`Some(None)` clears it).
    pub department: Option<Option<String>>,
}

/// Filter and page for the user list.
#[derive(Clone, Debug, Default)]
pub struct UserFilter {
    /// Substring of name or e-mail.
    pub q: Option<String>,
    /// Only this role.
    pub role: Option<Role>,
    /// Only users created before this (created_at, id) cursor.
    pub before: Option<(DateTime<Utc>, Id)>,
    /// Page size.
    pub limit: i64,
}

/// A ban on a user.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct BanRow {
    /// The banned user.
    pub user_id: Id,
    /// Why, for admins.
    pub reason: String,
    /// Who banned.
    pub banned_by: Option<Id>,
    /// When.
    pub banned_at: DateTime<Utc>,
    /// When it lifts by itself (`None` = never).
    pub expires_at: Option<DateTime<Utc>>,
}

impl BanRow {
    /// True while the ban is in force.
    pub fn is_active(&self, now: DateTime<Utc>) -> bool {
        self.expires_at.is_none_or(|expires| expires > now)
    }
}

/// The sessions a change ends in its own transaction, so that no session outlives it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum EndSessions {
    /// None.
    None,
    /// Every session and follow link of the user.
    All,
    /// Every session of the user but this one (the caller's own), and every follow link.
    AllBut(Id),
}

/// A session to create; only the hash of its token is stored.
#[derive(Clone, Debug)]
pub struct NewSession {
    /// Session id.
    pub id: Id,
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Owner.
    pub user_id: Id,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Client address.
    pub ip: Option<String>,
    /// Client user agent (truncated).
    pub user_agent: Option<String>,
    /// For follow-link sessions: the one ticket they may read.
    pub ticket_scope: Option<Id>,
}

/// What an authenticated request needs: the session, its user and any ban.
#[derive(Clone, Debug)]
pub struct SessionAuth {
    /// Session id.
    pub session_id: Id,
    /// Session expiry.
    pub expires_at: DateTime<Utc>,
    /// Last use, to throttle updates of it.
    pub last_used_at: DateTime<Utc>,
    /// The user.
    pub user: UserRow,
    /// The user's ban, if any (possibly expired).
    pub ban: Option<BanRow>,
    /// For follow-link sessions: the one ticket they may read.
    pub ticket_scope: Option<Id>,
}

/// `SELECT` of [`BanRow`]; add `WHERE ...`.
macro_rules! ban_select {
    () => {
        "SELECT user_id, reason, banned_by, banned_at, expires_at FROM bans "
    };
}

impl_both! {
    /// User accounts and bans.
    pub trait UserStore {
        /// Creates a user, with its audit rows.
        async fn create_user(&self, user: NewUser, audit: &[AuditEntry]) -> StoreResult<UserRow> {
            let mut tx = self.begin().await?;
            let query = sqlx::query_as(concat!(
                "INSERT INTO users (id, email, name, password_hash, role, department, created_at, \
                 updated_at, email_verified_at, handle) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8, $9) \
                 RETURNING ",
                user_returning!()
            ))
            .bind(user.id)
            .bind(&user.email)
            .bind(&user.name)
            .bind(&user.password_hash)
            .bind(user.role)
            .bind(&user.department)
            .bind(crate::store::now())
            .bind(user.email_verified_at)
            .bind(&user.handle);
            let row = Self::fetch_one_row(&mut *tx, query).await?;
            Self::commit_with_audit(tx, audit).await?;
            Ok(row)
        }

        /// A user by id.
        async fn get_user(&self, id: Id) -> StoreResult<Option<UserRow>> {
            let query = sqlx::query_as(concat!(user_select!(), "WHERE u.id = $1")).bind(id);
            Self::fetch_optional_row(self.reader(), query).await
        }

        /// A user by (normalised) e-mail.
        async fn get_user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>> {
            let query = sqlx::query_as(concat!(user_select!(), "WHERE u.email = $1")).bind(email);
            Self::fetch_optional_row(self.reader(), query).await
        }

        /// Users, newest first.
        async fn list_users(&self, filter: &UserFilter) -> StoreResult<Vec<UserRow>> {
            let (before_at, before_id) = filter.before.unzip();
            let query = sqlx::query_as(concat!(
                user_select!(),
                "WHERE ($1 IS NULL OR ",
                like_nocase!("u.name", "$1"),
                " OR ",
                like_nocase!("u.email", "$1"),
                ") \
                   AND ($2 IS NULL OR u.role = $2) \
                   AND ($3 IS NULL OR u.created_at < $3 OR (u.created_at = $3 AND u.id < $4)) \
                 ORDER BY u.created_at DESC, u.id DESC LIMIT $5"
            ))
            .bind(filter.q.as_deref().map(like_pattern))
            .bind(filter.role)
            .bind(before_at)
            .bind(before_id)
            .bind(filter.limit);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// Applies a patch, with its audit rows; `None` when the user does not exist.
        async fn update_user(
            &self,
            id: Id,
            patch: &UserPatch,
            audit: &[AuditEntry],
        ) -> StoreResult<Option<UserRow>> {
            let (set_department, department) = set_or_keep(&patch.department);
            let mut tx = self.begin().await?;
            let query = sqlx::query_as(concat!(
                "UPDATE users SET name = COALESCE($2, name), role = COALESCE($3, role), \
                 department = CASE WHEN $4 THEN $5 ELSE department END, updated_at = $6 \
                 WHERE id = $1 RETURNING ",
                user_returning!()
            ))
            .bind(id)
            .bind(&patch.name)
            .bind(patch.role)
            .bind(set_department)
            .bind(department)
            .bind(crate::store::now());
            let row = Self::fetch_optional_row(&mut *tx, query).await?;
            Self::commit_audited(tx, row.is_some(), audit).await?;
            Ok(row)
        }

        /// Replaces the password hash and ends sessions as `end` says, with the audit rows (which
        /// get `revokedSessions` when sessions end); returns the ids of the sessions ended.
        async fn set_password_hash(
            &self,
            id: Id,
            hash: &str,
            end: EndSessions,
            audit: &[AuditEntry],
        ) -> StoreResult<Vec<Id>> {
            let mut tx = self.begin().await?;
            let query =
                sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1");
            let query = query.bind(id).bind(hash).bind(crate::store::now());
            if Self::execute(&mut *tx, query).await? == 0 {
                return Ok(Vec::new());
            }
            Self::end_sessions_and_commit(tx, id, end, audit).await
        }

        /// Number of users.
        async fn count_users(&self) -> StoreResult<i64> {
            let query = sqlx::query_scalar("SELECT COUNT(*) FROM users");
            Self::fetch_one_value(self.reader(), query).await
        }

        /// Records activity.
        async fn touch_user(&self, id: Id, at: DateTime<Utc>) -> StoreResult<()> {
            let query = sqlx::query("UPDATE users SET last_seen_at = $2 WHERE id = $1");
            Self::execute(self.writer(), query.bind(id).bind(at)).await?;
            Ok(())
        }

        /// Creates or replaces a ban and ends sessions as `end` says, with the audit rows (which
        /// get `revokedSessions` when sessions end).
        async fn put_ban(
            &self,
            ban: &BanRow,
            end: EndSessions,
            audit: &[AuditEntry],
        ) -> StoreResult<()> {
            let mut tx = self.begin().await?;
            let query = sqlx::query(
                "INSERT INTO bans (user_id, reason, banned_by, banned_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5) \
                 ON CONFLICT (user_id) DO UPDATE SET reason = excluded.reason, \
                   banned_by = excluded.banned_by, banned_at = excluded.banned_at, \
                   expires_at = excluded.expires_at",
            )
            .bind(ban.user_id)
            .bind(&ban.reason)
            .bind(ban.banned_by)
            .bind(ban.banned_at)
            .bind(ban.expires_at);
            Self::execute(&mut *tx, query).await?;
            Self::end_sessions_and_commit(tx, ban.user_id, end, audit).await?;
            Ok(())
        }

        /// Lifts a ban, with its audit rows; false when there was none.
        async fn delete_ban(&self, user_id: Id, audit: &[AuditEntry]) -> StoreResult<bool> {
            let query = sqlx::query("DELETE FROM bans WHERE user_id = $1");
            self.execute_audited(query.bind(user_id), audit).await
        }

        /// The bans of these users (for admin lists).
        async fn bans_for(&self, user_ids: &[Id]) -> StoreResult<Vec<BanRow>> {
            if user_ids.is_empty() {
                return Ok(Vec::new());
            }
            let query = sqlx::query_as(concat!(ban_select!(), "WHERE user_id ", in_list!("$1")))
                .bind(Self::list(user_ids)?);
            Self::fetch_all_rows(self.reader(), query).await
        }

        /// The user's ban, if any.
        async fn get_ban(&self, user_id: Id) -> StoreResult<Option<BanRow>> {
            let query = sqlx::query_as(concat!(ban_select!(), "WHERE user_id = $1")).bind(user_id);
            Self::fetch_optional_row(self.reader(), query).await
        }
    }
}

impl_both! {
    /// Login sessions.
    pub trait SessionStore {
        /// Stores a new session.
        async fn create_session(&self, session: &NewSession) -> StoreResult<()> {
            let query = sqlx::query(
                "INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at, last_used_at, ip, \
                 user_agent, ticket_scope) VALUES ($1, $2, $3, $4, $5, $4, $6, $7, $8)",
            )
            .bind(session.id)
            .bind(&session.token_hash)
            .bind(session.user_id)
            .bind(crate::store::now())
            .bind(session.expires_at)
            .bind(&session.ip)
            .bind(&session.user_agent)
            .bind(session.ticket_scope);
            Self::execute(self.writer(), query).await?;
            Ok(())
        }

        /// Looks a session up by token hash, with its user and ban.
        async fn session_by_token_hash(
            &self,
            token_hash: &str,
        ) -> StoreResult<Option<SessionAuth>> {
            let query = sqlx::query(concat!(session_auth_select!(), "WHERE s.token_hash = $1"));
            self.session_auth(query.bind(token_hash)).await
        }

        /// Extends a session.
        async fn touch_session(
            &self,
            id: Id,
            used_at: DateTime<Utc>,
            expires_at: DateTime<Utc>,
        ) -> StoreResult<()> {
            let query =
                sqlx::query("UPDATE sessions SET last_used_at = $2, expires_at = $3 WHERE id = $1");
            Self::execute(self.writer(), query.bind(id).bind(used_at).bind(expires_at)).await?;
            Ok(())
        }

        /// Whether a session exists (and has not expired).
        async fn session_exists(&self, id: Id) -> StoreResult<bool> {
            let query =
                sqlx::query_scalar("SELECT id FROM sessions WHERE id = $1 AND expires_at > $2");
            let query = query.bind(id).bind(crate::store::now());
            let found: Option<Id> = Self::fetch_optional_value(self.reader(), query).await?;
            Ok(found.is_some())
        }

        /// Deletes one session, with its audit rows; false when it did not exist.
        async fn delete_session(&self, id: Id, audit: &[AuditEntry]) -> StoreResult<bool> {
            let query = sqlx::query("DELETE FROM sessions WHERE id = $1");
            self.execute_audited(query.bind(id), audit).await
        }

        /// Deletes every session of a user, returning their ids.
        async fn delete_user_sessions(&self, user_id: Id) -> StoreResult<Vec<Id>> {
            let query = sqlx::query_scalar("DELETE FROM sessions WHERE user_id = $1 RETURNING id");
            Self::fetch_all_values(self.writer(), query.bind(user_id)).await
        }

        /// Counts a failed sign-in for (e-mail, IP) in the window starting at `window_start`;
        /// true for the window's first failure, the one whose audit rows are appended.
        async fn record_login_failure(
            &self,
            email: &str,
            ip: &str,
            window_start: DateTime<Utc>,
            audit: &[AuditEntry],
        ) -> StoreResult<bool> {
            let mut tx = self.begin().await?;
            let query = sqlx::query_scalar(
                "INSERT INTO login_failures (email, ip, window_start, attempts, last_at) VALUES ($1, $2, $3, 1, $4) \
                 ON CONFLICT (email, ip, window_start) DO UPDATE SET attempts = login_failures.attempts + 1, \
                 last_at = excluded.last_at RETURNING CAST(attempts AS BIGINT)",
            )
            .bind(email)
            .bind(ip)
            .bind(window_start)
            .bind(crate::store::now());
            let attempts: i64 = Self::fetch_one_value(&mut *tx, query).await?;
            Self::commit_audited(tx, attempts == 1, audit).await
        }

        /// Deletes expired sessions, returning how many.
        async fn prune_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
            let query = sqlx::query("DELETE FROM sessions WHERE expires_at < $1").bind(now);
            Self::execute(self.writer(), query).await
        }
    }
}

impl_both! {
    impl {
        /// Ends the user's sessions (and follow links) as `end` says, inside the caller's
        /// transaction; the ids of the sessions ended.
        pub(crate) async fn end_sessions_in(
            conn: &mut Conn,
            user_id: Id,
            end: EndSessions,
        ) -> StoreResult<Vec<Id>> {
            let keep = match end {
                EndSessions::None => return Ok(Vec::new()),
                EndSessions::All => None,
                EndSessions::AllBut(keep) => Some(keep),
            };
            let query = sqlx::query_scalar(
                "DELETE FROM sessions WHERE user_id = $1 AND ($2 IS NULL OR id <> $2) RETURNING id",
            );
            let ended = Self::fetch_all_values(&mut *conn, query.bind(user_id).bind(keep)).await?;
            let query = sqlx::query("DELETE FROM ticket_links WHERE user_id = $1").bind(user_id);
            Self::execute(&mut *conn, query).await?;
            Ok(ended)
        }

        /// Ends the user's sessions as `end` says and commits the transaction's change with
        /// `audit` (which gets `revokedSessions` when sessions end); the ids of the sessions
        /// ended.
        pub(crate) async fn end_sessions_and_commit(
            mut tx: sqlx::Transaction<'_, Db>,
            user_id: Id,
            end: EndSessions,
            audit: &[AuditEntry],
        ) -> StoreResult<Vec<Id>> {
            let ended = Self::end_sessions_in(&mut tx, user_id, end).await?;
            Self::commit_with_audit(tx, &revoking(audit, end, &ended)).await?;
            Ok(ended)
        }

        /// The [`SessionAuth`] that `query` (a [`session_auth_select`] with its binds) finds.
        pub(crate) async fn session_auth(
            &self,
            query: sqlx::query::Query<'_, Db, <Db as sqlx::Database>::Arguments>,
        ) -> StoreResult<Option<SessionAuth>> {
            let row = query.fetch_optional(self.reader()).await.map_err(Self::db_err)?;
            row.map(|row| Self::session_auth_from_row(&row)).transpose().map_err(Self::db_err)
        }

        /// Builds a [`SessionAuth`] from a row of [`session_auth_select`].
        fn session_auth_from_row(
            row: &<Db as sqlx::Database>::Row,
        ) -> Result<SessionAuth, sqlx::Error> {
            let user = UserRow::from_row(row)?;
            let ban = match row.try_get::<Option<String>, _>("ban_reason")? {
                Some(reason) => Some(BanRow {
                    user_id: user.id,
                    reason,
                    banned_by: row.try_get("banned_by")?,
                    banned_at: row.try_get("banned_at")?,
                    expires_at: row.try_get("ban_expires_at")?,
                }),
                None => None,
            };
            Ok(SessionAuth {
                session_id: row.try_get("session_id")?,
                expires_at: row.try_get("session_expires_at")?,
                last_used_at: row.try_get("last_used_at")?,
                ticket_scope: row.try_get("ticket_scope")?,
                user,
                ban,
            })
        }
    }
}
