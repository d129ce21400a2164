//! Realtime over Socket.IO (namespace `/`, path `/socket.io`), as one component: it is built
//! with the rest of the state ([`Realtime::build`]), mounted on the router, and subscribes to
//! the domain events.
//!
//! - [`connect`]: authentication and server-side subscriptions; [`inbound`]: client -> server
//!   events, each calling a use case.
//! - `outbound`: server -> client, one file per family of domain events.
//! - [`delivery`]: ordered `message:new` with acks, retries and delivery cursors.
//! - [`presence`]: who is online, cluster-wide; [`channel`]: the Socket.IO rooms, typed.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::{Duration, Instant},
};

use axum::http;
use serde_json::json;
use socketioxide::{SocketIo, handler::ConnectHandler};
use tokio::{sync::broadcast, task::JoinHandle};

pub mod acks;
pub mod channel;
pub mod connect;
pub mod delivery;
pub mod events;
pub mod fanout;
pub mod inbound;
mod outbound;
pub mod presence;
pub mod session;

use crate::{
    domain::Id,
    ops::telemetry::Telemetry,
    redis::RedisHub,
    service::{Ctx, context::OnlineUsers},
    store::DynStore,
    wire::proxy::IpNet,
};
use acks::Ledger;
use delivery::{Delivery, DeliveryConfig, Outgoing};
use fanout::{Fanout, IoFanout};
use presence::Presence;

/// What socket handlers share: the use cases' context, presence, and how to read a handshake.
#[derive(Clone)]
pub struct SocketState {
    /// Store, quotas, events.
    pub ctx: Ctx,
    /// Who is online (connects and disconnects update it).
    pub presence: Presence,
    /// Cookie name, allowed origins, trusted proxies.
    pub settings: Arc<SocketSettings>,
    /// Where acknowledgements are recorded.
    pub ledger: Arc<Ledger>,
    /// Set when this instance closes its sockets: handshakes are refused from then on.
    pub closing: Arc<std::sync::atomic::AtomicBool>,
}

/// How a handshake is read.
#[derive(Clone, Debug)]
pub struct SocketSettings {
    /// The session cookie's name.
    pub cookie_name: &'static str,
    /// Origins a cookie-authenticated handshake may come from.
    pub allowed_origins: Vec<String>,
    /// Proxies whose `X-Forwarded-For` is believed.
    pub trusted_proxies: Vec<IpNet>,
}

/// Settings of the realtime layer.
#[derive(Clone)]
pub struct RealtimeConfig {
    /// Delivery of `message:new`.
    pub delivery: DeliveryConfig,
    /// This instance's id.
    pub node_id: String,
    /// Where the numbers of this instance go.
    pub telemetry: Telemetry,
    /// How often sockets whose session expired are checked again.
    pub session_check: Duration,
    /// How a handshake is read.
    pub sockets: SocketSettings,
}

/// The realtime component of this instance; cheap to clone.
#[derive(Clone)]
pub struct Realtime {
    inner: Arc<Inner>,
}

struct Inner {
    /// Room-addressed Socket.IO operations.
    fanout: Arc<dyn Fanout>,
    /// Wraps a router in the Socket.IO layer.
    layer: Mount,
    delivery: Delivery,
    presence: Presence,
    redis: Option<RedisHub>,
    store: DynStore,
    /// This instance, to skip its own bus messages.
    node_id: String,
    /// How often sockets whose session expired are checked again.
    session_check: Duration,
    /// Last broadcast `typing: true` per (user, room), for the throttle (swept past 10,000).
    typing: Mutex<HashMap<(Id, Id), Instant>>,
    /// Set once sockets are being closed (shared with the handshake).
    closing: Arc<std::sync::atomic::AtomicBool>,
    /// One ticket's `ticket:updated` at a time, in the order of its changes.
    ticket_turns: outbound::TicketTurns,
}

/// Wraps a router in the Socket.IO layer (its type depends on the adapter).
type Mount = Box<dyn Fn(axum::Router) -> axum::Router + Send + Sync>;

/// Background tasks of the realtime layer, stopped at shutdown.
pub struct Workers {
    tasks: Vec<JoinHandle<()>>,
}

impl Workers {
    /// Stops every task.
    pub fn abort(self) {
        for task in self.tasks {
            task.abort();
        }
    }
}

