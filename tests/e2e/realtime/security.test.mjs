// The socket side of the security review, with the official socket.io-client: every event is
// rate limited after its access check, `sync` is bounded, a client that stops reading is shed,
// the handshake checks Origin for cookies, and sessions that end (expiry, bans made while Redis
// was down) close their live sockets.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import { io } from 'socket.io-client';
import {
  ADMIN_EMAIL, ADMIN_PASSWORD, api, call, connect, createPgDatabase, createRoom, createUser, freePort, login, next, ownRedis,
  refusal, requireRedis, startServer, until,
} from '../lib/harness.mjs';

const METRICS_TOKEN = 'e2e-metrics-token';

async function metric(server, series) {
  const text = await fetch(`${server.url}/metrics`, { headers: { authorization: `Bearer ${METRICS_TOKEN}` } }).then((r) => r.text());
  return text
    .split('\n')
    .filter((line) => line.startsWith(series))
    .reduce((sum, line) => sum + Number(line.split(' ').pop()), 0);
}

test('every socket event is rate limited, and only after its access check', async (t) => {
  const server = await startServer(t, {
    env: {
      RATE_LIMIT_MESSAGE_SEND: '2/60s',
      RATE_LIMIT_MESSAGE_EDIT: '1/60s',
      RATE_LIMIT_MESSAGE_DELETE: '1/60s',
      RATE_LIMIT_REACTION: '1/60s',
      RATE_LIMIT_TYPING: '1/60s',
      RATE_LIMIT_READ: '1/60s',
      RATE_LIMIT_SYNC: '1/60s',
    },
  });
  const owner = await createUser(server.url);
  const outsider = await createUser(server.url);
  const room = await createRoom(owner, { kind: 'private' });
  const mine = await connect(server.url, owner.token);
  const theirs = await connect(server.url, outsider.token);
  const limited = (answer, what) => {
    assert.equal(answer.ok, false, `${what}: ${JSON.stringify(answer)}`);
    assert.equal(answer.code, 'RATE_LIMITED', `${what}: ${JSON.stringify(answer)}`);
    assert.ok(answer.retryAfterMs > 0, `${what} says when to retry`);
  };
  // The outsider is refused for what they may not do, as often as they try: no 429 hides it,
  // and none of it spends the owner's (or their own) quota.
  for (let i = 0; i < 3; i += 1) {
    const refused = await call(theirs, 'message:send', { roomId: room, clientId: randomUUID(), body: 'let me in' });
    assert.equal(refused.code, 'NOT_FOUND');
    assert.equal((await call(theirs, 'typing', { roomId: room, typing: true })).code, 'NOT_FOUND');
    assert.equal((await call(theirs, 'read', { roomId: room, seq: 1 })).code, 'NOT_FOUND');
  }
  const first = await call(mine, 'message:send', { roomId: room, clientId: randomUUID(), body: 'one' });
  const second = await call(mine, 'message:send', { roomId: room, clientId: randomUUID(), body: 'two' });
  assert.ok(first.ok && second.ok);
  limited(await call(mine, 'message:send', { roomId: room, clientId: randomUUID(), body: 'three' }), 'message:send');
  const id = first.data.id;
  assert.ok((await call(mine, 'message:edit', { messageId: id, body: 'one!' })).ok);
  limited(await call(mine, 'message:edit', { messageId: id, body: 'one!!' }), 'message:edit');
  assert.ok((await call(mine, 'reaction:toggle', { messageId: id, emoji: '👍' })).ok);
  limited(await call(mine, 'reaction:toggle', { messageId: id, emoji: '👍' }), 'reaction:toggle');
  assert.ok((await call(mine, 'typing', { roomId: room, typing: true })).ok);
  limited(await call(mine, 'typing', { roomId: room, typing: false }), 'typing');
  assert.ok((await call(mine, 'read', { roomId: room, seq: 2 })).ok);
  limited(await call(mine, 'read', { roomId: room, seq: 2 }), 'read');
  assert.ok((await call(mine, 'sync', { cursors: [{ roomId: room, seq: 0 }] })).ok);
  limited(await call(mine, 'sync', { cursors: [{ roomId: room, seq: 0 }] }), 'sync');
  assert.ok((await call(mine, 'message:delete', { messageId: second.data.id })).ok);
  limited(await call(mine, 'message:delete', { messageId: id }), 'message:delete');
  mine.close();
  theirs.close();
});

