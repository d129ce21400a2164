import { ApiError } from '../api/errors';
import { backoffDelay, type BackoffPolicy } from './backoff';
import { isRecord } from './guards';
import { t } from '../i18n';

/** The server's answer to `room:watch`. */
export interface WatchResult {
  roomId: string;
  /** The room's newest seq when the watch began: the client should hold everything up to it. */
  lastSeq: number;
  /** The user is a member: subscribed already, no watch was needed. */
  member: boolean;
  /** Watches the server ended to stay within its limit (oldest first). */
  unwatched: string[];
}

/**
 * Where a watched room stands: `pending` (asked, not confirmed yet: in flight, offline or
 * retrying), `live` (the server sends its events), `member` (subscribed through membership),
 * `ended` (the server ended the watch for a newer one: at most 4 per socket), `gone` (the
 * server refused: the user may no longer read the room).
 */
export type WatchStatus = 'pending' | 'live' | 'member' | 'ended' | 'gone';

export interface WatchChange {
  roomId: string;
  status: WatchStatus;
  /**
   * With the first `live` or `member` of a watch: the room's seq when it began. What comes
   * after arrives as messages; the view's history must reach this seq by itself (history read
   * before the watch began may stop short of it).
   */
  lastSeq?: number;
  /** With `gone`: why (NOT_FOUND when the user may no longer read it). */
  code?: string;
}

export interface WatchesOptions {
  /** Emits with an ack; rejects with an ApiError (DISCONNECTED when the socket went away). */
  call: (event: string, payload: unknown) => Promise<unknown>;
  isConnected: () => boolean;
  random: () => number;
  backoff: BackoffPolicy;
  /** A watch was confirmed: the client tracks the room from `lastSeq` or catches up to it. */
  onConfirmed: (result: WatchResult) => void;
  /** A watched room is no longer followed (released or refused); `member` rooms stay tracked. */
  onReleased: (roomId: string, member: boolean) => void;
  onChange: (change: WatchChange) => void;
}

/** Failures after which `room:watch` is tried again; any other answer is final. */
const RETRYABLE = new Set(['TIMEOUT', 'RATE_LIMITED', 'DB_UNAVAILABLE', 'SHUTTING_DOWN', 'INTERNAL']);

interface Waiter {
  resolve: (result: WatchResult) => void;
  reject: (err: ApiError) => void;
}

interface Entry {
  /** Views showing the room: `watch` calls not matched by `unwatch` yet. */
  refs: number;
  /** This socket holds a watch on the server (answered, not ended since as far as we know). */
  watched: boolean;
  /** What the views want is in place; false asks for a (new) `room:watch`. */
  confirmed: boolean;
  /** An access change arrived while a `room:watch` was in flight: its answer may predate it. */
  stale: boolean;
  /** A `room:watch` or `room:unwatch` awaits its answer. */
  inFlight: boolean;
  status: WatchStatus;
  /** The user is a member (from the last answer and membership changes since). */
  member: boolean;
  /** The department in the last room or ticket update (`undefined`: none seen yet). */
  department: string | null | undefined;
  result: WatchResult | null;
  error: ApiError | null;
  waiters: Waiter[];
  /** Retryable failures in a row (for the backoff). */
  attempts: number;
  retryTimer: ReturnType<typeof setTimeout> | null;
}

function toResult(data: unknown, roomId: string): WatchResult {
  const d = isRecord(data) ? data : {};
  return {
    roomId: typeof d.roomId === 'string' ? d.roomId : roomId,
    lastSeq: typeof d.lastSeq === 'number' ? d.lastSeq : 0,
    member: d.member === true,
    unwatched: Array.isArray(d.unwatched) ? d.unwatched.filter((r): r is string => typeof r === 'string') : [],
  };
}

function asApiError(err: unknown): ApiError {
  return err instanceof ApiError ? err : new ApiError({ status: 0, code: 'INTERNAL', message: String(err) });
}

/**
 * The rooms this client shows without being a member, followed live through `room:watch`
 * while shown. One call per room is in flight at a time (the server runs a socket's events
 * concurrently, so a quick watch-unwatch-watch could otherwise land in any order); views are
 * counted, so two views of one room share a watch. Watches belong to a socket: every connect
 * asks again for all of them; an update that may have changed the access asks again for one.
 */
