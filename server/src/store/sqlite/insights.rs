//! Assistant insights on SQLite.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{SqliteStore, err};
use crate::domain::Id;
use crate::store::{
    StoreResult,
    insights::{InsightsRow, InsightsStore, NewInsights},
};

#[async_trait::async_trait]
impl InsightsStore for SqliteStore {
    async fn get_insights(&self, ticket_id: Id) -> StoreResult<Option<InsightsRow>> {
        let _timer = self.timer("get_insights");
        sqlx::query_as(
            "SELECT ticket_id, details, covered_seq, provider, updated_at, last_error, failures, tokens_used \
             FROM ticket_insights WHERE ticket_id = $1",
        )
        .bind(ticket_id)
        .fetch_optional(&self.reader)
        .await
        .map_err(err)
    }

    async fn save_insights(&self, insights: &NewInsights) -> StoreResult<()> {
        let _timer = self.timer("save_insights");
        sqlx::query(
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
        .bind(insights.tokens)
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn record_insights_failure(&self, ticket_id: Id, error: &str) -> StoreResult<()> {
        let _timer = self.timer("record_insights_failure");
        let error: String = error.chars().take(1000).collect();
        sqlx::query(
            "INSERT INTO ticket_insights (ticket_id, provider, updated_at, last_error, failures) \
             VALUES ($1, 'none', $2, $3, 1) \
             ON CONFLICT (ticket_id) DO UPDATE SET last_error = excluded.last_error, \
               failures = ticket_insights.failures + 1",
        )
        .bind(ticket_id)
        .bind(crate::store::now())
        .bind(error)
        .execute(&self.writer)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn tokens_since(&self, since: DateTime<Utc>) -> StoreResult<i64> {
        let _timer = self.timer("tokens_since");
        sqlx::query_scalar(
            "SELECT COALESCE(SUM(CAST(value AS INTEGER)), 0) FROM telemetry_rollups \
             WHERE name = 'ai_tokens' AND minute >= $1",
        )
        .bind(since)
        .fetch_one(&self.reader)
        .await
        .map_err(err)
    }
}
