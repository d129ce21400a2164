// What the sign-in and account-link pages say about a failure (unit-tested in messages.test.ts).
import { ApiError } from '../../api';
import { t } from '../../i18n';

/** The server's password rule (`check_password_strength`): 10 to 200 characters. */
export const MIN_PASSWORD = 10;
export const MAX_PASSWORD = 200;

export type SignInFailure =
  /** A correct password, but the address was never confirmed: offer to send the link again. */
  | { kind: 'unverified'; message: string }
  | { kind: 'deactivated'; message: string }
  | { kind: 'banned'; message: string }
  | { kind: 'other'; message: string };

/** Why signing in did not work, in words for the sign-in page. */
export function signInFailure(err: unknown): SignInFailure {
  if (!(err instanceof ApiError) || err.status === 0) {
    return { kind: 'other', message: t('messages.couldNotSignCheckYour') };
  }
  switch (err.code) {
    case 'EMAIL_UNVERIFIED':
      return { kind: 'unverified', message: 'Confirm your e-mail address first: open the link we sent you when you registered.' };
    case 'DEACTIVATED':
      return { kind: 'deactivated', message: 'This account has been deactivated. Ask an administrator if you need it again.' };
    case 'BANNED':
      return { kind: 'banned', message: 'This account is banned. Ask an administrator if you think this is a mistake.' };
    case 'INVALID_CREDENTIALS':
      return { kind: 'other', message: 'Wrong e-mail address or password.' };
    default:
      return { kind: 'other', message: err.message };
  }
}

/** What a failed e-mailed link (verify, reset, invitation) says; `what` names the link. */
export function linkFailure(err: unknown, what: string): string {
  if (!(err instanceof ApiError) || err.status === 0) return t('messages.couldNotReachServerCheck');
  if (err.code === 'TOKEN_INVALID') return t('messages.thisWhatHasExpiredWas', { what });
  return signInFailure(err).message;
}

/** A problem with a new password (and its confirmation, when asked twice), or null. */
export function passwordProblem(password: string, confirm?: string): string | null {
  const length = [...password].length;
  if (length < MIN_PASSWORD) return t('messages.useAtLeastMinPassword', { MIN_PASSWORD });
  if (length > MAX_PASSWORD) return t('messages.useAtMostMaxPassword', { MAX_PASSWORD });
  if (confirm !== undefined && confirm !== password) return t('messages.theTwoPasswordsDoNot');
  return null;
}
