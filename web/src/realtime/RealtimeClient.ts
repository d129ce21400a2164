import type {
  AppNotification,
  NotificationReadEvent,
  MemberAddedEvent,
  MemberRemovedEvent,
  Message,
  PinEvent,
  PresenceEvent,
  ReactionUpdate,
  ReceiptEvent,
  Room,
  Ticket,
  TypingEvent,
  UserUpdatedEvent,
} from '../types';
import { ApiError } from '../api/errors';
import { AckBatcher, type AckPolicy } from './acks';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { CatchUp } from './catchUp';
import { Emitter } from './emitter';
import { ackError, hasStrings, isAck, isMessage, isRecord } from './guards';
import { Outbox, OutboxSender, type OutboxItem } from './outbox';
import { ReadCursors } from './reads';
import { Sequencer } from './sequencer';
import type { Listener, SocketLike } from './socket';
import { readJson, userKeys, type KeyValueStore } from './storage';
import { connectRefusal, sessionEndedMessage, type SessionEnded } from './sessionEnd';
import { newClientId } from './uuid';
import { Watches, type WatchChange, type WatchResult, type WatchStatus } from './watches';
import { t } from '../i18n';

export type { WatchChange, WatchResult, WatchStatus } from './watches';
export { connectErrorCode, connectRefusal, sessionEndedMessage, type SessionEnded } from './sessionEnd';

/** The changed fields of a person; the id is `id` (a user view) or `userId`. */
export type ConnectionState = 'idle' | 'connecting' | 'connected' | 'disconnected';

export interface RealtimeEvents {
  /** A new message, per room in seq order, each exactly once. */
  message: Message;
  messageUpdated: Message;
  messageDeleted: Message;
  reaction: ReactionUpdate;
  pinned: PinEvent;
  typing: TypingEvent;
  presence: PresenceEvent;
  receipt: ReceiptEvent;
  roomUpdated: Partial<Room> & { id: string };
  roomDeleted: { roomId: string };
  memberAdded: MemberAddedEvent;
  memberRemoved: MemberRemovedEvent;
  /** `member:updated`: a member's room role changed. */
  memberUpdated: MemberAddedEvent;
  ticketUpdated: Ticket;
  ticketInsights: { ticketId: string };
  notificationNew: AppNotification;
  notificationRead: NotificationReadEvent;
  /** `user:updated`: someone's name, title, status or avatar changed. */
  userUpdated: UserUpdatedEvent;
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
  /** A watched room's status changed (see `watch`). */
  watch: WatchChange;
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
  /** Delay before a `sync` or `room:watch` that timed out or was refused is tried again. */
  syncBackoff?: BackoffPolicy;
  /** Batching of delivery acknowledgements. */
  acks?: AckPolicy;
}

const TYPING_REFRESH_MS = 3000;
/** A sync answer can be lost under load: try again soon, not after the reconnect backoff. */
export const SYNC_RETRY_BACKOFF: BackoffPolicy = { baseMs: 500, maxMs: 5000 };

function isCursorMap(v: unknown): v is Record<string, number> {
  return isRecord(v) && Object.values(v).every((n) => typeof n === 'number');
}

/** The department an update carries: a string, null (everyone), or undefined (not said). */
function departmentOf(v: object): string | null | undefined {
  const d = (v as { department?: unknown }).department;
  return typeof d === 'string' || d === null ? d : undefined;
}

