import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import { useRealtime, useRealtimeEvent } from '../../realtime';
import type { Ticket } from '../../types';
import { formatDateTime } from '../../ui/format';
import { Link } from '../../ui/router';
import { t } from '../../i18n';
import { statusLabel } from '../../i18n/labels';
import { latestTicket } from './queue';

/** What a customer sees: their own tickets, nothing else. */
export function CustomerHome() {
  const client = useRealtime();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: queryKeys.tickets.mine,
    queryFn: async () => (await api.tickets.list({})).items,
    meta: { errorToast: t('customerHome.couldNotLoadYourTickets') },
  });
  const tickets = query.isError ? [] : (query.data ?? null);

  useEffect(() => {
    if (query.data) client?.trackRooms(query.data.map((ticket) => ({ id: ticket.id, lastSeq: ticket.lastSeq })));
  }, [query.data, client]);

  useRealtimeEvent('ticketUpdated', (ticket) =>
    queryClient.setQueryData<Ticket[]>(queryKeys.tickets.mine, (xs) => xs?.map((x) => (x.id === ticket.id ? latestTicket(x, ticket) : x))),
  );

  return (
    <main className="page narrow" id="main" aria-labelledby="my-tickets-title">
      <header className="page-header">
        <h1 id="my-tickets-title">{t('common.myTickets')}</h1>
        <Link to="/support" className="button">
          {t('customerHome.newRequest')}
        </Link>
      </header>
      {tickets === null ? (
        <p className="muted">{t('common.loading')}</p>
      ) : tickets.length === 0 ? (
        <p className="empty">{t('customerHome.youHaveNoTickets')}</p>
      ) : (
        <ul className="card-list">
          {tickets.map((ticket) => (
            <li key={ticket.id} className="card" data-testid="customer-ticket">
              <Link to={`/tickets/${ticket.id}`} className="card-link">
                <strong>{ticket.subject}</strong>
                <span className={`status-badge status-${ticket.status}`}>{statusLabel(ticket.status)}</span>
                <span className="muted small">{t('customerHome.opened')}{' '}{formatDateTime(ticket.createdAt)}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
