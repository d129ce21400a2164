//! Liveness and readiness: `/livez` never touches dependencies; `/readyz` (and `/api/health`,
//! kept for the original's monitors) pings each dependency with a short timeout, in parallel,
//! and answers 503 when the server cannot serve (database down, or shutting down).

use axum::{Json, extract::State, http::StatusCode, response::IntoResponse};
use serde::Serialize;
use utoipa::ToSchema;
use utoipa_axum::{router::OpenApiRouter, routes};

use crate::{
    ops::health::{self, Ready},
    state::AppState,
};

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
    let redis = match &state.redis {
        Some(redis) => Some(redis.check().await),
        None => None,
    };
    let ready = health::readiness(
        state.ctx.store.as_ref(),
        redis,
        state.lifecycle.is_shutting_down(),
    )
    .await;
    let code = if ready.is_ready() {
        StatusCode::OK
    } else {
        StatusCode::SERVICE_UNAVAILABLE
    };
    (code, Json(ready))
}