/// Copies the head of a Socket.IO request out of the connection's read buffer.
///
/// hyper parses a request's URI and header values as slices of the buffer it read them into
/// (8-16 KiB), and engine.io keeps the first request's head (with its extensions, where the
/// router put a copy of the URI) for the socket's whole life: every open socket held that
/// buffer, about half of its memory. Fresh copies (a few hundred bytes) let it go. Other
/// requests pass untouched.
async fn detach_head(request: axum::extract::Request) -> axum::extract::Request {
    if !request.uri().path().starts_with(SOCKET_IO_PATH) {
        return request;
    }
    let (mut parts, body) = request.into_parts();
    parts.uri = copy_uri(&parts.uri);
    // The router keeps the URI as it came, for handlers under nested routes.
    if let Some(axum::extract::OriginalUri(original)) = parts.extensions.get_mut() {
        *original = copy_uri(original);
    }
    parts.headers = copy_headers(&parts.headers);
    axum::extract::Request::from_parts(parts, body)
}

/// Where Socket.IO is served.
const SOCKET_IO_PATH: &str = "/socket.io";

/// A URI with its own storage.
fn copy_uri(uri: &http::Uri) -> http::Uri {
    // Parsing from a `&str` copies; a URI that parsed once parses again.
    uri.to_string().parse().unwrap_or_else(|_| uri.clone())
}

/// Header names and values with their own storage (`from_bytes` copies).
fn copy_headers(headers: &http::HeaderMap) -> http::HeaderMap {
    let mut copy = http::HeaderMap::with_capacity(headers.len());
    for (name, value) in headers {
        let name =
            http::HeaderName::from_bytes(name.as_str().as_bytes()).unwrap_or_else(|_| name.clone());
        let mut fresh =
            http::HeaderValue::from_bytes(value.as_bytes()).unwrap_or_else(|_| value.clone());
        fresh.set_sensitive(value.is_sensitive());
        copy.append(name, fresh);
    }
    copy
}

/// Packets queued for one socket before it is shed as a client that does not read.
pub const SOCKET_QUEUE_PACKETS: usize = 256;
/// Largest websocket message a client may send.
const WS_MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// Websocket read buffer per socket.
const WS_READ_BUFFER_BYTES: usize = 1024;

impl Realtime {
    /// Builds the Socket.IO layer (with the Redis adapter when `redis` is given, waiting until
    /// it subscribed its channels) and the delivery engine. Socket handlers run the use cases
    /// of `ctx`; the component still has to be subscribed to `ctx`'s events.
    pub async fn build(
        config: RealtimeConfig,
        ctx: Ctx,
        presence: Presence,
        redis: Option<RedisHub>,
    ) -> anyhow::Result<Self> {
        let ledger = Arc::new(Ledger::new(config.telemetry.clone()));
        let closing = Arc::new(std::sync::atomic::AtomicBool::new(false));
        let state = SocketState {
            ctx: ctx.clone(),
            presence: presence.clone(),
            settings: Arc::new(config.sockets.clone()),
            ledger: Arc::clone(&ledger),
            closing: Arc::clone(&closing),
        };
        let builder = SocketIo::builder()
            .with_state(state)
            // Packets queued per socket. A client that stops reading fills it; the socket is
            // then shed (see `Fanout::shed`) rather than buffered for without bound. A packet is
            // at most about 21 KiB (a 5,000-character message) and a sync answer at most
            // 512 KiB, so one socket holds at most about 5.8 MiB; typical packets are a few
            // hundred bytes.
            .max_buffer_size(SOCKET_QUEUE_PACKETS)
            // socketioxide accepts 64 MiB frames by default; nothing a client sends needs more
            // than a sync request or a 5,000-character message.
            .ws_max_message_size(WS_MAX_MESSAGE_BYTES)
            // Every open socket keeps its read buffer (4 KiB by default); what clients send is
            // acks and small events, and a longer message simply takes more reads.
            .ws_read_buffer_size(WS_READ_BUFFER_BYTES);
        let (fanout, layer): (Arc<dyn Fanout>, Mount) = match &redis {
            Some(hub) => {
                let adapter = socketioxide_redis::RedisAdapterConfig::new()
                    .with_prefix(format!("{}:sio", hub.prefix))
                    .with_stream_buffer(16_384);
                let ctr = socketioxide_redis::RedisAdapterCtr::new_with_driver(
                    hub.adapter_driver.clone(),
                    adapter,
                );
                let (layer, io) = builder
                    .with_adapter::<socketioxide_redis::FredAdapter<_>>(ctr)
                    .build_layer();
                io.ns("/", connect::on_connect.with(connect::authenticate))
                    .await
                    .map_err(|e| anyhow::anyhow!("the redis adapter could not subscribe: {e}"))?;
                (
                    Arc::new(IoFanout::new(io, Some(Arc::clone(&hub.health)))),
                    Box::new(move |router: axum::Router| {
                        router
                            .layer(layer.clone())
                            .layer(axum::middleware::map_request(detach_head))
                    }),
                )
            }
            None => {
                let (layer, io) = builder.build_layer();
                io.ns("/", connect::on_connect.with(connect::authenticate));
                (
                    Arc::new(IoFanout::new(io, None)),
                    Box::new(move |router: axum::Router| {
                        router
                            .layer(layer.clone())
                            .layer(axum::middleware::map_request(detach_head))
                    }),
                )
            }
        };
        let delivery = Delivery::new(config.delivery, Arc::clone(&fanout), ctx.clone(), ledger);
        Ok(Self {
            inner: Arc::new(Inner {
                fanout,
                layer,
                delivery,
                presence,
                redis,
                store: ctx.store.clone(),
                node_id: config.node_id,
                session_check: config.session_check,
                typing: Mutex::new(HashMap::new()),
                closing,
                ticket_turns: outbound::TicketTurns::default(),
            }),
        })
    }

