//! The mail outbox: messages are queued as durable jobs (kind `mail.send`) naming a template
//! and the people it is about, and rendered when the worker sends them. A template that needs
//! a link creates its single-use token then (an earlier unused token of the same purpose is
//! dropped), so a retry never reuses a token and no raw token is ever stored.

use chrono::Duration;
use serde::{Deserialize, Serialize};

use super::templates::{self, Recipient};
use crate::{
    app::AppState,
    domain::{Id, user::Role},
    service::auth::new_token,
    store::{
        JobRow, NewAccountToken, NewJob, StoreResult, TokenPurpose, UserRow,
        accounts::{LinkPurpose, TicketLink},
    },
};

/// The jobs kind of outgoing mail.
pub const KIND: &str = "mail.send";

/// How long an address verification link works.
pub const VERIFY_TTL_HOURS: i64 = 24;
/// How long a password reset link works.
pub const RESET_TTL_MINUTES: i64 = 30;
/// How long an invitation works.
pub const INVITE_TTL_DAYS: i64 = 7;

/// A message to send, by template.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(tag = "template", rename_all = "snake_case")]
pub enum Template {
    /// Confirm a self-registered address.
    VerifyEmail {
        /// The new account.
        user_id: Id,
    },
    /// A password reset link.
    PasswordReset {
        /// The account.
        user_id: Id,
        /// Asked for by an admin rather than the user.
        by_admin: bool,
    },
    /// An invitation to set a password and join.
    Invite {
        /// The invited account.
        user_id: Id,
        /// The admin's name.
        inviter: String,
    },
    /// A link to follow a ticket, sent to its requester's address.
    TicketFollow {
        /// The requester.
        user_id: Id,
        /// The ticket.
        ticket_id: Id,
    },
}

impl Template {
    fn name(&self) -> &'static str {
        match self {
            Self::VerifyEmail { .. } => "verify_email",
            Self::PasswordReset { .. } => "password_reset",
            Self::Invite { .. } => "invite",
            Self::TicketFollow { .. } => "ticket_follow",
        }
    }

    fn user_id(&self) -> Id {
        match self {
            Self::VerifyEmail { user_id }
            | Self::PasswordReset { user_id, .. }
            | Self::Invite { user_id, .. }
            | Self::TicketFollow { user_id, .. } => *user_id,
        }
    }

    /// One pending message per template and person (and ticket): asking again while one
    /// waits does not send two.
    fn dedupe_key(&self) -> String {
        match self {
            Self::TicketFollow { user_id, ticket_id } => {
                format!("mail:ticket_follow:{user_id}:{ticket_id}")
            }
            other => format!("mail:{}:{}", other.name(), other.user_id()),
        }
    }
}

/// Queues a message; the jobs worker sends it.
pub async fn queue(state: &AppState, template: Template) -> StoreResult<()> {
    let payload = serde_json::to_value(&template).unwrap_or_default();
    state
        .store
        .enqueue_job(&NewJob {
            kind: KIND,
            dedupe_key: Some(template.dedupe_key()),
            subject: Some(template.user_id().to_string()),
            payload,
            run_at: crate::store::now(),
        })
        .await?;
    metrics::counter!("switchboard_mail_queued_total", "template" => template.name()).increment(1);
    Ok(())
}

/// Renders and sends one queued message (the jobs worker's handler for [`KIND`]). A message
/// about an account that can no longer use it (deactivated, banned, verified already) is
/// dropped, not sent.
pub async fn deliver(state: &AppState, job: &JobRow) -> Result<(), String> {
    let template: Template = serde_json::from_value(job.payload.0.clone())
        .map_err(|e| format!("unreadable mail job: {e}"))?;
    let name = template.name();
    let Some(mail) = render(state, &template).await.map_err(|e| e.to_string())? else {
        metrics::counter!("switchboard_mail_total", "template" => name, "outcome" => "dropped")
            .increment(1);
        tracing::info!(template = name, user_id = %template.user_id(), "mail dropped: no longer applies");
        return Ok(());
    };
    let result = state.mailer.send(&mail).await;
    let outcome = if result.is_ok() { "sent" } else { "failed" };
    metrics::counter!("switchboard_mail_total", "template" => name, "outcome" => outcome)
        .increment(1);
    result
}

