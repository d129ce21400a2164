//! Telemetry rollups and durable jobs on PostgreSQL (claims skip rows other instances hold).

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{PgStore, err};
use crate::domain::Id;
use crate::store::{
    JobRow, NewJob, OpsStore, RollupRow, StoreResult,
    ops::{Absorb, Ending, JobFields, OpenJob, Outcome, lease_end, retry_payload},
};

/// Columns of [`JobRow`].
macro_rules! job_columns {
    () => {
        "id, kind, dedupe_key, subject, payload, attempts, last_error, created_at, done_at"
    };
}

#[async_trait::async_trait]
impl OpsStore for PgStore {
    async fn write_rollups(&self, rows: &[RollupRow]) -> StoreResult<()> {
        let _timer = self.timer("write_rollups");
        let mut tx = self.pool.begin().await.map_err(err)?;
        for row in rows {
            sqlx::query(
                "INSERT INTO telemetry_rollups (instance_id, minute, name, value) VALUES ($1, $2, $3, $4) \
                 ON CONFLICT (instance_id, minute, name) DO UPDATE SET value = excluded.value",
            )
            .bind(&row.instance_id)
            .bind(row.minute)
            .bind(&row.name)
            .bind(row.value)
            .execute(&mut *tx)
            .await
            .map_err(err)?;
        }
        tx.commit().await.map_err(err)
    }

