//! Operations data: per-minute telemetry rollups of every instance, and the durable jobs
//! queue (alerts, assistant refreshes). One query set for both databases: claims lock the rows
//! they take (`skip_locked!`), and on SQLite, where every write takes turns on one connection,
//! they cannot race anyway.

use chrono::{DateTime, Utc};
use sqlx::types::Json;

use super::{AuditEntry, StoreResult, both::impl_both};
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

/// The payload of a job that absorbed another request: the newer request's fields win, except
/// that a flag either request set stays set (a pending full refresh stays full when an
/// incremental one is asked for).
pub fn merge_payloads(older: &serde_json::Value, newer: &serde_json::Value) -> serde_json::Value {
    use serde_json::Value;
    let (Value::Object(older), Value::Object(newer)) = (older, newer) else {
        return newer.clone();
    };
    let mut merged = older.clone();
    for (key, value) in newer {
        let kept = older.get(key) == Some(&Value::Bool(true));
        let value = if kept && value.is_boolean() {
            Value::Bool(true)
        } else {
            value.clone()
        };
        merged.insert(key.clone(), value);
    }
    Value::Object(merged)
}

/// The open (pending or running) job of a dedupe key.
#[derive(sqlx::FromRow)]
pub(crate) struct OpenJob {
    /// Its id.
    pub id: Id,
    /// Its input.
    pub payload: Json<serde_json::Value>,
    /// A request that came while it ran.
    pub queued_payload: Option<Json<serde_json::Value>>,
    /// Claimed by a worker (`locked_until` set, expired or not: a worker that died mid-run
    /// still holds it until another claims and finishes it).
    pub running: bool,
}

/// What an enqueue does with the open job of its key.
pub(crate) enum Absorb {
    /// There is none: insert a new job.
    Insert,
    /// It runs: queue this payload on it for a follow-up run.
    Queue {
        /// The running job.
        id: Id,
        /// The queued payload (merged with an earlier queued one).
        payload: serde_json::Value,
    },
    /// It is pending: merge into it.
    Merge {
        /// The pending job.
        id: Id,
        /// The merged payload.
        payload: serde_json::Value,
    },
}

impl Absorb {
    /// Decides what enqueueing `job` does given the open job of its key.
    pub(crate) fn decide(open: Option<OpenJob>, job: &NewJob) -> Self {
        match open {
            None => Self::Insert,
            Some(open) if open.running => Self::Queue {
                id: open.id,
                payload: open.queued_payload.map_or_else(
                    || job.payload.clone(),
                    |queued| merge_payloads(&queued.0, &job.payload),
                ),
            },
            Some(open) => Self::Merge {
                id: open.id,
                payload: merge_payloads(&open.payload.0, &job.payload),
            },
        }
    }
}

/// The payload of a retry: a request queued while the failed attempt ran is served by it.
pub(crate) fn retry_payload(
    payload: serde_json::Value,
    queued: Option<serde_json::Value>,
) -> serde_json::Value {
    match queued {
        Some(queued) => merge_payloads(&payload, &queued),
        None => payload,
    }
}

/// How a job ended.
#[derive(Clone, Copy)]
pub(crate) enum Outcome<'a> {
    /// It succeeded.
    Done,
    /// It failed for good, with this error.
    Failed(&'a str),
}

/// What an ending job hands on: its identity and the request queued while it ran.
#[derive(sqlx::FromRow)]
pub(crate) struct Ending {
    /// Kind.
    pub kind: String,
    /// Debounce key.
    pub dedupe_key: Option<String>,
    /// What it is about.
    pub subject: Option<String>,
    /// The queued request, if any.
    pub queued_payload: Option<Json<serde_json::Value>>,
    /// When the queued request asked to run.
    pub queued_run_at: Option<DateTime<Utc>>,
}

