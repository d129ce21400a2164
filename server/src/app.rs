//! The composition root: `build_state` connects and wires everything (the event subscribers
//! included), `router` assembles the HTTP application without I/O, and `serve` takes a bound
//! listener and a shutdown future so tests can bind port 0.

use std::{
    any::Any,
    future::{Future, IntoFuture},
    net::SocketAddr,
    sync::Arc,
    time::{Duration, Instant},
};

use axum::{
    Router,
    extract::DefaultBodyLimit,
    http::{Extensions, HeaderMap, HeaderValue, Method, StatusCode, Version, header},
    middleware::from_fn_with_state,
    response::{IntoResponse, Response},
    serve::ListenerExt,
};
use tokio::net::TcpListener;
use tower_http::{
    catch_panic::CatchPanicLayer,
    compression::{CompressionLayer, DefaultPredicate, Predicate},
    cors::{AllowOrigin, CorsLayer},
    set_header::SetResponseHeaderLayer,
};

pub use crate::state::{AppState, DemoAccount, Lifecycle};
use crate::{
    config::Config,
    domain::Id,
    error::{AppError, Code},
    http, ops,
    ops::telemetry::Telemetry,
    ratelimit::RateLimits,
    realtime::{
        Realtime, RealtimeConfig, SocketSettings, delivery::DeliveryConfig, presence::Presence,
    },
    redis::RedisHub,
    service::{
        Ctx, Event, Settings,
        access_cache::{AccessCache, ForgetOnChange},
        events::{EventBus, Subscriber, WeakEvents},
        passwords::Passwords,
    },
    store,
    workers::{self, Jobs, Upkeep},
};