async fn render(state: &AppState, template: &Template) -> StoreResult<Option<super::Mail>> {
    let Some(user) = state.store.get_user(template.user_id()).await? else {
        return Ok(None);
    };
    if !may_receive(state, &user).await? {
        return Ok(None);
    }
    let to = Recipient {
        email: &user.email,
        name: &user.name,
    };
    let base = &state.config.public_url;
    Ok(match template {
        Template::VerifyEmail { .. } => {
            if user.email_verified_at.is_some() {
                return Ok(None);
            }
            let token = issue(
                state,
                &user,
                TokenPurpose::VerifyEmail,
                Duration::hours(VERIFY_TTL_HOURS),
            )
            .await?;
            let link = format!("{base}/verify-email?token={token}");
            Some(templates::verify_email(&to, &link, VERIFY_TTL_HOURS))
        }
        Template::PasswordReset { by_admin, .. } => {
            let token = issue(
                state,
                &user,
                TokenPurpose::PasswordReset,
                Duration::minutes(RESET_TTL_MINUTES),
            )
            .await?;
            let link = format!("{base}/reset-password?token={token}");
            Some(templates::password_reset(
                &to,
                &link,
                RESET_TTL_MINUTES,
                *by_admin,
            ))
        }
        Template::Invite { inviter, .. } => {
            if user.password_hash.is_some() {
                return Ok(None);
            }
            let token = issue(
                state,
                &user,
                TokenPurpose::Invite,
                Duration::days(INVITE_TTL_DAYS),
            )
            .await?;
            let link = format!("{base}/invite?token={token}");
            Some(templates::invite(&to, inviter, &link, INVITE_TTL_DAYS))
        }
        Template::TicketFollow { ticket_id, .. } => {
            let Some(ticket) = state.store.get_ticket(*ticket_id).await? else {
                return Ok(None);
            };
            if user.role != Role::Customer || ticket.requester_id != user.id {
                return Ok(None);
            }
            let days = i64::from(state.config.follow_link_ttl_days);
            let (token, token_hash) = new_token();
            state
                .store
                .create_ticket_link(
                    Id::new(),
                    &token_hash,
                    &TicketLink {
                        ticket_id: ticket.id,
                        user_id: user.id,
                        expires_at: crate::store::now() + Duration::days(days),
                        purpose: LinkPurpose::Email,
                    },
                )
                .await?;
            let link = format!("{base}/support/follow?token={token}");
            Some(templates::ticket_follow(
                &to,
                &ticket.subject,
                &link,
                days,
                !ticket.requester_verified,
            ))
        }
    })
}

/// Deactivated and banned accounts get nothing.
async fn may_receive(state: &AppState, user: &UserRow) -> StoreResult<bool> {
    if user.deactivated_at.is_some() {
        return Ok(false);
    }
    let banned = state
        .store
        .get_ban(user.id)
        .await?
        .is_some_and(|ban| ban.is_active(crate::store::now()));
    Ok(!banned)
}

/// A fresh single-use token for `purpose`; the user's earlier unused ones stop working.
async fn issue(
    state: &AppState,
    user: &UserRow,
    purpose: TokenPurpose,
    ttl: Duration,
) -> StoreResult<String> {
    state
        .store
        .drop_account_tokens(user.id, Some(purpose))
        .await?;
    let (token, token_hash) = new_token();
    state
        .store
        .create_account_token(&NewAccountToken {
            token_hash,
            user_id: user.id,
            purpose,
            expires_at: crate::store::now() + ttl,
        })
        .await?;
    Ok(token)
}
