import { useQueryClient } from '@tanstack/react-query';
import { useState } from 'react';
import { api, isNotAvailable } from '../../api';
import type { TicketFilters } from '../../api';
import { queryKeys } from '../../queries/keys';
import { setPagedItems, uniqueBy, usePagedQuery } from '../../queries/pages';
import { useRealtimeEvent } from '../../realtime';
import type { Ticket } from '../../types';
import { DataTable, type Column } from '../../ui/DataTable';
import { formatDateTime } from '../../ui/format';
import { WriteButton } from '../../ui/readOnly';
import { Link, navigate, useLocation } from '../../ui/router';
import { SelectField, type Choice } from '../../ui/SelectField';
import { useToast } from '../../ui/toast';
import { useSession, useUser } from '../auth/session';
import { NewTicketDialog } from './NewTicketDialog';
import { applyTicketUpdate, ASSIGNEE_ME, filtersFrom, isStale, UNASSIGNED } from './queue';
import { t } from '../../i18n';
import { priorityChoices, priorityLabel, statusChoices, statusLabel } from '../../i18n/labels';

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
  const queue = usePagedQuery(key, (cursor) => api.tickets.list({ ...filters, cursor }), { errorToast: t('ticketQueue.couldNotLoadTickets'), keepPrevious: true });
  const items = uniqueBy(queue.items ?? [], (ticket) => ticket.id);
  const loading = queue.loading;
  const unavailable = isNotAvailable(queue.error);
  const [creating, setCreating] = useState(false);

  const setFilter = (name: keyof TicketFilters, value: string) => {
    const next = new URLSearchParams(search);
    next.set(name, value);
    navigate(`/tickets?${next.toString()}`, { replace: true });
  };

  useRealtimeEvent('ticketUpdated', (ticket) => setPagedItems<Ticket>(queryClient, key, (xs, allLoaded) => applyTicketUpdate(xs, ticket, filters, me.id, allLoaded)));

  const assigneeLabel = (ticket: Ticket) => {
    if (!ticket.assignee) return <span className="muted">{t('common.unassigned')}</span>;
    return ticket.assignee.id === me.id ? t('ticketHeader.nameMe', { name: ticket.assignee.name }) : ticket.assignee.name;
  };

  const assigneeChoices: Choice[] = [
    { value: ASSIGNEE_ME, label: t('ticketQueue.me') },
    { value: UNASSIGNED, label: t('common.unassigned') },
    // Someone picked from a row's assignee before: named as the rows name them.
    ...(filters.assignee && ![ASSIGNEE_ME, UNASSIGNED].includes(filters.assignee)
      ? [{ value: filters.assignee, label: items.find((ticket) => ticket.assignee?.id === filters.assignee)?.assignee?.name ?? t('ticketQueue.someoneElse') }]
      : []),
  ];

  const columns: Column<Ticket>[] = [
    { header: t('common.subject'), cell: (ticket) => <Link to={`/tickets/${ticket.id}`}>{ticket.subject}</Link> },
    { header: t('common.status'), cell: (ticket) => <span className={`status-badge status-${ticket.status}`}>{statusLabel(ticket.status)}</span> },
    { header: t('common.priority'), cell: (ticket) => <span className={`priority priority-${ticket.priority}`}>{priorityLabel(ticket.priority)}</span> },
    { header: t('common.department'), cell: (ticket) => ticket.department ?? <span className="muted">—</span> },
    {
      header: t('ticketQueue.requester'),
      cell: (ticket) => (
        <>
          {ticket.requester.name}
          {ticket.requesterVerified === false && (
            <>
              {' '}
              <span
                className="status-badge status-unverified"
                title={t('ticketQueue.theSenderHasNotProven')}
                data-testid="unverified-badge"
              >
                {t('ticketQueue.unverified')}
              </span>
            </>
          )}
        </>
      ),
    },
    { header: t('common.assignee'), cell: assigneeLabel },
    { header: t('common.updated'), className: 'nowrap', cell: (ticket) => formatDateTime(ticket.updatedAt) },
  ];

  return (
    <main className="page wide" id="main" aria-labelledby="queue-title">
      <header className="page-header">
        <h1 id="queue-title">{t('common.tickets')}</h1>
        <div className="page-actions">
          <button type="button" className="button" onClick={queue.refetch} disabled={loading} data-testid="queue-refresh">
            {t('common.refresh')}
          </button>
          {me.role !== 'customer' && (
            <WriteButton className="button primary" onClick={() => setCreating(true)} data-testid="new-ticket">
              {t('common.newTicket')}
            </WriteButton>
          )}
        </div>
      </header>
      <div className="filters" role="group" aria-label={t('ticketQueue.filterTickets')}>
        <SelectField id="f-status" label={t('common.status')} value={filters.status ?? ''} choices={statusChoices()} none={t('ticketQueue.any')} onChange={(v) => setFilter('status', v)} testId="filter-status" />
        <SelectField
          id="f-department"
          label={t('common.department')}
          value={filters.department ?? ''}
          choices={departments}
          none={t('ticketQueue.any')}
          onChange={(v) => setFilter('department', v)}
          testId="filter-department"
        />
        <SelectField id="f-assignee" label={t('common.assignee')} value={filters.assignee ?? ''} choices={assigneeChoices} none={t('ticketQueue.anyone')} onChange={(v) => setFilter('assignee', v)} testId="filter-assignee" />
        <SelectField id="f-priority" label={t('common.priority')} value={filters.priority ?? ''} choices={priorityChoices()} none={t('ticketQueue.any')} onChange={(v) => setFilter('priority', v)} testId="filter-priority" />
      </div>
      <p className="visually-hidden" aria-live="polite">
        {loading ? t('ticketQueue.loadingTickets') : t('ticketQueue.ticketCount', { count: items.length })}
      </p>
      <DataTable
        caption={t('common.tickets')}
        className="ticket-table"
        testId="ticket-table"
        columns={columns}
        rows={items}
        rowKey={(ticket) => ticket.id}
        rowProps={(ticket) => {
          const stale = isStale(ticket, filters, me.id);
          return {
            className: stale ? 'stale' : undefined,
            title: stale ? t('ticketQueue.noLongerMatchesFiltersLeaves') : undefined,
            'data-testid': 'ticket-row',
            'data-ticket-id': ticket.id,
            'data-status': ticket.status,
          };
        }}
        empty={<span data-testid="queue-empty">{unavailable ? t('ticketQueue.ticketsNotAvailableServerYet') : t('ticketQueue.noTicketsMatchTheseFilters')}</span>}
        loading={loading}
        paging={{ hasMore: queue.hasMore, onMore: queue.loadMore, label: t('common.loadMore') }}
      />
      <NewTicketDialog
        open={creating}
        onClose={() => setCreating(false)}
        onCreated={(ticket) => {
          setCreating(false);
          void queryClient.invalidateQueries({ queryKey: queryKeys.tickets.all });
          toast.show(t('ticketQueue.openedSubject', { subject: ticket.subject }), 'success');
          navigate(`/tickets/${ticket.id}`);
        }}
      />
    </main>
  );
}
