//! Sends queued mail (`mail.send` jobs): renders the template with fresh links and hands it
//! to the mailer (notification digests: `workers::digest`). A message about an account that can no longer use it (deactivated, banned,
//! verified already) is dropped, not sent.

use chrono::Duration;

use super::Jobs;
use crate::{
    domain::{Id, policy},
    mail::{
        Mail,
        outbox::{INVITE_TTL_DAYS, RESET_TTL_MINUTES, Template, VERIFY_TTL_HOURS},
        templates::{self, Recipient},
    },
    service::auth::new_token,
    store::{
        JobRow, NewAccountToken, StoreResult, TokenPurpose, UserRow,
        accounts::{LinkPurpose, TicketLink},
    },
};

/// Renders and sends one queued message (the jobs worker's handler for [`KIND`]). A message
/// about an account that can no longer use it (deactivated, banned, verified already) is
/// dropped, not sent.
pub async fn deliver(jobs: &Jobs, job: &JobRow) -> Result<(), String> {
    let template: Template = serde_json::from_value(job.payload.0.clone())
        .map_err(|e| format!("unreadable mail job: {e}"))?;
    let name = template.name();
    let Some(mail) = render(jobs, &template)
        .await
        .map_err(|e| format!("{e:#}"))?
    else {
        metrics::counter!("switchboard_mail_total", "template" => name, "outcome" => "dropped")
            .increment(1);
        tracing::info!(template = name, user_id = %template.user_id(), "mail dropped: no longer applies");
        return Ok(());
    };
    let result = jobs.mailer.send(&mail).await;
    let outcome = if result.is_ok() { "sent" } else { "failed" };
    metrics::counter!("switchboard_mail_total", "template" => name, "outcome" => outcome)
        .increment(1);
    result
}

async fn render(jobs: &Jobs, template: &Template) -> anyhow::Result<Option<Mail>> {
    let Some(user) = jobs.ctx.store.get_user(template.user_id()).await? else {
        return Ok(None);
    };
    if !may_receive(jobs, &user).await? {
        return Ok(None);
    }
    let to = Recipient {
        email: &user.email,
        name: &user.name,
    };
    let base = &jobs.ctx.settings.public_url;
    Ok(match template {
        Template::VerifyEmail { .. } => {
            if user.email_verified_at.is_some() {
                return Ok(None);
            }
            let ttl = Duration::hours(VERIFY_TTL_HOURS);
            let link = issue(jobs, &user, TokenPurpose::VerifyEmail, ttl, "verify-email").await?;
            Some(templates::verify_email(&to, &link, VERIFY_TTL_HOURS))
        }
        Template::PasswordReset { by_admin, .. } => {
            let ttl = Duration::minutes(RESET_TTL_MINUTES);
            let purpose = TokenPurpose::PasswordReset;
            let link = issue(jobs, &user, purpose, ttl, "reset-password").await?;
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
            let ttl = Duration::days(INVITE_TTL_DAYS);
            let link = issue(jobs, &user, TokenPurpose::Invite, ttl, "invite").await?;
            Some(templates::invite(&to, inviter, &link, INVITE_TTL_DAYS))
        }
        Template::TicketFollow { ticket_id, .. } => {
            let Some(ticket) = jobs.ctx.store.get_ticket(*ticket_id).await? else {
                return Ok(None);
            };
            if !policy::link_session_valid(user.role) || ticket.requester_id != user.id {
                return Ok(None);
            }
            let ttl = jobs.ctx.settings.follow_link_ttl;
            let days = ttl.num_days();
            let (token, token_hash) = new_token();
            jobs.ctx
                .store
                .create_ticket_link(
                    Id::new(),
                    &token_hash,
                    &TicketLink {
                        ticket_id: ticket.id,
                        user_id: user.id,
                        expires_at: crate::store::now() + ttl,
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
        Template::NotificationDigest {
            notification_ids, ..
        } => super::digest::render(jobs, &user, notification_ids).await?,
    })
}

/// Deactivated and banned accounts get nothing.
async fn may_receive(jobs: &Jobs, user: &UserRow) -> StoreResult<bool> {
    if user.deactivated_at.is_some() {
        return Ok(false);
    }
    let banned = jobs
        .ctx
        .store
        .get_ban(user.id)
        .await?
        .is_some_and(|ban| ban.is_active(crate::store::now()));
    Ok(!banned)
}

/// A fresh single-use token for `purpose` (the user's earlier unused ones stop working), as
/// the link to the web client's `page` that uses it.
async fn issue(
    jobs: &Jobs,
    user: &UserRow,
    purpose: TokenPurpose,
    ttl: Duration,
    page: &str,
) -> StoreResult<String> {
    jobs.ctx
        .store
        .drop_account_tokens(user.id, Some(purpose))
        .await?;
    let (token, token_hash) = new_token();
    jobs.ctx
        .store
        .create_account_token(&NewAccountToken {
            token_hash,
            user_id: user.id,
            purpose,
            expires_at: crate::store::now() + ttl,
        })
        .await?;
    let base = &jobs.ctx.settings.public_url;
    Ok(format!("{base}/{page}?token={token}"))
}
