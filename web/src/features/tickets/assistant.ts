// Wording for the assistant panel (unit-tested in assistant.test.ts).
import type { ApiError } from '../../api';
import { t } from '../../i18n';

/** "negative (-0.62)"; the score is left out when the server sends none. */
export function sentimentLabel(sentiment: string, score?: number | null): string {
  if (typeof score !== 'number' || !Number.isFinite(score)) return sentiment;
  return `${sentiment} (${score > 0 ? '+' : ''}${score.toFixed(2)})`;
}

export function newerLabel(n: number): string {
  return `${n} newer ${n === 1 ? 'message is' : 'messages are'} not in this summary yet.`;
}

/** A refused refresh in words: rate limits say when to try again, observers why not. */
export function refreshError(err: ApiError): string {
  if (err.code === 'RATE_LIMITED') {
    const secs = err.retryAfterMs !== null ? Math.max(1, Math.ceil(err.retryAfterMs / 1000)) : null;
    return secs !== null ? t('assistant.tooManyRefreshesTryAgain', { secs }) : t('assistant.tooManyRefreshesTryAgain2');
  }
  if (err.code === 'READ_ONLY') return t('assistant.readOnlyAccountsCannotAsk');
  return err.message || t('assistantPanel.couldNotRefreshAssistant');
}
