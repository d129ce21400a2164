//! Writing audit rows for admin, moderation and security actions.

use serde_json::Value;

use super::Actor;
use super::Ctx;
use crate::{
    domain::{Id, user::Email},
    error::{AppError, AppResult},
    store::AuditEntry,
};

/// The user an audit filter's `actor` names: a user id, or the e-mail address of an account.
pub async fn actor_id(ctx: &Ctx, actor: &str) -> AppResult<Id> {
    if let Ok(id) = actor.parse::<Id>() {
        return Ok(id);
    }
    let email = Email::parse(actor)
        .map_err(|_| AppError::invalid("actor", "must be a user id or an e-mail address"))?;
    let user = ctx.store.get_user_by_email(email.as_str()).await?;
    user.map(|u| u.id)
        .ok_or_else(|| AppError::invalid("actor", "no user has this e-mail address"))
}

/// Appends an audit row for `actor` doing `action` on a target. Metadata must never carry
/// message text or secrets.
pub async fn record(
    ctx: &Ctx,
    actor: &Actor,
    action: &'static str,
    target_type: &'static str,
    target_id: impl ToString,
    metadata: Value,
) -> AppResult<()> {
    append(
        ctx,
        AuditEntry {
            actor_id: Some(actor.id()),
            actor_email: Some(actor.user.email.clone()),
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            metadata,
            ip: actor.ip.clone(),
            request_id: actor.request_id.clone(),
        },
    )
    .await
}

/// Appends an audit row for an action no signed-in user did (the CLI, the bootstrap admin, the
/// public support form): the actor is empty, meaning the system, and `metadata` says how.
pub async fn record_system(
    ctx: &Ctx,
    action: &'static str,
    target_type: &'static str,
    target_id: impl ToString,
    metadata: Value,
    ip: Option<String>,
) -> AppResult<()> {
    append(
        ctx,
        AuditEntry {
            actor_id: None,
            actor_email: None,
            action,
            target_type,
            target_id: Some(target_id.to_string()),
            metadata,
            ip,
            request_id: crate::error::current_request_id(),
        },
    )
    .await
}

async fn append(ctx: &Ctx, entry: AuditEntry) -> AppResult<()> {
    ctx.store.append_audit(&entry).await?;
    tracing::info!(
        action = entry.action,
        target_type = entry.target_type,
        target_id = entry.target_id.as_deref(),
        "audit"
    );
    Ok(())
}
