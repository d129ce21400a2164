import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, isNotAvailable } from '../../api';
import type { TicketFilters } from '../../api';
import { queryKeys } from '../../queries/keys';
import { setPagedItems, uniqueBy, usePagedQuery } from '../../queries/pages';
import { useRealtimeEvent } from '../../realtime';
import { TICKET_PRIORITIES, TICKET_STATUSES, type Ticket } from '../../types';
import { DataTable, type Column } from '../../ui/DataTable';
import { formatDateTime } from '../../ui/format';
import { WriteButton } from '../../ui/readOnly';
import { Link, navigate, useLocation } from '../../ui/router';
import { SelectField, type Choice } from '../../ui/SelectField';
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

  const assigneeChoices: Choice[] = [
    { value: ASSIGNEE_ME, label: 'Me' },
    { value: UNASSIGNED, label: 'Unassigned' },
    // Someone picked from a row's assignee before: named as the rows name them.
    ...(filters.assignee && ![ASSIGNEE_ME, UNASSIGNED].includes(filters.assignee)
      ? [{ value: filters.assignee, label: items.find((t) => t.assignee?.id === filters.assignee)?.assignee?.name ?? 'Someone else' }]
      : []),
  ];

  const columns: Column<Ticket>[] = [
    { header: 'Subject', cell: (t) => <Link to={`/tickets/${t.id}`}>{t.subject}</Link> },
    { header: 'Status', cell: (t) => <span className={`status-badge status-${t.status}`}>{t.status}</span> },
    { header: 'Priority', cell: (t) => <span className={`priority priority-${t.priority}`}>{t.priority}</span> },
    { header: 'Department', cell: (t) => t.department ?? <span className="muted">—</span> },
    {
      header: 'Requester',
      cell: (t) => (
        <>
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
        </>
      ),
    },
    { header: 'Assignee', cell: assigneeLabel },
    { header: 'Updated', className: 'nowrap', cell: (t) => formatDateTime(t.updatedAt) },
  ];

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
        <SelectField id="f-status" label="Status" value={filters.status ?? ''} choices={TICKET_STATUSES} none="Any" onChange={(v) => setFilter('status', v)} testId="filter-status" />
        <SelectField
          id="f-department"
          label="Department"
          value={filters.department ?? ''}
          choices={departments}
          none="Any"
          onChange={(v) => setFilter('department', v)}
          testId="filter-department"
        />
        <SelectField id="f-assignee" label="Assignee" value={filters.assignee ?? ''} choices={assigneeChoices} none="Anyone" onChange={(v) => setFilter('assignee', v)} testId="filter-assignee" />
        <SelectField id="f-priority" label="Priority" value={filters.priority ?? ''} choices={TICKET_PRIORITIES} none="Any" onChange={(v) => setFilter('priority', v)} testId="filter-priority" />
      </div>
      <p className="visually-hidden" aria-live="polite">
        {loading ? 'Loading tickets' : `${items.length} ${items.length === 1 ? 'ticket' : 'tickets'}`}
      </p>
      <DataTable
        caption="Tickets"
        className="ticket-table"
        testId="ticket-table"
        columns={columns}
        rows={items}
        rowKey={(t) => t.id}
        rowProps={(t) => {
          const stale = isStale(t, filters, me.id);
          return {
            className: stale ? 'stale' : undefined,
            title: stale ? 'No longer matches the filters; it leaves the list on refresh' : undefined,
            'data-testid': 'ticket-row',
            'data-ticket-id': t.id,
            'data-status': t.status,
          };
        }}
        empty={<span data-testid="queue-empty">{unavailable ? 'Tickets are not available on this server yet.' : 'No tickets match these filters.'}</span>}
        loading={loading}
        paging={{ hasMore: queue.hasMore, onMore: queue.loadMore, label: 'Load more' }}
      />
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
