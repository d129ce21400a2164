import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, errorMessage } from '../../api';
import { useRealtimeEvent } from '../../realtime';
import type { AssistantState } from '../../types';
import { formatDateTime } from '../../ui/format';
import { WriteButton } from '../../ui/readOnly';
import { useToast } from '../../ui/toast';
import { newerLabel, refreshError, sentimentLabel } from './assistant';
import { t } from '../../i18n';

interface Props {
  ticketId: string;
  onUseSuggestion: (text: string) => void;
  onClose: () => void;
}

/** After asking for a refresh, look again by ourselves if no `ticket:insights` came by then. */
const FALLBACK_MS = 15_000;

/**
 * The AI assistant's read of a ticket (staff, admins and observers; never customers):
 * refetched when the server announces new insights (`ticket:insights`).
 */
export function AssistantPanel({ ticketId, onUseSuggestion, onClose }: Props) {
  const toast = useToast();
  const [state, setState] = useState<AssistantState | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [refreshing, setRefreshing] = useState(false);
  /** Messages that arrived here since the last fetch (the server counts them too). */
  const [arrived, setArrived] = useState(0);
  const fallback = useRef<ReturnType<typeof setTimeout> | null>(null);

  const load = useCallback(() => {
    api.tickets
      .assistant(ticketId)
      .then((s) => {
        setState(s);
        setArrived(0);
        setError(null);
      })
      .catch((err: unknown) => setError(errorMessage(err)));
  }, [ticketId]);

  const stopWaiting = () => {
    if (fallback.current) clearTimeout(fallback.current);
    fallback.current = null;
    setRefreshing(false);
  };

  useEffect(() => {
    setState(null);
    load();
    return () => {
      if (fallback.current) clearTimeout(fallback.current);
    };
  }, [load]);

  useRealtimeEvent('ticketInsights', ({ ticketId: id }) => {
    if (id !== ticketId) return;
    stopWaiting();
    load();
  });
  useRealtimeEvent('message', (m) => {
    if (m.roomId === ticketId && m.parentId === null) setArrived((n) => n + 1);
  });

  const refresh = async () => {
    setRefreshing(true);
    try {
      await api.tickets.refreshAssistant(ticketId);
      if (fallback.current) clearTimeout(fallback.current);
      fallback.current = setTimeout(() => {
        fallback.current = null;
        setRefreshing(false);
        load();
      }, FALLBACK_MS);
    } catch (err) {
      setRefreshing(false);
      if (err instanceof ApiError) toast.show(refreshError(err), 'error');
      else toast.error(err, t('assistantPanel.couldNotRefreshAssistant'));
    }
  };

  const insights = state?.insights ?? null;
  const newer = (state?.newerMessages ?? 0) + arrived;

  return (
    <aside className="side-panel assistant-panel" aria-labelledby="assistant-title" data-testid="assistant-panel">
      <header className="side-panel-header">
        <h2 id="assistant-title">{t('common.assistant')}</h2>
        <span className="side-panel-actions">
          <WriteButton
            className="button small"
            onClick={() => void refresh()}
            disabled={refreshing}
            aria-label={t('assistantPanel.refreshAssistantSSummary')}
            data-testid="assistant-refresh"
          >
            {refreshing ? t('assistantPanel.refreshing') : t('common.refresh')}
          </WriteButton>
          <button type="button" className="icon-button" aria-label={t('assistantPanel.closeAssistant')} onClick={onClose}>
            ×
          </button>
        </span>
      </header>
      <div className="assistant-body" aria-busy={refreshing || state === null} data-state={refreshing ? 'refreshing' : state ? 'ready' : 'loading'}>
        {error && (
          <p className="form-error" role="alert">
            {error}
          </p>
        )}
        {!state && !error && <p className="muted">{t('common.loading')}</p>}
        {state && !insights && (
          <p className="muted" data-testid="assistant-empty">
            {t('assistantPanel.noSummaryYetAssistantReads')}
          </p>
        )}
        {state?.lastError && (
          <p className="notice small" role="status" data-testid="assistant-error">
            {t('assistantPanel.theLastRefreshFailed')}{state.failures && state.failures > 1 ? t('assistantPanel.failuresTimes', { failures: state.failures }) : ''}: {state.lastError}
          </p>
        )}
        {newer > 0 && insights && (
          <p className="notice small" data-testid="assistant-newer">
            {newerLabel(newer)}
          </p>
        )}
        {insights && (
          <div aria-live="polite">
            {insights.escalation.escalate && (
              <div className={`escalation severity-${insights.escalation.severity}`} role="note" data-testid="assistant-escalation">
                <strong>{t('assistantPanel.escalate', { severity: insights.escalation.severity })}</strong>
                {insights.escalation.department && <>{' '}{t('common.to')}{' '}{insights.escalation.department}</>}: {insights.escalation.reason}
              </div>
            )}
            <section>
              <h3>{t('assistantPanel.summary')}</h3>
              <p data-testid="assistant-summary">{insights.summary}</p>
            </section>
            <dl className="insight-facts">
              <dt>{t('assistantPanel.problem')}</dt>
              <dd>{insights.problem}</dd>
              <dt>{t('assistantPanel.urgency')}</dt>
              <dd data-testid="assistant-urgency">{insights.urgency}</dd>
              <dt>{t('assistantPanel.sentiment')}</dt>
              <dd data-testid="assistant-sentiment">{sentimentLabel(insights.sentiment, insights.sentimentScore)}</dd>
              <dt>{t('common.topic')}</dt>
              <dd>{insights.topic}</dd>
            </dl>
            {insights.suggestions.length > 0 && (
              <section>
                <h3>{t('assistantPanel.suggestedReplies')}</h3>
                <ul className="suggestions">
                  {insights.suggestions.map((s, i) => (
                    <li key={i} data-testid="assistant-suggestion">
                      <p>{s}</p>
                      <WriteButton className="button small" onClick={() => onUseSuggestion(s)} aria-label={t('assistantPanel.useSuggestionValue', { value: i + 1 })} data-testid="use-suggestion">
                        {t('assistantPanel.use')}
                      </WriteButton>
                    </li>
                  ))}
                </ul>
              </section>
            )}
            {!insights.escalation.escalate && <p className="muted small">{insights.escalation.reason}</p>}
            <p className="muted small" data-testid="assistant-meta">
              {t('assistantPanel.upMessage', { provider: insights.provider, seq: insights.coveredSeq })} · {formatDateTime(insights.updatedAt)}
            </p>
          </div>
        )}
      </div>
    </aside>
  );
}
