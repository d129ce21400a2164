// Downloads the server takes as POSTs only (so another site cannot start one in a signed-in
// browser): a room's export from its menu and the audit log's CSV, saved by the browser under
// the server's file names.
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { randomUUID } from 'node:crypto';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createRoom, createUser, PASSWORD, startServer } from '../lib/harness.mjs';
import { browserTest, launchBrowser, newPage, openAs, openRoom, signIn, stored } from './browser.mjs';

/** Clicks `trigger` and resolves with {name, text} of the file the browser saved. */
async function download(page, trigger) {
  const [file] = await Promise.all([page.waitForEvent('download'), trigger()]);
  const path = await file.path();
  return { name: file.suggestedFilename(), text: await readFile(path, 'utf8') };
}

browserTest('a room export and the audit CSV download through POSTs', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const olga = await createUser(server.url, { name: 'Olga Owner' });
  const roomId = await createRoom(olga);
  const { slug } = (await olga.api.get(`rooms/${roomId}`)).data;
  const body = `Quarterly numbers ${randomUUID().slice(0, 8)}`;
  assert.equal((await olga.api.post(`rooms/${roomId}/messages`, { clientId: randomUUID(), body })).status, 201);

  const { page } = await openAs(browser, server.url, olga, PASSWORD);
  await openRoom(page, server.url, roomId);
  await stored(page, body).waitFor();
  const exports = [];
  page.on('request', (r) => r.url().includes('/export') && exports.push(r.method()));
  const menu = page.getByTestId('export-menu');
  await menu.locator('summary').click();
  const html = await download(page, () => menu.getByTestId('export-html').click());
  assert.match(html.name, new RegExp(`^${slug}-\\d{8}\\.html$`));
  assert.ok(html.text.includes(body), 'the page has the message');
  await menu.locator('summary').click();
  const json = await download(page, () => menu.getByTestId('export-json').click());
  assert.match(json.name, new RegExp(`^${slug}-\\d{8}\\.json$`));
  assert.ok(JSON.stringify(JSON.parse(json.text)).includes(body), 'the data has the message');
  assert.deepEqual(exports, ['POST', 'POST']);

  // The admin's audit CSV, filtered by action: the room exports above are in it.
  const { page: admin } = await newPage(browser);
  await signIn(admin, server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await admin.goto(`${server.url}/admin/audit`);
  await admin.getByTestId('audit-row').first().waitFor();
  await admin.getByTestId('audit-action').fill('room.export');
  await admin.getByTestId('audit-apply').click();
  await admin.locator('[data-testid="audit-row"][data-action="room.export"]').first().waitFor();
  const csv = await download(admin, () => admin.getByTestId('audit-csv').click());
  assert.match(csv.name, /^audit-\d{8}-\d{6}\.csv$/);
  const lines = csv.text.trim().split(/\r?\n/);
  assert.match(lines[0], /^at,actor_id,actor_email,action,/);
  assert.equal(lines.length, 3, `header and two room.export rows:\n${csv.text}`);
  assert.ok(lines.slice(1).every((l) => l.includes('room.export')));
  assert.deepEqual(page.errors, []);
  assert.deepEqual(admin.errors, []);
});
