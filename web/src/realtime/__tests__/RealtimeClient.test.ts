import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, sessionEndedMessage, SYNC_RETRY_BACKOFF, type SessionEnded } from '../RealtimeClient';
import { memoryStore, type KeyValueStore } from '../storage';
import type { Message } from '../../types';
import { FakeSocket, msg } from './fakeSocket';

const ACK_TIMEOUT = 1000;
/** The default batching of delivery acks: 50 ms after the first message of a batch... */
const ACK_DELAY = 50;
/** ...and no sooner than 250 ms after the previous batch. */
const ACK_GAP = 250;
const BACKOFF = { baseMs: 100, maxMs: 1000 };

interface Harness {
  socket: FakeSocket;
  client: RealtimeClient;
  delivered: Message[];
  store: KeyValueStore;
}

function setup(opts: { store?: KeyValueStore; userId?: string; rooms?: [string, number][]; defaultSyncBackoff?: boolean } = {}): Harness {
  const socket = new FakeSocket();
  const store = opts.store ?? memoryStore();
  let n = 0;
  const client = new RealtimeClient({
    socket,
    store,
    userId: opts.userId ?? 'me',
    ackTimeoutMs: ACK_TIMEOUT,
    backoff: BACKOFF,
    ...(opts.defaultSyncBackoff ? {} : { syncBackoff: BACKOFF }),
    random: () => 0.5,
    newId: () => `cid-${++n}`,
    maxSyncRounds: 5,
  });
  const delivered: Message[] = [];
  client.events.on('message', (m) => delivered.push(m));
  if (opts.rooms) client.trackRooms(opts.rooms.map(([id, lastSeq]) => ({ id, lastSeq })));
  client.start();
  return { socket, client, delivered, store };
}

const seqs = (ms: Message[]) => ms.map((m) => `${m.roomId}:${m.seq}`);
const ok = <T>(data: T) => ({ ok: true, data });
const own = (roomId: string, seq: number, clientId: string) =>
  msg(roomId, seq, { clientId, author: { id: 'me', name: 'Me', role: 'staff', avatarUrl: null } });

beforeEach(() => {
  vi.useFakeTimers();
});
afterEach(() => {
  vi.useRealTimers();
});

describe('outbox', () => {
  it('resends with the same clientId until acked, then dedupes the echo', async () => {
    const { socket, client, delivered } = setup({ rooms: [['r1', 0]] });
    socket.serverConnect();
    socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'r1', messages: [], complete: true }] }));

    const item = client.send('r1', 'hello');
    expect(client.pending()).toHaveLength(1);
    expect(socket.sent('message:send')).toHaveLength(1);
    expect(socket.lastSent('message:send').payload).toEqual({ roomId: 'r1', clientId: item.clientId, body: 'hello' });

    // No ack: the attempt times out and the same clientId goes again after backoff.
    await vi.advanceTimersByTimeAsync(ACK_TIMEOUT + BACKOFF.baseMs);
    expect(socket.sent('message:send')).toHaveLength(2);
    // A rate-limited answer waits retryAfterMs, no less.
    socket.lastSent('message:send').ack?.({ ok: false, code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 5000 });
    await vi.advanceTimersByTimeAsync(4900);
    expect(socket.sent('message:send')).toHaveLength(2);
    await vi.advanceTimersByTimeAsync(200);
    expect(socket.sent('message:send')).toHaveLength(3);
    // DB_UNAVAILABLE is retried too.
    socket.lastSent('message:send').ack?.({ ok: false, code: 'DB_UNAVAILABLE', message: 'db down' });
    await vi.advanceTimersByTimeAsync(2000);
    const sends = socket.sent('message:send');
    expect(sends.length).toBeGreaterThanOrEqual(4);
    expect(new Set(sends.map((s) => (s.payload as { clientId: string }).clientId))).toEqual(new Set([item.clientId]));

    const stored = own('r1', 1, item.clientId);
    sends[sends.length - 1]?.ack?.(ok(stored));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.pending()).toHaveLength(0);
    expect(seqs(delivered)).toEqual(['r1:1']);

    // A late ack of an earlier attempt and the server's echo change nothing (the echo is
    // acknowledged: the server waits for it).
    sends[0]?.ack?.(ok(stored));
    socket.push(stored);
    expect(seqs(delivered)).toEqual(['r1:1']);
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(socket.acks()).toEqual(['r1:1']);
    await vi.advanceTimersByTimeAsync(60_000);
    expect(socket.sent('message:send')).toHaveLength(sends.length);
  });

  it('keeps items across a reload and sends them with their clientId', async () => {
    const store = memoryStore();
    const first = setup({ store, rooms: [['r1', 0]] });
    const item = first.client.send('r1', 'written offline', 'parent-1');
    expect(first.socket.sent('message:send')).toHaveLength(0);
    first.client.stop();

    const second = setup({ store });
    expect(second.client.pending().map((i) => i.clientId)).toEqual([item.clientId]);
    second.socket.serverConnect();
    expect(second.socket.lastSent('message:send').payload).toEqual({
      roomId: 'r1',
      clientId: item.clientId,
      body: 'written offline',
      parentId: 'parent-1',
    });
  });

  it('keeps the attachments of a pending message across a reload and sends them with it', async () => {
    const store = memoryStore();
    const first = setup({ store, rooms: [['r1', 0]] });
    const item = first.client.send('r1', '', null, ['up-1', 'up-2']);
    expect(first.client.pending()[0]?.attachmentIds).toEqual(['up-1', 'up-2']);
    first.client.stop();

    const second = setup({ store });
    second.socket.serverConnect();
    expect(second.socket.lastSent('message:send').payload).toEqual({
      roomId: 'r1',
      clientId: item.clientId,
      body: '',
      attachmentIds: ['up-1', 'up-2'],
    });
  });

  it('resends immediately after a reconnect when the connection dropped mid-send', async () => {
    const { socket, client } = setup({ rooms: [['r1', 0]] });
    socket.serverConnect();
    const item = client.send('r1', 'hi');
    socket.serverDrop();
    await vi.advanceTimersByTimeAsync(0);
    expect(client.pending()[0]?.lastError).toBe('DISCONNECTED');
    socket.serverConnect();
    await vi.advanceTimersByTimeAsync(0);
    const sends = socket.sent('message:send');
    expect(sends).toHaveLength(2);
    expect((sends[1]?.payload as { clientId: string }).clientId).toBe(item.clientId);
  });

  it('sends one message per room at a time, in order', async () => {
    const { socket, client } = setup({ rooms: [['r1', 0]] });
    socket.serverConnect();
    const a = client.send('r1', 'a');
    const b = client.send('r1', 'b');
    expect(socket.sent('message:send').map((s) => (s.payload as { clientId: string }).clientId)).toEqual([a.clientId]);
    socket.lastSent('message:send').ack?.(ok(own('r1', 1, a.clientId)));
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.lastSent('message:send').payload).toMatchObject({ clientId: b.clientId });
  });

  it('drops an item the server refuses for good and reports it', async () => {
    const { socket, client } = setup({ rooms: [['r1', 0]] });
    const failures: string[] = [];
    client.events.on('sendFailed', ({ error }) => failures.push(error.code));
    socket.serverConnect();
    client.send('r1', 'x'.repeat(6000));
    socket.lastSent('message:send').ack?.({ ok: false, code: 'VALIDATION', message: 'too long' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(failures).toEqual(['VALIDATION']);
    expect(client.pending()).toHaveLength(0);
    expect(socket.sent('message:send')).toHaveLength(1);
  });
});

