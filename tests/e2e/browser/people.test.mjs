// People in real browsers: a group DM started from the picker is named after the others (never
// oneself) and follows a rename live; a name on a message opens the person's profile card with
// their status, which the member list and their messages show too and keep current; the room's notification
// menu changes the level on the server; the service worker and the manifest make the client
// installable.
import assert from 'node:assert/strict';
import { createRoom, createUser, PASSWORD, startServer } from '../lib/harness.mjs';
import { browserTest, launchBrowser, openAs, openRoom, send, stored } from './browser.mjs';

browserTest('group DMs, profiles, statuses and the room notification menu', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const bob = await createUser(server.url, { name: 'Bob Builder' });
  const carol = await createUser(server.url, { name: 'Carol Coder' });
  const a = await openAs(browser, server.url, alice, PASSWORD);
  const b = await openAs(browser, server.url, bob, PASSWORD);
  t.after(() => {
    assert.deepEqual(a.page.errors, [], 'uncaught errors in the first page');
    assert.deepEqual(b.page.errors, [], 'uncaught errors in the second page');
  });

  // Alice picks Bob and Carol and starts a group DM: it is "Bob Builder & Carol Coder" to her.
  await a.page.goto(`${server.url}/dms/new`);
  for (const who of [bob, carol]) {
    await a.page.getByTestId('dm-search').fill(who.user.name.split(' ')[0]);
    await a.page.getByTestId(`dm-pick-${who.user.email}`).check();
  }
  await a.page.getByTestId('dm-start-group').click();
  await a.page.waitForURL(/\/rooms\/[0-9a-f-]+$/);
  const dmId = a.page.url().split('/').pop();
  const { slug } = (await alice.api.get(`rooms/${dmId}`)).data;
  const aliceLink = a.page.getByTestId(`room-${slug}`);
  await aliceLink.locator('.room-title', { hasText: /^Bob Builder & Carol Coder$/ }).waitFor();
  // To Bob it names Alice and Carol.
  const bobLink = b.page.getByTestId(`room-${slug}`);
  await bobLink.locator('.room-title', { hasText: /^Alice Agent & Carol Coder$/ }).waitFor();

  // Carol renames herself: both sidebars follow without a reload.
  assert.equal((await carol.api.patch('me', { name: 'Carol Compiler' })).status, 200);
  await aliceLink.locator('.room-title', { hasText: /^Bob Builder & Carol Compiler$/ }).waitFor();
  await bobLink.locator('.room-title', { hasText: /^Alice Agent & Carol Compiler$/ }).waitFor();

  // Bob sets a status and says something in a room with Alice.
  const status = { emoji: '🌴', text: 'Back on Monday' };
  assert.equal((await bob.api.patch('me', { title: 'Release manager', status })).status, 200);
  const roomId = await createRoom(alice, { members: [bob] });
  await openRoom(a.page, server.url, roomId);
  await openRoom(b.page, server.url, roomId);
  await send(b.page, 'the release notes are up');
  const message = stored(a.page, 'the release notes are up');
  await message.waitFor();

  // His status shows beside his name on the message.
  await message.getByTestId('author-status').filter({ hasText: '🌴' }).waitFor();

  // Alice clicks his name on the message: his profile card, with title and status.
  await message.getByTestId('message-author').click();
  const card = a.page.getByTestId('profile-card');
  await card.getByTestId('profile-name').filter({ hasText: 'Bob Builder' }).waitFor();
  await card.getByTestId('profile-title').filter({ hasText: 'Release manager' }).waitFor();
  await card.getByTestId('profile-status').filter({ hasText: 'Back on Monday' }).waitFor();
  await a.page.keyboard.press('Escape');
  await card.waitFor({ state: 'detached' });

  // The member list shows the status beside his name, and follows a change live.
  // (Wide screens open the panel with the room.)
  const toggle = a.page.getByTestId('toggle-members');
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  await a.page.getByTestId('members-panel').waitFor();
  const bobRow = a.page.getByTestId('member').filter({ hasText: 'Bob Builder' });
  await bobRow.getByTestId('member-status').filter({ hasText: '🌴' }).waitFor();
  assert.equal(await bobRow.getByTestId('member-status').getAttribute('title'), 'Back on Monday');
  assert.equal((await bob.api.patch('me', { status: { emoji: '🤒', text: 'Out sick' } })).status, 200);
  await bobRow.getByTestId('member-status').filter({ hasText: '🤒' }).waitFor();
  assert.equal((await bob.api.patch('me', { status: null })).status, 200);
  await bobRow.getByTestId('member-status').waitFor({ state: 'detached' });
  await message.getByTestId('author-status').waitFor({ state: 'detached' });

  // The room's notification menu: "Mentions only" is kept on the server.
  const menu = a.page.getByTestId('notify-menu');
  await menu.locator('summary').click();
  await menu.getByTestId('notify-mentions').click();
  await menu.locator('summary', { hasText: /mentions/i }).waitFor();
  const listed = (await alice.api.get('rooms')).data.items.find((r) => r.id === roomId);
  assert.equal(listed.notifyLevel, 'mentions');
});

browserTest('the service worker and the manifest make the client installable', { timeout: 60_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const { page } = await openAs(browser, server.url, alice, PASSWORD);
  t.after(() => assert.deepEqual(page.errors, [], 'uncaught errors in the page'));

  const manifestHref = await page.locator('link[rel="manifest"]').getAttribute('href');
  const manifest = await page.evaluate(async (href) => {
    const res = await fetch(href);
    return { type: res.headers.get('content-type'), body: await res.json() };
  }, manifestHref);
  assert.match(manifest.type, /json/);
  assert.equal(manifest.body.display, 'standalone');
  assert.ok(manifest.body.icons.some((i) => i.sizes === '512x512'), 'a 512 px icon');

  // The worker the client registers for push installs and controls the origin's scope.
  const worker = await page.evaluate(async () => {
    const registration = await navigator.serviceWorker.register('/sw.js', { scope: '/' });
    await navigator.serviceWorker.ready;
    const active = registration.active ?? registration.waiting ?? registration.installing;
    return { scope: registration.scope, script: active?.scriptURL ?? null, state: active?.state ?? null };
  });
  assert.equal(worker.scope, `${server.url}/`);
  assert.equal(worker.script, `${server.url}/sw.js`);
  // A reload comes under its control (it claims clients when it activates).
  await page.reload();
  await page.waitForFunction(() => navigator.serviceWorker.controller !== null, null, { timeout: 20_000 });
});
