//! Users, sessions and bans on PostgreSQL.

use super::{PgStore, err};
use crate::domain::Id;
use crate::store::{
    BanRow, NewSession, NewUser, SessionAuth, SessionStore, StoreResult, UserFilter, UserPatch,
    UserRow, UserStore,
    sql::{like_pattern, user_columns, user_returning},
};
use chrono::{DateTime, Utc};

#[async_trait::async_trait]
impl UserStore for PgStore {
    async fn create_user(&self, user: NewUser) -> StoreResult<UserRow> {
        let _timer = self.timer("create_user");
        let now = crate::store::now();
        sqlx::query_as(concat!(
            "INSERT INTO users (id, email, name, password_hash, role, department, created_at, \
             updated_at, email_verified_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $7, $8) RETURNING ",
            user_returning!()
        ))
        .bind(Id::new())
        .bind(&user.email)
        .bind(&user.name)
        .bind(&user.password_hash)
        .bind(user.role)
        .bind(&user.department)
        .bind(now)
        .bind(user.email_verified_at)
        .fetch_one(&self.pool)
        .await
        .map_err(err)
    }

    async fn get_user(&self, id: Id) -> StoreResult<Option<UserRow>> {
        let _timer = self.timer("get_user");
        sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.id = $1"
        ))
        .bind(id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn get_user_by_email(&self, email: &str) -> StoreResult<Option<UserRow>> {
        let _timer = self.timer("get_user_by_email");
        sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u WHERE u.email = $1"
        ))
        .bind(email)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn list_users(&self, filter: &UserFilter) -> StoreResult<Vec<UserRow>> {
        let _timer = self.timer("list_users");
        let (before_at, before_id) = filter.before.unzip();
        sqlx::query_as(concat!(
            "SELECT ",
            user_columns!(),
            " FROM users u \
             WHERE ($1 IS NULL OR u.name ILIKE $1 OR u.email ILIKE $1) \
               AND ($2 IS NULL OR u.role = $2) \
               AND ($3 IS NULL OR u.created_at < $3 OR (u.created_at = $3 AND u.id < $4)) \
             ORDER BY u.created_at DESC, u.id DESC LIMIT $5"
        ))
        .bind(filter.q.as_deref().map(like_pattern))
        .bind(filter.role)
        .bind(before_at)
        .bind(before_id)
        .bind(filter.limit)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn update_user(&self, id: Id, patch: &UserPatch) -> StoreResult<Option<UserRow>> {
        let _timer = self.timer("update_user");
        let (set_department, department) = match &patch.department {
            Some(d) => (true, d.clone()),
            None => (false, None),
        };
        sqlx::query_as(concat!(
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
        .bind(crate::store::now())
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }

    async fn set_password_hash(&self, id: Id, hash: &str) -> StoreResult<()> {
        let _timer = self.timer("set_password_hash");
        sqlx::query("UPDATE users SET password_hash = $2, updated_at = $3 WHERE id = $1")
            .bind(id)
            .bind(hash)
            .bind(crate::store::now())
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn count_users(&self) -> StoreResult<i64> {
        let _timer = self.timer("count_users");
        sqlx::query_scalar("SELECT COUNT(*) FROM users")
            .fetch_one(&self.pool)
            .await
            .map_err(err)
    }

    async fn touch_user(&self, id: Id, at: DateTime<Utc>) -> StoreResult<()> {
        let _timer = self.timer("touch_user");
        sqlx::query("UPDATE users SET last_seen_at = $2 WHERE id = $1")
            .bind(id)
            .bind(at)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn put_ban(&self, ban: &BanRow) -> StoreResult<()> {
        let _timer = self.timer("put_ban");
        sqlx::query(
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
        .bind(ban.expires_at)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn delete_ban(&self, user_id: Id) -> StoreResult<bool> {
        let _timer = self.timer("delete_ban");
        let done = sqlx::query("DELETE FROM bans WHERE user_id = $1")
            .bind(user_id)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn bans_for(&self, user_ids: &[Id]) -> StoreResult<Vec<BanRow>> {
        if user_ids.is_empty() {
            return Ok(Vec::new());
        }
        let _timer = self.timer("bans_for");
        sqlx::query_as("SELECT user_id, reason, banned_by, banned_at, expires_at FROM bans WHERE user_id = ANY($1)")
            .bind(user_ids)
            .fetch_all(&self.pool)
            .await
            .map_err(err)
    }

    async fn get_ban(&self, user_id: Id) -> StoreResult<Option<BanRow>> {
        let _timer = self.timer("get_ban");
        sqlx::query_as(
            "SELECT user_id, reason, banned_by, banned_at, expires_at FROM bans WHERE user_id = $1",
        )
        .bind(user_id)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }
}

#[async_trait::async_trait]
impl SessionStore for PgStore {
    async fn create_session(&self, session: &NewSession) -> StoreResult<()> {
        let _timer = self.timer("create_session");
        let now = crate::store::now();
        sqlx::query(
            "INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at, last_used_at, ip, \
             user_agent, ticket_scope) VALUES ($1, $2, $3, $4, $5, $4, $6, $7, $8)",
        )
        .bind(session.id)
        .bind(&session.token_hash)
        .bind(session.user_id)
        .bind(now)
        .bind(session.expires_at)
        .bind(&session.ip)
        .bind(&session.user_agent)
        .bind(session.ticket_scope)
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn session_by_token_hash(&self, token_hash: &str) -> StoreResult<Option<SessionAuth>> {
        let _timer = self.timer("session_by_token_hash");
        let row = sqlx::query(concat!(
            "SELECT s.id AS session_id, s.expires_at AS session_expires_at, s.last_used_at, s.ticket_scope, ",
            user_columns!(),
            ", b.reason AS ban_reason, b.banned_by, b.banned_at, b.expires_at AS ban_expires_at \
             FROM sessions s JOIN users u ON u.id = s.user_id \
             LEFT JOIN bans b ON b.user_id = s.user_id WHERE s.token_hash = $1"
        ))
        .bind(token_hash)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)?;
        row.map(|row| crate::store::users::session_auth_from_row(&row))
            .transpose()
            .map_err(err)
    }

    async fn touch_session(
        &self,
        id: Id,
        used_at: DateTime<Utc>,
        expires_at: DateTime<Utc>,
    ) -> StoreResult<()> {
        let _timer = self.timer("touch_session");
        sqlx::query("UPDATE sessions SET last_used_at = $2, expires_at = $3 WHERE id = $1")
            .bind(id)
            .bind(used_at)
            .bind(expires_at)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(())
    }

    async fn session_exists(&self, id: Id) -> StoreResult<bool> {
        let _timer = self.timer("session_exists");
        let found: Option<Id> =
            sqlx::query_scalar("SELECT id FROM sessions WHERE id = $1 AND expires_at > $2")
                .bind(id)
                .bind(crate::store::now())
                .fetch_optional(&self.pool)
                .await
                .map_err(err)?;
        Ok(found.is_some())
    }

    async fn delete_session(&self, id: Id) -> StoreResult<bool> {
        let _timer = self.timer("delete_session");
        let done = sqlx::query("DELETE FROM sessions WHERE id = $1")
            .bind(id)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected() > 0)
    }

    async fn delete_user_sessions(&self, user_id: Id) -> StoreResult<Vec<Id>> {
        let _timer = self.timer("delete_user_sessions");
        sqlx::query_scalar("DELETE FROM sessions WHERE user_id = $1 RETURNING id")
            .bind(user_id)
            .fetch_all(&self.pool)
            .await
            .map_err(err)
    }

    async fn record_login_failure(
        &self,
        email: &str,
        ip: &str,
        window_start: DateTime<Utc>,
    ) -> StoreResult<bool> {
        let _timer = self.timer("record_login_failure");
        let attempts: i32 = sqlx::query_scalar(
            "INSERT INTO login_failures (email, ip, window_start, attempts, last_at) VALUES ($1, $2, $3, 1, $4) \
             ON CONFLICT (email, ip, window_start) DO UPDATE SET attempts = login_failures.attempts + 1, \
             last_at = excluded.last_at RETURNING attempts",
        )
        .bind(email)
        .bind(ip)
        .bind(window_start)
        .bind(crate::store::now())
        .fetch_one(&self.pool)
        .await
        .map_err(err)?;
        Ok(attempts == 1)
    }

    async fn prune_sessions(&self, now: DateTime<Utc>) -> StoreResult<u64> {
        let _timer = self.timer("prune_sessions");
        let done = sqlx::query("DELETE FROM sessions WHERE expires_at < $1")
            .bind(now)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected())
    }
}
