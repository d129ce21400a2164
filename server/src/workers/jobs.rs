//! The durable background queue (`jobs` table): alerts, assistant refreshes, mail and pushes. One worker per
//! instance claims due jobs (PostgreSQL: `FOR UPDATE SKIP LOCKED`, so instances share the work),
//! runs them one at a time (renewing the claim while a job runs, so no other instance takes it
//! over), and retries failures with exponential backoff until a limit, after which the job
//! fails for good. Every failure is counted in `switchboard_jobs_total`; a job's first failure
//! and its final one are errors, and so reach Sentry, tagged with the job's kind and attempt
//! (never its payload). `run_once` runs one job, for tests.

use std::time::Duration;

use tokio::{sync::watch, task::JoinHandle};

use super::Jobs;
use crate::store::JobRow;

/// Sends an alert to the webhook.
pub const ALERT: &str = super::alerts::KIND;
/// Refreshes a ticket's assistant insights.
pub const ASSISTANT_REFRESH: &str = crate::service::assistant::REFRESH_JOB;
/// Sends a mail.
pub const MAIL: &str = crate::mail::outbox::KIND;
/// Sends a Web Push.
pub const PUSH: &str = crate::service::push::KIND;
/// Removes the files nobody may see any more.
pub const FILE_SWEEP: &str = super::files::KIND;
/// Fetches a message's link preview.
pub const PREVIEW: &str = crate::service::previews::KIND;
/// Makes an uploaded image's thumbnail.
pub const THUMBNAIL: &str = crate::service::media::THUMBNAIL_KIND;
/// Every kind this worker runs.
pub const KINDS: &[&str] = &[
    ALERT,
    ASSISTANT_REFRESH,
    MAIL,
    PUSH,
    FILE_SWEEP,
    PREVIEW,
    THUMBNAIL,
];

/// Attempts before a job fails for good.
pub const MAX_ATTEMPTS: i32 = 8;
/// How long a claimed job is ours before another worker may take it.
const LEASE: Duration = Duration::from_secs(300);
/// How often an idle worker looks for due jobs.
const POLL: Duration = Duration::from_millis(500);

/// Claims and runs the next due job; returns how many ran (0 or 1).
pub async fn run_once(jobs: &Jobs) -> usize {
    run_once_with_lease(jobs, LEASE).await
}

/// [`run_once`] with a claim of `lease`, renewed every third of it while the job runs (tests
/// use a short one). One job at a time: jobs claimed together would wait their turn while
/// their claims ran out, and another instance would run them again.
pub async fn run_once_with_lease(jobs: &Jobs, lease: Duration) -> usize {
    run_one(jobs, KINDS, lease).await
}

/// [`run_once`] for jobs of these kinds only (tests that count one kind of job).
pub async fn run_once_of(jobs: &Jobs, kinds: &[&str]) -> usize {
    run_one(jobs, kinds, LEASE).await
}

async fn run_one(jobs: &Jobs, kinds: &[&str], lease: Duration) -> usize {
    let job = match jobs.ctx.store.claim_jobs(kinds, 1, lease).await {
        Ok(mut jobs) => jobs.pop(),
        Err(err) => {
            tracing::warn!(error = %err, "claiming jobs failed");
            return 0;
        }
    };
    let Some(job) = job else { return 0 };
    let id = job.id;
    let work = run(jobs, job);
    tokio::pin!(work);
    let mut renew = tokio::time::interval(lease / 3);
    renew.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
    renew.tick().await; // the first tick is immediate: the claim is fresh
    loop {
        tokio::select! {
            () = &mut work => return 1,
            _ = renew.tick() => {
                if let Err(err) = jobs.ctx.store.extend_job_lease(id, lease).await {
                    tracing::warn!(job = %id, error = %err, "could not renew a job's lease");
                }
            }
        }
    }
}

async fn run(jobs: &Jobs, job: JobRow) {
    let kind = job.kind.clone();
    let result = match kind.as_str() {
        ALERT => super::alerts::deliver(jobs, &job).await,
        ASSISTANT_REFRESH => super::assistant::refresh(jobs, &job).await,
        MAIL => super::mail::deliver(jobs, &job).await,
        PUSH => super::push::deliver(jobs, &job).await,
        FILE_SWEEP => super::files::run(jobs, &job).await,
        PREVIEW => super::previews::fetch(jobs, &job).await,
        THUMBNAIL => super::previews::thumbnail(jobs, &job).await,
        other => Err(format!("unknown job kind {other}")),
    };
    let outcome = match result {
        Ok(()) => {
            if let Err(err) = jobs.ctx.store.complete_job(job.id).await {
                tracing::warn!(job = %job.id, error = %err, "could not mark a job done");
            }
            "done"
        }
        Err(error) if job.attempts >= MAX_ATTEMPTS => {
            tracing::error!(tags.job_kind = %kind, tags.attempt = job.attempts, job = %job.id, error = %error, "background job failed for good");
            if let Err(err) = jobs.ctx.store.fail_job(job.id, &error, None).await {
                tracing::warn!(job = %job.id, error = %err, "could not record a job failure");
            }
            "failed"
        }
        Err(error) => {
            if job.attempts <= 1 {
                // The first failure is reported; the retries after it only logged and counted.
                tracing::error!(tags.job_kind = %kind, tags.attempt = job.attempts, job = %job.id, error = %error, "background job failed; will retry");
            } else {
                tracing::warn!(job_kind = %kind, attempt = job.attempts, job = %job.id, error = %error, "background job failed again; will retry");
            }
            let retry_at = crate::store::now()
                + chrono::Duration::from_std(backoff(job.attempts)).unwrap_or_default();
            if let Err(err) = jobs
                .ctx
                .store
                .fail_job(job.id, &error, Some(retry_at))
                .await
            {
                tracing::warn!(job = %job.id, error = %err, "could not record a job failure");
            }
            "retry"
        }
    };
    metrics::counter!("switchboard_jobs_total", "kind" => kind, "outcome" => outcome).increment(1);
}

/// 2, 4, 8 ... seconds after each failed attempt, at most 10 minutes.
pub fn backoff(attempts: i32) -> Duration {
    let exp = u32::try_from(attempts.clamp(1, 10)).unwrap_or(1);
    Duration::from_secs(2u64.pow(exp)).min(Duration::from_secs(600))
}

/// The worker of this instance: polls until `stop` turns true, finishing the job at hand first.
pub fn spawn(jobs: Jobs, mut stop: watch::Receiver<bool>) -> JoinHandle<()> {
    tokio::spawn(async move {
        loop {
            if *stop.borrow() {
                return;
            }
            if run_once(&jobs).await == 0 {
                tokio::select! {
                    _ = stop.changed() => {}
                    () = tokio::time::sleep(POLL) => {}
                }
            }
        }
    })
}

#[cfg(test)]
mod tests {
    #[test]
    fn backoff_doubles_and_caps() {
        assert_eq!(super::backoff(1).as_secs(), 2);
        assert_eq!(super::backoff(3).as_secs(), 8);
        assert_eq!(super::backoff(30).as_secs(), 600);
    }
}