describe('ordering and sync', () => {
  it('detects a seq gap, syncs from the cursor and delivers in order exactly once', async () => {
    const { socket, delivered } = setup({ rooms: [['r1', 5]] });
    socket.serverConnect();
    socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'r1', messages: [], complete: true }] }));
    await vi.advanceTimersByTimeAsync(0);

    socket.push(msg('r1', 6));
    socket.push(msg('r1', 9));
    expect(seqs(delivered)).toEqual(['r1:6']);
    expect(socket.sent('sync')).toHaveLength(2);
    expect(socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'r1', seq: 6 }] });

    // More arrives while the sync is in flight; no second sync is started.
    socket.push(msg('r1', 10));
    expect(socket.sent('sync')).toHaveLength(2);

    socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'r1', messages: [msg('r1', 7)], complete: false }] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'r1', seq: 7 }] });
    socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'r1', messages: [msg('r1', 8), msg('r1', 9)], complete: true }] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs(delivered)).toEqual(['r1:6', 'r1:7', 'r1:8', 'r1:9', 'r1:10']);
    socket.push(msg('r1', 11));
    expect(seqs(delivered).at(-1)).toBe('r1:11');
    expect(socket.sent('sync')).toHaveLength(3);
  });

  it('syncs every known room from its cursor on each reconnect', async () => {
    const { socket, client, delivered } = setup({ rooms: [['r1', 0], ['r2', 3]] });
    socket.serverConnect();
    expect(socket.lastSent('sync').payload).toMatchObject({
      cursors: [
        { roomId: 'r1', seq: 0 },
        { roomId: 'r2', seq: 3 },
      ],
    });
    socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'r1', messages: [msg('r1', 1)], complete: true }] }));
    await vi.advanceTimersByTimeAsync(0);
    socket.push(msg('r2', 4));

    socket.serverDrop();
    socket.serverConnect();
    expect(socket.sent('sync')).toHaveLength(2);
    expect(socket.lastSent('sync').payload).toMatchObject({
      cursors: [
        { roomId: 'r1', seq: 1 },
        { roomId: 'r2', seq: 4 },
      ],
    });
    // The server resends what we already have along with what we missed: only news comes out.
    socket.lastSent('sync').ack?.(
      ok({
        rooms: [
          { roomId: 'r1', messages: [msg('r1', 1), msg('r1', 2)], complete: true },
          { roomId: 'r2', messages: [msg('r2', 5)], complete: true },
        ],
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs(delivered)).toEqual(['r1:1', 'r2:4', 'r1:2', 'r2:5']);
    expect(client.cursor('r1')).toBe(2);
    expect(client.cursor('r2')).toBe(5);
  });

  it('retries a failed sync with backoff while connected', async () => {
    const { socket } = setup({ rooms: [['r1', 0]] });
    socket.serverConnect();
    socket.lastSent('sync').ack?.({ ok: false, code: 'DB_UNAVAILABLE', message: 'down' });
    await vi.advanceTimersByTimeAsync(BACKOFF.baseMs);
    expect(socket.sent('sync')).toHaveLength(2);
    expect(socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'r1', seq: 0 }] });
  });

  it('persists cursors so a reload resumes from them', async () => {
    const store = memoryStore();
    const first = setup({ store, rooms: [['r1', 0]] });
    first.socket.serverConnect();
    first.socket.push(msg('r1', 1));
    first.socket.push(msg('r1', 2));
    first.client.stop();

    const second = setup({ store, rooms: [['r1', 0]] });
    second.socket.serverConnect();
    expect(second.socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'r1', seq: 2 }] });
  });

  it('hands a room to REST after too many incomplete sync rounds', async () => {
    const { socket, client } = setup({ rooms: [['r1', 0]] });
    const resyncs: string[] = [];
    client.events.on('resync', ({ roomId }) => resyncs.push(roomId));
    socket.serverConnect();
    for (let i = 1; i <= 5; i++) {
      socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'r1', messages: [msg('r1', i)], complete: false }] }));
      await vi.advanceTimersByTimeAsync(0);
    }
    expect(socket.sent('sync')).toHaveLength(5);
    expect(resyncs).toEqual(['r1']);
  });
});

