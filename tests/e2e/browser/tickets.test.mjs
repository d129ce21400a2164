// Staff working a ticket in the browser: the queue and its filters, the status, assignee and
// priority controls (live on a colleague's queue and on the customer's side), and the AI
// assistant panel (summary, escalation, suggestions into the composer, refresh), read-only for
// observers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { api, createUser, PASSWORD, startServer } from '../lib/harness.mjs';
import { browserTest, launchBrowser, openAs, roomReady, stored, WAIT_MS } from './browser.mjs';

const OUTAGE = 'Our checkout has been down for an hour and every customer gets an error. This is urgent!';

/** Opens a ticket through the public support form API; returns {ticketId, token}. */
async function openTicket(baseUrl, { subject, message, name = 'Carla Customer', email } = {}) {
  const res = await api(baseUrl).post('support/tickets', {
    name,
    email: email ?? `carla-${randomUUID().slice(0, 8)}@customer.example`,
    subject,
    message,
    department: 'support',
  });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.data;
}

/** A customer signed in through the ticket's follow link, with a bearer token for the API. */
async function followLink(baseUrl, token) {
  const res = await api(baseUrl).post('auth/link', { token });
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return { user: res.data.user, api: api(baseUrl, res.data.token) };
}

browserTest('staff work a ticket: queue filters, status controls and the assistant panel', { timeout: 180_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const sam = await createUser(server.url, { name: 'Sam Support', department: 'support' });
  const bea = await createUser(server.url, { name: 'Bea Backup', department: 'support' });
  const otto = await createUser(server.url, { role: 'observer', name: 'Otto Observer', department: 'support' });
  const outage = await openTicket(server.url, { subject: 'Checkout is down', message: OUTAGE });
  const other = await openTicket(server.url, { subject: 'Question about seats', message: 'How many seats does our plan include?' });
  const customer = await followLink(server.url, outage.token);

  // Bea keeps the open queue on screen; it follows Sam's changes live.
  const b = await openAs(browser, server.url, bea, PASSWORD);
  await b.page.goto(`${server.url}/tickets`);
  await b.page.locator(`[data-testid="ticket-row"][data-ticket-id="${outage.ticketId}"]`).waitFor();
  await b.page.locator(`[data-testid="ticket-row"][data-ticket-id="${other.ticketId}"]`).waitFor();
  // Nobody opened a link mailed to these requesters (the on-screen link does not count).
  await b.page.locator(`[data-testid="ticket-row"][data-ticket-id="${other.ticketId}"] [data-testid="unverified-badge"]`).waitFor();

  // Sam: the queue, then the outage ticket with its assistant panel.
  const s = await openAs(browser, server.url, sam, PASSWORD);
  await s.page.goto(`${server.url}/tickets`);
  await s.page.getByTestId('filter-assignee').selectOption('none');
  await s.page.locator(`[data-testid="ticket-row"][data-ticket-id="${other.ticketId}"]`).waitFor();
  await s.page.getByRole('link', { name: 'Checkout is down' }).click();
  await roomReady(s.page, outage.ticketId);
  await s.page.getByTestId('requester-unverified').waitFor();
  const panel = s.page.getByTestId('assistant-panel');
  await panel.waitFor();
  // The insights are written a moment after the message (the worker debounces); the panel
  // refetches on `ticket:insights`.
  await panel.getByTestId('assistant-summary').waitFor({ timeout: WAIT_MS * 2 });
  await panel.getByTestId('assistant-escalation').waitFor();
  assert.match(await panel.getByTestId('assistant-escalation').innerText(), /Escalate/);
  assert.match(await panel.getByTestId('assistant-meta').innerText(), /up to message 1\b/);

  // A suggestion goes into the composer and is sent as Sam's reply; the panel says the summary
  // does not cover it yet (only customer messages refresh it by themselves).
  const suggestion = (await panel.getByTestId('assistant-suggestion').first().locator('p').innerText()).trim();
  await panel.getByTestId('use-suggestion').first().click();
  // The composer takes the text on its next render: wait for it rather than read it at once.
  await s.page.waitForFunction(
    (text) => document.querySelector('[data-testid="composer"]')?.value === text,
    suggestion,
  );
  await s.page.getByTestId('composer').press('Enter');
  await stored(s.page, suggestion).waitFor();
  await panel.getByTestId('assistant-newer').waitFor();

  // Refresh asks for a new summary (202); the panel reloads when it is announced and then
  // covers Sam's reply too.
  const refreshed = s.page.waitForResponse((r) => r.url().endsWith(`/tickets/${outage.ticketId}/assistant/refresh`));
  await panel.getByTestId('assistant-refresh').click();
  assert.equal((await refreshed).status(), 202);
  await panel.getByTestId('assistant-meta').filter({ hasText: /up to message 2\b/ }).waitFor({ timeout: WAIT_MS * 2 });
  await s.page.locator('[data-testid="assistant-panel"] .assistant-body[data-state="ready"]').waitFor();
  assert.equal(await panel.getByTestId('assistant-newer').count(), 0);
  assert.equal(await panel.getByTestId('assistant-refresh').isDisabled(), false);

  // Header controls: take it, raise the priority, set it pending.
  await s.page.getByTestId('ticket-take').click();
  await s.page.locator(`[data-testid="ticket-assignee"]`).and(s.page.locator(`:has(option[value="${sam.user.id}"]:checked)`)).waitFor();
  await s.page.getByTestId('ticket-priority').selectOption('urgent');
  await s.page.getByTestId('ticket-status').selectOption('pending');
  const bRow = b.page.locator(`[data-testid="ticket-row"][data-ticket-id="${outage.ticketId}"]`);
  await bRow.and(b.page.locator('[data-status="pending"]')).waitFor();
  assert.match(await bRow.innerText(), /urgent/);
  assert.match(await bRow.innerText(), /Sam Support/);
  const stored1 = await sam.api.get(`tickets/${outage.ticketId}`);
  assert.deepEqual(
    [stored1.data.status, stored1.data.priority, stored1.data.assignee?.id],
    ['pending', 'urgent', sam.user.id],
  );

  // Resolved, then the customer writes again: the ticket reopens on Sam's page by itself.
  await s.page.getByTestId('ticket-status').selectOption('resolved');
  await bRow.and(b.page.locator('[data-status="resolved"]')).waitFor();
  const posted = await customer.api.post(`rooms/${outage.ticketId}/messages`, { clientId: randomUUID(), body: 'It is broken again, sorry!' });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  await stored(s.page, 'It is broken again, sorry!').waitFor();
  await s.page.locator('[data-testid="ticket-status"]').and(s.page.locator(':has(option[value="open"]:checked)')).waitFor();
  await bRow.and(b.page.locator('[data-status="open"]')).waitFor();

  // Only "Me": Sam's queue shows the ticket he took, not the unassigned one.
  await s.page.goto(`${server.url}/tickets?status=&assignee=me`);
  await s.page.locator(`[data-testid="ticket-row"][data-ticket-id="${outage.ticketId}"]`).waitFor();
  assert.equal(await s.page.locator(`[data-testid="ticket-row"][data-ticket-id="${other.ticketId}"]`).count(), 0);

  // An observer of the department reads the ticket and its assistant, and cannot change either.
  const o = await openAs(browser, server.url, otto, PASSWORD);
  await o.page.goto(`${server.url}/tickets/${outage.ticketId}`);
  await roomReady(o.page, outage.ticketId);
  await o.page.getByTestId('assistant-summary').waitFor();
  for (const id of ['ticket-status', 'ticket-priority', 'ticket-assignee', 'ticket-department', 'assistant-refresh', 'composer']) {
    assert.equal(await o.page.getByTestId(id).isDisabled(), true, `${id} disabled for observers`);
  }
  assert.equal(await o.page.getByTestId('ticket-take').count(), 0);
  const uses = o.page.getByTestId('use-suggestion');
  for (let i = 0; i < (await uses.count()); i++) assert.equal(await uses.nth(i).isDisabled(), true);

  assert.deepEqual([...s.page.errors, ...b.page.errors, ...o.page.errors], []);
});