test('sync is bounded: rooms named twice count once, answers are capped in bytes, one call at a time', async (t) => {
  const server = await startServer(t);
  const owner = await createUser(server.url);
  const room = await createRoom(owner, { kind: 'private' });
  // 300 messages of 4,000 characters: about 1.3 MB, more than one answer may carry.
  const body = 'x'.repeat(4000);
  for (let batch = 0; batch < 10; batch += 1) {
    await Promise.all(Array.from({ length: 30 }, () => owner.api.post(`rooms/${room}/messages`, { clientId: randomUUID(), body })));
  }
  const socket = await connect(server.url, owner.token);
  const answer = await call(socket, 'sync', {
    cursors: [{ roomId: room, seq: 0 }, { roomId: room, seq: 5 }, { roomId: room, seq: 0 }],
    limit: 500,
  });
  assert.ok(answer.ok, JSON.stringify(answer).slice(0, 200));
  assert.equal(answer.data.rooms.length, 1, 'one answer per room');
  const [synced] = answer.data.rooms;
  assert.equal(synced.complete, false, 'more remains');
  assert.ok(synced.messages.length > 50 && synced.messages.length < 300, `${synced.messages.length} messages`);
  const bytes = JSON.stringify(answer).length;
  assert.ok(bytes <= 600 * 1024, `${bytes} bytes in one answer`);
  assert.equal(synced.messages[0].seq, 1);
  // The client goes on from its new cursor and gets the rest, in order, with nothing twice.
  let cursor = synced.messages.at(-1).seq;
  const seen = synced.messages.map((m) => m.seq);
  for (let i = 0; i < 5 && cursor < 300; i += 1) {
    const more = await call(socket, 'sync', { cursors: [{ roomId: room, seq: cursor }], limit: 500 });
    seen.push(...more.data.rooms[0].messages.map((m) => m.seq));
    cursor = seen.at(-1);
  }
  assert.deepEqual(seen, Array.from({ length: 300 }, (_, i) => i + 1));
  // Ten calls at once: they do not all run together.
  const burst = await Promise.all(Array.from({ length: 10 }, () => call(socket, 'sync', { cursors: [{ roomId: room, seq: 0 }], limit: 500 })));
  const refused = burst.filter((a) => !a.ok);
  assert.ok(refused.length > 0, 'a sync sent while another runs waits its turn');
  for (const a of refused) {
    assert.equal(a.code, 'RATE_LIMITED');
    assert.equal(a.retryAfterMs, 250);
  }
  assert.ok(burst.some((a) => a.ok));
  socket.close();
});

test('a client that stops reading is shed instead of buffered for', async (t) => {
  // Broadcasts skip a socket whose queue is full; the re-send to it after the ack timeout
  // finds the queue still full and sheds it. That must happen before the TCP user timeout
  // closes the connection (counted from when the reader's window shut, early): the kernel
  // buffers and the queue took 3.5-5 s of posting to fill on a busy 2-core machine (3 s lost
  // about half the time), and the socket is gone at the latest at that timeout.
  const server = await startServer(t, {
    env: { METRICS_TOKEN, RUST_LOG: 'warn', TCP_USER_TIMEOUT_SECS: '20', DELIVERY_ACK_TIMEOUT_MS: '1000' },
  });
  const owner = await createUser(server.url);
  const room = await createRoom(owner, { kind: 'private' });
  const reader = await connect(server.url, owner.token, { autoAck: false });
  // Stop reading from the TCP connection: the kernel buffers fill, then the server's queue.
  const tcp = reader.io.engine.transport.ws._socket;
  tcp.pause();
  const body = 'y'.repeat(5000);
  const started = Date.now();
  let sent = 0;
  await until(async () => {
    await Promise.all(Array.from({ length: 50 }, () => owner.api.post(`rooms/${room}/messages`, { clientId: randomUUID(), body })));
    sent += 50;
    return (await metric(server, 'switchboard_socket_overflows_total')) >= 1;
  }, 120_000, 'the socket queue to overflow');
  t.diagnostic(`the queue overflowed after ${sent} messages of 5,000 characters (${Date.now() - started} ms)`);
  assert.ok(server.logs.join('').includes("outgoing queue is full"), 'a log line says so');
  // The socket is gone from the server (at the latest at the next engine.io heartbeat).
  await until(async () => (await metric(server, 'switchboard_sockets_connected')) === 0, 60_000, 'the socket to be dropped');
  tcp.resume();
  reader.close();
});

