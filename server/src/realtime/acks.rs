//! Cumulative acknowledgements: what this instance emitted per room, what each socket has
//! acknowledged, and which sockets are overdue.
//!
//! A client acknowledges per room with the highest seq it holds with nothing missing before it
//! (`ack {roomId, seq}`, batched every ~50 ms), not one Socket.IO ack per message, so a
//! `message:new` is one broadcast packet, encoded once for every socket of the room. The
//! [`Ledger`] keeps per room the seqs this instance emitted recently and when; each socket keeps
//! per room the highest seq it acknowledged ([`SocketAcks`]). The delivery sweep asks the ledger,
//! for every socket of a room that emitted recently, whether it owes an ack older than the
//! timeout ([`Ledger::check`]): then everything after its acked seq is sent to it again, with
//! backoff, and once the retries are spent it is told to `sync` that room.
//!
//! Locks are taken lines first, then a socket's tracks.
//!
//! Bounds: a room's line keeps its last [`LINE_ENTRIES`] emissions and is dropped once quiet for
//! the retry horizon; a socket tracks only rooms with a line, at most [`SOCKET_TRACKS`].

use std::{
    collections::{HashMap, VecDeque},
    sync::{
        Mutex,
        atomic::{AtomicU64, AtomicUsize, Ordering},
    },
    time::{Duration, Instant},
};

use crate::{domain::Id, ops::telemetry::Telemetry};

/// Emissions remembered per room (seq and time: 16 bytes each).
pub const LINE_ENTRIES: usize = 1024;
/// Rooms one socket tracks acks for; past it, rooms without a recent emission are forgotten.
pub const SOCKET_TRACKS: usize = 256;
/// Rooms a socket may watch at a time (the oldest watch ends when a new one would exceed it).
pub const WATCH_LIMIT: usize = 4;

/// Counters of the delivery pipeline (also exported as metrics).
#[derive(Debug, Default)]
pub struct DeliveryStats {
    /// Messages handed to a room dispatcher.
    pub dispatched: AtomicU64,
    /// Deliveries acknowledged (a cumulative ack counts every message it covers).
    pub acked: AtomicU64,
    /// Re-sends to sockets that did not acknowledge in time.
    pub retries: AtomicU64,
    /// Deliveries given up after the last retry (the client is told to sync).
    pub gave_up: AtomicU64,
}

/// One room's recent emissions on this instance.
struct Line {
    /// `(seq, when)`, ascending in both.
    emitted: VecDeque<(i64, Instant)>,
    /// The highest seq emitted.
    last: i64,
    /// When the room last emitted.
    last_at: Instant,
}

impl Line {
    /// The first emission after seq `after` and not before `since`.
    fn first_owed(&self, after: Option<i64>, since: Instant) -> Option<(i64, Instant)> {
        let by_seq = after.map_or(0, |a| self.emitted.partition_point(|(seq, _)| *seq <= a));
        let by_time = self.emitted.partition_point(|(_, at)| *at < since);
        self.emitted.get(by_seq.max(by_time)).copied()
    }

    /// When `seq` was emitted, if it is still remembered.
    fn emitted_at(&self, seq: i64) -> Option<Instant> {
        let i = self.emitted.partition_point(|(s, _)| *s < seq);
        self.emitted
            .get(i)
            .filter(|(s, _)| *s == seq)
            .map(|(_, at)| *at)
    }
}

/// One socket's position in one room.
#[derive(Clone, Copy, Debug)]
struct Track {
    /// The highest seq acknowledged (`None`: nothing yet).
    acked: Option<i64>,
    /// Emissions before this are not owed (the socket was not there yet).
    since: Instant,
    /// Re-sends since the last progress.
    attempts: u32,
    /// No re-send before this.
    not_before: Option<Instant>,
}

/// A socket's acknowledgements and watches, kept in its extensions.
#[derive(Debug)]
pub struct SocketAcks {
    /// When the socket connected: what was emitted before is the client's `sync`'s business.
    connected_at: Instant,
    rooms: Mutex<HashMap<Id, Track>>,
    /// Watched rooms, oldest first.
    watching: Mutex<VecDeque<Id>>,
    /// The client asked for `message:batch` (handshake `auth.batch`): messages of a room that
    /// are ready together reach it as one packet.
    batches: bool,
}

impl SocketAcks {
    /// A socket connected now.
    pub fn new() -> Self {
        Self {
            connected_at: Instant::now(),
            rooms: Mutex::new(HashMap::new()),
            watching: Mutex::new(VecDeque::new()),
            batches: false,
        }
    }

    /// The same, for a client that takes `message:batch`.
    pub fn with_batches(self, batches: bool) -> Self {
        Self { batches, ..self }
    }

