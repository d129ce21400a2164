// What the users table shows about a ban (unit-tested in bans.test.ts).
import type { AdminUser, BanView } from '../../types';

export type BanState = { kind: 'none' } | { kind: 'banned'; ban: BanView };

/**
 * `ban` is always on admin rows (null when none). A ban whose `expiresAt` has passed no longer
 * counts (the server lets them sign in again).
 */
export function banState(user: Pick<AdminUser, 'ban'>, now: number = Date.now()): BanState {
  if (!user.ban) return { kind: 'none' };
  if (user.ban.expiresAt) {
    const ends = Date.parse(user.ban.expiresAt);
    if (Number.isFinite(ends) && ends <= now) return { kind: 'none' };
  }
  return { kind: 'banned', ban: user.ban };
}

/** A `datetime-local` value (local time, no zone) as ISO-8601 UTC, or undefined when empty or bad. */
export function localInputToIso(value: string): string | undefined {
  if (!value) return undefined;
  const t = new Date(value).getTime();
  return Number.isFinite(t) ? new Date(t).toISOString() : undefined;
}
