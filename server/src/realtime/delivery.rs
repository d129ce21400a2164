//! Delivery of `message:new` to this instance's sockets, with acks tracked and retried.
//!
//! Every instance delivers to its own sockets: messages stored here are handed over directly,
//! messages stored elsewhere arrive over the Redis bus. One ordered dispatcher per active room
//! emits in seq order (holding a message back briefly when an earlier one is still on its way),
//! so clients do not see false gaps. Each socket's ack is awaited with a timeout; a missing ack
//! is retried to that socket with backoff up to a limit, then given up and counted (the client
//! still catches up through `sync`). Acks advance `last_delivered_seq` in batches.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use futures::StreamExt;
use serde_json::{Value, json};
use tokio::sync::mpsc;

use super::{
    channel::Channel,
    events,
    fanout::{Fanout, Sid},
};
use crate::{domain::Id, ops::telemetry::Telemetry, store::DynStore};

/// Rooms with more members than this get no delivery receipts (read receipts still flow).
pub const RECEIPT_ROOM_LIMIT: i64 = 50;

/// A message on its way to sockets.
#[derive(Debug)]
pub struct Outgoing {
    /// Room.
    pub room_id: Id,
    /// Its seq in the room.
    pub seq: i64,
    /// The `message:new` payload (the message view).
    pub payload: Value,
}

/// Delivery settings.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryConfig {
    /// How long a socket has to ack.
    pub ack_timeout: Duration,
    /// Retries per socket before giving up.
    pub max_retries: u32,
    /// How long a dispatcher holds a message back while an earlier seq is missing.
    pub hold_back: Duration,
    /// How long an idle room's dispatcher lives.
    pub idle: Duration,
}

/// Counters of the delivery pipeline (also exported as metrics).
#[derive(Debug, Default)]
pub struct DeliveryStats {
    /// Messages handed to a room dispatcher.
    pub dispatched: AtomicU64,
    /// Socket acks received.
    pub acked: AtomicU64,
    /// Re-sends to sockets that did not ack in time.
    pub retries: AtomicU64,
    /// Deliveries abandoned after the last retry.
    pub gave_up: AtomicU64,
    /// Deliveries dropped because the socket disconnected (the client syncs on reconnect).
    pub disconnected: AtomicU64,
}

/// The input of one room's dispatcher.
type RoomSender = mpsc::UnboundedSender<Arc<Outgoing>>;

/// The delivery engine of this instance.
#[derive(Clone)]
pub struct Delivery {
    inner: Arc<Inner>,
}

struct Inner {
    config: DeliveryConfig,
    fanout: Arc<dyn Fanout>,
    store: DynStore,
    telemetry: Telemetry,
    /// Active dispatchers: (generation, sender) per room.
    rooms: Mutex<HashMap<Id, (u64, RoomSender)>>,
    /// The next seq a room's dispatcher expects, kept when an idle dispatcher retires so its
    /// successor orders the room's next messages too (instead of taking whichever comes first).
    resume_at: Mutex<HashMap<Id, i64>>,
    /// Generation of the next dispatcher, so a retiring one removes only itself.
    generation: AtomicU64,
    /// Highest acked seq per (room, user) since the last flush.
    delivered: Mutex<HashMap<(Id, Id), i64>>,
    /// Member counts of rooms, cached briefly, to decide whether to announce deliveries.
    room_sizes: Mutex<HashMap<Id, (i64, Instant)>>,
    stats: DeliveryStats,
}

