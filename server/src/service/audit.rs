//! Writing audit rows for admin, moderation and security actions.

use serde_json::Value;

use super::Actor;
use crate::{app::AppState, error::AppResult, store::AuditEntry};

/// Appends an audit row for `actor` doing `action` on a target. Metadata must never carry
/// message text or secrets.
pub async fn record(
    state: &AppState,
    actor: &Actor,
    action: &'static str,
    target_type: &'static str,
    target_id: impl ToString,
    metadata: Value,
) -> AppResult<()> {
    let entry = AuditEntry {
        actor_id: Some(actor.id()),
        actor_email: Some(actor.user.email.clone()),
        action,
        target_type,
        target_id: Some(target_id.to_string()),
        metadata,
        ip: actor.ip.clone(),
        request_id: actor.request_id.clone(),
    };
    state.store.append_audit(&entry).await?;
    tracing::info!(
        action,
        target_type,
        target_id = entry.target_id.as_deref(),
        "audit"
    );
    Ok(())
}
