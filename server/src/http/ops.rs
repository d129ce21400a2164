//! `GET /metrics` (Prometheus text) on the main port behind `METRICS_TOKEN`, and the routes
//! that exist only for the test suite (`SWITCHBOARD_TEST_HOOKS`).

use axum::{
    Router,
    extract::State,
    http::{HeaderMap, StatusCode, header},
    response::{IntoResponse, Response},
    routing::get,
};

use subtle::ConstantTimeEq;

use crate::wire::bearer_token;
use crate::{
    config::Config,
    error::{AppError, Code},
    state::AppState,
};

/// The ops routes outside the API document.
pub fn router(config: &Config) -> Router<AppState> {
    let router = Router::new().route("/metrics", get(metrics_on_main_port));
    if config.ops.test_hooks {
        router
            .route("/api/v1/_test/panic", get(test_panic))
            .route("/api/v1/_test/slow", get(test_slow))
    } else {
        router
    }
}

/// Prometheus metrics. Here only with `METRICS_TOKEN` as a bearer token, and never when a
/// separate `METRICS_ADDR` listener serves them.
async fn metrics_on_main_port(State(state): State<AppState>, headers: HeaderMap) -> Response {
    let expected = match (
        &state.config.ops.metrics_addr,
        &state.config.ops.metrics_token,
    ) {
        (None, Some(token)) => token.expose(),
        _ => {
            return AppError::new(
                Code::NotFound,
                "metrics are served on METRICS_ADDR, or set METRICS_TOKEN",
            )
            .into_response();
        }
    };
    match bearer_token(&headers) {
        Some(token) if bool::from(token.as_bytes().ct_eq(expected.as_bytes())) => render(&state),
        _ => AppError::new(
            Code::Unauthenticated,
            "metrics need the METRICS_TOKEN bearer token",
        )
        .into_response(),
    }
}

/// The text exposition.
pub fn render(state: &AppState) -> Response {
    state.metrics.run_upkeep();
    crate::ops::metrics::sample(state.ctx.store.pool_stats());
    (
        StatusCode::OK,
        [(header::CONTENT_TYPE, "text/plain; version=0.0.4")],
        state.metrics.render(),
    )
        .into_response()
}

/// The whole app of a `METRICS_ADDR` listener: `GET /metrics`, open (bind it privately).
pub fn metrics_app(state: AppState) -> Router {
    Router::new()
        .route(
            "/metrics",
            get(|State(state): State<AppState>| async move { render(&state) }),
        )
        .with_state(state)
}

/// Answers after `?ms=` milliseconds, so tests can see the request timeout.
async fn test_slow(
    axum::extract::Query(query): axum::extract::Query<std::collections::HashMap<String, u64>>,
) -> &'static str {
    let ms = query.get("ms").copied().unwrap_or(0);
    tokio::time::sleep(std::time::Duration::from_millis(ms)).await;
    "done"
}

/// Panics, so tests can see a panic become a 500 and a Sentry event.
async fn test_panic() -> &'static str {
    #[allow(clippy::panic)]
    {
        panic!("test hook: deliberate panic")
    }
}