describe('session', () => {
  it('sign-out clears this user outbox and cursors, not another user', async () => {
    const store = memoryStore();
    const other = setup({ store, userId: 'someone-else', rooms: [['r9', 1]] });
    other.client.send('r9', 'theirs');
    other.client.stop();

    const mine = setup({ store, rooms: [['r1', 4]] });
    mine.client.send('r1', 'unsent');
    expect(store.get('sb:me:outbox')).not.toBeNull();
    mine.client.signOut();
    expect(mine.client.pending()).toHaveLength(0);
    expect(store.get('sb:me:outbox')).toBeNull();
    expect(store.get('sb:me:cursors')).toBeNull();
    expect(mine.socket.disconnectCalls).toBe(1);
    expect(mine.socket.listenerCount()).toBe(0);

    const again = setup({ store });
    expect(again.client.pending()).toHaveLength(0);
    const theirs = setup({ store, userId: 'someone-else' });
    expect(theirs.client.pending().map((i) => i.body)).toEqual(['theirs']);
  });

  it('ends the session on session:revoked and on an UNAUTHENTICATED or BANNED connect error', () => {
    const revoked = setup();
    const ended: SessionEnded[] = [];
    revoked.client.events.on('sessionEnded', (e) => ended.push(e));
    revoked.socket.serverConnect();
    revoked.socket.fire('session:revoked', { reason: 'Signed out elsewhere' });
    expect(ended).toEqual([{ code: 'SESSION_REVOKED', message: 'You were signed out: Signed out elsewhere' }]);
    expect(revoked.socket.disconnectCalls).toBe(1);

    for (const code of ['UNAUTHENTICATED', 'BANNED'] as const) {
      const h = setup();
      const seen: SessionEnded[] = [];
      h.client.events.on('sessionEnded', (e) => seen.push(e));
      const err = Object.assign(new Error('refused'), { data: { code, message: `no: ${code}` } });
      h.socket.fire('connect_error', err);
      expect(seen.map((e) => e.code)).toEqual([code]);
    }
  });

  it('reads the refusal from err.message, as the server sends it (JSON, or a bare code)', () => {
    for (const [code, text] of [
      ['UNAUTHENTICATED', 'Your session has expired. Please sign in again.'],
      ['BANNED', 'Your account has been banned.'],
    ] as const) {
      for (const message of [JSON.stringify({ code, message: 'refused', retryable: false }), code]) {
        const h = setup();
        const seen: SessionEnded[] = [];
        h.client.events.on('sessionEnded', (e) => seen.push(e));
        h.socket.active = false;
        h.socket.fire('connect_error', new Error(message));
        expect(seen).toEqual([{ code, message: text }]);
        expect(h.socket.listenerCount()).toBe(0);
      }
    }
  });

  it('waits at least the retryAfterMs of a retryable refusal before connecting again', async () => {
    const { socket, client } = setup();
    socket.active = false;
    const refusal = { code: 'SHUTTING_DOWN', message: 'restarting', retryable: true, retryAfterMs: BACKOFF.maxMs * 3 };
    socket.fire('connect_error', new Error(JSON.stringify(refusal)));
    await vi.advanceTimersByTimeAsync(BACKOFF.maxMs * 2);
    expect(socket.connectCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(BACKOFF.maxMs * 2);
    expect(socket.connectCalls).toBe(2);
    expect(client.connection).toBe('disconnected');
  });

  it('retries RATE_LIMITED and DB_UNAVAILABLE refusals with backoff and stays signed in', async () => {
    const { socket, client } = setup();
    const ended: SessionEnded[] = [];
    client.events.on('sessionEnded', (e) => ended.push(e));
    socket.active = false;
    socket.fire('connect_error', new Error('RATE_LIMITED'));
    expect(socket.connectCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(BACKOFF.baseMs);
    expect(socket.connectCalls).toBe(2);
    socket.fire('connect_error', new Error('DB_UNAVAILABLE'));
    await vi.advanceTimersByTimeAsync(BACKOFF.baseMs * 2);
    expect(socket.connectCalls).toBe(3);
    // A transport failure is socket.io's own business (it reconnects while active).
    socket.active = true;
    socket.fire('connect_error', new Error('websocket error'));
    await vi.advanceTimersByTimeAsync(BACKOFF.maxMs * 2);
    expect(socket.connectCalls).toBe(3);
    expect(ended).toEqual([]);
    expect(client.connection).toBe('disconnected');
  });

  it('reconnects at once when the network comes back, and not when connected or signed out', async () => {
    const { socket, client } = setup();
    socket.serverConnect();
    client.reconnectNow();
    expect(socket.connectCalls).toBe(1);
    socket.serverDrop();
    client.reconnectNow();
    expect(socket.disconnectCalls).toBe(1);
    expect(socket.connectCalls).toBe(2);
    // A pending backoff timer is replaced by the immediate attempt.
    socket.active = false;
    socket.fire('connect_error', new Error('RATE_LIMITED'));
    client.reconnectNow();
    expect(socket.connectCalls).toBe(3);
    await vi.advanceTimersByTimeAsync(BACKOFF.maxMs * 2);
    expect(socket.connectCalls).toBe(3);
    client.signOut();
    client.reconnectNow();
    expect(socket.connectCalls).toBe(3);
  });

  it('forwards message:pinned and drops malformed ones', () => {
    const { socket, client } = setup();
    const pins: unknown[] = [];
    client.events.on('pinned', (e) => pins.push(e));
    socket.serverConnect();
    socket.fire('message:pinned', { roomId: 'r1', messageId: 'm1', pinned: true, by: 'u1' });
    socket.fire('message:pinned', { roomId: 'r1', messageId: 'm1', pinned: 'yes', by: 'u1' });
    socket.fire('message:pinned', { roomId: 'r1', pinned: false, by: 'u1' });
    expect(pins).toEqual([{ roomId: 'r1', messageId: 'm1', pinned: true, by: 'u1' }]);
  });

  it('treats session:revoked {reason: banned} as a ban', () => {
    const { socket, client } = setup();
    const ended: SessionEnded[] = [];
    client.events.on('sessionEnded', (e) => ended.push(e));
    socket.serverConnect();
    socket.fire('session:revoked', { reason: 'banned' });
    socket.serverDrop('io server disconnect');
    expect(ended).toEqual([{ code: 'BANNED', message: 'Your account has been banned.' }]);
    expect(socket.connectCalls).toBe(1);
  });

  it('says why the session ended for the account reasons the server sends', () => {
    expect(sessionEndedMessage('SESSION_REVOKED', 'password_changed')).toMatch(/password was changed/);
    expect(sessionEndedMessage('SESSION_REVOKED', 'password_reset')).toMatch(/password was reset/);
    expect(sessionEndedMessage('SESSION_REVOKED', 'deactivated')).toBe('Your account has been deactivated.');
    expect(sessionEndedMessage('SESSION_REVOKED', 'role_changed')).toMatch(/changed your role/);
    expect(sessionEndedMessage('SESSION_REVOKED', 'department_changed')).toMatch(/changed your department/);
    expect(sessionEndedMessage('SESSION_REVOKED', 'something_new')).toBe('You were signed out: something_new');
  });

  it('on access:changed reports it and reconnects at once when the server closes the socket', async () => {
    const { socket, client } = setup({ rooms: [['r1', 2]] });
    const changes: string[] = [];
    client.events.on('accessChanged', ({ userId }) => changes.push(userId));
    socket.serverConnect();
    socket.fire('access:changed', { userId: 'me' });
    expect(changes).toEqual(['me']);
    socket.serverDrop('io server disconnect');
    expect(socket.connectCalls).toBe(2); // no backoff wait
    socket.serverConnect();
    expect(socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'r1', seq: 2 }] });
    // A later server-side close without the notice backs off as before.
    socket.serverDrop('io server disconnect');
    expect(socket.connectCalls).toBe(2);
    await vi.advanceTimersByTimeAsync(BACKOFF.baseMs);
    expect(socket.connectCalls).toBe(3);
  });

  it('reports disconnects and reconnects by itself after a server-side refusal', async () => {
    const { socket, client } = setup();
    const states: string[] = [];
    client.events.on('connection', (s) => states.push(s));
    socket.serverConnect();
    socket.serverDrop('io server disconnect');
    expect(client.connection).toBe('disconnected');
    expect(socket.connectCalls).toBe(1);
    await vi.advanceTimersByTimeAsync(BACKOFF.baseMs);
    expect(socket.connectCalls).toBe(2);
    socket.active = false;
    socket.fire('connect_error', Object.assign(new Error('busy'), { data: { code: 'RATE_LIMITED' } }));
    await vi.advanceTimersByTimeAsync(BACKOFF.baseMs * 2);
    expect(socket.connectCalls).toBe(3);
    expect(states).toEqual(['connected', 'disconnected']);
  });
});

