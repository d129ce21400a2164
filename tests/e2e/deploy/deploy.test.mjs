// The runtime as the container runs it (there is no Docker engine here): the binary from an
// empty directory as a non-root user with only environment configuration; `healthcheck` exit
// codes; two instances racing to migrate an empty PostgreSQL; two instances behind nginx (the
// shipped deploy/nginx.conf) with Redis, chatting through the load balancer over websockets and
// long-polling; and `backup` of a live SQLite
// database that a fresh instance starts from.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { mkdtempSync, rmSync, chmodSync, writeFileSync, existsSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { randomUUID } from 'node:crypto';
import {
  ADMIN_EMAIL, ADMIN_PASSWORD, api, binary, call, connect, createPgDatabase, inCi, repoRoot, requireRedis, sleep, until,
} from '../lib/harness.mjs';

// The binary `scripts/test` built (debug: a release build would double CI's build time, and the
// behaviour under test does not depend on the optimisation level); `SWITCHBOARD_BIN` points the
// tests at a release build, e.g. `SWITCHBOARD_BIN=$PWD/target/release/switchboard`.
const migrations = readdirSync(join(repoRoot, 'migrations/postgres')).filter((f) => f.endsWith('.sql')).length;

async function freePort() {
  const server = createServer();
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  const { port } = server.address();
  server.close();
  return port;
}

