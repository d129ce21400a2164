//! The file sweep as a job (`files.sweep`, one open at a time): removes the files nobody may
//! see any more ([`crate::service::files::sweep`]). Every instance running background jobs
//! asks for it every [`super::FILE_SWEEP_PERIOD`]; the dedupe key folds the requests into one
//! job, a failure is retried with the worker's backoff, and a full batch asks for the next.

use super::Jobs;
use crate::store::{JobRow, NewJob};

/// The job's kind (and dedupe key).
pub const KIND: &str = "files.sweep";

/// Asks for a sweep (absorbed by one already pending or running).
pub async fn request(jobs: &Jobs) {
    let job = NewJob {
        kind: KIND,
        dedupe_key: Some(KIND.to_owned()),
        subject: None,
        payload: serde_json::Value::Null,
        run_at: crate::store::now(),
    };
    if let Err(err) = jobs.ctx.store.enqueue_job(&job, &[]).await {
        tracing::warn!(error = %err, "queuing the file sweep failed; asked again at the next period");
    }
}

/// Runs one sweep; a full batch asks for another right after this one.
pub async fn run(jobs: &Jobs, _job: &JobRow) -> Result<(), String> {
    let removed = crate::service::files::sweep(&jobs.ctx, crate::store::now())
        .await
        .map_err(|e| format!("{e:#}"))?;
    if removed >= crate::service::files::SWEEP_BATCH_SIZE {
        request(jobs).await;
    }
    Ok(())
}
