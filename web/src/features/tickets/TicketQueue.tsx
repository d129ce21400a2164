import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, isNotAvailable } from '../../api';
import type { TicketFilters } from '../../api';
import { queryKeys } from '../../queries/keys';
import { setPagedItems, uniqueBy, usePagedQuery } from '../../queries/pages';
import { useRealtimeEvent } from '../../realtime';
import { TICKET_PRIORITIES, TICKET_STATUSES, type Ticket } from '../../types';
import { formatDateTime } from '../../ui/format';
import { WriteButton } from '../../ui/readOnly';
import { Link, navigate, useLocation } from '../../ui/router';
import { useToast } from '../../ui/toast';
import { useSession, useUser } from '../auth/session';
import { NewTicketDialog } from './NewTicketDialog';
import { applyTicketUpdate, ASSIGNEE_ME, filtersFrom, isStale, UNASSIGNED } from './queue';

export { UNASSIGNED } from './queue';

/** Staff queue with filters kept in the URL; new and changed tickets arrive live. */
export function TicketQueue() {
  const me = useUser();
  const { departments } = useSession();
  const toast = useToast();
  const { search } = useLocation();
  const filters = filtersFrom(search);
  const key = queryKeys.tickets.queue(filters);
  const queryClient = useQueryClient();
  const queue = usePagedQuery(key, (cursor) => api.tickets.list({ ...filters, cursor }), { errorToast: 'Could not load tickets', keepPrevious: true });
  const items = uniqueBy(queue.items ?? [], (t) => t.id);
  const loading = queue.loading;
  const unavailable = isNotAvailable(queue.error);
  const [creating, setCreating] = useState(false);

  const setFilter = (name: keyof TicketFilters, value: string) => {
    const next = new URLSearchParams(search);
    next.set(name, value);
    navigate(`/tickets?${next.toString()}`, { replace: true });
  };

  useRealtimeEvent('ticketUpdated', (t) => setPagedItems<Ticket>(queryClient, key, (xs, allLoaded) => applyTicketUpdate(xs, t, filters, me.id, allLoaded)));

  const assigneeLabel = (t: Ticket) => {
    if (!t.assignee) return <span className="muted">Unassigned</span>;
    return t.assignee.id === me.id ? `${t.assignee.name} (me)` : t.assignee.name;
  };

  return (
    <main className="page wide" id="main" aria-labelledby="queue-title">
      <header className="page-header">
        <h1 id="queue-title">Tickets</h1>
        <div className="page-actions">
          <button type="button" className="button" onClick={queue.refetch} disabled={loading} data-testid="queue-refresh">
            Refresh
          </button>
          {me.role !== 'customer' && (
            <WriteButton className="button primary" onClick={() => setCreating(true)} data-testid="new-ticket">
              New ticket
            </WriteButton>
          )}
        </div>
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
          <select id="f-department" value={filters.department} onChange={(e) => setFilter('department', e.target.value)} data-testid="filter-department">
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
          <select id="f-assignee" value={filters.assignee} onChange={(e) => setFilter('assignee', e.target.value)} data-testid="filter-assignee">
            <option value="">Anyone</option>
            <option value={ASSIGNEE_ME}>Me</option>
            <option value={UNASSIGNED}>Unassigned</option>
            {filters.assignee && ![ASSIGNEE_ME, UNASSIGNED].includes(filters.assignee ?? '') && (
              <option value={filters.assignee}>{items.find((t) => t.assignee?.id === filters.assignee)?.assignee?.name ?? 'Someone else'}</option>
            )}
          </select>
        </div>
        <div className="field">
          <label htmlFor="f-priority">Priority</label>
          <select id="f-priority" value={filters.priority} onChange={(e) => setFilter('priority', e.target.value)} data-testid="filter-priority">
            <option value="">Any</option>
            {TICKET_PRIORITIES.map((p) => (
              <option key={p} value={p}>
                {p}
              </option>
            ))}
          </select>
        </div>
      </div>
      <p className="visually-hidden" aria-live="polite">
        {loading ? 'Loading tickets' : `${items.length} ${items.length === 1 ? 'ticket' : 'tickets'}`}
      </p>
      {!loading && items.length === 0 ? (
        <p className="empty" data-testid="queue-empty">
          {unavailable ? 'Tickets are not available on this server yet.' : 'No tickets match these filters.'}
        </p>
      ) : (
        <div className="table-wrap">
          <table className="data-table ticket-table" aria-busy={loading} data-testid="ticket-table">
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
              {items.map((t) => {
                const stale = isStale(t, filters, me.id);
                return (
                  <tr
                    key={t.id}
                    className={stale ? 'stale' : undefined}
                    title={stale ? 'No longer matches the filters; it leaves the list on refresh' : undefined}
                    data-testid="ticket-row"
                    data-ticket-id={t.id}
                    data-status={t.status}
                  >
                    <td>
                      <Link to={`/tickets/${t.id}`}>{t.subject}</Link>
                    </td>
                    <td>
                      <span className={`status-badge status-${t.status}`}>{t.status}</span>
                    </td>
                    <td>
                      <span className={`priority priority-${t.priority}`}>{t.priority}</span>
                    </td>
                    <td>{t.department ?? <span className="muted">—</span>}</td>
                    <td>
                      {t.requester.name}
                      {t.requesterVerified === false && (
                        <>
                          {' '}
                          <span
                            className="status-badge status-unverified"
                            title="The sender has not proven they own this address yet: the name is as typed"
                            data-testid="unverified-badge"
                          >
                            Unverified
                          </span>
                        </>
                      )}
                    </td>
                    <td>{assigneeLabel(t)}</td>
                    <td className="nowrap">{formatDateTime(t.updatedAt)}</td>
                  </tr>
                );
              })}
            </tbody>
          </table>
        </div>
      )}
      {queue.hasMore && (
        <button type="button" className="button" onClick={queue.loadMore} disabled={loading}>
          Load more
        </button>
      )}
      <NewTicketDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(t) => {
          setCreating(false);
          void queryClient.invalidateQueries({ queryKey: queryKeys.tickets.all });
          toast.show(`Opened “${t.subject}”`, 'success');
          navigate(`/tickets/${t.id}`);
        }}
      />
    </main>
  );
}