impl Ending {
    /// The follow-up job serving `payload` (the queued request).
    pub(crate) fn follow_up<'a>(
        &'a self,
        payload: &'a serde_json::Value,
        now: DateTime<Utc>,
    ) -> JobFields<'a> {
        JobFields {
            kind: &self.kind,
            dedupe_key: self.dedupe_key.as_deref(),
            subject: self.subject.as_deref(),
            payload,
            run_at: self.queued_run_at.unwrap_or(now),
        }
    }
}

/// The columns of a new job row.
pub(crate) struct JobFields<'a> {
    /// Kind.
    pub kind: &'a str,
    /// Debounce key.
    pub dedupe_key: Option<&'a str>,
    /// What it is about.
    pub subject: Option<&'a str>,
    /// Input.
    pub payload: &'a serde_json::Value,
    /// Not before.
    pub run_at: DateTime<Utc>,
}

impl<'a> From<&'a NewJob> for JobFields<'a> {
    fn from(job: &'a NewJob) -> Self {
        Self {
            kind: job.kind,
            dedupe_key: job.dedupe_key.as_deref(),
            subject: job.subject.as_deref(),
            payload: &job.payload,
            run_at: job.run_at,
        }
    }
}

/// Until when a lease taken now lasts.
pub(crate) fn lease_end(lease: std::time::Duration) -> DateTime<Utc> {
    super::now() + chrono::Duration::from_std(lease).unwrap_or(chrono::Duration::minutes(5))
}

/// Columns of [`JobRow`].
macro_rules! job_columns {
    () => {
        "id, kind, dedupe_key, subject, payload, attempts, last_error, created_at, done_at"
    };
}

