// Test harness: starts the real `switchboard` binary on port 0 with its own database, creates
// users through the admin API, and connects the official socket.io-client.
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { randomUUID } from 'node:crypto';
import { createServer } from 'node:net';
import { io } from 'socket.io-client';

const here = dirname(fileURLToPath(import.meta.url));
export const repoRoot = resolve(here, '../../..');
export const binary = resolve(process.env.SWITCHBOARD_BIN ?? join(repoRoot, 'target/debug/switchboard'));
export const inCi = process.env.CI === 'true' || process.env.CI === '1';

export const ADMIN_EMAIL = 'admin@e2e.example';
export const ADMIN_PASSWORD = 'e2e admin password';
export const PASSWORD = 'e2e user password';

if (!existsSync(binary)) {
  throw new Error(`${binary} is missing: run \`cargo build --bin switchboard\` first`);
}

/** A fresh PostgreSQL database, or null (skipped) when PostgreSQL is not reachable outside CI. */
export function createPgDatabase(t) {
  const name = `sb_e2e_${randomUUID().replaceAll('-', '')}`;
  const created = spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-qc', `CREATE DATABASE ${name}`], { encoding: 'utf8' });
  if (created.status !== 0) {
    if (inCi) throw new Error(`PostgreSQL is required in CI: ${created.stderr}`);
    t.skip(`PostgreSQL not reachable: ${created.stderr.trim()}`);
    return null;
  }
  t.after(() => {
    spawnSync('psql', ['-h', '127.0.0.1', '-U', 'postgres', '-d', 'postgres', '-qc', `DROP DATABASE IF EXISTS ${name} WITH (FORCE)`]);
  });
  return `postgres://postgres@127.0.0.1:5432/${name}`;
}

/** Whether a Redis answers on `port`; skips (or fails in CI) when not. */
export function requireRedis(t, port = 6379) {
  const ping = spawnSync('redis-cli', ['-h', '127.0.0.1', '-p', String(port), 'ping'], { encoding: 'utf8' });
  if (ping.stdout.trim() === 'PONG') return true;
  if (inCi) throw new Error(`Redis is required in CI on port ${port}`);
  t.skip(`Redis not reachable on port ${port}`);
  return false;
}

/**
 * Starts a private redis-server on `port` (never the shared one), for tests that stop or restart
 * Redis; returns { stop(), start() }.
 */
export async function ownRedis(t, port) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-redis-'));
  let child = null;
  const start = async () => {
    child = spawn('redis-server', ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--dir', dir], { stdio: 'ignore' });
    for (let i = 0; i < 100; i += 1) {
      const probe = spawn('redis-cli', ['-p', String(port), 'ping'], { stdio: ['ignore', 'pipe', 'ignore'] });
      let out = '';
      probe.stdout.on('data', (d) => { out += d; });
      await once(probe, 'exit');
      if (out.trim() === 'PONG') return;
      await sleep(50);
    }
    throw new Error('redis-server did not start');
  };
  const stop = async () => {
    if (!child) return;
    const exited = once(child, 'exit');
    child.kill('SIGKILL');
    await exited;
    child = null;
  };
  t.after(async () => {
    await stop();
    rmSync(dir, { recursive: true, force: true });
  });
  await start();
  return { start, stop };
}

/** A TCP port that was free a moment ago (for a server that must know its origin up front). */
export async function freePort() {
  const probe = createServer();
  await new Promise((ok, fail) => {
    probe.once('error', fail);
    probe.listen(0, '127.0.0.1', ok);
  });
  const { port } = probe.address();
  await new Promise((ok) => probe.close(ok));
  return port;
}

/**
 * Starts a server. `env` adds settings; `databaseUrl` shares a database between instances.
 * `demo` passes `serve --demo` and leaves out the e2e admin: sign in as a demo account instead.
 * `ownOrigin` picks a free port first and sets `PUBLIC_URL` to the server's own origin, so a
 * browser on that origin passes the CSRF check (retried on another port if it was taken).
 * Returns { url, port, stop(), kill(), logs }.
 */
