// Accessibility: axe-core (injected into the real Chromium page) on every screen of the web
// client, on `serve --demo` data, in the light and the dark theme. Serious and critical
// violations fail the test, all of them listed at once (screen, theme, rule, elements, fix).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import { login, startServer } from '../lib/harness.mjs';
import { browserTest, launchBrowser, newPage, roomReady, signIn } from './browser.mjs';

const AXE = createRequire(import.meta.url).resolve('axe-core/axe.min.js');
const DEMO_PASSWORD = 'switchboard-demo';
const GRACE = 'grace@demo.switchboard.chat';
const LINUS = 'linus@demo.switchboard.chat';
const ADA = 'ada@demo.switchboard.chat';
const SAM = 'sam@demo.switchboard.chat';
/** A demo ticket of Sam's department (support). */
const PASSWORD_TICKET = "I can't log in after resetting my password";
const THREAD_ROOT = 'Who can review the accessibility fixes this afternoon?';
const THREAD_REPLY = 'I can, after the stand-up.';

/** Impacts that fail the test. */
const FAILING = new Set(['serious', 'critical']);

/**
 * A page of `who` (null: signed out) in `theme`, with axe loaded into every document. Both
 * the saved theme and the system preference are set, so neither can win by accident.
 * Init scripts run outside the page's Content-Security-Policy, which forbids inline scripts.
 */
async function themedPage(browser, server, theme, who) {
  const { context, page } = await newPage(browser, { colorScheme: theme });
  await context.addInitScript((choice) => localStorage.setItem('sb:theme', choice), theme);
  await context.addInitScript({ path: AXE });
  if (who) await signIn(page, server.url, who, DEMO_PASSWORD);
  return { context, page };
}

/**
 * Runs axe on the page as it is; returns the failing violations, described. Experimental
 * `label-content-name-mismatch` is switched on: a visible label must be part of the name.
 */
async function audit(page, screen, theme) {
  await page.locator(`html[data-theme="${theme}"]`).waitFor({ state: 'attached' });
  await page.evaluate(() => document.fonts.ready);
  // No hover or focus styles from the steps before in the picture axe takes.
  await page.mouse.move(0, 0);
  const results = await page.evaluate(() =>
    window.axe.run(document, {
      resultTypes: ['violations'],
      rules: { 'label-content-name-mismatch': { enabled: true } },
    }),
  );
  return results.violations
    .filter((v) => FAILING.has(v.impact))
    .map((v) => {
      const nodes = v.nodes
        .slice(0, 6)
        .map((n) => `      ${n.target.join(' ')}\n        ${n.failureSummary.replace(/\s*\n\s*/g, ' | ')}`)
        .join('\n');
      const more = v.nodes.length > 6 ? `\n      … and ${v.nodes.length - 6} more` : '';
      return `[${theme}] ${screen} (${page.url().replace(/^https?:\/\/[^/]+/, '')}): ${v.id} (${v.impact}) ${v.help}\n${nodes}${more}`;
    });
}

