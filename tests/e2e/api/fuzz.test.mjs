// Property-based test of the REST API against its own OpenAPI document: schemathesis (PyPI)
// generates requests from the document and sends them, signed in as a demo admin, to a
// throwaway server with its own SQLite database. It must find no 5xx and no response that
// breaks the document. Outside CI it skips when schemathesis is not installed; in CI it fails.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { writeFileSync } from 'node:fs';
import { inCi, login, startServer } from '../lib/harness.mjs';

const DEMO_ADMIN = 'ada@demo.switchboard.chat';
const DEMO_PASSWORD = 'switchboard-demo';

// Left out, so the run keeps its own session: signing out and ending sessions would end the
// token every other request carries (and a password change ends the other sessions too).
const EXCLUDED_OPERATIONS = ['logout', 'revoke_session', 'revoke_other_sessions', 'change_password'];

// Bounded for two shared cores: a few examples per operation, one seed (reproducible).
const MAX_EXAMPLES = process.env.API_FUZZ_MAX_EXAMPLES ?? '12';
const SEED = process.env.API_FUZZ_SEED ?? '20261205';

function schemathesis() {
  const found = spawnSync('schemathesis', ['--version'], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

test('schemathesis finds no server error and no response outside the document', { timeout: 900_000 }, async (t) => {
  const version = schemathesis();
  if (!version) {
    if (inCi) assert.fail("schemathesis is required in CI (pip install 'schemathesis>=4,<5')");
    t.skip("schemathesis is not installed (pip install 'schemathesis>=4,<5')");
    return;
  }
  const server = await startServer(t, {
    demo: true,
    env: {
      // Every quota off: the fuzzer is one client sending hundreds of requests a minute.
      RATE_LIMIT_REGISTER: 'off',
      RATE_LIMIT_SUPPORT_FORM: 'off',
      RATE_LIMIT_SEARCH: 'off',
      RATE_LIMIT_ACCOUNT_EMAIL: 'off',
      RATE_LIMIT_ACCOUNT_IP: 'off',
      RATE_LIMIT_PASSWORD_CHANGE: 'off',
      RATE_LIMIT_AI_REFRESH: 'off',
      RATE_LIMIT_PROFILE_UPDATE: 'off',
      RATE_LIMIT_REACTION: 'off',
      RATE_LIMIT_MESSAGE_EDIT: 'off',
      RATE_LIMIT_MESSAGE_DELETE: 'off',
      RATE_LIMIT_READ: 'off',
      REGISTRATION_MODE: 'open',
    },
  });
  const admin = await login(server.url, DEMO_ADMIN, DEMO_PASSWORD);
  const { token } = admin;
  const reports = mkdtempSync(join(tmpdir(), 'sb-fuzz-'));
  t.after(() => rmSync(reports, { recursive: true, force: true }));
  // Real resources for the path parameters: with random ids nearly every request would stop
  // at a 404 before the route's own logic. Another person, so actions on "them" (ban,
  // deactivate, remove from a room) never touch the signed-in admin.
  const created = async (res) => {
    assert.ok(res.status < 300, JSON.stringify(res.body));
    return res.data.id;
  };
  const person = await created(
    await admin.api.post('admin/users', { email: `fuzz-${randomUUID().slice(0, 8)}@example.com`, name: 'Fuzz Target', role: 'staff', password: 'fuzz target password' }),
  );
  const room = await created(await admin.api.post('rooms', { slug: `fuzz-${randomUUID().slice(0, 8)}`, title: 'Fuzz', kind: 'public' }));
  await created(await admin.api.post(`rooms/${room}/members`, { userId: person }));
  const message = await created(await admin.api.post(`rooms/${room}/messages`, { clientId: randomUUID(), body: 'fuzz https://example.com' }));
  const ticket = await created(await admin.api.post('tickets', { subject: 'Fuzz', requesterEmail: 'requester@example.com', message: 'help' }));
  const config = join(reports, 'schemathesis.toml');
  const scoped = (pathRegex, values) =>
    `[[operations]]\ninclude-path-regex = ${JSON.stringify(pathRegex)}\nparameters = { ${Object.entries(values).map(([k, v]) => `"path.${k}" = ${JSON.stringify(v)}`).join(', ')} }\n`;
  writeFileSync(
    config,
    [
      scoped('^/api/v1/rooms/\\{id\\}/members/\\{userId\\}$', { id: room, userId: person }),
      scoped('^/api/v1/rooms/\\{id\\}', { id: room }),
      scoped('^/api/v1/messages/', { id: message }),
      scoped('^/api/v1/tickets/', { id: ticket }),
      scoped('^/api/v1/(admin/)?users/\\{id\\}', { id: person }),
    ].join('\n'),
  );
  const args = [
    '--config-file', config,
    'run',
    `${server.url}/api/v1/openapi.json`,
    '--url', server.url,
    '--header', `Authorization: Bearer ${token}`,
    '--checks', 'not_a_server_error,status_code_conformance,content_type_conformance,response_schema_conformance',
    '--phases', 'examples,coverage,fuzzing',
    '--max-examples', MAX_EXAMPLES,
    '--seed', SEED,
    '--workers', '2',
    '--request-timeout', '20',
    '--suppress-health-check', 'all',
    '--no-color',
    '--report', 'junit',
    '--report-junit-path', join(reports, 'junit.xml'),
    ...EXCLUDED_OPERATIONS.flatMap((id) => ['--exclude-operation-id', id]),
  ];
  // Run in the temporary directory: schemathesis keeps a cache of crashes where it runs.
  const child = spawn('schemathesis', args, { cwd: reports, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  child.stdout.on('data', (d) => { output += d; });
  child.stderr.on('data', (d) => { output += d; });
  const [code] = await once(child, 'exit');
  const junit = join(reports, 'junit.xml');
  const tests = existsSync(junit) ? Number(/tests="(\d+)"/.exec(readFileSync(junit, 'utf8'))?.[1] ?? 0) : 0;
  assert.equal(code, 0, `${version} found problems:\n${output.slice(-20_000)}`);
  // A run that tested nothing (a document it could not read, every operation filtered out)
  // must not pass.
  assert.ok(tests > 50, `schemathesis ran only ${tests} operations:\n${output.slice(-5_000)}`);
  // The token still works: nothing the fuzzer sent ended the session it used.
  const me = await fetch(`${server.url}/api/v1/auth/me`, { headers: { authorization: `Bearer ${token}` } });
  assert.equal(me.status, 200);
});
