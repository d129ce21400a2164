//! Delivery of `message:new` to this instance's sockets, in order, acknowledged and retried.
//!
//! Every instance delivers to its own sockets: messages stored here are handed over directly,
//! messages stored elsewhere arrive over the Redis bus. One ordered dispatcher per active room
//! emits in seq order (holding a message back briefly when an earlier one is still on its way),
//! so clients do not see false gaps. A message is encoded once, when it is stored (or read off
//! the bus), and broadcast as one packet to the room's members and watchers. Clients
//! acknowledge cumulatively (see [`super::acks`]); a sweep finds the sockets that are overdue
//! and sends them everything after their acknowledged seq again, then gives up with a
//! `sync:hint`. Acks advance `last_delivered_seq` in batches.

use std::{
    collections::{BTreeMap, HashMap},
    sync::{
        Arc, Mutex,
        atomic::{AtomicU64, Ordering},
    },
    time::{Duration, Instant},
};

use serde_json::{json, value::RawValue};
use tokio::sync::mpsc;

use super::{
    acks::{Ledger, Overdue, RetryPolicy},
    channel::Channel,
    events,
    fanout::{Fanout, Sid},
};
use crate::{
    domain::Id,
    service::{Ctx, sync},
};

/// Rooms with more members than this get no delivery receipts (read receipts still flow).
/// Every member's receipt goes to every member, so their cost grows with the square of the
/// room: in a busy room of 50 they were 2,500 events a second (a sixth of the benchmark's
/// deliveries at its peak), for ticks that matter in DMs and small groups.
pub const RECEIPT_ROOM_LIMIT: i64 = 10;
/// Messages one re-send carries at most; a socket further behind is told to sync.
pub const RESEND_LIMIT: i64 = 100;

/// A message on its way to sockets.
#[derive(Debug)]
pub struct Outgoing {
    /// Room.
    pub room_id: Id,
    /// Its seq in the room.
    pub seq: i64,
    /// The `message:new` payload (the message view), encoded once.
    pub payload: Box<RawValue>,
}

/// Delivery settings.
#[derive(Clone, Copy, Debug)]
pub struct DeliveryConfig {
    /// How long a socket has to acknowledge.
    pub ack_timeout: Duration,
    /// Re-sends per socket and room before giving up.
    pub max_retries: u32,
    /// How long a dispatcher holds a message back while an earlier seq is missing.
    pub hold_back: Duration,
    /// How long an idle room's dispatcher lives.
    pub idle: Duration,
}

impl DeliveryConfig {
    fn retry(&self) -> RetryPolicy {
        RetryPolicy {
            ack_timeout: self.ack_timeout,
            max_retries: self.max_retries,
        }
    }

    /// How often overdue sockets are looked for: a quarter of the ack timeout, within
    /// 50 ms..1 s.
    fn sweep_every(&self) -> Duration {
        (self.ack_timeout / 4).clamp(Duration::from_millis(50), Duration::from_secs(1))
    }
}

/// A message handed to a room's dispatcher, and when.
#[derive(Clone)]
struct Queued {
    message: Arc<Outgoing>,
    at: Instant,
}

/// The input of one room's dispatcher.
type RoomSender = mpsc::UnboundedSender<Queued>;

/// The delivery engine of this instance.
#[derive(Clone)]
pub struct Delivery {
    inner: Arc<Inner>,
}

struct Inner {
    config: DeliveryConfig,
    fanout: Arc<dyn Fanout>,
    ctx: Ctx,
    ledger: Arc<Ledger>,
    /// Active dispatchers: (generation, sender) per room.
    rooms: Mutex<HashMap<Id, (u64, RoomSender)>>,
    /// The next seq a room's dispatcher expects, kept when an idle dispatcher retires so its
    /// successor orders the room's next messages too (instead of taking whichever comes first).
    resume_at: Mutex<HashMap<Id, i64>>,
    /// Generation of the next dispatcher, so a retiring one removes only itself.
    generation: AtomicU64,
    /// Member counts of rooms, cached briefly, to decide whether to announce deliveries.
    room_sizes: Mutex<HashMap<Id, (i64, Instant)>>,
}

