import { describe, expect, it } from 'vitest';
import { msg } from '../../realtime/__tests__/fakeSocket';
import type { Member } from '../../types';
import { contiguousEnd, deliveryStatus, DELIVERY_RECEIPTS_MAX_MEMBERS, initialTimeline, timelineReducer } from './timeline';

const ready = timelineReducer(initialTimeline, { type: 'loaded', messages: [msg('r', 1), msg('r', 2)], olderCursor: null, hasNewer: false });

describe('timeline', () => {
  it('merges live messages in seq order without duplicates and counts replies', () => {
    const root = ready.messages[0]!;
    let s = timelineReducer(ready, { type: 'live', message: msg('r', 4) });
    s = timelineReducer(s, { type: 'live', message: msg('r', 3, { parentId: root.id }) });
    s = timelineReducer(s, { type: 'live', message: msg('r', 3, { parentId: root.id }) });
    expect(s.messages.map((m) => m.seq)).toEqual([1, 2, 3, 4]);
    expect(s.messages[0]?.replyCount).toBe(1);
  });

  it('knows how far the window holds every message, for filling up to a watch', () => {
    expect(contiguousEnd([])).toBe(0);
    // A history page (from 41) and a live message after a hole: filled from 43.
    const window = [msg('r', 41), msg('r', 42), msg('r', 45)];
    expect(contiguousEnd(window)).toBe(42);
    expect(contiguousEnd([...window.slice(0, 2), msg('r', 43), msg('r', 44), window[2]!])).toBe(45);
  });

  it('ignores live messages while the window is in older history', () => {
    const s = timelineReducer({ ...ready, hasNewer: true }, { type: 'live', message: msg('r', 9) });
    expect(s.messages.map((m) => m.seq)).toEqual([1, 2]);
  });

  it('applies reaction updates with my own flag', () => {
    const id = ready.messages[1]!.id;
    let s = timelineReducer(ready, { type: 'reaction', meId: 'me', update: { roomId: 'r', messageId: id, emoji: '👍', userId: 'me', added: true, count: 1 } });
    s = timelineReducer(s, { type: 'reaction', meId: 'me', update: { roomId: 'r', messageId: id, emoji: '👍', userId: 'x', added: true, count: 2 } });
    expect(s.messages[1]?.reactions).toEqual([{ emoji: '👍', count: 2, me: true }]);
    s = timelineReducer(s, { type: 'reaction', meId: 'me', update: { roomId: 'r', messageId: id, emoji: '👍', userId: 'me', added: false, count: 1 } });
    expect(s.messages[1]?.reactions).toEqual([{ emoji: '👍', count: 1, me: false }]);
  });
});

describe('deliveryStatus', () => {
  const member = (id: string, lastDeliveredSeq: number, lastReadSeq: number): Member => ({
    user: { id, name: id, handle: null, role: 'staff', department: null, createdAt: '', avatarUrl: null },
    role: 'member',
    joinedAt: '',
    lastDeliveredSeq,
    lastReadSeq,
    online: true,
    status: null,
  });
  const mine = msg('r', 5, { author: { id: 'me', name: 'Me', role: 'staff', avatarUrl: null } });

  it('ignores the author own cursors', () => {
    expect(deliveryStatus(mine, [member('me', 9, 9)])).toBe('sent');
  });
  it('is delivered, then read, by another member', () => {
    expect(deliveryStatus(mine, [member('me', 9, 9), member('b', 5, 4)])).toBe('delivered');
    expect(deliveryStatus(mine, [member('me', 9, 9), member('b', 5, 4), member('c', 6, 5)])).toBe('read');
  });
  it('skips "delivered" in rooms too big for live delivery receipts', () => {
    const crowd = Array.from({ length: DELIVERY_RECEIPTS_MAX_MEMBERS }, (_, i) => member(`m${i}`, 9, 0));
    expect(deliveryStatus(mine, crowd)).toBe('delivered');
    const big = [...crowd, member('me', 9, 9)];
    expect(deliveryStatus(mine, big)).toBe('sent');
    expect(deliveryStatus(mine, [...big, member('reader', 9, 5)])).toBe('read');
  });

  it('marks pins and unpins of shown messages only', () => {
    const id = ready.messages[0]!.id;
    let s = timelineReducer(ready, { type: 'pinned', messageId: id, pinned: true });
    expect(s.messages.map((m) => m.pinned)).toEqual([true, false]);
    s = timelineReducer(s, { type: 'pinned', messageId: id, pinned: false });
    expect(s.messages[0]?.pinned).toBe(false);
    expect(timelineReducer(ready, { type: 'pinned', messageId: 'elsewhere', pinned: true })).toBe(ready);
  });
});
