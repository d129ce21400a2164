//! Stored assistant insights per ticket. One query set for both databases.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{StoreResult, both::impl_both};
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

impl_both! {
    /// Assistant insights.
    pub trait InsightsStore {
        /// A ticket's insights.
        async fn get_insights(&self, ticket_id: Id) -> StoreResult<Option<InsightsRow>> {
            let query = sqlx::query_as(
                "SELECT ticket_id, details, covered_seq, provider, updated_at, last_error, failures, tokens_used \
                 FROM ticket_insights WHERE ticket_id = $1",
            );
            Self::fetch_optional_row(self.reader(), query.bind(ticket_id)).await
        }

        /// Stores a success (clears the failure state).
        async fn save_insights(&self, insights: &NewInsights) -> StoreResult<()> {
            let query = sqlx::query(
                "INSERT INTO ticket_insights (ticket_id, summary, suggestions, escalation, details, covered_seq, \
                   provider, updated_at, last_error, failures, tokens_used) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7, $8, NULL, 0, $9) \
                 ON CONFLICT (ticket_id) DO UPDATE SET summary = excluded.summary, suggestions = excluded.suggestions, \
                   escalation = excluded.escalation, details = excluded.details, covered_seq = excluded.covered_seq, \
                   provider = excluded.provider, updated_at = excluded.updated_at, last_error = NULL, failures = 0, \
                   tokens_used = ticket_insights.tokens_used + excluded.tokens_used",
            )
            .bind(insights.ticket_id)
            .bind(&insights.summary)
            .bind(Json(&insights.suggestions))
            .bind(Json(&insights.escalation))
            .bind(Json(&insights.details))
            .bind(insights.covered_seq)
            .bind(&insights.provider)
            .bind(crate::store::now())
            .bind(insights.tokens);
            Self::execute(self.writer(), query).await?;
            Ok(())
        }

        /// Records a failed refresh.
        async fn record_insights_failure(&self, ticket_id: Id, error: &str) -> StoreResult<()> {
            let error: String = error.chars().take(1000).collect();
            let query = sqlx::query(
                "INSERT INTO ticket_insights (ticket_id, provider, updated_at, last_error, failures) \
                 VALUES ($1, 'none', $2, $3, 1) \
                 ON CONFLICT (ticket_id) DO UPDATE SET last_error = excluded.last_error, \
                   failures = ticket_insights.failures + 1",
            );
            let query = query.bind(ticket_id).bind(crate::store::now()).bind(error);
            Self::execute(self.writer(), query).await?;
            Ok(())
        }

        /// Model tokens spent on every ticket since `since` (the daily budget).
        async fn tokens_since(&self, since: DateTime<Utc>) -> StoreResult<i64> {
            let query = sqlx::query_scalar(
                "SELECT CAST(COALESCE(SUM(value), 0) AS BIGINT) FROM telemetry_rollups \
                 WHERE name = 'ai_tokens' AND minute >= $1",
            );
            Self::fetch_one_value(self.reader(), query.bind(since)).await
        }
    }
}
