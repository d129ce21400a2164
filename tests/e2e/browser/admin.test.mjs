// The admin screens as an admin uses them: one ban action per row, role and department changes
// that ask first and can be undone, "Ban…" readable in both dark themes, and an audit log that
// names people and rooms, says what changed in words, keeps the raw entry one click away and
// fits the screen.
import assert from 'node:assert/strict';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createUser, login, startServer } from '../lib/harness.mjs';
import { browserTest, launchBrowser, newPage, signIn, WAIT_MS } from './browser.mjs';

/** Polls `read` until it returns `want` (the server's state after a click). */
async function eventually(read, want, what) {
  const deadline = Date.now() + WAIT_MS;
  for (;;) {
    const got = await read();
    if (JSON.stringify(got) === JSON.stringify(want)) return;
    assert.ok(Date.now() < deadline, `${what}: ${JSON.stringify(got)}, wanted ${JSON.stringify(want)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** WCAG contrast ratio of an element's text on its own background. */
function contrast(locator) {
  return locator.evaluate((el) => {
    const rgb = (c) => (c.match(/[\d.]+/g) ?? []).slice(0, 3).map(Number);
    const channel = (v) => {
      const s = v / 255;
      return s <= 0.03928 ? s / 12.92 : ((s + 0.055) / 1.055) ** 2.4;
    };
    const luminance = ([r, g, b]) => 0.2126 * channel(r) + 0.7152 * channel(g) + 0.0722 * channel(b);
    const style = getComputedStyle(el);
    const [hi, lo] = [luminance(rgb(style.color)), luminance(rgb(style.backgroundColor))].sort((a, b) => b - a);
    return (hi + 0.05) / (lo + 0.05);
  });
}

browserTest('admin: one ban action per row, confirmed role/department changes with undo, a readable audit log', { timeout: 180_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const grace = await createUser(server.url, { name: 'Grace Hopper', department: 'engineering' });
  const bob = await createUser(server.url, { name: 'Bob Banned', department: 'support' });
  const banned = await admin.api.post(`admin/users/${bob.user.id}/ban`, { reason: 'spam' });
  assert.equal(banned.status, 200, JSON.stringify(banned.body));
  const graceNow = async () => {
    const { data } = await admin.api.get(`admin/users?q=${encodeURIComponent(grace.user.email)}`);
    return { role: data.items[0].role, department: data.items[0].department };
  };

  const { page } = await newPage(browser);
  await signIn(page, server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto(`${server.url}/admin/users`);
  const graceRow = page.getByTestId(`user-row-${grace.user.email}`);
  const bobRow = page.getByTestId(`user-row-${bob.user.email}`);
  await graceRow.waitFor();
  await bobRow.getByTestId('ban-badge').waitFor();

  // Exactly one of "Ban…" and "Unban" on every row.
  const rows = page.locator('[data-testid^="user-row-"]');
  for (let i = 0; i < (await rows.count()); i++) {
    const row = rows.nth(i);
    const both = [await row.getByTestId('ban-button').count(), await row.getByTestId('unban-button').count()];
    assert.deepEqual(both.sort(), [0, 1], `one ban action on ${await row.getAttribute('data-testid')}`);
  }
  assert.equal(await bobRow.getByTestId('unban-button').count(), 1);
  assert.equal(await graceRow.getByTestId('ban-button').count(), 1);

  // A role picked in the list asks first; Cancel changes nothing.
  const role = graceRow.getByTestId('user-role');
  const dialog = page.getByTestId('confirm-dialog');
  await role.selectOption('admin');
  await dialog.getByRole('heading', { name: 'Change Grace Hopper’s role to admin?' }).waitFor();
  assert.match(await dialog.getByTestId('change-consequence').innerText(), /Admins manage every user/);
  await dialog.getByRole('button', { name: 'Cancel' }).click();
  await dialog.getByTestId('change-consequence').waitFor({ state: 'detached' });
  assert.equal(await role.inputValue(), 'staff');
  assert.deepEqual(await graceNow(), { role: 'staff', department: 'engineering' });

  // Confirmed, it is made; the toast's Undo puts it back.
  await role.selectOption('admin');
  await dialog.getByTestId('confirm-button').click();
  const done = page.getByTestId('toast').filter({ hasText: 'Grace Hopper’s role is now admin.' });
  await done.waitFor();
  await eventually(graceNow, { role: 'admin', department: 'engineering' }, 'role after confirming');
  assert.equal(await role.inputValue(), 'admin');
  await done.getByTestId('toast-action').click();
  await page.getByTestId('toast').filter({ hasText: 'Undone: Grace Hopper’s role is staff again.' }).waitFor();
  await eventually(graceNow, { role: 'staff', department: 'engineering' }, 'role after undo');
  assert.equal(await role.inputValue(), 'staff');

  // The department the same way.
  const department = graceRow.getByTestId('user-department');
  await department.selectOption('billing');
  await dialog.getByRole('heading', { name: 'Move Grace Hopper to billing?' }).waitFor();
  await dialog.getByTestId('confirm-button').click();
  // The toast comes once the row shows the answer.
  await page.getByTestId('toast').filter({ hasText: 'Grace Hopper is now in billing.' }).waitFor();
  await eventually(graceNow, { role: 'staff', department: 'billing' }, 'department after confirming');
  assert.equal(await department.inputValue(), 'billing');

  // "Ban…" reaches WCAG AA (4.5:1) in the light theme, the system dark theme and the chosen one.
  const ban = graceRow.getByTestId('ban-button');
  assert.ok((await contrast(ban)) >= 4.5, `light: ${await contrast(ban)}`);
  await page.emulateMedia({ colorScheme: 'dark' });
  assert.ok((await contrast(ban)) >= 4.5, `system dark: ${await contrast(ban)}`);
  await page.evaluate(() => localStorage.setItem('sb:theme', 'dark'));
  await page.reload();
  await page.locator('html[data-theme="dark"]').waitFor({ state: 'attached' });
  await ban.waitFor();
  assert.ok((await contrast(ban)) >= 4.5, `dark: ${await contrast(ban)}`);
  await page.evaluate(() => localStorage.removeItem('sb:theme'));
  await page.emulateMedia({ colorScheme: 'light' });

  // The audit log: names, the change in words, the raw entry on demand, and no sideways scroll.
  await page.getByTestId('admin-tab-audit').click();
  const roleRow = page.locator('[data-testid="audit-row"][data-action="user.role_change"]').first();
  await roleRow.waitFor();
  assert.equal((await roleRow.getByTestId('audit-actor').innerText()).split('\n')[0], admin.user.name);
  assert.match(await roleRow.getByTestId('audit-target').innerText(), /^user\s+Grace Hopper$/);
  assert.match(await roleRow.getByTestId('audit-details').innerText(), /Role: admin → staff/);
  const raw = roleRow.getByTestId('audit-raw');
  assert.equal(await raw.isVisible(), false, 'the raw entry waits to be asked for');
  await roleRow.getByText('Raw entry').click();
  await raw.waitFor();
  const rawEntry = JSON.parse(await raw.innerText());
  assert.equal(rawEntry.targetId, grace.user.id);
  assert.deepEqual(rawEntry.metadata, { role: { from: 'admin', to: 'staff' } });
  const wrap = page.getByTestId('audit-table-wrap');
  assert.equal(await wrap.getAttribute('tabindex'), '0');
  assert.equal(await wrap.getAttribute('aria-label'), 'Audit log entries');
  const widths = await wrap.evaluate((el) => ({ scroll: el.scrollWidth, client: el.clientWidth, page: document.documentElement.scrollWidth, view: window.innerWidth }));
  assert.ok(widths.scroll <= widths.client, `the audit table fits its box: ${JSON.stringify(widths)}`);
  assert.ok(widths.page <= widths.view, `the page does not scroll sideways: ${JSON.stringify(widths)}`);
  assert.deepEqual(page.errors, []);
});
