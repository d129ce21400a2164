// Rooms managed from the browser, two people side by side: the create dialog (with its member
// picker, slug and radios), members invited from the composer and from the panel, room roles
// and removals, the room's settings, archiving and deleting, each live on the other page.
import assert from 'node:assert/strict';
import { createRoom, createUser, PASSWORD, startServer } from '../lib/harness.mjs';
import { browserTest, launchBrowser, newPage, openAs, openRoom, rows, screenshot, send, signIn, stored } from './browser.mjs';

/** Console errors of a page (a bad `pattern` is one, logged by the browser on every open). */
function consoleErrors(page) {
  const errors = [];
  page.on('console', (msg) => {
    if (msg.type() === 'error') errors.push(msg.text());
  });
  return errors;
}

/** A server, a browser, Alice and Bob (and whoever else is named) each signed in on a page. */
async function people(t, names = []) {
  const browser = await launchBrowser(t);
  if (!browser) return null;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Owner' });
  const bob = await createUser(server.url, { name: 'Bob Member' });
  const others = {};
  for (const name of names) others[name] = await createUser(server.url, { name });
  const a = await newPage(browser);
  await signIn(a.page, server.url, alice.user.email, PASSWORD);
  // From here on (the signed-out page before is not what these tests are about).
  a.consoleErrors = consoleErrors(a.page);
  const b = await openAs(browser, server.url, bob, PASSWORD);
  t.after(() => {
    assert.deepEqual(a.page.errors, [], 'uncaught errors in the first page');
    assert.deepEqual(b.page.errors, [], 'uncaught errors in the second page');
  });
  return { server, alice, bob, others, a, b };
}

/** The row of a member in the open Members panel. */
const member = (page, name) => page.getByTestId('members-panel').getByTestId('member').filter({ hasText: name });

browserTest('a private room made in the dialog with a member picked there reaches that member live', { timeout: 120_000 }, async (t) => {
  const ctx = await people(t);
  if (!ctx) return;
  const { a, b } = ctx;

  await a.page.getByTestId('new-room').click();
  const dialog = a.page.getByTestId('create-room-dialog');
  await dialog.getByTestId('room-title-input').fill('Équipe Café');
  assert.equal(await dialog.getByTestId('room-slug-input').inputValue(), 'equipe-cafe');
  // The browser's own check works (a pattern it cannot compile would be ignored, with an error).
  assert.equal(await dialog.getByTestId('room-slug-input').evaluate((el) => el.validity.valid), true);
  await dialog.getByTestId('room-slug-input').fill('Bad Slug');
  assert.equal(await dialog.getByTestId('room-slug-input').evaluate((el) => el.validity.patternMismatch), true);
  await dialog.getByTestId('room-slug-input').fill('equipe-cafe');

  // The radios are radio-sized and beside their labels.
  const radio = dialog.getByTestId('room-kind-private');
  const box = await radio.boundingBox();
  const label = await dialog.locator('label.radio-option:has([data-testid="room-kind-private"]) strong').boundingBox();
  assert.ok(box.width < 30 && box.height < 30, `radio is ${box.width}×${box.height}`);
  assert.ok(label.x - (box.x + box.width) < 24, 'the label sits next to its radio');
  await radio.check();

  await dialog.getByTestId('create-room-people-input').fill('Bob');
  await dialog.getByTestId('create-room-people-option').filter({ hasText: 'Bob Member' }).click();
  await dialog.getByTestId('create-room-picked').getByText('Bob Member').waitFor();
  await dialog.getByTestId('create-room-submit').click();

  await a.page.locator('[data-testid="chat-room"] h1', { hasText: 'Équipe Café' }).waitFor();
  // Bob did nothing: the room appears in his sidebar, and he can write in it.
  await b.page.getByTestId('room-equipe-cafe').click();
  await b.page.locator('[data-testid="chat-room"] h1', { hasText: 'Équipe Café' }).waitFor();
  await send(b.page, 'Merci !');
  await stored(a.page, 'Merci !').waitFor();
  assert.deepEqual(a.consoleErrors, [], 'the create dialog logs no console error');
});