    async fn read_rollups(&self, since: DateTime<Utc>) -> StoreResult<Vec<RollupRow>> {
        let _timer = self.timer("read_rollups");
        sqlx::query_as(
            "SELECT instance_id, minute, name, value FROM telemetry_rollups WHERE minute >= $1 \
             ORDER BY minute, instance_id, name",
        )
        .bind(since)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn prune_rollups(&self, before: DateTime<Utc>) -> StoreResult<u64> {
        let _timer = self.timer("prune_rollups");
        let done = sqlx::query("DELETE FROM telemetry_rollups WHERE minute < $1")
            .bind(before)
            .execute(&self.pool)
            .await
            .map_err(err)?;
        Ok(done.rows_affected())
    }

    async fn enqueue_job(&self, job: &NewJob) -> StoreResult<bool> {
        let _timer = self.timer("enqueue_job");
        // Two enqueues of a new key may race to insert it: the loser absorbs into the winner's.
        for _ in 0..3 {
            if let Some(inserted) = self.try_enqueue(job).await? {
                return Ok(inserted);
            }
        }
        Err(err(sqlx::Error::Protocol(
            "enqueue_job: the job of this key kept changing".into(),
        )))
    }

    async fn claim_jobs(
        &self,
        kinds: &[&str],
        limit: i64,
        lease: std::time::Duration,
    ) -> StoreResult<Vec<JobRow>> {
        let _timer = self.timer("claim_jobs");
        let now = crate::store::now();
        let until = lease_end(lease);
        sqlx::query_as(concat!(
            "UPDATE jobs SET locked_until = $3, attempts = attempts + 1 WHERE id IN ( \
               SELECT id FROM jobs WHERE done_at IS NULL AND failed_at IS NULL \
                 AND kind = ANY($1) AND run_at <= $4 \
                 AND (locked_until IS NULL OR locked_until < $4) ORDER BY run_at LIMIT $2 \
                 FOR UPDATE SKIP LOCKED) \
             RETURNING ",
            job_columns!()
        ))
        .bind(kinds)
        .bind(limit)
        .bind(until)
        .bind(now)
        .fetch_all(&self.pool)
        .await
        .map_err(err)
    }

    async fn extend_job_lease(&self, id: Id, lease: std::time::Duration) -> StoreResult<()> {
        let _timer = self.timer("extend_job_lease");
        sqlx::query(
            "UPDATE jobs SET locked_until = $2 WHERE id = $1 AND locked_until IS NOT NULL \
             AND done_at IS NULL AND failed_at IS NULL",
        )
        .bind(id)
        .bind(lease_end(lease))
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn complete_job(&self, id: Id) -> StoreResult<()> {
        let _timer = self.timer("complete_job");
        self.close_job(id, Outcome::Done).await
    }

    async fn fail_job(
        &self,
        id: Id,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let _timer = self.timer("fail_job");
        let error: String = error.chars().take(1000).collect();
        let Some(at) = retry_at else {
            return self.close_job(id, Outcome::Failed(&error)).await;
        };
        let mut tx = self.pool.begin().await.map_err(err)?;
        let row: Option<(Json<serde_json::Value>, Option<Json<serde_json::Value>>)> =
            sqlx::query_as("SELECT payload, queued_payload FROM jobs WHERE id = $1 FOR UPDATE")
                .bind(id)
                .fetch_optional(&mut *tx)
                .await
                .map_err(err)?;
        let payload = row.map(|(payload, queued)| retry_payload(payload.0, queued.map(|q| q.0)));
        sqlx::query(
            "UPDATE jobs SET run_at = $3, locked_until = NULL, last_error = $2, \
               payload = COALESCE($4, payload), queued_payload = NULL, queued_run_at = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(error)
        .bind(at)
        .bind(payload.map(Json))
        .execute(&mut *tx)
        .await
        .map_err(err)?;
        tx.commit().await.map_err(err)
    }

    async fn last_job(&self, kind: &str, subject: &str) -> StoreResult<Option<JobRow>> {
        let _timer = self.timer("last_job");
        sqlx::query_as(concat!(
            "SELECT ",
            job_columns!(),
            " FROM jobs WHERE kind = $1 AND subject = $2 ORDER BY created_at DESC, id DESC LIMIT 1"
        ))
        .bind(kind)
        .bind(subject)
        .fetch_optional(&self.pool)
        .await
        .map_err(err)
    }
}

impl PgStore {
    /// One enqueue attempt; `None` when a concurrent enqueue inserted the key first.
    async fn try_enqueue(&self, job: &NewJob) -> StoreResult<Option<bool>> {
        let mut tx = self.pool.begin().await.map_err(err)?;
        let open: Option<OpenJob> = match &job.dedupe_key {
            Some(key) => sqlx::query_as(
                "SELECT id, payload, queued_payload, locked_until IS NOT NULL AS running FROM jobs \
                 WHERE dedupe_key = $1 AND done_at IS NULL AND failed_at IS NULL FOR UPDATE",
            )
            .bind(key)
            .fetch_optional(&mut *tx)
            .await
            .map_err(err)?,
            None => None,
        };
        let inserted = match Absorb::decide(open, job) {
            Absorb::Insert => {
                if !insert_job(&mut tx, &job.into()).await? {
                    return Ok(None);
                }
                true
            }
            Absorb::Queue { id, payload } => {
                // Merging into the running job would be lost when it completes: queue it.
                sqlx::query(
                    "UPDATE jobs SET queued_payload = $2, queued_run_at = $3 WHERE id = $1",
                )
                .bind(id)
                .bind(Json(payload))
                .bind(job.run_at)
                .execute(&mut *tx)
                .await
                .map_err(err)?;
                false
            }
            Absorb::Merge { id, payload } => {
                sqlx::query("UPDATE jobs SET run_at = $2, payload = $3 WHERE id = $1")
                    .bind(id)
                    .bind(job.run_at)
                    .bind(Json(payload))
                    .execute(&mut *tx)
                    .await
                    .map_err(err)?;
                false
            }
        };
        tx.commit().await.map_err(err)?;
        Ok(Some(inserted))
    }

    /// Ends a job and turns a request queued while it ran into a new pending job, atomically.
    async fn close_job(&self, id: Id, outcome: Outcome<'_>) -> StoreResult<()> {
        let mut tx = self.pool.begin().await.map_err(err)?;
        let ending: Option<Ending> = sqlx::query_as(
            "SELECT kind, dedupe_key, subject, queued_payload, queued_run_at FROM jobs WHERE id = $1 \
             FOR UPDATE",
        )
        .bind(id)
        .fetch_optional(&mut *tx)
        .await
        .map_err(err)?;
        let now = crate::store::now();
        let close = match outcome {
            Outcome::Done => sqlx::query(
                "UPDATE jobs SET done_at = $2, locked_until = NULL, dedupe_key = NULL, \
                 queued_payload = NULL, queued_run_at = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(now),
            Outcome::Failed(error) => sqlx::query(
                "UPDATE jobs SET failed_at = $2, last_error = $3, locked_until = NULL, \
                 dedupe_key = NULL, queued_payload = NULL, queued_run_at = NULL WHERE id = $1",
            )
            .bind(id)
            .bind(now)
            .bind(error),
        };
        close.execute(&mut *tx).await.map_err(err)?;
        if let Some(ending) = ending
            && let Some(payload) = &ending.queued_payload
        {
            insert_job(&mut tx, &ending.follow_up(&payload.0, now)).await?;
        }
        tx.commit().await.map_err(err)
    }
}

/// Inserts a job; false when an open job with its dedupe key exists (inserted concurrently).
async fn insert_job(tx: &mut sqlx::PgConnection, job: &JobFields<'_>) -> StoreResult<bool> {
    let done = sqlx::query(
        "INSERT INTO jobs (id, kind, dedupe_key, subject, payload, run_at, created_at) \
         VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
    )
    .bind(Id::new())
    .bind(job.kind)
    .bind(job.dedupe_key)
    .bind(job.subject)
    .bind(Json(job.payload))
    .bind(job.run_at)
    .bind(crate::store::now())
    .execute(tx)
    .await
    .map_err(err)?;
    Ok(done.rows_affected() == 1)
}