impl Delivery {
    /// A delivery engine emitting through `fanout`, recording in `ledger` (which the socket
    /// handlers feed with acks), re-sending with the use cases of `ctx`.
    pub fn new(
        config: DeliveryConfig,
        fanout: Arc<dyn Fanout>,
        ctx: Ctx,
        ledger: Arc<Ledger>,
    ) -> Self {
        Self {
            inner: Arc::new(Inner {
                config,
                fanout,
                ctx,
                ledger,
                rooms: Mutex::new(HashMap::new()),
                resume_at: Mutex::new(HashMap::new()),
                generation: AtomicU64::new(0),
                room_sizes: Mutex::new(HashMap::new()),
            }),
        }
    }

    /// The settings.
    pub fn config(&self) -> DeliveryConfig {
        self.inner.config
    }

    /// The counters.
    pub fn stats(&self) -> &super::acks::DeliveryStats {
        self.inner.ledger.stats()
    }

    /// Hands a message to its room's dispatcher (started on demand).
    pub fn enqueue(&self, message: Outgoing) {
        self.inner
            .ledger
            .stats()
            .dispatched
            .fetch_add(1, Ordering::Relaxed);
        let room_id = message.room_id;
        let message = Queued {
            message: Arc::new(message),
            at: Instant::now(),
        };
        let mut rooms = self.inner.rooms.lock().unwrap_or_else(|e| e.into_inner());
        // Sending under the lock: a dispatcher that retires removes itself under the same lock,
        // so nothing is sent to a channel nobody reads.
        let alive = rooms
            .get(&room_id)
            .is_some_and(|(_, tx)| tx.send(message.clone()).is_ok());
        if !alive {
            let generation = self.inner.generation.fetch_add(1, Ordering::Relaxed);
            let (tx, rx) = mpsc::unbounded_channel();
            tokio::spawn(run_room(Arc::clone(&self.inner), room_id, generation, rx));
            let _queued = tx.send(message);
            rooms.insert(room_id, (generation, tx));
        }
    }

