// Mentions and notifications in real browsers: Alice picks Bob from the composer's @
// autocomplete; Bob's bell and room badge count it live, the bell's entry opens the message
// highlighted in its room, and reading it brings the counts back to zero.
import assert from 'node:assert/strict';
import { createRoom, createUser, PASSWORD, startServer } from '../lib/harness.mjs';
import { browserTest, connected, launchBrowser, openAs, openRoom, stored } from './browser.mjs';

browserTest('a mention picked from the autocomplete reaches the bell and opens in context', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const bob = await createUser(server.url, { name: 'Bob Builder' });
  const roomId = await createRoom(alice, { members: [bob] });
  const { slug } = (await alice.api.get(`rooms/${roomId}`)).data;
  const handle = bob.user.handle;
  const a = await openAs(browser, server.url, alice, PASSWORD);
  const b = await openAs(browser, server.url, bob, PASSWORD);
  t.after(() => {
    assert.deepEqual(a.page.errors, [], 'uncaught errors in the first page');
    assert.deepEqual(b.page.errors, [], 'uncaught errors in the second page');
  });
  await openRoom(a.page, server.url, roomId);
  // Bob stays on the home page: the room is not on his screen, so nothing reads it for him.
  await b.page.getByTestId(`room-${slug}`).waitFor();
  await b.page.getByTestId('bell').waitFor();
  assert.equal(await b.page.getByTestId('bell-count').count(), 0);

  // Alice types @: people and @here/@room are offered; arrows move the choice, Escape closes.
  const composer = a.page.getByTestId('composer');
  const list = a.page.getByTestId('mention-suggest');
  await composer.pressSequentially('@');
  await list.locator('[data-handle="here"]').waitFor();
  await list.locator('[role="option"]').nth(0).and(a.page.locator('[aria-selected="true"]')).waitFor();
  await composer.press('ArrowDown');
  await list.locator('[role="option"]').nth(1).and(a.page.locator('[aria-selected="true"]')).waitFor();
  await composer.press('Escape');
  await list.waitFor({ state: 'detached' });
  // Then the start of Bob's handle, and Enter takes Bob.
  await composer.pressSequentially(handle.slice(0, 3));
  await list.locator(`[data-handle="${handle}"][aria-selected="true"]`).waitFor();
  await composer.press('Enter');
  await a.page.getByTestId('mention-suggest').waitFor({ state: 'detached' });
  assert.equal(await composer.inputValue(), `@${handle} `);
  await composer.pressSequentially('please review the release');
  await composer.press('Enter');
  const body = `@${handle} please review the release`;
  await stored(a.page, body).waitFor();
  const sent = (await alice.api.get(`rooms/${roomId}/messages`)).data.items.find((m) => m.body === body);
  assert.deepEqual(sent.mentions, [{ userId: bob.user.id, handle }]);

  // Bob: the bell and the room's mention badge count it, live.
  await b.page.locator('[data-testid="bell-count"]', { hasText: /^1$/ }).waitFor();
  await b.page.getByTestId(`room-${slug}`).getByTestId('mention-count').filter({ hasText: /^@1$/ }).waitFor();

  // The bell's list names the kind, the room, who and what; the entry opens the message.
  await b.page.getByTestId('bell').click();
  const entry = b.page.getByTestId('notification').filter({ hasText: 'please review the release' });
  await entry.waitFor();
  const text = await entry.textContent();
  assert.match(text, /Mention/);
  assert.match(text, new RegExp(`#${slug}`));
  assert.match(text, /Alice Agent/);
  await entry.click();
  await b.page.waitForURL(`**/rooms/${roomId}?seq=${sent.seq}`);
  const row = stored(b.page, body);
  await row.and(b.page.locator('.highlighted')).waitFor();
  // His own handle is marked apart from other mentions.
  await row.locator('.mention.mention-me', { hasText: `@${handle}` }).waitFor();
  await connected(b.page);

  // Read: the counts are gone, here and on the server.
  await b.page.getByTestId('bell-count').waitFor({ state: 'detached' });
  await b.page.getByTestId(`room-${slug}`).getByTestId('mention-count').waitFor({ state: 'detached' });
  assert.equal((await bob.api.get('auth/me')).data.notificationCount, 0);
});
