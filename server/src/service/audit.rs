//! Audit rows for admin, moderation and security actions.
//!
//! A change carries its rows ([`Audit`]) to the store, which appends them in the change's own
//! transaction: a change is never left without its record, nor a record without its change.
//! Only actions that change nothing (exports) append a row on their own ([`record`]).

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

/// The audit rows of one change: handed to the store with it ([`Audit::rows`]), and logged
/// once it committed ([`Audit::committed`]). Metadata must never carry message text or secrets.
#[derive(Debug, Default)]
pub struct Audit(Vec<AuditEntry>);

impl Audit {
    /// No rows yet.
    pub fn none() -> Self {
        Self::default()
    }

    /// One row: `actor` did `action` on a target.
    pub fn by(
        actor: &Actor,
        action: &'static str,
        target_type: &'static str,
        target_id: impl ToString,
        metadata: Value,
    ) -> Self {
        Self::none().and(actor, action, target_type, target_id, metadata)
    }

    /// One row for an action no signed-in user did (the CLI, the bootstrap admin, the public
    /// support form): the actor is empty, meaning the system, and `metadata` says how.
    pub fn system(
        action: &'static str,
        target_type: &'static str,
        target_id: impl ToString,
        metadata: Value,
        ip: Option<String>,
    ) -> Self {
        Self(vec![AuditEntry {
            ip,
            request_id: crate::error::current_request_id(),
            ..entry(action, target_type, target_id, metadata)
        }])
    }

    /// Adds a row: `actor` did `action` on a target.
    pub fn and(
        mut self,
        actor: &Actor,
        action: &'static str,
        target_type: &'static str,
        target_id: impl ToString,
        metadata: Value,
    ) -> Self {
        self.0.push(AuditEntry {
            actor_id: Some(actor.id()),
            actor_email: Some(actor.user.email.clone()),
            ip: actor.ip.clone(),
            request_id: actor.request_id.clone(),
            ..entry(action, target_type, target_id, metadata)
        });
        self
    }

    /// The rows, for the store.
    pub fn rows(&self) -> &[AuditEntry] {
        &self.0
    }

    /// Logs the rows; call it once the change that carried them committed.
    pub fn committed(self) {
        for entry in self.0 {
            tracing::info!(
                action = entry.action,
                target_type = entry.target_type,
                target_id = entry.target_id.as_deref(),
                "audit"
            );
        }
    }
}

/// A row about a target, with nobody acting yet (no actor, address or request).
fn entry(
    action: &'static str,
    target_type: &'static str,
    target_id: impl ToString,
    metadata: Value,
) -> AuditEntry {
    AuditEntry {
        actor_id: None,
        actor_email: None,
        action,
        target_type,
        target_id: Some(target_id.to_string()),
        metadata,
        ip: None,
        request_id: None,
    }
}

impl From<AuditEntry> for Audit {
    fn from(entry: AuditEntry) -> Self {
        Self(vec![entry])
    }
}

/// Appends a row on its own for `actor` doing `action` on a target: for actions that change
/// nothing (an export); a change carries an [`Audit`] instead.
pub async fn record(
    ctx: &Ctx,
    actor: &Actor,
    action: &'static str,
    target_type: &'static str,
    target_id: impl ToString,
    metadata: Value,
) -> AppResult<()> {
    let audit = Audit::by(actor, action, target_type, target_id, metadata);
    for entry in audit.rows() {
        ctx.store.append_audit(entry).await?;
    }
    audit.committed();
    Ok(())
}
