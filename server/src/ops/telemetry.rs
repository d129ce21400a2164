//! Telemetry rollups: every instance sums its minute (requests, 5xx, latency quantiles, sockets,
//! messages, delivery failures, socket round trips, busiest rooms) and writes it to
//! `telemetry_rollups`, so the admin dashboard shows the whole cluster's history across
//! restarts. Old rows are pruned.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, DurationRound, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use crate::{
    domain::Id,
    store::{DynStore, RollupRow},
};

/// Latency samples kept per minute (uniformly thinned beyond this).
const MAX_SAMPLES: usize = 4096;
/// How long rollups are kept.
pub const RETENTION: chrono::Duration = chrono::Duration::days(8);
/// Busiest rooms kept per minute.
const TOP_ROOMS: usize = 5;

/// This instance's current minute.
#[derive(Default)]
struct Minute {
    start: Option<DateTime<Utc>>,
    requests: u64,
    errors_5xx: u64,
    latencies_ms: Samples,
    messages: u64,
    delivery_failures: u64,
    rtt_ms: Samples,
    rooms: HashMap<Id, u64>,
    peak_sockets: usize,
    ai_tokens: u64,
}

/// A bounded sample of values (every k-th value once full).
#[derive(Default)]
struct Samples {
    values: Vec<f64>,
    seen: u64,
}

impl Samples {
    fn push(&mut self, value: f64) {
        self.seen += 1;
        if self.values.len() < MAX_SAMPLES {
            self.values.push(value);
        } else {
            // Keep a spread-out subset: replace a slot chosen by the running count.
            let slot = usize::try_from(self.seen % MAX_SAMPLES as u64).unwrap_or(0);
            self.values[slot] = value;
        }
    }

    fn quantile(&mut self, q: f64) -> Option<f64> {
        if self.values.is_empty() {
            return None;
        }
        self.values.sort_by(f64::total_cmp);
        let rank = ((self.values.len() - 1) as f64 * q).round() as usize;
        self.values.get(rank).copied()
    }
}

/// Collects this instance's numbers; cheap to clone.
#[derive(Clone)]
pub struct Telemetry {
    minute: Arc<Mutex<Minute>>,
    instance_id: Arc<str>,
}

impl Telemetry {
    /// Telemetry of one instance.
    pub fn new(instance_id: &str) -> Self {
        Self {
            minute: Arc::new(Mutex::new(Minute::default())),
            instance_id: instance_id.into(),
        }
    }

    /// This instance's id.
    pub fn instance_id(&self) -> &str {
        &self.instance_id
    }

    fn with_minute(&self, f: impl FnOnce(&mut Minute)) {
        let mut minute = self.minute.lock().unwrap_or_else(|e| e.into_inner());
        f(&mut minute);
    }

    /// An HTTP request finished.
    pub fn record_request(&self, duration_ms: f64, status: u16) {
        self.with_minute(|m| {
            m.requests += 1;
            if status >= 500 {
                m.errors_5xx += 1;
            }
            m.latencies_ms.push(duration_ms);
        });
    }

    /// A message was stored in `room`.
    pub fn record_message(&self, room: Id) {
        self.with_minute(|m| {
            m.messages += 1;
            *m.rooms.entry(room).or_insert(0) += 1;
        });
    }

    /// Deliveries of `messages` messages were given up.
    pub fn record_delivery_failures(&self, messages: u64) {
        self.with_minute(|m| m.delivery_failures += messages);
    }

    /// A server -> client round trip (an emission answered by the client's ack).
    pub fn record_rtt(&self, rtt_ms: f64) {
        self.with_minute(|m| m.rtt_ms.push(rtt_ms));
    }

    /// Model tokens spent by the assistant.
    pub fn record_ai_tokens(&self, tokens: u64) {
        self.with_minute(|m| m.ai_tokens += tokens);
    }

    /// Tokens spent in the current, not yet written minute (for the daily budget).
    pub fn pending_ai_tokens(&self) -> u64 {
        self.minute
            .lock()
            .unwrap_or_else(|e| e.into_inner())
            .ai_tokens
    }

    /// The socket count seen now (the minute keeps its peak).
    pub fn record_sockets(&self, sockets: usize) {
        self.with_minute(|m| m.peak_sockets = m.peak_sockets.max(sockets));
    }

    /// Closes the minute if it is over (or `force`), returning its rollup rows.
    fn take_rows(&self, now: DateTime<Utc>, force: bool) -> Vec<RollupRow> {
        let current = now
            .duration_trunc(chrono::Duration::minutes(1))
            .unwrap_or(now);
        let mut minute = self.minute.lock().unwrap_or_else(|e| e.into_inner());
        let start = *minute.start.get_or_insert(current);
        if start == current && !force {
            return Vec::new();
        }
        let mut done = std::mem::take(&mut *minute);
        minute.start = Some(current);
        drop(minute);
        self.rows(start, &mut done)
    }