browserTest("a customer's answer brings a pending ticket back into the open queue, live", { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const sam = await createUser(server.url, { name: 'Sam Support', department: 'support' });
  const waiting = await openTicket(server.url, { subject: 'Invoice address', message: 'Please change our invoice address.' });
  const fresh = await openTicket(server.url, { subject: 'New question', message: 'Where do I find my receipts?' });
  const customer = await followLink(server.url, waiting.token);
  const parked = await sam.api.patch(`tickets/${waiting.ticketId}`, { status: 'pending' });
  assert.equal(parked.status, 200, JSON.stringify(parked.body));

  // The queue opens on "open": the pending ticket is not in it.
  const s = await openAs(browser, server.url, sam, PASSWORD);
  await s.page.goto(`${server.url}/tickets`);
  assert.equal(await s.page.getByTestId('filter-status').inputValue(), 'open');
  await s.page.locator(`[data-testid="ticket-row"][data-ticket-id="${fresh.ticketId}"]`).waitFor();
  await s.page.locator('[data-testid="ticket-table"][aria-busy="false"]').waitFor();
  const row = s.page.locator(`[data-testid="ticket-row"][data-ticket-id="${waiting.ticketId}"]`);
  assert.equal(await row.count(), 0, 'a pending ticket is not in the open queue');

  // The customer answers: the ticket is open again and joins the queue on screen by itself.
  const posted = await customer.api.post(`rooms/${waiting.ticketId}/messages`, { clientId: randomUUID(), body: 'The new address is 1 Main Street.' });
  assert.equal(posted.status, 201, JSON.stringify(posted.body));
  await row.and(s.page.locator('[data-status="open"]')).waitFor();
  assert.equal(await row.evaluate((el) => el.classList.contains('stale')), false, 'shown as a current row, not a dimmed one');
  assert.equal((await sam.api.get(`tickets/${waiting.ticketId}`)).data.status, 'open');
  assert.deepEqual(s.page.errors, []);
});