impl_both! {
    /// Rollups and jobs.
    pub trait OpsStore {
        /// Writes (or overwrites) rollup values.
        async fn write_rollups(&self, rows: &[RollupRow]) -> StoreResult<()> {
            let mut tx = self.begin().await?;
            for row in rows {
                let query = sqlx::query(
                    "INSERT INTO telemetry_rollups (instance_id, minute, name, value) VALUES ($1, $2, $3, $4) \
                     ON CONFLICT (instance_id, minute, name) DO UPDATE SET value = excluded.value",
                );
                let query = query.bind(&row.instance_id).bind(row.minute).bind(&row.name);
                Self::execute(&mut *tx, query.bind(row.value)).await?;
            }
            tx.commit().await.map_err(Self::db_err)
        }

        /// Rollups of every instance since `since`, oldest first.
        async fn read_rollups(&self, since: DateTime<Utc>) -> StoreResult<Vec<RollupRow>> {
            let query = sqlx::query_as(
                "SELECT instance_id, minute, name, value FROM telemetry_rollups WHERE minute >= $1 \
                 ORDER BY minute, instance_id, name",
            );
            Self::fetch_all_rows(self.reader(), query.bind(since)).await
        }

        /// Deletes rollups older than `before`; returns how many.
        async fn prune_rollups(&self, before: DateTime<Utc>) -> StoreResult<u64> {
            let query = sqlx::query("DELETE FROM telemetry_rollups WHERE minute < $1");
            Self::execute(self.writer(), query.bind(before)).await
        }

        /// Enqueues a job. With a dedupe key, an open job with that key absorbs it (returns false):
        /// a pending one takes the new run time (debounce) and the payloads merge
        /// ([`merge_payloads`]); a running one keeps the request, and when that run ends (done or
        /// failed for good) the request becomes a new pending job, so nothing asked for while a job
        /// runs is lost, and jobs of one key never run at the same time. The audit rows are
        /// appended with the request, absorbed or not.
        async fn enqueue_job(&self, job: &NewJob, audit: &[AuditEntry]) -> StoreResult<bool> {
            // Two enqueues of a new key may race to insert it: the loser absorbs into the winner's.
            for _ in 0..3 {
                if let Some(inserted) = self.try_enqueue(job, audit).await? {
                    return Ok(inserted);
                }
            }
            Err(Self::db_err(sqlx::Error::Protocol(
                "enqueue_job: the job of this key kept changing".into(),
            )))
        }

        /// Claims up to `limit` due jobs of these kinds for `lease`, on behalf of this instance.
        async fn claim_jobs(
            &self,
            kinds: &[&str],
            limit: i64,
            lease: std::time::Duration,
        ) -> StoreResult<Vec<JobRow>> {
            let now = crate::store::now();
            let until = lease_end(lease);
            let query = sqlx::query_as(concat!(
                "UPDATE jobs SET locked_until = $3, attempts = attempts + 1 WHERE id IN ( \
                   SELECT id FROM jobs WHERE done_at IS NULL AND failed_at IS NULL \
                     AND kind ",
                in_list!("$1"),
                " AND run_at <= $4 \
                     AND (locked_until IS NULL OR locked_until < $4) ORDER BY run_at LIMIT $2",
                skip_locked!(),
                ") RETURNING ",
                job_columns!()
            ));
            let query = query.bind(Self::list(kinds)?).bind(limit).bind(until).bind(now);
            Self::fetch_all_rows(self.writer(), query).await
        }

        /// Keeps a claimed job ours for `lease` from now (a worker renews while the job runs).
        async fn extend_job_lease(&self, id: Id, lease: std::time::Duration) -> StoreResult<()> {
            let query = sqlx::query(
                "UPDATE jobs SET locked_until = $2 WHERE id = $1 AND locked_until IS NOT NULL \
                 AND done_at IS NULL AND failed_at IS NULL",
            );
            Self::execute(self.writer(), query.bind(id).bind(lease_end(lease))).await?;
            Ok(())
        }

        /// Marks a job done (a request queued while it ran becomes a new pending job).
        async fn complete_job(&self, id: Id) -> StoreResult<()> {
            self.close_job(id, Outcome::Done).await
        }

        /// Records a failure: retried at `retry_at` (a request queued while it ran folds into the
        /// retry), or failed for good when `None` (the queued request becomes a new pending job).
        async fn fail_job(
            &self,
            id: Id,
            error: &str,
            retry_at: Option<DateTime<Utc>>,
        ) -> StoreResult<()> {
            let error: String = error.chars().take(1000).collect();
            let Some(at) = retry_at else {
                return self.close_job(id, Outcome::Failed(&error)).await;
            };
            let mut tx = self.begin().await?;
            let query = sqlx::query_as(concat!(
                "SELECT payload, queued_payload FROM jobs WHERE id = $1",
                for_update!()
            ));
            let row: Option<(Json<serde_json::Value>, Option<Json<serde_json::Value>>)> =
                Self::fetch_optional_row(&mut *tx, query.bind(id)).await?;
            let payload =
                row.map(|(payload, queued)| retry_payload(payload.0, queued.map(|q| q.0)));
            let query = sqlx::query(
                "UPDATE jobs SET run_at = $3, locked_until = NULL, last_error = $2, \
                   payload = COALESCE($4, payload), queued_payload = NULL, queued_run_at = NULL WHERE id = $1",
            );
            let query = query.bind(id).bind(error).bind(at).bind(payload.map(Json));
            Self::execute(&mut *tx, query).await?;
            tx.commit().await.map_err(Self::db_err)
        }

        /// The newest job of a kind about `subject` (pending, done or failed).
        async fn last_job(&self, kind: &str, subject: &str) -> StoreResult<Option<JobRow>> {
            let query = sqlx::query_as(concat!(
                "SELECT ",
                job_columns!(),
                " FROM jobs WHERE kind = $1 AND subject = $2 ORDER BY created_at DESC, id DESC LIMIT 1"
            ));
            Self::fetch_optional_row(self.reader(), query.bind(kind).bind(subject)).await
        }
    }
}

