import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { RealtimeClient, type SessionEnded } from '../RealtimeClient';
import { memoryStore, type KeyValueStore } from '../storage';
import type { Message } from '../../types';
import { FakeSocket, msg } from './fakeSocket';

const ACK_TIMEOUT = 1000;
const BACKOFF = { baseMs: 100, maxMs: 1000 };

interface Harness {
  socket: FakeSocket;
  client: RealtimeClient;
  delivered: Message[];
  store: KeyValueStore;
}

function setup(opts: { store?: KeyValueStore; userId?: string; rooms?: [string, number][] } = {}): Harness {
  const socket = new FakeSocket();
  const store = opts.store ?? memoryStore();
  let n = 0;
  const client = new RealtimeClient({
    socket,
    store,
    userId: opts.userId ?? 'me',
    ackTimeoutMs: ACK_TIMEOUT,
    backoff: BACKOFF,
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
  msg(roomId, seq, { clientId, author: { id: 'me', name: 'Me', role: 'staff' } });

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

    // A late ack of an earlier attempt and the server's echo change nothing.
    sends[0]?.ack?.(ok(stored));
    expect(socket.push(stored)).toEqual([{ roomId: 'r1', seq: 1 }]);
    expect(seqs(delivered)).toEqual(['r1:1']);
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
  it('acks every message:new with {roomId, seq}, even duplicates', () => {
    const { socket } = setup({ rooms: [['r1', 0]] });
    socket.serverConnect();
    expect(socket.push(msg('r1', 1))).toEqual([{ roomId: 'r1', seq: 1 }]);
    expect(socket.push(msg('r1', 1))).toEqual([{ roomId: 'r1', seq: 1 }]);
  });

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
    expect(ended).toEqual([{ code: 'SESSION_REVOKED', message: 'Signed out elsewhere' }]);
    expect(revoked.socket.disconnectCalls).toBe(1);

    for (const code of ['UNAUTHENTICATED', 'BANNED'] as const) {
      const h = setup();
      const seen: SessionEnded[] = [];
      h.client.events.on('sessionEnded', (e) => seen.push(e));
      const err = Object.assign(new Error('refused'), { data: { code, message: `no: ${code}` } });
      h.socket.fire('connect_error', err);
      expect(seen).toEqual([{ code, message: `no: ${code}` }]);
    }
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
