/** How often acknowledgements go out at most, and how many held messages send them at once. */
export interface AckPolicy {
  /** A batch goes out this long after its first message... */
  delayMs: number;
  /**
   * ...but no sooner than this after the previous batch: a connection that keeps hearing (a busy
   * room) acknowledges a few times a second, not twenty. Far below the server's ack timeout
   * (`DELIVERY_ACK_TIMEOUT_MS`, 5 s by default), so nothing is re-sent for it.
   */
  minGapMs: number;
  /** With this many messages held, the batch goes out at once. */
  maxPending: number;
}

export const DEFAULT_ACK_POLICY: AckPolicy = { delayMs: 50, minGapMs: 250, maxPending: 50 };

export interface AckBatcherOptions {
  policy?: AckPolicy;
  /** Sends one `ack {roomId, seq}` (no callback: the server answers nothing). */
  emit: (roomId: string, seq: number) => void;
  isConnected: () => boolean;
  /** Milliseconds now (`Date.now` by default). */
  now?: () => number;
}

/**
 * Cumulative acknowledgements: per room, the highest seq the client holds with nothing missing
 * before it, batched. The server keeps, per socket and room, the highest seq acknowledged and
 * sends everything after it again when no ack comes in time; one ack covers every message up to
 * its seq, so a burst costs one `ack` per room and batch.
 */
export class AckBatcher {
  private readonly policy: AckPolicy;
  private readonly emit: (roomId: string, seq: number) => void;
  private readonly isConnected: () => boolean;
  /** The seq to acknowledge per room in the next batch. */
  private readonly pending = new Map<string, number>();
  /** The highest seq acknowledged per room on this connection. */
  private readonly sent = new Map<string, number>();
  /** Messages covered by the next batch (each `hold` counts one). */
  private held = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;
  private readonly now: () => number;
  /** When the last batch went out on this connection. */
  private flushedAt: number | null = null;

  constructor(opts: AckBatcherOptions) {
    this.policy = opts.policy ?? DEFAULT_ACK_POLICY;
    this.emit = opts.emit;
    this.isConnected = opts.isConnected;
    this.now = opts.now ?? (() => Date.now());
  }

  /**
   * The client holds `roomId` up to `seq`. Nothing new (already acknowledged) is skipped unless
   * `again`: a duplicate `message:new` means the server did not get the last ack.
   */
  hold(roomId: string, seq: number, again = false): void {
    const queued = this.pending.get(roomId);
    if (seq <= 0) return; // nothing held yet
    if (!again && queued === undefined && seq <= (this.sent.get(roomId) ?? -1)) return;
    this.pending.set(roomId, Math.max(queued ?? seq, seq));
    this.held += 1;
    if (this.held >= this.policy.maxPending) this.flush();
    else this.timer ??= setTimeout(() => this.flush(), this.wait());
  }

  /** How long a batch whose first message is now waits. */
  private wait(): number {
    const { delayMs, minGapMs } = this.policy;
    if (this.flushedAt === null) return delayMs;
    return Math.max(delayMs, this.flushedAt + minGapMs - this.now());
  }

  /** Sends the batch now: one `ack` per room. */
  flush(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.held = 0;
    if (!this.isConnected()) {
      // The next socket owes nothing emitted before it connected; its sync acknowledges anew.
      this.pending.clear();
      return;
    }
    for (const [roomId, seq] of this.pending) {
      this.emit(roomId, seq);
      this.sent.set(roomId, Math.max(this.sent.get(roomId) ?? seq, seq));
    }
    if (this.pending.size > 0) this.flushedAt = this.now();
    this.pending.clear();
  }

  /** A new connection: the server's record of this socket's acks starts empty. */
  reset(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.held = 0;
    this.flushedAt = null;
    this.pending.clear();
    this.sent.clear();
  }

  forget(roomId: string): void {
    this.pending.delete(roomId);
    this.sent.delete(roomId);
  }
}
