//! The background work of an instance besides realtime: telemetry rollups, metric upkeep,
//! rate-limit key eviction, session pruning, alert evaluation and the jobs worker. Stopped in
//! order at shutdown: the jobs worker finishes its job, the rest stop, the last minute of
//! telemetry is written.

use std::time::Duration;

use tokio::{sync::watch, task::JoinHandle};

use crate::{app::AppState, jobs};

/// Running background tasks.
pub struct Background {
    tasks: Vec<JoinHandle<()>>,
    jobs: Option<JoinHandle<()>>,
    stop_jobs: watch::Sender<bool>,
}

/// Starts everything.
pub fn start(state: &AppState) -> Background {
    let realtime = state.realtime.clone();
    let mut tasks = vec![
        state
            .telemetry
            .spawn(state.store.clone(), move || realtime.local_sockets()),
        every(Duration::from_secs(10), state.clone(), |state| async move {
            state.metrics.run_upkeep()
        }),
        every(
            Duration::from_secs(300),
            state.clone(),
            |state| async move { state.rate_limits.evict_idle() },
        ),
        every(
            Duration::from_secs(3600),
            state.clone(),
            |state| async move {
                match state.store.prune_sessions(crate::store::now()).await {
                    Ok(0) => {}
                    Ok(n) => tracing::info!(sessions = n, "expired sessions pruned"),
                    Err(err) => tracing::warn!(error = %err, "pruning sessions failed"),
                }
            },
        ),
    ];
    tasks.extend(crate::ops::alerts::spawn_evaluator(state.clone()));
    let (stop_jobs, stop_rx) = watch::channel(false);
    let jobs = state
        .config
        .background_jobs
        .then(|| jobs::spawn(state.clone(), stop_rx));
    Background {
        tasks,
        jobs,
        stop_jobs,
    }
}

fn every<F, Fut>(period: Duration, state: AppState, f: F) -> JoinHandle<()>
where
    F: Fn(AppState) -> Fut + Send + 'static,
    Fut: std::future::Future<Output = ()> + Send,
{
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(period);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            f(state.clone()).await;
        }
    })
}

impl Background {
    /// Lets the jobs worker finish its current job (within `deadline`), stops the rest and
    /// writes the partial telemetry minute.
    pub async fn stop(self, state: &AppState, deadline: Duration) {
        let _stopping = self.stop_jobs.send(true);
        if let Some(jobs) = self.jobs
            && tokio::time::timeout(deadline, jobs).await.is_err()
        {
            tracing::warn!("the jobs worker did not finish within the shutdown deadline");
        }
        for task in self.tasks {
            task.abort();
        }
        state.telemetry.flush(&state.store).await;
    }
}