browserTest('members are invited with /invite and from the panel; roles and removals are live', { timeout: 120_000 }, async (t) => {
  const ctx = await people(t, ['Carol Cooper', 'Dave Dunn']);
  if (!ctx) return;
  const { server, alice, bob, a, b } = ctx;
  const roomId = await createRoom(alice, { kind: 'private', members: [bob] });
  await openRoom(a.page, server.url, roomId);
  await openRoom(b.page, server.url, roomId);
  await member(b.page, 'Alice Owner').waitFor();

  // A command is run, not posted.
  await send(a.page, '/invite @carol');
  await member(b.page, 'Carol Cooper').waitFor();
  await a.page.waitForFunction(() => document.querySelector('[data-testid="composer"]')?.value === '');
  // Unknown commands answer with the help, and nothing is posted either.
  await send(a.page, '/shrug');
  await a.page.getByTestId('toast').filter({ hasText: 'Unknown command /shrug' }).waitFor();
  assert.equal(await rows(a.page, '/shrug').count(), 0);
  assert.equal(await rows(a.page, '/invite @carol').count(), 0);

  // From the panel's autocomplete: members already in are not offered.
  const picker = a.page.getByTestId('invite-picker-input');
  await picker.fill('Carol');
  await a.page.getByTestId('invite-picker').getByRole('status').waitFor();
  await picker.fill('Dave');
  await a.page.getByTestId('invite-picker-option').filter({ hasText: 'Dave Dunn' }).click();
  await member(b.page, 'Dave Dunn').waitFor();
  // Bob, a plain member of a private room, gets no invite box and no controls.
  assert.equal(await b.page.getByTestId('invite-picker').count(), 0);
  assert.equal(await b.page.getByTestId('member-remove').count(), 0);

  // Alice makes Bob a moderator: live on Bob's page, where he may now remove plain members.
  await member(a.page, 'Bob Member').getByTestId('member-role-select').selectOption('moderator');
  await b.page.locator(`[data-testid="member"][data-user-id="${bob.user.id}"][data-role="moderator"]`).waitFor();
  await member(b.page, 'Dave Dunn').getByTestId('member-remove').waitFor();
  await member(a.page, 'Bob Member').getByTestId('member-role-select').and(a.page.locator(':enabled')).waitFor();
  await screenshot(a.page, 'room-members');

  // Alice removes Carol: gone from Bob's list.
  await member(a.page, 'Carol Cooper').getByRole('button', { name: 'Remove Carol Cooper' }).click();
  await member(b.page, 'Carol Cooper').waitFor({ state: 'detached' });
  assert.match(await b.page.getByTestId('members-online').textContent(), /online of 3$/);
});

browserTest('title and topic changes, archiving and deleting reach the other page live', { timeout: 120_000 }, async (t) => {
  const ctx = await people(t);
  if (!ctx) return;
  const { server, alice, bob, a, b } = ctx;
  const roomId = await createRoom(alice, { members: [bob] });
  const slug = (await alice.api.get(`rooms/${roomId}`)).data.slug;
  await openRoom(a.page, server.url, roomId);
  await openRoom(b.page, server.url, roomId);
  const header = (page) => page.locator('[data-testid="chat-room"] .chat-header');

  await send(a.page, '/topic Release freeze on Thursday');
  await header(b.page).getByText('Release freeze on Thursday').waitFor();

  await a.page.getByTestId('room-settings').click();
  const settings = a.page.getByTestId('room-settings-dialog');
  await settings.getByTestId('settings-title').fill('Launch room');
  await settings.getByTestId('settings-save').click();
  await header(b.page).getByRole('heading', { name: 'Launch room' }).waitFor();

  // Archived: read-only on Bob's page at once, and out of his sidebar.
  await a.page.getByTestId('room-settings').click();
  await a.page.getByTestId('settings-archive').click();
  await b.page.getByTestId('archived-banner').waitFor();
  await b.page.getByTestId('archived-notice').waitFor();
  assert.equal(await b.page.getByTestId('composer').count(), 0);
  assert.equal(await b.page.getByTestId('unarchive-room').count(), 0, 'a plain member cannot restore it');
  await b.page.getByTestId(`room-${slug}`).waitFor({ state: 'detached' });
  await screenshot(b.page, 'room-archived');
  // The server refuses writes whatever the client shows.
  const refused = await bob.api.post(`rooms/${roomId}/messages`, { clientId: 'after-archive', body: 'sneaky' });
  assert.equal(refused.status, 409);
  assert.equal(refused.body.code, 'ROOM_ARCHIVED');
  // Discover lists it among the archived rooms.
  const c = await newPage(a.page.context().browser());
  await signIn(c.page, server.url, bob.user.email, PASSWORD);
  await c.page.goto(`${server.url}/discover`);
  await c.page.getByTestId('archived-rooms').locator('summary').click();
  await c.page.getByTestId(`archived-${slug}`).waitFor();
  await c.context.close();

  await a.page.getByTestId('unarchive-room').click();
  await b.page.getByTestId('archived-banner').waitFor({ state: 'detached' });
  await send(b.page, 'Back in business');
  await stored(a.page, 'Back in business').waitFor();
  await b.page.getByTestId(`room-${slug}`).waitFor();

  // Deleting takes the room's name typed out.
  await a.page.getByTestId('room-settings').click();
  const del = a.page.getByTestId('settings-delete');
  assert.equal(await del.isDisabled(), true);
  await a.page.getByTestId('settings-delete-name').fill('Launch room');
  await del.click();
  await b.page.getByTestId('chat-room').waitFor({ state: 'detached' });
  await b.page.getByTestId(`room-${slug}`).waitFor({ state: 'detached' });
  assert.equal((await bob.api.get(`rooms/${roomId}`)).status, 404);
});