/**
 * Owns the socket and the delivery guarantees of the web client: cumulative acks, per-room
 * cursors, dedupe, gap detection + sync, watches of rooms shown without membership, the
 * persistent outbox, and session end. Framework-free; React reaches it through the hooks in
 * `hooks.tsx`.
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
  private readonly backoff: BackoffPolicy;
  private readonly syncBackoff: BackoffPolicy;
  private readonly sequencer: Sequencer;
  private readonly catchUp: CatchUp;
  private readonly outbox: Outbox;
  private readonly sender: OutboxSender;
  private readonly acks: AckBatcher;
  private readonly watches: Watches;
  private readonly reads: ReadCursors;

  private state: ConnectionState = 'idle';
  private outboxSnapshot: readonly OutboxItem[];
  private readonly pendingCalls = new Set<(err: ApiError) => void>();
  private readonly handlers: [string, Listener][] = [];
  private reconnectAttempts = 0;
  private reconnectTimer: ReturnType<typeof setTimeout> | null = null;
  /** Set by `access:changed`: the coming server-side disconnect reconnects at once. */
  private reconnectAfterAccessChange = false;
  private ended = false;
  private readonly typingSentAt = new Map<string, number>();

  constructor(opts: RealtimeClientOptions) {
    this.socket = opts.socket;
    this.store = opts.store;
    this.userId = opts.userId;
    this.keys = userKeys(opts.userId);
    this.now = opts.now ?? Date.now;
    this.random = opts.random ?? Math.random;
    this.ackTimeoutMs = opts.ackTimeoutMs ?? 10_000;
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
    this.catchUp = new CatchUp({
      call: (event, payload) => this.call(event, payload),
      isConnected: () => this.socket.connected,
      isEnded: () => this.ended,
      sequencer: this.sequencer,
      deliver: (messages) => this.deliver(messages),
      lost: (roomId) => {
        this.forgetRoom(roomId);
        // A room shown through a watch: the watch is refused too, and the view says so.
        this.watches.recheck(roomId, undefined);
      },
      handToRest: (roomId) => this.events.emit('resync', { roomId }),
      saveCursors: () => this.saveCursors(),
      random: this.random,
      backoff: this.syncBackoff,
      limit: opts.syncLimit ?? 100,
      maxRounds: opts.maxSyncRounds ?? 20,
    });
    this.acks = new AckBatcher({
      policy: opts.acks,
      emit: (roomId, seq) => this.socket.emit('ack', { roomId, seq }),
      isConnected: () => this.socket.connected,
    });
    this.reads = new ReadCursors({ call: (event, payload) => this.call(event, payload), isConnected: () => this.socket.connected });
    this.watches = new Watches({
      call: (event, payload) => this.call(event, payload),
      isConnected: () => this.socket.connected,
      random: this.random,
      backoff: this.syncBackoff,
      onConfirmed: (result) => this.watchConfirmed(result),
      onReleased: (roomId, member) => {
        if (!member) this.forgetRoom(roomId);
      },
      onChange: (change) => this.events.emit('watch', change),
    });
    this.followAccessChanges();
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
    this.listen('message:new', (payload) => this.onMessageNew(payload));
    // Several messages of one room, in order (the handshake asks for them): each is taken in
    // as a `message:new`.
    this.listen('message:batch', (payload) => {
      if (!isRecord(payload) || !Array.isArray(payload.messages)) return;
      for (const message of payload.messages) this.onMessageNew(message);
    });
    this.forward('message:updated', 'messageUpdated', isMessage);
    this.forward('message:deleted', 'messageDeleted', isMessage);
    this.forward('reaction:updated', 'reaction', (v): v is ReactionUpdate => hasStrings(v, 'roomId', 'messageId', 'emoji'));
    this.forward('message:pinned', 'pinned', (v): v is PinEvent => isRecord(v) && typeof v.pinned === 'boolean' && hasStrings(v, 'roomId', 'messageId', 'by'));
    this.forward('typing', 'typing', (v): v is TypingEvent => hasStrings(v, 'roomId', 'userId'));
    this.forward('presence', 'presence', (v): v is PresenceEvent => hasStrings(v, 'userId'));
    this.forward('receipt', 'receipt', (v): v is ReceiptEvent => hasStrings(v, 'roomId', 'userId'));
    this.forward('room:updated', 'roomUpdated', (v): v is Room => hasStrings(v, 'id'));
    this.forward('room:deleted', 'roomDeleted', (v): v is { roomId: string } => hasStrings(v, 'roomId'));
    this.forward('member:added', 'memberAdded', (v): v is MemberAddedEvent => hasStrings(v, 'roomId', 'userId'));
    this.forward('member:removed', 'memberRemoved', (v): v is MemberRemovedEvent => hasStrings(v, 'roomId', 'userId'));
    this.forward('member:updated', 'memberUpdated', (v): v is MemberAddedEvent => hasStrings(v, 'roomId', 'userId', 'role'));
    this.forward('ticket:updated', 'ticketUpdated', (v): v is Ticket => hasStrings(v, 'id'));
    this.forward('notification:new', 'notificationNew', (v): v is AppNotification => hasStrings(v, 'id', 'roomId', 'kind'));
    this.forward('notification:read', 'notificationRead', (v): v is NotificationReadEvent => isRecord(v) && ('ids' in v || 'roomId' in v || 'all' in v));
    this.forward('user:updated', 'userUpdated', (v): v is UserUpdatedEvent => hasStrings(v, 'userId', 'name'));
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
    // Messages may have been missed: in one room (its re-sends ran out) or in any (the server's
    // Redis was away).
    this.listen('sync:hint', (payload) => void this.sync(hasStrings(payload, 'roomId') ? [payload.roomId] : undefined));
    this.setState('connecting');
    this.socket.connect();
  }

  /** Detaches from the socket and closes it; persisted state stays (a reload resumes it). */
  stop(): void {
    for (const [event, handler] of this.handlers.splice(0)) this.socket.off(event, handler);
    this.sender.stop();
    this.reads.stop();
    this.acks.reset();
    this.catchUp.stop();
    this.watches.stop();
    if (this.reconnectTimer) clearTimeout(this.reconnectTimer);
    this.reconnectTimer = null;
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
   * Registers rooms the user is a member of at their current server seq (unless a cursor
   * exists). With `prune`, cursors of other rooms are dropped (the list is complete), except
   * those of rooms shown through a watch.
   */
  trackRooms(rooms: { id: string; lastSeq: number }[], prune = false): void {
    for (const r of rooms) {
      this.sequencer.track(r.id, r.lastSeq);
      this.watches.memberAdded(r.id);
    }
    if (prune) {
      const ids = new Set(rooms.map((r) => r.id));
      for (const c of this.sequencer.all()) {
        if (!ids.has(c.roomId) && !this.watches.shows(c.roomId)) this.forgetRoom(c.roomId);
      }
    }
    this.saveCursors();
  }

  /** The app holds everything up to `seq` already (history loaded through REST). */
  advance(roomId: string, seq: number): void {
    const before = this.sequencer.get(roomId);
    this.deliver(this.sequencer.advance(roomId, seq));
    const after = this.sequencer.get(roomId);
    if (after !== undefined && after !== before) this.acks.hold(roomId, after);
  }

  cursor(roomId: string): number | undefined {
    return this.sequencer.get(roomId);
  }

  forgetRoom(roomId: string): void {
    this.sequencer.forget(roomId);
    this.acks.forget(roomId);
    this.saveCursors();
  }

  // ---- watches ----

  /**
   * Follows a room the user may read without being a member (a previewed public room, a
   * department ticket) while it is shown: `room:watch`, asked again after every connect and
   * whenever the access may have changed. Resolves once the server confirmed (the room is
   * tracked from then on, so gaps are synced as for member rooms); rejects when it refused
   * (NOT_FOUND: the user may not read it). Match every call with `unwatch`.
   */
  watch(roomId: string): Promise<WatchResult> {
    return this.watches.watch(roomId);
  }

  /** The view stopped showing the room (`room:unwatch` once no view shows it). */
  unwatch(roomId: string): void {
    this.watches.unwatch(roomId);
  }

  /** Where a shown room's watch stands, or null when no view watches it. */
  watchStatus(roomId: string): WatchStatus | null {
    return this.watches.status(roomId);
  }

  // ---- sending ----

  /** Queues a message in the persistent outbox; it is sent (and resent) until acknowledged. */
  send(roomId: string, body: string, parentId: string | null = null, attachmentIds: string[] = []): OutboxItem {
    return this.sender.enqueue(roomId, body, parentId, attachmentIds);
  }

  discard(clientId: string): void {
    this.sender.discard(clientId);
  }

  /** Unsent messages, oldest first; a stable array until the outbox changes. */
  pending(): readonly OutboxItem[] {
    return this.outboxSnapshot;
  }

  markRead(roomId: string, seq: number): void {
    this.reads.mark(roomId, seq);
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
        reject(new ApiError({ status: 0, code: 'DISCONNECTED', message: t('errors.notConnected') }));
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
        () => fail(new ApiError({ status: 0, code: 'TIMEOUT', message: t('errors.noAnswerInTime') })),
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
  sync(roomIds?: string[]): Promise<void> {
    return this.catchUp.run(roomIds);
  }

  // ---- socket events ----

  private onConnect(): void {
    this.reconnectAttempts = 0;
    this.acks.reset();
    this.setState('connected');
    // Watches first: a room is followed before its catch-up is read.
    this.watches.onConnect();
    void this.sync();
    this.sender.onConnected();
    this.reads.onConnect();
  }

  private onDisconnect(reason: string): void {
    this.failPendingCalls('DISCONNECTED');
    this.acks.reset();
    this.watches.onDisconnect();
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
    const refusal = connectRefusal(err);
    const code = refusal?.code;
    if (code === 'UNAUTHENTICATED' || code === 'BANNED') {
      this.endSession(code, sessionEndedMessage(code));
      return;
    }
    this.setState('disconnected');
    // A refusal by the server's middleware (the database away, a restart, a rate limit) is
    // not retried by socket.io itself; transport errors are. Not before the server says.
    if (this.socket.active === false) this.scheduleReconnect(refusal?.retryAfterMs ?? 0);
  }

  private onMessageNew(payload: unknown): void {
    if (!isMessage(payload)) return;
    const duplicate = this.ingest(payload);
    // A message held already is a re-send: the server did not get the ack, so it goes again.
    const cursor = this.sequencer.get(payload.roomId);
    if (duplicate && cursor !== undefined) this.acks.hold(payload.roomId, cursor, true);
  }

  /** Takes a message in; true when it was held already. */
  private ingest(message: Message): boolean {
    const result = this.sequencer.ingest(message);
    this.deliver(result.deliver);
    if (result.gap) void this.sync([message.roomId]);
    return result.duplicate;
  }

  /** Hands messages to the app and acknowledges each room up to its (moved) cursor. */
  private deliver(messages: Message[]): void {
    if (messages.length === 0) return;
    this.saveCursors();
    for (const m of messages) this.events.emit('message', m);
    for (const roomId of new Set(messages.map((m) => m.roomId))) {
      const cursor = this.sequencer.get(roomId);
      if (cursor !== undefined) this.acks.hold(roomId, cursor);
    }
  }

  /** A watch was confirmed: track the room from the seq it had, or catch up to it. */
  private watchConfirmed(result: WatchResult): void {
    const cursor = this.sequencer.get(result.roomId);
    if (cursor === undefined) {
      this.sequencer.track(result.roomId, result.lastSeq);
      this.saveCursors();
    } else if (result.lastSeq > cursor) {
      void this.sync([result.roomId]);
    }
  }

  /**
   * The server ends watches when a room or ticket moves to another department, and a removed
   * member's subscription: the client asks again, and the server checks the access anew.
   */
  private followAccessChanges(): void {
    this.events.on('roomDeleted', ({ roomId }) => this.forgetRoom(roomId));
    this.events.on('memberRemoved', ({ roomId, userId }) => {
      if (userId !== this.userId) return;
      // Still shown: the room stays tracked while the watch is asked for again.
      if (this.watches.shows(roomId)) this.watches.memberRemoved(roomId);
      else this.forgetRoom(roomId);
    });
    this.events.on('memberAdded', ({ roomId, userId }) => {
      if (userId === this.userId) this.watches.memberAdded(roomId);
    });
    this.events.on('roomUpdated', (room) => this.watches.recheck(room.id, departmentOf(room)));
    this.events.on('ticketUpdated', (ticket) => this.watches.recheck(ticket.id, departmentOf(ticket)));
  }

  private endSession(code: SessionEnded['code'], message: string): void {
    if (this.ended) return;
    this.ended = true;
    this.setState('disconnected');
    this.events.emit('sessionEnded', { code, message });
    this.stop();
  }

  private scheduleReconnect(atLeastMs = 0): void {
    if (this.reconnectTimer || this.ended) return;
    this.reconnectAttempts += 1;
    const delay = Math.max(atLeastMs, backoffDelay(this.reconnectAttempts, this.random, this.backoff));
    this.reconnectTimer = setTimeout(() => {
      this.reconnectTimer = null;
      if (!this.ended && !this.socket.connected) this.socket.connect();
    }, delay);
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

  private failPendingCalls(code: string): void {
    const error = new ApiError({ status: 0, code, message: t('errors.connectionLost') });
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
