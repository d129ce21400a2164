//! Realtime over Socket.IO (namespace `/`, path `/socket.io`): authenticated connections,
//! server-side subscriptions, events, and lossless delivery of new messages.
//!
//! - [`connect`]: authentication and subscriptions; [`handlers`]: client -> server events.
//! - [`delivery`]: ordered `message:new` with acks, retries and delivery cursors.
//! - [`presence`], [`redis`]: cluster-wide presence and the Redis connections.
//! - [`Realtime`]: the handle the REST layer and the services use to tell clients about changes.
//!
//! Rooms: `room:{id}` (readers of a room), `user:{id}`, `session:{id}`, `sid:{socket}`, `team`,
//! `dept:{name}` and `admins` (who hears of new public rooms and tickets).

use std::{
    collections::{HashMap, HashSet},
    sync::{Arc, Mutex, OnceLock},
    time::{Duration, Instant},
};

use serde_json::{Value, json};
use socketioxide::{SocketIo, adapter::Adapter, handler::ConnectHandler};
use tokio::{sync::broadcast, task::JoinHandle};

pub mod connect;
pub mod delivery;
pub mod events;
pub mod fanout;
pub mod handlers;
pub mod presence;
pub mod redis;
mod subscriptions;

use crate::{
    app::AppState, domain::Id, http::health::Check, service::messages::Reacted, store::DynStore,
    views::MessageView,
};
use delivery::{Delivery, DeliveryConfig, Outgoing};
use fanout::Fanout;
use presence::Presence;
use redis::RedisHub;

/// The Socket.IO room of a chat room's readers.
pub fn room_channel(room_id: Id) -> String {
    format!("room:{room_id}")
}

fn user_channel(user_id: Id) -> String {
    format!("user:{user_id}")
}

/// Tells connected clients about changes; cheap to clone.
#[derive(Clone)]
pub struct Realtime {
    inner: Arc<Inner>,
}

struct Inner {
    /// Set once the Socket.IO layer is built.
    fanout: Arc<OnceLock<Arc<dyn Fanout>>>,
    delivery: Delivery,
    presence: Presence,
    redis: Option<RedisHub>,
    store: DynStore,
    /// This instance, to skip its own bus messages.
    node_id: String,
    /// Numbers of this instance.
    telemetry: crate::ops::telemetry::Telemetry,
    /// The configured departments (each has a socket audience `dept:{name}`).
    departments: Vec<String>,
    /// How often sockets whose session expired are checked again.
    session_check: Duration,
    /// Last broadcast `typing: true` per (user, room), for the throttle.
    typing: Mutex<HashMap<(Id, Id), Instant>>,
    /// The Redis adapter's initialisation (subscribing its channels), awaited before serving.
    adapter_init: Mutex<Option<JoinHandle<()>>>,
}

/// Settings of the realtime layer.
#[derive(Clone)]
pub struct RealtimeConfig {
    /// Delivery of `message:new`.
    pub delivery: DeliveryConfig,
    /// This instance's id.
    pub node_id: String,
    /// Where the numbers of this instance go.
    pub telemetry: crate::ops::telemetry::Telemetry,
    /// The configured departments.
    pub departments: Vec<String>,
    /// How often sockets whose session expired are checked again.
    pub session_check: Duration,
}

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

impl Realtime {
    /// The realtime layer of this instance (sockets attach when the router is built).
    pub fn new(config: RealtimeConfig, store: DynStore, redis: Option<RedisHub>) -> Self {
        let fanout = Arc::new(OnceLock::new());
        Self {
            inner: Arc::new(Inner {
                delivery: Delivery::new(
                    config.delivery,
                    Arc::clone(&fanout),
                    store.clone(),
                    config.telemetry.clone(),
                ),
                telemetry: config.telemetry,
                presence: Presence::new(redis.clone(), &config.node_id),
                fanout,
                redis,
                store,
                node_id: config.node_id,
                departments: config.departments,
                session_check: config.session_check,
                typing: Mutex::new(HashMap::new()),
                adapter_init: Mutex::new(None),
            }),
        }
    }

    /// Makes `io` (with its namespace registered) this layer's fan-out.
    pub fn attach<A: Adapter>(&self, io: &SocketIo<A>) {
        let fanout = fanout::IoFanout {
            io: io.clone(),
            redis: self.inner.redis.as_ref().map(|r| Arc::clone(&r.health)),
        };
        if self.inner.fanout.set(Arc::new(fanout)).is_err() {
            tracing::error!("realtime layer attached twice; keeping the first");
        }
    }

    /// Waits until the adapter is subscribed to its channels (immediate without Redis).
    pub async fn ready(&self) {
        let init = self
            .inner
            .adapter_init
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .take();
        if let Some(init) = init
            && let Err(err) = init.await
        {
            tracing::error!(error = %err, "adapter initialisation task failed");
        }
    }

