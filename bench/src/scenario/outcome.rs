//! The end of a reliability run: what every client ended with, against what was acked.

use serde::Serialize;

use crate::{
    report::{Table, thousands},
    stats::Summary,
};

/// The end of a reliability run.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    /// Clients.
    pub clients: usize,
    /// Messages acked to their senders.
    pub acked_sends: u64,
    /// Sends given up.
    pub send_failures: u64,
    /// Messages every client should have (sum over clients of their rooms' last seq).
    pub expected: u64,
    /// Of those, applied (in order, once).
    pub delivered: u64,
    /// Not applied when the check gave up.
    pub missing: u64,
    /// Deliveries of a seq the client already had (dropped by it).
    pub wire_duplicates: u64,
    /// New deliveries that came after a higher seq on the same connection.
    pub order_violations: u64,
    /// Re-sends of a seq the connection had had, after a higher one (retries over a gap).
    pub live_resends: u64,
    /// Seqs that carried two different messages (clientIds) across clients.
    pub seq_conflicts: u64,
    /// Seqs below a room's last one that no acked send got (would block clients forever).
    pub seq_holes: u64,
    /// Messages applied live.
    pub live: u64,
    /// Messages applied from `sync`.
    pub caught_up: u64,
    /// `sync` calls.
    pub syncs: u64,
    /// `sync` calls that got no answer within 10 s (the client then asks again).
    pub sync_timeouts: u64,
    /// Of those, the ones sent within 20 ms of the connect ack.
    pub early_sync_timeouts: u64,
    /// Connects (including reconnects).
    pub connects: u64,
    /// Failed connect attempts.
    pub connect_failures: u64,
    /// Live send -> deliver latency.
    pub live_latency: Summary,
    /// Send -> applied latency of messages that came through `sync`.
    pub catchup_latency: Summary,
    /// Send -> ack latency (outbox time included).
    pub send_ack_latency: Summary,
    /// Seconds the final catch-up took.
    pub settle_secs: f64,
}

impl Outcome {
    /// Whether nothing was lost, doubled or reordered.
    pub fn perfect(&self) -> bool {
        self.missing == 0
            && self.seq_conflicts == 0
            && self.seq_holes == 0
            && self.order_violations == 0
            && self.expected > 0
    }

    /// A two-column table of the outcome.
    pub fn table(&self, title: &str) -> Table {
        let mut t = Table::new(title, &["measure", "value"]);
        let pct = if self.expected > 0 {
            self.delivered as f64 * 100.0 / self.expected as f64
        } else {
            0.0
        };
        let rows = [
            ("clients", thousands(self.clients as f64)),
            (
                "messages acked to senders",
                thousands(self.acked_sends as f64),
            ),
            (
                "delivered / expected",
                format!(
                    "{} / {} ({pct:.2} %)",
                    thousands(self.delivered as f64),
                    thousands(self.expected as f64)
                ),
            ),
            ("missing", thousands(self.missing as f64)),
            (
                "duplicates on the wire (dropped by clients)",
                thousands(self.wire_duplicates as f64),
            ),
            (
                "order violations (per connection)",
                thousands(self.order_violations as f64),
            ),
            (
                "re-sends below the connection's newest",
                thousands(self.live_resends as f64),
            ),
            (
                "seq conflicts / holes",
                format!("{} / {}", self.seq_conflicts, self.seq_holes),
            ),
            (
                "applied live / through sync",
                format!(
                    "{} / {}",
                    thousands(self.live as f64),
                    thousands(self.caught_up as f64)
                ),
            ),
            (
                "syncs / connects / failed connects",
                format!(
                    "{} / {} / {}",
                    self.syncs, self.connects, self.connect_failures
                ),
            ),
            (
                "syncs unanswered for 10 s (sent < 20 ms after connect)",
                format!("{} ({})", self.sync_timeouts, self.early_sync_timeouts),
            ),
            (
                "live latency p50 / p99",
                format!(
                    "{:.1} / {:.1} ms",
                    self.live_latency.p50_ms, self.live_latency.p99_ms
                ),
            ),
            (
                "catch-up latency p50 / p99",
                format!(
                    "{:.1} / {:.1} ms",
                    self.catchup_latency.p50_ms, self.catchup_latency.p99_ms
                ),
            ),
            (
                "send ack latency p50 / p99",
                format!(
                    "{:.1} / {:.1} ms",
                    self.send_ack_latency.p50_ms, self.send_ack_latency.p99_ms
                ),
            ),
            ("send failures", thousands(self.send_failures as f64)),
        ];
        for (k, v) in rows {
            t.row(vec![k.into(), v]);
        }
        t
    }
}