impl Delivery {
    /// A delivery engine emitting through `fanout` (set once the Socket.IO layer exists).
    pub fn new(
        config: DeliveryConfig,
        fanout: Arc<dyn Fanout>,
        store: DynStore,
        telemetry: Telemetry,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                fanout,
                store,
                telemetry,
                rooms: Mutex::new(HashMap::new()),
                resume_at: Mutex::new(HashMap::new()),
                generation: AtomicU64::new(0),
                delivered: Mutex::new(HashMap::new()),
                room_sizes: Mutex::new(HashMap::new()),
                stats: DeliveryStats::default(),
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> DeliveryConfig {
        self.inner.config
    }

    /// The counters.
    pub fn stats(&self) -> &DeliveryStats {
        &self.inner.stats
    }

    /// Hands a message to its room's dispatcher (started on demand).
    pub fn enqueue(&self, message: Outgoing) {
        self.inner.stats.dispatched.fetch_add(1, Ordering::Relaxed);
        let message = Arc::new(message);
        let mut rooms = self.inner.rooms.lock().unwrap_or_else(|e| e.into_inner());
        // Sending under the lock: a dispatcher that retires removes itself under the same lock,
        // so nothing is sent to a channel nobody reads.
        let alive = rooms
            .get(&message.room_id)
            .is_some_and(|(_, tx)| tx.send(Arc::clone(&message)).is_ok());
        if !alive {
            let generation = self.inner.generation.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run_room(
                Arc::clone(&self.inner),
                message.room_id,
                generation,
                rx,
            ));
            let _queued = tx.send(message.clone());
            rooms.insert(message.room_id, (generation, tx));
        }
    }

    /// Writes the batched delivery cursors and tells small rooms about them. Call periodically
    /// and once at shutdown.
    ///
    /// Delivery receipts cost one event per member to every member, so they are announced only
    /// in rooms of up to [`RECEIPT_ROOM_LIMIT`] members (DMs and small groups, where ticks
    /// matter); the cursors are stored for every room.
    pub async fn flush_delivered(&self) {
        let mut batch: Vec<(Id, Id, i64)> = {
            let mut delivered = self
                .inner
                .delivered
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            delivered
                .drain()
                .map(|((room, user), seq)| (room, user, seq))
                .collect()
        };
        if batch.is_empty() {
            return;
        }
        // One lock order for every writer, so concurrent batches cannot deadlock.
        batch.sort_unstable_by_key(|(room, user, _)| (*room, *user));
        if let Err(err) = self.inner.store.mark_delivered(&batch).await {
            tracing::warn!(error = %err, cursors = batch.len(), "saving delivery cursors failed; retrying later");
            let mut delivered = self
                .inner
                .delivered
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            for (room, user, seq) in batch {
                let entry = delivered.entry((room, user)).or_insert(seq);
                *entry = (*entry).max(seq);
            }
            return;
        }
        let fanout = &self.inner.fanout;
        for (room, user, seq) in batch {
            if !self.is_small_room(room).await {
                continue;
            }
            let receipt = json!({"roomId": room, "userId": user, "seq": seq, "kind": "delivered"});
            fanout
                .emit(
                    vec![Channel::Room(room)],
                    Vec::new(),
                    events::RECEIPT,
                    &receipt,
                )
                .await;
        }
    }

    async fn is_small_room(&self, room: Id) -> bool {
        let cached = {
            let sizes = self
                .inner
                .room_sizes
                .lock()
                .unwrap_or_else(|e| e.into_inner());
            sizes
                .get(&room)
                .filter(|(_, at)| at.elapsed() < Duration::from_secs(60))
                .map(|(n, _)| *n)
        };
        let members = match cached {
            Some(members) => members,
            None => {
                let Ok((members, _)) = self.inner.store.count_members(room).await else {
                    return false;
                };
                let mut sizes = self
                    .inner
                    .room_sizes
                    .lock()
                    .unwrap_or_else(|e| e.into_inner());
                if sizes.len() > 10_000 {
                    sizes.clear();
                }
                sizes.insert(room, (members, Instant::now()));
                members
            }
        };
        members <= RECEIPT_ROOM_LIMIT
    }

    /// Flushes delivery cursors every second until the task is aborted.
    pub fn spawn_flusher(&self) -> tokio::task::JoinHandle<()> {
        let delivery = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(1));
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                delivery.flush_delivered().await;
            }
        })
    }
}

