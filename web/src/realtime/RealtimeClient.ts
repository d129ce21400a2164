import type {
  MemberAddedEvent,
  MemberRemovedEvent,
  Message,
  PresenceEvent,
  ReactionUpdate,
  ReceiptEvent,
  Room,
  SyncResult,
  Ticket,
  TypingEvent,
} from '../types';
import { ApiError } from '../api/errors';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { Emitter } from './emitter';
import { ackError, hasStrings, isAck, isMessage, isRecord } from './guards';
import { Outbox, OutboxSender, type OutboxItem } from './outbox';
import { Sequencer } from './sequencer';
import type { Listener, SocketLike } from './socket';
import { readJson, userKeys, type KeyValueStore } from './storage';
import { newClientId } from './uuid';

export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected';

/** Why the server ended the session: the app signs out and says so on the sign-in page. */
export interface SessionEnded {
  code: 'SESSION_REVOKED' | 'UNAUTHENTICATED' | 'BANNED';
  message: string;
}

export interface RealtimeEvents {
  /** A new message, per room in seq order, each exactly once. */
  message: Message;
  messageUpdated: Message;
  messageDeleted: Message;
  reaction: ReactionUpdate;
  typing: TypingEvent;
  presence: PresenceEvent;
  receipt: ReceiptEvent;
  roomUpdated: Partial<Room> & { id: string };
  roomDeleted: { roomId: string };
  memberAdded: MemberAddedEvent;
  memberRemoved: MemberRemovedEvent;
  ticketUpdated: Ticket;
  ticketInsights: { ticketId: string };
  connection: ConnectionState;
  /** The outbox changed (the new snapshot). */
  outbox: readonly OutboxItem[];
  sent: { item: OutboxItem; message: Message };
  sendFailed: { item: OutboxItem; error: ApiError };
  /** Incremental sync gave up on a room: reload its history through REST. */
  resync: { roomId: string };
  /**
   * The user's role or department changed: the server closes the socket next (the client
   * reconnects at once with new subscriptions); the app reloads the user and the room list.
   */
  accessChanged: { userId: string };
  sessionEnded: SessionEnded;
}

export interface RealtimeClientOptions {
  socket: SocketLike;
  store: KeyValueStore;
  /** The signed-in user: scopes the persisted outbox and cursors. */
  userId: string;
  now?: () => number;
  random?: () => number;
  newId?: () => string;
  ackTimeoutMs?: number;
  /** Messages per room per sync call. */
  syncLimit?: number;
  /** Sync calls in one catch-up before a room is handed to REST (`resync`). */
  maxSyncRounds?: number;
  backoff?: BackoffPolicy;
  /** Delay before a `sync` that timed out or was refused is tried again. */
  syncBackoff?: BackoffPolicy;
}

const TYPING_REFRESH_MS = 3000;
/** A sync answer can be lost under load: try again soon, not after the reconnect backoff. */
export const SYNC_RETRY_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 5000 };
/** A failed `read` is sent again after this (the newest wanted seq, not each one). */
const READ_RETRY_MS = 2000;

/** `read` failures worth sending again; others (NOT_MEMBER, READ_ONLY) are final. */
const READ_RETRYABLE = new Set(['TIMEOUT', 'DB_UNAVAILABLE', 'RATE_LIMITED', 'SHUTTING_DOWN', 'INTERNAL']);

/** Human text for why the session ended, for the sign-in page. */
export function sessionEndedMessage(code: SessionEnded['code'], reason = ''): string {
  if (code === 'BANNED' || reason === 'banned') return 'Your account has been banned.';
  if (code === 'UNAUTHENTICATED') return 'Your session has expired. Please sign in again.';
  if (reason === 'signed_out') return 'You were signed out (this session was closed).';
  if (reason === 'password_changed') return 'Your password was changed, so this session was signed out. Sign in with the new password.';
  if (reason === 'password_reset') return 'Your password was reset, so this session was signed out. Sign in with the new password.';
  if (reason === 'deactivated') return 'Your account has been deactivated.';
  if (reason === 'role_changed') return 'An administrator changed your role. Sign in again to continue.';
  if (reason === 'department_changed') return 'An administrator changed your department. Sign in again to continue.';
  if (reason === 'revoked') return 'Your session was ended. Please sign in again.';
  return reason ? `You were signed out: ${reason}` : 'Your session was ended. Please sign in again.';
}

/**
 * The code of a refused connect: socketioxide puts it in `err.message` (no `err.data`);
 * `err.data.code` is accepted too. Transport failures ("websocket error") give no code.
 */
