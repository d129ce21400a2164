// Who may do what, as a person in a browser sees it: a ban ends an open session, observers
// read but cannot write, a role change ends the session (the new role comes with the next
// sign-in), a deleted room closes, and a customer from the support form (following the link
// mailed to them) sees their own ticket only.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, createRoom, createUser, login, PASSWORD, startServer } from '../lib/harness.mjs';
import { linkIn, startSmtp } from '../lib/smtp.mjs';
import { browserTest, launchBrowser, newPage, openAs, openRoom, roomReady, rows, send, signIn, stored } from './browser.mjs';

async function post(user, roomId, body) {
  const res = await user.api.post(`rooms/${roomId}/messages`, { clientId: randomUUID(), body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.data;
}

/** Every write control on the page is disabled, natively or with `aria-disabled` (focusable, to say why), and there is at least one to check. */
async function assertReadOnly(page) {
  if ((await page.getByTestId('composer').count()) > 0) {
    assert.equal(await page.getByTestId('composer').isDisabled(), true, 'composer disabled');
    assert.equal(await page.getByTestId('send-button').isDisabled(), true, 'send disabled');
  }
  const writeControls = page.locator('[data-readonly="true"]');
  assert.ok((await writeControls.count()) > 0, 'write controls are marked read-only');
  assert.equal(await page.locator('[data-readonly="true"]:not([aria-disabled="true"])').count(), 0, 'no enabled write control');
  for (const id of ['reaction', 'reaction-picker-button', 'reply-button', 'edit-button', 'delete-button', 'join-room']) {
    const controls = page.getByTestId(id);
    for (let i = 0; i < (await controls.count()); i++) {
      assert.equal(await controls.nth(i).isDisabled(), true, `${id} #${i} disabled`);
    }
  }
}

browserTest('a banned user loses the open session and lands on sign-in with a message', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const carol = await createUser(server.url, { name: 'Carol Banned' });
  const roomId = await createRoom(carol);
  const { page } = await openAs(browser, server.url, carol, PASSWORD);
  await openRoom(page, server.url, roomId);

  const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const banned = await admin.api.post(`admin/users/${carol.user.id}/ban`, { reason: 'e2e: spam' });
  assert.equal(banned.status, 200, JSON.stringify(banned.body));

  await page.waitForURL((url) => url.pathname === '/signin');
  const notice = page.getByTestId('signin-notice');
  await notice.waitFor();
  assert.match(await notice.innerText(), /banned/i);
  // The session is gone for good: a reload stays on sign-in, and signing in again is refused.
  await page.reload();
  await page.getByTestId('signin-email').waitFor();
  await page.getByTestId('signin-email').fill(carol.user.email);
  await page.getByTestId('signin-password').fill(PASSWORD);
  await page.getByTestId('signin-submit').click();
  await page.getByTestId('signin-error').waitFor();
  assert.equal(new URL(page.url()).pathname, '/signin');
  assert.deepEqual(page.errors, []);
});

browserTest('an observer sees messages live but every write control is disabled', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const staff = await createUser(server.url, { name: 'Stella Staff' });
  const observer = await createUser(server.url, { role: 'observer', name: 'Otto Observer' });
  // A room the observer was added to (composer shown, disabled), and one they only look into.
  const roomId = await createRoom(staff, { members: [observer] });
  const lookIn = await createRoom(staff);
  await post(staff, lookIn, 'Public news');
  const first = await post(staff, roomId, 'Observers can read this');
  assert.equal((await staff.api.put(`messages/${first.id}/reactions/${encodeURIComponent('👍')}`)).status, 200);
  await post(staff, roomId, 'And this one too');

  const { page } = await openAs(browser, server.url, observer, PASSWORD);
  await openRoom(page, server.url, roomId);
  await stored(page, 'Observers can read this').waitFor();
  await stored(page, 'And this one too').waitFor();
  await page.getByTestId('reaction').first().waitFor();
  await page.getByTestId('composer').waitFor();
  await assertReadOnly(page);

  // New messages arrive live for the observer too.
  await post(staff, roomId, 'Live for observers');
  await stored(page, 'Live for observers').waitFor();
  await stored(page, 'Live for observers').hover();
  await assertReadOnly(page);

  // A public room they are not in: readable, and joining is disabled.
  await openRoom(page, server.url, lookIn);
  await stored(page, 'Public news').waitFor();
  assert.equal(await page.getByTestId('join-room').isDisabled(), true);
  await assertReadOnly(page);

  // Elsewhere in the app, creating things is disabled as well.
  await page.goto(`${server.url}/discover`);
  await page.getByRole('heading', { name: 'Discover rooms' }).waitFor();
  assert.equal(await page.locator('[data-readonly="true"]:not([aria-disabled="true"])').count(), 0);
  assert.deepEqual(page.errors, []);
});

