// Two instances on one PostgreSQL and one Redis (the test's own redis-server, never the shared
// one): users on different instances chat; Redis restarts; nothing is lost or doubled; and a
// bounded jitter run where every connection is cut again and again.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { randomUUID } from 'node:crypto';
import {
  call, connect, createPgDatabase, createRoom, createUser, freePort, next, ownRedis, requireRedis, sleep, startServer, until,
} from '../lib/harness.mjs';
import { ReliableClient } from '../lib/reliable.mjs';

async function twoInstances(t, redisPort, extraEnv = {}) {
  const databaseUrl = createPgDatabase(t);
  if (!databaseUrl) return null;
  const env = { REDIS_URL: `redis://127.0.0.1:${redisPort}`, REDIS_PREFIX: `e2e-${randomUUID().slice(0, 8)}`, ...extraEnv };
  const a = await startServer(t, { databaseUrl, env: { ...env, INSTANCE_ID: 'a' } });
  const b = await startServer(t, { databaseUrl, env: { ...env, INSTANCE_ID: 'b' } });
  return { a, b };
}

test('two instances share rooms through Redis and survive a Redis restart', async (t) => {
  if (!requireRedis(t)) return;
  const port = await freePort();
  const redis = await ownRedis(t, port);
  const servers = await twoInstances(t, port);
  if (!servers) return;
  const { a, b } = servers;
  const alice = await createUser(a.url, { name: 'Alice' });
  const bob = await createUser(b.url, { name: 'Bob' });
  const room = await createRoom(alice, { members: [bob] });

  const onA = await connect(a.url, alice.token);
  const bobOnline = next(onA, 'presence', (p) => p.userId === bob.user.id && p.online);
  const bobClient = new ReliableClient([b.url], bob.token, [room]);
  await bobClient.start();
  await bobOnline;
  const send = (body) => call(onA, 'message:send', { roomId: room, clientId: randomUUID(), body });

  assert.equal((await send('across instances')).data.seq, 1);
  await until(() => bobClient.total() === 1, 5000, 'cross-instance delivery');
  // Adapter broadcasts (not the delivery bus) cross too.
  const typing = new Promise((resolve) => bobClient.socket.once('typing', resolve));
  await call(onA, 'typing', { roomId: room, typing: true });
  assert.equal((await typing).userId, alice.user.id);
  const members = await bob.api.get(`rooms/${room}/members`);
  assert.ok(members.data.items.every((m) => m.online), 'presence is cluster-wide');

  await redis.stop();
  await until(async () => (await fetch(`${a.url}/readyz`).then((r) => r.json())).redis?.status === 'degraded', 10_000, 'readiness degraded');
  const ready = await fetch(`${a.url}/readyz`);
  assert.equal(ready.status, 200, 'the database is fine: still ready, degraded');
  const during = [];
  for (let i = 0; i < 5; i += 1) {
    const answer = await send(`during outage ${i}`);
    assert.equal(answer.ok, true, 'sends keep working without Redis');
    during.push(answer.data.seq);
  }
  assert.deepEqual(during, [2, 3, 4, 5, 6]);

  const restarted = Date.now();
  await redis.start();
  await until(async () => (await fetch(`${a.url}/readyz`).then((r) => r.json())).redis?.status === 'ok', 10_000, 'readiness ok again');
  // Live cross-instance delivery comes back by itself, and the outage is caught up by sync.
  let probes = 0;
  await until(async () => {
    probes += 1;
    await send(`probe ${probes}`);
    await sleep(200);
    return bobClient.check([[room, 6 + probes]]).length === 0;
  }, 5000, 'cross-instance delivery after the restart');
  const recovered = Date.now() - restarted;
  t.diagnostic(`cross-instance delivery resumed ${recovered} ms after Redis restarted (${probes} probes)`);
  assert.ok(recovered < 10_000);
  // The adapter's sharded channels were re-subscribed: adapter broadcasts cross again.
  const typingAgain = new Promise((resolve) => bobClient.socket.once('typing', resolve));
  await sleep(2100);
  await call(onA, 'typing', { roomId: room, typing: true });
  assert.equal((await typingAgain).userId, alice.user.id);
  const edited = new Promise((resolve) => bobClient.socket.once('message:updated', resolve));
  const first = (await alice.api.get(`rooms/${room}/messages?limit=1&after=0`)).data.items[0];
  await call(onA, 'message:edit', { messageId: first.id, body: 'edited after the restart' });
  assert.equal((await edited).body, 'edited after the restart');
  assert.deepEqual(bobClient.check([[room, 6 + probes]]), []);
  onA.close();
  bobClient.close();
});