/// One room's dispatcher: emits in seq order, holding back briefly over gaps.
async fn run_room(
    inner: Arc<Inner>,
    room_id: Id,
    generation: u64,
    mut rx: mpsc::UnboundedReceiver<Arc<Outgoing>>,
) {
    let next = inner
        .resume_at
        .lock()
        .unwrap_or_else(|e| e.into_inner())
        .remove(&room_id);
    let mut order = RoomOrder {
        next,
        held: BTreeMap::new(),
        gap_deadline: None,
    };
    loop {
        let wake = order
            .gap_deadline
            .unwrap_or_else(|| tokio::time::Instant::now() + inner.config.idle);
        tokio::select! {
            received = rx.recv() => {
                let Some(message) = received else { return };
                order.accept(&inner, message).await;
            }
            () = tokio::time::sleep_until(wake) => {
                if order.gap_deadline.is_some() {
                    order.skip_gap(&inner).await;
                    continue;
                }
                match try_retire(&inner, room_id, generation, order.next, &mut rx) {
                    Some(message) => order.accept(&inner, message).await,
                    None => return,
                }
            }
        }
    }
}

/// Where one room's dispatcher is in the room's seq order.
struct RoomOrder {
    /// The seq to emit next (`None` until the first message of a room new to this instance).
    next: Option<i64>,
    /// Messages that arrived ahead of `next`.
    held: BTreeMap<i64, Arc<Outgoing>>,
    /// When to stop waiting for `next` and send what is held.
    gap_deadline: Option<tokio::time::Instant>,
}

impl RoomOrder {
    /// Emits `message` if it is next (then whatever it unblocks), holds it if it is early.
    async fn accept(&mut self, inner: &Arc<Inner>, message: Arc<Outgoing>) {
        match self.next {
            Some(expected) if message.seq > expected => {
                self.held.insert(message.seq, message);
                self.gap_deadline
                    .get_or_insert_with(|| tokio::time::Instant::now() + inner.config.hold_back);
                return;
            }
            // A late arrival after its gap was skipped, or a duplicate: clients dedupe.
            Some(expected) if message.seq < expected => emit(inner, message).await,
            _ => {
                self.next = Some(message.seq + 1);
                emit(inner, message).await;
            }
        }
        while let Some(entry) = self.next.and_then(|n| self.held.remove(&n)) {
            self.next = Some(entry.seq + 1);
            emit(inner, entry).await;
        }
        if self.held.is_empty() {
            self.gap_deadline = None;
        }
    }

    /// The missing seq never came (stored elsewhere while Redis was down, say): sends what is
    /// held; clients see the gap and sync.
    async fn skip_gap(&mut self, inner: &Arc<Inner>) {
        for (seq, message) in std::mem::take(&mut self.held) {
            self.next = Some(seq + 1);
            emit(inner, message).await;
        }
        self.gap_deadline = None;
    }
}

/// Retires an idle dispatcher, leaving where it got to for its successor, unless a message
/// arrived meanwhile (returned, and the dispatcher goes on). Senders hand messages over under
/// the `rooms` lock, so once the dispatcher is out of the map under that lock nothing else can
/// reach it.
fn try_retire(
    inner: &Inner,
    room_id: Id,
    generation: u64,
    next: Option<i64>,
    rx: &mut mpsc::UnboundedReceiver<Arc<Outgoing>>,
) -> Option<Arc<Outgoing>> {
    let mut rooms = inner.rooms.lock().unwrap_or_else(|e| e.into_inner());
    if let Ok(message) = rx.try_recv() {
        return Some(message);
    }
    if rooms.get(&room_id).is_some_and(|(g, _)| *g == generation) {
        rooms.remove(&room_id);
    }
    if let Some(next) = next {
        let mut resume_at = inner.resume_at.lock().unwrap_or_else(|e| e.into_inner());
        // A room's cursor costs a few bytes; the bound only guards against a runaway.
        if resume_at.len() >= RESUME_LIMIT {
            resume_at.clear();
        }
        resume_at.insert(room_id, next);
    }
    None
}

