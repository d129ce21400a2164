import { describe, expect, it } from 'vitest';
import type { Room } from '../../types';
import { onlineOf } from '../chat/MembersPanel';
import { mergeArchived } from './ArchivedRooms';

const room = (id: string, title: string, archivedAt: string | null): Room => ({
  id,
  slug: id,
  title,
  description: '',
  kind: 'public',
  peers: null,
  department: null,
  tags: [],
  lastSeq: 0,
  lastMessageAt: null,
  createdAt: '2026-01-01T00:00:00Z',
  myRole: null,
  unread: 0,
  lastReadSeq: 0,
  mentionCount: 0,
  notifyLevel: 'all',
  mutedUntil: null,
  archivedAt,
});

describe('archived rooms', () => {
  it('lists mine and discovered ones once, archived only, by title', () => {
    const a = room('a', 'Zeta', '2026-02-01T00:00:00Z');
    const b = room('b', 'Alpha', '2026-02-02T00:00:00Z');
    const active = room('c', 'Beta', null);
    expect(mergeArchived([a, active], [b, a]).map((r) => r.id)).toEqual(['b', 'a']);
  });
});

describe('members panel', () => {
  it('says how many are online of how many', () => {
    expect(onlineOf([{ online: true }, { online: true }, { online: false }])).toBe('2 online of 3');
    expect(onlineOf([])).toBe('0 online of 0');
  });
});
