//! Telemetry rollups: every instance sums its minute (requests, 5xx, latency histograms,
//! sockets, messages, delivery failures, socket round trips, busiest rooms) and writes it to
//! `telemetry_rollups`, so the admin dashboard shows the whole cluster's history across
//! restarts. Latency percentiles of several instances or minutes come from their merged
//! histograms (see [`super::latency`]). Old rows are pruned.

use std::{
    collections::HashMap,
    sync::{Arc, Mutex},
    time::Duration,
};

use chrono::{DateTime, DurationRound, Utc};
use serde::Serialize;
use utoipa::ToSchema;

use super::latency::{Chunks, Latencies};
use crate::{
    domain::Id,
    store::{DynStore, RollupRow},
};

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
    latencies: Latencies,
    messages: u64,
    delivery_failures: u64,
    rtt: Latencies,
    rooms: HashMap<Id, u64>,
    peak_sockets: usize,
    ai_tokens: u64,
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
            m.latencies.record_ms(duration_ms);
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
        self.with_minute(|m| m.rtt.record_ms(rtt_ms));
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
            ("rtt_samples".into(), m.rtt.count() as f64),
            ("ai_tokens".into(), m.ai_tokens as f64),
        ];
        // This instance's own percentiles too: readable without decoding, and what rows of
        // older versions hold.
        for (latencies, metric) in [(&m.latencies, "latency"), (&m.rtt, "rtt")] {
            for (suffix, q) in [("p50_ms", 0.5), ("p95_ms", 0.95)] {
                if let Some(v) = latencies.quantile_ms(q) {
                    values.push((format!("{metric}_{suffix}"), v));
                }
            }
            values.extend(latencies.to_rows(metric));
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
    /// Median request latency, of all instances' requests (their histograms merged).
    pub p50_ms: Option<f64>,
    /// 95th percentile request latency, of all instances' requests.
    pub p95_ms: Option<f64>,
    /// Connected sockets across the cluster: each minute's instance peaks added up, and the
    /// busiest minute of the bucket.
    pub sockets: f64,
    /// Messages stored.
    pub messages: f64,
    /// Deliveries given up.
    pub delivery_failures: f64,
    /// Median socket round trip, of all instances' round trips.
    pub rtt_p50_ms: Option<f64>,
    /// 95th percentile socket round trip, of all instances' round trips.
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
    let mut histograms = Chunks::default();
    for row in rows {
        if let Some(room) = row
            .name
            .strip_prefix("top_room:")
            .and_then(|r| r.parse().ok())
        {
            *rooms.entry(room).or_insert(0.0) += row.value;
            continue;
        }
        let key = format!("{} {}", row.minute.timestamp(), row.instance_id);
        if histograms.take(&key, &row.name) {
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
    // Every instance's every minute of a bucket, merged: percentiles of all its requests.
    for (key, metric, latencies) in histograms.decode() {
        let Some(minute) = key
            .split_once(' ')
            .and_then(|(secs, _)| secs.parse().ok())
            .and_then(|secs| DateTime::from_timestamp(secs, 0))
        else {
            continue;
        };
        let start = minute.duration_trunc(bucket).unwrap_or(minute);
        let acc = buckets.entry(start).or_default();
        match metric.as_str() {
            "latency" => acc.latency.merge(&latencies),
            "rtt" => acc.rtt.merge(&latencies),
            _ => {}
        }
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

/// Sums, merged histograms and (for rows written before histograms) weights of one bucket.
#[derive(Default)]
struct Accumulator {
    point: TelemetryPoint,
    latency: Latencies,
    rtt: Latencies,
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
        // Merged histograms when the bucket has them; rows of older versions only had each
        // instance's percentiles, so those buckets keep the request-weighted mean.
        if self.latency.count() > 0 {
            self.point.p50_ms = self.latency.quantile_ms(0.5);
            self.point.p95_ms = self.latency.quantile_ms(0.95);
        } else if self.latency_weight > 0.0 {
            self.point.p50_ms = Some(self.p50 / self.latency_weight);
            self.point.p95_ms = Some(self.p95 / self.latency_weight);
        }
        if self.rtt.count() > 0 {
            self.point.rtt_p50_ms = self.rtt.quantile_ms(0.5);
            self.point.rtt_p95_ms = self.rtt.quantile_ms(0.95);
        } else if self.rtt_weight > 0.0 {
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
        let p50 = value(&rows, "latency_p50_ms").unwrap_or_default();
        assert!((p50 - 20.0).abs() < 0.05, "{p50}");
        assert!(rows.iter().any(|r| r.name.starts_with("latency_hdr:0/1:")));
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
        let merged_p50 = points[0].p50_ms.unwrap_or_default();
        assert!((merged_p50 - 20.0).abs() < 0.05, "{merged_p50}");
    }

    #[test]
    fn p95_across_instances_is_merged_not_averaged() {
        let t0 = DateTime::from_timestamp(1_714_986_000, 0).unwrap_or_default();
        // A busy instance answering in 10 ms, a quiet one in 1 s, in two minutes.
        let busy = Telemetry::new("busy");
        let quiet = Telemetry::new("quiet");
        let mut rows = Vec::new();
        for minute in 0..2 {
            let at = t0 + chrono::Duration::minutes(minute);
            busy.take_rows(at, false);
            quiet.take_rows(at, false);
            for _ in 0..990 {
                busy.record_request(10.0, 200);
            }
            for _ in 0..10 {
                quiet.record_request(1000.0, 200);
            }
            quiet.record_rtt(40.0);
            let next = at + chrono::Duration::seconds(61);
            rows.extend(busy.take_rows(next, false));
            rows.extend(quiet.take_rows(next, false));
        }
        for bucket in [1, 5] {
            let (points, _) = merge(&rows, chrono::Duration::minutes(bucket));
            for point in &points {
                let p95 = point.p95_ms.unwrap_or_default();
                // A weighted mean of the two p95s would be ~19.9 ms; an unweighted one 505 ms.
                assert!((p95 - 10.0).abs() < 0.05, "bucket {bucket}: {p95}");
                let rtt = point.rtt_p50_ms.unwrap_or_default();
                assert!((rtt - 40.0).abs() < 0.05, "{rtt}");
            }
        }
        // Rows written before histograms still chart (their weighted mean).
        let old: Vec<RollupRow> = rows
            .iter()
            .filter(|r| !r.name.contains("_hdr:"))
            .cloned()
            .collect();
        let (points, _) = merge(&old, chrono::Duration::minutes(1));
        assert!(points[0].p95_ms.is_some_and(|p| p > 10.0));
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