export function connectErrorCode(err: unknown): string | null {
  if (!isRecord(err)) return null;
  if (isRecord(err.data) && typeof err.data.code === 'string') return err.data.code;
  const message = typeof err.message === 'string' ? err.message : '';
  return /^[A-Z][A-Z0-9_]+$/.test(message) ? message : null;
}

function isCursorMap(v: unknown): v is Record<string, number> {
  return isRecord(v) && Object.values(v).every((n) => typeof n === 'number');
}

/**
 * Owns the socket and the delivery guarantees of the web client: acks, per-room cursors,
 * dedupe, gap detection + sync, the persistent outbox, and session end. Framework-free; React
 * reaches it through the hooks in `hooks.ts`.
 */
export class RealtimeClient {
  readonly events = new Emitter<RealtimeEvents>();
  readonly userId: string;

  private readonly socket: SocketLike;
  private readonly store: KeyValueStore;
  private readonly keys: { outbox: string; cursors: string };
  private readonly now: () => number;
  private readonly random: () => number;
  private readonly ackTimeoutMs: number;
  private readonly syncLimit: number;
  private readonly maxSyncRounds: number;
  private readonly backoff: BackoffPolicy;
  private readonly syncBackoff: BackoffPolicy;
  private readonly sequencer: Sequencer;
  private readonly outbox: Outbox;
  private readonly sender: OutboxSender;

  private state: ConnectionState = 'idle';
  private outboxSnapshot: readonly OutboxItem[];
  private readonly pendingCalls = new Set<(err: ApiError) => void>();
  private readonly handlers: [string, Listener][] = [];
  private readonly syncQueue = new Set<string>();
  private syncing = false;
  private syncAttempts = 0;
  private syncTimer: ReturnType<typeof setTimeout> | null = null;
  private reconnectAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  private readTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set by `access:changed`: the coming server-side disconnect reconnects at once. */
  private reconnectAfterAccessChange = false;
  private ended = false;
  private readonly readWanted = new Map<string, number>();
  private readonly readSent = new Map<string, number>();
  private readonly typingSentAt = new Map<string, number>();

  constructor(opts: RealtimeClientOptions) {
    this.socket = opts.socket;
    this.store = opts.store;
    this.userId = opts.userId;
    this.keys = userKeys(opts.userId);
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
    this.syncLimit = opts.syncLimit ?? 100;
    this.maxSyncRounds = opts.maxSyncRounds ?? 20;
    this.backoff = opts.backoff ?? DEFAULT_BACKOFF;
    this.syncBackoff = opts.syncBackoff ?? SYNC_RETRY_BACKOFF;
    this.sequencer = new Sequencer(readJson(this.store, this.keys.cursors, isCursorMap, {}));
    this.outbox = new Outbox(this.store, this.keys.outbox);
    this.outboxSnapshot = this.outbox.items();
    this.sender = new OutboxSender({
      outbox: this.outbox,
      send: (payload) => this.call<Message>('message:send', payload),
      isConnected: () => this.socket.connected,
      now: this.now,
      random: this.random,
      newId: opts.newId ?? newClientId,
      backoff: this.backoff,
      onChange: () => this.outboxChanged(),
      onSent: (item, message) => {
        this.events.emit('sent', { item, message });
        // The sender may not get its own `message:new`; the ack carries the message too.
        if (isMessage(message)) this.ingest(message);
      },
      onFailed: (item, error) => this.events.emit('sendFailed', { item, error }),
    });
    this.events.on('roomDeleted', ({ roomId }) => this.forgetRoom(roomId));
    this.events.on('memberRemoved', ({ roomId, userId }) => {
      if (userId === this.userId) this.forgetRoom(roomId);
    });
  }

  // ---- lifecycle ----

  get connection(): ConnectionState {
    return this.state;
  }

