// Operations end to end: Sentry events (through a local receiver of envelopes), JSON logs that
// carry request and user ids, a PostgreSQL outage (the test's own PostgreSQL), and a graceful
// shutdown under traffic.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync, spawn } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, rmSync, chownSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gunzipSync, inflateSync } from 'node:zlib';
import { randomUUID } from 'node:crypto';
import {
  api, call, connect, createPgDatabase, createRoom, createUser, inCi, login, sleep, startServer, until, ADMIN_EMAIL, ADMIN_PASSWORD,
} from '../lib/harness.mjs';
import { ReliableClient } from '../lib/reliable.mjs';

/** Receives Sentry envelopes; returns { dsn, events() }. */
async function sentryReceiver(t) {
  const envelopes = [];
  const server = createServer((req, res) => {
    const chunks = [];
    req.on('data', (c) => chunks.push(c));
    req.on('end', () => {
      let body = Buffer.concat(chunks);
      const encoding = req.headers['content-encoding'];
      if (encoding === 'gzip') body = gunzipSync(body);
      if (encoding === 'deflate') body = inflateSync(body);
      envelopes.push({ path: req.url, headers: req.headers, text: body.toString('utf8') });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{}');
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  const { port } = server.address();
  return {
    dsn: `http://publickey@127.0.0.1:${port}/42`,
    envelopes,
    events() {
      const events = [];
      for (const envelope of envelopes) {
        const lines = envelope.text.split('\n');
        for (let i = 1; i + 1 < lines.length; i += 2) {
          const header = JSON.parse(lines[i]);
          if (header.type === 'event') events.push({ event: JSON.parse(lines[i + 1]), raw: envelope.text });
        }
      }
      return events;
    },
  };
}

test('sentry receives server errors, panics and failing socket handlers, without secrets', async (t) => {
  const databaseUrl = createPgDatabase(t);
  if (!databaseUrl) return;
  const sentry = await sentryReceiver(t);
  const server = await startServer(t, {
    databaseUrl,
    env: { SENTRY_DSN: sentry.dsn, SENTRY_ENVIRONMENT: 'e2e', SWITCHBOARD_TEST_HOOKS: '1' },
  });
  const user = await createUser(server.url);
  const room = await createRoom(user);
  const message = await user.api.post(`rooms/${room}/messages`, { clientId: randomUUID(), body: 'react to me' });
  const socket = await connect(server.url, user.token);

  const panic = await fetch(`${server.url}/api/v1/_test/panic`, { headers: { authorization: `Bearer ${user.token}`, cookie: `sb_session=${user.token}` } });
  assert.equal(panic.status, 500);
  assert.equal((await panic.json()).code, 'INTERNAL');
  assert.equal((await fetch(`${server.url}/livez`)).status, 200, 'a panic does not kill the server');

  // Break the database under the server: a real 500 and a real failing socket handler.
  const dropped = spawnSync('psql', [databaseUrl, '-qc', 'DROP TABLE reactions CASCADE'], { encoding: 'utf8' });
  assert.equal(dropped.status, 0, dropped.stderr);
  const failed = await fetch(`${server.url}/api/v1/messages/${message.data.id}/reactions/%F0%9F%91%8D?token=secret-in-query`, {
    method: 'PUT',
    headers: { authorization: `Bearer ${user.token}` },
  });
  assert.equal(failed.status, 500);
  const requestId = failed.headers.get('x-request-id');
  const viaSocket = await call(socket, 'reaction:toggle', { messageId: message.data.id, emoji: '🎉' });
  assert.equal(viaSocket.code, 'INTERNAL');

  await until(() => sentry.events().length >= 3, 15_000, 'three sentry events');
  const events = sentry.events();
  for (const { event, raw } of events) {
    assert.equal(event.environment, 'e2e');
    assert.match(event.release, /^switchboard@\d+\.\d+\.\d+/);
    assert.ok(!raw.includes(user.token), 'no session token in any event');
    assert.ok(!raw.includes('secret-in-query'), 'query tokens are scrubbed');
  }
  const panicEvent = events.find(({ event }) => JSON.stringify(event).includes('deliberate panic'));
  assert.ok(panicEvent, 'the panic was reported');
  const serverError = events.find(({ event }) => event.tags?.request_id === requestId);
  assert.ok(serverError, `the 500 was reported with its request id: ${JSON.stringify(events.map((e) => e.event.tags))}`);
  assert.equal(serverError.event.tags.route, '/api/v1/messages/{id}/reactions/{emoji}');
  assert.equal(serverError.event.tags.user_id, user.user.id);
  assert.equal(serverError.event.tags.method, 'PUT');
  const socketError = events.find(({ event }) => event.tags?.event === 'reaction:toggle');
  assert.ok(socketError, 'the failing socket handler was reported');
  assert.equal(socketError.event.tags.user_id, user.user.id);
  socket.close();
});

test('SENTRY_TRACES_SAMPLE_RATE sends transactions for requests and socket events, without secrets', async (t) => {
  const sentry = await sentryReceiver(t);
  const server = await startServer(t, {
    env: { SENTRY_DSN: sentry.dsn, SENTRY_ENVIRONMENT: 'e2e', SENTRY_TRACES_SAMPLE_RATE: '1' },
  });
  const user = await createUser(server.url);
  const room = await createRoom(user);
  const rooms = await fetch(`${server.url}/api/v1/rooms/${room}?token=secret-in-query`, { headers: { authorization: `Bearer ${user.token}` } });
  assert.equal(rooms.status, 200);
  const socket = await connect(server.url, user.token);
  const sent = await call(socket, 'message:send', { roomId: room, clientId: randomUUID(), body: 'traced' });
  assert.equal(sent.ok, true);
  const transactions = () => {
    const found = [];
    for (const envelope of sentry.envelopes) {
      const lines = envelope.text.split('\n');
      for (let i = 1; i + 1 < lines.length; i += 2) {
        if (JSON.parse(lines[i]).type === 'transaction') found.push({ tx: JSON.parse(lines[i + 1]), raw: envelope.text });
      }
    }
    return found;
  };
  const named = (name) => transactions().find(({ tx }) => tx.transaction === name);
  await until(() => named('GET /api/v1/rooms/{id}') && named('message:send'), 15_000, 'both transactions');
  const http = named('GET /api/v1/rooms/{id}').tx;
  assert.equal(http.contexts.trace.op, 'http.server');
  assert.equal(http.environment, 'e2e');
  const event = named('message:send').tx;
  assert.equal(event.contexts.trace.op, 'socket.event');
  for (const { raw } of transactions()) {
    assert.ok(!raw.includes(user.token), 'no session token in a transaction');
    assert.ok(!raw.includes('secret-in-query'), 'no query string in a transaction');
  }
  socket.close();
});

test('a failing background job reaches sentry once, tagged with its kind and attempt, and moves the jobs metric', async (t) => {
  const sentry = await sentryReceiver(t);
  const model = createServer((req, res) => {
    req.resume();
    req.on('end', () => {
      res.writeHead(500, { 'content-type': 'application/json' });
      res.end('{"error":"model down"}');
    });
  });
  model.listen(0, '127.0.0.1');
  await once(model, 'listening');
  t.after(() => model.close());
  const server = await startServer(t, {
    env: {
      SENTRY_DSN: sentry.dsn,
      SENTRY_ENVIRONMENT: 'e2e',
      AI_PROVIDER: 'openai',
      AI_BASE_URL: `http://127.0.0.1:${model.address().port}/v1`,
      AI_API_KEY: 'sk-e2e-model-key',
      AI_TIMEOUT_SECS: '2',
      METRICS_TOKEN: 'e2e-metrics-token',
    },
  });
  const message = `My invoice is wrong ${randomUUID()}`;
  const ticket = await api(server.url).post('support/tickets', {
    name: 'Jo Customer', email: 'jo@e2e.example', subject: 'Invoice', message, department: 'billing',
  });
  assert.equal(ticket.status, 201, JSON.stringify(ticket.body));
  const jobEvents = () => sentry.events().filter(({ event }) => event.tags?.job_kind === 'assistant.refresh');
  await until(() => jobEvents().length >= 1, 30_000, 'the failed job in sentry');
  const [{ event, raw }] = jobEvents();
  assert.equal(event.tags.attempt, '1');
  assert.equal(event.environment, 'e2e');
  assert.ok(!raw.includes('sk-e2e-model-key'), 'no API key in the event');
  assert.ok(!raw.includes(message), 'no ticket content in the event');
  assert.ok(!raw.includes(ticket.data.token), 'no follow link token in the event');
  const scrape = async () => {
    const res = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer e2e-metrics-token' } });
    assert.equal(res.status, 200);
    return res.text();
  };
  const retries = (text) => Number(text.match(/^switchboard_jobs_total\{kind="assistant\.refresh",outcome="retry"\} (\d+)/m)?.[1] ?? 0);
  assert.ok(retries(await scrape()) >= 1, 'the failure is counted');
  // The retry two seconds later fails again: counted, but not sent again.
  await until(async () => retries(await scrape()) >= 2, 30_000, 'the second failure counted');
  await sleep(1000);
  assert.equal(jobEvents().length, 1, 'retries after the first failure are not re-reported');
});

test('JSON logs carry the request id and the user of every request', async (t) => {
  const server = await startServer(t, { env: { RUST_LOG: 'warn,switchboard=debug' } });
  const user = await createUser(server.url);
  const res = await fetch(`${server.url}/api/v1/rooms`, { headers: { authorization: `Bearer ${user.token}` } });
  const requestId = res.headers.get('x-request-id');
  await until(() => server.logs.join('').includes(requestId), 5000, 'the request in the logs');
  const lines = server.logs.join('').split('\n').filter((l) => l.includes(requestId)).map((l) => JSON.parse(l));
  const done = lines.find((l) => l.message === 'request');
  assert.ok(done, JSON.stringify(lines));
  assert.equal(done.span.request_id, requestId);
  assert.equal(done.span.route, '/api/v1/rooms');
  assert.equal(done.span.user_id, user.user.id);
  assert.equal(done.status, 200);
});

/** A private PostgreSQL on a free port, run as the postgres user. */
async function ownPostgres(t) {
  const bin = readdirSync('/usr/lib/postgresql').map((v) => `/usr/lib/postgresql/${v}/bin`)[0];
  if (!bin) {
    if (inCi) throw new Error('PostgreSQL binaries are required in CI');
    t.skip('no PostgreSQL binaries');
    return null;
  }
  const dir = mkdtempSync(join(tmpdir(), 'sb-pg-'));
  const pgUser = spawnSync('id', ['-u', 'postgres'], { encoding: 'utf8' });
  const uid = Number(pgUser.stdout.trim());
  chownSync(dir, uid, Number(spawnSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).stdout.trim()));
  const data = join(dir, 'data');
  const asPostgres = (args) => spawnSync('runuser', ['-u', 'postgres', '--', ...args], { encoding: 'utf8' });
  const init = asPostgres([`${bin}/initdb`, '-D', data, '-A', 'trust', '-U', 'postgres']);
  assert.equal(init.status, 0, init.stderr);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const ctl = (action) => asPostgres([`${bin}/pg_ctl`, '-D', data, '-o', `-p ${port} -k ${dir} -c listen_addresses=127.0.0.1`, '-l', join(dir, 'log'), '-w', '-m', 'immediate', action]);
  const started = ctl('start');
  assert.equal(started.status, 0, started.stderr + started.stdout);
  t.after(() => {
    ctl('stop');
    rmSync(dir, { recursive: true, force: true });
  });
  return { url: `postgres://postgres@127.0.0.1:${port}/postgres`, stop: () => ctl('stop'), start: () => ctl('start') };
}

test('a PostgreSQL outage fails requests fast with DB_UNAVAILABLE, keeps sockets, and recovers by itself', async (t) => {
  const pg = await ownPostgres(t);
  if (!pg) return;
  const server = await startServer(t, { databaseUrl: pg.url });
  const user = await createUser(server.url);
  const room = await createRoom(user);
  const socket = await connect(server.url, user.token);
  assert.equal((await call(socket, 'message:send', { roomId: room, clientId: randomUUID(), body: 'before' })).ok, true);
  assert.equal(pg.stop().status, 0);
  const started = Date.now();
  const during = await fetch(`${server.url}/api/v1/rooms`, { headers: { authorization: `Bearer ${user.token}` } });
  const elapsed = Date.now() - started;
  assert.equal(during.status, 503);
  assert.equal((await during.json()).code, 'DB_UNAVAILABLE');
  assert.ok(elapsed < 8000, `failed fast (${elapsed} ms)`);
  const ready = await fetch(`${server.url}/readyz`);
  assert.equal(ready.status, 503);
  assert.equal((await ready.json()).database.status, 'down');
  const send = await call(socket, 'message:send', { roomId: room, clientId: 'kept-in-outbox', body: 'during' });
  assert.equal(send.code, 'DB_UNAVAILABLE');
  assert.ok(socket.connected, 'sockets stay connected');
  assert.equal(pg.start().status, 0);
  await until(async () => (await fetch(`${server.url}/readyz`)).status === 200, 20_000, 'ready again');
  const retried = await call(socket, 'message:send', { roomId: room, clientId: 'kept-in-outbox', body: 'during' });
  assert.equal(retried.ok, true, JSON.stringify(retried));
  assert.equal(retried.data.seq, 2);
  socket.close();
});

test('a socket.io-client that retries refusals as documented rides out a PostgreSQL restart and misses nothing', async (t) => {
  const pg = await ownPostgres(t);
  if (!pg) return;
  const server = await startServer(t, { databaseUrl: pg.url });
  const sender = await createUser(server.url);
  const reader = await createUser(server.url);
  const room = await createRoom(sender, { members: [reader] });
  const out = await connect(server.url, sender.token);
  const client = new ReliableClient([server.url], reader.token, [room]);
  await client.start();
  t.after(() => client.close());
  // Sends are retried with the same clientId until stored, as the web client's outbox does.
  let sent = 0;
  const send = async () => {
    const clientId = randomUUID();
    for (;;) {
      const answer = await call(out, 'message:send', { roomId: room, clientId, body: `m${sent}` }).catch(() => null);
      if (answer?.ok) break;
      await sleep(200);
    }
    sent += 1;
  };
  for (let i = 0; i < 5; i += 1) await send();
  assert.equal(pg.stop().status, 0);
  // The reader's connection drops while the database is down: its reconnect is refused with a
  // retryable DB_UNAVAILABLE until the database is back.
  client.cut();
  await until(() => client.refusals.includes('DB_UNAVAILABLE'), 10_000, 'a retryable refusal');
  const during = send();
  await sleep(2500);
  assert.equal(pg.start().status, 0);
  await during;
  for (let i = 0; i < 5; i += 1) await send();
  await until(() => client.total() === sent, 20_000, `all ${sent} messages at the reader`);
  assert.deepEqual(client.check(new Map([[room, sent]])), []);
  assert.ok(client.socket.connected, 'the reader is connected again');
  out.close();
});

test('SIGTERM under traffic loses no acknowledged message, exits 0 in time, and logs no error', async (t) => {
  const sentry = await sentryReceiver(t);
  const server = await startServer(t, {
    env: { SHUTDOWN_TIMEOUT_SECS: '10', SENTRY_DSN: sentry.dsn, SENTRY_ENVIRONMENT: 'e2e', DELIVERY_ACK_TIMEOUT_MS: '300' },
  });
  const user = await createUser(server.url);
  const quiet = await createUser(server.url);
  const room = await createRoom(user, { members: [quiet] });
  const sockets = await Promise.all([1, 2, 3].map(() => connect(server.url, user.token)));
  // Readers that do not acknowledge keep re-sends and their timers busy through the shutdown.
  const silent = await Promise.all([1, 2].map(() => connect(server.url, quiet.token, { autoAck: false })));
  const acked = [];
  let running = true;
  const senders = sockets.map(async (socket, n) => {
    let i = 0;
    while (running && socket.connected) {
      try {
        const answer = await call(socket, 'message:send', { roomId: room, clientId: `s${n}-${i}`, body: `m${n}-${i}` }, 3000);
        if (answer.ok) acked.push(answer.data.id);
      } catch {
        // the socket closed during shutdown: that send was never acknowledged
      }
      i += 1;
    }
  });
  await sleep(1500);
  const stopping = Date.now();
  const exit = server.stop();
  const { code } = await exit;
  running = false;
  await Promise.all(senders);
  for (const socket of silent) socket.close();
  assert.equal(code, 0);
  assert.ok(Date.now() - stopping < 12_000, 'within the deadline');
  assert.ok(acked.length > 10, `traffic flowed (${acked.length} acked)`);
  // An orderly shutdown is quiet: no error-level line, no Sentry event.
  const errors = server.logs.join('').split('\n')
    .filter((line) => line.startsWith('{'))
    .map((line) => JSON.parse(line))
    .filter((entry) => entry.level === 'ERROR');
  assert.deepEqual(errors.map((e) => e.message), [], 'error lines during the shutdown');
  assert.deepEqual(sentry.events().map((e) => e.event.message ?? e.event.exception?.values?.[0]?.value), [], 'sentry events');
  // Everything acknowledged is in the database.
  const again = await startServer(t, { databaseUrl: server.databaseUrl });
  const reader = await login(again.url, user.user.email);
  const stored = new Set();
  let after = 0;
  for (;;) {
    const page = await reader.api.get(`rooms/${room}/messages?after=${after}&limit=100`);
    for (const m of page.data.items) stored.add(m.id);
    if (!page.data.nextCursor) break;
    after = Number(page.data.nextCursor);
  }
  const lost = acked.filter((id) => !stored.has(id));
  assert.deepEqual(lost, [], `${lost.length} acknowledged messages missing`);
  t.diagnostic(`${acked.length} acknowledged messages, all stored; shutdown took ${Date.now() - stopping} ms`);
});

test('with SHUTDOWN_DRAIN_SECS, readiness fails first while requests and sockets are still served', async (t) => {
  const server = await startServer(t, { env: { SHUTDOWN_TIMEOUT_SECS: '10', SHUTDOWN_DRAIN_SECS: '2' } });
  const user = await createUser(server.url);
  const room = await createRoom(user);
  const socket = await connect(server.url, user.token);
  t.after(() => socket.close());
  assert.equal((await fetch(`${server.url}/readyz`)).status, 200);
  const stopping = Date.now();
  const exit = server.stop();
  await until(async () => (await fetch(`${server.url}/readyz`)).status === 503, 1500, 'readiness failing');
  // Draining: the API and the socket still work.
  assert.equal((await fetch(`${server.url}/livez`)).status, 200);
  assert.equal((await user.api.get('rooms')).status, 200);
  assert.equal((await call(socket, 'message:send', { roomId: room, clientId: randomUUID(), body: 'while draining' })).ok, true);
  const closed = new Promise((resolveClosed) => socket.once('disconnect', resolveClosed));
  await closed;
  const drained = Date.now() - stopping;
  assert.ok(drained >= 1800, `sockets were closed after the drain (${drained} ms)`);
  assert.equal((await exit).code, 0);
});
