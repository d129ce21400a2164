// A client that keeps the delivery guarantee the way the web client does: per-room cursors,
// dedupe by seq, a sync on every (re)connect, on a seq gap and on `sync:hint`, and cumulative
// acks (`ack {roomId, seq}` with its cursor, batched). It records what it applied, so tests can
// check "exactly once, in order".
import { io } from 'socket.io-client';
import { cumulativeAcker } from './harness.mjs';

export class ReliableClient {
  /**
   * @param {string[]} urls servers to connect to (a reconnect may pick another one)
   * @param {string} token session token
   * @param {string[]} rooms rooms to track
   */
  constructor(urls, token, rooms) {
    this.urls = urls;
    this.token = token;
    this.cursors = new Map(rooms.map((r) => [r, 0]));
    this.applied = new Map(rooms.map((r) => [r, []]));
    this.wireDuplicates = 0;
    this.syncs = 0;
    this.reconnects = 0;
    this.syncing = null;
    this.pendingSync = false;
    this.socket = null;
    this.urlIndex = 0;
  }

  /** Connects (reconnecting by itself on cuts) and resolves on the first connect. */
  start({ reconnectionDelay = 200 } = {}) {
    this.socket = io(this.urls[this.urlIndex], {
      auth: { token: this.token },
      transports: ['websocket'],
      forceNew: true,
      reconnection: true,
      reconnectionDelay,
      reconnectionDelayMax: 1000,
      randomizationFactor: 0.5,
    });
    this.acker = cumulativeAcker(this.socket);
    this.socket.on('message:new', (message) => {
      this.receive(message);
      // Acknowledge what is held without a gap (a duplicate is acknowledged again: the server
      // may be re-sending because an ack was lost).
      this.acknowledge(message.roomId);
    });
    this.socket.on('sync:hint', () => this.requestSync());
    this.socket.on('connect', () => {
      this.reconnects += 1;
      this.requestSync();
    });
    // Refused handshakes, handled as docs/api.md tells integrators to: socket.io retries
    // transport errors by itself, not refusals, so the retryable ones are retried here.
    this.refusals = [];
    this.socket.on('connect_error', (err) => {
      let refusal;
      try { refusal = JSON.parse(err.message); } catch { return; }
      this.refusals.push(refusal.code);
      if (refusal.retryable) setTimeout(() => this.socket.connect(), refusal.retryAfterMs);
    });
    return new Promise((resolve, reject) => {
      this.socket.once('connect', resolve);
      this.socket.once('connect_error', reject);
    });
  }

  /** Moves to the next server (as a load balancer would after an instance dies). */
  switchServer() {
    this.urlIndex = (this.urlIndex + 1) % this.urls.length;
    this.socket.io.uri = this.urls[this.urlIndex];
    this.socket.io.engine?.close();
  }

  /** Cuts the connection at the transport level; the client reconnects by itself. */
  cut() {
    this.socket.io.engine?.close();
  }

  receive(message) {
    const cursor = this.cursors.get(message.roomId);
    if (cursor === undefined) return;
    if (message.seq <= cursor) {
      this.wireDuplicates += 1;
      return;
    }
    if (message.seq === cursor + 1) {
      this.apply(message);
    } else {
      // A gap: something is missing; fetch it rather than apply out of order.
      this.requestSync();
    }
  }

  acknowledge(roomId) {
    const cursor = this.cursors.get(roomId);
    if (cursor) this.acker.hold(roomId, cursor);
  }

  apply(message) {
    this.applied.get(message.roomId).push(message.seq);
    this.cursors.set(message.roomId, message.seq);
  }

  /** Runs a sync now, or once more after the one in flight. */
  requestSync() {
    if (this.syncing) {
      this.pendingSync = true;
      return this.syncing;
    }
    this.syncing = this.syncLoop().finally(() => {
      this.syncing = null;
      if (this.pendingSync) {
        this.pendingSync = false;
        this.requestSync();
      }
    });
    return this.syncing;
  }

  async syncLoop() {
    for (;;) {
      if (!this.socket.connected) return;
      this.syncs += 1;
      const cursors = [...this.cursors].map(([roomId, seq]) => ({ roomId, seq }));
      let answer;
      try {
        answer = await this.socket.timeout(10_000).emitWithAck('sync', { cursors, limit: 200 });
      } catch {
        // Disconnected (the next connect syncs) or no answer in time: try again shortly.
        if (this.socket.connected) setTimeout(() => this.requestSync(), 500);
        return;
      }
      if (!answer.ok) {
        setTimeout(() => this.requestSync(), 500);
        return;
      }
      let complete = true;
      for (const room of answer.data.rooms) {
        for (const message of room.messages) this.receive(message);
        this.acknowledge(room.roomId);
        complete &&= room.complete;
      }
      if (complete) return;
    }
  }

  /** Total messages applied. */
  total() {
    let n = 0;
    for (const seqs of this.applied.values()) n += seqs.length;
    return n;
  }

  /** Problems against the expected last seq per room: missing, duplicated or out of order. */
  check(expected) {
    const problems = [];
    for (const [room, last] of expected) {
      const seqs = this.applied.get(room) ?? [];
      const want = Array.from({ length: last }, (_, i) => i + 1);
      if (seqs.length !== want.length || seqs.some((s, i) => s !== want[i])) {
        const seen = new Set(seqs);
        const missing = want.filter((s) => !seen.has(s));
        const dupes = seqs.length - seen.size;
        const disorder = seqs.some((s, i) => i > 0 && s <= seqs[i - 1]);
        problems.push(`${room}: ${seqs.length}/${last} applied, missing ${missing.slice(0, 5)}${missing.length > 5 ? '…' : ''}, ${dupes} dupes, ${disorder ? 'out of order' : 'in order'}`);
      }
    }
    return problems;
  }

  close() {
    this.socket?.close();
  }
}
