// Reactions in real browsers: the picker of the last message opens inside the viewport with all
// its emoji clickable, the full picker (its code and data served by the server itself, loaded
// only when opened) finds an emoji by name, a reaction reaches a colleague live, and hovering
// or focusing a reaction chip says who reacted.
import assert from 'node:assert/strict';
import { createRoom, createUser, PASSWORD, startServer, until } from '../lib/harness.mjs';
import { browserTest, launchBrowser, openAs, openRoom, screenshot, stored } from './browser.mjs';

/** True when `box` lies wholly inside the page's viewport. */
function inside(box, viewport) {
  return box && box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height;
}

browserTest('the reaction picker stays in the viewport, the full picker searches, and chips say who reacted', { timeout: 180_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const bob = await createUser(server.url, { name: 'Bob Builder' });
  const roomId = await createRoom(alice, { members: [bob] });
  // Enough history that the last message sits at the bottom edge of a scrolled list.
  for (let i = 1; i <= 24; i++) {
    const sent = await alice.api.post(`rooms/${roomId}/messages`, { clientId: crypto.randomUUID(), body: `line ${i}` });
    assert.equal(sent.status, 201);
  }
  const a = await openAs(browser, server.url, alice, PASSWORD);
  const b = await openAs(browser, server.url, bob, PASSWORD);
  t.after(() => {
    assert.deepEqual(a.page.errors, [], 'uncaught errors in the first page');
    assert.deepEqual(b.page.errors, [], 'uncaught errors in the second page');
  });
  const requests = [];
  b.page.on('request', (r) => requests.push(r.url()));
  await openRoom(a.page, server.url, roomId);
  await openRoom(b.page, server.url, roomId);

  // Bob opens the picker of the last message: the panel and its ten emoji are on screen.
  const last = stored(b.page, 'line 24');
  await last.hover();
  await last.getByTestId('reaction-picker-button').click();
  const picker = b.page.getByTestId('reaction-picker');
  await picker.waitFor();
  const viewport = b.page.viewportSize();
  await b.page.waitForFunction(() => document.querySelector('[data-testid="reaction-picker"]')?.getBoundingClientRect().top >= 0);
  assert.ok(inside(await picker.boundingBox(), viewport), `picker inside the viewport: ${JSON.stringify(await picker.boundingBox())}`);
  const emoji = picker.locator('button.emoji-button');
  assert.equal(await emoji.count(), 10);
  for (let i = 0; i < 10; i++) assert.ok(inside(await emoji.nth(i).boundingBox(), viewport), `emoji #${i} inside the viewport`);
  // The composer below does not cover it: the topmost element at each emoji's centre is the emoji.
  const hits = await emoji.evaluateAll((buttons) =>
    buttons.map((el) => {
      const r = el.getBoundingClientRect();
      return el.contains(document.elementFromPoint(r.x + r.width / 2, r.y + r.height / 2));
    }),
  );
  assert.deepEqual(hits, Array(10).fill(true));
  await emoji.nth(9).click();
  await last.locator('[data-testid="reaction"][aria-pressed="true"]', { hasText: '🚀' }).waitFor();
  // Live on Alice's page.
  await stored(a.page, 'line 24').getByTestId('reaction').filter({ hasText: '🚀' }).waitFor();

  // The full picker: nothing of it loaded until "More emoji…"; then its data from this server.
  const dataRequests = () => requests.filter((u) => /\.json(\?|$)/.test(u) && !u.includes('/api/'));
  assert.deepEqual(dataRequests(), [], 'no emoji data before the full picker opens');
  await last.hover();
  await last.getByTestId('reaction-picker-button').click();
  await picker.getByTestId('more-emoji').click();
  const full = b.page.locator('emoji-picker');
  const search = full.locator('input[type="search"]');
  await search.waitFor();
  await b.page.waitForFunction(() => document.querySelector('[data-testid="reaction-picker"]')?.getBoundingClientRect().top >= 0);
  // It grows once its data is in, and is placed again.
  await until(async () => inside(await picker.boundingBox(), viewport), 10_000, 'the full picker inside the viewport');
  await search.fill('avocado');
  const avocado = full.locator('button.emoji[role="option"]').first();
  await avocado.waitFor();
  await screenshot(b.page, 'reactions-picker');
  await avocado.click();
  await last.locator('[data-testid="reaction"][aria-pressed="true"]', { hasText: '🥑' }).waitFor();
  assert.ok(dataRequests().length > 0, 'the emoji data was fetched');
  for (const url of dataRequests()) assert.ok(url.startsWith(server.url), `emoji data from the server itself: ${url}`);
  assert.ok(requests.every((u) => u.startsWith(server.url) || u.startsWith('data:') || u.startsWith('blob:')), 'nothing fetched from elsewhere');

  // Alice adds 🚀 too; hovering the chip tells Bob who reacted, focusing it tells Alice.
  const theirs = stored(a.page, 'line 24');
  await theirs.getByTestId('reaction').filter({ hasText: '🚀' }).click();
  await last.getByTestId('reaction').filter({ hasText: '🚀 2' }).waitFor();
  await last.getByTestId('reaction').filter({ hasText: '🚀' }).hover();
  const tip = b.page.getByTestId('reactors-tooltip');
  await tip.getByText('You and Alice Agent reacted with 🚀').waitFor();
  assert.ok(inside(await tip.boundingBox(), viewport), 'the tooltip is inside the viewport');
  await theirs.getByTestId('reaction').filter({ hasText: '🥑' }).focus();
  await a.page.getByTestId('reactors-tooltip').getByText('Bob Builder reacted with 🥑').waitFor();
  const described = await theirs.getByTestId('reaction').filter({ hasText: '🥑' }).getAttribute('aria-describedby');
  assert.ok(described, 'the chip is described by its tooltip');
});
