// Honest limits in real browsers: a signed-out page load logs no console error; a stranger to a
// private room gets one friendly page (the history asked at most once, no raw 404s); a message
// over 5,000 characters is counted, refused and offered as a file; a passed edit window and an
// emptied edit say what they mean; an observer's disabled controls explain why on focus; the
// members button says "2 online of 3"; on a phone the room header is one compact line.
import assert from 'node:assert/strict';
import { createRoom, createUser, PASSWORD, startServer, until } from '../lib/harness.mjs';
import { browserTest, launchBrowser, newPage, openAs, openRoom, PHONE, send, signIn, stored } from './browser.mjs';

async function post(user, roomId, body) {
  const res = await user.api.post(`rooms/${roomId}/messages`, { clientId: crypto.randomUUID(), body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.data;
}

browserTest('signed out, no console error; a stranger to a private room gets one friendly page', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const carol = await createUser(server.url, { name: 'Carol Curious' });
  const secret = await createRoom(alice, { kind: 'private' });
  await post(alice, secret, 'members only');

  // A visitor's page load: the sign-in page, and nothing in the console.
  const { page } = await newPage(browser);
  const consoleErrors = [];
  page.on('console', (m) => m.type() === 'error' && consoleErrors.push(m.text()));
  await page.goto(`${server.url}/`);
  await page.getByTestId('signin-email').waitFor();
  await page.reload();
  await page.getByTestId('signin-email').waitFor();
  assert.deepEqual(consoleErrors, [], 'no console errors on a signed-out load');

  // Carol, not a member, opens the private room's address.
  const c = await openAs(browser, server.url, carol, PASSWORD);
  const history = [];
  c.page.on('request', (r) => new URL(r.url()).pathname === `/api/v1/rooms/${secret}/messages` && history.push(r.url()));
  await c.page.goto(`${server.url}/rooms/${secret}`);
  const gone = c.page.getByTestId('room-unavailable');
  await gone.getByRole('heading', { name: 'Room not found' }).waitFor();
  await gone.getByText('does not exist, or you do not have access', { exact: false }).waitFor();
  const text = await c.page.locator('body').innerText();
  assert.doesNotMatch(text, /NOT_FOUND|\b404\b/);
  assert.equal(await c.page.getByTestId('toast').count(), 0, 'no error toasts');
  assert.ok(history.length <= 1, `the history was asked ${history.length} times`);
  assert.deepEqual(c.page.errors, []);
});

browserTest('a long message is counted, refused and sent as a file instead', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const roomId = await createRoom(alice);
  const { page } = await openAs(browser, server.url, alice, PASSWORD);
  t.after(() => assert.deepEqual(page.errors, [], 'uncaught errors'));
  await openRoom(page, server.url, roomId);
  const composer = page.getByTestId('composer');

  // Near the limit: a counter.
  await composer.fill('a'.repeat(4990));
  await page.getByTestId('length-counter').getByText('10 characters left').waitFor();
  assert.equal(await page.getByTestId('send-button').isDisabled(), false);

  // Over it: nothing is cut, the count says by how much, sending is refused.
  const long = Array.from({ length: 1200 }, (_, i) => `line ${String(i).padStart(4, '0')}`).join('\n').padEnd(12_000, '.');
  assert.equal(long.length, 12_000);
  await composer.fill(long);
  assert.equal((await composer.inputValue()).length, 12_000, 'the text is not cut');
  await page.getByTestId('length-counter').getByText('7,000 characters over the 5,000 limit').waitFor();
  assert.equal(await page.getByTestId('send-button').isDisabled(), true);
  await composer.press('Enter');
  await page.getByTestId('toast').getByText('at most 5,000 characters', { exact: false }).waitFor();
  assert.equal((await alice.api.get(`rooms/${roomId}/messages`)).data.items.length, 0, 'nothing was sent');

  // Offered as a file: attached, the composer emptied, and sent whole.
  await page.getByTestId('send-as-file').click();
  await page.getByTestId('upload-chip').and(page.locator('[data-state="done"]')).waitFor();
  assert.equal(await composer.inputValue(), '');
  await page.getByTestId('send-button').click();
  let message;
  await until(async () => {
    [message] = (await alice.api.get(`rooms/${roomId}/messages`)).data.items;
    return Boolean(message);
  }, 10_000, 'the message with the file');
  assert.equal(message.attachments.length, 1);
  assert.match(message.attachments[0].name, /^message-\d{4}-\d{2}-\d{2}-\d{4}\.txt$/);
  assert.equal(message.attachments[0].size, 12_000);
});

