// Keyboard habits in real browsers: Up in the empty composer edits my last message, Esc marks
// the room read, Ctrl+K jumps to a room or a person, drafts stay per room across room switches
// and reloads (and go on sign-out), Shift+Enter is a new line, and the message list is one Tab
// stop whose arrows move between messages and whose Enter opens a message's actions.
import assert from 'node:assert/strict';
import { createRoom, createUser, PASSWORD, startServer, until } from '../lib/harness.mjs';
import { browserTest, launchBrowser, openAs, openRoom, roomReady, send, stored } from './browser.mjs';

async function post(user, roomId, body) {
  const res = await user.api.post(`rooms/${roomId}/messages`, { clientId: crypto.randomUUID(), body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.data;
}

/** What has the focus: a message's seq, a test id, or the tag. */
const focusOf = (page) =>
  page.evaluate(() => {
    const el = document.activeElement;
    if (!el) return null;
    if (el.matches('li.message')) return `message:${el.dataset.seq}`;
    return el.dataset.testid ?? el.tagName.toLowerCase();
  });

browserTest('Up edits my last message, Shift+Enter is a new line, Esc marks the room read', { timeout: 150_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const bob = await createUser(server.url, { name: 'Bob Builder' });
  const roomId = await createRoom(alice, { members: [bob] });
  const a = await openAs(browser, server.url, alice, PASSWORD);
  t.after(() => assert.deepEqual(a.page.errors, [], 'uncaught errors'));
  const { page } = a;
  await openRoom(page, server.url, roomId);

  // Shift+Enter adds a line; Enter sends both lines as one message.
  const composer = page.getByTestId('composer');
  await composer.fill('first line');
  await composer.press('Shift+Enter');
  await composer.pressSequentially('second line');
  assert.equal(await composer.inputValue(), 'first line\nsecond line');
  await composer.press('Enter');
  await page.locator('[data-testid="message"]:not(.pending) [data-testid="message-body"]', { hasText: 'second line' }).waitFor();
  await send(page, 'typo here');
  await stored(page, 'typo here').waitFor();

  // Up in the empty composer: my last message opens for editing; Enter saves, focus comes back.
  await composer.press('ArrowUp');
  const edit = page.getByTestId('edit-input');
  await edit.waitFor();
  assert.equal(await edit.inputValue(), 'typo here');
  await edit.fill('typo fixed');
  await edit.press('Enter');
  await stored(page, 'typo fixed').waitFor();
  await until(async () => (await focusOf(page)) === 'composer', 5_000, 'focus back in the composer');
  // Not while there is text: Up moves the caret as usual.
  await composer.fill('draft');
  await composer.press('ArrowUp');
  assert.equal(await edit.count(), 0);
  await composer.fill('');

  // Bob writes while Alice looks at another room; back in this one, Esc marks it read.
  const other = await createRoom(alice);
  await openRoom(page, server.url, other);
  const last = await post(bob, roomId, 'are you there?');
  const slug = (await alice.api.get(`rooms/${roomId}`)).data.slug;
  await page.getByTestId(`room-${slug}`).getByTestId('unread-count').waitFor();
  // Scrolled up in the room, nothing marks it read by itself...
  for (let i = 0; i < 30; i++) await post(bob, roomId, `filler ${i}`);
  await page.getByTestId(`room-${slug}`).click();
  await roomReady(page, roomId);
  await page.getByTestId('unread-bar').waitFor();
  assert.ok((await alice.api.get(`rooms/${roomId}`)).data.lastReadSeq < last.seq);
  // ...until Esc.
  await composer.focus();
  await page.keyboard.press('Escape');
  await page.getByTestId('unread-bar').waitFor({ state: 'detached' });
  await page.getByTestId(`room-${slug}`).getByTestId('unread-count').waitFor({ state: 'detached' });
  await until(async () => (await alice.api.get(`rooms/${roomId}`)).data.lastReadSeq >= last.seq + 30, 10_000, 'read on the server');
});

browserTest('Ctrl+K jumps to a room or a person; drafts survive room switches, reloads, not sign-out', { timeout: 150_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const bob = await createUser(server.url, { name: 'Bob Builder' });
  const first = await createRoom(alice);
  const second = await createRoom(alice);
  const secondSlug = (await alice.api.get(`rooms/${second}`)).data.slug;
  const { page } = await openAs(browser, server.url, alice, PASSWORD);
  t.after(() => assert.deepEqual(page.errors, [], 'uncaught errors'));
  await openRoom(page, server.url, first);

  // A draft in the first room.
  await page.getByTestId('composer').fill('half a thought');

  // Ctrl+K, a few letters of the second room, Enter.
  await page.getByTestId('composer').press('Control+k');
  const input = page.getByTestId('switcher-input');
  await input.waitFor();
  await input.fill(secondSlug.slice(0, 10));
  await page.getByTestId('switcher-option').first().getByText(secondSlug).waitFor();
  await input.press('Enter');
  await roomReady(page, second);
  assert.equal(new URL(page.url()).pathname, `/rooms/${second}`);
  assert.equal(await page.getByTestId('composer').inputValue(), '');
  await page.getByTestId('composer').fill('second thoughts');

  // Back to the first room: its draft is there; after a reload too.
  await page.goBack();
  await roomReady(page, first);
  assert.equal(await page.getByTestId('composer').inputValue(), 'half a thought');
  await page.reload();
  await roomReady(page, first);
  assert.equal(await page.getByTestId('composer').inputValue(), 'half a thought');
  await openRoom(page, server.url, second);
  assert.equal(await page.getByTestId('composer').inputValue(), 'second thoughts');

  // Cmd+K (Meta) works too; a person opens the conversation with them.
  await page.keyboard.press('Meta+k');
  await input.waitFor();
  await input.fill('Bob Bui');
  await page.getByTestId('switcher-option').filter({ hasText: 'Bob Builder' }).waitFor();
  await input.press('Enter');
  await page.getByTestId('chat-room').getByRole('heading', { name: /Bob Builder/ }).waitFor();
  const dms = (await alice.api.get('rooms')).data.items.filter((r) => r.kind === 'dm');
  assert.equal(dms.length, 1);

  // Signing out forgets the drafts.
  const key = `sb:${alice.user.id}:drafts`;
  assert.ok(await page.evaluate((k) => localStorage.getItem(k), key));
  await page.getByTestId('sign-out').click();
  await page.getByTestId('signin-email').waitFor();
  assert.equal(await page.evaluate((k) => localStorage.getItem(k), key), null);
});

browserTest('the message list is one Tab stop: arrows move, Enter opens the actions', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const bob = await createUser(server.url, { name: 'Bob Builder' });
  const roomId = await createRoom(alice, { members: [bob] });
  const sent = [];
  for (let i = 1; i <= 12; i++) sent.push(await post(i % 2 ? bob : alice, roomId, `message ${i} with [a link](https://example.com/${i})`));
  await alice.api.put(`messages/${sent[5].id}/reactions/👍`);
  const { page } = await openAs(browser, server.url, alice, PASSWORD);
  t.after(() => assert.deepEqual(page.errors, [], 'uncaught errors'));
  await openRoom(page, server.url, roomId);
  const lastSeq = sent[11].seq;

  // Only one element inside the list is in the Tab order.
  const tabStops = await page.getByTestId('message-list').evaluate((list) =>
    [...list.querySelectorAll('a[href], button, input, textarea, select, [tabindex]')].filter((el) => el.tabIndex >= 0 && !el.closest('[hidden]')).length,
  );
  assert.equal(tabStops, 1);

  // Opened at the end, the room is read at once (no "Mark as read" bar in the way).
  await page.getByTestId('unread-bar').waitFor({ state: 'detached' });
  // From the composer's first control, Shift+Tab reaches the newest message; once more leaves
  // the list.
  await page.getByTestId('attach-button').focus();
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focusOf(page), `message:${lastSeq}`);
  await page.keyboard.press('Shift+Tab');
  const outside = await page.evaluate(() => !document.querySelector('[data-testid="message-list"]').contains(document.activeElement));
  assert.ok(outside, 'the second Shift+Tab leaves the list');
  await page.keyboard.press('Tab');
  assert.equal(await focusOf(page), `message:${lastSeq}`);

  // Arrows move between messages, Home and End to the ends.
  await page.keyboard.press('ArrowUp');
  await page.keyboard.press('ArrowUp');
  assert.equal(await focusOf(page), `message:${sent[9].seq}`);
  await page.keyboard.press('End');
  assert.equal(await focusOf(page), `message:${lastSeq}`);
  await page.keyboard.press('Home');
  assert.equal(await focusOf(page), `message:${sent[0].seq}`);
  // The list's tab stop follows: Tab away and back returns to the same message.
  await page.keyboard.press('Tab');
  await page.keyboard.press('Shift+Tab');
  assert.equal(await focusOf(page), `message:${sent[0].seq}`);

  // Enter opens the message's actions: focus on the first, arrows along them, Escape back.
  for (let i = 0; i < 5; i++) await page.keyboard.press('ArrowDown');
  assert.equal(await focusOf(page), `message:${sent[5].seq}`);
  await page.keyboard.press('Enter');
  assert.equal(await focusOf(page), 'reaction-picker-button');
  await page.keyboard.press('ArrowRight');
  assert.equal(await focusOf(page), 'reply-button');
  // Inside an open message, Tab reaches its other controls (links, reactions) too.
  const row = page.locator(`li.message[data-seq="${sent[5].seq}"]`);
  assert.equal(await row.getByTestId('reaction').evaluate((el) => el.tabIndex), 0);
  await page.keyboard.press('Escape');
  assert.equal(await focusOf(page), `message:${sent[5].seq}`);
  assert.equal(await row.getByTestId('reaction').evaluate((el) => el.tabIndex), -1);
  // The reply action works from the keyboard: the thread opens.
  await page.keyboard.press('Enter');
  await page.keyboard.press('ArrowRight');
  await page.keyboard.press('Enter');
  await page.getByTestId('thread-panel').waitFor();
});