    fn rows(&self, minute: DateTime<Utc>, m: &mut Minute) -> Vec<RollupRow> {
        let mut values: Vec<(String, f64)> = vec![
            ("requests".into(), m.requests as f64),
            ("errors_5xx".into(), m.errors_5xx as f64),
            ("sockets".into(), m.peak_sockets as f64),
            ("messages".into(), m.messages as f64),
            ("delivery_failures".into(), m.delivery_failures as f64),
            ("rtt_samples".into(), m.rtt_ms.seen as f64),
            ("ai_tokens".into(), m.ai_tokens as f64),
        ];
        for (name, q) in [("latency_p50_ms", 0.5), ("latency_p95_ms", 0.95)] {
            if let Some(v) = m.latencies_ms.quantile(q) {
                values.push((name.into(), v));
            }
        }
        for (name, q) in [("rtt_p50_ms", 0.5), ("rtt_p95_ms", 0.95)] {
            if let Some(v) = m.rtt_ms.quantile(q) {
                values.push((name.into(), v));
            }
        }
        let mut rooms: Vec<(Id, u64)> = m.rooms.drain().collect();
        rooms.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        values.extend(
            rooms
                .into_iter()
                .take(TOP_ROOMS)
                .map(|(room, n)| (format!("top_room:{room}"), n as f64)),
        );
        values
            .into_iter()
            .map(|(name, value)| RollupRow {
                instance_id: self.instance_id.to_string(),
                minute,
                name,
                value,
            })
            .collect()
    }

    /// Writes finished minutes every few seconds, prunes old rows hourly; aborted at shutdown
    /// (after which [`Telemetry::flush`] writes the partial minute).
    pub fn spawn(
        &self,
        store: DynStore,
        sockets: impl Fn() -> usize + Send + 'static,
    ) -> tokio::task::JoinHandle<()> {
        let telemetry = self.clone();
        tokio::spawn(async move {
            let mut tick = tokio::time::interval(Duration::from_secs(5));
            let mut last_prune = None::<DateTime<Utc>>;
            loop {
                tick.tick().await;
                telemetry.record_sockets(sockets());
                let now = crate::store::now();
                telemetry.write(&store, now, false).await;
                if last_prune.is_none_or(|at| now - at > chrono::Duration::hours(1)) {
                    last_prune = Some(now);
                    if let Err(err) = store.prune_rollups(now - RETENTION).await {
                        tracing::warn!(error = %err, "pruning telemetry rollups failed");
                    }
                }
            }
        })
    }

    /// Writes the current (partial) minute, at shutdown.
    pub async fn flush(&self, store: &DynStore) {
        self.write(store, crate::store::now(), true).await;
    }

    async fn write(&self, store: &DynStore, now: DateTime<Utc>, force: bool) {
        let rows = self.take_rows(now, force);
        if rows.is_empty() {
            return;
        }
        if let Err(err) = store.write_rollups(&rows).await {
            tracing::warn!(error = %err, rows = rows.len(), "writing telemetry rollups failed");
        }
    }
}

/// One point of the dashboard's charts (all instances merged).
#[derive(Clone, Debug, Default, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct TelemetryPoint {
    /// Start of the bucket.
    pub minute: DateTime<Utc>,
    /// Requests.
    pub requests: f64,
    /// Server errors.
    pub errors5xx: f64,
    /// Median request latency (request-weighted mean of the instances' medians).
    pub p50_ms: Option<f64>,
    /// 95th percentile request latency (request-weighted mean of the instances').
    pub p95_ms: Option<f64>,
    /// Connected sockets across the cluster: each minute's instance peaks added up, and the
    /// busiest minute of the bucket.
    pub sockets: f64,
    /// Messages stored.
    pub messages: f64,
    /// Deliveries given up.
    pub delivery_failures: f64,
    /// Median socket round trip.
    pub rtt_p50_ms: Option<f64>,
    /// 95th percentile socket round trip.
    pub rtt_p95_ms: Option<f64>,
}

/// Merges rollups of every instance into buckets of `bucket` length; returns the points and
/// the message counts per room over the whole window.
pub fn merge(
    rows: &[RollupRow],
    bucket: chrono::Duration,
) -> (Vec<TelemetryPoint>, HashMap<Id, f64>) {
    let mut buckets: std::collections::BTreeMap<DateTime<Utc>, Accumulator> =
        std::collections::BTreeMap::new();
    let mut rooms: HashMap<Id, f64> = HashMap::new();
    let mut per_instance: HashMap<(DateTime<Utc>, &str), HashMap<&str, f64>> = HashMap::new();
    for row in rows {
        if let Some(room) = row
            .name
            .strip_prefix("top_room:")
            .and_then(|r| r.parse().ok())
        {
            *rooms.entry(room).or_insert(0.0) += row.value;
            continue;
        }
        per_instance
            .entry((row.minute, row.instance_id.as_str()))
            .or_default()
            .insert(row.name.as_str(), row.value);
    }
    // Instances are added up within a minute; a longer bucket keeps its busiest minute.
    let mut sockets: std::collections::BTreeMap<DateTime<Utc>, f64> = Default::default();
    for ((minute, _), values) in per_instance {
        let start = minute.duration_trunc(bucket).unwrap_or(minute);
        buckets.entry(start).or_default().add(&values);
        *sockets.entry(minute).or_insert(0.0) += values.get("sockets").copied().unwrap_or(0.0);
    }
    for (minute, total) in sockets {
        let start = minute.duration_trunc(bucket).unwrap_or(minute);
        let point = &mut buckets.entry(start).or_default().point;
        point.sockets = point.sockets.max(total);
    }
    let points = buckets
        .into_iter()
        .map(|(minute, acc)| acc.point(minute))
        .collect();
    (points, rooms)
}