    /// Writes the batched delivery cursors and tells small rooms about them. Call periodically
    /// and once at shutdown.
    ///
    /// Delivery receipts cost one event per member to every member, so they are announced only
    /// in rooms of up to [`RECEIPT_ROOM_LIMIT`] members (DMs and small groups, where ticks
    /// matter); the cursors are stored for every room.
    pub async fn flush_delivered(&self) {
        let mut batch = self.inner.ledger.take_delivered();
        if batch.is_empty() {
            return;
        }
        // One lock order for every writer, so concurrent batches cannot deadlock.
        batch.sort_unstable_by_key(|(room, user, _)| (*room, *user));
        if let Err(err) = self.inner.ctx.store.mark_delivered(&batch).await {
            tracing::warn!(error = %err, cursors = batch.len(), "saving delivery cursors failed; retrying later");
            self.inner.ledger.restore_delivered(batch);
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
                    Channel::followers(room),
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
                let Ok((members, _)) = self.inner.ctx.store.count_members(room).await else {
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

    /// Looks for overdue sockets a few times per ack timeout until the task is aborted.
    pub fn spawn_sweeper(&self) -> tokio::task::JoinHandle<()> {
        let delivery = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(delivery.inner.config.sweep_every());
            tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
            loop {
                tick.tick().await;
                delivery.sweep();
            }
        })
    }

    /// One pass over the sockets of the rooms that emitted lately: each overdue one gets its
    /// missing messages again, or is told to sync once its retries are spent.
    fn sweep(&self) {
        let inner = &self.inner;
        let policy = inner.config.retry();
        let now = Instant::now();
        for room in inner
            .ledger
            .active_rooms(policy.horizon(inner.config.sweep_every()))
        {
            for (sid, acks) in inner.fanout.local_sockets_in(Channel::followers(room)) {
                match inner.ledger.check(&acks, room, policy, now) {
                    None => {}
                    Some(Overdue::Resend { after, attempt }) => {
                        metrics::counter!("switchboard_delivery_retries_total").increment(1);
                        tokio::spawn(resend(Arc::clone(inner), sid, room, after, attempt));
                    }
                    Some(Overdue::GiveUp { messages }) => {
                        metrics::counter!("switchboard_delivery_failures_total")
                            .increment(messages);
                        // The client is told to sync the room.
                        tracing::warn!(%sid, room_id = %room, messages, "delivery given up after retries");
                        let hint = json!({"roomId": room});
                        if inner
                            .fanout
                            .emit_to_socket(sid, events::SYNC_HINT, &hint)
                            .is_err()
                        {
                            inner.fanout.shed(sid);
                        }
                    }
                }
            }
        }
    }
}

/// Sends one socket everything after `after` in `room` again (as its user may read it now), at
/// most [`RESEND_LIMIT`] messages; past that, or if the room is no longer readable, a
/// `sync:hint` for the room.
async fn resend(inner: Arc<Inner>, sid: Sid, room: Id, after: i64, attempt: u32) {
    let Some(user) = inner.fanout.socket_user(sid) else {
        return;
    };
    let actor = user.actor(Id::new().to_string());
    let cursor = sync::Cursor {
        room_id: room,
        seq: after,
    };
    let caught_up = match sync::catch_up(&inner.ctx, &actor, cursor, RESEND_LIMIT).await {
        Ok(answer) => answer,
        Err(err) => {
            tracing::warn!(error = %err, %sid, room_id = %room, "re-send failed; trying again later");
            return;
        }
    };
    tracing::debug!(%sid, room_id = %room, after, attempt, messages = caught_up.messages.len(), "re-sending unacknowledged messages");
    // A client that takes batches gets the lot as one packet.
    let batched = caught_up.messages.len() > 1
        && inner
            .fanout
            .socket_acks(sid)
            .is_some_and(|acks| acks.takes_batches());
    let packets: Vec<(&'static str, serde_json::Value)> = if batched {
        let batch = json!({"roomId": room, "messages": caught_up.messages});
        vec![(events::MESSAGE_BATCH, batch)]
    } else {
        caught_up
            .messages
            .iter()
            .map(|m| {
                (
                    events::MESSAGE_NEW,
                    serde_json::to_value(m).unwrap_or_default(),
                )
            })
            .collect()
    };
    for (event, payload) in &packets {
        if inner.fanout.emit_to_socket(sid, event, payload).is_err() {
            // The client does not read: waiting for it would hold its queue full.
            inner.fanout.shed(sid);
            return;
        }
    }
    if !caught_up.complete || caught_up.error.is_some() {
        let hint = json!({"roomId": room});
        if inner
            .fanout
            .emit_to_socket(sid, events::SYNC_HINT, &hint)
            .is_err()
        {
            inner.fanout.shed(sid);
        }
    }
}

/// One room's dispatcher: emits in seq order, holding back briefly over gaps.
async fn run_room(
    inner: Arc<Inner>,
    room_id: Id,
    generation: u64,
    mut rx: mpsc::UnboundedReceiver<Queued>,
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
        let mut ready = Vec::new();
        tokio::select! {
            received = rx.recv() => {
                let Some(message) = received else { return };
                order.accept(&inner, message, &mut ready);
            }
            () = tokio::time::sleep_until(wake) => {
                if order.gap_deadline.is_some() {
                    order.skip_gap(&mut ready);
                } else {
                    match try_retire(&inner, room_id, generation, order.next, &mut rx) {
                        Some(message) => order.accept(&inner, message, &mut ready),
                        None => return,
                    }
                }
            }
        }
        // Whatever else is already waiting goes out with it: in a busy room, a client that
        // takes batches gets one packet instead of several. Nothing waits for company.
        while ready.len() < BATCH_LIMIT
            && let Ok(message) = rx.try_recv()
        {
            order.accept(&inner, message, &mut ready);
        }
        emit_ready(&inner, room_id, ready).await;
    }
}

/// Where one room's dispatcher is in the room's seq order.
struct RoomOrder {
    /// The seq to emit next (`None` until the first message of a room new to this instance).
    next: Option<i64>,
    /// Messages that arrived ahead of `next`.
    held: BTreeMap<i64, Queued>,
    /// When to stop waiting for `next` and send what is held.
    gap_deadline: Option<tokio::time::Instant>,
}

