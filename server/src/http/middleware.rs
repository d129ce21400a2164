//! Per-request plumbing: the request id (accepted from a proxy when sane, else generated), one
//! span per request with its route and user, and the request log of DESIGN §8: every request at
//! debug, 4xx at info, 5xx at error, slow requests at warn.

use std::{
    net::SocketAddr,
    time::{Duration, Instant},
};

use axum::{
    extract::{ConnectInfo, MatchedPath, Request, State},
    http::{HeaderName, HeaderValue},
    middleware::Next,
    response::{IntoResponse, Response},
};
use tracing::{Instrument, field::Empty};

use crate::wire::{ClientAddr, proxy};
use crate::{
    domain::Id,
    error::{AppError, Code, InternalErrorCause, REQUEST_ID},
    state::AppState,
};

/// The request id header, set on every response.
pub static X_REQUEST_ID: HeaderName = HeaderName::from_static("x-request-id");

/// Assigns the request id, opens the request span and writes the request log.
pub async fn track(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    // Only a trusted proxy may name the request: anyone else could plant ids in our logs.
    let from_proxy = req
        .extensions()
        .get::<ConnectInfo<SocketAddr>>()
        .is_some_and(|ConnectInfo(peer)| {
            proxy::is_trusted(peer.ip(), &state.config.http.trusted_proxies)
        });
    let request_id = req
        .headers()
        .get(&X_REQUEST_ID)
        .filter(|_| from_proxy)
        .and_then(|v| v.to_str().ok())
        .filter(|id| is_sane_request_id(id))
        .map_or_else(|| Id::new().to_string(), str::to_owned);
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        req.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    let method = req.method().clone();
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map_or_else(|| "unmatched".to_owned(), |p| p.as_str().to_owned());
    // At ERROR level so the span exists whenever anything is logged: with `RUST_LOG=warn` an
    // info span is filtered out, and the request's warnings and errors (a slow request, a 5xx)
    // would lose their request id, method, route and user.
    let span = tracing::error_span!(
        "request",
        request_id = %request_id,
        method = %method,
        route = %route,
        user_id = Empty,
        status = Empty,
        sentry.name = Empty,
        sentry.op = Empty,
    );
    // Named like the route for Sentry performance (only then: the log stays as it was).
    if state.config.sentry_tracing() {
        span.record("sentry.name", format!("{method} {route}").as_str());
        span.record("sentry.op", "http.server");
    }
    sentry::configure_scope(|scope| {
        scope.set_tag("request_id", &request_id);
        scope.set_tag("route", &route);
        scope.set_tag("method", method.as_str());
    });
    let started = Instant::now();
    let mut response = REQUEST_ID
        .scope(request_id.clone(), next.run(req))
        .instrument(span.clone())
        .await;
    let elapsed = started.elapsed();
    if let Ok(value) = HeaderValue::from_str(&request_id) {
        response.headers_mut().insert(X_REQUEST_ID.clone(), value);
    }
    let status = response.status().as_u16();
    span.record("status", status);
    let ms = u64::try_from(elapsed.as_millis()).unwrap_or(u64::MAX);
    record_metrics(&state, &method, &route, status, elapsed);
    let _entered = span.enter();
    if status >= 500 {
        let cause = response
            .extensions()
            .get::<InternalErrorCause>()
            .map(|c| c.0.as_str());
        tracing::error!(status, duration_ms = ms, cause, "request failed");
    } else if ms >= state.config.http.slow_request_ms {
        tracing::warn!(status, duration_ms = ms, "slow request");
    } else if status >= 400 {
        tracing::info!(status, duration_ms = ms, "request refused");
    } else {
        tracing::debug!(status, duration_ms = ms, "request");
    }
    response
}