browserTest('axe-core finds no serious or critical violations on any screen, light or dark', { timeout: 420_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true, demo: true });
  const grace = await login(server.url, GRACE, DEMO_PASSWORD);
  const linus = await login(server.url, LINUS, DEMO_PASSWORD);
  const rooms = (await grace.api.get('rooms')).data.items;
  const engineering = rooms.find((r) => r.slug === 'engineering');
  const dm = rooms.find((r) => r.kind === 'dm');
  assert.ok(engineering && dm, 'demo rooms are there');
  const root = await grace.api.post(`rooms/${engineering.id}/messages`, { clientId: randomUUID(), body: THREAD_ROOT });
  assert.equal(root.status, 201, JSON.stringify(root.body));
  const reply = await linus.api.post(`rooms/${engineering.id}/messages`, { clientId: randomUUID(), body: THREAD_REPLY, parentId: root.data.id });
  assert.equal(reply.status, 201, JSON.stringify(reply.body));

  const found = [];
  const errors = [];
  for (const theme of ['light', 'dark']) {
    const check = async (page, screen) => found.push(...(await audit(page, screen, theme)));

    // Signed out: sign-in (with the demo accounts) and the public support form.
    const visitor = await themedPage(browser, server, theme, null);
    await visitor.page.goto(`${server.url}/signin`);
    await visitor.page.getByRole('heading', { name: 'Demo accounts' }).waitFor();
    await check(visitor.page, 'sign-in');
    await visitor.page.goto(`${server.url}/support`);
    await visitor.page.getByTestId('support-name').waitFor();
    await check(visitor.page, 'support form');
    errors.push(...visitor.page.errors);
    await visitor.context.close();

    // Staff: a room, a thread, a DM, starting a DM, Discover and search.
    const staff = await themedPage(browser, server, theme, GRACE);
    const page = staff.page;
    await page.goto(`${server.url}/rooms/${engineering.id}`);
    await roomReady(page, engineering.id);
    const rootRow = page.locator(`[data-testid="message"][data-id="${root.data.id}"]`);
    await rootRow.waitFor();
    await check(page, 'chat room');
    await rootRow.getByTestId('open-thread').click();
    await page.getByTestId('thread-panel').getByText(THREAD_REPLY, { exact: true }).waitFor();
    await check(page, 'thread');
    await page.goto(`${server.url}/rooms/${dm.id}`);
    await roomReady(page, dm.id);
    await page.locator('[data-testid="message"]').last().waitFor();
    await check(page, 'direct messages');
    await page.goto(`${server.url}/dms/new`);
    await page.getByRole('heading', { level: 1 }).waitFor();
    await check(page, 'new direct message');
    await page.goto(`${server.url}/discover`);
    await page.getByRole('heading', { name: 'Discover rooms' }).waitFor();
    await page.getByText('Company-wide announcements and chatter').waitFor();
    await check(page, 'discover');
    await page.goto(`${server.url}/search?q=deploy`);
    await page.getByTestId('search-result').first().locator('mark').first().waitFor();
    await check(page, 'search');
    errors.push(...page.errors);
    await staff.context.close();

    // Support staff: the queue (every status) and a ticket with its assistant panel.
    const agent = await themedPage(browser, server, theme, SAM);
    await agent.page.goto(`${server.url}/tickets?status=`);
    const ticketLink = agent.page.getByRole('link', { name: PASSWORD_TICKET });
    await ticketLink.waitFor();
    await check(agent.page, 'tickets queue');
    await ticketLink.click();
    await agent.page.getByTestId('assistant-summary').waitFor();
    await agent.page.locator('[data-testid="chat-room"] [data-testid="message-list"][aria-busy="false"]').waitFor();
    await check(agent.page, 'ticket view');
    errors.push(...agent.page.errors);
    await agent.context.close();

    // Admin: every tab.
    const admin = await themedPage(browser, server, theme, ADA);
    await admin.page.goto(`${server.url}/admin/users`);
    await admin.page.getByRole('cell', { name: 'Olivia Observer' }).first().waitFor();
    await check(admin.page, 'admin users');
    await admin.page.getByTestId('admin-tab-audit').click();
    await admin.page.getByTestId('audit-row').first().waitFor();
    await check(admin.page, 'admin audit log');
    await admin.page.getByTestId('admin-tab-telemetry').click();
    await admin.page.getByTestId('telemetry-status').waitFor();
    await check(admin.page, 'admin telemetry');
    await admin.page.getByTestId('admin-tab-analytics').click();
    await admin.page.getByRole('heading', { name: 'Staff analytics', level: 2 }).waitFor();
    await check(admin.page, 'admin staff analytics');
    errors.push(...admin.page.errors);
    await admin.context.close();
  }

  assert.deepEqual(errors, [], 'no uncaught errors in the pages');
  assert.equal(found.length, 0, `axe-core found ${found.length} serious or critical violations:\n\n${found.join('\n\n')}\n`);
});
