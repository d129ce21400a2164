import type { Message, SyncCursor } from '../types';

export interface IngestResult {
  /** Messages to hand to the application, in seq order; each seq exactly once. */
  deliver: Message[];
  /** True when a seq gap was found and the room needs a `sync`. */
  gap: boolean;
  /** True when the message was held already (a re-send: the server missed an ack). */
  duplicate: boolean;
}

/**
 * Per-room last-seq cursors with in-order, exactly-once delivery.
 *
 * The cursor of a room is the highest seq up to which everything has been delivered. A message
 * at or below the cursor is a duplicate; the next seq is delivered at once; anything further
 * ahead is held back and reported as a gap so the caller can `sync` the missing range.
 */
export class Sequencer {
  private readonly cursors = new Map<string, number>();
  private readonly pending = new Map<string, Map<number, Message>>();

  constructor(initial: Record<string, number> = {}) {
    for (const [roomId, seq] of Object.entries(initial)) this.cursors.set(roomId, seq);
  }

  get(roomId: string): number | undefined {
    return this.cursors.get(roomId);
  }

  has(roomId: string): boolean {
    return this.cursors.has(roomId);
  }

  /** Starts tracking a room at `seq` unless it is already tracked (a newer local cursor wins). */
  track(roomId: string, seq: number): void {
    if (!this.cursors.has(roomId)) this.cursors.set(roomId, seq);
  }

  forget(roomId: string): void {
    this.cursors.delete(roomId);
    this.pending.delete(roomId);
  }

  /** Rooms known to the sequencer, for a full sync. */
  all(): SyncCursor[] {
    return [...this.cursors].map(([roomId, seq]) => ({ roomId, seq }));
  }

  snapshot(): Record<string, number> {
    return Object.fromEntries(this.cursors);
  }

  hasPending(roomId: string): boolean {
    return (this.pending.get(roomId)?.size ?? 0) > 0;
  }

  ingest(message: Message): IngestResult {
    const { roomId, seq } = message;
    const cursor = this.cursors.get(roomId);
    if (cursor === undefined) {
      // First sight of a room (new DM, just added): its history comes through REST.
      this.cursors.set(roomId, seq);
      return { deliver: [message, ...this.flush(roomId)], gap: false, duplicate: false };
    }
    if (seq <= cursor) return { deliver: [], gap: false, duplicate: true };
    if (seq === cursor + 1) {
      this.cursors.set(roomId, seq);
      return { deliver: [message, ...this.flush(roomId)], gap: false, duplicate: false };
    }
    let held = this.pending.get(roomId);
    if (!held) {
      held = new Map();
      this.pending.set(roomId, held);
    }
    const duplicate = held.has(seq);
    held.set(seq, message);
    return { deliver: [], gap: true, duplicate };
  }

  /**
   * Moves a cursor forward to `seq` because the application already holds everything up to it
   * (for example a history page loaded through REST). Held messages at or below are dropped.
   */
  advance(roomId: string, seq: number): Message[] {
    const cursor = this.cursors.get(roomId);
    if (cursor !== undefined && cursor >= seq) return [];
    this.cursors.set(roomId, seq);
    const held = this.pending.get(roomId);
    if (held) for (const s of [...held.keys()]) if (s <= seq) held.delete(s);
    return this.flush(roomId);
  }

  /**
   * Gives up waiting for a gap that a complete sync did not fill: jumps the cursor to the
   * lowest held message and delivers from there, so a room never stalls.
   */
  releaseGap(roomId: string): Message[] {
    const held = this.pending.get(roomId);
    if (!held || held.size === 0) return [];
    const lowest = Math.min(...held.keys());
    this.cursors.set(roomId, lowest - 1);
    return this.flush(roomId);
  }

  private flush(roomId: string): Message[] {
    const held = this.pending.get(roomId);
    if (!held) return [];
    const out: Message[] = [];
    let cursor = this.cursors.get(roomId) ?? 0;
    for (;;) {
      const next = held.get(cursor + 1);
      if (!next) break;
      held.delete(cursor + 1);
      out.push(next);
      cursor += 1;
    }
    this.cursors.set(roomId, cursor);
    if (held.size === 0) this.pending.delete(roomId);
    return out;
  }
}
