//! Account security: single-use tokens sent by e-mail, verified and deactivated accounts, a
//! user's sessions, addresses that signed in successfully, and tickets' follow links. One query
//! set for both databases.

use chrono::{DateTime, Utc};

use super::{
    AuditEntry, EndSessions, SessionAuth, StoreResult, UserRow,
    audit::revoking,
    both::impl_both,
    sql::{session_auth_select, user_returning},
};
use crate::domain::{Id, id::text_enum};

text_enum! {
    /// What an account token proves when it is used.
    pub enum TokenPurpose {
        /// The owner of the address registered: using it verifies the address.
        VerifyEmail => "verify_email",
        /// A password reset asked for by the user or an admin.
        PasswordReset => "password_reset",
        /// An admin invited the address: using it sets the first password.
        Invite => "invite",
    }
}

/// A token to store; only its hash is kept.
#[derive(Clone, Debug)]
pub struct NewAccountToken {
    /// SHA-256 of the token, hex.
    pub token_hash: String,
    /// Whose account.
    pub user_id: Id,
    /// What it is for.
    pub purpose: TokenPurpose,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A stored, unused token.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct AccountToken {
    /// Id.
    pub id: Id,
    /// Whose account.
    pub user_id: Id,
    /// What it is for.
    pub purpose: TokenPurpose,
    /// When it stops working.
    pub expires_at: DateTime<Utc>,
}

/// A session as its owner sees it in their session list.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct SessionRow {
    /// Id.
    pub id: Id,
    /// Opened.
    pub created_at: DateTime<Utc>,
    /// Last request.
    pub last_used_at: DateTime<Utc>,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// Address it was opened from.
    pub ip: Option<String>,
    /// Browser or client.
    pub user_agent: Option<String>,
    /// The one ticket of a follow-link session.
    pub ticket_scope: Option<Id>,
}

text_enum! {
    /// How a follow link reached its holder.
    pub enum LinkPurpose {
        /// Sent to the address: opening it proves the mailbox.
        Email => "email",
        /// Shown after the support form, for an address that had no account; proves nothing.
        Screen => "screen",
    }
}

/// A follow link's target.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct TicketLink {
    /// The ticket.
    pub ticket_id: Id,
    /// The customer it signs in.
    pub user_id: Id,
    /// Expiry.
    pub expires_at: DateTime<Utc>,
    /// How it was handed out.
    pub purpose: LinkPurpose,
}