/// Rooms whose next seq is remembered after their dispatcher retired.
const RESUME_LIMIT: usize = 1_000_000;

/// Emits one message to the room's local sockets; acks are tracked in the background so the
/// dispatcher can go on with the next seq.
async fn emit(inner: &Arc<Inner>, message: Arc<Outgoing>) {
    let fanout = Arc::clone(&inner.fanout);
    let started = Instant::now();
    let outcomes = fanout
        .emit_local_with_ack(
            Channel::Room(message.room_id),
            events::MESSAGE_NEW,
            &message.payload,
            inner.config.ack_timeout,
        )
        .await;
    let inner = Arc::clone(inner);
    tokio::spawn(async move {
        let mut outcomes = outcomes;
        while let Some(outcome) = outcomes.next().await {
            if outcome.overflow {
                fanout.shed(outcome.sid);
            } else if outcome.acked {
                record_ack(
                    &inner,
                    fanout.as_ref(),
                    outcome.sid,
                    &message,
                    outcome.at - started,
                );
            } else {
                tokio::spawn(retry(
                    Arc::clone(&inner),
                    Arc::clone(&fanout),
                    outcome.sid,
                    Arc::clone(&message),
                ));
            }
        }
    });
}

fn record_ack(inner: &Inner, fanout: &dyn Fanout, sid: Sid, message: &Outgoing, latency: Duration) {
    inner.stats.acked.fetch_add(1, Ordering::Relaxed);
    metrics::histogram!("switchboard_delivery_ack_seconds").record(latency.as_secs_f64());
    inner.telemetry.record_rtt(latency.as_secs_f64() * 1000.0);
    let Some(user_id) = fanout.socket_user_id(sid) else {
        return;
    };
    let mut delivered = inner.delivered.lock().unwrap_or_else(|e| e.into_inner());
    let entry = delivered
        .entry((message.room_id, user_id))
        .or_insert(message.seq);
    *entry = (*entry).max(message.seq);
}

/// Re-sends to one socket with exponential backoff until it acks, leaves, or we give up.
async fn retry(inner: Arc<Inner>, fanout: Arc<dyn Fanout>, sid: Sid, message: Arc<Outgoing>) {
    for attempt in 0..inner.config.max_retries {
        tokio::time::sleep(backoff(inner.config.ack_timeout, attempt)).await;
        if !fanout.is_connected(sid) {
            inner.stats.disconnected.fetch_add(1, Ordering::Relaxed);
            return;
        }
        inner.stats.retries.fetch_add(1, Ordering::Relaxed);
        metrics::counter!("switchboard_delivery_retries_total").increment(1);
        let started = Instant::now();
        let mut outcome = fanout
            .emit_local_with_ack(
                Channel::Socket(sid),
                events::MESSAGE_NEW,
                &message.payload,
                inner.config.ack_timeout,
            )
            .await;
        if let Some(result) = outcome.next().await {
            if result.acked {
                record_ack(&inner, fanout.as_ref(), sid, &message, result.at - started);
                return;
            }
            if result.overflow {
                fanout.shed(sid);
                inner.stats.disconnected.fetch_add(1, Ordering::Relaxed);
                return;
            }
        }
    }
    inner.stats.gave_up.fetch_add(1, Ordering::Relaxed);
    inner.telemetry.record_delivery_failure();
    metrics::counter!("switchboard_delivery_failures_total").increment(1);
    tracing::warn!(%sid, room_id = %message.room_id, seq = message.seq, "delivery given up after retries");
}

