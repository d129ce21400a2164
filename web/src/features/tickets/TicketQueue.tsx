import { useCallback, useEffect, useState } from 'react';
import { api, isNotAvailable } from '../../api';
import type { TicketFilters } from '../../api';
import { useRealtimeEvent } from '../../realtime';
import { TICKET_PRIORITIES, TICKET_STATUSES, type Ticket } from '../../types';
import { formatDateTime } from '../../ui/format';
import { Link, navigate, useLocation } from '../../ui/router';
import { useToast } from '../../ui/toast';
import { useSession, useUser } from '../auth/session';

/** Assignee filter value meaning "nobody". */
export const UNASSIGNED = 'none';

function filtersFrom(search: URLSearchParams): TicketFilters {
  return {
    status: (search.get('status') ?? 'open') as TicketFilters['status'],
    department: search.get('department') ?? '',
    assignee: search.get('assignee') ?? '',
    priority: (search.get('priority') ?? '') as TicketFilters['priority'],
  };
}

/** Staff queue with filters kept in the URL. */
export function TicketQueue() {
  const me = useUser();
  const { departments } = useSession();
  const toast = useToast();
  const { search } = useLocation();
  const filters = filtersFrom(search);
  const key = JSON.stringify(filters);
  const [items, setItems] = useState<Ticket[]>([]);
  const [cursor, setCursor] = useState<string | number | null>(null);
  const [loading, setLoading] = useState(true);
  const [unavailable, setUnavailable] = useState(false);

  const setFilter = (name: keyof TicketFilters, value: string) => {
    const next = new URLSearchParams(search);
    next.set(name, value);
    navigate(`/tickets?${next.toString()}`, { replace: true });
  };

  const load = useCallback(
    async (more: boolean, from: string | number | null) => {
      setLoading(true);
      try {
        const page = await api.tickets.list({ ...(JSON.parse(key) as TicketFilters), cursor: more ? from : null });
        setItems((xs) => (more ? [...xs, ...page.items] : page.items));
        setCursor(page.nextCursor);
        setUnavailable(false);
      } catch (err) {
        toast.error(err, 'Could not load tickets');
        setUnavailable(isNotAvailable(err));
      } finally {
        setLoading(false);
      }
    },
    [key, toast],
  );

  useEffect(() => {
    void load(false, null);
  }, [load]);

  useRealtimeEvent('ticketUpdated', (t) => setItems((xs) => xs.map((x) => (x.id === t.id ? { ...x, ...t } : x))));

  return (
    <main className="page wide" id="main" aria-labelledby="queue-title">
      <header className="page-header">
        <h1 id="queue-title">Tickets</h1>
        <button type="button" className="button" onClick={() => void load(false, null)} disabled={loading}>
          Refresh
        </button>
      </header>
      <div className="filters" role="group" aria-label="Filter tickets">
        <div className="field">
          <label htmlFor="f-status">Status</label>
          <select id="f-status" value={filters.status} onChange={(e) => setFilter('status', e.target.value)} data-testid="filter-status">
            <option value="">Any</option>
            {TICKET_STATUSES.map((s) => (
              <option key={s} value={s}>
                {s}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-department">Department</label>
          <select id="f-department" value={filters.department} onChange={(e) => setFilter('department', e.target.value)}>
            <option value="">Any</option>
            {departments.map((d) => (
              <option key={d} value={d}>
                {d}
              </option>
            ))}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-assignee">Assignee</label>
          <select id="f-assignee" value={filters.assignee} onChange={(e) => setFilter('assignee', e.target.value)}>
            <option value="">Anyone</option>
            <option value={me.id}>Me</option>
            <option value={UNASSIGNED}>Unassigned</option>
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-priority">Priority</label>
          <select id="f-priority" value={filters.priority} onChange={(e) => setFilter('priority', e.target.value)}>
            <option value="">Any</option>
            {TICKET_PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
      </div>
      {!loading && items.length === 0 ? (
        <p className="empty">{unavailable ? 'Tickets are not available on this server yet.' : 'No tickets match these filters.'}</p>
      ) : (
        <div className="table-wrap">
          <table className="data-table" aria-busy={loading}>
            <thead>
              <tr>
                <th scope="col">Subject</th>
                <th scope="col">Status</th>
                <th scope="col">Priority</th>
                <th scope="col">Department</th>
                <th scope="col">Requester</th>
                <th scope="col">Assignee</th>
                <th scope="col">Updated</th>
              </tr>
            </thead>
            <tbody>
              {items.map((t) => (
                <tr key={t.id} data-testid="ticket-row">
                  <td>
                    <Link to={`/tickets/${t.id}`}>{t.subject}</Link>
                  </td>
                  <td>
                    <span className={`status-badge status-${t.status}`}>{t.status}</span>
                  </td>
                  <td>
                    <span className={`priority priority-${t.priority}`}>{t.priority}</span>
                  </td>
                  <td>{t.department ?? '—'}</td>
                  <td>{t.requester.name}</td>
                  <td>{t.assignee?.name ?? <span className="muted">Unassigned</span>}</td>
                  <td>{formatDateTime(t.updatedAt)}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {cursor !== null && (
        <button type="button" className="button" onClick={() => void load(true, cursor)} disabled={loading}>
          Load more
        </button>
      )}
    </main>
  );
}