impl_both! {
    /// Account security records.
    pub trait AccountStore {
        /// Stores a token.
        async fn create_account_token(&self, token: &NewAccountToken) -> StoreResult<Id> {
            let id = Id::new();
            let query = sqlx::query(
                "INSERT INTO account_tokens (id, token_hash, user_id, purpose, created_at, expires_at) \
                 VALUES ($1, $2, $3, $4, $5, $6)",
            )
            .bind(id)
            .bind(&token.token_hash)
            .bind(token.user_id)
            .bind(token.purpose)
            .bind(crate::store::now())
            .bind(token.expires_at);
            Self::execute(self.writer(), query).await?;
            Ok(id)
        }

        /// An unused, unexpired token of this purpose.
        async fn account_token(
            &self,
            token_hash: &str,
            purpose: TokenPurpose,
            now: DateTime<Utc>,
        ) -> StoreResult<Option<AccountToken>> {
            let query = sqlx::query_as(
                "SELECT id, user_id, purpose, expires_at FROM account_tokens \
                 WHERE token_hash = $1 AND purpose = $2 AND used_at IS NULL AND expires_at > $3",
            );
            let query = query.bind(token_hash).bind(purpose).bind(now);
            Self::fetch_optional_row(self.reader(), query).await
        }

        /// Marks a token used; false when it was used (or had expired) already, so only one of
        /// two racing uses wins.
        async fn use_account_token(&self, id: Id, now: DateTime<Utc>) -> StoreResult<bool> {
            let query = sqlx::query(
                "UPDATE account_tokens SET used_at = $2 \
                 WHERE id = $1 AND used_at IS NULL AND expires_at > $2",
            );
            Ok(Self::execute(self.writer(), query.bind(id).bind(now)).await? == 1)
        }

        /// Drops a user's unused tokens (of one purpose, or all); returns how many.
        async fn drop_account_tokens(
            &self,
            user_id: Id,
            purpose: Option<TokenPurpose>,
        ) -> StoreResult<u64> {
            let query = sqlx::query(
                "DELETE FROM account_tokens WHERE user_id = $1 AND used_at IS NULL \
                 AND ($2 IS NULL OR purpose = $2)",
            );
            Self::execute(self.writer(), query.bind(user_id).bind(purpose)).await
        }

        /// Records that the user proved they own their address.
        async fn set_email_verified(
            &self,
            user_id: Id,
            at: DateTime<Utc>,
            audit: &[AuditEntry],
        ) -> StoreResult<()> {
            let query = sqlx::query(
                "UPDATE users SET email_verified_at = COALESCE(email_verified_at, $2), \
                 updated_at = $2 WHERE id = $1",
            );
            self.execute_audited(query.bind(user_id).bind(at), audit).await?;
            Ok(())
        }

        /// Deactivates (`Some`) or reactivates (`None`) an account and ends sessions as `end`
        /// says, with the audit rows (which get `revokedSessions` when sessions end).
        async fn set_deactivated(
            &self,
            user_id: Id,
            at: Option<DateTime<Utc>>,
            end: EndSessions,
            audit: &[AuditEntry],
        ) -> StoreResult<Option<UserRow>> {
            let mut tx = self.begin().await?;
            let query = sqlx::query_as(concat!(
                "UPDATE users SET deactivated_at = $2, updated_at = $3 WHERE id = $1 RETURNING ",
                user_returning!()
            ));
            let query = query.bind(user_id).bind(at).bind(crate::store::now());
            let row = Self::fetch_optional_row(&mut *tx, query).await?;
            if row.is_some() {
                Self::end_sessions_and_commit(tx, user_id, end, audit).await?;
            } else {
                tx.commit().await.map_err(Self::db_err)?;
            }
            Ok(row)
        }

        /// The user's unexpired sessions, newest use first.
        async fn user_sessions(
            &self,
            user_id: Id,
            now: DateTime<Utc>,
        ) -> StoreResult<Vec<SessionRow>> {
            let query = sqlx::query_as(
                "SELECT id, created_at, last_used_at, expires_at, ip, user_agent, ticket_scope \
                 FROM sessions WHERE user_id = $1 AND expires_at > $2 \
                 ORDER BY last_used_at DESC, id DESC LIMIT 200",
            );
            Self::fetch_all_rows(self.reader(), query.bind(user_id).bind(now)).await
        }

        /// A session by id, with its user and ban (to re-check a live socket's session).
        async fn session_by_id(&self, id: Id) -> StoreResult<Option<SessionAuth>> {
            let query = sqlx::query(concat!(session_auth_select!(), "WHERE s.id = $1"));
            self.session_auth(query.bind(id)).await
        }

        /// Deletes one of the user's sessions, with its audit rows; false when it is not theirs or
        /// gone.
        async fn delete_session_of(
            &self,
            user_id: Id,
            session_id: Id,
            audit: &[AuditEntry],
        ) -> StoreResult<bool> {
            let query = sqlx::query("DELETE FROM sessions WHERE id = $1 AND user_id = $2");
            self.execute_audited(query.bind(session_id).bind(user_id), audit).await
        }

        /// Deletes every session of the user but `keep` (follow links stay), returning their ids,
        /// with the audit rows (which get `revokedSessions`).
        async fn delete_other_sessions(
            &self,
            user_id: Id,
            keep: Id,
            audit: &[AuditEntry],
        ) -> StoreResult<Vec<Id>> {
            let mut tx = self.begin().await?;
            let query = sqlx::query_scalar(
                "DELETE FROM sessions WHERE user_id = $1 AND id <> $2 RETURNING id",
            );
            let ended = Self::fetch_all_values(&mut *tx, query.bind(user_id).bind(keep)).await?;
            Self::commit_with_audit(tx, &revoking(audit, EndSessions::AllBut(keep), &ended)).await?;
            Ok(ended)
        }

        /// Remembers that the user signed in successfully from this address.
        async fn note_login_ip(
            &self,
            user_id: Id,
            ip_key: &str,
            at: DateTime<Utc>,
        ) -> StoreResult<()> {
            let query = sqlx::query(
                "INSERT INTO login_known_ips (user_id, ip_key, last_at) VALUES ($1, $2, $3) \
                 ON CONFLICT (user_id, ip_key) DO UPDATE SET last_at = excluded.last_at",
            );
            Self::execute(self.writer(), query.bind(user_id).bind(ip_key).bind(at)).await?;
            Ok(())
        }

        /// Whether the user signed in successfully from this address since `since`.
        async fn login_ip_known(
            &self,
            user_id: Id,
            ip_key: &str,
            since: DateTime<Utc>,
        ) -> StoreResult<bool> {
            // COUNT(*) is a 64-bit integer on both databases (a bare `1` is 32-bit on PostgreSQL).
            let query = sqlx::query_scalar(
                "SELECT COUNT(*) FROM login_known_ips \
                 WHERE user_id = $1 AND ip_key = $2 AND last_at >= $3",
            );
            let query = query.bind(user_id).bind(ip_key).bind(since);
            let found: i64 = Self::fetch_one_value(self.reader(), query).await?;
            Ok(found > 0)
        }

        /// Stores a follow link.
        async fn create_ticket_link(
            &self,
            id: Id,
            token_hash: &str,
            link: &TicketLink,
        ) -> StoreResult<()> {
            let query = sqlx::query(
                "INSERT INTO ticket_links (id, token_hash, ticket_id, user_id, created_at, \
                 expires_at, purpose) VALUES ($1, $2, $3, $4, $5, $6, $7)",
            )
            .bind(id)
            .bind(token_hash)
            .bind(link.ticket_id)
            .bind(link.user_id)
            .bind(crate::store::now())
            .bind(link.expires_at)
            .bind(link.purpose);
            Self::execute(self.writer(), query).await?;
            Ok(())
        }

        /// A follow link by token hash.
        async fn ticket_link(&self, token_hash: &str) -> StoreResult<Option<TicketLink>> {
            let query = sqlx::query_as(
                "SELECT ticket_id, user_id, expires_at, purpose FROM ticket_links \
                 WHERE token_hash = $1",
            );
            Self::fetch_optional_row(self.reader(), query.bind(token_hash)).await
        }

        /// Deletes every follow link of a user; returns how many.
        async fn delete_user_ticket_links(&self, user_id: Id) -> StoreResult<u64> {
            let query = sqlx::query("DELETE FROM ticket_links WHERE user_id = $1");
            Self::execute(self.writer(), query.bind(user_id)).await
        }

        /// Marks a ticket's requester as proven (they opened a link sent to their address).
        async fn verify_ticket_requester(&self, ticket_id: Id, user_id: Id) -> StoreResult<bool> {
            let query = sqlx::query(
                "UPDATE tickets SET requester_verified = TRUE, updated_at = $3 \
                 WHERE room_id = $1 AND requester_id = $2 AND requester_verified = FALSE",
            );
            let query = query.bind(ticket_id).bind(user_id).bind(crate::store::now());
            Ok(Self::execute(self.writer(), query).await? == 1)
        }
    }
}
