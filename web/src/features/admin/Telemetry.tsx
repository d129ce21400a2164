import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage, isNotAvailable } from '../../api';
import { useToast } from '../../ui/toast';
import type { Telemetry } from '../../types';
import { BarList, LineChart } from './charts';

const WINDOWS = ['1h', '6h', '24h', '7d'];
const REFRESH_MS = 30_000;

function minuteLabel(iso: string): string {
  const d = new Date(iso);
  return Number.isNaN(d.getTime()) ? iso : d.toLocaleTimeString([], { hour: '2-digit', minute: '2-digit' });
}

/** Ops dashboard from the per-minute rollups of all instances; refreshes every 30 s. */
export function TelemetryView() {
  const [windowSize, setWindowSize] = useState('6h');
  const [data, setData] = useState<Telemetry | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [updatedAt, setUpdatedAt] = useState<Date | null>(null);
  const [unavailable, setUnavailable] = useState(false);
  const toast = useToast();

  /** Loads once; false when polling should stop (the server has no telemetry yet). */
  const load = useCallback(
    async (announce: boolean): Promise<boolean> => {
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
      }
    },
    [windowSize, toast],
  );

  useEffect(() => {
    if (unavailable) return undefined;
    let timer: ReturnType<typeof setInterval> | undefined;
    void load(true).then((again) => {
      if (!again) return;
      timer = setInterval(() => {
        if (document.visibilityState === 'visible') void load(false);
      }, REFRESH_MS);
    });
    return () => clearInterval(timer);
  }, [load, unavailable]);

  const s = data?.series ?? [];
  const labels = s.map((p) => minuteLabel(p.minute));
  const col = (k: keyof Omit<Telemetry['series'][number], 'minute'>) => s.map((p) => p[k] ?? 0);

  return (
    <section aria-labelledby="telemetry-title">
      <header className="page-header">
        <h2 id="telemetry-title">Telemetry</h2>
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
      </header>
      <p className="muted small" aria-live="polite">
        {error ? <span className="form-error">Could not refresh: {error}</span> : updatedAt ? `Updated ${updatedAt.toLocaleTimeString()} · refreshes every 30 s` : 'Loading…'}
      </p>
      <div className="chart-grid-layout">
        <LineChart
          title="Requests / min"
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
        <LineChart title="Connected sockets" labels={labels} series={[{ label: 'sockets', values: col('sockets'), color: 'var(--chart-3)' }]} />
        <LineChart
          title="Messages / min and delivery failures"
          labels={labels}
          series={[
            { label: 'messages', values: col('messages'), color: 'var(--chart-1)' },
            { label: 'delivery failures', values: col('deliveryFailures'), color: 'var(--chart-err)' },
          ]}
        />
        <LineChart
          title="Delivery ack RTT"
          unit="ms"
          labels={labels}
          series={[
            { label: 'p50', values: col('rttP50Ms'), color: 'var(--chart-1)' },
            { label: 'p95', values: col('rttP95Ms'), color: 'var(--chart-2)' },
          ]}
        />
        <BarList title="Top rooms (messages)" items={(data?.topRooms ?? []).map((r) => ({ label: r.title, value: r.messages }))} />
      </div>
    </section>
  );
}
