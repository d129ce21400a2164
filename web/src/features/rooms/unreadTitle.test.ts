import { describe, expect, it } from 'vitest';
import type { Room } from '../../types';
import { countedUnread, faviconWithBadge } from './UnreadTitle';

const room = (unread: number, extra: Partial<Room> = {}): Room => ({
  id: String(Math.random()),
  slug: 's',
  title: 't',
  description: '',
  kind: 'public',
  peers: null,
  department: null,
  tags: [],
  lastSeq: 10,
  lastMessageAt: null,
  createdAt: '2026-01-01T00:00:00Z',
  myRole: 'member',
  unread,
  lastReadSeq: 0,
  mentionCount: 0,
  notifyLevel: 'all',
  mutedUntil: null,
  archivedAt: null,
  ...extra,
});

describe('the unread count in the tab', () => {
  it('adds up rooms that are not muted', () => {
    const now = Date.parse('2026-03-05T12:00:00Z');
    const rooms = [room(3), room(2, { notifyLevel: 'none' }), room(4, { mutedUntil: '2026-03-05T13:00:00Z' }), room(1, { mutedUntil: '2026-03-05T11:00:00Z' })];
    expect(countedUnread(rooms, now)).toBe(4);
    expect(countedUnread([], now)).toBe(0);
  });

  it('draws a badge on the icon only when something is unread', () => {
    expect(decodeURIComponent(faviconWithBadge(0))).not.toContain('<circle');
    expect(decodeURIComponent(faviconWithBadge(7))).toContain('>7</text>');
    expect(decodeURIComponent(faviconWithBadge(250))).toContain('>99+</text>');
  });
});
