import { useCallback, useEffect, useState } from 'react';
import { api, errorMessage } from '../../api';
import { useRealtimeEvent } from '../../realtime';
import type { AssistantState } from '../../types';
import { formatDateTime } from '../../ui/format';
import { WriteButton } from '../../ui/readOnly';
import { useToast } from '../../ui/toast';

interface Props {
  ticketId: string;
  onUseSuggestion: (text: string) => void;
  onClose: () => void;
}

/** The AI assistant's read of a ticket; refetched when the server says insights changed. */
export function AssistantPanel({ ticketId, onUseSuggestion, onClose }: Props) {
  const toast = useToast();
  const [state, setState] = useState<AssistantState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState(false);

  const load = useCallback(() => {
    api.tickets
      .assistant(ticketId)
      .then((s) => {
        setState(s);
        setError(null);
      })
      .catch((err: unknown) => setError(errorMessage(err)));
  }, [ticketId]);

  useEffect(() => {
    setState(null);
    load();
  }, [load]);

  useRealtimeEvent('ticketInsights', ({ ticketId: id }) => {
    if (id === ticketId) {
      setRefreshing(false);
      load();
    }
  });

  const refresh = async () => {
    setRefreshing(true);
    try {
      await api.tickets.refreshAssistant(ticketId);
      toast.show('Asked the assistant for a fresh summary.', 'info');
      // The result arrives as a `ticket:insights` event; poll once as a fallback.
      setTimeout(() => {
        setRefreshing(false);
        load();
      }, 15_000);
    } catch (err) {
      setRefreshing(false);
      toast.error(err, 'Could not refresh the assistant');
    }
  };

  const insights = state?.insights ?? null;

  return (
    <aside className="side-panel assistant-panel" aria-labelledby="assistant-title" data-testid="assistant-panel">
      <header className="side-panel-header">
        <h2 id="assistant-title">Assistant</h2>
        <button type="button" className="icon-button" aria-label="Close assistant" onClick={onClose}>
          ×
        </button>
      </header>
      <div className="assistant-body" aria-live="polite" aria-busy={refreshing}>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {!state && !error && <p className="muted">Loading…</p>}
        {state && !insights && <p className="muted">No summary yet. The assistant reads the ticket after new messages.</p>}
        {insights && (
          <>
            {insights.escalation.escalate && (
              <div className={`escalation severity-${insights.escalation.severity}`} role="note" data-testid="assistant-escalation">
                <strong>Escalate ({insights.escalation.severity})</strong>
                {insights.escalation.department && <> to {insights.escalation.department}</>}: {insights.escalation.reason}
              </div>
            )}
            <section>
              <h3>Summary</h3>
              <p data-testid="assistant-summary">{insights.summary}</p>
            </section>
            <dl className="insight-facts">
              <dt>Problem</dt>
              <dd>{insights.problem}</dd>
              <dt>Urgency</dt>
              <dd>{insights.urgency}</dd>
              <dt>Sentiment</dt>
              <dd>{insights.sentiment}</dd>
              <dt>Topic</dt>
              <dd>{insights.topic}</dd>
            </dl>
            {insights.suggestions.length > 0 && (
              <section>
                <h3>Suggested replies</h3>
                <ul className="suggestions">
                  {insights.suggestions.map((s, i) => (
                    <li key={i}>
                      <p>{s}</p>
                      <WriteButton className="button small" onClick={() => onUseSuggestion(s)} aria-label={`Use suggestion ${i + 1}`}>
                        Use
                      </WriteButton>
                    </li>
                  ))}
                </ul>
              </section>
            )}
            <p className="muted small">
              {insights.provider} · covers up to message {insights.coveredSeq} · {formatDateTime(insights.updatedAt)}
            </p>
          </>
        )}
        {state && state.newerMessages > 0 && (
          <p className="notice small" data-testid="assistant-newer">
            {state.newerMessages} newer {state.newerMessages === 1 ? 'message is' : 'messages are'} not in this summary yet.
          </p>
        )}
        <WriteButton className="button" onClick={() => void refresh()} disabled={refreshing} data-testid="assistant-refresh">
          {refreshing ? 'Refreshing…' : 'Refresh'}
        </WriteButton>
      </div>
    </aside>
  );
}
