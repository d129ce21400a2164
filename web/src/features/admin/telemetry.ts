// Shaping the telemetry series for the charts (unit-tested in telemetry.test.ts).
import type { TelemetryPoint } from '../../types';

/** A bucket without data: no traffic (zeros) and no latency (gaps). */
function emptyPoint(minute: string): TelemetryPoint {
  return {
    minute,
    requests: 0,
    errors5xx: 0,
    p50Ms: null,
    p95Ms: null,
    sockets: 0,
    messages: 0,
    deliveryFailures: 0,
    rttP50Ms: null,
    rttP95Ms: null,
  };
}

/**
 * The series with its missing buckets filled in, from its first to its last point, so the x
 * axis is time and not "the n-th point" (rollups skip minutes when no instance ran). Capped
 * at `maxPoints` buckets.
 */
export function fillSeries(series: TelemetryPoint[], bucketMinutes = 1, maxPoints = 2000): TelemetryPoint[] {
  const step = Math.max(1, bucketMinutes) * 60_000;
  const sorted = [...series].filter((p) => Number.isFinite(Date.parse(p.minute))).sort((a, b) => Date.parse(a.minute) - Date.parse(b.minute));
  const first = sorted[0];
  const last = sorted[sorted.length - 1];
  if (!first || !last) return [];
  const start = Date.parse(first.minute);
  const count = Math.min(maxPoints, Math.round((Date.parse(last.minute) - start) / step) + 1);
  const byBucket = new Map<number, TelemetryPoint>();
  for (const p of sorted) byBucket.set(Math.round((Date.parse(p.minute) - start) / step), p);
  const out: TelemetryPoint[] = [];
  for (let i = 0; i < count; i++) out.push(byBucket.get(i) ?? emptyPoint(new Date(start + i * step).toISOString()));
  return out;
}

/** Runs of consecutive non-null values as [index, value] pairs (a line breaks at a gap). */
export function segments(values: (number | null)[]): [number, number][][] {
  const runs: [number, number][][] = [];
  let run: [number, number][] = [];
  values.forEach((v, i) => {
    if (v === null || !Number.isFinite(v)) {
      if (run.length) runs.push(run);
      run = [];
    } else {
      run.push([i, v]);
    }
  });
  if (run.length) runs.push(run);
  return runs;
}

/** The newest value that is not a gap. */
export function latest(values: (number | null)[]): number | null {
  for (let i = values.length - 1; i >= 0; i--) {
    const v = values[i];
    if (v !== null && v !== undefined && Number.isFinite(v)) return v;
  }
  return null;
}

/** Axis labels, short enough for four across a small chart: 14:05, or Fri 14:00 over a week. */
export function bucketLabel(iso: string, window: string): string {
  const d = new Date(iso);
  if (Number.isNaN(d.getTime())) return iso;
  const time = d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' });
  return window === '7d' ? `${d.toLocaleDateString([], { weekday: 'short' })} ${time}` : time;
}

/** Which of `n` points get an x-axis label: both ends and evenly spaced ones between, at most `max`. */
export function tickIndices(n: number, max = 4): number[] {
  if (n <= 0) return [];
  if (n === 1) return [0];
  const count = Math.min(n, Math.max(2, max));
  const out = new Set<number>();
  for (let k = 0; k < count; k++) out.add(Math.round((k * (n - 1)) / (count - 1)));
  return [...out];
}