describe('server hints, sync retries and read acks', () => {
  it('syncs every room on sync:hint', async () => {
    const { socket, delivered } = setup({ rooms: [['r1', 1], ['r2', 0]] });
    socket.serverConnect();
    socket.lastSent('sync').ack?.(ok({ rooms: [] }));
    await vi.advanceTimersByTimeAsync(0);
    socket.fire('sync:hint', {});
    expect(socket.sent('sync')).toHaveLength(2);
    expect(socket.lastSent('sync').payload).toMatchObject({
      cursors: [
        { roomId: 'r1', seq: 1 },
        { roomId: 'r2', seq: 0 },
      ],
    });
    socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'r2', messages: [msg('r2', 1)], complete: true }] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs(delivered)).toEqual(['r2:1']);
  });

  it('retries a sync that timed out after a short delay, and still delivers each seq once', async () => {
    const { socket, delivered } = setup({ rooms: [['r1', 0]], defaultSyncBackoff: true });
    socket.serverConnect();
    const first = socket.lastSent('sync');
    await vi.advanceTimersByTimeAsync(ACK_TIMEOUT);
    expect(socket.sent('sync')).toHaveLength(1);
    // The retry comes within the sync backoff (half to all of its base), not the reconnect one.
    await vi.advanceTimersByTimeAsync(SYNC_RETRY_BACKOFF.baseMs);
    expect(socket.sent('sync')).toHaveLength(2);
    expect(socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'r1', seq: 0 }] });
    // Meanwhile message 2 arrives live (held: 1 is missing), then the retry answers 1..2.
    socket.push(msg('r1', 2));
    socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'r1', messages: [msg('r1', 1), msg('r1', 2)], complete: true }] }));
    await vi.advanceTimersByTimeAsync(0);
    // The lost first answer shows up late: nothing is delivered twice.
    first.ack?.(ok({ rooms: [{ roomId: 'r1', messages: [msg('r1', 1)], complete: true }] }));
    socket.push(msg('r1', 2));
    await vi.advanceTimersByTimeAsync(0);
    expect(seqs(delivered)).toEqual(['r1:1', 'r1:2']);
  });

  it('retries a sync the server refused ({ok:false}) after a short delay', async () => {
    const { socket } = setup({ rooms: [['r1', 4]], defaultSyncBackoff: true });
    socket.serverConnect();
    socket.lastSent('sync').ack?.({ ok: false, code: 'INTERNAL', message: 'dropped' });
    await vi.advanceTimersByTimeAsync(SYNC_RETRY_BACKOFF.baseMs);
    expect(socket.sent('sync')).toHaveLength(2);
    socket.lastSent('sync').ack?.({ ok: false, code: 'DB_UNAVAILABLE', message: 'down' });
    await vi.advanceTimersByTimeAsync(SYNC_RETRY_BACKOFF.baseMs * 2);
    expect(socket.sent('sync')).toHaveLength(3);
    expect(socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'r1', seq: 4 }] });
  });

  it('stops tracking a room the sync answer reports as NOT_FOUND', async () => {
    const { socket, client } = setup({ rooms: [['gone', 3], ['r1', 0]] });
    socket.serverConnect();
    socket.lastSent('sync').ack?.(
      ok({
        rooms: [
          { roomId: 'gone', messages: [], complete: true, error: 'NOT_FOUND' },
          { roomId: 'r1', messages: [], complete: true },
        ],
      }),
    );
    await vi.advanceTimersByTimeAsync(0);
    expect(client.cursor('gone')).toBeUndefined();
    socket.fire('sync:hint', {});
    expect(socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'r1', seq: 0 }] });
  });

  it('takes the stored read cursor from the read ack and retries a read that timed out', async () => {
    const { socket, client } = setup({ rooms: [['r1', 0]] });
    socket.serverConnect();
    client.markRead('r1', 3);
    expect(socket.lastSent('read').payload).toEqual({ roomId: 'r1', seq: 3 });
    socket.lastSent('read').ack?.(ok({ lastReadSeq: 7 }));
    await vi.advanceTimersByTimeAsync(0);
    client.markRead('r1', 5);
    expect(socket.sent('read')).toHaveLength(1);
    client.markRead('r1', 8);
    expect(socket.sent('read')).toHaveLength(2);
    // No answer: sent again (with the newest wanted seq) after the ack timeout and a pause.
    await vi.advanceTimersByTimeAsync(ACK_TIMEOUT + 2000);
    expect(socket.sent('read')).toHaveLength(3);
    expect(socket.lastSent('read').payload).toEqual({ roomId: 'r1', seq: 8 });
    // A refusal for good is not retried.
    socket.lastSent('read').ack?.({ ok: false, code: 'NOT_MEMBER', message: 'join first' });
    await vi.advanceTimersByTimeAsync(10_000);
    expect(socket.sent('read')).toHaveLength(3);
  });
});