/// 1/4 of the ack timeout, doubling per attempt, at most 10 s.
fn backoff(ack_timeout: Duration, attempt: u32) -> Duration {
    (ack_timeout / 4 * 2u32.saturating_pow(attempt)).min(Duration::from_secs(10))
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::realtime::{fanout::AckOutcome, session::SocketUser};
    use futures::stream::BoxStream;

    /// Records the seqs of `message:new` in the order they leave; no sockets answer.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<i64>>);

    #[async_trait::async_trait]
    impl Fanout for Recorder {
        async fn emit(&self, _: Vec<Channel>, _: Vec<Channel>, _: &'static str, _: &Value) {}
        async fn emit_local_with_ack(
            &self,
            _room: Channel,
            _event: &'static str,
            data: &Value,
            _timeout: Duration,
        ) -> BoxStream<'static, AckOutcome> {
            let seq = data["seq"].as_i64().unwrap_or(-1);
            self.0.lock().unwrap_or_else(|e| e.into_inner()).push(seq);
            futures::stream::empty().boxed()
        }
        async fn join(&self, _: Channel, _: Vec<Channel>) {}
        async fn leave_except(&self, _: Channel, _: Vec<Channel>, _: Vec<Channel>) {}
        async fn disconnect(&self, _: Channel) {}
        fn socket_user_id(&self, _: Sid) -> Option<Id> {
            None
        }
        fn is_connected(&self, _: Sid) -> bool {
            false
        }
        fn local_socket_count(&self) -> usize {
            0
        }
        fn local_users(&self) -> Vec<(Sid, SocketUser)> {
            Vec::new()
        }
        fn join_local(&self, _: Sid, _: Vec<Channel>) {}
        fn leave_local(&self, _: Sid, _: Vec<Channel>) {}
        fn local_rooms(&self, _: Sid) -> Vec<String> {
            Vec::new()
        }
        fn update_user(&self, _: Sid, _: SocketUser) {}
        fn shed(&self, _: Sid) {}
        async fn emit_local_all(&self, _: &'static str, _: &Value) {}
        async fn close(&self) {}
    }

    fn outgoing(room_id: Id, seq: i64) -> Outgoing {
        Outgoing {
            room_id,
            seq,
            payload: json!({"roomId": room_id, "seq": seq}),
        }
    }

    #[tokio::test]
    async fn a_room_stays_in_order_after_its_dispatcher_retires() -> anyhow::Result<()> {
        let path = std::env::temp_dir().join(format!("sb-delivery-{}.db", Id::new()));
        let url = format!("sqlite://{}", path.display());
        let store: DynStore = Arc::new(
            crate::store::sqlite::SqliteStore::connect(&url, 2, Duration::from_secs(1))
                .await
                .map_err(|e| anyhow::anyhow!("{e:?}"))?,
        );
        let recorder = Arc::new(Recorder::default());
        let fanout: Arc<dyn Fanout> = recorder.clone();
        let config = DeliveryConfig {
            ack_timeout: Duration::from_secs(1),
            max_retries: 0,
            hold_back: Duration::from_millis(300),
            idle: Duration::from_millis(50),
        };
        let delivery = Delivery::new(config, fanout, store, Telemetry::new("test"));
        let room = Id::new();
        delivery.enqueue(outgoing(room, 1));
        // Long enough for the dispatcher to go idle and retire.
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Two concurrent senders: seq 3's fan-out overtakes seq 2's.
        delivery.enqueue(outgoing(room, 3));
        tokio::time::sleep(Duration::from_millis(20)).await;
        delivery.enqueue(outgoing(room, 2));
        tokio::time::sleep(Duration::from_millis(100)).await;
        let order = recorder.0.lock().unwrap_or_else(|e| e.into_inner()).clone();
        let _removed = std::fs::remove_file(&path);
        assert_eq!(order, vec![1, 2, 3]);
        Ok(())
    }

    #[test]
    fn backoff_grows_and_is_capped() {
        let t = Duration::from_secs(2);
        assert_eq!(backoff(t, 0), Duration::from_millis(500));
        assert_eq!(backoff(t, 1), Duration::from_secs(1));
        assert_eq!(backoff(t, 10), Duration::from_secs(10));
    }
}
