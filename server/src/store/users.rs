//! Users, sessions and bans.

use chrono::{DateTime, Utc};

use sqlx::{FromRow, Row};

use super::StoreResult;
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
}

/// A user to create.
#[derive(Clone, Debug)]
pub struct NewUser {
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

/// User accounts and bans.
#[async_trait::async_trait]
pub trait UserStore: Send + Sync {
    /// Creates a user.
    async fn create_user(&self, user: NewUser) -> StoreResult<UserRow>;
    /// A user by id.
    async fn get_user(&self, id: Id) -> StoreResult<Option<UserRow>>;
    /// A user by (normalised) e-mail.
    async fn get_user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>>;
    /// Users, newest first.
    async fn list_users(&self, filter: &UserFilter) -> StoreResult<Vec<UserRow>>;
    /// Applies a patch; `None` when the user does not exist.
    async fn update_user(&self, id: Id, patch: &UserPatch) -> StoreResult<Option<UserRow>>;
    /// Replaces the password hash.
    async fn set_password_hash(&self, id: Id, hash: &str) -> StoreResult<()>;
    /// Number of users.
    async fn count_users(&self) -> StoreResult<i64>;
    /// Records activity.
    async fn touch_user(&self, id: Id, at: DateTime<Utc>) -> StoreResult<()>;
    /// Creates or replaces a ban.
    async fn put_ban(&self, ban: &BanRow) -> StoreResult<()>;
    /// Lifts a ban; false when there was none.
    async fn delete_ban(&self, user_id: Id) -> StoreResult<bool>;
    /// The user's ban, if any.
    async fn get_ban(&self, user_id: Id) -> StoreResult<Option<BanRow>>;
    /// The bans of these users (for admin lists).
    async fn bans_for(&self, user_ids: &[Id]) -> StoreResult<Vec<BanRow>>;
}

/// Login sessions.
#[async_trait::async_trait]
pub trait SessionStore: Send + Sync {
    /// Stores a new session.
    async fn create_session(&self, session: &NewSession) -> StoreResult<()>;
    /// Looks a session up by token hash, with its user and ban.
    async fn session_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<SessionAuth>>;
    /// Extends a session.
    async fn touch_session(
        &self,
        id: Id,
        used_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()>;
    /// Whether a session exists (and has not expired).
    async fn session_exists(&self, id: Id) -> StoreResult<bool>;
    /// Deletes one session; false when it did not exist.
    async fn delete_session(&self, id: Id) -> StoreResult<bool>;
    /// Deletes every session of a user, returning their ids.
    async fn delete_user_sessions(&self, user_id: Id) -> StoreResult<Vec<Id>>;
    /// Counts a failed sign-in for (e-mail, IP) in the window starting at `window_start`;
    /// true for the window's first failure (the one that is audited).
    async fn record_login_failure(
        &self,
        email: &str,
        ip: &str,
        window_start: DateTime<Utc>,
    ) -> StoreResult<bool>;
    /// Deletes expired sessions, returning how many.
    async fn prune_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64>;
}

/// Builds a [`SessionAuth`] from the session/user/ban join (both backends name columns alike).
pub(crate) fn session_auth_from_row<R>(row: &R) -> Result<SessionAuth, sqlx::Error>
where
    R: Row,
    UserRow: for<'r> sqlx::FromRow<'r, R>,
    for<'r> &'r str: sqlx::ColumnIndex<R>,
    Id: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    DateTime<Utc>: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
    String: for<'r> sqlx::Decode<'r, R::Database> + sqlx::Type<R::Database>,
{
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
