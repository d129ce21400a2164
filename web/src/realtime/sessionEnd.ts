import { isRecord } from './guards';
import { t } from '../i18n';

/** Why the server ended the session: the app signs out and says so on the sign-in page. */
export interface SessionEnded {
  code: 'SESSION_REVOKED' | 'UNAUTHENTICATED' | 'BANNED';
  message: string;
}

/** Human text for why the session ended, for the sign-in page. */
export function sessionEndedMessage(code: SessionEnded['code'], reason = ''): string {
  if (code === 'BANNED' || reason === 'banned') return t('sessionEnd.yourAccountHasBeenBanned');
  if (code === 'UNAUTHENTICATED') return t('session.yourSessionHasExpiredPlease');
  if (reason === 'signed_out') return t('sessionEnd.youWereSignedOutSession');
  if (reason === 'password_changed') return t('sessionEnd.yourPasswordWasChangedSo');
  if (reason === 'password_reset') return t('sessionEnd.yourPasswordWasResetSo');
  if (reason === 'deactivated') return t('sessionEnd.yourAccountHasBeenDeactivated');
  if (reason === 'role_changed') return t('sessionEnd.anAdministratorChangedYourRole');
  if (reason === 'department_changed') return t('sessionEnd.anAdministratorChangedYourDepartment');
  if (reason === 'revoked') return t('sessionEnd.yourSessionWasEndedPlease');
  return reason ? t('sessionEnd.youWereSignedOutReason', { reason }) : t('sessionEnd.yourSessionWasEndedPlease');
}

/** A refused handshake: what the server's `connect_error` says. */
export interface ConnectRefusal {
  code: string;
  /** True when the refusal clears by itself (the database was away, a restart, a rate limit). */
  retryable: boolean;
  /** When to try again, for retryable refusals. */
  retryAfterMs?: number;
}

/**
 * The refusal of a connect: the server's `connect_error` message is a JSON object
 * `{code, message, retryable, retryAfterMs?}` (Socket.IO carries nothing else there). A bare
 * code in the message, or `err.data.code` (other servers), is accepted too. Transport failures
 * ("websocket error") give `null`.
 */
export function connectRefusal(err: unknown): ConnectRefusal | null {
  if (!isRecord(err)) return null;
  if (isRecord(err.data) && typeof err.data.code === 'string') {
    const code = err.data.code;
    return { code, retryable: ['DB_UNAVAILABLE', 'SHUTTING_DOWN', 'RATE_LIMITED'].includes(code) };
  }
  const message = typeof err.message === 'string' ? err.message : '';
  try {
    const parsed: unknown = JSON.parse(message);
    if (isRecord(parsed) && typeof parsed.code === 'string') {
      return {
        code: parsed.code,
        retryable: parsed.retryable === true,
        retryAfterMs: typeof parsed.retryAfterMs === 'number' ? parsed.retryAfterMs : undefined,
      };
    }
  } catch {
    // not JSON: a bare code or a transport error
  }
  if (/^[A-Z][A-Z0-9_]+$/.test(message)) {
    return { code: message, retryable: ['DB_UNAVAILABLE', 'SHUTTING_DOWN', 'RATE_LIMITED'].includes(message) };
  }
  return null;
}

/** The code of a refused connect, or `null` for a transport failure. */
export function connectErrorCode(err: unknown): string | null {
  return connectRefusal(err)?.code ?? null;
}