    /// Wraps `router` in the Socket.IO layer (outermost, so body-wrapping layers stay inside
    /// it: socketioxide needs a `Debug` body).
    pub fn mount(&self, router: axum::Router) -> axum::Router {
        (self.inner.layer)(router)
    }

    /// Starts the background work: delivery cursor flushes and re-sends, session re-checks,
    /// presence heartbeats and the Redis bus.
    pub fn start(&self) -> Workers {
        let mut tasks = vec![
            self.inner.delivery.spawn_flusher(),
            self.inner.delivery.spawn_sweeper(),
            self.spawn_session_sweeper(),
        ];
        if let Some(redis) = &self.inner.redis {
            tasks.push(self.spawn_presence_heartbeat());
            let (resynced, mut resync_rx) = broadcast::channel(4);
            tasks.extend(redis.watch(resynced));
            tasks.push(self.spawn_bus_listener(redis.clone()));
            let realtime = self.clone();
            tasks.push(tokio::spawn(async move {
                while resync_rx.recv().await.is_ok() {
                    realtime.recover_after_outage().await;
                }
            }));
        }
        Workers { tasks }
    }

    /// Closes this instance's sockets; their clients reconnect (to another instance, or to
    /// this one once it is back) and sync.
    pub async fn close_sockets(&self) {
        self.inner
            .closing
            .store(true, std::sync::atomic::Ordering::Release);
        self.inner.fanout.close().await;
    }

    /// The last step of a shutdown, once requests and workers are done: saves delivery
    /// cursors, leaves the cluster's presence and closes the Redis connections.
    pub async fn finish(&self) {
        self.inner.delivery.flush_delivered().await;
        self.inner.presence.withdraw().await;
        if let Some(redis) = &self.inner.redis {
            redis.quit().await;
        }
    }

    /// The delivery engine (its counters, for metrics and tests).
    pub fn delivery(&self) -> &Delivery {
        &self.inner.delivery
    }

    /// Sockets connected to this instance.
    pub fn local_sockets(&self) -> usize {
        self.inner.fanout.local_socket_count()
    }