/// Connects to the database (with retries) and Redis, runs migrations, builds the realtime
/// layer and wires the event subscribers: everything `serve` needs, with its I/O done.
pub async fn build_state(config: Config) -> anyhow::Result<AppState> {
    let database = &config.database;
    let store = store::connect(
        database.database_url.expose(),
        database.database_max_connections,
        Duration::from_secs(database.database_startup_timeout_secs),
        Duration::from_millis(database.slow_query_ms),
    )
    .await?;
    let redis = match &config.redis.redis_url {
        Some(url) => Some(
            RedisHub::connect(
                url.expose(),
                &config.redis.redis_prefix,
                Duration::from_secs(database.database_startup_timeout_secs),
                config.redis.redis_tls_ca_file.as_deref(),
            )
            .await?,
        ),
        None => None,
    };
    let node_id = config
        .redis
        .instance_id
        .clone()
        .unwrap_or_else(|| format!("sb-{}", &Id::new().as_uuid().simple().to_string()[20..]));
    let telemetry = Telemetry::new(&node_id);
    let presence = Presence::new(redis.clone(), &node_id);
    let bus = Arc::new(EventBus::new());
    let ctx = Ctx {
        store: store.clone(),
        limits: RateLimits::new(&config.limits.rate_limits, redis.clone()),
        passwords: Passwords::new().await?,
        settings: Arc::new(Settings::from_config(&config)),
        events: bus.clone(),
        presence: Arc::new(presence.clone()),
        storage: config
            .storage
            .open()
            .map_err(|problem| anyhow::anyhow!(problem))?,
        access: Arc::new(AccessCache::default()),
    };
    // First: a change of access is forgotten before anyone hears of it.
    bus.subscribe(Arc::new(ForgetOnChange(ctx.access.clone())));
    let realtime = Realtime::build(
        realtime_config(&config, node_id, telemetry.clone()),
        ctx.clone(),
        presence,
        redis.clone(),
    )
    .await?;
    // Clients first: delivery latency is the one that users feel.
    bus.subscribe(Arc::new(realtime.clone()));
    bus.subscribe(Arc::new(TelemetryEvents(telemetry.clone())));
    // The helpdesk publishes ticket changes of its own: it holds the bus weakly.
    bus.subscribe(Arc::new(crate::service::tickets::Helpdesk::new(Ctx {
        events: Arc::new(WeakEvents(Arc::downgrade(&bus))),
        ..ctx.clone()
    })));
    // Mentions, DMs, replies and assignments become notifications; they publish events of
    // their own (realtime tells the person), so the bus is held weakly.
    bus.subscribe(Arc::new(crate::service::notifications::Notifier::new(
        Ctx {
            events: Arc::new(WeakEvents(Arc::downgrade(&bus))),
            ..ctx.clone()
        },
    )));
    // Stored notifications become queued pushes to their owner's devices.
    bus.subscribe(Arc::new(crate::service::push::Pusher::new(ctx.clone())));
    // Links in new messages become queued preview fetches; the fetch announces what it found
    // through the bus (realtime tells the room).
    bus.subscribe(Arc::new(crate::service::previews::Previewer::new(
        ctx.clone(),
    )));
    let previews = crate::previews::Fetcher::new(config.previews.allow_list()?)
        .map_err(|problem| anyhow::anyhow!(problem))?;
    match crate::service::mentions::backfill_handles(&ctx).await {
        Ok(0) => {}
        Ok(n) => tracing::info!(
            accounts = n,
            "handles given to accounts made before handles"
        ),
        Err(err) => {
            tracing::warn!(error = %err, "giving handles to older accounts failed; retried at the next start")
        }
    }
    let http = reqwest::Client::builder()
        .connect_timeout(Duration::from_secs(5))
        .timeout(Duration::from_secs(60))
        .user_agent(concat!("switchboard/", env!("CARGO_PKG_VERSION")))
        .build()?;
    let assistant = crate::assistant::provider_from_config(
        &config.assistant,
        &config.accounts.departments,
        http.clone(),
        store.clone(),
        telemetry.clone(),
    );
    let mailer = crate::mail::Mailer::new(
        config
            .mail
            .smtp_url
            .as_ref()
            .map(crate::config::Secret::expose),
        &config.mail.mail_from,
    )
    .map_err(|problem| anyhow::anyhow!(problem))?;
    if mailer.is_log_only() {
        tracing::warn!(
            "SMTP_URL is unset: e-mails (verification, password resets, invitations, ticket links) are written to the log, not sent"
        );
    }
    let config = Arc::new(config);
    Ok(AppState {
        jobs: Jobs {
            ctx: ctx.clone(),
            mailer,
            assistant,
            http,
            previews,
            config: Arc::clone(&config),
        },
        ctx,
        config,
        realtime,
        redis,
        telemetry,
        metrics: ops::metrics::install(),
        lifecycle: Arc::new(Lifecycle::default()),
        demo_accounts: Arc::new(Vec::new()),
    })
}

/// Telemetry's part of the domain events: messages per room and minute.
struct TelemetryEvents(Telemetry);

#[async_trait::async_trait]
impl Subscriber for TelemetryEvents {
    async fn on_event(&self, event: &Event) {
        if let Event::MessageCreated { message, .. } = event {
            metrics::counter!("switchboard_messages_sent_total").increment(1);
            self.0.record_message(message.room_id);
        }
    }
}

fn realtime_config(config: &Config, node_id: String, telemetry: Telemetry) -> RealtimeConfig {
    let delivery = &config.delivery;
    RealtimeConfig {
        delivery: DeliveryConfig {
            ack_timeout: Duration::from_millis(delivery.delivery_ack_timeout_ms),
            max_retries: delivery.delivery_max_retries,
            hold_back: Duration::from_millis(250),
            idle: Duration::from_secs(60),
        },
        node_id,
        telemetry,
        session_check: Duration::from_secs(delivery.socket_session_check_secs),
        sockets: SocketSettings {
            cookie_name: config.session_cookie_name(),
            allowed_origins: config.allowed_origins().map(str::to_owned).collect(),
            trusted_proxies: config.http.trusted_proxies.clone(),
        },
    }
}

