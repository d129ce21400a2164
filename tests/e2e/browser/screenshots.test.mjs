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
const SAM = 'sam@demo.switchboard.chat';
/** The demo ticket (support, pending, assigned to Sam) shown with its assistant panel. */
const PASSWORD_TICKET = "I can't log in after resetting my password";
const MAX_BYTES = 200 * 1024;

const ROOT = 'Deploy 2026.11.4 is rolling out now, status in this thread.';
const FORMATTED = [
  'Rollout checklist for **2026.11.4**, _please read before Friday_:',
  '1. Drain the canary (`sb drain canary-1`)',
  '2. Watch the error rate on the dashboard',
  '> If p95 goes above 80 ms, stop and page me.',
  '```rust',
  'fn healthy(p95_ms: u32) -> bool {',
  '    p95_ms <= 80',
  '}',
  '```',
].join('\n');
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

/**
 * Waits until the server's telemetry has at least `points` finished minutes (instances write
 * each minute a few seconds after it ends), so the charts have lines to draw.
 */
async function telemetryPoints(admin, points, chatter) {
  const deadline = Date.now() + 200_000;
  for (let i = 1; ; i++) {
    const res = await admin.api.get('admin/telemetry?window=1h');
    assert.equal(res.status, 200, JSON.stringify(res.body));
    if (res.data.series.length >= points) return;
    assert.ok(Date.now() < deadline, `telemetry has ${res.data.series.length} points, wanted ${points}`);
    // Some traffic meanwhile, delivered to an open page, so messages and round trips show too.
    if (i % 4 === 0) await chatter(i / 4);
    await new Promise((r) => setTimeout(r, 2000));
  }
}

