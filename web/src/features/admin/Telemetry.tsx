import { useQuery } from '@tanstack/react-query';
import { useState } from 'react';
import { api, errorMessage, isNotAvailable } from '../../api';
import { queryKeys } from '../../queries/keys';
import { SelectField } from '../../ui/SelectField';
import { useToast } from '../../ui/toast';
import type { TelemetryPoint } from '../../types';
import { BarList, LineChart } from './charts';
import { bucketLabel, fillSeries } from './telemetry';
import { t } from '../../i18n';

const WINDOWS = ['1h', '6h', '24h', '7d'];
export const REFRESH_MS = 30_000;

type Column = keyof Omit<TelemetryPoint, 'minute'>;

/** Ops dashboard from the per-minute rollups of all instances; refreshes every 30 s. */
export function TelemetryView() {
  const [windowSize, setWindowSize] = useState('1h');
  const toast = useToast();
  const query = useQuery({
    queryKey: queryKeys.admin.telemetry(windowSize),
    queryFn: () => api.admin.telemetry(windowSize),
    // Polls while the tab is visible (a hidden tab catches up when shown again); stops for a
    // server without telemetry.
    refetchInterval: (q) => (isNotAvailable(q.state.error) ? false : REFRESH_MS),
    refetchOnWindowFocus: (q) => !isNotAvailable(q.state.error),
    staleTime: REFRESH_MS,
    // A failed poll shows in the status line; only a first load that fails gets a toast.
    meta: { errorToast: t('telemetry.couldNotLoadTelemetry'), quiet: (_err, hasData) => hasData },
  });
  const data = query.data ?? null;
  const error = query.error ? errorMessage(query.error) : null;
  const updatedAt = query.dataUpdatedAt ? new Date(query.dataUpdatedAt) : null;
  const unavailable = isNotAvailable(query.error);
  const loading = query.isFetching;

  const refresh = async () => {
    const { error: failed } = await query.refetch();
    if (failed && data) toast.error(failed, t('telemetry.couldNotLoadTelemetry'));
  };

  const s = fillSeries(data?.series ?? [], data?.bucketMinutes ?? 1);
  const labels = s.map((p) => bucketLabel(p.minute, windowSize));
  const col = (k: Column) => s.map((p) => p[k]);
  const perBucket = (data?.bucketMinutes ?? 1) === 1 ? '/ min' : `/ ${data?.bucketMinutes} min`;

  return (
    <section aria-labelledby="telemetry-title" data-testid="telemetry">
      <header className="page-header">
        <h2 id="telemetry-title">{t('telemetry.telemetry')}</h2>
        <div className="page-actions">
          <SelectField className="field compact inline" id="telemetry-window" label={t('telemetry.window')} value={windowSize} choices={WINDOWS} onChange={setWindowSize} testId="telemetry-window" />
          <button type="button" className="button small" onClick={() => void refresh()} disabled={loading || unavailable} data-testid="telemetry-refresh">
            {t('common.refresh')}
          </button>
        </div>
      </header>
      <p className="muted small" aria-live="polite" data-testid="telemetry-status">
        {error ? (
          <span className="form-error">{t('telemetry.couldNotRefresh')}{' '}{error}</span>
        ) : updatedAt ? (
          <>
            {t('common.updated')}{' '}<time dateTime={updatedAt.toISOString()}>{updatedAt.toLocaleTimeString()}</time>{' '}{t('telemetry.refreshesEvery30S')}
            {data?.instances !== undefined && ` · ${t('telemetry.instanceCount', { count: data.instances })}`}
            {data?.bucketMinutes !== undefined && data.bucketMinutes > 1 && t('telemetry.bucketMinutesMinuteBuckets', { bucketMinutes: data.bucketMinutes })}
          </>
        ) : (
          t('common.loading')
        )}
      </p>
      {data && s.length === 0 && (
        <p className="notice small" data-testid="telemetry-empty">
          {t('telemetry.noDataWindowYetInstances')}
        </p>
      )}
      <div className="chart-grid-layout">
        <LineChart
          title={t('telemetry.requestsPerbucket', { perBucket })}
          labels={labels}
          series={[
            { label: t('telemetry.requests'), values: col('requests'), color: 'var(--chart-1)' },
            { label: t('telemetry.5xx'), values: col('errors5xx'), color: 'var(--chart-err)' },
          ]}
        />
        <LineChart
          title={t('telemetry.hTTPLatency')}
          unit="ms"
          labels={labels}
          series={[
            { label: t('telemetry.p50'), values: col('p50Ms'), color: 'var(--chart-1)' },
            { label: t('telemetry.p95'), values: col('p95Ms'), color: 'var(--chart-2)' },
          ]}
        />
        <LineChart title={t('telemetry.connectedSocketsPeak')} labels={labels} series={[{ label: t('telemetry.sockets'), values: col('sockets'), color: 'var(--chart-3)' }]} />
        <LineChart
          title={t('telemetry.messagesPerbucket', { perBucket })}
          labels={labels}
          series={[
            { label: t('common.messages'), values: col('messages'), color: 'var(--chart-1)' },
            { label: t('telemetry.deliveryFailures'), values: col('deliveryFailures'), color: 'var(--chart-err)' },
          ]}
        />
        <LineChart
          title={t('telemetry.deliveryAckRoundTrip')}
          unit="ms"
          labels={labels}
          series={[
            { label: t('telemetry.p50'), values: col('rttP50Ms'), color: 'var(--chart-1)' },
            { label: t('telemetry.p95'), values: col('rttP95Ms'), color: 'var(--chart-2)' },
          ]}
        />
        <BarList title={t('telemetry.busiestRoomsMessages')} items={(data?.topRooms ?? []).map((r) => ({ label: r.title || t('telemetry.deletedRoom'), value: r.messages }))} />
      </div>
    </section>
  );
}
