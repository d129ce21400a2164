import { isRecord } from './guards';

/** Why the server ended the session: the app signs out and says so on the sign-in page. */
export interface SessionEnded {
  code: 'SESSION_REVOKED' | 'UNAUTHENTICATED' | 'BANNED';
  message: string;
}

/** Human text for why the session ended, for the sign-in page. */
export function sessionEndedMessage(code: SessionEnded['code'], reason = ''): string {
  if (code === 'BANNED' || reason === 'banned') return 'Your account has been banned.';
  if (code === 'UNAUTHENTICATED') return 'Your session has expired. Please sign in again.';
  if (reason === 'signed_out') return 'You were signed out (this session was closed).';
  if (reason === 'password_changed') return 'Your password was changed, so this session was signed out. Sign in with the new password.';
  if (reason === 'password_reset') return 'Your password was reset, so this session was signed out. Sign in with the new password.';
  if (reason === 'deactivated') return 'Your account has been deactivated.';
  if (reason === 'role_changed') return 'An administrator changed your role. Sign in again to continue.';
  if (reason === 'department_changed') return 'An administrator changed your department. Sign in again to continue.';
  if (reason === 'revoked') return 'Your session was ended. Please sign in again.';
  return reason ? `You were signed out: ${reason}` : 'Your session was ended. Please sign in again.';
}

/**
 * The code of a refused connect: socketioxide puts it in `err.message` (no `err.data`);
 * `err.data.code` is accepted too. Transport failures ("websocket error") give no code.
 */
export function connectErrorCode(err: unknown): string | null {
  if (!isRecord(err)) return null;
  if (isRecord(err.data) && typeof err.data.code === 'string') return err.data.code;
  const message = typeof err.message === 'string' ? err.message : '';
  return /^[A-Z][A-Z0-9_]+$/.test(message) ? message : null;
}
