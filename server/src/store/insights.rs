//! Stored assistant insights per ticket.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::StoreResult;
use crate::domain::Id;

/// A ticket's stored insights and refresh state.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct InsightsRow {
    /// The ticket.
    pub ticket_id: Id,
    /// The whole answer (`Insights` as JSON; `{}` before the first success).
    pub details: Json<serde_json::Value>,
    /// The newest message seq the answer covers.
    pub covered_seq: i64,
    /// `local` or `openai` (or `local (budget)` when the model budget ran out).
    pub provider: String,
    /// Last change.
    pub updated_at: DateTime<Utc>,
    /// The last failure, if the last attempt failed.
    pub last_error: Option<String>,
    /// Failures since the last success.
    pub failures: i32,
    /// Model tokens spent on this ticket.
    pub tokens_used: i64,
}

/// A successful analysis to store.
#[derive(Clone, Debug)]
pub struct NewInsights {
    /// The ticket.
    pub ticket_id: Id,
    /// The whole answer.
    pub details: serde_json::Value,
    /// Summary (also in `details`).
    pub summary: String,
    /// Suggested replies (also in `details`).
    pub suggestions: serde_json::Value,
    /// Escalation advice (also in `details`).
    pub escalation: serde_json::Value,
    /// Newest covered seq.
    pub covered_seq: i64,
    /// Provider name.
    pub provider: String,
    /// Tokens spent by this analysis.
    pub tokens: i64,
}

/// Assistant insights.
#[async_trait::async_trait]
pub trait InsightsStore: Send + Sync {
    /// A ticket's insights.
    async fn get_insights(&self, ticket_id: Id) -> StoreResult<Option<InsightsRow>>;
    /// Stores a success (clears the failure state).
    async fn save_insights(&self, insights: &NewInsights) -> StoreResult<()>;
    /// Records a failed refresh.
    async fn record_insights_failure(&self, ticket_id: Id, error: &str) -> StoreResult<()>;
    /// Model tokens spent on every ticket since `since` (the daily budget).
    async fn tokens_since(&self, since: DateTime<Utc>) -> StoreResult<i64>;
}