export async function startServer(t, { ownOrigin = false, ...options } = {}) {
  if (!ownOrigin) return launchServer(t, options);
  for (let attempt = 1; ; attempt++) {
    const port = await freePort();
    try {
      return await launchServer(t, { ...options, port, env: { PUBLIC_URL: `http://127.0.0.1:${port}`, ...options.env } });
    } catch (err) {
      if (attempt >= 3 || !/cannot listen|in use/i.test(String(err?.message))) throw err;
    }
  }
}

async function launchServer(t, { env = {}, databaseUrl, port = 0, demo = false } = {}) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-e2e-'));
  const dbUrl = databaseUrl ?? `sqlite://${join(dir, 'e2e.db')}`;
  const child = spawn(binary, demo ? ['serve', '--demo'] : ['serve'], {
    cwd: dir,
    env: {
      PATH: process.env.PATH,
      DATABASE_URL: dbUrl,
      BIND_ADDR: `127.0.0.1:${port}`,
      // A demo server's admins are the demo ones, so its lists show only the demo people.
      ...(demo ? {} : { ADMIN_EMAIL, ADMIN_PASSWORD }),
      LOG_FORMAT: 'json',
      RUST_LOG: process.env.E2E_SERVER_LOG ?? 'warn',
      RATE_LIMIT_MESSAGE_SEND: 'off',
      RATE_LIMIT_SOCKET_CONNECT: 'off',
      RATE_LIMIT_LOGIN_IP: 'off',
      RATE_LIMIT_LOGIN_EMAIL: 'off',
      RATE_LIMIT_REST_IP: 'off',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const logs = [];
  if (process.env.E2E_SERVER_LOG) child.stdout.pipe(process.stderr);
  const listening = new Promise((resolveUrl, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error(`server did not start:\n${buffer}`)), 60_000);
    // With LOG_FORMAT=json the startup line is a JSON log line on stdout; errors before
    // logging starts are plain lines on stderr: watch both.
    let started = false;
    const watch = (chunk) => {
      logs.push(chunk.toString());
      if (started) return;
      buffer += chunk.toString();
      const match = buffer.match(/listening on (http:\/\/[\d.]+:\d+)/);
      if (match) {
        started = true;
        clearTimeout(timer);
        resolveUrl(match[1]);
      }
    };
    child.stdout.on('data', watch);
    child.stderr.on('data', watch);
    child.on('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`server exited (${code}) before listening:\n${buffer}`));
    });
  });
  let url;
  try {
    url = await listening;
  } catch (err) {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
    throw err;
  }
  let exited = false;
  const exit = once(child, 'exit').then(([code, signal]) => {
    exited = true;
    return { code, signal };
  });
  const server = {
    url,
    databaseUrl: dbUrl,
    port: Number(new URL(url).port),
    logs,
    child,
    exit,
    async stop() {
      if (!exited) child.kill('SIGTERM');
      return exit;
    },
    async kill() {
      if (!exited) child.kill('SIGKILL');
      return exit;
    },
  };
  t.after(async () => {
    await server.kill();
    rmSync(dir, { recursive: true, force: true });
  });
  return server;
}

/** A tiny JSON client for the REST API. */
export function api(baseUrl, token) {
  const call = async (method, path, body) => {
    const res = await fetch(`${baseUrl}/api/v1/${path}`, {
      method,
      headers: {
        ...(token ? { authorization: `Bearer ${token}` } : {}),
        ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      },
      body: body !== undefined ? JSON.stringify(body) : undefined,
    });
    const text = await res.text();
    let json;
    try {
      json = JSON.parse(text);
    } catch {
      json = { raw: text };
    }
    return { status: res.status, body: json, data: json.data };
  };
  return {
    get: (p) => call('GET', p),
    post: (p, b = {}) => call('POST', p, b),
    patch: (p, b) => call('PATCH', p, b),
    put: (p) => call('PUT', p),
    delete: (p) => call('DELETE', p),
  };
}

/** Signs in and returns { token, user, api }. */
export async function login(baseUrl, email, password = PASSWORD) {
  const res = await api(baseUrl).post('auth/login', { email, password });
  if (res.status !== 200) throw new Error(`login ${email}: ${res.status} ${JSON.stringify(res.body)}`);
  return { token: res.data.token, user: res.data.user, api: api(baseUrl, res.data.token) };
}

