//! Counters and latency histograms shared by every simulated client of a run.
//!
//! Latency is send -> deliver: the sender writes the time since this process started (in µs)
//! into the message body, and the receiver (the same process) subtracts it on arrival.

use std::{
    sync::{
        Mutex, OnceLock,
        atomic::{AtomicU64, Ordering},
    },
    time::Instant,
};

use hdrhistogram::Histogram;
use serde::Serialize;

static EPOCH: OnceLock<Instant> = OnceLock::new();

/// Microseconds since this process's epoch (the clock embedded in message bodies).
pub fn now_us() -> u64 {
    let micros = EPOCH.get_or_init(Instant::now).elapsed().as_micros();
    u64::try_from(micros).unwrap_or(u64::MAX)
}

/// A message body carrying its send time: `b<µs> <padding>`.
pub fn stamped_body(padding: &str) -> String {
    format!("b{} {padding}", now_us())
}

/// The send time written by [`stamped_body`], if the body has one.
pub fn body_stamp(body: &str) -> Option<u64> {
    let rest = body.strip_prefix('b')?;
    let end = rest.find(' ').unwrap_or(rest.len());
    rest[..end].parse().ok()
}

/// A latency histogram in µs (1 µs .. 10 min, 3 significant digits).
///
/// Every delivery records into it, from every runtime thread, so it is kept in shards (a
/// thread records into its own) and merged when read: one shared lock was contended hundreds
/// of thousands of times a second.
pub struct Latency {
    shards: Box<[Shard]>,
}

/// One shard, on its own cache lines.
#[repr(align(128))]
struct Shard(Mutex<Histogram<u64>>);

/// Shards per histogram: more than the runtime has threads on the benchmark machines.
const SHARDS: usize = 8;

thread_local! {
    /// The shard this thread records into.
    static SHARD: usize = {
        static NEXT: AtomicU64 = AtomicU64::new(0);
        let n = NEXT.fetch_add(1, Ordering::Relaxed);
        usize::try_from(n).unwrap_or(0) % SHARDS
    };
}

impl Default for Latency {
    fn default() -> Self {
        Self {
            shards: (0..SHARDS)
                .map(|_| Shard(Mutex::new(new_histogram())))
                .collect(),
        }
    }
}

fn new_histogram() -> Histogram<u64> {
    match Histogram::new_with_bounds(1, 600_000_000, 3) {
        Ok(h) => h,
        // Constant bounds that hdrhistogram accepts: this cannot happen.
        Err(err) => panic!("histogram bounds: {err}"),
    }
}

impl Latency {
    /// Records one latency in µs.
    pub fn record(&self, micros: u64) {
        let shard = &self.shards[SHARD.with(|i| *i)];
        let mut h = shard.0.lock().unwrap_or_else(|e| e.into_inner());
        h.saturating_record(micros.max(1));
    }

    /// The shards merged; `reset` empties them on the way.
    fn merged(&self, reset: bool) -> Histogram<u64> {
        let mut all = new_histogram();
        for shard in &self.shards {
            let mut h = shard.0.lock().unwrap_or_else(|e| e.into_inner());
            // Same bounds: adding cannot fail.
            let _same_bounds = all.add(&*h);
            if reset {
                h.reset();
            }
        }
        all
    }

    /// The summary so far, and starts over.
    pub fn take(&self) -> Summary {
        Summary::of(&self.merged(true))
    }

    /// The summary so far.
    pub fn summary(&self) -> Summary {
        Summary::of(&self.merged(false))
    }
}

/// Percentiles of a latency histogram, in milliseconds.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Summary {
    /// Samples.
    pub count: u64,
    /// Median.
    pub p50_ms: f64,
    /// 90th percentile.
    pub p90_ms: f64,
    /// 99th percentile.
    pub p99_ms: f64,
    /// Largest.
    pub max_ms: f64,
}

impl Summary {
    fn of(h: &Histogram<u64>) -> Self {
        let ms = |us: u64| us as f64 / 1000.0;
        Self {
            count: h.len(),
            p50_ms: ms(h.value_at_quantile(0.50)),
            p90_ms: ms(h.value_at_quantile(0.90)),
            p99_ms: ms(h.value_at_quantile(0.99)),
            max_ms: ms(h.max()),
        }
    }
}

/// A counter.
#[derive(Default)]
pub struct Counter(AtomicU64);

impl Counter {
    /// Adds one.
    pub fn inc(&self) {
        self.0.fetch_add(1, Ordering::Relaxed);
    }

    /// Adds `n`.
    pub fn add(&self, n: u64) {
        self.0.fetch_add(n, Ordering::Relaxed);
    }

    /// The value.
    pub fn get(&self) -> u64 {
        self.0.load(Ordering::Relaxed)
    }
}

/// Everything the clients of one run count.
#[derive(Default)]
pub struct Stats {
    /// Messages applied live (in order, first time).
    pub delivered: Counter,
    /// Messages applied from `sync` answers.
    pub caught_up: Counter,
    /// `message:new` for a seq the client already had (dropped by the client).
    pub wire_duplicates: Counter,
    /// `message:new` that skipped seqs (the client syncs, or jumps when it does not sync).
    pub wire_gaps: Counter,
    /// `message:new` that arrived on one connection after a higher seq of the same room and
    /// had not arrived on it before (the server sent new messages out of order).
    pub order_violations: Counter,
    /// `message:new` below the connection's newest seq that had arrived on it before: the
    /// server's re-send after the acknowledged seq while the client held a gap.
    pub live_resends: Counter,
    /// `sync` calls.
    pub syncs: Counter,
    /// `sync` calls that got no answer within the ack timeout.
    pub sync_timeouts: Counter,
    /// Of those, the ones sent within 20 ms of the connect ack.
    pub early_sync_timeouts: Counter,
    /// Sends acked `ok`.
    pub sent_ok: Counter,
    /// Sends refused, timed out or lost to a disconnect.
    pub sent_failed: Counter,
    /// Sends not even tried because too many were in flight (the generator's backpressure).
    pub sends_skipped: Counter,
    /// Live send -> deliver latency.
    pub latency: Latency,
    /// Send -> applied latency of messages that arrived through `sync` (catch-up).
    pub catchup: Latency,
    /// Send -> ack latency of `message:send`.
    pub send_ack: Latency,
}

#[cfg(test)]
mod tests {
    use std::sync::Arc;

    use super::*;

    #[test]
    fn shards_merge_when_read_and_start_over_when_taken() {
        let latency = Arc::new(Latency::default());
        let threads: Vec<_> = (0..4u64)
            .map(|t| {
                let latency = Arc::clone(&latency);
                std::thread::spawn(move || {
                    for i in 1..=1000 {
                        latency.record(t * 1000 + i);
                    }
                })
            })
            .collect();
        for thread in threads {
            assert!(thread.join().is_ok());
        }
        let summary = latency.summary();
        assert_eq!(summary.count, 4000);
        assert!((summary.max_ms - 4.0).abs() < 0.01, "{summary:?}");
        assert!((summary.p50_ms - 2.0).abs() < 0.01, "{summary:?}");
        assert_eq!(latency.take().count, 4000);
        assert_eq!(latency.summary().count, 0);
    }
}
