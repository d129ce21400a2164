//! Prometheus metrics: names in base units with `_total` counters, no user or room ids as
//! labels. The recorder is process-wide (the `metrics` facade has one global recorder); the
//! handle renders the text exposition for `GET /metrics`.

use std::sync::OnceLock;

use metrics_exporter_prometheus::{Matcher, PrometheusBuilder, PrometheusHandle};

static HANDLE: OnceLock<PrometheusHandle> = OnceLock::new();

/// Latency buckets, in seconds (1 ms to 10 s).
const SECONDS_BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

/// Sends stored per transaction, messages per dispatched packet (powers of two up to the
/// group commit's and the dispatcher's batch limits).
const BATCH_BUCKETS: &[f64] = &[1.0, 2.0, 4.0, 8.0, 16.0, 32.0, 64.0];

/// Installs the recorder once per process and returns its handle.
pub fn install() -> PrometheusHandle {
    HANDLE
        .get_or_init(|| {
            let builder = PrometheusBuilder::new()
                .set_buckets_for_metric(Matcher::Suffix("_seconds".to_owned()), SECONDS_BUCKETS)
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("switchboard_store_send_batch_size".to_owned()),
                        BATCH_BUCKETS,
                    )
                })
                .and_then(|b| {
                    b.set_buckets_for_metric(
                        Matcher::Full("switchboard_delivery_packet_messages".to_owned()),
                        BATCH_BUCKETS,
                    )
                })
                .unwrap_or_else(|_| PrometheusBuilder::new());
            let recorder = builder.build_recorder();
            let handle = recorder.handle();
            if metrics::set_global_recorder(recorder).is_err() {
                tracing::warn!("a metrics recorder was already installed; /metrics may be empty");
            }
            describe();
            metrics::gauge!(
                "switchboard_build_info",
                "version" => env!("CARGO_PKG_VERSION"),
                "git_sha" => option_env!("SWITCHBOARD_GIT_SHA").unwrap_or("unknown")
            )
            .set(1.0);
            handle
        })
        .clone()
}

/// Sets the gauges that are read at scrape time rather than kept up to date: the database
/// pools, the runtime's live tasks (what the soak runs watch for leaks) and the process's
/// memory, CPU, descriptors and threads.
pub fn sample(pools: crate::store::PoolStats) {
    super::process::ProcessStats::read().publish();
    metrics::gauge!("switchboard_db_connections", "state" => "open").set(f64::from(pools.open));
    metrics::gauge!("switchboard_db_connections", "state" => "idle").set(f64::from(pools.idle));
    if let Ok(runtime) = tokio::runtime::Handle::try_current() {
        let tasks = runtime.metrics().num_alive_tasks();
        metrics::gauge!("switchboard_runtime_tasks").set(tasks as f64);
    }
}

/// Help texts of the main series.
fn describe() {
    use metrics::{describe_counter, describe_gauge, describe_histogram};
    describe_counter!(
        "switchboard_http_requests_total",
        "HTTP requests by method, matched route and status class"
    );
    describe_histogram!(
        "switchboard_http_request_duration_seconds",
        "HTTP request latency by matched route"
    );
    describe_gauge!(
        "switchboard_sockets_connected",
        "Socket.IO connections open on this instance"
    );
    describe_counter!(
        "switchboard_socket_connects_total",
        "Socket.IO connections accepted"
    );
    describe_counter!(
        "switchboard_socket_disconnects_total",
        "Socket.IO disconnections by reason"
    );
    describe_counter!(
        "switchboard_socket_connect_rejections_total",
        "Socket.IO connections refused, by error code"
    );
    describe_counter!(
        "switchboard_bus_lagged_messages_total",
        "Delivery bus messages a slow instance missed (its clients are told to sync)"
    );
    describe_counter!("switchboard_messages_sent_total", "Messages stored");
    describe_histogram!(
        "switchboard_socket_event_duration_seconds",
        "Time from a socket event's arrival at its handler to its answer being queued, by event"
    );
    describe_histogram!(
        "switchboard_delivery_dispatch_seconds",
        "Time from a stored message's hand-over to its room's dispatcher to its broadcast (held back while an earlier seq is on its way)"
    );
    describe_histogram!(
        "switchboard_store_send_batch_size",
        "Sends stored together in one transaction by the group commit"
    );
    describe_histogram!(
        "switchboard_delivery_packet_messages",
        "Messages per packet a room's dispatcher sends: 1 for a message:new, more for a message:batch"
    );
    describe_histogram!(
        "switchboard_delivery_ack_seconds",
        "Time from emitting message:new to the client's ack"
    );
    describe_counter!(
        "switchboard_delivery_retries_total",
        "Re-sends of unacknowledged message:new"
    );
    describe_counter!(
        "switchboard_delivery_failures_total",
        "Deliveries given up after the last retry"
    );
    describe_counter!(
        "switchboard_rate_limited_total",
        "Requests refused by a rate limit, by action"
    );
    describe_counter!(
        "switchboard_rate_limit_fallbacks_total",
        "Rate-limit checks answered locally because Redis failed"
    );
    describe_histogram!(
        "switchboard_db_query_duration_seconds",
        "Database query latency by query name"
    );
    describe_counter!("switchboard_db_errors_total", "Database errors by kind");
    describe_counter!(
        "switchboard_redis_errors_total",
        "Redis connection errors by connection"
    );
    describe_counter!(
        "switchboard_redis_reconnects_total",
        "Redis reconnections by connection"
    );
    describe_counter!(
        "switchboard_assistant_failures_total",
        "AI assistant refreshes that failed, by provider"
    );
    describe_counter!(
        "switchboard_jobs_total",
        "Background jobs by kind and outcome"
    );
    describe_gauge!(
        "switchboard_db_connections",
        "Database connections held by this instance's pools, open or idle"
    );
    describe_gauge!(
        "switchboard_runtime_tasks",
        "Tasks alive in this instance's async runtime"
    );
    describe_gauge!("switchboard_build_info", "Build information (value 1)");
    describe_gauge!(
        "process_resident_memory_bytes",
        "Resident memory size in bytes"
    );
    describe_gauge!(
        "process_virtual_memory_bytes",
        "Virtual memory size in bytes"
    );
    describe_gauge!(
        "process_cpu_seconds_total",
        "Total user and system CPU time spent in seconds"
    );
    describe_gauge!("process_open_fds", "Number of open file descriptors");
    describe_gauge!("process_max_fds", "Maximum number of open file descriptors");
    describe_gauge!("process_threads", "Number of OS threads in the process");
    describe_gauge!(
        "process_start_time_seconds",
        "Start time of the process since unix epoch in seconds"
    );
}
