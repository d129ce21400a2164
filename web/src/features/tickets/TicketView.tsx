import { useEffect, useRef, useState } from 'react';
import { api, errorMessage } from '../../api';
import { useRealtime, useRealtimeEvent } from '../../realtime';
import type { Ticket } from '../../types';
import { Link } from '../../ui/router';
import { useToast } from '../../ui/toast';
import { useUser } from '../auth/session';
import { ChatRoom } from '../chat/ChatRoom';
import type { DraftRequest } from '../chat/Composer';
import { AssistantPanel } from './AssistantPanel';
import { TicketHeader } from './TicketHeader';

/** A ticket: its header controls, its conversation (a ticket room) and, for staff, the assistant. */
export function TicketView({ ticketId, focusSeq }: { ticketId: string; focusSeq: number | null }) {
  const me = useUser();
  const client = useRealtime();
  const [ticket, setTicket] = useState<Ticket | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [showAssistant, setShowAssistant] = useState(true);
  const [draft, setDraft] = useState<DraftRequest | null>(null);
  const nonce = useRef(0);
  const toast = useToast();
  const isCustomer = me.role === 'customer';

  useEffect(() => {
    let cancelled = false;
    setTicket(null);
    setError(null);
    api.tickets
      .get(ticketId)
      .then((t) => {
        if (cancelled) return;
        setTicket(t);
        client?.trackRooms([{ id: t.id, lastSeq: t.lastSeq }]);
      })
      .catch((err: unknown) => {
        if (cancelled) return;
        setError(errorMessage(err));
        toast.error(err, 'Could not load the ticket');
      });
    return () => {
      cancelled = true;
    };
  }, [ticketId, client, toast]);

  useRealtimeEvent('ticketUpdated', (t) => {
    if (t.id === ticketId) setTicket((old) => ({ ...old, ...t }));
  });

  if (error) {
    return (
      <main className="page" id="main">
        <h1>Ticket unavailable</h1>
        <p role="alert">{error}</p>
        <Link to={isCustomer ? '/' : '/tickets'}>Back to tickets</Link>
      </main>
    );
  }
  if (!ticket) {
    return (
      <main className="page" id="main" aria-busy="true">
        <p className="muted">Loading ticket…</p>
      </main>
    );
  }

  const header = (
    <div className="ticket-header-wrap">
      <nav className="breadcrumbs" aria-label="Breadcrumb">
        <Link to={isCustomer ? '/' : '/tickets'}>{isCustomer ? 'My tickets' : 'Ticket queue'}</Link>
        {!isCustomer && !showAssistant && (
          <button type="button" className="button small" onClick={() => setShowAssistant(true)} data-testid="show-assistant">
            Assistant
          </button>
        )}
      </nav>
      <TicketHeader ticket={ticket} onChange={setTicket} />
    </div>
  );

  return (
    <ChatRoom
      roomId={ticket.id}
      focusSeq={focusSeq}
      header={header}
      draft={draft}
      aside={
        !isCustomer && showAssistant ? (
          <AssistantPanel
            ticketId={ticket.id}
            onClose={() => setShowAssistant(false)}
            onUseSuggestion={(text) => setDraft({ text, nonce: ++nonce.current })}
          />
        ) : null
      }
    />
  );
}
