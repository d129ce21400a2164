// What an operator sees, end to end against the binary: rolling log files and their retention,
// the slow request and slow query log, rate limits falling back when Redis goes away, a
// delivery-failure alert through the jobs queue, telemetry across a restart, and the metrics
// listener of METRICS_ADDR.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  ADMIN_EMAIL, ADMIN_PASSWORD, api, call, connect, createRoom, createUser, freePort, login, next, ownRedis,
  requireRedis, sleep, startServer, until,
} from '../lib/harness.mjs';

/** The JSON log lines in `text` (other output, such as the startup banner, is skipped). */
function jsonLines(text) {
  return text.split('\n').flatMap((line) => {
    if (!line.startsWith('{')) return [];
    try {
      return [JSON.parse(line)];
    } catch {
      return []; // a line still being written
    }
  });
}

const serverLines = (server) => jsonLines(server.logs.join(''));

/** The sum of a series over its label sets: `name` alone, or `name{labels}` exactly. */
function metric(text, series) {
  return text.split('\n').reduce((sum, line) => {
    const [key, value] = line.split(' ');
    const matches = key === series || (!series.includes('{') && key.startsWith(`${series}{`));
    return matches ? sum + Number(value) : sum;
  }, 0);
}

/** Receives Slack-compatible webhook posts; returns { url, bodies }. */
async function webhookReceiver(t) {
  const bodies = [];
  const server = createServer(async (req, res) => {
    let text = '';
    for await (const chunk of req) text += chunk;
    bodies.push(JSON.parse(text));
    res.writeHead(200, { 'content-type': 'text/plain' });
    res.end('ok');
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  t.after(() => server.close());
  return { url: `http://127.0.0.1:${server.address().port}/hooks/alerts`, bodies };
}

const utcDay = () => new Date().toISOString().slice(0, 10);

test('LOG_DIR: JSON lines with the request id go to a daily file; files past LOG_RETENTION_DAYS are pruned at startup', async (t) => {
  const logDir = mkdtempSync(join(tmpdir(), 'sb-logs-'));
  t.after(() => rmSync(logDir, { recursive: true, force: true }));
  const old = ['2020-01-01', '2020-01-02', '2020-01-03', '2020-01-04'].map((day) => `switchboard.${day}.log`);
  for (const name of old) {
    writeFileSync(join(logDir, name), '{}\n');
    // The appender prunes the earliest created files: give each its own creation time.
    await sleep(20);
  }
  writeFileSync(join(logDir, 'notes.txt'), 'not a log file');
  const dayBefore = utcDay();
  const server = await startServer(t, { env: { LOG_DIR: logDir, LOG_RETENTION_DAYS: '3', RUST_LOG: 'warn,switchboard=debug' } });
  const dayAfter = utcDay();

  const files = readdirSync(logDir);
  const today = files.find((f) => !old.includes(f) && f !== 'notes.txt');
  assert.ok([`switchboard.${dayBefore}.log`, `switchboard.${dayAfter}.log`].includes(today), `today's file: ${files}`);
  // Three files kept: the two newest old ones and today's; other files are left alone.
  assert.deepEqual(files.sort(), ['notes.txt', ...old.slice(2), today].sort());

  const user = await createUser(server.url);
  const res = await fetch(`${server.url}/api/v1/rooms`, { headers: { authorization: `Bearer ${user.token}` } });
  assert.equal(res.status, 200);
  const requestId = res.headers.get('x-request-id');
  const fileLines = () => jsonLines(readFileSync(join(logDir, today), 'utf8'));
  await until(() => fileLines().some((l) => l.span?.request_id === requestId && l.message === 'request'), 5000, 'the request in the log file');
  const line = fileLines().find((l) => l.span?.request_id === requestId && l.message === 'request');
  assert.equal(line.span.route, '/api/v1/rooms');
  assert.equal(line.span.user_id, user.user.id);
  assert.equal(line.status, 200);
  assert.ok(fileLines().some((l) => l.message?.startsWith('listening on ')), 'startup lines are in the file too');
});

test('SLOW_REQUEST_MS=0 and SLOW_QUERY_MS=0: requests and queries are logged at warn with route, status, duration and query name', async (t) => {
  const server = await startServer(t, { env: { SLOW_REQUEST_MS: '0', SLOW_QUERY_MS: '0' } });
  const user = await createUser(server.url);
  const room = await createRoom(user);
  const res = await fetch(`${server.url}/api/v1/rooms/${room}/messages`, { headers: { authorization: `Bearer ${user.token}` } });
  assert.equal(res.status, 200);
  const requestId = res.headers.get('x-request-id');
  const ofRequest = () => serverLines(server).filter((l) => l.span?.request_id === requestId);
  await until(() => ofRequest().some((l) => l.message === 'slow request'), 5000, 'the slow request line');
  const slow = ofRequest().find((l) => l.message === 'slow request');
  assert.equal(slow.level, 'WARN');
  assert.equal(slow.span.method, 'GET');
  assert.equal(slow.span.route, '/api/v1/rooms/{id}/messages');
  assert.equal(slow.span.user_id, user.user.id);
  assert.equal(slow.status, 200);
  assert.equal(typeof slow.duration_ms, 'number');
  const queries = ofRequest().filter((l) => l.message === 'slow query');
  const listed = queries.find((l) => l.query === 'list_messages');
  assert.ok(listed, `the query is named: ${JSON.stringify(queries.map((l) => l))}`);
  assert.equal(listed.level, 'WARN');
  assert.equal(typeof listed.elapsed_ms, 'number');
  // A socket event's slow query carries the event's ids too (RUST_LOG is warn here).
  const socket = await connect(server.url, user.token);
  t.after(() => socket.close());
  assert.equal((await call(socket, 'message:send', { roomId: room, clientId: randomUUID(), body: 'timed' })).ok, true);
  const inserted = () => serverLines(server).find((l) => l.query === 'insert_message' && l.span?.name === 'socket_event');
  await until(inserted, 5000, 'the socket event\'s slow query');
  assert.equal(inserted().span.event, 'message:send');
  assert.equal(inserted().span.user_id, user.user.id);
  assert.equal(inserted().span.room_id, room);
});

test('with its Redis gone, rate limits fall back to the in-process tier: still enforced, counted, logged once', async (t) => {
  if (!requireRedis(t)) return;
  const redisPort = await freePort();
  const redis = await ownRedis(t, redisPort);
  const server = await startServer(t, {
    env: { REDIS_URL: `redis://127.0.0.1:${redisPort}`, RATE_LIMIT_REST_IP: '3/60s', METRICS_TOKEN: 'e2e-metrics-token' },
  });
  const scrape = async () => (await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer e2e-metrics-token' } })).text();
  const anon = api(server.url);
  assert.equal((await anon.get('config')).status, 200, 'spent in Redis');
  const before = await scrape();
  assert.equal(metric(before, 'switchboard_rate_limit_fallbacks_total'), 0);

  await redis.stop();
  await until(async () => (await (await fetch(`${server.url}/readyz`)).json()).redis?.status === 'degraded', 10_000, 'Redis seen down');
  const statuses = [];
  for (let i = 0; i < 6; i += 1) {
    const res = await anon.get('config');
    statuses.push(res.status);
    if (res.status === 429) assert.equal(res.body.code, 'RATE_LIMITED');
  }
  // The local tier has its own fresh bucket of 3.
  assert.deepEqual(statuses, [200, 200, 200, 429, 429, 429]);
  const after = await scrape();
  assert.ok(metric(after, 'switchboard_rate_limit_fallbacks_total') >= 6, after);
  assert.ok(metric(after, 'switchboard_rate_limited_total{action="rest_ip"}') >= 3);
  const logged = serverLines(server).filter((l) => l.message?.startsWith('rate limits: redis failed'));
  assert.equal(logged.length, 1, 'six fallbacks within a minute are logged once');
  assert.equal(logged[0].level, 'WARN');
});

test('delivery give-ups past ALERT_DELIVERY_FAILURE_THRESHOLD post a webhook alert through the jobs table', async (t) => {
  const hook = await webhookReceiver(t);
  const env = {
    ALERT_WEBHOOK_URL: hook.url,
    ALERT_DELIVERY_FAILURE_THRESHOLD: '2',
    SENTRY_ENVIRONMENT: 'e2e',
    DELIVERY_ACK_TIMEOUT_MS: '50',
    DELIVERY_MAX_RETRIES: '1',
  };
  const server = await startServer(t, { env });
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const room = await createRoom(alice, { members: [bob] });
  const silent = await connect(server.url, bob.token, { autoAck: false });
  for (const body of ['one', 'two']) {
    assert.equal((await alice.api.post(`rooms/${room}/messages`, { clientId: randomUUID(), body })).status, 201);
  }
  // One give-up per socket and room, counting every message it covered.
  const gaveUp = () => serverLines(server)
    .filter((l) => l.message === 'delivery given up after retries')
    .reduce((n, l) => n + Number(l.messages), 0);
  await until(() => gaveUp() === 2, 10_000, 'two deliveries given up');
  silent.close();
  // Rollups are written per finished minute and alerts checked every 30 s; rather than wait for
  // both, stop (SIGTERM writes the partial minute) and start again: the check runs at startup.
  assert.equal((await server.stop()).code, 0);
  const again = await startServer(t, { databaseUrl: server.databaseUrl, env });
  await until(() => hook.bodies.length >= 1, 15_000, 'the webhook alert');
  const [alert] = hook.bodies;
  assert.match(alert.text, /^:rotating_light: \*Switchboard \(e2e\)\*: 2 message deliveries given up in the last 5 min \(threshold 2\)/);
  const db = again.databaseUrl.replace(/^sqlite:\/\//, '');
  const jobs = () => spawnSync('sqlite3', [db, "SELECT subject, json_extract(payload, '$.state'), done_at IS NOT NULL FROM jobs WHERE kind = 'alert'"], { encoding: 'utf8' });
  await until(() => jobs().stdout.trim() === 'delivery_failures|firing|1', 5000, 'the alert job done');
  assert.equal(hook.bodies.length, 1);
});

test('telemetry: minutes before a restart stay on the dashboard, with socket round trips measured from acks', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const room = await createRoom(alice, { members: [bob] });
  const a = await connect(server.url, alice.token);
  await connect(server.url, bob.token);
  const acked = next(a, 'receipt', (r) => r.kind === 'delivered' && r.userId === bob.user.id && r.seq === 3);
  for (let i = 1; i <= 3; i += 1) {
    assert.equal((await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: `m${i}` })).ok, true);
  }
  await acked;
  assert.equal((await server.stop()).code, 0);

  const again = await startServer(t, { databaseUrl: server.databaseUrl });
  const admin = await login(again.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const view = await admin.api.get('admin/telemetry?window=1h');
  assert.equal(view.status, 200);
  const { series } = view.data;
  const total = (field) => series.reduce((sum, p) => sum + p[field], 0);
  // Only the first instance sent messages.
  assert.equal(total('messages'), 3, JSON.stringify(series));
  assert.ok(total('requests') >= 5);
  const measured = series.find((p) => p.rttP50Ms !== null);
  assert.ok(measured, `a round trip was measured: ${JSON.stringify(series)}`);
  assert.equal(typeof measured.rttP95Ms, 'number');
  assert.ok(measured.rttP50Ms > 0 && measured.rttP95Ms >= measured.rttP50Ms);
  assert.equal(view.data.topRooms[0].roomId, room);
});

test('METRICS_ADDR: /metrics on its own listener without a token, and socket, delivery, rate-limit and Redis series move', async (t) => {
  if (!requireRedis(t)) return;
  const redisPort = await freePort();
  const redis = await ownRedis(t, redisPort);
  const metricsPort = await freePort();
  const server = await startServer(t, {
    env: {
      METRICS_ADDR: `127.0.0.1:${metricsPort}`,
      METRICS_TOKEN: 'not-for-the-main-port',
      REDIS_URL: `redis://127.0.0.1:${redisPort}`,
      DELIVERY_ACK_TIMEOUT_MS: '500',
      DELIVERY_MAX_RETRIES: '2',
      RATE_LIMIT_SEARCH: '1/60s',
    },
  });
  const metricsUrl = `http://127.0.0.1:${metricsPort}/metrics`;
  await until(async () => (await fetch(metricsUrl).catch(() => null))?.status === 200, 10_000, 'the metrics listener');
  const scrape = async () => (await fetch(metricsUrl)).text();
  const main = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer not-for-the-main-port' } });
  assert.equal(main.status, 404, 'not on the main port, token or not');
  const before = await scrape();
  const grew = (now, series) => metric(now, series) - metric(before, series);

  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const room = await createRoom(alice, { members: [bob] });
  const listening = await connect(server.url, bob.token);
  const silent = await connect(server.url, bob.token, { autoAck: false });
  assert.equal((await alice.api.post(`rooms/${room}/messages`, { clientId: randomUUID(), body: 'count me' })).status, 201);
  await until(async () => grew(await scrape(), 'switchboard_delivery_failures_total') === 1, 10_000, 'the give-up counted');
  let now = await scrape();
  assert.equal(grew(now, 'switchboard_sockets_connected'), 2);
  assert.equal(grew(now, 'switchboard_socket_connects_total'), 2);
  assert.ok(grew(now, 'switchboard_delivery_ack_seconds_count') >= 1, 'the listening socket acked');
  assert.ok(grew(now, 'switchboard_delivery_retries_total') >= 2, 'the silent one got two retries');

  assert.equal((await bob.api.get('search?q=count')).status, 200);
  assert.equal((await bob.api.get('search?q=count')).status, 429);
  listening.close();
  silent.close();
  await until(async () => grew(await scrape(), 'switchboard_sockets_connected') === 0, 5000, 'sockets gone');
  now = await scrape();
  assert.equal(grew(now, 'switchboard_socket_disconnects_total{reason="client_disconnect"}'), 2);
  assert.equal(grew(now, 'switchboard_rate_limited_total{action="search"}'), 1);

  await redis.stop();
  await until(async () => grew(await scrape(), 'switchboard_redis_errors_total') > 0, 10_000, 'Redis errors counted');
  await redis.start();
  await until(async () => grew(await scrape(), 'switchboard_redis_reconnects_total') > 0, 10_000, 'Redis reconnects counted');
  const text = await scrape();
  assert.match(text, /^switchboard_redis_reconnects_total\{connection="(command|adapter|bus)"\} \d+/m);
  assert.ok(!text.includes(room) && !text.includes(bob.user.id), 'no room or user ids as labels');
});
