import { describe, expect, it } from 'vitest';
import type { BanView } from '../../types';
import { banState, localInputToIso } from './bans';

const NOW = Date.parse('2026-06-01T12:00:00Z');

/** A ban as the server sends it. */
function ban(expiresAt: string | null, reason = 'x'): BanView {
  return { userId: 'u1', reason, bannedBy: 'admin', bannedAt: '2026-05-01T00:00:00Z', expiresAt };
}

describe('ban state of an admin row', () => {
  it('is none when null: a row offers Ban only, never Ban and Unban together', () => {
    expect(banState({ ban: null }, NOW)).toEqual({ kind: 'none' });
  });

  it('is banned for a permanent or running ban, none once it has expired', () => {
    const permanent = ban(null, 'spam');
    expect(banState({ ban: permanent }, NOW)).toEqual({ kind: 'banned', ban: permanent });
    expect(banState({ ban: ban('2026-06-02T00:00:00Z') }, NOW).kind).toBe('banned');
    expect(banState({ ban: ban('2026-06-01T11:59:59Z') }, NOW).kind).toBe('none');
    expect(banState({ ban: ban('not a date') }, NOW).kind).toBe('banned');
  });

  it('turns the datetime-local input into UTC ISO-8601', () => {
    expect(localInputToIso('')).toBeUndefined();
    expect(localInputToIso('garbage')).toBeUndefined();
    const iso = localInputToIso('2026-07-01T09:30');
    expect(iso).toMatch(/^2026-07-01T\d{2}:30:00\.000Z$/);
    expect(new Date(iso ?? '').getTime()).toBe(new Date('2026-07-01T09:30').getTime());
  });
});
