import { describe, expect, it } from 'vitest';
import type { Room, User } from '../../types';
import { matchRank, switchTargets } from './quickSwitch';

const room = (title: string, extra: Partial<Room> = {}): Room => ({
  id: title,
  slug: title.toLowerCase().replace(/\s+/g, '-'),
  title,
  description: '',
  kind: 'public',
  peers: null,
  department: null,
  tags: [],
  lastSeq: 0,
  lastMessageAt: null,
  createdAt: '2026-01-01T00:00:00Z',
  myRole: 'member',
  unread: 0,
  lastReadSeq: 0,
  mentionCount: 0,
  notifyLevel: 'all',
  mutedUntil: null,
  archivedAt: null,
  ...extra,
});
const user = (id: string, name: string, handle?: string): User => ({ id, name, handle: handle ?? null, role: 'staff', department: null, createdAt: '2026-01-01T00:00:00Z', avatarUrl: null });

describe('the quick switcher', () => {
  it('ranks a start before a word start before a substring', () => {
    expect(matchRank('Engineering', 'eng')).toBe(0);
    expect(matchRank('Platform engineering', 'eng')).toBe(1);
    expect(matchRank('Challenge', 'eng')).toBe(2);
    expect(matchRank('Random', 'eng')).toBe(-1);
  });

  it('lists unread rooms first without a query, best matches with one, then people', () => {
    const rooms = [room('General'), room('Random', { unread: 4 }), room('Ticket', { kind: 'ticket' }), room('Ada Lovelace', { kind: 'dm' })];
    expect(switchTargets(rooms, [], '', 'me').map((t) => (t.kind === 'room' ? t.room.title : t.user.name))).toEqual(['Random', 'Ada Lovelace', 'General']);
    const people = [user('me', 'Me'), user('a', 'Ada Lovelace'), user('b', 'Adam Smith', 'adam')];
    const found = switchTargets(rooms, people, 'ad', 'me');
    expect(found.map((t) => (t.kind === 'room' ? `#${t.room.title}` : `@${t.user.name}`))).toEqual(['#Ada Lovelace', '@Adam Smith']);
  });
});
