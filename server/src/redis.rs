//! Redis connections for scale-out: the Socket.IO adapter's subscriber, the delivery bus and a
//! command client (presence, rate limits, publishing).
//!
//! fred 10.1 does not re-subscribe sharded channels after a reconnect (its `resubscribe_all`
//! first sends an empty `SUBSCRIBE`, which Redis rejects), so the adapter would silently stop
//! receiving other instances' broadcasts. We watch every reconnect and re-`SSUBSCRIBE` the
//! channels the adapter tracks ourselves, re-`SUBSCRIBE` the bus, and tell local clients to
//! sync what they may have missed meanwhile.

use std::{
    path::Path,
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

use crate::ops::health::{Check, CheckStatus};

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

/// One of an instance's three Redis connections.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Connection {
    Command = 0,
    Adapter = 1,
    Bus = 2,
}

impl Connection {
    const ALL: [Self; 3] = [Self::Command, Self::Adapter, Self::Bus];

    fn name(self) -> &'static str {
        match self {
            Self::Command => "command",
            Self::Adapter => "adapter",
            Self::Bus => "bus",
        }
    }
}

/// What readiness and metrics report about Redis.
#[derive(Debug, Default)]
pub struct RedisHealth {
    /// Per connection: true between a connection error and that connection's next reconnect
    /// (or the next probe that finds it working).
    down: [AtomicBool; 3],
    /// Reconnects since start.
    pub reconnects: AtomicU64,
    /// Errors since start.
    pub errors: AtomicU64,
}

impl RedisHealth {
    /// True unless a connection error has been seen on any connection since it last came back.
    pub fn is_up(&self) -> bool {
        self.down.iter().all(|d| !d.load(Ordering::Acquire))
    }

    fn mark(&self, connection: Connection, up: bool) {
        self.down[connection as usize].store(!up, Ordering::Release);
    }

    fn is_down(&self, connection: Connection) -> bool {
        self.down[connection as usize].load(Ordering::Acquire)
    }
}

/// How often connections marked down are probed, in case no reconnect event clears them (an
/// error that did not cost the connection).
const PROBE_EVERY: Duration = Duration::from_secs(2);

/// Messages a subscriber buffers for a slow reader before the oldest are dropped (fred's
/// default of 32 loses adapter messages under bursts).
const SUBSCRIBER_BUFFER: usize = 4096;

impl RedisHub {
    /// Connects the command client (retrying until the startup timeout), the bus subscriber and
    /// the adapter's subscriber.
    pub async fn connect(
        url: &str,
        prefix: &str,
        startup_timeout: Duration,
        tls_ca_file: Option<&Path>,
    ) -> anyhow::Result<Self> {
        let mut builder = builder(url, tls_ca_file)?;
        let client = builder.build()?;
        builder.with_performance_config(|p| p.broadcast_channel_capacity = SUBSCRIBER_BUFFER);
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
        self.health.is_up()
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
    /// clients are told to sync (while any connection was down, cluster operations went to
    /// local sockets only).
    pub fn watch(&self, resynced: broadcast::Sender<()>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut tasks = Vec::new();
        for connection in Connection::ALL {
            tasks.push(tokio::spawn(watch_errors(
                connection,
                self.connection(connection),
                Arc::clone(&self.health),
            )));
        }
        let hub = self.clone();
        tasks.push(tokio::spawn(async move {
            let mut command = hub.client.reconnect_rx();
            let mut adapter = hub.adapter_sub.reconnect_rx();
            let mut bus = hub.bus_sub.reconnect_rx();
            let mut probe = tokio::time::interval(PROBE_EVERY);
            probe.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                let (connection, event) = tokio::select! {
                    event = command.recv() => (Connection::Command, event),
                    event = adapter.recv() => (Connection::Adapter, event),
                    event = bus.recv() => (Connection::Bus, event),
                    _ = probe.tick() => {
                        if hub.probe().await {
                            let _receivers = resynced.send(());
                        }
                        continue;
                    }
                };
                match event {
                    Err(broadcast::error::RecvError::Closed) => return,
                    Err(broadcast::error::RecvError::Lagged(_)) | Ok(_) => {}
                }
                match connection {
                    Connection::Adapter => hub.resubscribe_adapter().await,
                    Connection::Bus => hub.resubscribe_bus().await,
                    Connection::Command => {}
                }
                hub.health.mark(connection, true);
                hub.health.reconnects.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("switchboard_redis_reconnects_total", "connection" => connection.name())
                    .increment(1);
                // Whatever crossed instances while Redis was away is caught up through sync.
                let _receivers = resynced.send(());
            }
        }));
        tasks
    }