/// The HTTP application: the API under `/api/v1`, health at the root, the OpenAPI document
/// (see [`http::openapi::routes`]),
/// and Socket.IO at `/socket.io` around it all. Builds no connections; call once per state.
pub fn router(state: AppState) -> Router {
    let (routes, _) = http::openapi::routes();
    let routes = routes.merge(http::ops::router(&state.config));
    let csp = http::web::content_security_policy(state.config.browser_sentry_dsn().as_deref());
    let mut http = Router::new()
        .merge(routes)
        .fallback(move |method, uri, headers| http::web::serve(method, uri, headers, csp.clone()))
        .method_not_allowed_fallback(method_not_allowed)
        .layer(CatchPanicLayer::custom(panic_response))
        // Inside `track`, so a timed-out request is logged and counted like any other.
        .layer(from_fn_with_state(state.clone(), http::middleware::timeout))
        // Request details on Sentry events.
        .layer(sentry::integrations::tower::SentryHttpLayer::new())
        .layer(DefaultBodyLimit::max(state.config.http.max_body_bytes))
        // Inside `track`, so the per-IP 429 gets a request id, a log line and metrics.
        .layer(from_fn_with_state(
            state.clone(),
            http::middleware::client_addr,
        ))
        .layer(from_fn_with_state(state.clone(), http::middleware::track))
        // One Sentry hub per request, outside `track`, so the tags it sets stay with this
        // request instead of leaking into the worker thread's shared scope.
        .layer(sentry::integrations::tower::NewSentryLayer::<
            axum::extract::Request,
        >::new_from_top())
        // Files are sent as stored (their length known, ranges possible): never compressed.
        .layer(
            CompressionLayer::new().compress_when(DefaultPredicate::new().and(
                |_: StatusCode, _: Version, headers: &HeaderMap, _: &Extensions| {
                    !headers.contains_key(header::ACCEPT_RANGES)
                },
            )),
        )
        .layer(cors(&state.config))
        .with_state(state.clone());
    for (name, value) in http::web::security_headers() {
        http = http.layer(SetResponseHeaderLayer::if_not_present(name, value));
    }
    // Behind HTTPS, browsers are told to never use plain HTTP for this host again (a year).
    if state.config.secure_cookies() {
        http = http.layer(SetResponseHeaderLayer::if_not_present(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000"),
        ));
    }
    // Outermost, so body-wrapping layers stay inside it (socketioxide needs a `Debug` body).
    state.realtime.mount(http)
}

