//! Latency distributions that merge: an HDR histogram (3 significant digits, microseconds)
//! per minute and instance, so percentiles over several instances or minutes come from the
//! merged counts instead of an average of percentiles (which is not a percentile of anything).
//!
//! In `telemetry_rollups` a histogram is stored as rows beside the plain values: its V2 +
//! DEFLATE serialisation (the HdrHistogram interchange format), URL-safe base64, cut into
//! chunks so no row's key grows past what an index entry holds:
//! `<metric>_hdr:<index>/<count>:<chunk>`, with the histogram's sample count as the value.

use std::collections::BTreeMap;

use base64::{Engine, engine::general_purpose::URL_SAFE_NO_PAD};
use hdrhistogram::{
    Histogram,
    serialization::{Deserializer, Serializer, V2DeflateSerializer},
};

/// Significant digits kept (values are within 0.1 % of what was recorded).
const SIGFIG: u8 = 3;
/// Longest chunk of a serialised histogram in one row name, in characters.
const CHUNK: usize = 1024;

/// A mergeable distribution of durations; empty until the first value.
#[derive(Clone, Debug, Default)]
pub struct Latencies(Option<Histogram<u64>>);

impl Latencies {
    /// Adds one duration, in milliseconds.
    pub fn record_ms(&mut self, ms: f64) {
        let micros = (ms.max(0.0) * 1000.0).round() as u64;
        if let Some(histogram) = self.histogram()
            && histogram.record(micros).is_err()
        {
            // Auto-resizing takes any value; saturating is the fallback should that ever fail.
            histogram.saturating_record(micros);
        }
    }

    /// Adds every value of `other`.
    pub fn merge(&mut self, other: &Latencies) {
        let Some(theirs) = &other.0 else {
            return;
        };
        if let Some(histogram) = self.histogram()
            && let Err(err) = histogram.add(theirs)
        {
            // Auto-resizing histograms take any range: only a bug gets here.
            tracing::warn!(error = ?err, "merging latency histograms failed");
        }
    }

    /// Values recorded.
    pub fn count(&self) -> u64 {
        self.0.as_ref().map_or(0, Histogram::len)
    }

    /// The `q` quantile (0..=1) in milliseconds; `None` when empty.
    pub fn quantile_ms(&self, q: f64) -> Option<f64> {
        let histogram = self.0.as_ref().filter(|h| !h.is_empty())?;
        let micros = histogram.median_equivalent(histogram.value_at_quantile(q));
        Some(micros as f64 / 1000.0)
    }

    /// The rollup rows of this distribution under `metric`: `(name, value)` pairs.
    pub fn to_rows(&self, metric: &str) -> Vec<(String, f64)> {
        let Some(histogram) = self.0.as_ref().filter(|h| !h.is_empty()) else {
            return Vec::new();
        };
        let mut bytes = Vec::new();
        if let Err(err) = V2DeflateSerializer::new().serialize(histogram, &mut bytes) {
            tracing::warn!(error = ?err, metric, "serialising a latency histogram failed");
            return Vec::new();
        }
        let text = URL_SAFE_NO_PAD.encode(bytes);
        // Base64 is ASCII: cutting at any byte keeps characters whole.
        let chunks: Vec<&str> = text
            .as_bytes()
            .chunks(CHUNK)
            .filter_map(|c| std::str::from_utf8(c).ok())
            .collect();
        let total = chunks.len();
        chunks
            .iter()
            .enumerate()
            .map(|(i, chunk)| {
                (
                    format!("{metric}_hdr:{i}/{total}:{chunk}"),
                    histogram.len() as f64,
                )
            })
            .collect()
    }

    fn histogram(&mut self) -> Option<&mut Histogram<u64>> {
        if self.0.is_none() {
            self.0 = Histogram::new(SIGFIG).ok();
        }
        self.0.as_mut()
    }
}

/// Collects the chunks of stored histograms and decodes the complete ones.
#[derive(Debug, Default)]
pub struct Chunks(BTreeMap<String, (usize, BTreeMap<usize, String>)>);

