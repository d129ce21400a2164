//! The background work of an instance besides realtime: the durable jobs worker (alerts,
//! assistant refreshes, mail), telemetry rollups, metric upkeep, rate-limit key eviction,
//! session pruning, alert evaluation and the notification e-mail sweep. Stopped in order at shutdown: the jobs worker finishes
//! its job, the rest stop, the last minute of telemetry is written.

use std::{sync::Arc, time::Duration};

use metrics_exporter_prometheus::PrometheusHandle;
use tokio::{sync::watch, task::JoinHandle};

use crate::{
    assistant::provider::Provider, config::Config, mail::Mailer, ops::telemetry::Telemetry,
    service::Ctx,
};

pub mod alerts;
pub mod assistant;
pub mod digest;
pub mod files;
pub mod jobs;
pub mod mail;
pub mod previews;
pub mod push;

/// How often the files of unattached uploads and deleted messages are looked for.
pub const FILE_SWEEP_PERIOD: Duration = Duration::from_secs(600);

/// What the jobs need: the use cases' context, and the outside parties jobs talk to.
#[derive(Clone)]
pub struct Jobs {
    /// Store, events, settings.
    pub ctx: Ctx,
    /// Sends mail.
    pub mailer: Mailer,
    /// The ticket assistant's model provider.
    pub assistant: Arc<dyn Provider>,
    /// Outbound HTTP (alert webhooks), with timeouts.
    pub http: reqwest::Client,
    /// The link preview fetcher (public addresses only).
    pub previews: crate::previews::Fetcher,
    /// Alert thresholds, the webhook and the environment's name.
    pub config: Arc<Config>,
}

/// Running background tasks.
pub struct Background {
    tasks: Vec<JoinHandle<()>>,
    jobs: Option<JoinHandle<()>>,
    stop_jobs: watch::Sender<bool>,
    telemetry: Telemetry,
    store: crate::store::DynStore,
}

/// What the periodic tasks keep up to date besides the jobs.
pub struct Upkeep {
    /// This instance's numbers, written every minute.
    pub telemetry: Telemetry,
    /// Sockets connected to this instance, for the telemetry.
    pub local_sockets: Box<dyn Fn() -> usize + Send + Sync>,
    /// The Prometheus recorder (histogram upkeep).
    pub metrics: PrometheusHandle,
}

/// Starts everything; the jobs worker only when `BACKGROUND_JOBS` is on.
pub fn start(jobs: &Jobs, upkeep: Upkeep) -> Background {
    let ctx = jobs.ctx.clone();
    let store = ctx.store.clone();
    let Upkeep {
        telemetry,
        local_sockets,
        metrics,
    } = upkeep;
    let mut tasks = vec![
        telemetry.spawn(store.clone(), local_sockets),
        every(Duration::from_secs(10), move || {
            let metrics = metrics.clone();
            async move { metrics.run_upkeep() }
        }),
        {
            let limits = ctx.limits.clone();
            every(Duration::from_secs(300), move || {
                let limits = limits.clone();
                async move { limits.evict_idle() }
            })
        },
        {
            let store = store.clone();
            every(Duration::from_secs(3600), move || {
                let store = store.clone();
                async move {
                    match store.prune_sessions(crate::store::now()).await {
                        Ok(0) => {}
                        Ok(n) => tracing::info!(sessions = n, "expired sessions pruned"),
                        Err(err) => tracing::warn!(error = %err, "pruning sessions failed"),
                    }
                }
            })
        },
    ];
    tasks.extend(alerts::spawn_evaluator(jobs.clone()));
    if jobs.config.ops.background_jobs {
        let period = Duration::from_secs(jobs.config.mail.email_digest_interval_secs);
        tasks.push(digest::spawn(jobs.clone(), period));
        // Files nobody may see any more: unattached uploads after a day, those of deleted
        // messages (after the edit window) and rooms; a job, asked for every period.
        let sweeper = jobs.clone();
        tasks.push(tokio::spawn(async move {
            // Not at startup: the first sweep one period after it.
            let start = tokio::time::Instant::now() + FILE_SWEEP_PERIOD;
            let mut tick = tokio::time::interval_at(start, FILE_SWEEP_PERIOD);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                files::request(&sweeper).await;
            }
        }));
    }
    let (stop_jobs, stop_rx) = watch::channel(false);
    let worker = jobs
        .config
        .ops
        .background_jobs
        .then(|| jobs::spawn(jobs.clone(), stop_rx));
    Background {
        tasks,
        jobs: worker,
        stop_jobs,
        telemetry,
        store,
    }
}

fn every<F, Fut>(period: Duration, f: F) -> JoinHandle<()>
where
    F: Fn() -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            f().await;
        }
    })
}

impl Background {
    /// Lets the jobs worker finish its current job (within `deadline`), stops the rest and
    /// writes the partial telemetry minute.
    pub async fn stop(self, deadline: Duration) {
        let _stopping = self.stop_jobs.send(true);
        if let Some(jobs) = self.jobs
            && tokio::time::timeout(deadline, jobs).await.is_err()
        {
            tracing::warn!("the jobs worker did not finish within the shutdown deadline");
        }
        for task in self.tasks {
            task.abort();
        }
        self.telemetry.flush(&self.store).await;
    }
}
