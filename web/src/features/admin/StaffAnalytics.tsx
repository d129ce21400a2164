import { useQuery } from '@tanstack/react-query';
import { api, errorMessage } from '../../api';
import { queryKeys } from '../../queries/keys';
import type { StaffAnalytics } from '../../types';
import { DataTable, type Column } from '../../ui/DataTable';
import { formatDuration } from '../../ui/format';
import { BarList } from './charts';

type TicketCounts = Pick<StaffAnalytics['departments'][number], 'open' | 'pending' | 'resolved30d'>;

export function StaffAnalyticsView() {
  const { data, error } = useQuery({
    queryKey: queryKeys.admin.staffAnalytics,
    queryFn: api.admin.staffAnalytics,
    meta: { errorToast: 'Could not load staff analytics' },
  });

  if (error) return <p role="alert" className="form-error">{errorMessage(error)}</p>;
  if (!data) return <p className="muted">Loading…</p>;
  const days = data.windowDays ?? 30;
  /** The ticket counts of an agent or a department. */
  const counts: Column<TicketCounts>[] = [
    { header: 'Open', cell: (c) => c.open },
    { header: 'Pending', cell: (c) => c.pending },
    { header: `Resolved (${days} d)`, cell: (c) => c.resolved30d },
  ];

  return (
    <section aria-labelledby="analytics-title">
      <h2 id="analytics-title">Staff analytics</h2>
      <p className="muted small">
        Open and pending tickets now; resolved tickets and median times over the last {days} days (first response: from the
        customer&apos;s message to the first staff reply).
      </p>
      <DataTable
        caption="Per agent"
        columns={[
          {
            header: 'Agent',
            rowHeader: true,
            cell: (s) => (
              <>
                {s.user.name}
                {s.user.department && <span className="muted small"> · {s.user.department}</span>}
              </>
            ),
          },
          ...counts,
          { header: 'Median first response', cell: (s) => formatDuration(s.medianFirstResponseSecs) },
          { header: 'Median resolution', cell: (s) => formatDuration(s.medianResolutionSecs) },
        ]}
        rows={data.staff}
        rowKey={(s) => s.user.id}
        empty="No staff yet."
      />
      <h3>Departments</h3>
      <div className="chart-grid-layout">
        <DataTable
          caption="Per department"
          columns={[{ header: 'Department', rowHeader: true, cell: (d) => d.department ?? 'none' }, ...counts]}
          rows={data.departments}
          rowKey={(d) => d.department ?? ''}
          empty="No departments yet."
        />
        <BarList title="Open tickets by department" items={data.departments.map((d) => ({ label: d.department ?? 'none', value: d.open }))} />
      </div>
    </section>
  );
}
