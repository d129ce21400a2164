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

use crate::{
    app::AppState,
    domain::{Id, policy, room::RoomRole},
    http::health::Check,
    service::messages::Reacted,
    store::{DynStore, RoomRow},
    views::{MessageView, RoomView},
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
        let mut tasks = vec![self.inner.delivery.spawn_flusher()];
        tasks.extend(self.inner.presence.spawn_heartbeat());
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

    /// After Redis comes back: subscriptions, bans and sign-outs made while it was away reached
    /// only the instance that made them, so every local socket is checked against the database
    /// again; then clients are told to sync what crossed instances meanwhile.
    async fn recover_after_outage(&self) {
        let Some(fanout) = self.inner.fanout.get() else {
            return;
        };
        let sockets = fanout.local_users();
        let mut readable: HashMap<Id, Vec<String>> = HashMap::new();
        for (sid, user) in sockets {
            if !self.session_still_valid(&user).await {
                fanout
                    .emit(
                        vec![delivery::sid_channel(sid)],
                        Vec::new(),
                        events::SESSION_REVOKED,
                        &json!({"reason": "revoked"}),
                    )
                    .await;
                fanout.disconnect(delivery::sid_channel(sid)).await;
                continue;
            }
            let rooms = match readable.entry(user.user.id) {
                std::collections::hash_map::Entry::Occupied(known) => known.get().clone(),
                std::collections::hash_map::Entry::Vacant(slot) => {
                    match self.inner.store.readable_room_ids(&user.viewer()).await {
                        Ok(ids) => slot
                            .insert(ids.into_iter().map(room_channel).collect())
                            .clone(),
                        Err(err) => {
                            tracing::warn!(error = %err, "cannot re-check subscriptions after the redis outage");
                            continue;
                        }
                    }
                }
            };
            fanout.join_local(sid, rooms);
        }
        fanout.emit_local_all(events::SYNC_HINT, &json!({})).await;
        tracing::info!("redis is back: local subscriptions re-checked, clients told to sync");
    }

    async fn session_still_valid(&self, user: &connect::SocketUser) -> bool {
        let exists = self.inner.store.session_exists(user.session_id).await;
        let ban = self.inner.store.get_ban(user.user.id).await;
        match (exists, ban) {
            (Ok(exists), Ok(ban)) => {
                exists && !ban.is_some_and(|b| b.is_active(crate::store::now()))
            }
            // A database hiccup is not a reason to drop users.
            _ => true,
        }
    }

    /// Closes this instance's sockets (clients reconnect), saves delivery cursors and leaves
    /// the cluster's presence.
    pub async fn shutdown(&self) {
        if let Some(fanout) = self.inner.fanout.get() {
            fanout.close().await;
        }
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
                        tracing::warn!(
                            lagged = n,
                            "delivery bus lagged; clients will sync the gap"
                        );
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

    /// A room was created: its creator's sockets, and for public rooms every reader's, join it.
    pub async fn room_created(&self, room: &RoomRow, creator: Id) {
        let Some(fanout) = self.inner.fanout.get() else {
            return;
        };
        let channel = room_channel(room.id);
        fanout
            .join(user_channel(creator), vec![channel.clone()])
            .await;
        if room.kind == crate::domain::room::RoomKind::Public {
            for audience in audiences(room.department.as_deref()) {
                fanout.join(audience, vec![channel.clone()]).await;
            }
        }
        self.emit(
            vec![user_channel(creator)],
            events::MEMBER_ADDED,
            &json!({"roomId": room.id, "userId": creator, "role": RoomRole::Owner}),
        )
        .await;
    }

    /// A room's title, tags or department changed; a department change re-subscribes readers.
    pub async fn room_updated(&self, room: &RoomRow) {
        let data = serde_json::to_value(RoomView::plain(room)).unwrap_or_default();
        self.emit(vec![room_channel(room.id)], events::ROOM_UPDATED, &data)
            .await;
        self.resubscribe_room(room).await;
    }

    /// Re-derives who is subscribed to a room: everyone leaves, then the policy's readers join.
    async fn resubscribe_room(&self, room: &RoomRow) {
        let Some(fanout) = self.inner.fanout.get() else {
            return;
        };
        let channel = room_channel(room.id);
        fanout.leave(channel.clone(), vec![channel.clone()]).await;
        if room.kind == crate::domain::room::RoomKind::Public {
            for audience in audiences(room.department.as_deref()) {
                fanout.join(audience, vec![channel.clone()]).await;
            }
        }
        let mut after = None;
        loop {
            let page = match self.inner.store.list_members(room.id, after, 500).await {
                Ok(page) => page,
                Err(err) => {
                    tracing::error!(error = %err, room_id = %room.id, "cannot list members to re-subscribe");
                    return;
                }
            };
            for member in &page {
                fanout
                    .join(user_channel(member.user.id), vec![channel.clone()])
                    .await;
            }
            match page.last() {
                Some(last) if page.len() == 500 => after = Some((last.joined_at, last.user.id)),
                _ => break,
            }
        }
    }

    /// A ticket was opened: its team audience, requester and assignee subscribe to it, and the
    /// team hears of it.
    pub async fn ticket_opened(&self, ticket: &crate::store::TicketRow) {
        let Some(fanout) = self.inner.fanout.get() else {
            return;
        };
        let channel = room_channel(ticket.id);
        let mut selectors = audiences(ticket.department.as_deref());
        selectors.push(user_channel(ticket.requester_id));
        selectors.extend(ticket.assignee_id.map(user_channel));
        for selector in &selectors {
            fanout.join(selector.clone(), vec![channel.clone()]).await;
        }
        self.emit_ticket(ticket, &selectors).await;
    }

    /// A ticket changed: its readers and its department's team hear of it; a new department or
    /// assignee moves subscriptions.
    pub async fn ticket_changed(
        &self,
        before: Option<&crate::store::TicketRow>,
        after: &crate::store::TicketRow,
    ) {
        let mut selectors = audiences(after.department.as_deref());
        selectors.push(room_channel(after.id));
        if let Some(before) = before {
            if before.department != after.department
                && let Ok(Some(room)) = self.inner.store.get_room(after.id).await
            {
                self.resubscribe_room(&room).await;
                if let Some(fanout) = self.inner.fanout.get() {
                    fanout
                        .join(
                            user_channel(after.requester_id),
                            vec![room_channel(after.id)],
                        )
                        .await;
                }
            }
            if before.assignee_id != after.assignee_id
                && let Some(assignee) = after.assignee_id
            {
                self.member_added(after.id, assignee, RoomRole::Member)
                    .await;
            }
            selectors.extend(audiences(before.department.as_deref()));
        }
        selectors.sort();
        selectors.dedup();
        self.emit_ticket(after, &selectors).await;
    }

    async fn emit_ticket(&self, ticket: &crate::store::TicketRow, selectors: &[String]) {
        let data = serde_json::to_value(crate::views::TicketView::from(ticket)).unwrap_or_default();
        let mut rooms = selectors.to_vec();
        rooms.push(room_channel(ticket.id));
        self.emit(rooms, events::TICKET_UPDATED, &data).await;
    }

    /// A ticket's assistant insights were refreshed: its staff readers are told (never the
    /// customer's sockets).
    pub async fn ticket_insights(&self, ticket_id: Id, requester: Id) {
        if let Some(fanout) = self.inner.fanout.get() {
            let except = vec![user_channel(requester), format!("user:{requester}:link")];
            fanout
                .emit(
                    vec![room_channel(ticket_id)],
                    except,
                    events::TICKET_INSIGHTS,
                    &json!({"ticketId": ticket_id}),
                )
                .await;
        }
    }

    /// A room was deleted: readers are told, then unsubscribed.
    pub async fn room_deleted(&self, room_id: Id) {
        let channel = room_channel(room_id);
        self.emit(
            vec![channel.clone()],
            events::ROOM_DELETED,
            &json!({"roomId": room_id}),
        )
        .await;
        if let Some(fanout) = self.inner.fanout.get() {
            fanout.leave(channel.clone(), vec![channel]).await;
        }
    }

    /// Someone joined or was added: their sockets subscribe, the room hears of it.
    pub async fn member_added(&self, room_id: Id, user_id: Id, role: RoomRole) {
        if let Some(fanout) = self.inner.fanout.get() {
            fanout
                .join(user_channel(user_id), vec![room_channel(room_id)])
                .await;
        }
        let data = json!({"roomId": room_id, "userId": user_id, "role": role});
        self.emit(
            vec![room_channel(room_id), user_channel(user_id)],
            events::MEMBER_ADDED,
            &data,
        )
        .await;
    }

    /// Someone left or was removed: the room hears of it, and their sockets unsubscribe at once
    /// unless the policy still lets them read the room (public rooms of their department).
    pub async fn member_removed(&self, room_id: Id, user_id: Id) {
        let data = json!({"roomId": room_id, "userId": user_id});
        self.emit(
            vec![room_channel(room_id), user_channel(user_id)],
            events::MEMBER_REMOVED,
            &data,
        )
        .await;
        if !self.still_reads(room_id, user_id).await
            && let Some(fanout) = self.inner.fanout.get()
        {
            fanout
                .leave(user_channel(user_id), vec![room_channel(room_id)])
                .await;
        }
    }

    async fn still_reads(&self, room_id: Id, user_id: Id) -> bool {
        let (room, user) = tokio::join!(
            self.inner.store.room_for(room_id, user_id),
            self.inner.store.get_user(user_id)
        );
        match (room, user) {
            (Ok(Some(room)), Ok(Some(user))) => {
                let viewer = policy::Viewer::new(user.id, user.role, user.department);
                policy::can_read(&viewer, &room.facts())
            }
            // When in doubt, unsubscribe: the client can always resubscribe by reconnecting.
            _ => false,
        }
    }

    /// A user's role or department changed: their sockets are told and closed, and reconnect
    /// with subscriptions that match their new access.
    pub async fn access_changed(&self, user_id: Id) {
        self.emit(
            vec![user_channel(user_id)],
            events::ACCESS_CHANGED,
            &json!({"userId": user_id}),
        )
        .await;
        self.disconnect_after_notice(user_channel(user_id)).await;
    }

    /// All of a user's sessions were revoked (ban): `session:revoked`, then disconnect.
    pub async fn revoke_user(&self, user_id: Id, reason: &'static str) {
        self.emit(
            vec![user_channel(user_id)],
            events::SESSION_REVOKED,
            &json!({"reason": reason}),
        )
        .await;
        self.disconnect_after_notice(user_channel(user_id)).await;
    }

    /// One session ended (sign-out): its sockets are told and closed.
    pub async fn revoke_session(&self, session_id: Id, reason: &'static str) {
        let channel = format!("session:{session_id}");
        self.emit(
            vec![channel.clone()],
            events::SESSION_REVOKED,
            &json!({"reason": reason}),
        )
        .await;
        self.disconnect_after_notice(channel).await;
    }

    /// Gives the notice a moment to reach clients before their sockets close.
    async fn disconnect_after_notice(&self, selector: String) {
        let Some(fanout) = self.inner.fanout.get().cloned() else {
            return;
        };
        tokio::time::sleep(Duration::from_millis(100)).await;
        fanout.disconnect(selector).await;
    }

    /// Redis health, when Redis is configured.
    pub async fn redis_check(&self) -> Option<Check> {
        match &self.inner.redis {
            Some(redis) => Some(redis.check().await),
            None => None,
        }
    }
}

/// Who may read a public room of `department` besides its members (socket audiences).
fn audiences(department: Option<&str>) -> Vec<String> {
    match department {
        None => vec!["team".to_owned()],
        Some(d) => vec![format!("dept:{d}"), "admins".to_owned()],
    }
}

/// Builds the Socket.IO layer for `state` (with the Redis adapter when configured) and wraps
/// `router` in it.
pub fn mount(state: &AppState, router: axum::Router) -> axum::Router {
    let builder = socketioxide::SocketIo::builder()
        .with_state(state.clone())
        .ack_timeout(state.realtime.inner.delivery_ack_timeout())
        // Packets queued per socket: a full queue drops packets (acks, sync answers), so leave
        // room for bursts; tokio allocates the queue lazily, idle sockets pay nothing.
        .max_buffer_size(4096);
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
