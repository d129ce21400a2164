//! Telemetry rollups and durable jobs on PostgreSQL (claims skip rows other instances hold).

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{PgStore, err};
use crate::domain::Id;
use crate::store::{JobRow, NewJob, OpsStore, RollupRow, StoreResult};

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
        sqlx::query_scalar(
            "INSERT INTO jobs (id, kind, dedupe_key, subject, payload, run_at, created_at) \
             VALUES ($1, $2, $3, $4, $5, $6, $7) \
             ON CONFLICT (dedupe_key) DO UPDATE SET run_at = excluded.run_at, payload = excluded.payload \
             RETURNING (xmax = 0)",
        )
        .bind(Id::new())
        .bind(job.kind)
        .bind(&job.dedupe_key)
        .bind(&job.subject)
        .bind(Json(&job.payload))
        .bind(job.run_at)
        .bind(crate::store::now())
        .fetch_one(&self.pool)
        .await
        .map_err(err)
    }

    async fn claim_jobs(
        &self,
        kinds: &[&str],
        limit: i64,
        lease: std::time::Duration,
    ) -> StoreResult<Vec<JobRow>> {
        let _timer = self.timer("claim_jobs");
        let now = crate::store::now();
        let until = now + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5));
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

    async fn complete_job(&self, id: Id) -> StoreResult<()> {
        let _timer = self.timer("complete_job");
        sqlx::query(
            "UPDATE jobs SET done_at = $2, locked_until = NULL, dedupe_key = NULL WHERE id = $1",
        )
        .bind(id)
        .bind(crate::store::now())
        .execute(&self.pool)
        .await
        .map_err(err)?;
        Ok(())
    }

    async fn fail_job(
        &self,
        id: Id,
        error: &str,
        retry_at: Option<DateTime<Utc>>,
    ) -> StoreResult<()> {
        let _timer = self.timer("fail_job");
        let error: String = error.chars().take(1000).collect();
        let query = match retry_at {
            Some(at) => sqlx::query("UPDATE jobs SET run_at = $3, locked_until = NULL, last_error = $2 WHERE id = $1")
                .bind(id)
                .bind(error)
                .bind(at),
            None => sqlx::query(
                "UPDATE jobs SET failed_at = $3, locked_until = NULL, dedupe_key = NULL, last_error = $2 WHERE id = $1",
            )
            .bind(id)
            .bind(error)
            .bind(crate::store::now()),
        };
        query.execute(&self.pool).await.map_err(err)?;
        Ok(())
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
