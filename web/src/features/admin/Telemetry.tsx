import { useCallback, useEffect, useRef, useState } from 'react';
import { api, errorMessage, isNotAvailable } from '../../api';
import { useToast } from '../../ui/toast';
import type { Telemetry, TelemetryPoint } from '../../types';
import { BarList, LineChart } from './charts';
import { bucketLabel, fillSeries } from './telemetry';

const WINDOWS = ['1h', '6h', '24h', '7d'];
export const REFRESH_MS = 30_000;

type Column = keyof Omit<TelemetryPoint, 'minute'>;

/** Ops dashboard from the per-minute rollups of all instances; refreshes every 30 s. */
export function TelemetryView() {
  const [windowSize, setWindowSize] = useState('1h');
  const [data, setData] = useState<Telemetry | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const [loading, setLoading] = useState(false);
  const toast = useToast();
  const inFlight = useRef(false);

  /** Loads once; false when polling should stop (the server has no telemetry). */
  const load = useCallback(
    async (announce: boolean): Promise<boolean> => {
      if (inFlight.current) return true;
      inFlight.current = true;
      setLoading(true);
      try {
        setData(await api.admin.telemetry(windowSize));
        setError(null);
        setUpdatedAt(new Date());
        return true;
      } catch (err) {
        setError(errorMessage(err));
        if (announce) toast.error(err, 'Could not load telemetry');
        if (isNotAvailable(err)) setUnavailable(true);
        return !isNotAvailable(err);
      } finally {
        inFlight.current = false;
        setLoading(false);
      }
    },
    [windowSize, toast],
  );

  useEffect(() => {
    if (unavailable) return undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    let stopped = false;
    void load(true).then((again) => {
      if (!again || stopped) return;
      timer = setInterval(() => {
        if (document.visibilityState === 'visible') void load(false);
      }, REFRESH_MS);
    });
    // Back in a hidden tab: catch up at once instead of waiting for the next tick.
    const onVisible = () => {
      if (document.visibilityState === 'visible') void load(false);
    };
    document.addEventListener('visibilitychange', onVisible);
    return () => {
      stopped = true;
      clearInterval(timer);
      document.removeEventListener('visibilitychange', onVisible);
    };
  }, [load, unavailable]);

  const s = fillSeries(data?.series ?? [], data?.bucketMinutes ?? 1);
  const labels = s.map((p) => bucketLabel(p.minute, windowSize));
  const col = (k: Column) => s.map((p) => p[k]);
  const perBucket = (data?.bucketMinutes ?? 1) === 1 ? '/ min' : `/ ${data?.bucketMinutes} min`;

  return (
    <section aria-labelledby="telemetry-title" data-testid="telemetry">
      <header className="page-header">
        <h2 id="telemetry-title">Telemetry</h2>
        <div className="page-actions">
          <div className="field compact inline">
            <label htmlFor="telemetry-window">Window</label>
            <select id="telemetry-window" value={windowSize} onChange={(e) => setWindowSize(e.target.value)} data-testid="telemetry-window">
              {WINDOWS.map((w) => (
                <option key={w} value={w}>
                  {w}
                </option>
              ))}
            </select>
          </div>
          <button type="button" className="button small" onClick={() => void load(true)} disabled={loading || unavailable} data-testid="telemetry-refresh">
            Refresh
          </button>
        </div>
      </header>
      <p className="muted small" aria-live="polite" data-testid="telemetry-status">
        {error ? (
          <span className="form-error">Could not refresh: {error}</span>
        ) : updatedAt ? (
          <>
            Updated <time dateTime={updatedAt.toISOString()}>{updatedAt.toLocaleTimeString()}</time> · refreshes every 30 s
            {data?.instances !== undefined && ` · ${data.instances} ${data.instances === 1 ? 'instance' : 'instances'}`}
            {data?.bucketMinutes !== undefined && data.bucketMinutes > 1 && ` · ${data.bucketMinutes}-minute buckets`}
          </>
        ) : (
          'Loading…'
        )}
      </p>
      {data && s.length === 0 && (
        <p className="notice small" data-testid="telemetry-empty">
          No data in this window yet: instances write their numbers once a minute.
        </p>
      )}
      <div className="chart-grid-layout">
        <LineChart
          title={`Requests ${perBucket}`}
          labels={labels}
          series={[
            { label: 'requests', values: col('requests'), color: 'var(--chart-1)' },
            { label: '5xx', values: col('errors5xx'), color: 'var(--chart-err)' },
          ]}
        />
        <LineChart
          title="HTTP latency"
          unit="ms"
          labels={labels}
          series={[
            { label: 'p50', values: col('p50Ms'), color: 'var(--chart-1)' },
            { label: 'p95', values: col('p95Ms'), color: 'var(--chart-2)' },
          ]}
        />
        <LineChart title="Connected sockets (peak)" labels={labels} series={[{ label: 'sockets', values: col('sockets'), color: 'var(--chart-3)' }]} />
        <LineChart
          title={`Messages ${perBucket}`}
          labels={labels}
          series={[
            { label: 'messages', values: col('messages'), color: 'var(--chart-1)' },
            { label: 'delivery failures', values: col('deliveryFailures'), color: 'var(--chart-err)' },
          ]}
        />
        <LineChart
          title="Delivery ack round trip"
          unit="ms"
          labels={labels}
          series={[
            { label: 'p50', values: col('rttP50Ms'), color: 'var(--chart-1)' },
            { label: 'p95', values: col('rttP95Ms'), color: 'var(--chart-2)' },
          ]}
        />
        <BarList title="Busiest rooms (messages)" items={(data?.topRooms ?? []).map((r) => ({ label: r.title || '(deleted room)', value: r.messages }))} />
      </div>
    </section>
  );
}
