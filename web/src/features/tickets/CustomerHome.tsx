import { useEffect, useState } from 'react';
import { api } from '../../api';
import { useRealtime, useRealtimeEvent } from '../../realtime';
import type { Ticket } from '../../types';
import { formatDateTime } from '../../ui/format';
import { Link } from '../../ui/router';
import { useToast } from '../../ui/toast';

/** What a customer sees: their own tickets, nothing else. */
export function CustomerHome() {
  const toast = useToast();
  const client = useRealtime();
  const [tickets, setTickets] = useState<Ticket[] | null>(null);

  useEffect(() => {
    api.tickets
      .list({})
      .then((page) => {
        setTickets(page.items);
        client?.trackRooms(page.items.map((t) => ({ id: t.id, lastSeq: t.lastSeq })));
      })
      .catch((err: unknown) => {
        setTickets([]);
        toast.error(err, 'Could not load your tickets');
      });
  }, [toast, client]);

  useRealtimeEvent('ticketUpdated', (t) => setTickets((xs) => xs?.map((x) => (x.id === t.id ? { ...x, ...t } : x)) ?? xs));

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