/** Runs redis-cli against the test's own Redis; resolves with its output. */
async function redisCli(port, ...args) {
  const cli = spawn('redis-cli', ['-p', String(port), ...args], { stdio: ['ignore', 'pipe', 'ignore'] });
  let out = '';
  cli.stdout.on('data', (d) => { out += d; });
  await once(cli, 'exit');
  return out.trim();
}

test('only the command connections to Redis drop: readiness and cluster broadcasts come back by themselves', async (t) => {
  if (!requireRedis(t)) return;
  const port = await freePort();
  await ownRedis(t, port);
  const servers = await twoInstances(t, port);
  if (!servers) return;
  const { a, b } = servers;
  const alice = await createUser(a.url);
  const bob = await createUser(b.url);
  const room = await createRoom(alice, { members: [bob] });
  const onA = await connect(a.url, alice.token);
  const onB = await connect(b.url, bob.token);
  t.after(() => { onA.close(); onB.close(); });
  // Subscribed connections are of type pubsub; this leaves them alone.
  const killed = Number(await redisCli(port, 'CLIENT', 'KILL', 'TYPE', 'normal', 'SKIPME', 'yes'));
  assert.ok(killed >= 2, `killed ${killed} command connections`);
  await until(async () => {
    const ready = await Promise.all([a, b].map((s) => fetch(`${s.url}/readyz`).then((r) => r.json())));
    return ready.every((r) => r.redis?.status === 'ok');
  }, 10_000, 'readiness ok on both instances');
  // Adapter broadcasts still cross (they go local-only while Redis is believed down).
  await sleep(2100);
  const typing = next(onB, 'typing', (p) => p.userId === alice.user.id);
  await call(onA, 'typing', { roomId: room, typing: true });
  await typing;
  const added = next(onB, 'member:added', (p) => p.roomId === room);
  const carol = await createUser(a.url);
  assert.equal((await alice.api.post(`rooms/${room}/members`, { userId: carol.user.id })).status, 201);
  await added;
});

test('users of an instance that died go offline for everyone else', async (t) => {
  if (!requireRedis(t)) return;
  const port = await freePort();
  await ownRedis(t, port);
  const servers = await twoInstances(t, port);
  if (!servers) return;
  const { a, b } = servers;
  const alice = await createUser(a.url);
  const bob = await createUser(b.url);
  await createRoom(alice, { members: [bob] });
  const onA = await connect(a.url, alice.token);
  t.after(() => onA.close());
  const online = next(onA, 'presence', (p) => p.userId === bob.user.id && p.online);
  await connect(b.url, bob.token);
  await online;
  // kill -9: b cannot withdraw its presence; a notices it stopped refreshing (30 s) at its
  // next heartbeat (10 s).
  const offline = next(onA, 'presence', (p) => p.userId === bob.user.id && !p.online, 50_000);
  await b.kill();
  const since = Date.now();
  await offline;
  t.diagnostic(`offline announced ${Date.now() - since} ms after the kill`);
});