/// RED metrics by matched route (never by raw path: that would explode the series count).
fn record_metrics(
    state: &AppState,
    method: &axum::http::Method,
    route: &str,
    status: u16,
    elapsed: std::time::Duration,
) {
    let class = match status {
        100..=199 => "1xx",
        200..=299 => "2xx",
        300..=399 => "3xx",
        400..=499 => "4xx",
        _ => "5xx",
    };
    metrics::counter!(
        "switchboard_http_requests_total",
        "method" => method.as_str().to_owned(),
        "route" => route.to_owned(),
        "status" => class
    )
    .increment(1);
    metrics::histogram!("switchboard_http_request_duration_seconds", "route" => route.to_owned())
        .record(elapsed.as_secs_f64());
    state
        .telemetry
        .record_request(elapsed.as_secs_f64() * 1000.0, status);
}

/// Routes the request timeout does not cover. Uploads: the client's connection sets how long
/// the body takes, and it is read before the answer. Exports: a whole room or audit log is read
/// before the first byte. Downloads need no exemption: the timeout ends when the answer's
/// headers are ready, and the body then streams for as long as it takes (so do Socket.IO's
/// long-polls and websockets, which are not behind this layer at all).
const UNTIMED_ROUTES: &[&str] = &[
    "/api/v1/rooms/{id}/uploads",
    "/api/v1/me/avatar",
    "/api/v1/rooms/{id}/export",
    "/api/v1/admin/audit/export",
];

/// Answers `503 TIMEOUT` (retryable) when a REST request has no answer after
/// `REQUEST_TIMEOUT_MS`; its handler is dropped (a transaction it held rolls back).
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let limit = state.config.http.request_timeout_ms;
    let untimed = limit == 0
        || !req.uri().path().starts_with("/api/")
        || req
            .extensions()
            .get::<MatchedPath>()
            .is_some_and(|route| UNTIMED_ROUTES.contains(&route.as_str()));
    if untimed {
        return next.run(req).await;
    }
    match tokio::time::timeout(Duration::from_millis(limit), next.run(req)).await {
        Ok(response) => response,
        Err(_elapsed) => AppError::new(
            Code::Timeout,
            format!("no answer within {limit} ms: try again later"),
        )
        .into_response(),
    }
}

/// Ids from upstream proxies are kept when short and plain, so logs can be joined across hops.
fn is_sane_request_id(id: &str) -> bool {
    (8..=64).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_' || b == b'.')
}

/// Records the client's address (the peer, or what a trusted proxy says) for handlers, rate
/// limits and audit rows, and spends the per-IP REST quota.
pub async fn client_addr(State(state): State<AppState>, mut req: Request, next: Next) -> Response {
    if let Some(ConnectInfo(addr)) = req.extensions().get::<ConnectInfo<SocketAddr>>().copied() {
        let forwarded = proxy::forwarded_for(req.headers());
        let ip = proxy::client_ip(
            addr.ip(),
            forwarded.as_deref(),
            &state.config.http.trusted_proxies,
        );
        req.extensions_mut().insert(ClientAddr(ip));
        if req.uri().path().starts_with("/api/") {
            match state
                .ctx
                .limits
                .check(
                    crate::ratelimit::Action::RestIp,
                    &crate::ratelimit::ip_key(&ip.to_string()),
                )
                .await
            {
                Ok(allowed) => {
                    let mut response = next.run(req).await;
                    crate::ratelimit::set_headers(response.headers_mut(), &allowed);
                    return response;
                }
                Err(limited) => return crate::error::AppError::from(limited).into_response(),
            }
        }
    }
    next.run(req).await
}

#[cfg(test)]
mod tests {
    #[test]
    fn request_ids_from_proxies_are_checked() {
        assert!(super::is_sane_request_id(
            "0192f7a8-3c1e-7000-8000-000000000000"
        ));
        assert!(!super::is_sane_request_id("short"));
        assert!(!super::is_sane_request_id("has spaces in it ok"));
        assert!(!super::is_sane_request_id(&"x".repeat(65)));
    }
}
