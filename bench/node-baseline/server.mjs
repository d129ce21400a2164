// The Node.js socket.io 4 baseline: the same events as Switchboard for the benchmark scenarios,
// nothing more. It exists to measure, not to be pretty.
//
//   node server.mjs [--port 0] [--pg postgres://...]
//
// - POST /setup {rooms: [{id, public, members: [userId]}]}: users (token = user id) and rooms;
//   every user may read a public room, members only a private one.
// - connect with auth {token}; the socket joins `room:<id>` of the rooms its user is a member
//   of, and no other (like Switchboard: messages go to members and watchers only).
// - message:send {roomId, clientId, body} (members) -> ack {ok, data: message}; the same
//   clientId returns the same message; then message:new is broadcast, without an ack id, to
//   `room:<id>` and `watch:<id>`.
// - ack {roomId, seq} (no ack id): the socket's highest contiguous seq in the room, kept per
//   socket and room (capped at the last seq emitted), as Switchboard's ledger does; nothing is
//   re-sent here, but the bookkeeping is paid.
// - room:watch {roomId} -> {ok, data: {roomId, lastSeq, member, unwatched}}: a non-member who
//   may read the room joins `watch:<id>` (at most 4 at a time, the oldest ends); room:unwatch.
// - sync {cursors: [{roomId, seq}], limit} -> {ok, data: {rooms: [{roomId, messages, complete}]}}.
// Without --pg messages live in memory (the last LOG_KEEP per room); with --pg they are stored
// in PostgreSQL, the per-room seq taken in the same transaction, sends of one room serialized.
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { Server } from 'socket.io';

const args = process.argv.slice(2);
const option = (name, fallback) => {
  const i = args.indexOf(`--${name}`);
  return i >= 0 ? args[i + 1] : fallback;
};
const port = Number(option('port', '0'));
const pgUrl = option('pg', null);
// --nagle leaves Nagle's algorithm on (Node turns it off by default), for latency experiments.
const nagle = args.includes('--nagle');
const LOG_KEEP = 10_000;
const WATCH_LIMIT = 4;

const users = new Map(); // token -> { id, name, rooms: Set }
// roomId -> { seq, last (emitted), public, log: [], byClientId: Map, chain: Promise }
const rooms = new Map();

function room(id) {
  let r = rooms.get(id);
  if (!r) {
    r = { seq: 0, last: 0, public: false, log: [], byClientId: new Map(), chain: Promise.resolve() };
    rooms.set(id, r);
  }
  return r;
}

const readable = (user, roomId) => user.rooms.has(roomId) || rooms.get(roomId)?.public === true;

let store = memoryStore();
if (pgUrl) store = await pgStore(pgUrl);

function view(roomId, seq, clientId, author, body, id = randomUUID(), createdAt = new Date()) {
  return {
    id, roomId, seq, clientId,
    author: { id: author.id, name: author.name, role: 'staff' },
    body, parentId: null, replyCount: 0, reactions: [],
    createdAt: createdAt.toISOString(), editedAt: null, deletedAt: null,
  };
}

function memoryStore() {
  return {
    async setupRoom() {},
    async send(roomId, clientId, author, body) {
      const r = room(roomId);
      const known = r.byClientId.get(clientId);
      if (known) return { message: known, created: false };
      r.seq += 1;
      const message = view(roomId, r.seq, clientId, author, body);
      r.log.push(message);
      if (r.log.length > LOG_KEEP) r.log.splice(0, r.log.length - LOG_KEEP);
      r.byClientId.set(clientId, message);
      if (r.byClientId.size > LOG_KEEP) r.byClientId.delete(r.byClientId.keys().next().value);
      return { message, created: true };
    },
    async after(roomId, seq, limit) {
      const log = room(roomId).log;
      const newer = log.filter((m) => m.seq > seq);
      return { messages: newer.slice(0, limit), complete: newer.length <= limit };
    },
  };
}