    /// Whether the client takes `message:batch`.
    pub fn takes_batches(&self) -> bool {
        self.batches
    }

    /// Starts watching `room`; the watch that ended to make room for it, if any.
    pub fn watch(&self, room: Id) -> Option<Id> {
        let mut watching = self.watching.lock().unwrap_or_else(|e| e.into_inner());
        if watching.contains(&room) {
            return None;
        }
        watching.push_back(room);
        (watching.len() > WATCH_LIMIT)
            .then(|| watching.pop_front())
            .flatten()
    }

    /// Stops watching `room`; false when it was not watched.
    pub fn unwatch(&self, room: Id) -> bool {
        let mut watching = self.watching.lock().unwrap_or_else(|e| e.into_inner());
        let before = watching.len();
        watching.retain(|r| *r != room);
        watching.len() < before
    }

    /// The rooms watched now.
    pub fn watched(&self) -> Vec<Id> {
        self.watching
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .iter()
            .copied()
            .collect()
    }
}

impl Default for SocketAcks {
    fn default() -> Self {
        Self::new()
    }
}

/// What the sweep should do for one socket and room.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Overdue {
    /// Send everything after this seq again (attempt `attempt`, from 1).
    Resend {
        /// The seq the socket holds.
        after: i64,
        /// Which retry this is.
        attempt: u32,
    },
    /// The retries are spent: tell the client to sync the room.
    GiveUp {
        /// Messages given up on (every one emitted after the socket's acked seq).
        messages: u64,
    },
}

/// Retry settings.
#[derive(Clone, Copy, Debug)]
pub struct RetryPolicy {
    /// How long a socket has to acknowledge an emission.
    pub ack_timeout: Duration,
    /// Re-sends before giving up.
    pub max_retries: u32,
}

impl RetryPolicy {
    /// How long a room's emissions must be remembered for every retry, and the give-up, to
    /// find them: the timeout and each wait, plus a sweep period for each step (checks happen
    /// on sweeps), doubled for slack, and never under 10 s.
    pub fn horizon(&self, sweep: Duration) -> Duration {
        let mut total = self.ack_timeout + sweep;
        for attempt in 1..=self.max_retries {
            total += self.wait_after(attempt) + sweep;
        }
        (total * 2).max(Duration::from_secs(10))
    }

    /// The wait after re-send `attempt` before the next: at least the ack timeout, doubling
    /// from a quarter of it, at most 10 s.
    pub fn wait_after(&self, attempt: u32) -> Duration {
        let backoff = (self.ack_timeout / 4)
            .saturating_mul(2u32.saturating_pow(attempt.saturating_sub(1)))
            .min(Duration::from_secs(10));
        backoff.max(self.ack_timeout)
    }
}

/// This instance's record of emissions and acknowledgements.
pub struct Ledger {
    lines: Mutex<HashMap<Id, Line>>,
    /// Highest acknowledged seq per (room, user) since the last flush of delivery cursors.
    delivered: Mutex<HashMap<(Id, Id), i64>>,
    stats: DeliveryStats,
    telemetry: Telemetry,
    /// Sockets of this instance that take messages one by one (no `message:batch`).
    one_by_one: AtomicUsize,
}

impl Ledger {
    /// An empty ledger reporting round trips to `telemetry`.
    pub fn new(telemetry: Telemetry) -> Self {
        Self {
            lines: Mutex::new(HashMap::new()),
            delivered: Mutex::new(HashMap::new()),
            stats: DeliveryStats::default(),
            telemetry,
            one_by_one: AtomicUsize::new(0),
        }
    }

    /// A socket that takes messages one by one connected (before it joins its rooms).
    pub fn one_by_one_connected(&self) {
        self.one_by_one.fetch_add(1, Ordering::AcqRel);
    }

    /// A socket that takes messages one by one disconnected.
    pub fn one_by_one_disconnected(&self) {
        let _was = self
            .one_by_one
            .fetch_update(Ordering::AcqRel, Ordering::Acquire, |n| n.checked_sub(1));
    }

    /// Whether every socket of this instance takes `message:batch`: then a batch is one
    /// broadcast, encoded once, like a `message:new`.
    pub fn all_take_batches(&self) -> bool {
        self.one_by_one.load(Ordering::Acquire) == 0
    }

    /// The counters.
    pub fn stats(&self) -> &DeliveryStats {
        &self.stats
    }

