import { useQuery, useQueryClient } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { api, ApiError, errorMessage } from '../../api';
import { useRealtime, useRealtimeEvent } from '../../realtime';
import type { Ticket } from '../../types';
import { Link } from '../../ui/router';
import { queryKeys } from '../../queries/keys';
import { isLinkSession, useUser } from '../auth/session';
import { ChatRoom } from '../chat/ChatRoom';
import type { DraftRequest } from '../chat/Composer';
import { ExportMenu } from '../chat/ExportMenu';
import { FilesPanel } from '../chat/FilesPanel';
import { AssistantPanel } from './AssistantPanel';
import { TicketHeader } from './TicketHeader';
import { latestTicket } from './queue';
import { t } from '../../i18n';
import { rich } from '../../i18n/rich';

const ASSISTANT_KEY = 'sb:assistant-open';

const isNotFound = (err: unknown) => err instanceof ApiError && err.status === 404;

/** Where the panel fits beside the conversation (below this it covers it; see styles.css). */
const SIDE_BY_SIDE_PX = 1100;

/** The saved choice, else open where it fits beside the conversation. */
function assistantOpen(): boolean {
  let saved: string | null = null;
  try {
    saved = localStorage.getItem(ASSISTANT_KEY);
  } catch {
    // Private mode: no saved choice.
  }
  if (saved === '1' || saved === '0') return saved === '1';
  return typeof window === 'undefined' || window.innerWidth > SIDE_BY_SIDE_PX;
}

interface Props {
  ticketId: string;
  focusSeq: number | null;
  /** A thread to open (a search hit that is a reply). */
  threadId?: string | null;
}

/** A ticket: its header controls, its conversation (a ticket room) and, for staff, the assistant. */
export function TicketView({ ticketId, focusSeq, threadId = null }: Props) {
  const me = useUser();
  const client = useRealtime();
  const [showAssistant, setShowAssistant] = useState(assistantOpen);
  const [showFiles, setShowFiles] = useState(false);
  const [draft, setDraft] = useState<DraftRequest | null>(null);
  const nonce = useRef(0);
  const isCustomer = me.role === 'customer';
  const queryClient = useQueryClient();
  const key = queryKeys.tickets.one(ticketId);
  const query = useQuery({
    queryKey: key,
    queryFn: () => api.tickets.get(ticketId),
    // A missing ticket is said on the page; other failures also get a toast.
    meta: { errorToast: t('ticketView.couldNotLoadTicket'), quiet: isNotFound },
  });
  const ticket = query.data ?? null;
  const error = query.error
    ? { message: isNotFound(query.error) ? t('ticketView.thisTicketDoesNotExist') : errorMessage(query.error), notFound: isNotFound(query.error) }
    : null;
  // The answer to a change and `ticket:updated` events can cross: the newest change stays.
  const setTicket = (updated: Ticket) => queryClient.setQueryData<Ticket>(key, (old) => latestTicket(old, updated));

  // A customer's own ticket, or the assignee's: members (tracking a known room again changes
  // nothing). Other staff follow it through a watch while it is shown (see ChatRoom).
  useEffect(() => {
    if (ticket && (isCustomer || ticket.assignee?.id === me.id)) client?.trackRooms([{ id: ticket.id, lastSeq: ticket.lastSeq }]);
  }, [ticket, client, isCustomer, me.id]);

  useRealtimeEvent('ticketUpdated', (updated) => {
    if (updated.id === ticketId) setTicket(updated);
  });

  const toggleAssistant = (open: boolean) => {
    setShowAssistant(open);
    if (open) setShowFiles(false);
    try {
      localStorage.setItem(ASSISTANT_KEY, open ? '1' : '0');
    } catch {
      // Private mode: the choice just is not remembered.
    }
  };

  if (error) {
    return (
      <main className="page" id="main" data-testid="ticket-unavailable">
        <h1>{error.notFound ? t('common.ticketNotFound') : t('common.ticketUnavailable')}</h1>
        <p role="alert">{error.message}</p>
        <Link to={isCustomer ? '/' : '/tickets'}>{isCustomer ? t('ticketView.backMyTickets') : t('common.backQueue')}</Link>
      </main>
    );
  }
  if (!ticket) {
    return (
      <main className="page" id="main" aria-busy="true">
        <p className="muted">{t('ticketView.loadingTicket')}</p>
      </main>
    );
  }

  const header = (
    <div className="ticket-header-wrap">
      <nav className="breadcrumbs" aria-label={t('ticketView.breadcrumb')}>
        <Link to={isCustomer ? '/' : '/tickets'}>{isCustomer ? t('common.myTickets') : t('common.ticketQueue')}</Link>
        <span className="breadcrumb-actions">
          {/* A ticket link's session may not export (the server answers 403). */}
          {!isLinkSession(me) && <ExportMenu roomId={ticket.id} />}
          {!isCustomer && (
            <button
              type="button"
              className="button small"
              aria-pressed={showAssistant && !showFiles}
              onClick={() => toggleAssistant(!(showAssistant && !showFiles))}
              data-testid="show-assistant"
            >
              {t('common.assistant')}
            </button>
          )}
        </span>
      </nav>
      <TicketHeader ticket={ticket} onChange={setTicket} filesOpen={showFiles} onToggleFiles={() => setShowFiles((open) => !open)} />
    </div>
  );

  const closedForMe = isCustomer && ticket.status === 'closed';

  return (
    <ChatRoom
      roomId={ticket.id}
      focusSeq={focusSeq}
      initialThreadId={threadId}
      header={header}
      draft={draft}
      composerNotice={
        closedForMe ? (
          <span>
            {rich('ticketView.thisTicketClosed', { link: <Link to="/support">{t('common.openNewRequest')}</Link> })}
          </span>
        ) : undefined
      }
      aside={
        // One side panel at a time: the files (while open) cover the assistant.
        showFiles ? (
          <FilesPanel roomId={ticket.id} onClose={() => setShowFiles(false)} />
        ) : !isCustomer && showAssistant ? (
          <AssistantPanel
            ticketId={ticket.id}
            onClose={() => toggleAssistant(false)}
            onUseSuggestion={(text) => setDraft({ text, nonce: ++nonce.current })}
          />
        ) : null
      }
    />
  );
}
