// Pins, saved messages and edit history in real browsers: an edit shows its earlier text, a pin
// reaches a colleague's page and pins panel live, and a saved message is listed, opened and
// removed from the Saved page.
import assert from 'node:assert/strict';
import { createRoom, createUser, PASSWORD, startServer } from '../lib/harness.mjs';
import { browserTest, launchBrowser, openAs, openRoom, send, stored } from './browser.mjs';

browserTest('a pinned, edited and saved message across two pages', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const bob = await createUser(server.url, { name: 'Bob Builder' });
  const roomId = await createRoom(alice, { members: [bob] });
  const a = await openAs(browser, server.url, alice, PASSWORD);
  const b = await openAs(browser, server.url, bob, PASSWORD);
  t.after(() => {
    assert.deepEqual(a.page.errors, [], 'uncaught errors in the first page');
    assert.deepEqual(b.page.errors, [], 'uncaught errors in the second page');
  });
  await openRoom(a.page, server.url, roomId);
  await openRoom(b.page, server.url, roomId);

  // Alice posts and corrects a message; Bob reads both texts in its edit history.
  await send(a.page, 'Deploy checklist, draft');
  const mine = stored(a.page, 'Deploy checklist, draft');
  await mine.hover();
  await mine.getByTestId('edit-button').click();
  await a.page.getByTestId('edit-input').fill('Deploy checklist, final');
  await a.page.getByTestId('edit-save').click();
  const theirs = stored(b.page, 'Deploy checklist, final');
  await theirs.getByTestId('edited-mark').click();
  const versions = b.page.getByTestId('edit-history').getByTestId('history-version');
  await versions.nth(1).waitFor();
  assert.deepEqual(
    (await versions.locator('.history-body').allTextContents()).map((s) => s.trim()),
    ['Deploy checklist, draft', 'Deploy checklist, final'],
  );
  await b.page.keyboard.press('Escape');
  await b.page.getByTestId('edit-history').waitFor({ state: 'detached' });

  // Bob keeps the pins panel open; Alice pins the message: it shows up there live.
  await b.page.getByTestId('toggle-pins').click();
  const panel = b.page.getByTestId('pins-panel');
  await panel.getByText('Nothing pinned yet', { exact: false }).waitFor();
  const final = stored(a.page, 'Deploy checklist, final');
  await final.hover();
  await final.getByTestId('pin-button').click();
  await final.getByTestId('pinned-mark').waitFor();
  await theirs.getByTestId('pinned-mark').waitFor();
  const pin = panel.getByTestId('pin');
  await pin.getByText('Deploy checklist, final').waitFor();
  assert.match(await pin.textContent(), /Pinned by Alice Agent/);
  const pins = await alice.api.get(`rooms/${roomId}/pins`);
  assert.equal(pins.status, 200);
  assert.deepEqual(pins.data.items.map((p) => p.message.body), ['Deploy checklist, final']);

  // Bob unpins it from the panel: gone from his panel, and Alice's mark goes too.
  await pin.getByTestId('pin-unpin').click();
  await pin.waitFor({ state: 'detached' });
  await final.getByTestId('pinned-mark').waitFor({ state: 'detached' });

  // Bob saves it and finds it on his Saved page, which opens it in the room.
  await theirs.hover();
  await theirs.getByTestId('save-button').click();
  await theirs.locator('[data-testid="save-button"][aria-pressed="true"]').waitFor();
  await b.page.getByTestId('nav-saved').click();
  const item = b.page.getByTestId('saved-item');
  await item.getByText('Deploy checklist, final').waitFor();
  assert.deepEqual(
    (await bob.api.get('me/saved')).data.items.map((s) => s.message.body),
    ['Deploy checklist, final'],
  );
  await item.getByRole('link').click();
  await stored(b.page, 'Deploy checklist, final').and(b.page.locator('.highlighted')).waitFor();
  await b.page.getByTestId('nav-saved').click();
  await b.page.getByTestId('unsave').click();
  await b.page.getByText('Nothing saved yet', { exact: false }).waitFor();
  assert.deepEqual((await bob.api.get('me/saved')).data.items, []);
});
