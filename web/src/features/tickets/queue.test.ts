import { describe, expect, it } from 'vitest';
import type { Ticket } from '../../types';
import { applyTicketUpdate, filtersFrom, isStale, latestTicket, matchesFilters } from './queue';

const ME = 'u-me';

function ticket(id: string, createdAt: string, patch: Partial<Ticket> = {}): Ticket {
  return {
    id,
    subject: `ticket ${id}`,
    status: 'open',
    priority: 'normal',
    department: 'support',
    requester: { id: 'c1', name: 'Carl', email: 'carl@example.com' },
    assignee: null,
    createdAt,
    updatedAt: createdAt,
    firstResponseAt: null,
    resolvedAt: null,
    lastSeq: 1,
    requesterVerified: true,
    ...patch,
  };
}

describe('ticket queue filters', () => {
  it('open on open tickets; an empty status means any; unknown values are dropped', () => {
    expect(filtersFrom(new URLSearchParams('')).status).toBe('open');
    expect(filtersFrom(new URLSearchParams('status=')).status).toBe('');
    expect(filtersFrom(new URLSearchParams('status=bogus&priority=urgent')).status).toBe('');
    expect(filtersFrom(new URLSearchParams('priority=urgent')).priority).toBe('urgent');
    expect(filtersFrom(new URLSearchParams('priority=nope')).priority).toBe('');
    expect(filtersFrom(new URLSearchParams('assignee=me&department=billing'))).toMatchObject({ assignee: 'me', department: 'billing' });
  });

  it('match like the server: me, none, an id, status, department, priority', () => {
    const mine = ticket('a', '2026-01-01T00:00:00Z', { assignee: { id: ME, name: 'Me' } });
    const nobody = ticket('b', '2026-01-01T00:00:00Z');
    expect(matchesFilters(mine, { assignee: 'me' }, ME)).toBe(true);
    expect(matchesFilters(nobody, { assignee: 'me' }, ME)).toBe(false);
    expect(matchesFilters(nobody, { assignee: 'none' }, ME)).toBe(true);
    expect(matchesFilters(mine, { assignee: 'none' }, ME)).toBe(false);
    expect(matchesFilters(mine, { assignee: ME }, ME)).toBe(true);
    expect(matchesFilters(mine, { status: 'pending' }, ME)).toBe(false);
    expect(matchesFilters(mine, { status: '', department: 'support', priority: 'normal' }, ME)).toBe(true);
    expect(matchesFilters(mine, { department: 'billing' }, ME)).toBe(false);
  });
});

describe('live ticket updates in a loaded queue', () => {
  const f = { status: 'open' as const };
  const newer = ticket('n', '2026-03-01T00:00:00Z');
  const mid = ticket('m', '2026-02-01T00:00:00Z');
  const old = ticket('o', '2026-01-01T00:00:00Z');

  it('updates a listed ticket in place, even when it no longer matches (then it is stale)', () => {
    const changed = { ...mid, status: 'pending' as const };
    const out = applyTicketUpdate([newer, mid, old], changed, f, ME, true);
    expect(out.map((t) => t.id)).toEqual(['n', 'm', 'o']);
    expect(out[1]?.status).toBe('pending');
    expect(isStale(out[1] as Ticket, f, ME)).toBe(true);
  });

  it('inserts a new matching ticket newest first, and ignores ones that do not match', () => {
    const brand = ticket('z', '2026-04-01T00:00:00Z');
    expect(applyTicketUpdate([newer, old], brand, f, ME, false).map((t) => t.id)).toEqual(['z', 'n', 'o']);
    expect(applyTicketUpdate([newer, old], { ...brand, status: 'closed' }, f, ME, true).map((t) => t.id)).toEqual(['n', 'o']);
  });

  it('inserts an older ticket only inside the loaded range', () => {
    const older = ticket('x', '2025-12-01T00:00:00Z');
    expect(applyTicketUpdate([newer, mid], older, f, ME, false).map((t) => t.id)).toEqual(['n', 'm']);
    expect(applyTicketUpdate([newer, mid], older, f, ME, true).map((t) => t.id)).toEqual(['n', 'm', 'x']);
    expect(applyTicketUpdate([newer, old], mid, f, ME, false).map((t) => t.id)).toEqual(['n', 'm', 'o']);
  });
});

describe('news of a ticket', () => {
  const resolved = ticket('t', '2026-03-01T00:00:00Z', { status: 'resolved', updatedAt: '2026-03-01T10:00:00.100Z', lastSeq: 3 });
  const reopened = { ...resolved, status: 'open' as const, updatedAt: '2026-03-01T10:00:00.250Z', lastSeq: 4 };

  it('takes news as new as what is held, or newer (a message in it keeps the time of the last change)', () => {
    expect(latestTicket(undefined, resolved)).toEqual(resolved);
    expect(latestTicket(resolved, reopened).status).toBe('open');
    expect(latestTicket(reopened, { ...reopened, lastSeq: 5 }).lastSeq).toBe(5);
  });

  it('keeps the newer change when older news arrives after it (an answer crossing an event)', () => {
    expect(latestTicket(reopened, resolved)).toEqual(reopened);
    const f = filtersFrom(new URLSearchParams(''));
    const [row] = applyTicketUpdate([reopened], resolved, f, ME, true);
    expect(row?.status).toBe('open');
    expect(isStale(row as Ticket, f, ME)).toBe(false);
  });
});
