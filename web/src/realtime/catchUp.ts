import type { Message, SyncRoom } from '../types';
import { backoffDelay, type BackoffPolicy } from './backoff';
import { isMessage, isRecord } from './guards';
import type { Sequencer } from './sequencer';

export interface CatchUpOptions {
  /** Emits with an ack and resolves with its data (rejects with an ApiError). */
  call: (event: string, payload: unknown) => Promise<unknown>;
  isConnected: () => boolean;
  /** After sign-out or session end nothing is tried again. */
  isEnded: () => boolean;
  sequencer: Sequencer;
  /** Hands messages the sequencer released to the app (and acknowledges them). */
  deliver: (messages: Message[]) => void;
  /** The server says the room is gone or no longer readable. */
  lost: (roomId: string) => void;
  /** Sync gave up on the room: the app reloads its history through REST. */
  handToRest: (roomId: string) => void;
  saveCursors: () => void;
  random: () => number;
  /** Delay before a `sync` that timed out or was refused is tried again. */
  backoff: BackoffPolicy;
  /** Messages per room per `sync` call. */
  limit: number;
  /** `sync` calls in one catch-up before a room is handed to REST. */
  maxRounds: number;
}

/**
 * Incremental catch-up: `sync` from the cursors of the rooms asked for, round after round while
 * the server says a room is not complete, one call in flight at a time (rooms asked for
 * meanwhile join the running loop); a failed call is tried again after a short backoff.
 */
export class CatchUp {
  private readonly queue = new Set<string>();
  private running = false;
  private attempts = 0;
  private timer: ReturnType<typeof setTimeout> | null = null;

  constructor(private readonly opts: CatchUpOptions) {}

  /** Fetches everything after the cursors of the given rooms (all tracked rooms by default). */
  async run(roomIds?: string[]): Promise<void> {
    const { sequencer } = this.opts;
    for (const id of roomIds ?? sequencer.all().map((c) => c.roomId)) this.queue.add(id);
    if (this.running) return; // the running loop picks the new rooms up
    this.running = true;
    try {
      let rounds = 0;
      while (this.queue.size > 0 && this.opts.isConnected()) {
        const ids = [...this.queue].filter((id) => sequencer.has(id));
        this.queue.clear();
        if (ids.length === 0) break;
        if (rounds >= this.opts.maxRounds) {
          for (const id of ids) {
            this.opts.deliver(sequencer.releaseGap(id));
            this.opts.handToRest(id);
          }
          break;
        }
        rounds += 1;
        const cursors = ids.map((roomId) => ({ roomId, seq: sequencer.get(roomId) ?? 0 }));
        let result: unknown;
        try {
          result = await this.opts.call('sync', { cursors, limit: this.opts.limit });
        } catch {
          for (const id of ids) this.queue.add(id);
          this.scheduleRetry();
          return;
        }
        this.attempts = 0;
        this.apply(result);
      }
    } finally {
      this.running = false;
      this.opts.saveCursors();
    }
  }

  stop(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
  }

  private apply(result: unknown): void {
    const { sequencer } = this.opts;
    const rooms = isRecord(result) && Array.isArray(result.rooms) ? (result.rooms as SyncRoom[]) : [];
    for (const room of rooms) {
      if (room.error === 'NOT_FOUND') {
        // Deleted, or no longer readable (access changed).
        this.opts.lost(room.roomId);
        continue;
      }
      const messages = (Array.isArray(room.messages) ? room.messages : []).filter(isMessage);
      messages.sort((a, b) => a.seq - b.seq);
      // Sync answers are contiguous from the cursor; a gap here is not chased again.
      for (const m of messages) this.opts.deliver(sequencer.ingest(m).deliver);
      if (!room.complete) this.queue.add(room.roomId);
      else this.opts.deliver(sequencer.releaseGap(room.roomId));
    }
  }

  private scheduleRetry(): void {
    if (this.timer || this.opts.isEnded()) return;
    this.attempts += 1;
    this.timer = setTimeout(() => {
      this.timer = null;
      void this.run([]);
    }, backoffDelay(this.attempts, this.opts.random, this.opts.backoff));
  }
}