async function pgStore(url) {
  const { default: pg } = await import('pg');
  const pool = new pg.Pool({ connectionString: url, max: 16 });
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_rooms (id text PRIMARY KEY, seq bigint NOT NULL DEFAULT 0)`);
  await pool.query(`CREATE TABLE IF NOT EXISTS bench_messages (
    room_id text NOT NULL, seq bigint NOT NULL, id uuid NOT NULL, client_id text NOT NULL,
    author_id text NOT NULL, author_name text NOT NULL, body text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (room_id, seq), UNIQUE (room_id, client_id))`);
  const fromRow = (row) => view(row.room_id, Number(row.seq), row.client_id,
    { id: row.author_id, name: row.author_name }, row.body, row.id, row.created_at);
  return {
    async setupRoom(id) {
      await pool.query('INSERT INTO bench_rooms (id) VALUES ($1) ON CONFLICT DO NOTHING', [id]);
    },
    async send(roomId, clientId, author, body) {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const known = await client.query('SELECT * FROM bench_messages WHERE room_id = $1 AND client_id = $2', [roomId, clientId]);
        if (known.rows.length > 0) {
          await client.query('COMMIT');
          return { message: fromRow(known.rows[0]), created: false };
        }
        const { rows: [{ seq }] } = await client.query('UPDATE bench_rooms SET seq = seq + 1 WHERE id = $1 RETURNING seq', [roomId]);
        const { rows: [row] } = await client.query(
          `INSERT INTO bench_messages (room_id, seq, id, client_id, author_id, author_name, body)
           VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`,
          [roomId, seq, randomUUID(), clientId, author.id, author.name, body]);
        await client.query('COMMIT');
        return { message: fromRow(row), created: true };
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    async after(roomId, seq, limit) {
      const { rows } = await pool.query('SELECT * FROM bench_messages WHERE room_id = $1 AND seq > $2 ORDER BY seq LIMIT $3', [roomId, seq, limit + 1]);
      return { messages: rows.slice(0, limit).map(fromRow), complete: rows.length <= limit };
    },
  };
}

const http = createServer({ noDelay: !nagle }, async (req, res) => {
  if (req.method === 'POST' && req.url === '/setup') {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    const { rooms: wanted = [] } = JSON.parse(raw || '{}');
    for (const r of wanted) {
      room(r.id).public = r.public === true;
      await store.setupRoom(r.id);
      for (const member of r.members) {
        let user = users.get(member);
        if (!user) {
          user = { id: member, name: `user ${member.slice(0, 8)}`, rooms: new Set() };
          users.set(member, user);
        }
        user.rooms.add(r.id);
      }
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ ok: true, data: null }));
    return;
  }
  if (req.url === '/livez') {
    res.writeHead(200).end('ok');
    return;
  }
  res.writeHead(404).end();
});

const io = new Server(http, { path: '/socket.io', transports: ['websocket'], serveClient: false });

io.use((socket, next) => {
  const user = users.get(socket.handshake.auth?.token);
  if (!user) return next(new Error('UNAUTHENTICATED'));
  socket.data.user = user;
  socket.join([...user.rooms].map((id) => `room:${id}`));
  next();
});

const fail = (ack, code) => typeof ack === 'function' && ack({ ok: false, code, message: code });

io.on('connection', (socket) => {
  const user = socket.data.user;
  // ws turns Nagle off on every websocket; --nagle turns it back on (an experiment).
  if (nagle) socket.conn.transport?.socket?._socket?.setNoDelay(false);
  socket.on('message:send', (payload, ack) => {
    const { roomId, clientId, body } = payload ?? {};
    if (typeof roomId !== 'string' || typeof clientId !== 'string' || typeof body !== 'string') return fail(ack, 'VALIDATION');
    if (!user.rooms.has(roomId)) return fail(ack, 'FORBIDDEN');
    const r = room(roomId);
    // One send at a time per room: seqs are committed, acked and broadcast in order.
    r.chain = r.chain.then(async () => {
      try {
        const { message, created } = await store.send(roomId, clientId, user, body);
        if (typeof ack === 'function') ack({ ok: true, data: message });
        if (created) {
          r.last = Math.max(r.last, message.seq);
          io.to([`room:${roomId}`, `watch:${roomId}`]).emit('message:new', message);
        }
      } catch (err) {
        console.error(err);
        fail(ack, 'INTERNAL');
      }
    });
  });
  const acked = new Map(); // roomId -> highest seq acknowledged by this socket
  socket.on('ack', (payload) => {
    const { roomId, seq } = payload ?? {};
    const r = rooms.get(roomId);
    if (!r || !Number.isInteger(seq)) return;
    const held = Math.min(seq, r.last);
    if ((acked.get(roomId) ?? 0) < held) acked.set(roomId, held);
  });
  const watching = []; // watched roomIds, oldest first
  socket.on('room:watch', (payload, ack) => {
    const roomId = payload?.roomId;
    const r = typeof roomId === 'string' ? rooms.get(roomId) : undefined;
    if (!r) return fail(ack, 'NOT_FOUND');
    if (!readable(user, roomId)) return fail(ack, 'FORBIDDEN');
    const member = user.rooms.has(roomId);
    const unwatched = [];
    if (!member && !watching.includes(roomId)) {
      watching.push(roomId);
      socket.join(`watch:${roomId}`);
      if (watching.length > WATCH_LIMIT) {
        const oldest = watching.shift();
        socket.leave(`watch:${oldest}`);
        unwatched.push(oldest);
      }
    }
    if (typeof ack === 'function') {
      ack({ ok: true, data: { roomId, lastSeq: Math.max(r.seq, r.last), member, unwatched } });
    }
  });
  socket.on('room:unwatch', (payload, ack) => {
    const i = watching.indexOf(payload?.roomId);
    if (i >= 0) socket.leave(`watch:${watching.splice(i, 1)[0]}`);
    if (typeof ack === 'function') ack({ ok: true, data: null });
  });
  socket.on('sync', async (payload, ack) => {
    if (typeof ack !== 'function') return;
    const limit = Math.min(Number(payload?.limit) || 100, 500);
    const cursors = Array.isArray(payload?.cursors) ? payload.cursors.slice(0, 100) : [];
    try {
      const answer = [];
      for (const { roomId, seq } of cursors) {
        if (!readable(user, roomId)) continue;
        answer.push({ roomId, ...(await store.after(roomId, Number(seq) || 0, limit)) });
      }
      ack({ ok: true, data: { rooms: answer } });
    } catch (err) {
      console.error(err);
      fail(ack, 'INTERNAL');
    }
  });
});

http.listen(port, '127.0.0.1', () => {
  console.error(`node baseline listening on http://127.0.0.1:${http.address().port}${pgUrl ? ' (pg)' : ''}`);
});

for (const signal of ['SIGTERM', 'SIGINT']) {
  process.on(signal, () => {
    io.close();
    process.exit(0);
  });
}