browserTest('a role change ends the open session; signing in again applies the new role', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const dave = await createUser(server.url, { name: 'Dave Demoted' });
  const roomId = await createRoom(dave);
  const { page } = await openAs(browser, server.url, dave, PASSWORD);
  await openRoom(page, server.url, roomId);
  await send(page, 'still staff');
  await stored(page, 'still staff').waitFor();
  assert.equal(await page.getByTestId('composer').isDisabled(), false);

  const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const changed = await admin.api.patch(`admin/users/${dave.user.id}`, { role: 'observer' });
  assert.equal(changed.status, 200, JSON.stringify(changed.body));

  // New access comes with a new session only: the open page lands on sign-in and says why.
  await page.waitForURL((url) => url.pathname === '/signin');
  assert.match(await page.getByTestId('signin-notice').innerText(), /changed your role/);
  await signIn(page, server.url, dave.user.email, PASSWORD);
  await page.locator('.sidebar-footer .role-badge', { hasText: 'observer' }).waitFor();
  await openRoom(page, server.url, roomId);
  await page.locator('[data-testid="composer"]:disabled').waitFor();

  // Subscribed on the new session: a message from someone else arrives live, mine is there once.
  const other = await createUser(server.url, { name: 'Erin Other' });
  assert.equal((await other.api.post(`rooms/${roomId}/join`)).status, 200);
  await post(other, roomId, 'hello observer');
  await stored(page, 'hello observer').waitFor();
  assert.equal(await rows(page, 'still staff').count(), 1);
  assert.deepEqual(page.errors, []);
});

browserTest('a deleted room closes on the open page with a notice and leaves the sidebar', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const owner = await createUser(server.url, { name: 'Olga Owner' });
  const member = await createUser(server.url, { name: 'Mia Member' });
  const roomId = await createRoom(owner, { members: [member] });
  const slug = (await owner.api.get(`rooms/${roomId}`)).data.slug;
  const { page } = await openAs(browser, server.url, member, PASSWORD);
  await openRoom(page, server.url, roomId);
  await page.getByTestId(`room-${slug}`).waitFor();

  const deleted = await owner.api.delete(`rooms/${roomId}`);
  assert.ok(deleted.status === 200 || deleted.status === 204, JSON.stringify(deleted.body));

  await page.getByTestId('toast').filter({ hasText: 'This room was deleted.' }).waitFor();
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByTestId(`room-${slug}`).waitFor({ state: 'detached' });
  assert.deepEqual(page.errors, []);
});

