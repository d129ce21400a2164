import { useQuery } from '@tanstack/react-query';
import { api, errorMessage } from '../../api';
import { queryKeys } from '../../queries/keys';
import { formatDuration } from '../../ui/format';
import { BarList } from './charts';

export function StaffAnalyticsView() {
  const { data, error } = useQuery({
    queryKey: queryKeys.admin.staffAnalytics,
    queryFn: api.admin.staffAnalytics,
    meta: { errorToast: 'Could not load staff analytics' },
  });

  if (error) return <p role="alert" className="form-error">{errorMessage(error)}</p>;
  if (!data) return <p className="muted">Loading…</p>;
  const days = data.windowDays ?? 30;

  return (
    <section aria-labelledby="analytics-title">
      <h2 id="analytics-title">Staff analytics</h2>
      <p className="muted small">
        Open and pending tickets now; resolved tickets and median times over the last {days} days (first response: from the
        customer&apos;s message to the first staff reply).
      </p>
      <div className="table-wrap">
        <table className="data-table">
          <caption className="visually-hidden">Per agent</caption>
          <thead>
            <tr>
              <th scope="col">Agent</th>
              <th scope="col">Open</th>
              <th scope="col">Pending</th>
              <th scope="col">Resolved ({days} d)</th>
              <th scope="col">Median first response</th>
              <th scope="col">Median resolution</th>
            </tr>
          </thead>
          <tbody>
            {data.staff.length === 0 && (
              <tr>
                <td colSpan={6} className="empty">
                  No staff yet.
                </td>
              </tr>
            )}
            {data.staff.map((s) => (
              <tr key={s.user.id}>
                <th scope="row">
                  {s.user.name}
                  {s.user.department && <span className="muted small"> · {s.user.department}</span>}
                </th>
                <td>{s.open}</td>
                <td>{s.pending}</td>
                <td>{s.resolved30d}</td>
                <td>{formatDuration(s.medianFirstResponseSecs)}</td>
                <td>{formatDuration(s.medianResolutionSecs)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
      <h3>Departments</h3>
      <div className="chart-grid-layout">
        <div className="table-wrap">
          <table className="data-table">
            <thead>
              <tr>
                <th scope="col">Department</th>
                <th scope="col">Open</th>
                <th scope="col">Pending</th>
                <th scope="col">Resolved ({days} d)</th>
              </tr>
            </thead>
            <tbody>
              {data.departments.map((d) => (
                <tr key={d.department ?? ''}>
                  <th scope="row">{d.department ?? 'none'}</th>
                  <td>{d.open}</td>
                  <td>{d.pending}</td>
                  <td>{d.resolved30d}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
        <BarList title="Open tickets by department" items={data.departments.map((d) => ({ label: d.department ?? 'none', value: d.open }))} />
      </div>
    </section>
  );
}
