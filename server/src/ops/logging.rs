//! Structured logging: `tracing` to stdout (JSON or pretty) and optionally to daily rolling
//! JSON files in `LOG_DIR`.
//!
//! The file writer is non-blocking but not lossy: when its buffer is full, logging waits rather
//! than dropping lines (losing the log of an incident is worse than a slower request).

use tracing_appender::non_blocking::WorkerGuard;
use tracing_subscriber::{EnvFilter, Layer, layer::SubscriberExt, util::SubscriberInitExt};

use crate::config::{Config, LogFormat};

/// Keeps the log writers flushing until dropped (at exit).
pub struct LogGuards {
    _file: Option<WorkerGuard>,
}

/// The target of the lines that say the server is up (`listening on http://…`, demo
/// accounts): logged at info whatever `RUST_LOG` says, so scripts can wait for them.
pub const STARTUP: &str = "switchboard::startup";

/// Installs the global subscriber. Call once, before the runtime starts.
pub fn init(config: &Config) -> anyhow::Result<LogGuards> {
    let filter = EnvFilter::try_new(&config.ops.rust_log)
        .map_err(|e| anyhow::anyhow!("RUST_LOG: {e}"))?
        .add_directive(
            format!("{STARTUP}=info")
                .parse::<tracing_subscriber::filter::Directive>()
                .map_err(|e| anyhow::anyhow!("startup log directive: {e}"))?,
        );
    let stdout = match config.ops.log_format {
        // The event's fields sit beside `timestamp` and `level` (no `fields` object).
        LogFormat::Json => tracing_subscriber::fmt::layer()
            .json()
            .flatten_event(true)
            .with_current_span(true)
            .with_span_list(false)
            .boxed(),
        LogFormat::Pretty => tracing_subscriber::fmt::layer().compact().boxed(),
    };
    let (file_layer, file_guard) = match &config.ops.log_dir {
        Some(dir) => {
            let appender = tracing_appender::rolling::Builder::new()
                .rotation(tracing_appender::rolling::Rotation::DAILY)
                .filename_prefix("switchboard")
                .filename_suffix("log")
                .max_log_files(config.ops.log_retention_days.max(1))
                .build(dir)
                .map_err(|e| anyhow::anyhow!("LOG_DIR: {e}"))?;
            let (writer, guard) = tracing_appender::non_blocking::NonBlockingBuilder::default()
                .lossy(false)
                .finish(appender);
            let layer = tracing_subscriber::fmt::layer()
                .json()
                .flatten_event(true)
                .with_current_span(true)
                .with_span_list(false)
                .with_writer(writer)
                .boxed();
            (Some(layer), Some(guard))
        }
        None => (None, None),
    };
    // Errors become Sentry events (except the request log's summary of a 5xx, whose cause was
    // already reported where it happened); info and warnings ride along as breadcrumbs.
    let sentry_layers = config.ops.sentry_dsn.as_ref().map(|_| {
        use sentry::integrations::tracing::{BreadcrumbLayer, ErrorLayer};
        use tracing_subscriber::filter::{LevelFilter, filter_fn};
        let errors = ErrorLayer::new().with_filter(filter_fn(|meta| {
            *meta.level() == tracing::Level::ERROR
                && meta.target() != "switchboard::http::middleware"
        }));
        let crumbs = BreadcrumbLayer::new().with_filter(LevelFilter::INFO);
        errors.and_then(crumbs)
    });
    // Performance: the request and socket-event spans become transactions (sampled at
    // SENTRY_TRACES_SAMPLE_RATE), the info-level spans inside them their child spans.
    let sentry_spans = config.sentry_tracing().then(|| {
        use sentry::integrations::tracing::SpanLayer;
        SpanLayer::new().with_filter(tracing_subscriber::filter::LevelFilter::INFO)
    });
    tracing_subscriber::registry()
        .with(filter)
        .with(stdout)
        .with(file_layer)
        .with(sentry_layers)
        .with(sentry_spans)
        .try_init()
        .map_err(|e| anyhow::anyhow!("logging already initialised: {e}"))?;
    Ok(LogGuards { _file: file_guard })
}
