import { ApiError } from '../api/errors';
import { isRecord } from './guards';

/** A failed `read` is sent again after this (the newest wanted seq, not each one). */
const READ_RETRY_MS = 2000;

/** `read` failures worth sending again; others (NOT_MEMBER, READ_ONLY) are final. */
const READ_RETRYABLE = new Set(['TIMEOUT', 'DB_UNAVAILABLE', 'RATE_LIMITED', 'SHUTTING_DOWN', 'INTERNAL']);

export interface ReadCursorsOptions {
  /** Emits `read {roomId, seq}` with an ack; rejects with an ApiError. */
  call: (event: string, payload: unknown) => Promise<unknown>;
  isConnected: () => boolean;
}

/**
 * Read cursors the user moved: the newest wanted seq per room is sent once, again after a
 * retryable failure, and again on every connect.
 */
export class ReadCursors {
  private readonly wanted = new Map<string, number>();
  private readonly sent = new Map<string, number>();
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: ReadCursorsOptions) {}

  mark(roomId: string, seq: number): void {
    if ((this.wanted.get(roomId) ?? 0) >= seq) return;
    this.wanted.set(roomId, seq);
    this.flush();
  }

  /** A new connection: whatever was sent before may not have arrived. */
  onConnect(): void {
    this.sent.clear();
    this.flush();
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private flush(): void {
    if (!this.opts.isConnected()) return;
    for (const [roomId, seq] of this.wanted) {
      if ((this.sent.get(roomId) ?? 0) >= seq) continue;
      this.sent.set(roomId, seq);
      this.opts
        .call('read', { roomId, seq })
        .then((data) => {
          // The ack carries the stored cursor, which may be ahead (another tab read further).
          const stored = isRecord(data) && typeof data.lastReadSeq === 'number' ? data.lastReadSeq : seq;
          if (stored > (this.sent.get(roomId) ?? 0)) this.sent.set(roomId, stored);
        })
        .catch((err: unknown) => {
          const code = err instanceof ApiError ? err.code : 'INTERNAL';
          // A refusal for good stays "sent"; a disconnect is resent by the next connect.
          if (!READ_RETRYABLE.has(code) && code !== 'DISCONNECTED') return;
          if (this.sent.get(roomId) === seq) this.sent.delete(roomId);
          if (code !== 'DISCONNECTED') this.scheduleRetry();
        });
    }
  }

  private scheduleRetry(): void {
    if (this.timer) return;
    this.timer = setTimeout(() => {
      this.timer = null;
      this.flush();
    }, READ_RETRY_MS);
  }
}