/// Sums and weights of one bucket.
#[derive(Default)]
struct Accumulator {
    point: TelemetryPoint,
    latency_weight: f64,
    p50: f64,
    p95: f64,
    rtt_weight: f64,
    rtt50: f64,
    rtt95: f64,
}

impl Accumulator {
    fn add(&mut self, v: &HashMap<&str, f64>) {
        let get = |k: &str| v.get(k).copied().unwrap_or(0.0);
        let requests = get("requests");
        self.point.requests += requests;
        self.point.errors5xx += get("errors_5xx");
        self.point.messages += get("messages");
        self.point.delivery_failures += get("delivery_failures");
        if let (Some(p50), Some(p95)) = (v.get("latency_p50_ms"), v.get("latency_p95_ms")) {
            self.latency_weight += requests.max(1.0);
            self.p50 += p50 * requests.max(1.0);
            self.p95 += p95 * requests.max(1.0);
        }
        if let (Some(p50), Some(p95)) = (v.get("rtt_p50_ms"), v.get("rtt_p95_ms")) {
            let n = get("rtt_samples").max(1.0);
            self.rtt_weight += n;
            self.rtt50 += p50 * n;
            self.rtt95 += p95 * n;
        }
    }

    fn point(mut self, minute: DateTime<Utc>) -> TelemetryPoint {
        self.point.minute = minute;
        if self.latency_weight > 0.0 {
            self.point.p50_ms = Some(self.p50 / self.latency_weight);
            self.point.p95_ms = Some(self.p95 / self.latency_weight);
        }
        if self.rtt_weight > 0.0 {
            self.point.rtt_p50_ms = Some(self.rtt50 / self.rtt_weight);
            self.point.rtt_p95_ms = Some(self.rtt95 / self.rtt_weight);
        }
        self.point
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_minute_becomes_rows_and_rows_merge_across_instances() {
        let telemetry = Telemetry::new("a");
        let room = Id::new();
        let t0 = crate::store::now()
            .duration_trunc(chrono::Duration::minutes(1))
            .unwrap_or_else(|_| crate::store::now());
        assert!(telemetry.take_rows(t0, false).is_empty());
        for ms in [10.0, 20.0, 30.0, 1000.0] {
            telemetry.record_request(ms, 200);
        }
        telemetry.record_request(5.0, 500);
        telemetry.record_message(room);
        let mut rows = telemetry.take_rows(t0 + chrono::Duration::seconds(61), false);
        let value =
            |rows: &[RollupRow], name: &str| rows.iter().find(|r| r.name == name).map(|r| r.value);
        assert_eq!(value(&rows, "requests"), Some(5.0));
        assert_eq!(value(&rows, "errors_5xx"), Some(1.0));
        assert_eq!(value(&rows, "latency_p50_ms"), Some(20.0));
        assert_eq!(value(&rows, &format!("top_room:{room}")), Some(1.0));
        let mut other: Vec<RollupRow> = rows
            .iter()
            .map(|r| RollupRow {
                instance_id: "b".into(),
                ..r.clone()
            })
            .collect();
        rows.append(&mut other);
        let (points, rooms) = merge(&rows, chrono::Duration::minutes(1));
        assert_eq!(points.len(), 1);
        assert_eq!(points[0].requests, 10.0);
        assert_eq!(rooms.get(&room), Some(&2.0));
    }

    #[test]
    fn sockets_add_up_across_instances_and_peak_across_minutes() {
        let t0 = DateTime::from_timestamp(1_714_986_000, 0).unwrap_or_default();
        let row = |instance: &str, minutes: i64, value: f64| RollupRow {
            instance_id: instance.into(),
            minute: t0 + chrono::Duration::minutes(minutes),
            name: "sockets".into(),
            value,
        };
        let rows = [
            row("a", 0, 50.0),
            row("b", 0, 50.0),
            row("a", 1, 70.0),
            row("b", 1, 10.0),
            row("a", 2, 20.0),
        ];
        let (minutes, _) = merge(&rows, chrono::Duration::minutes(1));
        let sockets: Vec<f64> = minutes.iter().map(|p| p.sockets).collect();
        assert_eq!(sockets, [100.0, 80.0, 20.0]);
        // A five-minute bucket shows its busiest minute, not the sum of its minutes.
        let (bucket, _) = merge(&rows, chrono::Duration::minutes(5));
        assert_eq!(bucket.len(), 1);
        assert_eq!(bucket[0].sockets, 100.0);
    }
}