  start(): void {
    if (this.handlers.length > 0 || this.ended) return;
    this.listen('connect', () => this.onConnect());
    this.listen('disconnect', (reason) => this.onDisconnect(typeof reason === 'string' ? reason : ''));
    this.listen('connect_error', (err) => this.onConnectError(err));
    this.listen('message:new', (payload, ack) => this.onMessageNew(payload, ack));
    this.forward('message:updated', 'messageUpdated', isMessage);
    this.forward('message:deleted', 'messageDeleted', isMessage);
    this.forward('reaction:updated', 'reaction', (v): v is ReactionUpdate => hasStrings(v, 'roomId', 'messageId', 'emoji'));
    this.forward('typing', 'typing', (v): v is TypingEvent => hasStrings(v, 'roomId', 'userId'));
    this.forward('presence', 'presence', (v): v is PresenceEvent => hasStrings(v, 'userId'));
    this.forward('receipt', 'receipt', (v): v is ReceiptEvent => hasStrings(v, 'roomId', 'userId'));
    this.forward('room:updated', 'roomUpdated', (v): v is Room => hasStrings(v, 'id'));
    this.forward('room:deleted', 'roomDeleted', (v): v is { roomId: string } => hasStrings(v, 'roomId'));
    this.forward('member:added', 'memberAdded', (v): v is MemberAddedEvent => hasStrings(v, 'roomId', 'userId'));
    this.forward('member:removed', 'memberRemoved', (v): v is MemberRemovedEvent => hasStrings(v, 'roomId', 'userId'));
    this.forward('ticket:updated', 'ticketUpdated', (v): v is Ticket => hasStrings(v, 'id'));
    this.forward('ticket:insights', 'ticketInsights', (v): v is { ticketId: string } => hasStrings(v, 'ticketId'));
    this.listen('session:revoked', (payload) => {
      const reason = isRecord(payload) && typeof payload.reason === 'string' ? payload.reason : '';
      const code = reason === 'banned' ? 'BANNED' : 'SESSION_REVOKED';
      this.endSession(code, sessionEndedMessage(code, reason));
    });
    this.listen('access:changed', (payload) => {
      this.reconnectAfterAccessChange = true;
      const userId = hasStrings(payload, 'userId') ? payload.userId : this.userId;
      this.events.emit('accessChanged', { userId });
    });
    // Messages may have been missed (the server's Redis was away): catch up every room.
    this.listen('sync:hint', () => void this.sync());
    this.setState('connecting');
    this.socket.connect();
  }

  /** Detaches from the socket and closes it; persisted state stays (a reload resumes it). */
  stop(): void {
    for (const [event, handler] of this.handlers.splice(0)) this.socket.off(event, handler);
    this.sender.stop();
    if (this.syncTimer) clearTimeout(this.syncTimer);
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    if (this.readTimer) clearTimeout(this.readTimer);
    this.syncTimer = null;
    this.reconnectTimer = null;
    this.readTimer = null;
    this.failPendingCalls('DISCONNECTED');
    this.socket.disconnect();
    this.setState('idle');
  }

  /**
   * The network is back (the browser's `online` event): try at once instead of waiting out
   * socket.io's reconnect backoff, which may have grown to seconds while offline.
   */
  reconnectNow(): void {
    if (this.ended || this.handlers.length === 0 || this.socket.connected) return;
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
    // Closing the idle manager resets its backoff; connecting again starts a fresh attempt.
    this.socket.disconnect();
    this.socket.connect();
  }

  /** Sign-out: stop, and forget everything stored for this user (outbox and cursors). */
  signOut(): void {
    this.ended = true;
    this.stop();
    this.outbox.clear();
    this.store.remove(this.keys.cursors);
    this.outboxSnapshot = [];
    this.events.emit('outbox', this.outboxSnapshot);
  }

  // ---- rooms and cursors ----

  /**
   * Registers rooms the user can read at their current server seq (unless a cursor exists).
   * With `prune`, cursors of rooms not in the list are dropped (the list is complete).
   */
  trackRooms(rooms: { id: string; lastSeq: number }[], prune = false): void {
    for (const r of rooms) this.sequencer.track(r.id, r.lastSeq);
    if (prune) {
      const ids = new Set(rooms.map((r) => r.id));
      for (const c of this.sequencer.all()) if (!ids.has(c.roomId)) this.sequencer.forget(c.roomId);
    }
    this.saveCursors();
  }

  /** The app holds everything up to `seq` already (history loaded through REST). */
  advance(roomId: string, seq: number): void {
    this.deliver(this.sequencer.advance(roomId, seq));
  }

  cursor(roomId: string): number | undefined {
    return this.sequencer.get(roomId);
  }

  forgetRoom(roomId: string): void {
    this.sequencer.forget(roomId);
    this.saveCursors();
  }

  // ---- sending ----

  /** Queues a message in the persistent outbox; it is sent (and resent) until acknowledged. */
  send(roomId: string, body: string, parentId: string | null = null): OutboxItem {
    return this.sender.enqueue(roomId, body, parentId);
  }

  discard(clientId: string): void {
    this.sender.discard(clientId);
  }

  /** Unsent messages, oldest first; a stable array until the outbox changes. */
  pending(): readonly OutboxItem[] {
    return this.outboxSnapshot;
  }