    /// Records that `seq` of `room` was emitted now. Late arrivals (a seq at or below the last
    /// emitted, after a gap was skipped) are not recorded: the client already synced past them.
    pub fn emitted(&self, room: Id, seq: i64) {
        let now = Instant::now();
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let line = lines.entry(room).or_insert_with(|| Line {
            emitted: VecDeque::new(),
            last: 0,
            last_at: now,
        });
        line.last_at = now;
        if seq > line.last {
            if line.emitted.len() == LINE_ENTRIES {
                line.emitted.pop_front();
            }
            line.emitted.push_back((seq, now));
            line.last = seq;
        }
    }

    /// A socket of `user` holds `room` up to `seq`. Acks for rooms that emitted nothing here
    /// lately are ignored, and `seq` is capped at the last seq emitted, so a client cannot mark
    /// as delivered what it was never sent.
    pub fn ack(&self, socket: &SocketAcks, user: Id, room: Id, seq: i64) {
        let (seq, emitted_at) = {
            let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
            let Some(line) = lines.get(&room) else { return };
            let seq = seq.min(line.last);
            (seq, line.emitted_at(seq))
        };
        let covered = {
            let mut rooms = socket.rooms.lock().unwrap_or_else(|e| e.into_inner());
            if rooms.len() >= SOCKET_TRACKS && !rooms.contains_key(&room) {
                // Hundreds of rooms active at once for one socket: start over rather than
                // grow (the sweep re-creates what it needs; the client syncs what it misses).
                // Not pruned against the lines here: the sweep takes the lines' lock first.
                rooms.clear();
            }
            let track = rooms.entry(room).or_insert(Track {
                acked: None,
                since: socket.connected_at,
                attempts: 0,
                not_before: None,
            });
            if track.acked.is_some_and(|acked| acked >= seq) {
                return;
            }
            let covered = track.acked.map_or(1, |acked| seq - acked);
            *track = Track {
                acked: Some(seq),
                attempts: 0,
                not_before: None,
                ..*track
            };
            covered
        };
        self.stats
            .acked
            .fetch_add(u64::try_from(covered).unwrap_or(0), Ordering::Relaxed);
        if let Some(at) = emitted_at {
            let latency = at.elapsed();
            metrics::histogram!("switchboard_delivery_ack_seconds").record(latency.as_secs_f64());
            self.telemetry.record_rtt(latency.as_secs_f64() * 1000.0);
        }
        let mut delivered = self.delivered.lock().unwrap_or_else(|e| e.into_inner());
        let cursor = delivered.entry((room, user)).or_insert(seq);
        *cursor = (*cursor).max(seq);
    }

    /// Rooms that emitted within `horizon`; the lines of rooms quiet for longer are dropped.
    pub fn active_rooms(&self, horizon: Duration) -> Vec<Id> {
        let mut lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        lines.retain(|_, line| line.last_at.elapsed() < horizon);
        lines.keys().copied().collect()
    }

    /// Whether one socket is overdue in `room`, and what to do about it; books the attempt.
    pub fn check(
        &self,
        socket: &SocketAcks,
        room: Id,
        policy: RetryPolicy,
        now: Instant,
    ) -> Option<Overdue> {
        let lines = self.lines.lock().unwrap_or_else(|e| e.into_inner());
        let line = lines.get(&room)?;
        let mut rooms = socket.rooms.lock().unwrap_or_else(|e| e.into_inner());
        if rooms.len() >= SOCKET_TRACKS && !rooms.contains_key(&room) {
            rooms.retain(|room, _| lines.contains_key(room));
            if rooms.len() >= SOCKET_TRACKS {
                return None;
            }
        }
        let track = rooms.entry(room).or_insert(Track {
            acked: None,
            since: socket.connected_at,
            attempts: 0,
            not_before: None,
        });
        let (first, emitted_at) = line.first_owed(track.acked, track.since)?;
        if now < emitted_at + policy.ack_timeout || track.not_before.is_some_and(|t| now < t) {
            return None;
        }
        if track.attempts >= policy.max_retries {
            // Given up: what was emitted so far is the client's to sync.
            let messages = u64::try_from(line.last - first + 1).unwrap_or(0);
            *track = Track {
                acked: Some(line.last),
                attempts: 0,
                not_before: None,
                ..*track
            };
            self.stats.gave_up.fetch_add(messages, Ordering::Relaxed);
            self.telemetry.record_delivery_failures(messages);
            return Some(Overdue::GiveUp { messages });
        }
        track.attempts += 1;
        track.not_before = Some(now + policy.wait_after(track.attempts));
        self.stats.retries.fetch_add(1, Ordering::Relaxed);
        Some(Overdue::Resend {
            after: track.acked.unwrap_or(first - 1),
            attempt: track.attempts,
        })
    }