/** An empty directory the unprivileged user owns. */
function emptyDir(t) {
  const dir = mkdtempSync(join(tmpdir(), 'sb-deploy-'));
  chmodSync(dir, 0o777);
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

/** The command line that runs the binary as `nobody` with nothing but `env` (like the
 * container's user); setpriv and env exec, so signals reach the server itself. */
function asNobody(env, args) {
  return ['--reuid=65534', '--regid=65534', '--clear-groups', 'env', '-i', ...Object.entries(env).map(([k, v]) => `${k}=${v}`), binary, ...args];
}

function run(dir, env, args) {
  return spawn('setpriv', asNobody(env, args), { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
}

function runSync(dir, env, args) {
  return spawnSync('setpriv', asNobody(env, args), { cwd: dir, encoding: 'utf8' });
}

/** Starts an instance as `nobody`; resolves once it listens. */
async function instance(t, dir, env) {
  const port = await freePort();
  const child = run(dir, { BIND_ADDR: `127.0.0.1:${port}`, LOG_FORMAT: 'json', RUST_LOG: 'warn', ADMIN_EMAIL, ADMIN_PASSWORD, ...env }, ['serve']);
  let stderr = '';
  child.stderr.on('data', (d) => { stderr += d; });
  const exited = once(child, 'exit');
  t.after(async () => {
    if (child.exitCode === null) {
      child.kill('SIGTERM');
      await exited;
    }
  });
  const url = `http://127.0.0.1:${port}`;
  await until(async () => {
    if (child.exitCode !== null) throw new Error(`instance exited: ${stderr}`);
    return (await fetch(`${url}/readyz`).catch(() => null))?.status === 200;
  }, 60_000, 'instance ready');
  return { url, port, child, env: { BIND_ADDR: `127.0.0.1:${port}`, ...env }, stderr: () => stderr };
}

test('the binary runs as an unprivileged user from an empty directory, with healthcheck exit codes', async (t) => {
  assert.ok(binary, 'build the binary first');
  const dir = emptyDir(t);
  const port = await freePort();
  const before = runSync(dir, { BIND_ADDR: `127.0.0.1:${port}` }, ['healthcheck']);
  assert.equal(before.status, 1, 'nothing listens yet');
  const server = await instance(t, dir, { DATABASE_URL: `sqlite://${dir}/data/switchboard.db` });
  assert.ok(existsSync(join(dir, 'data/switchboard.db')), 'the database was created in the working directory');
  assert.equal(runSync(dir, { BIND_ADDR: `127.0.0.1:${server.port}` }, ['healthcheck']).status, 0);
  const admin = await api(server.url).post('auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  assert.equal(admin.status, 200, 'the admin came from ADMIN_EMAIL/ADMIN_PASSWORD');
  const page = await fetch(`${server.url}/`);
  assert.equal(page.status, 200);
  assert.match(page.headers.get('content-security-policy'), /default-src 'self'/);
  // The client is inside the binary (nothing else is in this directory): its page, and the
  // script it loads, with the hashed name the build gave it.
  const html = await page.text();
  const script = html.match(/src="(\/assets\/[^"]+\.js)"/);
  assert.ok(script, `the embedded web client's index.html, not the placeholder page: ${html.slice(0, 200)}`);
  const asset = await fetch(`${server.url}${script[1]}`);
  assert.equal(asset.status, 200);
  assert.match(asset.headers.get('content-type'), /javascript/);
  server.child.kill('SIGTERM');
  const [code] = await once(server.child, 'exit');
  assert.equal(code, 0, 'SIGTERM is a clean exit');
  assert.equal(runSync(dir, { BIND_ADDR: `127.0.0.1:${server.port}` }, ['healthcheck']).status, 1);
});

test('two instances starting at once migrate an empty PostgreSQL exactly once', async (t) => {
  const databaseUrl = createPgDatabase(t);
  if (!databaseUrl) return;
  const [a, b] = [emptyDir(t), emptyDir(t)];
  const [one, two] = await Promise.all([instance(t, a, { DATABASE_URL: databaseUrl }), instance(t, b, { DATABASE_URL: databaseUrl })]);
  assert.ok(one && two);
  const rows = spawnSync('psql', [databaseUrl, '-tAc', 'SELECT count(*), bool_and(success) FROM _sqlx_migrations'], { encoding: 'utf8' });
  assert.equal(rows.stdout.trim(), `${migrations}|t`);
});

/** deploy/nginx.conf, the file the compose scale profile mounts, with its upstreams and port
 * replaced by local ones and its temporary files under `prefix` (nginx runs unprivileged here). */
function localNginxConf(prefix, port, upstreamPorts) {
  const shipped = readFileSync(join(repoRoot, 'deploy/nginx.conf'), 'utf8');
  const servers = upstreamPorts.map((p) => `server 127.0.0.1:${p};`).join(' ');
  const local = shipped
    .replace(/^(\s*)server app:3000;\n\s*server app2:3000;/m, `$1${servers}`)
    .replace(/listen 80;/, `listen 127.0.0.1:${port};`)
    .replace(/^http \{/m, `pid ${prefix}/nginx.pid;\nerror_log ${prefix}/error.log;\nhttp {\n    access_log off;\n    client_body_temp_path ${prefix}/body;\n    proxy_temp_path ${prefix}/proxy;`);
  assert.ok(local.includes(servers) && local.includes(`listen 127.0.0.1:${port};`), 'deploy/nginx.conf has the expected upstream and listen lines');
  return local;
}

test('two instances behind nginx share PostgreSQL and Redis; clients chat across them, and long-polling stays on one instance', async (t) => {
  if (!requireRedis(t)) return;
  const nginx = spawnSync('which', ['nginx'], { encoding: 'utf8' }).stdout.trim();
  if (!nginx) {
    if (inCi) throw new Error('nginx is required in CI');
    t.skip('nginx is not installed');
    return;
  }
  const databaseUrl = createPgDatabase(t);
  if (!databaseUrl) return;
  const shared = { DATABASE_URL: databaseUrl, REDIS_URL: 'redis://127.0.0.1:6379', REDIS_PREFIX: `deploy-${randomUUID().slice(0, 8)}`, TRUSTED_PROXIES: '127.0.0.1', RATE_LIMIT_LOGIN_IP: 'off', RATE_LIMIT_SOCKET_CONNECT: 'off' };
  const a = await instance(t, emptyDir(t), { ...shared, INSTANCE_ID: 'a' });
  const b = await instance(t, emptyDir(t), { ...shared, INSTANCE_ID: 'b' });
  const lbPort = await freePort();
  const prefix = mkdtempSync(join(tmpdir(), 'sb-nginx-'));
  t.after(() => rmSync(prefix, { recursive: true, force: true }));
  const conf = join(prefix, 'nginx.conf');
  writeFileSync(conf, localNginxConf(prefix, lbPort, [a.port, b.port]));
  const lb = spawn(nginx, ['-c', conf, '-p', prefix, '-g', 'daemon off;'], { stdio: 'ignore' });
  t.after(() => lb.kill('SIGTERM'));
  const lbUrl = `http://127.0.0.1:${lbPort}`;
  await until(async () => (await fetch(`${lbUrl}/readyz`).catch(() => null))?.status === 200, 10_000, 'nginx up');

  const adminLogin = await api(lbUrl).post('auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  const admin = api(lbUrl, adminLogin.data.token);
  const people = [];
  for (const name of ['Alice', 'Bob']) {
    const email = `${name.toLowerCase()}-${randomUUID().slice(0, 6)}@deploy.example`;
    assert.equal((await admin.post('admin/users', { email, name, role: 'staff', password: 'deploy password' })).status, 201);
    people.push((await api(lbUrl).post('auth/login', { email, password: 'deploy password' })).data);
  }
  const room = (await api(lbUrl, people[0].token).post('rooms', { slug: `deploy-${randomUUID().slice(0, 8)}`, title: 'Deploy', kind: 'public' })).data.id;
  assert.equal((await api(lbUrl, people[0].token).post(`rooms/${room}/members`, { userId: people[1].user.id })).status, 201);
  // The shipped configuration keeps a client address on one instance, so a client on the
  // long-polling transport alone (every request a new HTTP request) keeps its session, and the
  // official client's default (polling, then the websocket upgrade) works too.
  const polling = await connect(lbUrl, people[1].token, { transports: ['polling'] });
  const upgrading = await connect(lbUrl, people[1].token, { transports: ['polling', 'websocket'] });
  const alice = await connect(lbUrl, people[0].token, { transports: ['websocket'] });
  const bob = await connect(lbUrl, people[1].token, { transports: ['websocket'] });
  const bobDirect = await connect(b.url, people[1].token, { transports: ['websocket'] });
  const aliceDirect = await connect(a.url, people[0].token, { transports: ['websocket'] });
  for (let i = 0; i < 5; i += 1) {
    const sent = await call(alice, 'message:send', { roomId: room, clientId: randomUUID(), body: `through the lb ${i}` });
    assert.equal(sent.ok, true);
  }
  assert.equal((await call(aliceDirect, 'message:send', { roomId: room, clientId: randomUUID(), body: 'from a to b' })).ok, true);
  const all = [bob, bobDirect, polling, upgrading];
  await until(() => all.every((s) => s.received.length === 6), 10_000, 'deliveries across instances and transports');
  for (const s of all) assert.deepEqual(s.received.map((m) => m.seq), [1, 2, 3, 4, 5, 6]);
  assert.equal(polling.io.engine.transport.name, 'polling', 'the polling session survived every request');
  for (const s of [alice, bob, bobDirect, aliceDirect, polling, upgrading]) s.close();
});

test('backup of a live SQLite database starts a fresh instance with every message', async (t) => {
  const dir = emptyDir(t);
  const server = await instance(t, dir, { DATABASE_URL: `sqlite://${dir}/live.db`, RATE_LIMIT_LOGIN_IP: 'off' });
  const adminLogin = await api(server.url).post('auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  const admin = api(server.url, adminLogin.data.token);
  const room = (await admin.post('rooms', { slug: 'backed-up', title: 'Backed up', kind: 'public' })).data.id;
  for (let i = 0; i < 25; i += 1) {
    assert.equal((await admin.post(`rooms/${room}/messages`, { clientId: `b${i}`, body: `message ${i}` })).status, 201);
  }
  // A file (stored under the instance's data/files): the backup copies it beside the database.
  const form = new FormData();
  form.append('file', new Blob(['attached notes']), 'notes.txt');
  const uploaded = await fetch(`${server.url}/api/v1/rooms/${room}/uploads`, {
    method: 'POST', headers: { authorization: `Bearer ${adminLogin.data.token}` }, body: form,
  });
  assert.equal(uploaded.status, 201);
  const file = (await uploaded.json()).data;
  assert.equal((await admin.post(`rooms/${room}/messages`, { clientId: 'with-file', body: 'file', attachmentIds: [file.id] })).status, 201);
  const backup = runSync(dir, { DATABASE_URL: `sqlite://${dir}/live.db` }, ['backup', '--to', `${dir}/backup.db`]);
  assert.equal(backup.status, 0, backup.stderr);
  const again = runSync(dir, { DATABASE_URL: `sqlite://${dir}/live.db` }, ['backup', '--to', `${dir}/backup.db`]);
  assert.equal(again.status, 1, 'never overwrites');
  const restored = await instance(t, emptyDir(t), {
    DATABASE_URL: `sqlite://${resolve(dir, 'backup.db')}`,
    STORAGE_URL: resolve(dir, 'backup.db.files'),
    RATE_LIMIT_LOGIN_IP: 'off',
  });
  const login = await api(restored.url).post('auth/login', { email: ADMIN_EMAIL, password: ADMIN_PASSWORD });
  const history = await api(restored.url, login.data.token).get(`rooms/${room}/messages?limit=100`);
  assert.deepEqual(history.data.items.map((m) => m.body), [...Array.from({ length: 25 }, (_, i) => `message ${i}`), 'file']);
  const download = await fetch(`${restored.url}${file.url}`, { headers: { authorization: `Bearer ${login.data.token}` } });
  assert.equal(download.status, 200);
  assert.equal(await download.text(), 'attached notes');
  const search = await api(restored.url, login.data.token).get('search?q=message');
  assert.ok(search.data.items.length > 0, 'the search index came along');
  await sleep(10);
});
