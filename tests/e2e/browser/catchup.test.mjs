// Catching up in real browsers: a room with many unread messages opens at the "New messages"
// divider (not at the bottom), with day separators; the tab title and icon count the unread;
// "Mark as read" clears them for the sidebar, the title and the server; a message sent while
// scrolled up scrolls into view.
import assert from 'node:assert/strict';
import { createRoom, createUser, PASSWORD, startServer, until } from '../lib/harness.mjs';
import { browserTest, launchBrowser, newPage, openAs, openRoom, roomReady, rows, screenshot, send, signIn } from './browser.mjs';

async function post(user, roomId, body) {
  const res = await user.api.post(`rooms/${roomId}/messages`, { clientId: crypto.randomUUID(), body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.data;
}

/** Whether the element's box is within the message list's visible part. */
async function onScreen(page, locator) {
  if ((await locator.count()) === 0) return false;
  const box = await locator.boundingBox();
  const list = await page.getByTestId('message-list').boundingBox();
  return Boolean(box && list && box.y >= list.y - 1 && box.y + box.height <= list.y + list.height + 1);
}

browserTest('a room opens at the first unread message, and catching up clears every count', { timeout: 180_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const bob = await createUser(server.url, { name: 'Bob Builder' });
  const roomId = await createRoom(bob, { members: [alice] });
  const room = (await bob.api.get(`rooms/${roomId}`)).data;
  const first = await post(bob, roomId, 'read before');
  await post(bob, roomId, 'also read');
  assert.equal((await alice.api.post(`rooms/${roomId}/read`, { seq: first.seq + 1 })).status < 300, true);
  // Seventy unread: more than a page, so the room opens around the first of them.
  for (let i = 1; i <= 70; i++) await post(bob, roomId, `unread ${i}`);

  const { page } = await openAs(browser, server.url, alice, PASSWORD);
  t.after(() => assert.deepEqual(page.errors, [], 'uncaught errors'));
  // The tab's title and icon count them before the room is opened.
  await page.waitForFunction(() => document.title === '(70) Switchboard');
  assert.equal(await page.locator('link[rel="icon"]').getAttribute('data-unread'), '70');
  assert.match(decodeURIComponent(await page.locator('link[rel="icon"]').getAttribute('href')), />70<\/text>/);

  await page.getByTestId(`room-${room.slug}`).click();
  await roomReady(page, roomId);
  const divider = page.getByTestId('unread-divider');
  await divider.waitFor();
  // The divider sits right before the first unread message, and the room opened there.
  const next = await divider.evaluate((el) => el.nextElementSibling?.querySelector('[data-testid="message-body"]')?.textContent);
  assert.equal(next, 'unread 1');
  assert.ok(await onScreen(page, divider), 'the divider is on screen');
  assert.equal(await onScreen(page, rows(page, 'unread 70')), false, 'the room did not open at the bottom');
  // Day separators: today's messages under one "Today".
  const days = await page.getByTestId('day-separator').allTextContents();
  assert.deepEqual(days, ['Today']);
  const bar = page.getByTestId('unread-bar');
  await bar.getByText('70 new messages').waitFor();
  await screenshot(page, 'catchup');
  // Nothing is read by opening: the server still has the old read position.
  assert.equal((await alice.api.get(`rooms/${roomId}`)).data.lastReadSeq, first.seq + 1);

  // "Mark as read": the bar, the sidebar badge and the title's count go; the server agrees.
  await page.getByTestId('mark-read').click();
  await bar.waitFor({ state: 'detached' });
  await page.getByTestId(`room-${room.slug}`).getByTestId('unread-count').waitFor({ state: 'detached' });
  await page.waitForFunction(() => document.title === 'Switchboard');
  assert.equal(await page.locator('link[rel="icon"]').getAttribute('data-unread'), '0');
  await until(async () => (await alice.api.get(`rooms/${roomId}`)).data.lastReadSeq >= room.lastSeq + 72, 10_000, 'read on the server');
  assert.ok(await onScreen(page, divider), 'marking read does not move the view');
  // Still up at the divider (the newest page is not even loaded): a message sent from here
  // scrolls into view.
  await send(page, 'catching up now');
  const mine = rows(page, 'catching up now');
  await mine.waitFor();
  await until(() => onScreen(page, mine), 10_000, 'my message in view');
});

browserTest('day separators say Today, Yesterday and the date', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const roomId = await createRoom(alice);
  await post(alice, roomId, 'written today');

  // Seen the same day, the message is under "Today".
  const today = await openAs(browser, server.url, alice, PASSWORD);
  await openRoom(today.page, server.url, roomId);
  assert.deepEqual(await today.page.getByTestId('day-separator').allTextContents(), ['Today']);

  // Seen from a browser whose clock says tomorrow, then the day after.
  for (const [days, expect] of [
    [1, /^Yesterday$/],
    [3, /^[A-Z][a-z]+day,? \d{1,2} [A-Z][a-z]+$|^[A-Z][a-z]+day,? [A-Z][a-z]+ \d{1,2}$/],
  ]) {
    const { page } = await newPage(browser);
    await page.clock.setFixedTime(new Date(Date.now() + days * 24 * 3600 * 1000));
    await signIn(page, server.url, alice.user.email, PASSWORD);
    await openRoom(page, server.url, roomId);
    const labels = await page.getByTestId('day-separator').allTextContents();
    assert.equal(labels.length, 1);
    assert.match(labels[0], expect);
    await page.context().close();
  }
});
