import type { Listener, SocketLike } from '../socket';
import type { Message } from '../../types';

export interface Emitted {
  event: string;
  payload: unknown;
  ack?: (res: unknown) => void;
}

/** A stand-in for socket.io-client's Socket: records emits, lets the test play the server. */
export class FakeSocket implements SocketLike {
  connected = false;
  active = true;
  connectCalls = 0;
  disconnectCalls = 0;
  readonly emitted: Emitted[] = [];
  private readonly answered = new Set<Emitted>();
  private readonly handlers = new Map<string, Set<Listener>>();

  on(event: string, listener: Listener): this {
    let set = this.handlers.get(event);
    if (!set) this.handlers.set(event, (set = new Set()));
    set.add(listener);
    return this;
  }

  off(event: string, listener?: Listener): this {
    if (listener) this.handlers.get(event)?.delete(listener);
    else this.handlers.delete(event);
    return this;
  }

  emit(event: string, ...args: unknown[]): this {
    const last = args[args.length - 1];
    const ack = typeof last === 'function' ? (last as (res: unknown) => void) : undefined;
    this.emitted.push({ event, payload: args[0], ack });
    return this;
  }

  connect(): this {
    this.connectCalls += 1;
    return this;
  }

  disconnect(): this {
    this.disconnectCalls += 1;
    this.connected = false;
    return this;
  }

  // ---- the test plays the server ----

  fire(event: string, ...args: unknown[]): void {
    for (const l of [...(this.handlers.get(event) ?? [])]) l(...args);
  }

  serverConnect(): void {
    this.connected = true;
    this.fire('connect');
  }

  serverDrop(reason = 'transport close'): void {
    this.connected = false;
    this.fire('disconnect', reason);
  }

  /** Emits `message:new` as the server does: one packet, no ack callback. */
  push(message: Message): void {
    this.fire('message:new', message);
  }

  /** The server sends several messages of a room as one `message:batch`. */
  pushBatch(roomId: string, messages: Message[]): void {
    this.fire('message:batch', { roomId, messages });
  }

  /** The `ack {roomId, seq}` events the client sent, in order, as `room:seq`. */
  acks(): string[] {
    return this.sent('ack').map((e) => {
      const { roomId, seq } = e.payload as { roomId: string; seq: number };
      return `${roomId}:${seq}`;
    });
  }

  /** Answers the oldest unanswered `event` the client sent (for `room:watch`/`room:unwatch`). */
  answer(event: string, res: unknown): Emitted {
    const call = this.emitted.find((e) => e.event === event && e.ack && !this.answered.has(e));
    if (!call) throw new Error(`no unanswered ${event}`);
    this.answered.add(call);
    call.ack?.(res);
    return call;
  }

  /** Sent `event`s not answered through `answer` yet. */
  unanswered(event: string): Emitted[] {
    return this.emitted.filter((e) => e.event === event && !this.answered.has(e));
  }

  sent(event: string): Emitted[] {
    return this.emitted.filter((e) => e.event === event);
  }

  lastSent(event: string): Emitted {
    const all = this.sent(event);
    const last = all[all.length - 1];
    if (!last) throw new Error(`nothing emitted for ${event}`);
    return last;
  }

  listenerCount(): number {
    let n = 0;
    for (const set of this.handlers.values()) n += set.size;
    return n;
  }
}

let counter = 0;

export function msg(roomId: string, seq: number, extra: Partial<Message> = {}): Message {
  counter += 1;
  return {
    id: `${roomId}-m${seq}`,
    roomId,
    seq,
    clientId: `other-${seq}-${counter}`,
    author: { id: 'u-other', name: 'Other', role: 'staff', avatarUrl: null },
    body: `message ${seq} (${counter})`,
    parentId: null,
    replyCount: 0,
    reactions: [],
    createdAt: new Date(0).toISOString(),
    editedAt: null,
    deletedAt: null,
    pinned: false,
    mentions: [],
    attachments: [],
    preview: null,
    ...extra,
  };
}
