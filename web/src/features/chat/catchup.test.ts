import { describe, expect, it } from 'vitest';
import { badgeText, dayKey, dayLabel, dayStarts, firstUnread, opensAtUnread, titleWithUnread } from './catchup';

const at = (y: number, mo: number, d: number, h = 12) => new Date(y, mo - 1, d, h, 0, 0);
const msg = (seq: number, when: Date, author = 'other') => ({ seq, createdAt: when.toISOString(), author: { id: author } });

describe('day separators', () => {
  const now = at(2026, 3, 5, 9);

  it('say Today, Yesterday, then the date (with the year only when it differs)', () => {
    expect(dayLabel(at(2026, 3, 5, 0), now)).toBe('Today');
    expect(dayLabel(at(2026, 3, 4, 23), now)).toBe('Yesterday');
    expect(dayLabel(at(2026, 3, 2), now, 'en-GB')).toMatch(/^Monday,? 2 March$/);
    expect(dayLabel(at(2025, 12, 31), now, 'en-GB')).toMatch(/^Wednesday,? 31 December 2025$/);
    // Across a month boundary, yesterday is still yesterday.
    expect(dayLabel(at(2026, 2, 28, 22), at(2026, 3, 1, 1))).toBe('Yesterday');
    expect(dayLabel('not a date', now)).toBe('');
  });

  it('go before the first message of each local day', () => {
    const messages = [msg(1, at(2026, 3, 3, 10)), msg(2, at(2026, 3, 3, 18)), msg(3, at(2026, 3, 4, 8)), msg(5, at(2026, 3, 5, 7)), msg(6, at(2026, 3, 5, 8))];
    expect([...dayStarts(messages).keys()]).toEqual([1, 3, 5]);
    expect(dayStarts([]).size).toBe(0);
    expect(dayKey(at(2026, 1, 9))).toBe('2026-01-09');
  });
});

describe('the new-messages divider', () => {
  const when = at(2026, 3, 5);
  it('goes at the first message after the read position by someone else', () => {
    const messages = [msg(1, when), msg(2, when, 'me'), msg(3, when), msg(4, when)];
    expect(firstUnread(messages, 1, 'me')).toBe(3);
    expect(firstUnread(messages, 0, 'me')).toBe(1);
    expect(firstUnread(messages, 4, 'me')).toBeNull();
    expect(firstUnread([msg(2, when, 'me')], 1, 'me')).toBeNull();
  });

  it('opens the room there when more is unread than one page', () => {
    expect(opensAtUnread(51, 50)).toBe(true);
    expect(opensAtUnread(50, 50)).toBe(false);
  });
});

describe('the tab title and favicon badge', () => {
  it('lead with the unread count', () => {
    expect(titleWithUnread('Switchboard', 0)).toBe('Switchboard');
    expect(titleWithUnread('Switchboard', 3)).toBe('(3) Switchboard');
    expect(titleWithUnread('Switchboard', 150)).toBe('(99+) Switchboard');
    expect(badgeText(0)).toBe('');
    expect(badgeText(7)).toBe('7');
    expect(badgeText(100)).toBe('99+');
  });
});