    fn connection(&self, connection: Connection) -> Client {
        match connection {
            Connection::Command => self.client.clone(),
            Connection::Adapter => self.adapter_sub.to_client(),
            Connection::Bus => self.bus_sub.to_client(),
        }
    }

    /// Clears the down mark of connections that work again without having reconnected; true
    /// when that brought Redis back as a whole.
    async fn probe(&self) -> bool {
        if self.health.is_up() {
            return false;
        }
        for connection in Connection::ALL {
            if !self.health.is_down(connection) {
                continue;
            }
            let conn = self.connection(connection);
            let works = conn.is_connected()
                && tokio::time::timeout(Duration::from_secs(1), conn.ping::<String>(None))
                    .await
                    .is_ok_and(|pong| pong.is_ok());
            if works {
                self.health.mark(connection, true);
            }
        }
        self.health.is_up()
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

fn builder(url: &str, tls_ca_file: Option<&Path>) -> anyhow::Result<Builder> {
    let mut config = FredConfig::from_url(url).map_err(|e| anyhow::anyhow!("REDIS_URL: {e}"))?;
    // The adapter needs RESP3 (sharded pub/sub); fred does not read it from the URL.
    config.version = RespVersion::RESP3;
    // `rediss://` already chose TLS with the system's roots; a private CA is added to them.
    if config.tls.is_some()
        && let Some(file) = tls_ca_file
    {
        config.tls = Some(tls_with_ca(file)?.into());
    }
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

/// A rustls client trusting the system's roots and the CAs in the PEM `file`.
fn tls_with_ca(file: &Path) -> anyhow::Result<rustls::ClientConfig> {
    use rustls::pki_types::{CertificateDer, pem::PemObject};
    let mut roots = rustls::RootCertStore::empty();
    let system = rustls_native_certs::load_native_certs();
    roots.add_parsable_certificates(system.certs);
    let mut added = 0;
    for cert in CertificateDer::pem_file_iter(file)
        .map_err(|e| anyhow::anyhow!("REDIS_TLS_CA_FILE {}: {e}", file.display()))?
    {
        let cert =
            cert.map_err(|e| anyhow::anyhow!("REDIS_TLS_CA_FILE {}: {e}", file.display()))?;
        roots
            .add(cert)
            .map_err(|e| anyhow::anyhow!("REDIS_TLS_CA_FILE {}: {e}", file.display()))?;
        added += 1;
    }
    if added == 0 {
        anyhow::bail!(
            "REDIS_TLS_CA_FILE {}: no PEM certificate in it",
            file.display()
        );
    }
    let provider = Arc::new(rustls::crypto::ring::default_provider());
    Ok(rustls::ClientConfig::builder_with_provider(provider)
        .with_safe_default_protocol_versions()?
        .with_root_certificates(roots)
        .with_no_client_auth())
}

async fn watch_errors(connection: Connection, conn: Client, health: Arc<RedisHealth>) {
    let mut errors = conn.error_rx();
    let mut last_log: Option<Instant> = None;
    loop {
        match errors.recv().await {
            Ok((err, _server)) => {
                health.mark(connection, false);
                health.errors.fetch_add(1, Ordering::Relaxed);
                metrics::counter!("switchboard_redis_errors_total", "connection" => connection.name())
                    .increment(1);
                // One line per connection per 10 s is enough to see an outage.
                if last_log.is_none_or(|at| at.elapsed() > Duration::from_secs(10)) {
                    tracing::warn!(connection = connection.name(), error = %err, "redis connection error");
                    last_log = Some(Instant::now());
                }
            }
            Err(broadcast::error::RecvError::Lagged(_)) => continue,
            Err(broadcast::error::RecvError::Closed) => return,
        }
    }
}
