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

  /** Emits `message:new` with an ack callback; returns what the client acked. */
  push(message: Message): unknown[] {
    const acks: unknown[] = [];
    this.fire('message:new', message, (res: unknown) => acks.push(res));
    return acks;
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
    clientId: null,
    author: { id: 'u-other', name: 'Other', role: 'staff' },
    body: `message ${seq} (${counter})`,
    parentId: null,
    replyCount: 0,
    reactions: [],
    createdAt: new Date(0).toISOString(),
    editedAt: null,
    deletedAt: null,
    ...extra,
  };
}
