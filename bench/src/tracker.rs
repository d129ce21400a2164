//! What one simulated client knows: its last applied seq per room. It drops duplicates,
//! notices gaps (and asks its sync loop to fill them, when it has one), records send -> deliver
//! latency, and answers every `message:new` with its room's cursor for the connection to
//! acknowledge (cumulatively, batched).

use std::{
    collections::HashMap,
    hash::{DefaultHasher, Hash, Hasher},
    sync::{Arc, Mutex},
};

use tokio::sync::Notify;

use crate::{
    client::{Handler, Held},
    stats::{Counter, Stats, body_stamp, now_us},
};

pub use crate::wire::WireMessage;

/// Who had which message at which seq, across all clients: two different messages at one seq
/// would mean the server broke "exactly once" in a way per-client cursors cannot see.
#[derive(Default)]
pub struct SeqRegistry {
    seen: Mutex<HashMap<(String, i64), u64>>,
    /// Seqs seen with two different clientIds.
    pub conflicts: Counter,
}

impl SeqRegistry {
    fn check(&self, room: &str, seq: i64, client_id: &str) {
        let mut hasher = DefaultHasher::new();
        client_id.hash(&mut hasher);
        let hash = hasher.finish();
        let mut seen = self.seen.lock().unwrap_or_else(|e| e.into_inner());
        let first = *seen.entry((room.to_owned(), seq)).or_insert(hash);
        if first != hash {
            self.conflicts.inc();
        }
    }
}

#[derive(Default)]
struct State {
    /// Last applied seq per room.
    cursors: HashMap<String, i64>,
    /// What arrived live per room on the current connection (the order check).
    live: HashMap<String, Live>,
    /// Live messages received on the current connection.
    live_since_connect: u64,
}

/// One room on the current connection.
#[derive(Default)]
struct Live {
    /// Highest seq received.
    last: i64,
    /// The seqs received among the newest [`SEEN_WINDOW`]: a seq below the highest that is
    /// among them is a re-send (the server re-sends everything after the acknowledged seq
    /// while the client holds a gap), not a reordering.
    seen: SeenWindow,
}

/// How many seqs per room and connection the order check remembers.
const SEEN_WINDOW: usize = 8192;

/// Which of the seqs `newest - SEEN_WINDOW + 1 ..= newest` arrived: one bit each, in a ring.
struct SeenWindow {
    newest: i64,
    bits: Box<[u64]>,
}

impl Default for SeenWindow {
    fn default() -> Self {
        Self {
            newest: 0,
            bits: vec![0; SEEN_WINDOW / 64].into_boxed_slice(),
        }
    }
}

impl SeenWindow {
    /// Records `seq`; true when it had arrived before (within the window).
    fn insert(&mut self, seq: i64) -> bool {
        let window = SEEN_WINDOW as i64;
        if seq > self.newest {
            if seq - self.newest >= window {
                self.bits.fill(0);
            } else {
                for skipped in self.newest + 1..seq {
                    self.set(skipped, false);
                }
            }
            self.newest = seq;
            self.set(seq, true);
            return false;
        }
        if seq <= self.newest - window || seq < 0 {
            // Older than the window: as if never seen.
            return false;
        }
        let again = self.get(seq);
        self.set(seq, true);
        again
    }

    fn slot(seq: i64) -> (usize, u64) {
        // `seq` is not negative here, and the window a power of two.
        let i = seq.unsigned_abs() as usize % SEEN_WINDOW;
        (i / 64, 1 << (i % 64))
    }

    fn get(&self, seq: i64) -> bool {
        let (word, bit) = Self::slot(seq);
        self.bits[word] & bit != 0
    }

    fn set(&mut self, seq: i64, on: bool) {
        let (word, bit) = Self::slot(seq);
        if on {
            self.bits[word] |= bit;
        } else {
            self.bits[word] &= !bit;
        }
    }
}

/// One client's cursors; also its [`Handler`].
pub struct Tracker {
    state: Mutex<State>,
    stats: Arc<Stats>,
    /// Hold the cursor on a gap and ask the sync loop (chaos runs); otherwise jump over it.
    sync_on_gap: bool,
    /// Start tracking a room at the first seq seen (fan-out runs on rooms with history).
    adopt_rooms: bool,
    /// Woken when a sync is needed (gap, `sync:hint`).
    pub sync_wanted: Arc<Notify>,
    registry: Option<Arc<SeqRegistry>>,
}

