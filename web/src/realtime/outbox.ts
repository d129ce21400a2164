import type { Message } from '../types';
import { ApiError } from '../api/errors';
import { backoffDelay, DEFAULT_BACKOFF, type BackoffPolicy } from './backoff';
import { readJson, type KeyValueStore } from './storage';
import { t } from '../i18n';

/** A message the user wrote that the server has not acknowledged yet. */
export interface OutboxItem {
  /** Stable idempotency key: every resend uses the same one, so the server never duplicates. */
  clientId: string;
  roomId: string;
  body: string;
  parentId: string | null;
  /** Uploads sent with the message (absent when none; items from before attachments lack it). */
  attachmentIds?: string[];
  createdAt: number;
  attempts: number;
  /** Epoch ms before which the item must not be sent again. */
  nextAttemptAt: number;
  /** Code of the last failure (TIMEOUT, RATE_LIMITED, ...), null before the first try. */
  lastError: string | null;
}

function isOutboxItem(v: unknown): v is OutboxItem {
  if (typeof v !== 'object' || v === null) return false;
  const o = v as Record<string, unknown>;
  return (
    typeof o.clientId === 'string' &&
    typeof o.roomId === 'string' &&
    typeof o.body === 'string' &&
    typeof o.createdAt === 'number' &&
    typeof o.attempts === 'number' &&
    typeof o.nextAttemptAt === 'number' &&
    (o.attachmentIds === undefined || (Array.isArray(o.attachmentIds) && o.attachmentIds.every((id) => typeof id === 'string')))
  );
}

function isItemList(v: unknown): v is OutboxItem[] {
  return Array.isArray(v) && v.every(isOutboxItem);
}

/**
 * The persistent list of unsent messages. Every change is a read-modify-write of storage so two
 * tabs of the same user converge instead of overwriting each other.
 */
export class Outbox {
  constructor(
    private readonly store: KeyValueStore,
    private readonly key: string,
  ) {}

  items(): OutboxItem[] {
    return readJson(this.store, this.key, isItemList, []).sort((a, b) => a.createdAt - b.createdAt);
  }

  add(item: OutboxItem): void {
    this.write([...this.items().filter((i) => i.clientId !== item.clientId), item]);
  }

  update(clientId: string, patch: Partial<OutboxItem>): void {
    this.write(this.items().map((i) => (i.clientId === clientId ? { ...i, ...patch } : i)));
  }

  remove(clientId: string): void {
    this.write(this.items().filter((i) => i.clientId !== clientId));
  }

  clear(): void {
    this.store.remove(this.key);
  }

  private write(items: OutboxItem[]): void {
    if (items.length === 0) this.store.remove(this.key);
    else this.store.set(this.key, JSON.stringify(items));
  }
}

/** Failure codes after which the same clientId is sent again. */
const RETRYABLE = new Set(['TIMEOUT', 'DISCONNECTED', 'NETWORK', 'DB_UNAVAILABLE', 'SHUTTING_DOWN']);

export interface OutboxSenderDeps {
  outbox: Outbox;
  /** Emits `message:send` and resolves with the stored message, or rejects with an ApiError. */
  send: (payload: { roomId: string; clientId: string; body: string; parentId?: string; attachmentIds?: string[] }) => Promise<Message>;
  isConnected: () => boolean;
  now: () => number;
  random: () => number;
  newId: () => string;
  onSent: (item: OutboxItem, message: Message) => void;
  onFailed: (item: OutboxItem, error: ApiError) => void;
  onChange: () => void;
  backoff?: BackoffPolicy;
}

/**
 * Sends outbox items until acknowledged. Items of one room go one at a time, oldest first, so
 * a room's messages keep the order they were written in.
 */
export class OutboxSender {
  private readonly inFlight = new Set<string>();
  private timer: ReturnType<typeof setTimeout> | null = null;
  private stopped = false;

  constructor(private readonly deps: OutboxSenderDeps) {}

  enqueue(roomId: string, body: string, parentId: string | null = null, attachmentIds: string[] = []): OutboxItem {
    const item: OutboxItem = {
      clientId: this.deps.newId(),
      roomId,
      body,
      parentId,
      ...(attachmentIds.length > 0 ? { attachmentIds: [...attachmentIds] } : {}),
      createdAt: this.deps.now(),
      attempts: 0,
      nextAttemptAt: 0,
      lastError: null,
    };
    this.deps.outbox.add(item);
    this.deps.onChange();
    this.pump();
    return item;
  }

  /** Discards an unsent item (the user gave up on it). */
  discard(clientId: string): void {
    this.deps.outbox.remove(clientId);
    this.deps.onChange();
  }

  /** After a (re)connect: everything that was waiting on the network goes now. */
  onConnected(): void {
    const now = this.deps.now();
    for (const item of this.deps.outbox.items()) {
      if (item.lastError !== 'RATE_LIMITED' && item.nextAttemptAt > now) {
        this.deps.outbox.update(item.clientId, { nextAttemptAt: now });
      }
    }
    this.pump();
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  /** Sends every room's head item that is due, and arms a timer for the next one. */
  pump(): void {
    if (this.stopped) return;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (!this.deps.isConnected()) return;
    const now = this.deps.now();
    const heads = new Map<string, OutboxItem>();
    for (const item of this.deps.outbox.items()) if (!heads.has(item.roomId)) heads.set(item.roomId, item);
    let wake = Infinity;
    for (const item of heads.values()) {
      if (this.inFlight.has(item.clientId)) continue;
      if (item.nextAttemptAt <= now) void this.sendOne(item);
      else wake = Math.min(wake, item.nextAttemptAt);
    }
    if (wake !== Infinity) this.timer = setTimeout(() => this.pump(), Math.max(0, wake - now));
  }

  private async sendOne(item: OutboxItem): Promise<void> {
    this.inFlight.add(item.clientId);
    const attempts = item.attempts + 1;
    this.deps.outbox.update(item.clientId, { attempts });
    try {
      const message = await this.deps.send({
        roomId: item.roomId,
        clientId: item.clientId,
        body: item.body,
        ...(item.parentId ? { parentId: item.parentId } : {}),
        ...(item.attachmentIds && item.attachmentIds.length > 0 ? { attachmentIds: item.attachmentIds } : {}),
      });
      this.deps.outbox.remove(item.clientId);
      this.deps.onSent(item, message);
    } catch (err) {
      const error =
        err instanceof ApiError ? err : new ApiError({ status: 0, code: 'INTERNAL', message: t('errors.messageNotSent') });
      this.handleFailure({ ...item, attempts }, error);
    } finally {
      this.inFlight.delete(item.clientId);
      this.deps.onChange();
      this.pump();
    }
  }

  private handleFailure(item: OutboxItem, error: ApiError): void {
    const now = this.deps.now();
    const policy = this.deps.backoff ?? DEFAULT_BACKOFF;
    if (error.code === 'RATE_LIMITED') {
      const wait = error.retryAfterMs ?? backoffDelay(item.attempts, this.deps.random, policy);
      this.deps.outbox.update(item.clientId, { nextAttemptAt: now + wait, lastError: error.code });
    } else if (RETRYABLE.has(error.code)) {
      const wait = backoffDelay(item.attempts, this.deps.random, policy);
      this.deps.outbox.update(item.clientId, { nextAttemptAt: now + wait, lastError: error.code });
    } else {
      this.deps.outbox.remove(item.clientId);
      this.deps.onFailed(item, error);
    }
  }
}