    /// Takes the delivery cursors gathered since the last call.
    pub fn take_delivered(&self) -> Vec<(Id, Id, i64)> {
        let mut delivered = self.delivered.lock().unwrap_or_else(|e| e.into_inner());
        delivered
            .drain()
            .map(|((room, user), seq)| (room, user, seq))
            .collect()
    }

    /// Puts back cursors that could not be saved (merged with newer ones).
    pub fn restore_delivered(&self, batch: Vec<(Id, Id, i64)>) {
        let mut delivered = self.delivered.lock().unwrap_or_else(|e| e.into_inner());
        for (room, user, seq) in batch {
            let entry = delivered.entry((room, user)).or_insert(seq);
            *entry = (*entry).max(seq);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn policy() -> RetryPolicy {
        RetryPolicy {
            ack_timeout: Duration::from_millis(100),
            max_retries: 2,
        }
    }

    fn ledger() -> Ledger {
        Ledger::new(Telemetry::new("test"))
    }

    #[test]
    fn an_acknowledged_room_is_not_overdue() {
        let (ledger, socket, room) = (ledger(), SocketAcks::new(), Id::new());
        for seq in 1..=3 {
            ledger.emitted(room, seq);
        }
        ledger.ack(&socket, Id::new(), room, 3);
        let later = Instant::now() + Duration::from_secs(1);
        assert_eq!(ledger.check(&socket, room, policy(), later), None);
    }

    #[test]
    fn an_overdue_socket_gets_everything_after_its_ack_then_is_told_to_sync() {
        let (ledger, socket, room) = (ledger(), SocketAcks::new(), Id::new());
        for seq in 1..=5 {
            ledger.emitted(room, seq);
        }
        ledger.ack(&socket, Id::new(), room, 2);
        let now = Instant::now();
        assert_eq!(
            ledger.check(&socket, room, policy(), now),
            None,
            "not yet due"
        );
        let due = now + Duration::from_millis(150);
        assert_eq!(
            ledger.check(&socket, room, policy(), due),
            Some(Overdue::Resend {
                after: 2,
                attempt: 1
            })
        );
        assert_eq!(
            ledger.check(&socket, room, policy(), due),
            None,
            "backing off"
        );
        let next = due + policy().wait_after(1);
        assert_eq!(
            ledger.check(&socket, room, policy(), next),
            Some(Overdue::Resend {
                after: 2,
                attempt: 2
            })
        );
        let last = next + policy().wait_after(2);
        assert_eq!(
            ledger.check(&socket, room, policy(), last),
            Some(Overdue::GiveUp { messages: 3 })
        );
        assert_eq!(
            ledger.check(&socket, room, policy(), last + Duration::from_secs(5)),
            None,
            "after giving up, only new emissions are owed"
        );
    }

    #[test]
    fn a_socket_owes_only_what_was_emitted_after_it_connected() {
        let (ledger, room) = (ledger(), Id::new());
        ledger.emitted(room, 1);
        std::thread::sleep(Duration::from_millis(5));
        let socket = SocketAcks::new();
        let later = Instant::now() + Duration::from_secs(1);
        assert_eq!(ledger.check(&socket, room, policy(), later), None);
        ledger.emitted(room, 2);
        let later = Instant::now() + Duration::from_secs(1);
        assert_eq!(
            ledger.check(&socket, room, policy(), later),
            Some(Overdue::Resend {
                after: 1,
                attempt: 1
            })
        );
    }

    #[test]
    fn acks_are_capped_at_what_was_emitted_and_ignored_for_quiet_rooms() {
        let (ledger, socket, room, user) = (ledger(), SocketAcks::new(), Id::new(), Id::new());
        ledger.ack(&socket, user, room, 7);
        assert!(ledger.take_delivered().is_empty(), "nothing was emitted");
        ledger.emitted(room, 1);
        ledger.emitted(room, 2);
        ledger.ack(&socket, user, room, 1_000);
        assert_eq!(ledger.take_delivered(), vec![(room, user, 2)]);
    }

    #[test]
    fn a_socket_watches_a_few_rooms_at_a_time() {
        let socket = SocketAcks::new();
        let rooms: Vec<Id> = (0..=WATCH_LIMIT).map(|_| Id::new()).collect();
        for room in &rooms[..WATCH_LIMIT] {
            assert_eq!(socket.watch(*room), None);
        }
        assert_eq!(
            socket.watch(rooms[0]),
            None,
            "watching again changes nothing"
        );
        assert_eq!(socket.watch(rooms[WATCH_LIMIT]), Some(rooms[0]));
        assert!(socket.unwatch(rooms[1]));
        assert!(!socket.unwatch(rooms[0]));
        assert_eq!(socket.watched().len(), WATCH_LIMIT - 1);
    }
}
