//! What the transports share: the application state handlers and socket handlers are given,
//! the demo sign-ins and the process lifecycle. Built by [`crate::app::build_state`].

use std::sync::{
    Arc,
    atomic::{AtomicBool, Ordering},
};

use axum::extract::FromRef;
use metrics_exporter_prometheus::PrometheusHandle;
use serde::Serialize;

use crate::{
    config::Config, ops::telemetry::Telemetry, realtime::Realtime, redis::RedisHub, service::Ctx,
    workers::Jobs,
};

/// Everything handlers share; cheap to clone.
#[derive(Clone)]
pub struct AppState {
    /// The use cases' context (store, quotas, passwords, settings, events, presence).
    pub ctx: Ctx,
    /// Validated settings.
    pub config: Arc<Config>,
    /// Socket.IO and delivery.
    pub realtime: Realtime,
    /// Redis, when configured (scale-out, shared rate limits).
    pub redis: Option<RedisHub>,
    /// This instance's numbers for the telemetry rollups.
    pub telemetry: Telemetry,
    /// Renders `GET /metrics`.
    pub metrics: PrometheusHandle,
    /// What background jobs need (mail, the assistant's provider, webhooks).
    pub jobs: Jobs,
    /// Readiness and shutdown flags.
    pub lifecycle: Arc<Lifecycle>,
    /// Demo sign-ins shown on the sign-in page (empty unless started with `--demo`).
    pub demo_accounts: Arc<Vec<DemoAccount>>,
}

impl FromRef<AppState> for Ctx {
    fn from_ref(state: &AppState) -> Self {
        state.ctx.clone()
    }
}

/// A demo account, listed for one-click sign-in in demo mode.
#[derive(Clone, Debug, Serialize, utoipa::ToSchema)]
pub struct DemoAccount {
    /// E-mail.
    pub email: String,
    /// Password.
    pub password: String,
    /// Name.
    pub name: String,
    /// Role.
    pub role: crate::domain::user::Role,
}

/// Process lifecycle, read by readiness checks.
#[derive(Debug, Default)]
pub struct Lifecycle {
    /// Set when shutdown begins: readiness fails so load balancers drain first.
    shutting_down: AtomicBool,
}

impl Lifecycle {
    /// True once shutdown has begun.
    pub fn is_shutting_down(&self) -> bool {
        self.shutting_down.load(Ordering::Acquire)
    }

    /// Marks the start of shutdown.
    pub fn begin_shutdown(&self) {
        self.shutting_down.store(true, Ordering::Release);
    }
}