let counter = 0;
/** Creates a user through the admin API and signs them in. */
export async function createUser(baseUrl, { role = 'staff', department = 'engineering', name } = {}) {
  const admin = await login(baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
  counter += 1;
  const email = `${role}-${counter}-${randomUUID().slice(0, 8)}@e2e.example`;
  const created = await admin.api.post('admin/users', { email, name: name ?? `${role} ${counter}`, role, department, password: PASSWORD });
  if (created.status !== 201) throw new Error(`create user: ${created.status} ${JSON.stringify(created.body)}`);
  return login(baseUrl, email);
}

/**
 * Connects a socket.io-client as a signed-in user and resolves once connected.
 * Options go to `io()`; `autoAck` (default true) acknowledges cumulatively, like the web client:
 * `ack {roomId, seq}` with the highest seq received per room, at most every 50 ms.
 */
export function connect(baseUrl, token, { autoAck = true, ...options } = {}) {
  const socket = io(baseUrl, {
    auth: token ? { token } : undefined,
    transports: ['websocket'],
    reconnection: false,
    forceNew: true,
    ...options,
  });
  socket.received = [];
  const acker = cumulativeAcker(socket);
  socket.on('message:new', (message) => {
    socket.received.push(message);
    if (autoAck) acker.hold(message.roomId, message.seq);
  });
  return new Promise((resolveSocket, reject) => {
    socket.once('connect', () => resolveSocket(socket));
    socket.once('connect_error', (err) => {
      socket.close();
      reject(Object.assign(err, refusal(err)));
    });
  });
}

/**
 * What a refused handshake says: its `connect_error` message is a JSON object
 * `{code, message, retryable, retryAfterMs?}` (Socket.IO carries nothing else there).
 */
export function refusal(err) {
  try {
    const parsed = JSON.parse(err.message);
    if (parsed && typeof parsed.code === 'string') return parsed;
  } catch {
    // not one of ours (a transport error)
  }
  return { code: 'TRANSPORT', message: err.message, retryable: true };
}

/**
 * Acknowledges deliveries the way the protocol asks: per room, the highest seq held, sent at
 * most every `everyMs` (one `ack` event may cover many messages).
 */
export function cumulativeAcker(socket, everyMs = 50) {
  const pending = new Map();
  let timer = null;
  const flush = () => {
    timer = null;
    for (const [roomId, seq] of pending) socket.emit('ack', { roomId, seq });
    pending.clear();
  };
  return {
    hold(roomId, seq) {
      if ((pending.get(roomId) ?? 0) < seq) pending.set(roomId, seq);
      timer ??= setTimeout(flush, everyMs);
    },
  };
}

/** Emits with an ack and resolves with the server's answer. */
export function call(socket, event, payload, timeoutMs = 10_000) {
  return socket.timeout(timeoutMs).emitWithAck(event, payload);
}

/** Resolves with the next `event` payload that satisfies `predicate`. */
export function next(socket, event, predicate = () => true, timeoutMs = 10_000) {
  return new Promise((resolveEvent, reject) => {
    const timer = setTimeout(() => {
      socket.off(event, handler);
      reject(new Error(`timed out waiting for ${event}`));
    }, timeoutMs);
    function handler(payload, ack) {
      if (!predicate(payload)) return;
      clearTimeout(timer);
      socket.off(event, handler);
      resolveEvent({ payload, ack });
    }
    socket.on(event, handler);
  });
}

/** Waits until `check()` is true, polling every 20 ms, for at most `timeoutMs`. */
export async function until(check, timeoutMs = 10_000, what = 'condition') {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await check()) return;
    await sleep(20);
  }
  throw new Error(`timed out waiting for ${what}`);
}

export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

/** Creates a room owned by `owner` and adds `members`; returns its id. */
export async function createRoom(owner, { kind = 'public', department = null, members = [] } = {}) {
  const slug = `e2e-${randomUUID().slice(0, 12)}`;
  const res = await owner.api.post('rooms', { slug, title: slug, kind, department });
  if (res.status !== 201) throw new Error(`create room: ${res.status} ${JSON.stringify(res.body)}`);
  for (const member of members) {
    const added = await owner.api.post(`rooms/${res.data.id}/members`, { userId: member.user.id });
    if (added.status !== 201) throw new Error(`add member: ${added.status} ${JSON.stringify(added.body)}`);
  }
  return res.data.id;
}