impl Tracker {
    /// A tracker that adopts rooms as it sees them and never syncs (throughput runs).
    pub fn streaming(stats: Arc<Stats>) -> Self {
        Self {
            state: Mutex::new(State::default()),
            stats,
            sync_on_gap: false,
            adopt_rooms: true,
            sync_wanted: Arc::new(Notify::new()),
            registry: None,
        }
    }

    /// A tracker of `rooms` from seq 0 that syncs over gaps (reliability runs).
    pub fn reliable(
        stats: Arc<Stats>,
        rooms: impl IntoIterator<Item = String>,
        registry: Arc<SeqRegistry>,
    ) -> Self {
        Self {
            state: Mutex::new(State {
                cursors: rooms.into_iter().map(|r| (r, 0)).collect(),
                live: HashMap::new(),
                live_since_connect: 0,
            }),
            stats,
            sync_on_gap: true,
            adopt_rooms: false,
            sync_wanted: Arc::new(Notify::new()),
            registry: Some(registry),
        }
    }

    /// The cursors, for a `sync` call.
    pub fn cursors(&self) -> Vec<(String, i64)> {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.cursors.iter().map(|(r, s)| (r.clone(), *s)).collect()
    }

    /// The last applied seq of `room`.
    pub fn cursor(&self, room: &str) -> i64 {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.cursors.get(room).copied().unwrap_or(0)
    }

    /// A new connection: the per-connection order check starts over.
    pub fn on_connect(&self) {
        let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.live.clear();
        state.live_since_connect = 0;
    }

    /// Live messages received on the current connection.
    pub fn live_since_connect(&self) -> u64 {
        let state = self.state.lock().unwrap_or_else(|e| e.into_inner());
        state.live_since_connect
    }

    /// Applies a message if it is the next one of its room; `live` is false for sync answers.
    /// Returns the room's cursor (the highest seq held with nothing missing before it) after
    /// the message, duplicates and gaps included, for the acknowledgement; `None` for a room
    /// not tracked or nothing held yet.
    pub fn receive(&self, message: &WireMessage<'_>, live: bool) -> Option<i64> {
        let room = message.room_id.as_ref();
        let cursor = {
            let mut state = self.state.lock().unwrap_or_else(|e| e.into_inner());
            if live {
                state.live_since_connect += 1;
                // Looked up before inserting: no key is allocated for a room already known.
                let track = match state.live.get_mut(room) {
                    Some(track) => track,
                    None => state.live.entry(room.to_owned()).or_default(),
                };
                let again = track.seen.insert(message.seq);
                if message.seq < track.last {
                    if again {
                        self.stats.live_resends.inc();
                    } else {
                        self.stats.order_violations.inc();
                    }
                }
                track.last = track.last.max(message.seq);
            }
            let cursors = &mut state.cursors;
            let cursor = match cursors.get_mut(room) {
                Some(cursor) => cursor,
                None if self.adopt_rooms => {
                    cursors.entry(room.to_owned()).or_insert(message.seq - 1)
                }
                None => return None,
            };
            if message.seq <= *cursor {
                self.stats.wire_duplicates.inc();
                return held(*cursor);
            }
            if message.seq > *cursor + 1 {
                self.stats.wire_gaps.inc();
                if self.sync_on_gap {
                    self.sync_wanted.notify_one();
                    return held(*cursor);
                }
                // A throughput client jumps over the gap (counted): it never syncs, and the
                // run reports gaps as an error of the server.
            }
            *cursor = message.seq;
            *cursor
        };
        let sent = message.body.as_deref().and_then(body_stamp);
        let elapsed = sent.map(|sent| now_us().saturating_sub(sent));
        if live {
            self.stats.delivered.inc();
            if let Some(us) = elapsed {
                self.stats.latency.record(us);
            }
        } else {
            self.stats.caught_up.inc();
            if let Some(us) = elapsed {
                self.stats.catchup.record(us);
            }
        }
        if let (Some(registry), Some(client_id)) = (&self.registry, &message.client_id) {
            registry.check(room, message.seq, client_id);
        }
        held(cursor)
    }
}

/// A cursor worth acknowledging (0: nothing held).
fn held(cursor: i64) -> Option<i64> {
    (cursor > 0).then_some(cursor)
}