browserTest('edits say when their window passed, an emptied edit offers to delete, observers are told why', { timeout: 150_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const bob = await createUser(server.url, { name: 'Bob Builder' });
  const observer = await createUser(server.url, { role: 'observer', name: 'Otto Observer' });
  const roomId = await createRoom(alice, { members: [bob, observer] });
  await post(alice, roomId, 'written a while ago');

  // An hour later by the browser's clock (the edit window is 15 minutes): the edit button says so.
  const later = await newPage(browser);
  await later.page.clock.setFixedTime(new Date(Date.now() + 3600_000));
  await signIn(later.page, server.url, alice.user.email, PASSWORD);
  await openRoom(later.page, server.url, roomId);
  const old = stored(later.page, 'written a while ago');
  await old.hover();
  const passed = old.getByTestId('edit-window-passed');
  await passed.waitFor();
  assert.equal(await passed.getAttribute('aria-disabled'), 'true');
  assert.equal(await passed.getAttribute('aria-description'), 'Messages can be edited for 15 minutes after sending; this one is older.');
  // Focusable, and pressing it says why too.
  await passed.focus();
  await later.page.keyboard.press('Enter');
  await later.page.getByTestId('toast').getByText('Messages can be edited for 15 minutes', { exact: false }).waitFor();
  await later.context.close();

  // Now: emptying an edit asks whether to delete, and deleting works.
  const a = await openAs(browser, server.url, alice, PASSWORD);
  t.after(() => assert.deepEqual(a.page.errors, [], 'uncaught errors'));
  await openRoom(a.page, server.url, roomId);
  await send(a.page, 'never mind');
  const mine = stored(a.page, 'never mind');
  await mine.hover();
  await mine.getByTestId('edit-button').click();
  await a.page.getByTestId('edit-input').fill('   ');
  await a.page.getByTestId('edit-save').click();
  const dialog = a.page.getByRole('dialog', { name: 'Delete message?' });
  await dialog.waitFor();
  await dialog.getByRole('button', { name: 'Delete' }).click();
  await a.page.locator('[data-testid="message"].deleted').waitFor();

  // Members: "2 online of 3" (Alice and Bob online, the observer not).
  const b = await openAs(browser, server.url, bob, PASSWORD);
  await openRoom(b.page, server.url, roomId);
  await a.page.getByTestId('toggle-members').getByText('2 online of 3').waitFor();

  // The observer's write controls stay focusable and explain why, on focus as on hover.
  const o = await openAs(browser, server.url, observer, PASSWORD);
  await openRoom(o.page, server.url, roomId);
  const row = stored(o.page, 'written a while ago');
  await row.hover();
  const picker = row.getByTestId('reaction-picker-button');
  assert.equal(await picker.getAttribute('aria-disabled'), 'true');
  assert.equal(await picker.isDisabled(), true);
  await picker.focus();
  assert.equal(await o.page.evaluate(() => document.activeElement?.dataset.testid), 'reaction-picker-button');
  const hint = await picker.evaluate((el) => getComputedStyle(el.parentElement, '::after').content);
  assert.match(hint, /Read-only account: you can look, not change/);
  assert.equal(await picker.getAttribute('aria-description'), 'Read-only account: you can look, not change');
  // Pressing it does nothing.
  await o.page.keyboard.press('Enter');
  assert.equal(await o.page.getByTestId('reaction-picker').count(), 0);
});

browserTest('on a phone the room header is one compact line with its actions in a menu', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const roomId = await createRoom(alice);
  await alice.api.patch(`rooms/${roomId}`, { description: 'A room with a long description that used to take several lines on a phone screen' });
  const { page } = await openAs(browser, server.url, alice, PASSWORD, { viewport: PHONE });
  t.after(() => assert.deepEqual(page.errors, [], 'uncaught errors'));
  await openRoom(page, server.url, roomId);
  const header = page.locator('.chat-header');
  const box = await header.boundingBox();
  assert.ok(box.height <= 56, `header height ${box.height}px`);
  assert.equal(await page.getByTestId('toggle-members').isVisible(), false);
  await page.getByTestId('header-menu').click();
  await page.getByTestId('toggle-members').waitFor();
  const menu = await page.locator('.chat-header-actions').boundingBox();
  assert.ok(menu.x >= 0 && menu.x + menu.width <= PHONE.width, 'the menu fits the screen');
  await page.keyboard.press('Escape');
  await page.getByTestId('toggle-members').waitFor({ state: 'hidden' });
  // Desktop keeps the buttons in the header.
  await page.setViewportSize({ width: 1280, height: 800 });
  await page.getByTestId('toggle-members').waitFor();
  assert.equal(await page.getByTestId('header-menu').isVisible(), false);
});