impl Chunks {
    /// Takes a row name if it is a histogram chunk (`<metric>_hdr:<i>/<n>:<chunk>`), keyed by
    /// `key` (the instance and minute it belongs to) and the metric; false for other rows.
    pub fn take(&mut self, key: &str, name: &str) -> bool {
        let Some((metric, rest)) = name.split_once("_hdr:") else {
            return false;
        };
        let parsed = rest.split_once(':').and_then(|(position, chunk)| {
            let (i, n) = position.split_once('/')?;
            Some((i.parse::<usize>().ok()?, n.parse::<usize>().ok()?, chunk))
        });
        if let Some((i, n, chunk)) = parsed {
            let entry = self
                .0
                .entry(format!("{key}\u{0}{metric}"))
                .or_insert_with(|| (n, BTreeMap::new()));
            entry.1.insert(i, chunk.to_owned());
        }
        true
    }

    /// The decoded histograms: `(key, metric, latencies)` for every complete one.
    pub fn decode(self) -> Vec<(String, String, Latencies)> {
        self.0
            .into_iter()
            .filter(|(_, (total, chunks))| chunks.len() == *total)
            .filter_map(|(id, (_, chunks))| {
                let (key, metric) = id.split_once('\u{0}')?;
                let text: String = chunks.into_values().collect();
                let bytes = URL_SAFE_NO_PAD.decode(text).ok()?;
                let histogram: Histogram<u64> = Deserializer::new()
                    .deserialize(&mut std::io::Cursor::new(bytes))
                    .ok()?;
                Some((
                    key.to_owned(),
                    metric.to_owned(),
                    Latencies(Some(histogram)),
                ))
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn percentiles_of_merged_histograms_are_percentiles_of_all_values() {
        // One busy fast instance and one quiet slow one: the merged p95 is the p95 of all
        // requests (fast), where averaging the two p95s would say ~505 ms.
        let mut fast = Latencies::default();
        for _ in 0..1000 {
            fast.record_ms(10.0);
        }
        let mut slow = Latencies::default();
        for _ in 0..10 {
            slow.record_ms(1000.0);
        }
        let mut all = Latencies::default();
        all.merge(&fast);
        all.merge(&slow);
        assert_eq!(all.count(), 1010);
        let p95 = all.quantile_ms(0.95).unwrap_or_default();
        assert!((p95 - 10.0).abs() < 0.05, "{p95}");
        let p999 = all.quantile_ms(0.999).unwrap_or_default();
        assert!((p999 - 1000.0).abs() < 1.0, "{p999}");
        assert_eq!(Latencies::default().quantile_ms(0.5), None);
    }

    #[test]
    fn histograms_survive_the_rows_even_in_several_chunks() {
        let mut wide = Latencies::default();
        // Many distinct values: a serialisation longer than one chunk.
        for i in 0..20_000u32 {
            wide.record_ms(f64::from(i) * 0.731 + f64::from(i % 97) * 13.0);
        }
        let rows = wide.to_rows("latency");
        assert!(rows.len() > 1, "{} chunk(s)", rows.len());
        assert!(rows.iter().all(|(name, _)| name.len() < CHUNK + 40));
        let mut chunks = Chunks::default();
        // Rows come back in any order, mixed with other rows and other instances.
        assert!(!chunks.take("a", "requests"));
        for (name, _) in rows.iter().rev() {
            assert!(chunks.take("a", name));
        }
        let mut decoded = chunks.decode();
        assert_eq!(decoded.len(), 1);
        let (key, metric, back) = decoded.remove(0);
        assert_eq!((key.as_str(), metric.as_str()), ("a", "latency"));
        assert_eq!(back.count(), wide.count());
        assert_eq!(back.quantile_ms(0.95), wide.quantile_ms(0.95));
        // A histogram missing a chunk is left out, not misread.
        let mut partial = Chunks::default();
        for (name, _) in rows.iter().skip(1) {
            partial.take("a", name);
        }
        assert!(partial.decode().is_empty());
    }
}
