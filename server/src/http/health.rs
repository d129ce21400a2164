//! Liveness and readiness: `/livez` never touches dependencies; `/readyz` (and `/api/health`,
//! kept for the original's monitors) pings each dependency with a short timeout, in parallel,
//! and answers 503 when the server cannot serve (database down, or shutting down).

use std::time::{Duration, Instant};

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::app::AppState;

/// How long one dependency check may take.
const CHECK_TIMEOUT: Duration = Duration::from_secs(2);

/// Routes of this module (mounted at the root, not under `/api/v1`).
pub fn router() -> OpenApiRouter<AppState> {
    OpenApiRouter::new()
        .routes(routes!(livez))
        .routes(routes!(readyz))
        .routes(routes!(api_health))
}

/// Liveness.
#[derive(Serialize, ToSchema)]
pub struct Live {
    /// Always `ok` while the process serves requests.
    status: &'static str,
}

/// The process is alive (no dependency is checked).
#[utoipa::path(get, path = "/livez", tag = "ops", responses((status = 200, body = Live)))]
async fn livez() -> Json<Live> {
    Json(Live { status: "ok" })
}

/// One dependency's state.
#[derive(Clone, Debug, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Check {
    /// `ok`, `degraded` (working around it) or `down`.
    pub status: CheckStatus,
    /// How long the check took.
    pub latency_ms: u64,
}

/// States of a dependency.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "lowercase")]
pub enum CheckStatus {
    /// Working.
    Ok,
    /// Not working, but the server works around it.
    Degraded,
    /// Not working; the server cannot serve.
    Down,
}

/// Readiness with each check.
#[derive(Serialize, ToSchema)]
pub struct Ready {
    /// `ok`, `degraded`, `down` or `shutting_down`.
    status: &'static str,
    /// The database.
    database: Check,
    /// Redis, when configured.
    #[serde(skip_serializing_if = "Option::is_none")]
    redis: Option<Check>,
}

/// Ready to serve: 200, or 503 when the database is down or the server is shutting down.
#[utoipa::path(get, path = "/readyz", tag = "ops",
    responses((status = 200, body = Ready), (status = 503, body = Ready)))]
async fn readyz(State(state): State<AppState>) -> impl IntoResponse {
    readiness(&state).await
}

/// Same as `/readyz`, for monitors of the original application.
#[utoipa::path(get, path = "/api/health", tag = "ops",
    responses((status = 200, body = Ready), (status = 503, body = Ready)))]
async fn api_health(State(state): State<AppState>) -> impl IntoResponse {
    readiness(&state).await
}

async fn readiness(state: &AppState) -> (StatusCode, Json<Ready>) {
    let (database, redis) = tokio::join!(check_database(state), state.realtime.redis_check());
    let shutting_down = state.lifecycle.is_shutting_down();
    let status = if shutting_down {
        "shutting_down"
    } else if database.status == CheckStatus::Down {
        "down"
    } else if redis.as_ref().is_some_and(|r| r.status != CheckStatus::Ok) {
        "degraded"
    } else {
        "ok"
    };
    let code = if shutting_down || database.status == CheckStatus::Down {
        StatusCode::SERVICE_UNAVAILABLE
    } else {
        StatusCode::OK
    };
    (
        code,
        Json(Ready {
            status,
            database,
            redis,
        }),
    )
}

async fn check_database(state: &AppState) -> Check {
    let started = Instant::now();
    let result = tokio::time::timeout(CHECK_TIMEOUT, state.store.ping()).await;
    let status = match result {
        Ok(Ok(())) => CheckStatus::Ok,
        Ok(Err(err)) => {
            tracing::warn!(error = %err, "readiness: database check failed");
            CheckStatus::Down
        }
        Err(_) => {
            tracing::warn!("readiness: database check timed out");
            CheckStatus::Down
        }
    };
    Check {
        status,
        latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
    }
}