impl Handler for Tracker {
    fn on_event<'a>(&self, name: &str, payload: &'a str) -> Option<Held<'a>> {
        match name {
            "message:new" => {
                let message = WireMessage::parse(payload)?;
                let seq = self.receive(&message, true)?;
                Some(Held {
                    room: message.room_id,
                    seq,
                })
            }
            "message:batch" => {
                // Several messages of one room, in order: each counts as a `message:new`, and
                // the last cursor is acknowledged.
                let mut last = None;
                for raw in crate::wire::batch_messages(payload)? {
                    let Some(message) = WireMessage::parse(raw) else {
                        continue;
                    };
                    if let Some(seq) = self.receive(&message, true) {
                        last = Some(Held {
                            room: message.room_id,
                            seq,
                        });
                    }
                }
                last
            }
            "sync:hint" => {
                self.sync_wanted.notify_one();
                None
            }
            _ => None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn message(seq: i64) -> String {
        format!("{{\"roomId\":\"r\",\"seq\":{seq},\"body\":\"b1 x\"}}")
    }

    /// A tracker that follows room `r` and syncs over gaps.
    fn reliable() -> (Arc<Stats>, Tracker) {
        let stats = Arc::new(Stats::default());
        let tracker = Tracker::reliable(
            Arc::clone(&stats),
            ["r".to_owned()],
            Arc::new(SeqRegistry::default()),
        );
        (stats, tracker)
    }

    fn held(tracker: &Tracker, seq: i64) -> Option<i64> {
        tracker
            .on_event("message:new", &message(seq))
            .map(|held| held.seq)
    }

    #[test]
    fn acknowledges_the_contiguous_cursor_on_every_delivery() {
        let (stats, tracker) = reliable();
        assert_eq!(held(&tracker, 1), Some(1));
        assert_eq!(held(&tracker, 2), Some(2));
        assert_eq!(
            held(&tracker, 2),
            Some(2),
            "a duplicate is acknowledged again"
        );
        assert_eq!(held(&tracker, 4), Some(2), "a gap holds the cursor");
        assert_eq!(stats.wire_duplicates.get(), 1);
        assert_eq!(stats.wire_gaps.get(), 1);
        assert_eq!(stats.delivered.get(), 2);
    }

    #[test]
    fn a_batch_counts_each_message_and_acknowledges_the_last_cursor() {
        let (stats, tracker) = reliable();
        assert_eq!(held(&tracker, 1), Some(1));
        let batch = format!(
            "{{\"roomId\":\"r\",\"messages\":[{},{},{}]}}",
            message(2),
            message(3),
            message(5)
        );
        let held = tracker.on_event("message:batch", &batch);
        assert_eq!(
            held.map(|h| (h.room.into_owned(), h.seq)),
            Some(("r".to_owned(), 3))
        );
        assert_eq!(stats.delivered.get(), 3);
        assert_eq!(stats.wire_gaps.get(), 1, "5 after 3");
        assert!(tracker.on_event("message:batch", "[1, 2]").is_none());
    }

    #[test]
    fn a_streaming_tracker_adopts_rooms_and_jumps_gaps() {
        let stats = Arc::new(Stats::default());
        let tracker = Tracker::streaming(Arc::clone(&stats));
        assert_eq!(held(&tracker, 40), Some(40));
        assert_eq!(held(&tracker, 42), Some(42));
        assert_eq!(stats.wire_gaps.get(), 1);
        assert_eq!(stats.delivered.get(), 2);
    }

    #[test]
    fn a_resend_after_a_gap_is_told_apart_from_a_reordering() {
        let (stats, tracker) = reliable();
        tracker.on_connect();
        for seq in [1, 3, 4] {
            held(&tracker, seq);
        }
        // The server re-sends everything after the acknowledged seq (1): 3 and 4 again.
        held(&tracker, 3);
        held(&tracker, 4);
        assert_eq!(stats.live_resends.get(), 1, "3 came again after 4");
        assert_eq!(stats.order_violations.get(), 0);
        // 2 never came on this connection: below the newest, it is a reordering.
        held(&tracker, 2);
        assert_eq!(stats.order_violations.get(), 1);
        // A new connection starts the check over.
        tracker.on_connect();
        held(&tracker, 2);
        assert_eq!(stats.order_violations.get(), 1);
    }

    #[test]
    fn the_seen_window_remembers_the_newest_seqs_only() {
        let mut window = SeenWindow::default();
        assert!(!window.insert(5));
        assert!(window.insert(5));
        // 1..4 were skipped: not seen, then seen.
        assert!(!window.insert(3));
        assert!(window.insert(3));
        // Moving past the window forgets everything before it.
        let far = 5 + SEEN_WINDOW as i64;
        assert!(!window.insert(far));
        assert!(!window.insert(5), "5 left the window");
        // The slots of skipped seqs are cleared as the window moves: 5 + 64 shares a bit
        // position with seqs that went before it.
        assert!(!window.insert(far + 64));
        assert!(window.insert(far));
        assert!(!window.insert(far + 1));
        assert!(!window.insert(far + 63));
    }
}
