//! Operations data: per-minute telemetry rollups of every instance, and the durable jobs
//! queue (alerts, assistant refreshes).

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::StoreResult;
use crate::domain::Id;

/// One rollup value.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct RollupRow {
    /// The instance that measured it.
    pub instance_id: String,
    /// The minute (UTC, seconds zero).
    pub minute: DateTime<Utc>,
    /// What: `requests`, `errors_5xx`, `latency_p95_ms`, `top_room:<id>`, ...
    pub name: String,
    /// The value.
    pub value: f64,
}

/// A job to enqueue.
#[derive(Clone, Debug)]
pub struct NewJob {
    /// Kind, e.g. `alert` or `assistant.refresh`.
    pub kind: &'static str,
    /// At most one pending job per key (debounce); `None` = no limit.
    pub dedupe_key: Option<String>,
    /// What the job is about (an alert's name, a ticket id), for history lookups.
    pub subject: Option<String>,
    /// Input.
    pub payload: serde_json::Value,
    /// Not before.
    pub run_at: DateTime<Utc>,
}

/// A claimed or stored job.
#[derive(Clone, Debug, sqlx::FromRow)]
pub struct JobRow {
    /// Id.
    pub id: Id,
    /// Kind.
    pub kind: String,
    /// Debounce key (cleared once the job is over).
    pub dedupe_key: Option<String>,
    /// What it is about.
    pub subject: Option<String>,
    /// Input.
    pub payload: Json<serde_json::Value>,
    /// Attempts so far (including the current one when claimed).
    pub attempts: i32,
    /// Last failure.
    pub last_error: Option<String>,
    /// Enqueued.
    pub created_at: DateTime<Utc>,
    /// Finished successfully.
    pub done_at: Option<DateTime<Utc>>,
}

/// Rollups and jobs.
#[async_trait::async_trait]
pub trait OpsStore: Send + Sync {
    /// Writes (or overwrites) rollup values.
    async fn write_rollups(&self, rows: &[RollupRow]) -> StoreResult<()>;
    /// Rollups of every instance since `since`, oldest first.
    async fn read_rollups(&self, since: DateTime<Utc>) -> StoreResult<Vec<RollupRow>>;
    /// Deletes rollups older than `before`; returns how many.
    async fn prune_rollups(&self, before: DateTime<Utc>) -> StoreResult<u64>;
    /// Enqueues a job; with a dedupe key, a pending job with that key absorbs it (its run time
    /// moves to the new one: debounce). Returns false when absorbed.
    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool>;
    /// Claims up to `limit` due jobs of these kinds for `lease`, on behalf of this instance.
    async fn claim_jobs(
        &self,
        kinds: &[&str],
        limit: i64,
        lease: std::time::Duration,
    ) -> StoreResult<Vec<JobRow>>;
    /// Marks a job done.
    async fn complete_job(&self, id: Id) -> StoreResult<()>;
    /// Records a failure: retried at `retry_at`, or failed for good when `None`.
    async fn fail_job(
        &self,
        id: Id,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()>;
    /// The newest job of a kind about `subject` (pending, done or failed).
    async fn last_job(&self, kind: &str, subject: &str) -> StoreResult<Option<JobRow>>;
}