/// Serves until `shutdown` completes, then shuts down in order, all within one
/// `SHUTDOWN_TIMEOUT_SECS` deadline: readiness fails (and for `SHUTDOWN_DRAIN_SECS` nothing
/// else changes), sockets are closed (clients reconnect
/// elsewhere), new connections are refused while in-flight requests finish, the jobs worker
/// finishes its job, and only then are delivery cursors and telemetry saved and Redis closed
/// (the requests still running need it).
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> std::io::Result<()> {
    let app = router(state.clone());
    let realtime_workers = state.realtime.start();
    let sockets = state.realtime.clone();
    let background = workers::start(
        &state.jobs,
        Upkeep {
            telemetry: state.telemetry.clone(),
            local_sockets: Box::new(move || sockets.local_sockets()),
            metrics: state.metrics.clone(),
        },
    );
    let http = &state.config.http;
    let budget = Duration::from_secs(http.shutdown_timeout_secs);
    let drain = Duration::from_secs(http.shutdown_drain_secs).min(budget / 2);
    let (deadline_tx, deadline_rx) = tokio::sync::watch::channel(None::<Instant>);
    let realtime = state.realtime.clone();
    let lifecycle = Arc::clone(&state.lifecycle);
    let stop = async move {
        shutdown.await;
        lifecycle.begin_shutdown();
        let _began = deadline_tx.send(Some(Instant::now() + budget));
        // Readiness fails from here on; until the drain time is over everything else is still
        // served, so the load balancer can move new work elsewhere first.
        if !drain.is_zero() {
            tracing::info!(drain_secs = drain.as_secs(), "shutting down: draining");
            tokio::time::sleep(drain).await;
        }
        // axum does not wait for upgraded websockets: close them explicitly.
        realtime.close_sockets().await;
    };
    // Small frames (a `message:new`, an ack) must leave at once: with Nagle's algorithm on, a
    // frame written while the previous one is unacknowledged waits for the peer's delayed ACK
    // (40 ms on Linux), which was the whole p99 of a delivery.
    let user_timeout = Duration::from_secs(http.tcp_user_timeout_secs);
    let listener = listener.tap_io(move |tcp| {
        if let Err(err) = tcp.set_nodelay(true) {
            tracing::debug!(error = %err, "could not set TCP_NODELAY");
        }
        // A client that stops reading keeps its receive window shut; without this the writer
        // of its socket waits for it forever (and holds the socket), however long ago it was
        // given up on.
        if !user_timeout.is_zero()
            && let Err(err) = socket2::SockRef::from(&*tcp).set_tcp_user_timeout(Some(user_timeout))
        {
            tracing::debug!(error = %err, "could not set TCP_USER_TIMEOUT");
        }
    });
    let served = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(stop)
    .into_future();
    let mut began = deadline_rx.clone();
    let overdue = async move {
        let Ok(deadline) = began.wait_for(Option::is_some).await.map(|d| *d) else {
            return std::future::pending().await;
        };
        tokio::time::sleep_until(deadline.unwrap_or_else(Instant::now).into()).await;
    };
    let result = tokio::select! {
        result = served => result,
        () = overdue => {
            tracing::warn!(deadline_secs = budget.as_secs(), "in-flight requests did not finish before the shutdown deadline");
            Ok(())
        }
    };
    let deadline = (*deadline_rx.borrow()).unwrap_or_else(|| Instant::now() + budget);
    background
        .stop(deadline.saturating_duration_since(Instant::now()))
        .await;
    realtime_workers.abort();
    state.realtime.finish().await;
    result
}

fn cors(config: &Config) -> CorsLayer {
    let origins: Vec<HeaderValue> = config
        .allowed_origins()
        .filter_map(|o| HeaderValue::from_str(o).ok())
        .collect();
    CorsLayer::new()
        .allow_origin(AllowOrigin::list(origins))
        .allow_credentials(true)
        .allow_methods([
            Method::GET,
            Method::POST,
            Method::PUT,
            Method::PATCH,
            Method::DELETE,
        ])
        .allow_headers([header::CONTENT_TYPE, header::AUTHORIZATION])
        .expose_headers([http::middleware::X_REQUEST_ID.clone(), header::RETRY_AFTER])
        .max_age(Duration::from_secs(600))
}

async fn method_not_allowed() -> Response {
    AppError::new(Code::MethodNotAllowed, "method not allowed on this route").into_response()
}

/// A panicking handler becomes a 500 with the usual body; the server keeps running. Sentry's
/// panic hook has reported it already, so it is logged, not reported again.
fn panic_response(panic: Box<dyn Any + Send + 'static>) -> Response {
    let message = panic
        .downcast_ref::<&str>()
        .map(|s| (*s).to_owned())
        .or_else(|| panic.downcast_ref::<String>().cloned())
        .unwrap_or_else(|| "unknown panic".to_owned());
    tracing::warn!(panic = %message, "handler panicked");
    let err = AppError::Internal(anyhow::anyhow!("handler panicked: {message}"));
    let mut response = (Code::Internal.status(), axum::Json(err.body())).into_response();
    response
        .extensions_mut()
        .insert(crate::error::InternalErrorCause(format!(
            "panic: {message}"
        )));
    response
}
