//! The assistant panel of a ticket: stored insights (staff of the ticket and admins; observers
//! read them too; customers never), and refreshes on demand.

use serde::Serialize;
use utoipa::ToSchema;

use super::Ctx;
use super::{Actor, require, room_with_access};
use crate::domain::policy::Capability;
use crate::{
    assistant::model::Insights,
    domain::{Id, policy::Action, room::RoomKind},
    error::{AppError, AppResult},
};

/// What the panel shows.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct AssistantView {
    /// The latest insights (`null` before the first refresh).
    pub insights: Option<InsightsView>,
    /// Messages newer than what the insights cover.
    pub newer_messages: i64,
    /// The last refresh's failure, if it failed.
    pub last_error: Option<String>,
    /// Failed refreshes since the last success.
    pub failures: i32,
}

/// Insights with where they came from.
#[derive(Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct InsightsView {
    /// The analysis.
    #[serde(flatten)]
    pub insights: Insights,
    /// Newest covered seq.
    pub covered_seq: i64,
    /// Who produced it.
    pub provider: String,
    /// When.
    pub updated_at: chrono::DateTime<chrono::Utc>,
}

async fn check(ctx: &Ctx, actor: &Actor, ticket: Id, action: Action) -> AppResult<i64> {
    require(actor, Capability::SeeTeam)?;
    let room = room_with_access(ctx, actor, ticket, action).await?;
    if room.room.kind != RoomKind::Ticket {
        return Err(AppError::not_found("ticket"));
    }
    Ok(room.room.last_seq)
}

/// The stored insights of a ticket.
pub async fn view(ctx: &Ctx, actor: &Actor, ticket: Id) -> AppResult<AssistantView> {
    let last_seq = check(ctx, actor, ticket, Action::Read).await?;
    let stored = ctx.store.get_insights(ticket).await?;
    let Some(stored) = stored else {
        return Ok(AssistantView {
            insights: None,
            newer_messages: last_seq,
            last_error: None,
            failures: 0,
        });
    };
    let insights = serde_json::from_value::<Insights>(stored.details.0.clone())
        .ok()
        .map(|insights| InsightsView {
            insights,
            covered_seq: stored.covered_seq,
            provider: stored.provider.clone(),
            updated_at: stored.updated_at,
        });
    let covered = insights.as_ref().map_or(0, |i| i.covered_seq);
    Ok(AssistantView {
        insights,
        newer_messages: (last_seq - covered).max(0),
        last_error: stored.last_error,
        failures: stored.failures,
    })
}

/// Queues a full refresh (staff of the ticket and admins; observers are read-only).
pub async fn refresh(ctx: &Ctx, actor: &Actor, ticket: Id) -> AppResult<()> {
    // The policy answers 404 for tickets the actor cannot read before READ_ONLY for observers.
    check(ctx, actor, ticket, Action::ManageTicket).await?;
    super::spend(ctx, crate::ratelimit::Action::AiRefresh, actor).await?;
    queue_refresh(ctx, ticket, true).await?;
    Ok(())
}

/// The jobs kind of an assistant refresh.
pub const REFRESH_JOB: &str = "assistant.refresh";
/// How long a new customer message waits for more before the refresh runs.
const DEBOUNCE: chrono::Duration = chrono::Duration::seconds(2);

/// Asks for a refresh of `ticket` (debounced: a burst of messages yields one refresh).
pub async fn queue_refresh(ctx: &Ctx, ticket: Id, full: bool) -> AppResult<()> {
    let delay = if full {
        chrono::Duration::zero()
    } else {
        DEBOUNCE
    };
    ctx.store
        .enqueue_job(
            &crate::store::NewJob {
                kind: REFRESH_JOB,
                dedupe_key: Some(format!("assistant:{ticket}")),
                subject: Some(ticket.to_string()),
                payload: serde_json::json!({"ticketId": ticket, "full": full}),
                run_at: crate::store::now() + delay,
            },
            &[],
        )
        .await?;
    Ok(())
}
