// Screenshots of the main screens on a `serve --demo` server, written to docs/screenshots/ on
// every run (the README links them). Each one waits for its screen to be ready, never a sleep.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { statSync } from 'node:fs';
import { login, startServer } from '../lib/harness.mjs';
import { browserTest, DESKTOP, launchBrowser, newPage, PHONE, roomReady, screenshot, signIn, stored } from './browser.mjs';

const DEMO_PASSWORD = 'switchboard-demo';
const GRACE = 'grace@demo.switchboard.chat';
const LINUS = 'linus@demo.switchboard.chat';
const MARGARET = 'margaret@demo.switchboard.chat';
const ADA = 'ada@demo.switchboard.chat';
const MAX_BYTES = 200 * 1024;

const ROOT = 'Deploy 2026.11.4 is rolling out now, status in this thread.';
const REPLIES = ['Canary looks healthy: p95 at 41 ms, no new errors.', 'Rolled out to all instances. Closing the deploy window.'];

async function post(who, roomId, body, parentId) {
  const res = await who.api.post(`rooms/${roomId}/messages`, { clientId: randomUUID(), body, ...(parentId ? { parentId } : {}) });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.data;
}

async function react(who, messageId, emoji) {
  const res = await who.api.put(`messages/${messageId}/reactions/${encodeURIComponent(emoji)}`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
}

/** Settles the page for a picture: fonts loaded, no hover, no focus ring on a button. */
async function settle(page) {
  await page.evaluate(() => document.fonts.ready);
  await page.mouse.move(0, 0);
  await page.evaluate(() => (document.activeElement instanceof HTMLElement ? document.activeElement.blur() : undefined));
}

async function shoot(page, name) {
  await settle(page);
  const path = await screenshot(page, name);
  const bytes = statSync(path).size;
  assert.ok(bytes < MAX_BYTES, `${name}.png is ${bytes} bytes (limit ${MAX_BYTES})`);
}

browserTest('screenshots of the main screens (demo data)', { timeout: 240_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true, demo: true });
  const grace = await login(server.url, GRACE, DEMO_PASSWORD);
  const linus = await login(server.url, LINUS, DEMO_PASSWORD);
  const margaret = await login(server.url, MARGARET, DEMO_PASSWORD);
  const rooms = (await grace.api.get('rooms')).data.items;
  const engineering = rooms.find((r) => r.slug === 'engineering');
  const dm = rooms.find((r) => r.kind === 'dm');
  assert.ok(engineering && dm, 'demo rooms are there');

  // A fresh thread with reactions at the bottom of #engineering, so the picture shows both.
  const root = await post(grace, engineering.id, ROOT);
  await post(linus, engineering.id, REPLIES[0], root.id);
  await post(margaret, engineering.id, REPLIES[1], root.id);
  await react(linus, root.id, '🎉');
  await react(margaret, root.id, '🎉');
  await react(margaret, root.id, '👀');
  const last = await post(linus, engineering.id, 'Nice work everyone, thanks for the quick turnaround.');
  await react(grace, last.id, '👍');

  // Sign-in page with the demo accounts.
  const { context, page } = await newPage(browser, { viewport: DESKTOP });
  await page.goto(`${server.url}/signin`);
  await page.getByRole('heading', { name: 'Demo accounts' }).waitFor();
  await shoot(page, 'signin');

  // Chat room with messages, reactions and a thread open.
  await page.getByRole('button', { name: 'Use demo account Grace Hopper (staff)' }).click();
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('sign-out').waitFor();
  await page.getByTestId(`room-engineering`).click();
  await roomReady(page, engineering.id);
  const rootRow = stored(page, ROOT);
  await rootRow.getByTestId('open-thread').click();
  await page.getByTestId('thread-panel').waitFor();
  for (const reply of REPLIES) await page.getByText(reply, { exact: true }).last().waitFor();
  await stored(page, 'Nice work everyone, thanks for the quick turnaround.').getByTestId('reaction').waitFor();
  await shoot(page, 'chat');

  // Direct message.
  await page.getByTestId(`room-${dm.slug}`).click();
  await roomReady(page, dm.id);
  await page.locator('[data-testid="message"]').last().waitFor();
  await shoot(page, 'dm');

  // Dark theme chat (the theme is saved per browser).
  await page.evaluate(() => localStorage.setItem('sb:theme', 'dark'));
  await page.goto(`${server.url}/rooms/${engineering.id}`);
  await roomReady(page, engineering.id);
  await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
  await stored(page, ROOT).waitFor();
  await shoot(page, 'chat-dark');
  await context.close();

  // Discover rooms, as the admin (not in every department room, so some offer "Join").
  const admin = await newPage(browser, { viewport: DESKTOP });
  await signIn(admin.page, server.url, ADA, DEMO_PASSWORD);
  await admin.page.getByTestId('nav-discover').click();
  await admin.page.getByRole('heading', { name: 'Discover rooms' }).waitFor();
  await admin.page.getByText('The helpdesk team room').waitFor();
  await admin.page.getByRole('button', { name: /^Join/ }).first().waitFor();
  await shoot(admin.page, 'discover');

  // Admin: users.
  await admin.page.getByTestId('nav-admin').click();
  await admin.page.getByRole('cell', { name: 'Olivia Observer' }).first().waitFor();
  await shoot(admin.page, 'admin-users');
  await admin.context.close();

  // Phone-width chat.
  const phone = await newPage(browser, { viewport: PHONE });
  await signIn(phone.page, server.url, GRACE, DEMO_PASSWORD);
  await phone.page.goto(`${server.url}/rooms/${engineering.id}`);
  await roomReady(phone.page, engineering.id);
  await stored(phone.page, 'Nice work everyone, thanks for the quick turnaround.').waitFor();
  await shoot(phone.page, 'chat-phone');
  assert.deepEqual([...page.errors, ...admin.page.errors, ...phone.page.errors], []);
  await phone.context.close();
});
