import { describe, expect, it } from 'vitest';
import { composeSearch, EMPTY_FILTERS, hasTerms, hitUrl, parseSearch, resultCount, roomLabel } from './query';

describe('search query language', () => {
  it('parses filters out of the words, keeping phrases', () => {
    expect(parseSearch('deploy "connection pool" from:@ada in:#engineering after:2026-01-01 before:2026-02-01 has:thread')).toEqual({
      text: 'deploy "connection pool"',
      from: 'ada',
      in: 'engineering',
      after: '2026-01-01',
      before: '2026-02-01',
      hasThread: true,
    });
    expect(parseSearch('')).toEqual(EMPTY_FILTERS);
    // Not filters: an unknown key, an empty value, a colon inside a phrase.
    expect(parseSearch('time:now from: "a:b"').text).toBe('time:now from: "a:b"');
  });

  it('composes the same string back (one word per filter value)', () => {
    const f = { ...EMPTY_FILTERS, text: ' deploy ', from: 'Ada Lovelace', in: 'general', after: '2026-01-01', hasThread: true };
    expect(composeSearch(f)).toBe('deploy from:Ada in:general after:2026-01-01 has:thread');
    const q = 'deploy "connection pool" from:ada in:engineering before:2026-02-01';
    expect(composeSearch(parseSearch(q))).toBe(q);
    expect(composeSearch(EMPTY_FILTERS)).toBe('');
  });

  it('knows when the server has something to look for', () => {
    expect(hasTerms(parseSearch('has:thread after:2026-01-01'))).toBe(false);
    expect(hasTerms(parseSearch('""'))).toBe(false);
    expect(hasTerms(parseSearch('from:ada'))).toBe(true);
    expect(hasTerms(parseSearch('in:general'))).toBe(true);
    expect(hasTerms(parseSearch('deploy'))).toBe(true);
  });

  it('links a hit to its message; replies open their thread; tickets open the ticket', () => {
    const room = { id: 'r1', slug: 'general', title: 'General', kind: 'public' as const };
    const message = { seq: 42, parentId: null };
    expect(hitUrl({ room, message } as never)).toBe('/rooms/r1?seq=42');
    expect(hitUrl({ room, message: { seq: 43, parentId: 'm9' } } as never)).toBe('/rooms/r1?seq=43&thread=m9');
    expect(hitUrl({ room: { ...room, kind: 'ticket' }, message } as never)).toBe('/tickets/r1?seq=42');
  });

  it('words the count and the room', () => {
    expect(resultCount(1, false)).toBe('1 result');
    expect(resultCount(0, false)).toBe('0 results');
    expect(resultCount(20, true)).toBe('20+ results');
    expect(roomLabel({ kind: 'dm', title: 'Ada & Sam' })).toBe('@Ada & Sam');
    expect(roomLabel({ kind: 'ticket', title: 'Help' })).toBe('Ticket: Help');
    expect(roomLabel({ kind: 'private', title: 'Ops' })).toBe('#Ops');
  });
});