browserTest('a customer goes from the support form to a reply from staff', { timeout: 180_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const smtp = await startSmtp(t);
  const server = await startServer(t, { ownOrigin: true, env: { SMTP_URL: smtp.url } });
  const agent = await createUser(server.url, { name: 'Sally Support', department: 'support' });
  const email = `cathy-${randomUUID().slice(0, 8)}@customer.example`;
  // An earlier ticket of the same customer: a follow link opens its own ticket only.
  const earlier = await api(server.url).post('support/tickets', { name: 'Cathy Customer', email, subject: 'An older question', message: 'Hello?', department: 'support' });
  assert.equal(earlier.status, 201, JSON.stringify(earlier.body));

  // The public support form, in a fresh context with no session.
  const { context: customerContext, page: customer } = await newPage(browser);
  await customer.goto(`${server.url}/support`);
  await customer.getByTestId('support-name').fill('Cathy Customer');
  await customer.getByTestId('support-email').fill(email);
  await customer.getByTestId('support-department').selectOption('support');
  await customer.getByTestId('support-subject').fill('My invoice shows the wrong address');
  await customer.getByTestId('support-message').fill('The November invoice still has our old street address on it.');
  await customer.getByTestId('support-submit').click();
  await customer.getByTestId('support-done').waitFor();
  // The address has an account now (the earlier ticket): no link on screen, only by e-mail.
  assert.match(await customer.getByTestId('support-emailed').innerText(), new RegExp(`sent a link to ${email.replace('.', '\\.')}`));
  assert.equal(await customer.getByTestId('support-follow-url').count(), 0);
  const mail = await smtp.waitFor(email, (m) => m.subject === 'Your support request: My invoice shows the wrong address');
  const followUrl = linkIn(mail, '/support/follow');
  assert.match(followUrl, new RegExp(`^${server.url}/support/follow\\?token=`));

  // The link (as from the e-mail) signs the visitor in as a customer and opens the ticket.
  await customer.goto(followUrl);
  await customer.waitForURL((url) => url.pathname.startsWith('/tickets/'));
  const ticketId = new URL(customer.url()).pathname.split('/')[2];
  await roomReady(customer, ticketId);
  await stored(customer, 'The November invoice still has our old street address on it.').waitFor();
  assert.equal(await customer.getByTestId('ticket-status-badge').innerText(), 'open');
  assert.equal(await customer.locator('#sidebar').count(), 0, 'customers have no sidebar');
  // A link's session is held to its ticket: no account page, no export (the server refuses both).
  assert.equal(await customer.getByTestId('nav-account').count(), 0, 'no account link for a link session');
  assert.equal(await customer.getByTestId('export-menu').count(), 0, 'no export for a link session');

  // Staff of the department see it in their queue and answer in its conversation.
  const staff = await openAs(browser, server.url, agent, PASSWORD);
  await staff.page.goto(`${server.url}/tickets`);
  await staff.page.getByRole('link', { name: 'My invoice shows the wrong address' }).click();
  await roomReady(staff.page, ticketId);
  // The requester opened a link mailed to the address: no "unverified sender" warning.
  await staff.page.getByTestId('ticket-header').waitFor();
  assert.equal(await staff.page.getByTestId('requester-unverified').count(), 0);
  const reply = 'Thanks Cathy, I have corrected the address; a new invoice is on its way.';
  await send(staff.page, reply);
  await stored(customer, reply).waitFor();

  // The customer's answer reaches the agent live; each message exactly once on both pages.
  await send(customer, 'Wonderful, thank you!');
  await stored(staff.page, 'Wonderful, thank you!').waitFor();
  await stored(customer, 'Wonderful, thank you!').waitFor();
  for (const body of [reply, 'Wonderful, thank you!']) {
    assert.equal(await rows(customer, body).count(), 1, `once on the customer's page: ${body}`);
    assert.equal(await rows(staff.page, body).count(), 1, `once on the agent's page: ${body}`);
  }
  // The agent's first reply is the ticket's first response.
  await customer.getByText(/first response/).waitFor();

  // The customer sees this ticket only: not the earlier one, no rooms, no staff screens.
  await customer.goto(`${server.url}/`);
  await customer.getByTestId('customer-ticket').first().waitFor();
  assert.deepEqual(await customer.getByTestId('customer-ticket').locator('strong').allInnerTexts(), ['My invoice shows the wrong address']);
  await customer.goto(`${server.url}/tickets/${earlier.data.ticketId}`);
  await customer.getByTestId('ticket-unavailable').waitFor();
  await customer.getByRole('heading', { name: 'Ticket not found' }).waitFor();
  for (const path of ['/discover', '/admin/users', `/rooms/${ticketId}`, '/account']) {
    await customer.goto(`${server.url}${path}`);
    await customer.getByRole('heading', { name: 'Not found' }).waitFor();
  }

  // After signing out, the link works again; a made-up token says so without an uncaught error.
  await customer.goto(`${server.url}/tickets/${ticketId}`);
  await customer.getByTestId('sign-out').click();
  await customer.waitForURL((url) => url.pathname === '/signin');
  await customer.goto(followUrl);
  await customer.waitForURL((url) => url.pathname === `/tickets/${ticketId}`);
  await stored(customer, reply).waitFor();
  await customer.goto(`${server.url}/support/follow?token=made-up`);
  await customer.getByRole('heading', { name: 'This link did not work' }).waitFor();
  assert.deepEqual(customer.errors, []);
  assert.deepEqual(staff.page.errors, []);
  await customerContext.close();
});