browserTest('screenshots of the main screens (demo data)', { timeout: 420_000 }, async (t) => {
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
  await page.getByRole('button', { name: /^Use demo account Grace Hopper staff\b/ }).click();
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

  // The notification bell, open, after Linus mentions Grace in #engineering.
  await post(linus, engineering.id, `@${grace.user.handle} could you double-check the rollout plan before Friday?`);
  await page.locator('[data-testid="bell-count"]').waitFor();
  await page.getByTestId('bell').click();
  await page.getByTestId('notification').filter({ hasText: 'double-check the rollout plan' }).waitFor();
  await shoot(page, 'notifications');
  await page.getByTestId('bell').click();
  await page.getByTestId('notification').first().waitFor({ state: 'detached' });

  // A formatted message (a code block highlighted on demand, a list, a quote), pinned, with the
  // room's pins panel open.
  const formatted = await post(linus, engineering.id, FORMATTED);
  const pinned = await grace.api.put(`messages/${formatted.id}/pin`);
  assert.equal(pinned.status, 200, JSON.stringify(pinned.body));
  await page.goto(`${server.url}/rooms/${engineering.id}`);
  await roomReady(page, engineering.id);
  const formattedRow = page.locator(`[data-testid="message"][data-id="${formatted.id}"]`);
  await formattedRow.locator('pre > code.language-rust span.hljs-keyword').first().waitFor();
  await formattedRow.getByTestId('pinned-mark').waitFor();
  await page.getByTestId('toggle-pins').click();
  await page.getByTestId('pins-panel').getByTestId('pin').first().waitFor();
  await shoot(page, 'pins');
  await page.getByTestId('toggle-pins').click();
  await page.getByTestId('pins-panel').waitFor({ state: 'detached' });

  // A name on a message opens the person's profile card; the member list shows statuses.
  const profile = await linus.api.patch('me', {
    title: 'Site reliability engineer',
    timezone: 'Europe/Helsinki',
    status: { emoji: '🚀', text: 'Rolling out 2026.11.4' },
  });
  assert.equal(profile.status, 200, JSON.stringify(profile.body));
  const toggle = page.getByTestId('toggle-members');
  if ((await toggle.getAttribute('aria-pressed')) !== 'true') await toggle.click();
  await page.getByTestId('member').filter({ hasText: 'Linus' }).getByTestId('member-status').waitFor();
  await formattedRow.getByTestId('message-author').click();
  await page.getByTestId('profile-card').getByTestId('profile-status').waitFor();
  await page.getByTestId('profile-card').getByTestId('profile-time').waitFor();
  await shoot(page, 'profile');
  await page.keyboard.press('Escape');

  // Saved messages: what Grace kept for later, each opening in its room.
  const saved = await grace.api.put(`messages/${formatted.id}/save`);
  assert.equal(saved.status, 200, JSON.stringify(saved.body));
  await page.goto(`${server.url}/saved`);
  await page.getByTestId('saved-page').getByTestId('unsave').first().waitFor();
  await shoot(page, 'saved');

  // Notification preferences on the account page (e-mail, browser, quiet hours).
  await page.goto(`${server.url}/account`);
  const prefs = page.locator('section[aria-labelledby="prefs-title"]');
  await prefs.getByTestId('pref-browser').waitFor();
  await prefs.scrollIntoViewIfNeeded();
  await shoot(page, 'preferences');

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

  // The ticket queue, every status, as the admin (all departments).
  await admin.page.goto(`${server.url}/tickets?status=`);
  await admin.page.getByRole('link', { name: PASSWORD_TICKET }).waitFor();
  await admin.page.locator('[data-testid="ticket-row"][data-status="resolved"]').first().waitFor();
  await shoot(admin.page, 'tickets');

  // Search results with highlighted snippets and a matching room.
  await admin.page.goto(`${server.url}/search?q=${encodeURIComponent('deploy')}`);
  await admin.page.getByTestId('search-result').first().locator('mark').first().waitFor();
  await admin.page.getByTestId('search-room').first().waitFor();
  await shoot(admin.page, 'search');

  // The public support form, filled in (no session).
  const visitor = await newPage(browser, { viewport: DESKTOP });
  await visitor.page.goto(`${server.url}/support`);
  await visitor.page.getByTestId('support-name').fill('Dana Brooks');
  await visitor.page.getByTestId('support-email').fill('dana@customer.example');
  await visitor.page.getByTestId('support-department').selectOption('billing');
  await visitor.page.getByTestId('support-subject').fill('Invoice shows the wrong VAT number');
  await visitor.page.getByTestId('support-message').fill('Our November invoice still has our old VAT number on it. Could you send a corrected one?');
  await shoot(visitor.page, 'support-form');
  assert.deepEqual(visitor.page.errors, []);
  await visitor.context.close();

  // A ticket with its assistant panel, as the support agent working it.
  const agent = await newPage(browser, { viewport: DESKTOP });
  await signIn(agent.page, server.url, SAM, DEMO_PASSWORD);
  await agent.page.goto(`${server.url}/tickets`);
  await agent.page.getByTestId('filter-status').selectOption('pending');
  await agent.page.getByRole('link', { name: PASSWORD_TICKET }).click();
  await agent.page.getByTestId('assistant-summary').waitFor();
  await agent.page.locator('[data-testid="chat-room"] [data-testid="message-list"][aria-busy="false"]').waitFor();
  await agent.page.locator('[data-testid="message"]').nth(2).waitFor();
  await shoot(agent.page, 'ticket-assistant');
  assert.deepEqual(agent.page.errors, []);
  await agent.context.close();

  // Phone-width chat.
  const phone = await newPage(browser, { viewport: PHONE });
  await signIn(phone.page, server.url, GRACE, DEMO_PASSWORD);
  await phone.page.goto(`${server.url}/rooms/${engineering.id}`);
  await roomReady(phone.page, engineering.id);
  await stored(phone.page, 'Nice work everyone, thanks for the quick turnaround.').waitFor();
  await shoot(phone.page, 'chat-phone');
  await phone.context.close();

  // Telemetry last: the server has been up long enough for its charts to have lines.
  const builds = (n) => post(linus, engineering.id, `CI build #${4100 + n} passed (${120 + ((n * 37) % 60)} s).`);
  await telemetryPoints(await login(server.url, ADA, DEMO_PASSWORD), 3, builds);
  await admin.page.goto(`${server.url}/admin/telemetry`);
  await admin.page.getByTestId('telemetry-status').filter({ hasText: 'Updated' }).waitFor();
  await admin.page.locator('[data-testid="chart"] polyline').first().waitFor({ state: 'attached' });
  await shoot(admin.page, 'admin-telemetry');
  assert.deepEqual([...page.errors, ...admin.page.errors, ...phone.page.errors], []);
  await admin.context.close();
});