impl_both! {
    impl {
        /// One enqueue attempt; `None` when a concurrent enqueue inserted the key first.
        async fn try_enqueue(
            &self,
            job: &NewJob,
            audit: &[AuditEntry],
        ) -> StoreResult<Option<bool>> {
            let mut tx = self.begin().await?;
            let open: Option<OpenJob> = match &job.dedupe_key {
                Some(key) => {
                    let query = sqlx::query_as(concat!(
                        "SELECT id, payload, queued_payload, locked_until IS NOT NULL AS running \
                         FROM jobs WHERE dedupe_key = $1 AND done_at IS NULL AND failed_at IS NULL",
                        for_update!()
                    ));
                    Self::fetch_optional_row(&mut *tx, query.bind(key)).await?
                }
                None => None,
            };
            let inserted = match Absorb::decide(open, job) {
                Absorb::Insert => {
                    if !Self::insert_job(&mut tx, &job.into()).await? {
                        return Ok(None);
                    }
                    true
                }
                Absorb::Queue { id, payload } => {
                    // Merging into the running job would be lost when it completes: queue it.
                    let query = sqlx::query(
                        "UPDATE jobs SET queued_payload = $2, queued_run_at = $3 WHERE id = $1",
                    );
                    let query = query.bind(id).bind(Json(payload)).bind(job.run_at);
                    Self::execute(&mut *tx, query).await?;
                    false
                }
                Absorb::Merge { id, payload } => {
                    let query =
                        sqlx::query("UPDATE jobs SET run_at = $2, payload = $3 WHERE id = $1");
                    let query = query.bind(id).bind(job.run_at).bind(Json(payload));
                    Self::execute(&mut *tx, query).await?;
                    false
                }
            };
            Self::commit_with_audit(tx, audit).await?;
            Ok(Some(inserted))
        }

        /// Ends a job and turns a request queued while it ran into a new pending job, atomically.
        async fn close_job(&self, id: Id, outcome: Outcome<'_>) -> StoreResult<()> {
            let mut tx = self.begin().await?;
            let query = sqlx::query_as(concat!(
                "SELECT kind, dedupe_key, subject, queued_payload, queued_run_at FROM jobs \
                 WHERE id = $1",
                for_update!()
            ));
            let ending: Option<Ending> = Self::fetch_optional_row(&mut *tx, query.bind(id)).await?;
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
            Self::execute(&mut *tx, close).await?;
            if let Some(ending) = ending
                && let Some(payload) = &ending.queued_payload
            {
                Self::insert_job(&mut tx, &ending.follow_up(&payload.0, now)).await?;
            }
            tx.commit().await.map_err(Self::db_err)
        }

        /// Inserts a job; false when an open job with its dedupe key exists (inserted
        /// concurrently).
        pub(crate) async fn insert_job(tx: &mut Conn, job: &JobFields<'_>) -> StoreResult<bool> {
            let query = sqlx::query(
                "INSERT INTO jobs (id, kind, dedupe_key, subject, payload, run_at, created_at) \
                 VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (dedupe_key) DO NOTHING",
            )
            .bind(Id::new())
            .bind(job.kind)
            .bind(job.dedupe_key)
            .bind(job.subject)
            .bind(Json(job.payload))
            .bind(job.run_at)
            .bind(crate::store::now());
            Ok(Self::execute(tx, query).await? == 1)
        }
    }
}

#[cfg(test)]
mod tests {
    use serde_json::json;

    #[test]
    fn merged_payloads_keep_flags_either_side_set() {
        let merge = super::merge_payloads;
        assert_eq!(
            merge(
                &json!({"ticketId": "a", "full": true}),
                &json!({"ticketId": "a", "full": false})
            ),
            json!({"ticketId": "a", "full": true})
        );
        assert_eq!(
            merge(&json!({"full": false}), &json!({"full": true})),
            json!({"full": true})
        );
        assert_eq!(
            merge(&json!({"text": "old", "extra": 1}), &json!({"text": "new"})),
            json!({"text": "new", "extra": 1})
        );
        assert_eq!(merge(&json!(null), &json!({"a": 1})), json!({"a": 1}));
    }
}