export class Watches {
  private readonly entries = new Map<string, Entry>();

  constructor(private readonly opts: WatchesOptions) {}

  /** Follows `roomId` while shown; resolves once the server confirmed, rejects when it refused. */
  watch(roomId: string): Promise<WatchResult> {
    let e = this.entries.get(roomId);
    if (!e) {
      e = {
        refs: 0,
        watched: false,
        confirmed: false,
        stale: false,
        inFlight: false,
        status: 'pending',
        member: false,
        department: undefined,
        result: null,
        error: null,
        waiters: [],
        attempts: 0,
        retryTimer: null,
      };
      this.entries.set(roomId, e);
    }
    // A new view of a room whose watch the server ended for a newer one asks again.
    if (e.refs === 0 && e.status === 'ended') e.confirmed = false;
    e.refs += 1;
    const entry = e;
    const promise = new Promise<WatchResult>((resolve, reject) => {
      if (entry.status === 'gone' && entry.error) reject(entry.error);
      else if (entry.confirmed && entry.result && entry.status !== 'ended') resolve(entry.result);
      else entry.waiters.push({ resolve, reject });
    });
    this.reconcile(roomId);
    return promise;
  }

  /** One view stopped showing `roomId`; the watch ends when none shows it any more. */
  unwatch(roomId: string): void {
    const e = this.entries.get(roomId);
    if (!e || e.refs === 0) return;
    e.refs -= 1;
    if (e.refs > 0) return;
    this.settle(e, (w) => w.reject(new ApiError({ status: 0, code: 'UNWATCHED', message: t('errors.noLongerShown') })));
    // Decided after the current task: a view that unmounts and mounts again in one commit
    // (StrictMode, a changed key) keeps its watch instead of ending and starting it again.
    queueMicrotask(() => this.reconcile(roomId));
  }

  status(roomId: string): WatchStatus | null {
    const e = this.entries.get(roomId);
    return e && e.refs > 0 ? e.status : null;
  }

  /** Whether some view shows `roomId` through a watch (its cursor must stay tracked). */
  shows(roomId: string): boolean {
    return (this.entries.get(roomId)?.refs ?? 0) > 0;
  }

  /**
   * The room or ticket changed and the server may have ended the watch (it does when one moves
   * to another department, after the update): ask again, and the server checks the access
   * anew. Ticket updates come with every message of the ticket, so only a department other
   * than the last one seen (or the first update) asks.
   */
  recheck(roomId: string, department: string | null | undefined): void {
    const e = this.entries.get(roomId);
    if (!e || e.refs === 0 || e.member || e.status === 'gone') return;
    if (department !== undefined && e.department === department) return;
    e.department = department;
    this.invalidate(roomId, e);
  }

  /** The user was removed from a room: a view still showing it needs a watch, if allowed. */
  memberRemoved(roomId: string): void {
    const e = this.entries.get(roomId);
    if (!e) return;
    e.member = false;
    if (e.refs > 0 && e.status !== 'gone') this.invalidate(roomId, e);
  }

  /** The user became a member: the room stays tracked once no view shows it. */
  memberAdded(roomId: string): void {
    const e = this.entries.get(roomId);
    if (e) e.member = true;
  }

  onConnect(): void {
    for (const e of this.entries.values()) {
      if (e.retryTimer) clearTimeout(e.retryTimer);
      e.retryTimer = null;
      e.attempts = 0;
      e.watched = false;
      e.confirmed = false;
    }
    // Oldest first, as they were asked for: if there are more than the server keeps, the
    // newest stay.
    for (const roomId of [...this.entries.keys()]) this.reconcile(roomId);
  }

  onDisconnect(): void {
    for (const [roomId, e] of this.entries) {
      e.watched = false;
      e.confirmed = false;
      if (e.refs > 0 && (e.status === 'live' || e.status === 'ended')) this.change(roomId, e, 'pending');
    }
  }

  /** The client stopped for good (sign-out, another user): nothing is asked any more. */
  stop(): void {
    const stopped = new ApiError({ status: 0, code: 'DISCONNECTED', message: t('errors.realtimeStopped') });
    for (const e of this.entries.values()) {
      if (e.retryTimer) clearTimeout(e.retryTimer);
      this.settle(e, (w) => w.reject(stopped));
    }
    this.entries.clear();
  }