    /// Starts the background work: delivery cursor flushes, presence heartbeats, the Redis bus.
    pub fn start(&self) -> Workers {
        let mut tasks = vec![
            self.inner.delivery.spawn_flusher(),
            self.spawn_session_sweeper(),
        ];
        if self.inner.redis.is_some() {
            tasks.push(self.spawn_presence_heartbeat());
        }
        if let Some(redis) = &self.inner.redis {
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
        if let Some(fanout) = self.inner.fanout.get() {
            fanout.close().await;
        }
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

    /// Presence of users.
    pub fn presence(&self) -> &Presence {
        &self.inner.presence
    }

    /// The delivery engine (its counters, for metrics and tests).
    pub fn delivery(&self) -> &Delivery {
        &self.inner.delivery
    }

    /// Redis, when configured.
    pub fn redis(&self) -> Option<&RedisHub> {
        self.inner.redis.as_ref()
    }

    /// Sockets connected to this instance.
    pub fn local_sockets(&self) -> usize {
        self.inner
            .fanout
            .get()
            .map_or(0, |f| f.local_socket_count())
    }

    async fn emit(&self, rooms: Vec<String>, event: &'static str, data: &Value) {
        if let Some(fanout) = self.inner.fanout.get() {
            fanout.emit(rooms, Vec::new(), event, data).await;
        }
    }

    /// A new message: delivered here at once, and to other instances over the bus.
    pub async fn message_new(&self, message: &MessageView) {
        let payload = match serde_json::to_value(message) {
            Ok(payload) => payload,
            Err(err) => {
                tracing::error!(error = %err, "cannot serialise a message");
                return;
            }
        };
        metrics::counter!("switchboard_messages_sent_total").increment(1);
        self.inner.telemetry.record_message(message.room_id);
        if let Some(redis) = &self.inner.redis {
            let envelope = json!({"node": self.inner.node_id, "roomId": message.room_id, "seq": message.seq, "payload": payload});
            let (redis, channel) = (redis.clone(), redis.bus_channel());
            // Never hold up the sender on Redis; other instances' clients sync if this is lost.
            tokio::spawn(async move {
                use fred::interfaces::PubsubInterface;
                if let Err(err) = redis
                    .client
                    .publish::<(), _, _>(channel, envelope.to_string())
                    .await
                {
                    metrics::counter!("switchboard_bus_publish_failures_total").increment(1);
                    tracing::warn!(error = %err, "delivery bus publish failed");
                }
            });
        }
        self.inner.delivery.enqueue(Outgoing {
            room_id: message.room_id,
            seq: message.seq,
            payload,
        });
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
                        if let Some(fanout) = realtime.inner.fanout.get() {
                            fanout.emit_local_all(events::SYNC_HINT, &json!({})).await;
                        }
                    }
                    Err(broadcast::error::RecvError::Closed) => return,
                }
            }
        })
    }

    fn on_bus_message(&self, raw: Option<&str>) {
        let Some(envelope) = raw.and_then(|r| serde_json::from_str::<Value>(r).ok()) else {
            tracing::warn!("unreadable delivery bus message");
            return;
        };
        if envelope["node"].as_str() == Some(self.inner.node_id.as_str()) {
            return;
        }
        let (Some(room_id), Some(seq)) = (
            envelope["roomId"].as_str().and_then(|r| r.parse().ok()),
            envelope["seq"].as_i64(),
        ) else {
            return;
        };
        self.inner.delivery.enqueue(Outgoing {
            room_id,
            seq,
            payload: envelope["payload"].clone(),
        });
    }

    /// A message was edited.
    pub async fn message_updated(&self, message: &MessageView) {
        let data = serde_json::to_value(message).unwrap_or_default();
        self.emit(
            vec![room_channel(message.room_id)],
            events::MESSAGE_UPDATED,
            &data,
        )
        .await;
    }

    /// A message was deleted.
    pub async fn message_deleted(&self, message: &MessageView) {
        let data = serde_json::to_value(message).unwrap_or_default();
        self.emit(
            vec![room_channel(message.room_id)],
            events::MESSAGE_DELETED,
            &data,
        )
        .await;
    }

    /// Someone's reaction changed.
    pub async fn reaction_updated(&self, reacted: &Reacted, user_id: Id) {
        let data = json!({
            "roomId": reacted.message.room_id,
            "messageId": reacted.message.id,
            "emoji": reacted.emoji,
            "userId": user_id,
            "added": reacted.added,
            "count": reacted.count,
        });
        self.emit(
            vec![room_channel(reacted.message.room_id)],
            events::REACTION_UPDATED,
            &data,
        )
        .await;
    }

    /// A read cursor moved.
    pub async fn receipt(&self, room_id: Id, user_id: Id, seq: i64) {
        let data = json!({"roomId": room_id, "userId": user_id, "seq": seq, "kind": "read"});
        self.emit(vec![room_channel(room_id)], events::RECEIPT, &data)
            .await;
    }

    /// Whether a typing event should go out now (`typing: true` at most every 2 s).
    pub fn typing_allowed(&self, user_id: Id, room_id: Id, typing: bool) -> bool {
        let mut last = self.inner.typing.lock().unwrap_or_else(|e| e.into_inner());
        if !typing {
            last.remove(&(user_id, room_id));
            return true;
        }
        let now = Instant::now();
        if last
            .get(&(user_id, room_id))
            .is_some_and(|at| now - *at < handlers::TYPING_THROTTLE)
        {
            return false;
        }
        if last.len() > 10_000 {
            last.retain(|_, at| now - *at < Duration::from_secs(10));
        }
        last.insert((user_id, room_id), now);
        true
    }

    /// Tells a room's readers (but not the typist's own sockets) that someone types.
    pub async fn typing(&self, room_id: Id, user_id: Id, event: &Value) {
        if let Some(fanout) = self.inner.fanout.get() {
            fanout
                .emit(
                    vec![room_channel(room_id)],
                    vec![user_channel(user_id)],
                    events::TYPING,
                    event,
                )
                .await;
        }
    }

    /// A user came online or went offline.
    pub async fn presence_changed(&self, user_id: Id, online: bool) {
        self.emit(
            vec!["team".to_owned(), user_channel(user_id)],
            events::PRESENCE,
            &json!({"userId": user_id, "online": online}),
        )
        .await;
    }

    /// Which of these users are online anywhere.
    pub async fn online_among(&self, users: impl IntoIterator<Item = Id>) -> HashSet<Id> {
        self.inner.presence.online_among(users).await
    }

    /// Redis health, when Redis is configured.
    pub async fn redis_check(&self) -> Option<Check> {
        match &self.inner.redis {
            Some(redis) => Some(redis.check().await),
            None => None,
        }
    }
}