test('a cookie handshake from another origin is refused; tokens need no origin', async (t) => {
  const server = await startServer(t);
  const user = await createUser(server.url);
  const handshake = (headers, auth) => new Promise((resolve) => {
    const socket = io(server.url, { transports: ['websocket'], reconnection: false, forceNew: true, extraHeaders: headers, auth });
    socket.once('connect', () => {
      socket.close();
      resolve('connected');
    });
    socket.once('connect_error', (err) => {
      socket.close();
      resolve(refusal(err).code);
    });
  });
  const cookie = `sb_session=${user.token}`;
  assert.equal(await handshake({ cookie, origin: 'https://evil.example' }), 'CSRF');
  assert.equal(await handshake({ cookie, origin: 'http://localhost:3000' }), 'connected');
  assert.equal(await handshake({ origin: 'https://evil.example' }, { token: user.token }), 'connected');
});

test('a live socket is checked again when its session expires', async (t) => {
  const databaseUrl = createPgDatabase(t);
  if (!databaseUrl) return;
  const server = await startServer(t, { databaseUrl, env: { SOCKET_SESSION_CHECK_SECS: '1' } });
  const user = await createUser(server.url);
  // Sessions that expire in three seconds. Use extends a session at most every five minutes:
  // one was used just now (nothing extends it), the other ten minutes ago (connecting does).
  const short = (lastUsed) => {
    const token = randomUUID().replaceAll('-', '') + randomUUID().replaceAll('-', '');
    const hash = createHash('sha256').update(token).digest('hex');
    const sql = `INSERT INTO sessions (id, token_hash, user_id, created_at, expires_at, last_used_at)
      VALUES ('${randomUUID()}', '${hash}', '${user.user.id}', now(), now() + interval '3 seconds', now() - interval '${lastUsed}')`;
    const done = spawnSync('psql', [databaseUrl, '-qc', sql], { encoding: 'utf8' });
    assert.equal(done.status, 0, done.stderr);
    return token;
  };
  const lapsing = await connect(server.url, short('0 seconds'));
  const renewedToken = short('10 minutes');
  const renewed = await connect(server.url, renewedToken);
  assert.equal((await api(server.url, renewedToken).get('auth/me')).status, 200);
  const revoked = await next(lapsing, 'session:revoked', () => true, 15_000);
  assert.ok(revoked.payload.reason);
  await until(() => lapsing.disconnected, 5000, 'the lapsed socket to close');
  assert.equal(renewed.connected, true, 'the extended session keeps its socket');
  renewed.close();
});

test('a ban made while Redis is down reaches the other instance once Redis is back', async (t) => {
  if (!requireRedis(t)) return;
  const port = await freePort();
  const redis = await ownRedis(t, port);
  const databaseUrl = createPgDatabase(t);
  if (!databaseUrl) return;
  const env = { REDIS_URL: `redis://127.0.0.1:${port}`, REDIS_PREFIX: `e2e-${randomUUID().slice(0, 8)}` };
  const a = await startServer(t, { databaseUrl, env: { ...env, INSTANCE_ID: 'a' } });
  const b = await startServer(t, { databaseUrl, env: { ...env, INSTANCE_ID: 'b' } });
  const victim = await createUser(a.url);
  const onB = await connect(b.url, victim.token);
  const revoked = next(onB, 'session:revoked', () => true, 30_000);
  await redis.stop();
  await until(async () => (await fetch(`${a.url}/readyz`).then((r) => r.json())).redis?.status === 'degraded', 10_000, 'a to notice');
  const admin = await login(a.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const banned = await admin.api.post(`admin/users/${victim.user.id}/ban`, { reason: 'while redis was down' });
  assert.equal(banned.status, 200);
  assert.equal(onB.connected, true, 'b could not hear of it yet');
  await redis.start();
  const notice = await revoked;
  assert.equal(notice.payload.reason, 'revoked');
  await until(() => onB.disconnected, 10_000, 'the banned socket to close');
  // And the banned user cannot come back.
  await assert.rejects(connect(b.url, victim.token), (err) => ['BANNED', 'UNAUTHENTICATED'].includes(err.code));
});
