import { describe, expect, it } from 'vitest';
import type { AppNotification } from '../../types';
import { bellReducer, initialBell, messageUrl } from './bell';

const note = (id: string, roomId = 'r1', read = false): AppNotification => ({
  id,
  kind: 'mention',
  roomId,
  roomTitle: 'General',
  roomKind: 'public',
  messageId: `m${id}`,
  threadId: null,
  seq: Number(id.replace(/\D/g, '')) || 1,
  excerpt: 'hi',
  actor: { id: 'u2', name: 'Bob' },
  createdAt: '2026-01-01T00:00:00Z',
  read,
});

describe('bellReducer', () => {
  it('counts a new notification once, even when it arrives twice, and lists it once the list is loaded', () => {
    let s = initialBell(2);
    s = bellReducer(s, { type: 'page', items: [note('n1')], nextCursor: null, append: false });
    s = bellReducer(s, { type: 'new', notification: note('n2') });
    s = bellReducer(s, { type: 'new', notification: note('n2') });
    expect(s.count).toBe(3);
    expect(s.items.map((n) => n.id)).toEqual(['n2', 'n1']);
  });

  it('counts without listing while the list was never opened', () => {
    const s = bellReducer(initialBell(0), { type: 'new', notification: note('n1') });
    expect(s).toMatchObject({ count: 1, items: [], loaded: false });
  });

  it('appends further pages without duplicates and replaces on a first page', () => {
    let s = bellReducer(initialBell(0), { type: 'page', items: [note('n3'), note('n2')], nextCursor: 'c', append: false });
    s = bellReducer(s, { type: 'page', items: [note('n2'), note('n1')], nextCursor: null, append: true });
    expect(s.items.map((n) => n.id)).toEqual(['n3', 'n2', 'n1']);
    expect(s.nextCursor).toBeNull();
    s = bellReducer(s, { type: 'page', items: [note('n4')], nextCursor: 'd', append: false });
    expect(s.items.map((n) => n.id)).toEqual(['n4']);
  });

  it('reads by ids: unread ones and unlisted ones lower the count, already read ones do not', () => {
    let s = bellReducer(initialBell(3), { type: 'page', items: [note('n1'), note('n2', 'r1', true)], nextCursor: null, append: false });
    s = bellReducer(s, { type: 'read', event: { ids: ['n1', 'n2', 'n9'] } });
    expect(s.count).toBe(1);
    expect(s.items.every((n) => n.read)).toBe(true);
    // The same event again (this tab marked them, then the server echoed it): no change.
    expect(bellReducer(s, { type: 'read', event: { ids: ['n1', 'n2'] } }).count).toBe(1);
  });

  it('reads a room: its items only, the count left to the server', () => {
    let s = bellReducer(initialBell(2), { type: 'page', items: [note('n1', 'r1'), note('n2', 'r2')], nextCursor: null, append: false });
    s = bellReducer(s, { type: 'read', event: { roomId: 'r1' } });
    expect(s.items.map((n) => n.read)).toEqual([true, false]);
    expect(s.count).toBe(2);
  });

  it('reads all', () => {
    let s = bellReducer(initialBell(5), { type: 'page', items: [note('n1')], nextCursor: null, append: false });
    s = bellReducer(s, { type: 'read', event: { all: true } });
    expect(s.count).toBe(0);
    expect(s.items[0]?.read).toBe(true);
  });

  it('never counts below zero', () => {
    expect(bellReducer(initialBell(1), { type: 'read', event: { ids: ['a', 'b'] } }).count).toBe(0);
  });
});

describe('messageUrl', () => {
  it('opens the message in its room, a ticket among tickets, and a reply in its thread', () => {
    expect(messageUrl({ roomId: 'r1', roomKind: 'public', seq: 7, threadId: null })).toBe('/rooms/r1?seq=7');
    expect(messageUrl({ roomId: 't1', roomKind: 'ticket', seq: 2, threadId: null })).toBe('/tickets/t1?seq=2');
    expect(messageUrl({ roomId: 'r1', roomKind: 'private', seq: 9, threadId: 'root-1' })).toBe('/rooms/r1?seq=9&thread=root-1');
  });
});
