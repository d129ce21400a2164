import { describe, expect, it } from 'vitest';
import type { TelemetryPoint } from '../../types';
import { bucketLabel, fillSeries, latest, segments, tickIndices } from './telemetry';

function point(minute: string, requests: number, p50Ms: number | null = 10): TelemetryPoint {
  return { minute, requests, errors5xx: 0, p50Ms, p95Ms: p50Ms, sockets: 1, messages: 0, deliveryFailures: 0, rttP50Ms: null, rttP95Ms: null };
}

describe('telemetry series', () => {
  it('fills missing buckets with zeros and gaps, in time order', () => {
    const out = fillSeries([point('2026-01-01T10:03:00Z', 7), point('2026-01-01T10:00:00Z', 5)], 1);
    expect(out.map((p) => p.minute)).toEqual([
      '2026-01-01T10:00:00Z',
      '2026-01-01T10:01:00.000Z',
      '2026-01-01T10:02:00.000Z',
      '2026-01-01T10:03:00Z',
    ]);
    expect(out.map((p) => p.requests)).toEqual([5, 0, 0, 7]);
    expect(out.map((p) => p.p50Ms)).toEqual([10, null, null, 10]);
  });

  it('uses the bucket size and caps the length', () => {
    const out = fillSeries([point('2026-01-01T00:00:00Z', 1), point('2026-01-01T02:00:00Z', 2)], 30);
    expect(out).toHaveLength(5);
    expect(fillSeries([point('2026-01-01T00:00:00Z', 1), point('2026-01-02T00:00:00Z', 1)], 1, 100)).toHaveLength(100);
    expect(fillSeries([], 1)).toEqual([]);
  });

  it('breaks lines at gaps and finds the newest value', () => {
    expect(segments([1, 2, null, 4, null, null, 7, 8])).toEqual([
      [
        [0, 1],
        [1, 2],
      ],
      [[3, 4]],
      [
        [6, 7],
        [7, 8],
      ],
    ]);
    expect(segments([null, null])).toEqual([]);
    expect(latest([1, 5, null])).toBe(5);
    expect(latest([null])).toBeNull();
  });
});

describe('chart axis', () => {
  it('labels both ends and evenly spaced points between', () => {
    expect(tickIndices(0)).toEqual([]);
    expect(tickIndices(1)).toEqual([0]);
    expect(tickIndices(2)).toEqual([0, 1]);
    expect(tickIndices(3)).toEqual([0, 1, 2]);
    expect(tickIndices(10)).toEqual([0, 3, 6, 9]);
    expect(tickIndices(61)).toEqual([0, 20, 40, 60]);
  });

  it('labels times on a 24-hour clock, with the weekday over a week', () => {
    const iso = new Date(2026, 0, 2, 14, 5).toISOString();
    expect(bucketLabel(iso, '1h')).toMatch(/14.05/);
    expect(bucketLabel(iso, '7d')).toMatch(/^\S+ 14.05$/);
    expect(bucketLabel('nonsense', '1h')).toBe('nonsense');
  });
});