  // ---- the one call per room ----

  private invalidate(roomId: string, e: Entry): void {
    e.confirmed = false;
    if (e.inFlight) e.stale = true;
    this.reconcile(roomId);
  }

  /** Sends what brings the server in line with the views, unless a call is in flight. */
  private reconcile(roomId: string): void {
    const e = this.entries.get(roomId);
    if (!e || e.inFlight) return;
    if (e.refs > 0) {
      if (e.confirmed || e.status === 'gone' || e.retryTimer || !this.opts.isConnected()) return;
      this.send(roomId, e, 'room:watch');
      return;
    }
    if (e.retryTimer) clearTimeout(e.retryTimer);
    e.retryTimer = null;
    if (e.watched && this.opts.isConnected()) {
      this.send(roomId, e, 'room:unwatch');
      return;
    }
    this.entries.delete(roomId);
    this.opts.onReleased(roomId, e.member);
  }

  private send(roomId: string, e: Entry, event: 'room:watch' | 'room:unwatch'): void {
    e.inFlight = true;
    e.stale = false;
    const done = event === 'room:watch' ? (data: unknown) => this.answered(roomId, e, data) : () => this.unwatched(roomId, e);
    this.opts.call(event, { roomId }).then(done, (err: unknown) =>
      event === 'room:watch' ? this.failed(roomId, e, asApiError(err)) : this.unwatched(roomId, e),
    );
  }

  private answered(roomId: string, e: Entry, data: unknown): void {
    e.inFlight = false;
    e.attempts = 0;
    const result = toResult(data, roomId);
    for (const other of result.unwatched) if (other !== roomId) this.ended(other);
    e.member = result.member;
    e.watched = !result.member;
    e.confirmed = !e.stale;
    const first = e.result === null;
    e.result = result;
    e.error = null;
    if (e.refs > 0) {
      this.opts.onConfirmed(result);
      this.change(roomId, e, result.member ? 'member' : 'live', first ? { lastSeq: result.lastSeq } : {});
      this.settle(e, (w) => w.resolve(result));
    }
    this.reconcile(roomId);
  }

  private failed(roomId: string, e: Entry, err: ApiError): void {
    e.inFlight = false;
    e.confirmed = false;
    if (err.code === 'DISCONNECTED') {
      // The socket went away, and the watch with it; the next connect asks again.
      e.watched = false;
    } else if (RETRYABLE.has(err.code)) {
      // A timed-out call may have been done: the server may hold a watch to end later.
      e.watched ||= err.code === 'TIMEOUT';
      e.attempts += 1;
      const delay = err.retryAfterMs ?? backoffDelay(e.attempts, this.opts.random, this.opts.backoff);
      e.retryTimer = setTimeout(() => {
        e.retryTimer = null;
        this.reconcile(roomId);
      }, delay);
    } else {
      e.watched = false;
      e.error = err;
      if (e.refs > 0) {
        this.change(roomId, e, 'gone', { code: err.code });
        this.settle(e, (w) => w.reject(err));
        this.opts.onReleased(roomId, e.member);
      }
    }
    this.reconcile(roomId);
  }

  private unwatched(roomId: string, e: Entry): void {
    e.inFlight = false;
    e.watched = false;
    e.confirmed = false;
    this.reconcile(roomId);
  }

  /** The server ended this watch to make room for a newer one. */
  private ended(roomId: string): void {
    const e = this.entries.get(roomId);
    if (!e) return;
    e.watched = false;
    if (e.refs > 0 && !e.member) {
      // Not asked again by itself: with more rooms shown than the server keeps, two views
      // would take turns ending each other's watch. A reconnect asks again.
      this.change(roomId, e, 'ended');
    } else {
      this.reconcile(roomId);
    }
  }

  private change(roomId: string, e: Entry, status: WatchStatus, extra: Partial<WatchChange> = {}): void {
    e.status = status;
    this.opts.onChange({ roomId, status, ...extra });
  }

  private settle(e: Entry, fn: (w: Waiter) => void): void {
    const waiters = e.waiters.splice(0);
    for (const w of waiters) fn(w);
  }
}