test('jitter: 100 clients in 10 rooms, connections cut at random, 2000 messages, none lost or doubled', async (t) => {
  if (!requireRedis(t)) return;
  const port = await freePort();
  await ownRedis(t, port);
  const servers = await twoInstances(t, port, { DELIVERY_ACK_TIMEOUT_MS: '2000', RUST_LOG: 'warn,switchboard=info' });
  if (!servers) return;
  const { a, b } = servers;
  const urls = [a.url, b.url];
  const ROOMS = 10;
  const PER_ROOM = 10;
  const MESSAGES = Number(process.env.JITTER_MESSAGES ?? 2000);
  const owner = await createUser(a.url);
  const people = [];
  for (let i = 0; i < ROOMS * PER_ROOM; i += 1) people.push(await createUser(urls[i % 2]));
  const rooms = [];
  for (let r = 0; r < ROOMS; r += 1) {
    rooms.push(await createRoom(owner, { members: people.slice(r * PER_ROOM, (r + 1) * PER_ROOM) }));
  }
  const clients = people.map((p, i) => new ReliableClient(i % 3 === 0 ? [...urls].reverse() : urls, p.token, [rooms[Math.floor(i / PER_ROOM)]]));
  await Promise.all(clients.map((c) => c.start()));

  // Cut connections at random while the messages flow: each client every 1.5-4.5 s.
  let cutting = true;
  let cuts = 0;
  const cutters = clients.map(async (client) => {
    while (cutting) {
      await sleep(1500 + Math.random() * 3000);
      if (!cutting) break;
      client.cut();
      cuts += 1;
    }
  });
  const sender = await connect(a.url, owner.token);
  const senderB = await connect(b.url, owner.token);
  const expected = new Map(rooms.map((r) => [r, 0]));
  const started = Date.now();
  // One sequential sender per room, all rooms at once, alternating instances.
  await Promise.all(rooms.map(async (roomId, r) => {
    for (let i = r; i < MESSAGES; i += ROOMS) {
      const via = i % 2 === 0 ? sender : senderB;
      const answer = await call(via, 'message:send', { roomId, clientId: randomUUID(), body: `m${i}` });
      assert.equal(answer.ok, true, JSON.stringify(answer));
      expected.set(roomId, Math.max(expected.get(roomId), answer.data.seq));
    }
  }));
  cutting = false;
  await Promise.all(cutters);
  const sendSecs = (Date.now() - started) / 1000;
  // Everyone settles: connected, synced, complete.
  const complete = (c) => {
    const room = c.cursors.keys().next().value;
    return c.socket.connected && c.check([[room, expected.get(room)]]).length === 0;
  };
  await until(() => clients.every(complete), 60_000, 'every client complete').catch((err) => {
    const stuck = clients.filter((c) => !complete(c));
    t.diagnostic(`${stuck.length} clients incomplete: ${stuck.slice(0, 5).map((c) => `sid=${c.socket.id} url=${c.socket.io.uri} connected=${c.socket.connected} syncing=${!!c.syncing} syncs=${c.syncs} reconnects=${c.reconnects}`).join('; ')}`);
    for (const c of stuck.slice(0, 2)) {
      for (const server of [a, b]) {
        const lines = server.logs.join('').split('\n').filter((l) => l.includes(c.socket.id) || l.includes('"WARN"') || l.includes('"ERROR"'));
        t.diagnostic(`${server.url}: ${lines.slice(-15).join('\n')}`);
      }
    }
  });
  const problems = clients.flatMap((c) => {
    const room = c.cursors.keys().next().value;
    return c.check([[room, expected.get(room)]]);
  });
  assert.deepEqual(problems, []);
  const dupes = clients.reduce((n, c) => n + c.wireDuplicates, 0);
  const syncs = clients.reduce((n, c) => n + c.syncs, 0);
  t.diagnostic(`${MESSAGES} messages in ${sendSecs.toFixed(1)} s, ${cuts} cuts, ${syncs} syncs, ${dupes} duplicate deliveries dropped by clients; every client has every message of its room exactly once, in order`);
  sender.close();
  senderB.close();
  for (const c of clients) c.close();
});