describe('cumulative acks', () => {
  async function connected(rooms: [string, number][]) {
    const h = setup({ rooms });
    h.socket.serverConnect();
    h.socket.lastSent('sync').ack?.(ok({ rooms: [] }));
    await vi.advanceTimersByTimeAsync(0);
    return h;
  }

  it('sends one ack per room per batch with the highest contiguous seq, none for a gap', async () => {
    const { socket, delivered } = await connected([['r1', 0], ['r2', 0]]);
    socket.push(msg('r1', 1));
    socket.push(msg('r1', 2));
    socket.push(msg('r2', 1));
    socket.push(msg('r1', 4)); // 3 is missing: held, and not acknowledged
    await vi.advanceTimersByTimeAsync(ACK_DELAY - 1);
    expect(socket.acks()).toEqual([]);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.acks()).toEqual(['r1:2', 'r2:1']);
    // No callback was handed to message:new: the ack is its own event, without one.
    expect(socket.lastSent('ack').ack).toBeUndefined();

    // The gap's sync fills it; the room is acknowledged up to 4 in the next batch.
    expect(socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'r1', seq: 2 }] });
    socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'r1', messages: [msg('r1', 3)], complete: true }] }));
    await vi.advanceTimersByTimeAsync(ACK_GAP);
    expect(seqs(delivered)).toEqual(['r1:1', 'r1:2', 'r2:1', 'r1:3', 'r1:4']);
    expect(socket.acks()).toEqual(['r1:2', 'r2:1', 'r1:4']);
    await vi.advanceTimersByTimeAsync(10_000);
    expect(socket.acks()).toHaveLength(3);
  });

  it('takes a message:batch as its messages in order, duplicates and gaps included', async () => {
    const { socket, delivered } = await connected([['r1', 0]]);
    socket.pushBatch('r1', [msg('r1', 1), msg('r1', 2), msg('r1', 3)]);
    expect(seqs(delivered)).toEqual(['r1:1', 'r1:2', 'r1:3']);
    // 2 and 3 again (a re-send), then 5 without 4: the gap is held and synced.
    socket.pushBatch('r1', [msg('r1', 2), msg('r1', 3), msg('r1', 5)]);
    expect(seqs(delivered)).toEqual(['r1:1', 'r1:2', 'r1:3']);
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(socket.acks()).toEqual(['r1:3']);
    expect(socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'r1', seq: 3 }] });
    // Not a batch: ignored.
    socket.fire('message:batch', { roomId: 'r1', messages: 'nope' });
    socket.fire('message:batch', null);
    expect(seqs(delivered)).toEqual(['r1:1', 'r1:2', 'r1:3']);
  });

  it('sends the batch at once when 50 messages are waiting', async () => {
    const { socket } = await connected([['r1', 0]]);
    for (let seq = 1; seq <= 49; seq++) socket.push(msg('r1', seq));
    expect(socket.acks()).toEqual([]);
    socket.push(msg('r1', 50));
    expect(socket.acks()).toEqual(['r1:50']);
    socket.push(msg('r1', 51));
    await vi.advanceTimersByTimeAsync(ACK_GAP);
    expect(socket.acks()).toEqual(['r1:50', 'r1:51']);
  });

  it('paces the batches of a connection that keeps hearing: four a second, not twenty', async () => {
    const { socket } = await connected([['r1', 0]]);
    // A busy room: a message every 100 ms for a second.
    for (let seq = 1; seq <= 10; seq++) {
      socket.push(msg('r1', seq));
      await vi.advanceTimersByTimeAsync(100);
    }
    // 50 ms after the first, then every 250 ms: at 50, 300, 550 and 800 ms.
    expect(socket.acks()).toEqual(['r1:1', 'r1:3', 'r1:6', 'r1:8']);
    await vi.advanceTimersByTimeAsync(ACK_GAP);
    expect(socket.acks()).toEqual(['r1:1', 'r1:3', 'r1:6', 'r1:8', 'r1:10']);
    // After a quiet spell the next batch goes out 50 ms after its message again.
    await vi.advanceTimersByTimeAsync(1000);
    socket.push(msg('r1', 11));
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(socket.acks().at(-1)).toBe('r1:11');
  });

  it('acknowledges again when a message arrives twice (the server missed the ack)', async () => {
    const { socket, delivered } = await connected([['r1', 0]]);
    socket.push(msg('r1', 1));
    socket.push(msg('r1', 2));
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(socket.acks()).toEqual(['r1:2']);
    // The server re-sends everything after what it last heard of.
    socket.push(msg('r1', 1));
    socket.push(msg('r1', 2));
    await vi.advanceTimersByTimeAsync(ACK_GAP);
    expect(socket.acks()).toEqual(['r1:2', 'r1:2']);
    expect(seqs(delivered)).toEqual(['r1:1', 'r1:2']);
  });

  it('acknowledges what a sync or a history load brought', async () => {
    const { socket, client } = setup({ rooms: [['r1', 0], ['r2', 5]] });
    socket.serverConnect();
    socket.lastSent('sync').ack?.(
      ok({
        rooms: [
          { roomId: 'r1', messages: [msg('r1', 1), msg('r1', 2), msg('r1', 3)], complete: true },
          { roomId: 'r2', messages: [], complete: true },
        ],
      }),
    );
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(socket.acks()).toEqual(['r1:3']);
    client.advance('r2', 9);
    client.advance('r2', 7); // behind the cursor: nothing new
    await vi.advanceTimersByTimeAsync(ACK_GAP);
    expect(socket.acks()).toEqual(['r1:3', 'r2:9']);
  });

  it('drops the batch of a connection that went away; the next connection acknowledges anew', async () => {
    const { socket } = await connected([['r1', 0]]);
    socket.push(msg('r1', 1));
    socket.serverDrop();
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(socket.acks()).toEqual([]);
    socket.serverConnect();
    socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'r1', messages: [msg('r1', 2)], complete: true }] }));
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(socket.acks()).toEqual(['r1:2']);
    // Re-sent to the new socket: acknowledged there, though this client acked 2 before.
    socket.push(msg('r1', 2));
    await vi.advanceTimersByTimeAsync(ACK_GAP);
    expect(socket.acks()).toEqual(['r1:2', 'r1:2']);
  });

  it('syncs just the room a sync:hint names', async () => {
    const { socket, delivered } = await connected([['r1', 1], ['r2', 0]]);
    socket.fire('sync:hint', { roomId: 'r2' });
    expect(socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'r2', seq: 0 }] });
    socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'r2', messages: [msg('r2', 1)], complete: true }] }));
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(seqs(delivered)).toEqual(['r2:1']);
    expect(socket.acks()).toEqual(['r2:1']);
    // A room the client does not follow is not asked for.
    socket.fire('sync:hint', { roomId: 'elsewhere' });
    expect(socket.sent('sync')).toHaveLength(2);
  });
});

