//! Redis connections for scale-out: the Socket.IO adapter's subscriber, the delivery bus and a
//! command client (presence, rate limits, publishing).
//!
//! fred 10.1 does not re-subscribe sharded channels after a reconnect (its `resubscribe_all`
//! first sends an empty `SUBSCRIBE`, which Redis rejects), so the adapter would silently stop
//! receiving other instances' broadcasts. We watch every reconnect and re-`SSUBSCRIBE` the
//! channels the adapter tracks ourselves, re-`SUBSCRIBE` the bus, and tell local clients to
//! sync what they may have missed meanwhile.

use std::{
    sync::{
        Arc,
        atomic::{AtomicBool, AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use fred::{
    clients::SubscriberClient,
    interfaces::{ClientLike, EventInterface, PubsubInterface},
    prelude::{Builder, Client, Config as FredConfig, ReconnectPolicy},
    types::RespVersion,
};
use socketioxide_redis::drivers::fred::FredDriver;
use tokio::sync::broadcast;

use crate::http::health::{Check, CheckStatus};

/// How long a Redis command may take before it fails (the server keeps working without Redis).
const COMMAND_TIMEOUT: Duration = Duration::from_secs(2);

/// The Redis side of one instance.
#[derive(Clone)]
pub struct RedisHub {
    /// Commands: publish, presence, rate limits.
    pub client: Client,
    /// The Socket.IO adapter's subscriber.
    pub adapter_sub: SubscriberClient,
    /// The adapter's driver over `adapter_sub` (cheap to clone; one adapter per namespace).
    pub adapter_driver: FredDriver,
    /// The delivery bus subscriber.
    pub bus_sub: SubscriberClient,
    /// Prefix of every key and channel, so deployments (and tests) can share a Redis.
    pub prefix: String,
    /// Connection state and counters.
    pub health: Arc<RedisHealth>,
}

/// What readiness and metrics report about Redis.
#[derive(Debug, Default)]
pub struct RedisHealth {
    /// False between a connection error and the next reconnect.
    connected: AtomicBool,
    /// Reconnects since start.
    pub reconnects: AtomicU64,
    /// Errors since start.
    pub errors: AtomicU64,
}

impl RedisHealth {
    /// True unless a connection error has been seen since the last reconnect.
    pub fn is_up(&self) -> bool {
        self.connected.load(Ordering::Acquire)
    }
}

impl RedisHub {
    /// Connects the command client (retrying until the startup timeout), the bus subscriber and
    /// the adapter's subscriber.
    pub async fn connect(
        url: &str,
        prefix: &str,
        startup_timeout: Duration,
    ) -> anyhow::Result<Self> {
        let builder = builder(url)?;
        let client = builder.build()?;
        let adapter_sub = builder.build_subscriber_client()?;
        let bus_sub = builder.build_subscriber_client()?;
        let deadline = Instant::now() + startup_timeout;
        let mut delay = Duration::from_millis(200);
        loop {
            match client.init().await {
                Ok(_) => break,
                Err(err) if Instant::now() + delay < deadline => {
                    tracing::warn!(error = %err, "redis not reachable yet");
                    tokio::time::sleep(delay).await;
                    delay = (delay * 2).min(Duration::from_secs(5));
                }
                Err(err) => anyhow::bail!(
                    "redis unreachable after {}s: {err}",
                    startup_timeout.as_secs()
                ),
            }
        }
        bus_sub.init().await?;
        // Initialises the adapter's subscriber and starts routing its messages.
        let adapter_driver = FredDriver::new(adapter_sub.clone()).await?;
        let health = Arc::new(RedisHealth::default());
        health.connected.store(true, Ordering::Release);
        Ok(Self {
            client,
            adapter_sub,
            adapter_driver,
            bus_sub,
            prefix: prefix.to_owned(),
            health,
        })
    }

    /// The delivery bus channel.
    pub fn bus_channel(&self) -> String {
        format!("{}:bus", self.prefix)
    }

    /// A namespaced key.
    pub fn key(&self, suffix: &str) -> String {
        format!("{}:{suffix}", self.prefix)
    }

    /// True while every connection is up.
    pub fn is_connected(&self) -> bool {
        self.health.connected.load(Ordering::Acquire)
            && self.client.is_connected()
            && self.bus_sub.is_connected()
            && self.adapter_sub.is_connected()
    }

    /// Pings with a short timeout, for readiness (`degraded` when Redis is unreachable).
    pub async fn check(&self) -> Check {
        let started = Instant::now();
        let ping =
            tokio::time::timeout(Duration::from_secs(1), self.client.ping::<String>(None)).await;
        let status = match ping {
            Ok(Ok(_)) if self.is_connected() => CheckStatus::Ok,
            _ => CheckStatus::Degraded,
        };
        Check {
            status,
            latency_ms: u64::try_from(started.elapsed().as_millis()).unwrap_or(u64::MAX),
        }
    }

    /// Watches reconnects and errors of all connections. After each reconnect the adapter's
    /// sharded channels and the bus are subscribed again, then `resynced` fires so that local
    /// clients are told to sync.
    pub fn watch(&self, resynced: broadcast::Sender<()>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        for (name, conn) in [
            ("command", self.client.clone()),
            ("adapter", self.adapter_sub.to_client()),
            ("bus", self.bus_sub.to_client()),
        ] {
            tasks.push(tokio::spawn(watch_errors(
                name,
                conn,
                Arc::clone(&self.health),
            )));
        }
        let hub = self.clone();
        tasks.push(tokio::spawn(async move {
            let mut adapter = hub.adapter_sub.reconnect_rx();
            let mut bus = hub.bus_sub.reconnect_rx();
            loop {
                tokio::select! {
                    event = adapter.recv() => {
                        if matches!(event, Err(broadcast::error::RecvError::Closed)) { return; }
                        hub.resubscribe_adapter().await;
                    }
                    event = bus.recv() => {
                        if matches!(event, Err(broadcast::error::RecvError::Closed)) { return; }
                        hub.resubscribe_bus().await;
                    }
                }
                hub.health.connected.store(true, Ordering::Release);
                hub.health.reconnects.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("switchboard_redis_reconnects_total").increment(1);
                // Whatever crossed instances while Redis was away is caught up through sync.
                let _receivers = resynced.send(());
            }
        }));
        tasks
    }

    async fn resubscribe_adapter(&self) {
        let channels = self.adapter_sub.tracked_shard_channels();
        for channel in &channels {
            if let Err(err) = self.adapter_sub.ssubscribe(channel.to_string()).await {
                tracing::error!(channel = %channel, error = %err, "re-subscribing an adapter channel failed");
            }
        }
        tracing::info!(
            channels = channels.len(),
            "redis reconnected: adapter channels re-subscribed"
        );
    }

    async fn resubscribe_bus(&self) {
        if let Err(err) = self.bus_sub.subscribe(self.bus_channel()).await {
            tracing::error!(error = %err, "re-subscribing the delivery bus failed");
        } else {
            tracing::info!("redis reconnected: delivery bus re-subscribed");
        }
    }

    /// Closes every connection.
    pub async fn quit(&self) {
        for result in [
            self.client.quit().await,
            self.bus_sub.quit().await,
            self.adapter_sub.quit().await,
        ] {
            if let Err(err) = result {
                tracing::debug!(error = %err, "redis quit");
            }
        }
    }
}

fn builder(url: &str) -> anyhow::Result<Builder> {
    let mut config = FredConfig::from_url(url).map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?;
    // The adapter needs RESP3 (sharded pub/sub); fred does not read it from the URL.
    config.version = RespVersion::RESP3;
    let mut builder = Builder::from_config(config);
    builder
        .with_connection_config(|c| {
            c.connection_timeout = Duration::from_secs(2);
            c.internal_command_timeout = Duration::from_secs(2);
            c.max_command_attempts = 1;
        })
        .with_performance_config(|p| {
            p.default_command_timeout = COMMAND_TIMEOUT;
        })
        // Forever, quickly at first, then every 2 s.
        .set_policy(ReconnectPolicy::new_exponential(0, 100, 2_000, 2));
    Ok(builder)
}

async fn watch_errors(name: &'static str, conn: Client, health: Arc<RedisHealth>) {
    let mut errors = conn.error_rx();
    let mut last_log: Option<Instant> = None;
    loop {
        match errors.recv().await {
            Ok((err, _server)) => {
                health.connected.store(false, Ordering::Release);
                health.errors.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("switchboard_redis_errors_total", "connection" => name)
                    .increment(1);
                // One line per connection per 10 s is enough to see an outage.
                if last_log.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
                    tracing::warn!(connection = name, error = %err, "redis connection error");
                    last_log = Some(Instant::now());
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