/// Packets queued for one socket before it is shed as a client that does not read.
pub const SOCKET_QUEUE_PACKETS: usize = 256;

/// Largest websocket message a client may send.
const WS_MAX_MESSAGE_BYTES: usize = 256 * 1024;
/// Websocket read buffer per socket.
const WS_READ_BUFFER_BYTES: usize = 1024;

/// Builds the Socket.IO layer for `state` (with the Redis adapter when configured) and wraps
/// `router` in it.
pub fn mount(state: &AppState, router: axum::Router) -> axum::Router {
    let builder = socketioxide::SocketIo::builder()
        .with_state(state.clone())
        .ack_timeout(state.realtime.inner.delivery_ack_timeout())
        // Packets queued per socket. A client that stops reading fills it; the socket is then
        // shed (see `Fanout::shed`) rather than buffered for without bound. A packet is at most
        // about 21 KiB (a 5,000-character message) and a sync answer at most 512 KiB, so one
        // socket holds at most about 5.8 MiB; typical packets are a few hundred bytes.
        .max_buffer_size(SOCKET_QUEUE_PACKETS)
        // socketioxide accepts 64 MiB frames by default; nothing a client sends needs more
        // than a sync request or a 5,000-character message.
        .ws_max_message_size(WS_MAX_MESSAGE_BYTES)
        // Every open socket keeps its read buffer (4 KiB by default); what clients send is
        // acks and small events, and a longer message simply takes more reads.
        .ws_read_buffer_size(WS_READ_BUFFER_BYTES);
    match state.realtime.redis() {
        Some(redis) => {
            let config = socketioxide_redis::RedisAdapterConfig::new()
                .with_prefix(format!("{}:sio", redis.prefix))
                .with_stream_buffer(16_384);
            let ctr = socketioxide_redis::RedisAdapterCtr::new_with_driver(
                redis.adapter_driver.clone(),
                config,
            );
            let (layer, io) = builder
                .with_adapter::<socketioxide_redis::FredAdapter<_>>(ctr)
                .build_layer();
            let init = io.ns("/", connect::on_connect.with(connect::authenticate));
            let init = tokio::spawn(async move {
                if let Err(err) = init.await {
                    tracing::error!(error = %err, "the redis adapter could not subscribe its channels");
                }
            });
            *state
                .realtime
                .inner
                .adapter_init
                .lock()
                .unwrap_or_else(|e| e.into_inner()) = Some(init);
            state.realtime.attach(&io);
            router.layer(layer)
        }
        None => {
            let (layer, io) = builder.build_layer();
            io.ns("/", connect::on_connect.with(connect::authenticate));
            state.realtime.attach(&io);
            router.layer(layer)
        }
    }
}

impl Inner {
    fn delivery_ack_timeout(&self) -> Duration {
        self.delivery.config().ack_timeout
    }
}