describe('watches', () => {
  let show: (roomId: string) => void = () => undefined;
  const watched = (roomId: string, lastSeq: number, extra: Record<string, unknown> = {}) =>
    ok({ roomId, lastSeq, member: false, unwatched: [], ...extra });

  async function connected(rooms: [string, number][] = []) {
    const h = setup({ rooms });
    // A view's watch: its outcome comes through the `watch` events as well.
    show = (roomId) => void h.client.watch(roomId).catch(() => undefined);
    const changes: string[] = [];
    h.client.events.on('watch', (c) => changes.push(`${c.roomId}:${c.status}${c.lastSeq === undefined ? '' : `@${c.lastSeq}`}`));
    h.socket.serverConnect();
    if (rooms.length > 0) h.socket.lastSent('sync').ack?.(ok({ rooms: [] }));
    await vi.advanceTimersByTimeAsync(0);
    return { ...h, changes };
  }

  it('watches a shown room, follows it from the seq it had, and unwatches it when no longer shown', async () => {
    const { socket, client, delivered, changes } = await connected();
    const answer = client.watch('pub');
    expect(socket.lastSent('room:watch').payload).toEqual({ roomId: 'pub' });
    expect(client.watchStatus('pub')).toBe('pending');
    socket.answer('room:watch', watched('pub', 7));
    await expect(answer).resolves.toEqual({ roomId: 'pub', lastSeq: 7, member: false, unwatched: [] });
    expect(client.watchStatus('pub')).toBe('live');
    expect(changes).toEqual(['pub:live@7']);
    expect(client.cursor('pub')).toBe(7);

    // Tracked like a member room: a gap is synced from the cursor, and acknowledged.
    socket.push(msg('pub', 8));
    socket.push(msg('pub', 10));
    expect(socket.lastSent('sync').payload).toMatchObject({ cursors: [{ roomId: 'pub', seq: 8 }] });
    socket.lastSent('sync').ack?.(ok({ rooms: [{ roomId: 'pub', messages: [msg('pub', 9)], complete: true }] }));
    await vi.advanceTimersByTimeAsync(ACK_DELAY);
    expect(seqs(delivered)).toEqual(['pub:8', 'pub:9', 'pub:10']);
    expect(socket.acks()).toEqual(['pub:10']);

    client.unwatch('pub');
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.lastSent('room:unwatch').payload).toEqual({ roomId: 'pub' });
    socket.answer('room:unwatch', ok(null));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.watchStatus('pub')).toBeNull();
    expect(client.cursor('pub')).toBeUndefined();
    // Not followed any more: a reconnect does not ask for it.
    socket.serverDrop();
    socket.serverConnect();
    expect(socket.sent('room:watch')).toHaveLength(1);
  });

  it('keeps one watch for a view that unmounts and mounts again at once, and one call in flight', async () => {
    const { socket, client } = await connected();
    show('pub');
    client.unwatch('pub');
    show('pub');
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.sent('room:watch')).toHaveLength(1);
    expect(socket.sent('room:unwatch')).toHaveLength(0);

    // Left while the watch is in flight: the unwatch waits for its answer (the server runs a
    // socket's events concurrently, so it could otherwise land first and leave a watch behind).
    client.unwatch('pub');
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.sent('room:unwatch')).toHaveLength(0);
    socket.answer('room:watch', watched('pub', 1));
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.sent('room:unwatch')).toHaveLength(1);
    // Shown again before the unwatch answered: watched again after it.
    show('pub');
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.sent('room:watch')).toHaveLength(1);
    socket.answer('room:unwatch', ok(null));
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.sent('room:watch')).toHaveLength(2);
  });

  it('watches again after every reconnect and catches up from its cursor', async () => {
    const { socket, client, changes } = await connected();
    show('pub');
    socket.answer('room:watch', watched('pub', 3));
    await vi.advanceTimersByTimeAsync(0);

    socket.serverDrop();
    expect(client.watchStatus('pub')).toBe('pending');
    socket.serverConnect();
    expect(socket.sent('room:watch')).toHaveLength(2);
    // The room was written to meanwhile: its catch-up syncs from the cursor.
    socket.answer('room:watch', watched('pub', 5));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.watchStatus('pub')).toBe('live');
    expect(changes).toEqual(['pub:live@3', 'pub:pending', 'pub:live']);
    const syncs = socket.sent('sync').map((e) => e.payload);
    expect(syncs).toContainEqual(expect.objectContaining({ cursors: [{ roomId: 'pub', seq: 3 }] }));
  });

  it('watches again when the room or ticket moves, and says so when the access is gone', async () => {
    const { socket, client, changes } = await connected();
    show('pub');
    socket.answer('room:watch', watched('pub', 0));
    await vi.advanceTimersByTimeAsync(0);

    // The first update may have ended the watch (what changed is not known): asked again.
    socket.fire('room:updated', { id: 'pub', title: 'Renamed', department: 'support' });
    expect(socket.sent('room:watch')).toHaveLength(2);
    socket.answer('room:watch', watched('pub', 0));
    await vi.advanceTimersByTimeAsync(0);
    // Same department: the server kept the watch. Ticket updates come with every message.
    socket.fire('room:updated', { id: 'pub', title: 'Renamed again', department: 'support' });
    socket.fire('ticket:updated', { id: 'pub', department: 'support', lastSeq: 4 });
    socket.fire('room:updated', { id: 'other', department: 'billing' });
    expect(socket.sent('room:watch')).toHaveLength(2);

    // Moved to billing: watched again, and refused.
    socket.fire('ticket:updated', { id: 'pub', department: 'billing', lastSeq: 4 });
    expect(socket.sent('room:watch')).toHaveLength(3);
    socket.answer('room:watch', { ok: false, code: 'NOT_FOUND', message: 'not found' });
    await vi.advanceTimersByTimeAsync(0);
    expect(client.watchStatus('pub')).toBe('gone');
    expect(changes.at(-1)).toBe('pub:gone');
    expect(client.cursor('pub')).toBeUndefined();
    // Not asked again after a reconnect, and a second view hears the refusal at once.
    socket.serverDrop();
    socket.serverConnect();
    expect(socket.sent('room:watch')).toHaveLength(3);
    await expect(client.watch('pub')).rejects.toMatchObject({ code: 'NOT_FOUND' });
  });

  it('an update that arrives while a watch is in flight asks again after its answer', async () => {
    const { socket } = await connected();
    show('t1');
    socket.fire('ticket:updated', { id: 't1', department: 'billing', lastSeq: 2 });
    expect(socket.sent('room:watch')).toHaveLength(1);
    socket.answer('room:watch', watched('t1', 2));
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.sent('room:watch')).toHaveLength(2);
  });

  it('watches again when the user is removed from a room still shown, keeping its cursor', async () => {
    const { socket, client } = await connected([['r1', 4]]);
    show('r1');
    socket.answer('room:watch', ok({ roomId: 'r1', lastSeq: 4, member: true, unwatched: [] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.watchStatus('r1')).toBe('member');

    socket.fire('member:removed', { roomId: 'r1', userId: 'someone-else' });
    expect(socket.sent('room:watch')).toHaveLength(1);
    socket.fire('member:removed', { roomId: 'r1', userId: 'me' });
    expect(socket.sent('room:watch')).toHaveLength(2);
    expect(client.cursor('r1')).toBe(4);
    socket.answer('room:watch', watched('r1', 4));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.watchStatus('r1')).toBe('live');
    // A room the user left and no longer shows is forgotten.
    socket.fire('member:removed', { roomId: 'r9', userId: 'me' });
    expect(socket.sent('room:watch')).toHaveLength(2);
  });

  it('a view shown anew asks again for a watch the server ended for a newer one', async () => {
    const { socket, client } = await connected();
    show('a');
    socket.answer('room:watch', watched('a', 1));
    await vi.advanceTimersByTimeAsync(0);
    show('b');
    socket.answer('room:watch', watched('b', 1, { unwatched: ['a'] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.watchStatus('a')).toBe('ended');
    // Not asked again by itself (two views would take turns); a remounted view asks.
    expect(socket.sent('room:watch')).toHaveLength(2);
    client.unwatch('a');
    show('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(socket.unanswered('room:watch').map((e) => e.payload)).toEqual([{ roomId: 'a' }]);
  });

  it('retries a rate-limited watch, reports a watch the server ended for a newer one, and keeps watched rooms through a prune', async () => {
    const { socket, client, changes } = await connected();
    show('a');
    socket.answer('room:watch', { ok: false, code: 'RATE_LIMITED', message: 'slow down', retryAfterMs: 700 });
    await vi.advanceTimersByTimeAsync(699);
    expect(socket.sent('room:watch')).toHaveLength(1);
    await vi.advanceTimersByTimeAsync(1);
    expect(socket.sent('room:watch')).toHaveLength(2);
    socket.answer('room:watch', watched('a', 1));
    await vi.advanceTimersByTimeAsync(0);

    show('b');
    socket.answer('room:watch', watched('b', 1, { unwatched: ['a'] }));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.watchStatus('a')).toBe('ended');
    expect(changes).toEqual(['a:live@1', 'a:ended', 'b:live@1']);

    // The member room list is complete, but rooms shown through a watch keep their cursor.
    client.trackRooms([{ id: 'mine', lastSeq: 0 }], true);
    expect(client.cursor('b')).toBe(1);
    expect(client.cursor('mine')).toBe(0);
    // A room the user joined while watching it stays tracked once no longer shown.
    client.unwatch('b');
    await vi.advanceTimersByTimeAsync(0);
    socket.answer('room:unwatch', ok(null));
    client.unwatch('a');
    await vi.advanceTimersByTimeAsync(0);
    expect(client.cursor('b')).toBeUndefined();
    show('c');
    socket.answer('room:watch', watched('c', 2));
    await vi.advanceTimersByTimeAsync(0);
    socket.fire('member:added', { roomId: 'c', userId: 'me', role: 'member' });
    client.unwatch('c');
    await vi.advanceTimersByTimeAsync(0);
    socket.answer('room:unwatch', ok(null));
    await vi.advanceTimersByTimeAsync(0);
    expect(client.cursor('c')).toBe(2);
  });
});
