//! Cumulative acknowledgements of one connection, waiting to go out: the protocol's
//! `ack {roomId, seq}` with, per room, the highest seq the client holds with nothing missing
//! before it. Sent [`ACK_EVERY`] after the first hold of a batch but no sooner than [`ACK_GAP`]
//! after the previous batch, or at once when [`ACK_BATCH`] holds are pending, like the web
//! client.

use std::time::Duration;

use tokio::time::Instant;

use crate::protocol;

/// The event clients acknowledge deliveries with.
pub const ACK_EVENT: &str = "ack";
/// How long the first hold of a batch waits for the batch to go out (longer when the previous
/// batch went out less than [`ACK_GAP`] before).
pub const ACK_EVERY: Duration = Duration::from_millis(50);
/// The least time between two batches of a connection that keeps hearing: a socket in a busy
/// room acknowledges four times a second, not twenty.
pub const ACK_GAP: Duration = Duration::from_millis(250);
/// Holds that make a batch go out at once.
pub const ACK_BATCH: usize = 50;

/// One connection's pending acknowledgements.
#[derive(Debug, Default)]
pub struct AckBatch {
    /// Per room: the highest seq held, and whether it has to be sent (again). A socket hears
    /// from a room or two, so a list is cheaper than a map.
    rooms: Vec<(String, i64, bool)>,
    /// Holds since the last flush.
    holds: usize,
    /// When the batch is due (set by its first hold).
    due: Option<Instant>,
    /// When the last batch went out.
    flushed: Option<Instant>,
}

impl AckBatch {
    /// Holds `seq` in `room` (again, when the client got a duplicate: the server re-sends
    /// because it missed an ack). True when the batch is full and should go out now.
    pub fn hold(&mut self, room: &str, seq: i64) -> bool {
        match self.rooms.iter_mut().find(|(r, ..)| r == room) {
            Some((_, held, unsent)) => {
                *held = (*held).max(seq);
                *unsent = true;
            }
            None => self.rooms.push((room.to_owned(), seq, true)),
        }
        self.holds += 1;
        if self.due.is_none() {
            self.due = Some(due_after(self.flushed));
        }
        self.holds >= ACK_BATCH
    }

    /// When the pending holds are due, if there are any.
    pub fn due(&self) -> Option<Instant> {
        self.due
    }

    /// The `ack` packets of everything held since the last flush; the batch starts over.
    pub fn flush(&mut self) -> Vec<String> {
        self.holds = 0;
        self.due = None;
        self.flushed = Some(Instant::now());
        self.rooms
            .iter_mut()
            .filter(|(.., unsent)| *unsent)
            .map(|(room, seq, unsent)| {
                *unsent = false;
                protocol::event(ACK_EVENT, &payload(room, *seq), None)
            })
            .collect()
    }
}

/// When a batch whose first hold is now goes out, the previous batch having gone out at
/// `flushed`.
pub fn due_after(flushed: Option<Instant>) -> Instant {
    let first = Instant::now() + ACK_EVERY;
    flushed.map_or(first, |at| first.max(at + ACK_GAP))
}

/// `{"roomId":..,"seq":..}`.
fn payload(room: &str, seq: i64) -> String {
    format!(
        "{{\"roomId\":{},\"seq\":{seq}}}",
        serde_json::Value::from(room)
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_ack_per_room_with_the_highest_seq() {
        let mut batch = AckBatch::default();
        assert_eq!(batch.due(), None);
        assert!(!batch.hold("a", 1));
        assert!(batch.due().is_some());
        assert!(!batch.hold("a", 3));
        assert!(!batch.hold("a", 2));
        assert!(!batch.hold("b", 7));
        assert_eq!(
            batch.flush(),
            vec![
                "42[\"ack\",{\"roomId\":\"a\",\"seq\":3}]".to_owned(),
                "42[\"ack\",{\"roomId\":\"b\",\"seq\":7}]".to_owned(),
            ]
        );
        assert_eq!(batch.due(), None);
        assert!(batch.flush().is_empty(), "nothing new to send");
    }

    #[test]
    fn a_batch_goes_out_soon_after_quiet_and_paced_after_another() {
        let mut batch = AckBatch::default();
        let start = Instant::now();
        batch.hold("a", 1);
        assert!(
            batch
                .due()
                .is_some_and(|due| due >= start + ACK_EVERY && due < start + ACK_GAP),
            "the first batch goes out after ACK_EVERY"
        );
        let before_flush = Instant::now();
        batch.flush();
        batch.hold("a", 2);
        assert!(
            batch.due().is_some_and(|due| due >= before_flush + ACK_GAP),
            "the next batch waits for the gap"
        );
    }

    #[test]
    fn a_repeated_hold_is_sent_again_and_a_full_batch_goes_out() {
        let mut batch = AckBatch::default();
        batch.hold("a", 5);
        batch.flush();
        batch.hold("a", 5);
        assert_eq!(batch.flush().len(), 1, "a duplicate is acknowledged again");
        let full = (1..=ACK_BATCH as i64)
            .map(|seq| batch.hold("a", seq))
            .last();
        assert_eq!(full, Some(true));
    }
}