    /// Refreshes this instance's presence in Redis, and announces offline the users of dead
    /// instances who have no socket left anywhere.
    fn spawn_presence_heartbeat(&self) -> JoinHandle<()> {
        let realtime = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(presence::HEARTBEAT);
            loop {
                tick.tick().await;
                let orphans = match realtime.inner.presence.heartbeat().await {
                    Ok(orphans) => orphans,
                    Err(err) => {
                        tracing::debug!(error = %err, "presence heartbeat failed");
                        continue;
                    }
                };
                if !orphans.is_empty() {
                    tracing::info!(
                        users = orphans.len(),
                        "presence of a dead instance taken over"
                    );
                }
                let online = realtime.inner.presence.online_among(orphans.clone()).await;
                for user in orphans.into_iter().filter(|u| !online.contains(u)) {
                    realtime.presence_changed(user, false).await;
                }
            }
        })
    }

    /// Every `SOCKET_SESSION_CHECK_SECS`, checks again the sockets whose session has expired as
    /// of when they connected: a session extended meanwhile keeps its socket, any other
    /// (expired, revoked, banned, deactivated) closes it.
    fn spawn_session_sweeper(&self) -> JoinHandle<()> {
        let realtime = self.clone();
        let period = self.inner.session_check;
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(period);
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                realtime.revalidate_expired().await;
            }
        })
    }

    /// Listens to the delivery bus: new messages stored by other instances, delivered here.
    fn spawn_bus_listener(&self, redis: RedisHub) -> JoinHandle<()> {
        let realtime = self.clone();
        tokio::spawn(async move {
            use fred::interfaces::{EventInterface, PubsubInterface};
            let mut messages = redis.bus_sub.message_rx();
            if let Err(err) = redis.bus_sub.subscribe(redis.bus_channel()).await {
                tracing::error!(error = %err, "cannot subscribe to the delivery bus");
            }
            loop {
                match messages.recv().await {
                    Ok(message) => realtime.on_bus_message(message.value.as_str().as_deref()),
                    Err(broadcast::error::RecvError::Lagged(n)) => {
                        // The lost messages may be the last ones of quiet rooms, where no later
                        // seq would reveal the gap: tell every local client to sync now.
                        tracing::warn!(lagged = n, "delivery bus lagged; clients told to sync");
                        metrics::counter!("switchboard_bus_lagged_messages_total").increment(n);
                        realtime
                            .inner
                            .fanout
                            .emit_local_all(events::SYNC_HINT, &json!({}))
                            .await;
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        })
    }

    fn on_bus_message(&self, raw: Option<&str>) {
        let Some(envelope) = raw.and_then(|r| serde_json::from_str::<BusEnvelope>(r).ok()) else {
            tracing::warn!("unreadable delivery bus message");
            return;
        };
        if envelope.node == self.inner.node_id {
            return;
        }
        self.inner.delivery.enqueue(Outgoing {
            room_id: envelope.room_id,
            seq: envelope.seq,
            payload: envelope.payload,
        });
    }
}

/// A new message on the delivery bus: who stored it, where, and its `message:new` payload as
/// encoded there (passed on to sockets as is).
#[derive(serde::Deserialize, serde::Serialize)]
#[serde(rename_all = "camelCase")]
struct BusEnvelope {
    node: String,
    room_id: Id,
    seq: i64,
    payload: Box<serde_json::value::RawValue>,
}

#[async_trait::async_trait]
impl OnlineUsers for Presence {
    async fn online_among(&self, users: Vec<Id>) -> std::collections::HashSet<Id> {
        Presence::online_among(self, users).await
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A request whose URI and header values are slices of one read buffer, as hyper makes them.
    fn parsed(path: &str) -> anyhow::Result<(axum::extract::Request, std::ops::Range<usize>)> {
        let buffer = bytes::Bytes::from(format!("{path}\0sid=secret\0Mozilla/5.0").into_bytes());
        let range = {
            let start = buffer.as_ptr() as usize;
            start..start + buffer.len()
        };
        let (uri, cookie, agent) = (
            buffer.slice(..path.len()),
            buffer.slice(path.len() + 1..path.len() + 11),
            buffer.slice(path.len() + 12..),
        );
        let mut cookie = http::HeaderValue::from_maybe_shared(cookie)?;
        cookie.set_sensitive(true);
        let uri = http::Uri::from_maybe_shared(uri)?;
        let request = http::Request::builder()
            .extension(axum::extract::OriginalUri(uri.clone()))
            .uri(uri)
            .header(http::header::COOKIE, cookie)
            .header("x-agent", http::HeaderValue::from_maybe_shared(agent)?)
            .body(axum::body::Body::empty())?;
        Ok((request, range))
    }

    fn in_buffer(range: &std::ops::Range<usize>, bytes: &[u8]) -> bool {
        range.contains(&(bytes.as_ptr() as usize))
    }

    #[tokio::test]
    async fn a_socket_request_keeps_its_head_but_not_the_read_buffer() -> anyhow::Result<()> {
        let (request, buffer) = parsed("/socket.io/?EIO=4&transport=websocket")?;
        let request = detach_head(request).await;
        assert_eq!(request.uri(), "/socket.io/?EIO=4&transport=websocket");
        assert!(!in_buffer(&buffer, request.uri().path().as_bytes()));
        let original = request
            .extensions()
            .get::<axum::extract::OriginalUri>()
            .map(|o| o.0.clone());
        let original = original.ok_or_else(|| anyhow::anyhow!("the original URI is gone"))?;
        assert_eq!(original, "/socket.io/?EIO=4&transport=websocket");
        assert!(!in_buffer(&buffer, original.path().as_bytes()));
        let cookie = &request.headers()[http::header::COOKIE];
        assert_eq!(cookie, "sid=secret");
        assert!(cookie.is_sensitive());
        assert!(!in_buffer(&buffer, cookie.as_bytes()));
        let agent = &request.headers()["x-agent"];
        assert_eq!(agent, "Mozilla/5.0");
        assert!(!in_buffer(&buffer, agent.as_bytes()));
        Ok(())
    }

    #[tokio::test]
    async fn other_requests_pass_untouched() -> anyhow::Result<()> {
        let (request, buffer) = parsed("/api/v1/rooms")?;
        let request = detach_head(request).await;
        assert!(in_buffer(&buffer, request.uri().path().as_bytes()));
        assert!(in_buffer(
            &buffer,
            request.headers()[http::header::COOKIE].as_bytes()
        ));
        Ok(())
    }
}