  markRead(roomId: string, seq: number): void {
    if ((this.readWanted.get(roomId) ?? 0) >= seq) return;
    this.readWanted.set(roomId, seq);
    this.flushReads();
  }

  setTyping(roomId: string, typing: boolean): void {
    if (!this.socket.connected) return;
    const last = this.typingSentAt.get(roomId);
    if (typing) {
      if (last !== undefined && this.now() - last < TYPING_REFRESH_MS) return;
      this.typingSentAt.set(roomId, this.now());
    } else {
      if (last === undefined) return;
      this.typingSentAt.delete(roomId);
    }
    this.call('typing', { roomId, typing }).catch(() => undefined);
  }

  toggleReaction(messageId: string, emoji: string): Promise<Message> {
    return this.call<Message>('reaction:toggle', { messageId, emoji });
  }

  /** Emits an event and resolves with the ack's data (rejects with an ApiError). */
  call<T>(event: string, payload: unknown, timeoutMs = this.ackTimeoutMs): Promise<T> {
    return new Promise<T>((resolve, reject) => {
      if (!this.socket.connected) {
        reject(new ApiError({ status: 0, code: 'DISCONNECTED', message: 'Not connected to the server' }));
        return;
      }
      let settled = false;
      const settle = (fn: () => void) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        this.pendingCalls.delete(fail);
        fn();
      };
      const fail = (err: ApiError) => settle(() => reject(err));
      const timer = setTimeout(
        () => fail(new ApiError({ status: 0, code: 'TIMEOUT', message: 'The server did not answer in time' })),
        timeoutMs,
      );
      this.pendingCalls.add(fail);
      this.socket.emit(event, payload, (res: unknown) =>
        settle(() => {
          if (isAck(res) && res.ok) resolve(res.data as T);
          else reject(ackError(res));
        }),
      );
    });
  }

  // ---- sync ----

  /** Fetches everything after the cursors of the given rooms (all tracked rooms by default). */
  async sync(roomIds?: string[]): Promise<void> {
    for (const id of roomIds ?? this.sequencer.all().map((c) => c.roomId)) this.syncQueue.add(id);
    if (this.syncing) return; // the running loop picks the new rooms up
    this.syncing = true;
    try {
      let rounds = 0;
      while (this.syncQueue.size > 0 && this.socket.connected) {
        const ids = [...this.syncQueue].filter((id) => this.sequencer.has(id));
        this.syncQueue.clear();
        if (ids.length === 0) break;
        if (rounds >= this.maxSyncRounds) {
          this.handToRest(ids);
          break;
        }
        rounds += 1;
        const cursors = ids.map((roomId) => ({ roomId, seq: this.sequencer.get(roomId) ?? 0 }));
        let result: SyncResult;
        try {
          result = await this.call<SyncResult>('sync', { cursors, limit: this.syncLimit });
        } catch {
          for (const id of ids) this.syncQueue.add(id);
          this.scheduleSyncRetry();
          return;
        }
        this.syncAttempts = 0;
        this.applySync(result);
      }
    } finally {
      this.syncing = false;
      this.saveCursors();
    }
  }

  private applySync(result: SyncResult): void {
    const rooms = isRecord(result) && Array.isArray(result.rooms) ? result.rooms : [];
    for (const room of rooms) {
      if (room.error === 'NOT_FOUND') {
        // Deleted, or no longer readable (access changed): stop tracking it.
        this.forgetRoom(room.roomId);
        continue;
      }
      const messages = (Array.isArray(room.messages) ? room.messages : []).filter(isMessage);
      messages.sort((a, b) => a.seq - b.seq);
      // Sync answers are contiguous from the cursor; a gap here is not chased again.
      for (const m of messages) this.deliver(this.sequencer.ingest(m).deliver);
      if (!room.complete) this.syncQueue.add(room.roomId);
      else this.deliver(this.sequencer.releaseGap(room.roomId));
    }
  }

  private handToRest(roomIds: string[]): void {
    for (const roomId of roomIds) {
      this.deliver(this.sequencer.releaseGap(roomId));
      this.events.emit('resync', { roomId });
    }
  }

  private scheduleSyncRetry(): void {
    if (this.syncTimer || this.ended) return;
    this.syncAttempts += 1;
    this.syncTimer = setTimeout(() => {
      this.syncTimer = null;
      void this.sync([]);
    }, backoffDelay(this.syncAttempts, this.random, this.syncBackoff));
  }

  // ---- socket events ----

  private onConnect(): void {
    this.reconnectAttempts = 0;
    this.setState('connected');
    void this.sync();
    this.sender.onConnected();
    this.readSent.clear();
    this.flushReads();
  }

  private onDisconnect(reason: string): void {
    this.failPendingCalls('DISCONNECTED');
    if (this.ended) return;
    this.setState('disconnected');
    // The server closed us on purpose: socket.io does not reconnect by itself then. After an
    // access change the new subscriptions are ready at once; otherwise (restart, shutdown
    // with a reconnect hint) back off so a crowd does not return in lock-step.
    if (reason !== 'io server disconnect') return;
    if (this.reconnectAfterAccessChange) {
      this.reconnectAfterAccessChange = false;
      this.socket.connect();
    } else {
      this.scheduleReconnect();
    }
  }

  private onConnectError(err: unknown): void {
    const code = connectErrorCode(err);
    if (code === 'UNAUTHENTICATED' || code === 'BANNED') {
      this.endSession(code, sessionEndedMessage(code));
      return;
    }
    this.setState('disconnected');
    // A refusal by the server's middleware (rate limit, shutting down) is not retried by
    // socket.io itself; transport errors are.
    if (this.socket.active === false) this.scheduleReconnect();
  }

  private onMessageNew(payload: unknown, ack: unknown): void {
    if (!isMessage(payload)) return;
    if (typeof ack === 'function') ack({ roomId: payload.roomId, seq: payload.seq });
    this.ingest(payload);
  }

  private ingest(message: Message): void {
    const result = this.sequencer.ingest(message);
    this.deliver(result.deliver);
    if (result.gap) void this.sync([message.roomId]);
  }

  private deliver(messages: Message[]): void {
    if (messages.length === 0) return;
    this.saveCursors();
    for (const m of messages) this.events.emit('message', m);
  }

  private endSession(code: SessionEnded['code'], message: string): void {
    if (this.ended) return;
    this.ended = true;
    this.setState('disconnected');
    this.events.emit('sessionEnded', { code, message });
    this.stop();
  }

  private scheduleReconnect(): void {
    if (this.reconnectTimer || this.ended) return;
    this.reconnectAttempts += 1;
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.ended && !this.socket.connected) this.socket.connect();
    }, backoffDelay(this.reconnectAttempts, this.random, this.backoff));
  }

  // ---- helpers ----

  private listen(event: string, handler: Listener): void {
    this.socket.on(event, handler);
    this.handlers.push([event, handler]);
  }

  private forward<K extends keyof RealtimeEvents>(
    socketEvent: string,
    event: K,
    guard: (v: unknown) => v is RealtimeEvents[K],
  ): void {
    this.listen(socketEvent, (payload) => {
      if (guard(payload)) this.events.emit(event, payload);
    });
  }

  private flushReads(): void {
    if (!this.socket.connected) return;
    for (const [roomId, seq] of this.readWanted) {
      if ((this.readSent.get(roomId) ?? 0) >= seq) continue;
      this.readSent.set(roomId, seq);
      this.call<unknown>('read', { roomId, seq })
        .then((data) => {
          // The ack carries the stored cursor, which may be ahead (another tab read further).
          const stored = isRecord(data) && typeof data.lastReadSeq === 'number' ? data.lastReadSeq : seq;
          if (stored > (this.readSent.get(roomId) ?? 0)) this.readSent.set(roomId, stored);
        })
        .catch((err: unknown) => {
          const code = err instanceof ApiError ? err.code : 'INTERNAL';
          // A refusal for good stays "sent"; a disconnect is resent by the next connect.
          if (!READ_RETRYABLE.has(code) && code !== 'DISCONNECTED') return;
          if (this.readSent.get(roomId) === seq) this.readSent.delete(roomId);
          if (code !== 'DISCONNECTED') this.scheduleReadRetry();
        });
    }
  }

  private scheduleReadRetry(): void {
    if (this.readTimer || this.ended) return;
    this.readTimer = setTimeout(() => {
      this.readTimer = null;
      this.flushReads();
    }, READ_RETRY_MS);
  }

  private failPendingCalls(code: string): void {
    const error = new ApiError({ status: 0, code, message: 'Connection lost' });
    for (const fail of [...this.pendingCalls]) fail(error);
  }

  private outboxChanged(): void {
    this.outboxSnapshot = this.outbox.items();
    this.events.emit('outbox', this.outboxSnapshot);
  }

  private saveCursors(): void {
    if (this.ended) return;
    this.store.set(this.keys.cursors, JSON.stringify(this.sequencer.snapshot()));
  }

  private setState(state: ConnectionState): void {
    if (this.state === state) return;
    this.state = state;
    this.events.emit('connection', state);
  }
}