impl RoomOrder {
    /// Makes `message` ready if it is next (then whatever it unblocks), holds it if it is
    /// early.
    fn accept(&mut self, inner: &Inner, queued: Queued, ready: &mut Vec<Queued>) {
        let seq = queued.message.seq;
        match self.next {
            Some(expected) if seq > expected => {
                self.held.insert(seq, queued);
                self.gap_deadline
                    .get_or_insert_with(|| tokio::time::Instant::now() + inner.config.hold_back);
                return;
            }
            // A late arrival after its gap was skipped, or a duplicate: clients dedupe.
            Some(expected) if seq < expected => ready.push(queued),
            _ => {
                self.next = Some(seq + 1);
                ready.push(queued);
            }
        }
        while let Some(entry) = self.next.and_then(|n| self.held.remove(&n)) {
            self.next = Some(entry.message.seq + 1);
            ready.push(entry);
        }
        if self.held.is_empty() {
            self.gap_deadline = None;
        }
    }

    /// The missing seq never came (stored elsewhere while Redis was down, say): makes what is
    /// held ready; clients see the gap and sync.
    fn skip_gap(&mut self, ready: &mut Vec<Queued>) {
        for (seq, message) in std::mem::take(&mut self.held) {
            self.next = Some(seq + 1);
            ready.push(message);
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
    rx: &mut mpsc::UnboundedReceiver<Queued>,
) -> Option<Queued> {
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

/// Messages of a room sent as one `message:batch` at most.
const BATCH_LIMIT: usize = 64;

/// Emits the room's ready messages to its members and watchers on this instance: one at a
/// time as `message:new`, or several together (see [`Fanout::emit_local_batch`]). Each packet
/// is encoded once for every socket; acks come back cumulatively through the ledger.
async fn emit_ready(inner: &Arc<Inner>, room_id: Id, ready: Vec<Queued>) {
    for chunk in ready.chunks(BATCH_LIMIT) {
        for queued in chunk {
            metrics::histogram!("switchboard_delivery_dispatch_seconds")
                .record(queued.at.elapsed().as_secs_f64());
            inner.ledger.emitted(room_id, queued.message.seq);
        }
        metrics::histogram!("switchboard_delivery_packet_messages").record(chunk.len() as f64);
        let batch = (chunk.len() > 1)
            .then(|| batch_payload(room_id, chunk))
            .flatten();
        match batch {
            // Every socket here takes batches: one broadcast, like a `message:new`.
            Some(batch) if inner.ledger.all_take_batches() => {
                inner
                    .fanout
                    .emit_local_raw(Channel::followers(room_id), events::MESSAGE_BATCH, &batch)
                    .await;
            }
            Some(batch) => {
                let messages: Vec<&RawValue> = chunk.iter().map(|q| &*q.message.payload).collect();
                inner
                    .fanout
                    .emit_local_batch(Channel::followers(room_id), &messages, &batch)
                    .await;
            }
            None => {
                for queued in chunk {
                    inner
                        .fanout
                        .emit_local_raw(
                            Channel::followers(room_id),
                            events::MESSAGE_NEW,
                            &queued.message.payload,
                        )
                        .await;
                }
            }
        }
    }
}

/// `{"roomId": .., "messages": [..]}` from payloads already encoded.
fn batch_payload(room_id: Id, messages: &[Queued]) -> Option<Box<RawValue>> {
    let size: usize = messages
        .iter()
        .map(|q| q.message.payload.get().len() + 1)
        .sum();
    let mut json = String::with_capacity(size + 64);
    json.push_str("{\"roomId\":\"");
    json.push_str(&room_id.to_string());
    json.push_str("\",\"messages\":[");
    for (i, queued) in messages.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(queued.message.payload.get());
    }
    json.push_str("]}");
    RawValue::from_string(json)
        .inspect_err(|err| tracing::error!(error = %err, "message batch is not JSON"))
        .ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{
        ops::telemetry::Telemetry,
        realtime::{acks::SocketAcks, fanout::NotQueued, session::SocketUser},
        service::testing::TestCtx,
    };
    use serde_json::Value;

    /// Records the seqs of each packet in the order they leave (one seq for a `message:new`,
    /// several for a `message:batch`); there are no sockets.
    #[derive(Default)]
    struct Recorder(Mutex<Vec<Vec<i64>>>, AtomicU64);

    impl Recorder {
        fn packets(&self) -> Vec<Vec<i64>> {
            self.0.lock().unwrap_or_else(|e| e.into_inner()).clone()
        }

        fn seqs(&self) -> Vec<i64> {
            self.packets().concat()
        }
    }

    /// The seqs of a `message:batch` payload, in order.
    fn batch_seqs(batch: &Value) -> Vec<i64> {
        batch["messages"]
            .as_array()
            .into_iter()
            .flatten()
            .map(|m| m["seq"].as_i64().unwrap_or(-1))
            .collect()
    }

    #[async_trait::async_trait]
    impl Fanout for Recorder {
        async fn emit(&self, _: Vec<Channel>, _: Vec<Channel>, _: &'static str, _: &Value) {}
        async fn emit_local_raw(&self, _: Vec<Channel>, event: &'static str, data: &RawValue) {
            let data: Value = serde_json::from_str(data.get()).unwrap_or_default();
            let seqs = match event {
                events::MESSAGE_BATCH => batch_seqs(&data),
                _ => vec![data["seq"].as_i64().unwrap_or(-1)],
            };
            self.0.lock().unwrap_or_else(|e| e.into_inner()).push(seqs);
        }
        async fn emit_local_batch(
            &self,
            _: Vec<Channel>,
            messages: &[&RawValue],
            batch: &RawValue,
        ) {
            let batch: Value = serde_json::from_str(batch.get()).unwrap_or_default();
            let seqs = batch_seqs(&batch);
            // The batch carries exactly the messages the others get one by one.
            let singles: Vec<i64> = messages
                .iter()
                .map(|m| {
                    serde_json::from_str::<Value>(m.get()).unwrap_or_default()["seq"]
                        .as_i64()
                        .unwrap_or(-2)
                })
                .collect();
            assert_eq!(seqs, singles);
            self.1.fetch_add(1, Ordering::Relaxed);
            self.0.lock().unwrap_or_else(|e| e.into_inner()).push(seqs);
        }
        fn emit_to_socket(&self, _: Sid, _: &'static str, _: &Value) -> Result<(), NotQueued> {
            Err(NotQueued)
        }
        fn local_sockets_in(&self, _: Vec<Channel>) -> Vec<(Sid, Arc<SocketAcks>)> {
            Vec::new()
        }
        fn socket_user(&self, _: Sid) -> Option<SocketUser> {
            None
        }
        fn socket_acks(&self, _: Sid) -> Option<Arc<SocketAcks>> {
            None
        }
        async fn join(&self, _: Channel, _: Vec<Channel>) {}
        async fn leave_except(&self, _: Channel, _: Vec<Channel>, _: Vec<Channel>) {}
        async fn disconnect(&self, _: Channel) {}
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

    #[test]
    fn a_quiet_room_is_remembered_until_the_last_check_even_when_every_sweep_is_late() {
        for (ack_ms, max_retries) in [(50, 1), (5_000, 3), (200, 6)] {
            let config = DeliveryConfig {
                ack_timeout: Duration::from_millis(ack_ms),
                max_retries,
                hold_back: Duration::from_millis(250),
                idle: Duration::from_secs(60),
            };
            let policy = config.retry();
            // The first check, every retry and the give-up, each a whole period late.
            let mut last_check = policy.ack_timeout + config.sweep_every();
            for attempt in 1..=max_retries {
                last_check += policy.wait_after(attempt) + config.sweep_every();
            }
            assert!(
                policy.horizon(config.sweep_every()) > last_check,
                "ack {ack_ms} ms, {max_retries} retries: {:?} <= {last_check:?}",
                policy.horizon(config.sweep_every())
            );
        }
    }

    fn outgoing(room_id: Id, seq: i64) -> Outgoing {
        Outgoing {
            room_id,
            seq,
            payload: serde_json::value::to_raw_value(&json!({"roomId": room_id, "seq": seq}))
                .unwrap_or_default(),
        }
    }

    /// A delivery engine whose dispatchers retire after `idle`, recording what it emits.
    async fn recorded(idle: Duration) -> anyhow::Result<(TestCtx, Delivery, Arc<Recorder>)> {
        let test = TestCtx::new().await?;
        let recorder = Arc::new(Recorder::default());
        let fanout: Arc<dyn Fanout> = recorder.clone();
        let config = DeliveryConfig {
            ack_timeout: Duration::from_secs(1),
            max_retries: 0,
            hold_back: Duration::from_millis(300),
            idle,
        };
        let ledger = Arc::new(Ledger::new(Telemetry::new("test")));
        let delivery = Delivery::new(config, fanout, test.ctx.clone(), ledger);
        Ok((test, delivery, recorder))
    }

    #[tokio::test]
    async fn a_room_stays_in_order_after_its_dispatcher_retires() -> anyhow::Result<()> {
        let (_test, delivery, recorder) = recorded(Duration::from_millis(50)).await?;
        let room = Id::new();
        delivery.enqueue(outgoing(room, 1));
        // Long enough for the dispatcher to go idle and retire.
        tokio::time::sleep(Duration::from_millis(200)).await;
        // Two concurrent senders: seq 3's fan-out overtakes seq 2's.
        delivery.enqueue(outgoing(room, 3));
        tokio::time::sleep(Duration::from_millis(20)).await;
        delivery.enqueue(outgoing(room, 2));
        tokio::time::sleep(Duration::from_millis(100)).await;
        assert_eq!(recorder.seqs(), vec![1, 2, 3]);
        Ok(())
    }

    #[tokio::test]
    async fn messages_ready_together_leave_as_one_batch_in_order() -> anyhow::Result<()> {
        let (_test, delivery, recorder) = recorded(Duration::from_secs(60)).await?;
        let room = Id::new();
        // The first message alone, once its dispatcher runs.
        delivery.enqueue(outgoing(room, 1));
        wait_for(|| recorder.seqs().len() == 1).await;
        // Four handed over before the dispatcher runs again (the test's runtime has one
        // thread), out of order: they leave together, in seq order.
        for seq in [3, 2, 5, 4] {
            delivery.enqueue(outgoing(room, seq));
        }
        wait_for(|| recorder.seqs().len() == 5).await;
        // More than a batch holds: split, nothing lost, still in order.
        let many = i64::try_from(BATCH_LIMIT)? + 10;
        for seq in 6..6 + many {
            delivery.enqueue(outgoing(room, seq));
        }
        wait_for(|| recorder.seqs().len() == 5 + usize::try_from(many).unwrap_or(0)).await;
        let packets = recorder.packets();
        assert_eq!(packets[0], vec![1]);
        assert_eq!(packets[1], vec![2, 3, 4, 5]);
        assert!(
            packets.iter().all(|p| p.len() <= BATCH_LIMIT),
            "{packets:?}"
        );
        assert!(packets.len() >= 4, "{packets:?}");
        assert_eq!(recorder.seqs(), (1..6 + many).collect::<Vec<_>>());
        // Every socket took batches so far: each went out as one broadcast.
        assert_eq!(recorder.1.load(Ordering::Relaxed), 0);
        // A socket that takes messages one by one connects: batches split by audience.
        let ledger = &delivery.inner.ledger;
        ledger.one_by_one_connected();
        let next = 6 + many;
        for seq in [next + 1, next] {
            delivery.enqueue(outgoing(room, seq));
        }
        wait_for(|| recorder.1.load(Ordering::Relaxed) == 1).await;
        assert_eq!(recorder.packets().last(), Some(&vec![next, next + 1]));
        // It leaves: one broadcast again.
        ledger.one_by_one_disconnected();
        for seq in [next + 3, next + 2] {
            delivery.enqueue(outgoing(room, seq));
        }
        wait_for(|| recorder.seqs().len() == usize::try_from(next + 3).unwrap_or(0)).await;
        assert_eq!(recorder.1.load(Ordering::Relaxed), 1);
        assert_eq!(recorder.seqs(), (1..next + 4).collect::<Vec<_>>());
        Ok(())
    }

    async fn wait_for(done: impl Fn() -> bool) {
        for _ in 0..500 {
            if done() {
                return;
            }
            tokio::time::sleep(Duration::from_millis(10)).await;
        }
        panic!("the dispatcher did not get there in 5 s");
    }
}
