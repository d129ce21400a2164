import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect } from 'react';
import { api } from '../../api';
import { queryKeys } from '../../queries/keys';
import { useRealtime, useRealtimeEvent } from '../../realtime';
import type { Ticket } from '../../types';
import { formatDateTime } from '../../ui/format';
import { Link } from '../../ui/router';

/** What a customer sees: their own tickets, nothing else. */
export function CustomerHome() {
  const client = useRealtime();
  const queryClient = useQueryClient();
  const query = useQuery({
    queryKey: queryKeys.tickets.mine,
    queryFn: async () => (await api.tickets.list({})).items,
    meta: { errorToast: 'Could not load your tickets' },
  });
  const tickets = query.isError ? [] : (query.data ?? null);

  useEffect(() => {
    if (query.data) client?.trackRooms(query.data.map((t) => ({ id: t.id, lastSeq: t.lastSeq })));
  }, [query.data, client]);

  useRealtimeEvent('ticketUpdated', (t) =>
    queryClient.setQueryData<Ticket[]>(queryKeys.tickets.mine, (xs) => xs?.map((x) => (x.id === t.id ? { ...x, ...t } : x))),
  );

  return (
    <main className="page narrow" id="main" aria-labelledby="my-tickets-title">
      <header className="page-header">
        <h1 id="my-tickets-title">My tickets</h1>
        <Link to="/support" className="button">
          New request
        </Link>
      </header>
      {tickets === null ? (
        <p className="muted">Loading…</p>
      ) : tickets.length === 0 ? (
        <p className="empty">You have no tickets.</p>
      ) : (
        <ul className="card-list">
          {tickets.map((t) => (
            <li key={t.id} className="card" data-testid="customer-ticket">
              <Link to={`/tickets/${t.id}`} className="card-link">
                <strong>{t.subject}</strong>
                <span className={`status-badge status-${t.status}`}>{t.status}</span>
                <span className="muted small">Opened {formatDateTime(t.createdAt)}</span>
              </Link>
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
