// The helpdesk over sockets: staff of the department hear of new tickets and changes, customers
// (signed in by follow link) get only their own ticket, and replies flow both ways.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { api, call, connect, createPgDatabase, createUser, next, sleep, startServer, until } from '../lib/harness.mjs';

async function openTicket(url, email, subject, department = 'support') {
  const res = await api(url).post('support/tickets', { name: 'Cleo Customer', email, subject, message: `About: ${subject}`, department });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  // An address that has an account gets its link by mail only.
  if (res.data.token === null) return { ticketId: res.data.ticketId, token: null };
  const link = await api(url).post('auth/link', { token: res.data.token });
  assert.equal(link.status, 200);
  return { ticketId: res.data.ticketId, token: link.data.token };
}

test('tickets: department staff hear of new tickets and changes; customers see only theirs', async (t) => {
  const server = await startServer(t);
  const agent = await createUser(server.url, { department: 'support' });
  const billing = await createUser(server.url, { department: 'billing' });
  const agentSocket = await connect(server.url, agent.token);
  const billingSocket = await connect(server.url, billing.token);
  const announced = next(agentSocket, 'ticket:updated');
  const active = next(agentSocket, 'ticket:updated', (p) => p.lastSeq >= 1);
  const first = await openTicket(server.url, 'cleo@example.com', 'Login loop');
  const { payload: ticket } = await announced;
  assert.equal(ticket.id, first.ticketId);
  assert.equal(ticket.status, 'open');
  assert.equal((await active).payload.id, first.ticketId, 'the queue sees the first message in the compact form');
  // Staff follow the messages of a ticket they are not assigned to while they show it.
  assert.deepEqual(agentSocket.received, [], 'the queue gets no messages');
  const watched = await call(agentSocket, 'room:watch', { roomId: first.ticketId });
  assert.equal(watched.ok, true, JSON.stringify(watched));
  assert.equal(watched.data.lastSeq, 1);
  assert.equal((await call(billingSocket, 'room:watch', { roomId: first.ticketId })).code, 'NOT_FOUND');

  const second = await openTicket(server.url, 'other@example.com', 'Another customer');
  const customer = await connect(server.url, first.token);
  const other = await connect(server.url, second.token);

  // Staff reply; the customer gets it, the other customer does not.
  const reply = await call(agentSocket, 'message:send', { roomId: first.ticketId, clientId: randomUUID(), body: 'We are on it' });
  assert.equal(reply.ok, true);
  await until(() => customer.received.some((m) => m.body === 'We are on it'), 5000, 'reply to the customer');
  const changed = next(customer, 'ticket:updated', (p) => p.status === 'pending');
  const patched = await agent.api.patch(`tickets/${first.ticketId}`, { status: 'pending', assigneeId: agent.user.id });
  assert.equal(patched.status, 200);
  assert.equal((await changed).payload.assignee.id, agent.user.id);
  // The customer answers over the socket; staff see it.
  const back = await call(customer, 'message:send', { roomId: first.ticketId, clientId: randomUUID(), body: 'Thanks!' });
  assert.equal(back.ok, true);
  await until(() => agentSocket.received.some((m) => m.body === 'Thanks!'), 5000, 'customer reply to staff');
  // Isolation: whatever the others emit, they get nothing of this ticket.
  assert.equal((await call(other, 'message:send', { roomId: first.ticketId, clientId: randomUUID(), body: 'let me in' })).code, 'NOT_FOUND');
  assert.equal((await call(other, 'sync', { cursors: [{ roomId: first.ticketId, seq: 0 }] })).data.rooms[0].error, 'NOT_FOUND');
  assert.equal((await call(billingSocket, 'typing', { roomId: first.ticketId, typing: true })).code, 'NOT_FOUND');
  await sleep(300);
  assert.ok(other.received.every((m) => m.roomId === second.ticketId), 'the other customer saw only their ticket');
  assert.ok(billingSocket.received.every((m) => m.roomId !== first.ticketId), 'another department saw nothing');
  // A follow-link session cannot reach the same customer's other tickets either.
  const sameCustomerSecond = await openTicket(server.url, 'cleo@example.com', 'Second issue');
  await call(agentSocket, 'message:send', { roomId: sameCustomerSecond.ticketId, clientId: randomUUID(), body: 'second ticket reply' });
  await sleep(300);
  assert.ok(customer.received.every((m) => m.roomId === first.ticketId));
  for (const s of [agentSocket, billingSocket, customer, other]) s.close();
});

for (const backend of ['sqlite', 'postgres']) {
  test(`tickets (${backend}): a customer's reply reopens a pending or resolved ticket, live in the department's queue`, async (t) => {
    const databaseUrl = backend === 'postgres' ? createPgDatabase(t) : undefined;
    if (databaseUrl === null) return;
    const server = await startServer(t, { databaseUrl });
    const agent = await createUser(server.url, { department: 'support' });
    const queue = await connect(server.url, agent.token);
    const opened = await openTicket(server.url, `wren-${backend}@example.com`, 'Export is empty');
    const customer = await connect(server.url, opened.token);
    for (const status of ['pending', 'resolved']) {
      const parked = next(queue, 'ticket:updated', (p) => p.id === opened.ticketId && p.status === status);
      assert.equal((await agent.api.patch(`tickets/${opened.ticketId}`, { status })).status, 200);
      await parked;
      // Staff writing to a waiting ticket leave it waiting; the customer's answer reopens it.
      const staffReply = await call(queue, 'message:send', { roomId: opened.ticketId, clientId: randomUUID(), body: `Anything else? (${status})` });
      assert.equal(staffReply.ok, true, JSON.stringify(staffReply));
      assert.equal((await agent.api.get(`tickets/${opened.ticketId}`)).data.status, status);
      const reopened = next(queue, 'ticket:updated', (p) => p.id === opened.ticketId && p.status === 'open');
      const answer = await call(customer, 'message:send', { roomId: opened.ticketId, clientId: randomUUID(), body: `Still empty (${status})` });
      assert.equal(answer.ok, true, JSON.stringify(answer));
      const { payload } = await reopened;
      assert.equal(payload.department, 'support');
      if (status === 'resolved') assert.equal(payload.resolvedAt, null);
    }
    const admin = api(server.url, (await createUser(server.url, { role: 'admin' })).token);
    const audit = await admin.get(`admin/audit?action=ticket.reopen&target=${opened.ticketId}`);
    assert.equal(audit.status, 200, JSON.stringify(audit.body));
    assert.deepEqual(
      audit.data.items.map((e) => [e.metadata.from, e.metadata.by, e.actorEmail]),
      [
        ['resolved', 'customer_reply', `wren-${backend}@example.com`],
        ['pending', 'customer_reply', `wren-${backend}@example.com`],
      ],
    );
    queue.close();
    customer.close();
  });
}

test("tickets: the queue's last word on a ticket is its newest state, even when a reply reopens it meanwhile", async (t) => {
  // A customer's reply makes two `ticket:updated`: the queue's compact one for the new message
  // (read off the send path) and the reopening. If the first is read before the reopening and
  // sent after it, the queue shows the ticket resolved although it is open. Many rounds, as the
  // window is narrow; in each, nothing after the first "open" may say "resolved".
  const server = await startServer(t);
  const agent = await createUser(server.url, { department: 'support' });
  const queue = await connect(server.url, agent.token);
  const opened = await openTicket(server.url, 'quinn@example.com', 'Reports are slow');
  const customer = await connect(server.url, opened.token);
  const seen = [];
  queue.on('ticket:updated', (p) => {
    if (p.id === opened.ticketId) seen.push(p);
  });
  const priorities = ['high', 'normal'];
  for (let round = 0; round < 40; round++) {
    const resolved = next(queue, 'ticket:updated', (p) => p.id === opened.ticketId && p.status === 'resolved');
    assert.equal((await agent.api.patch(`tickets/${opened.ticketId}`, { status: 'resolved' })).status, 200);
    await resolved;
    const from = seen.length;
    // Readers busy meanwhile, as on a loaded server: the compact event's read waits its turn.
    const busy = Array.from({ length: 40 }, () => agent.api.get('tickets?status='));
    const answer = await call(customer, 'message:send', { roomId: opened.ticketId, clientId: randomUUID(), body: `Still slow (${round})` });
    assert.equal(answer.ok, true, JSON.stringify(answer));
    for (const res of await Promise.all(busy)) assert.equal(res.status, 200);
    // The reply is acknowledged after the reopening is stored and announced.
    assert.equal((await agent.api.get(`tickets/${opened.ticketId}`)).data.status, 'open');
    // A later change to the ticket: once the queue has it, every earlier event has arrived.
    const priority = priorities[round % 2];
    const marked = next(queue, 'ticket:updated', (p) => p.id === opened.ticketId && p.priority === priority);
    assert.equal((await agent.api.patch(`tickets/${opened.ticketId}`, { priority })).status, 200);
    await marked;
    const statuses = seen.slice(from).map((p) => p.status);
    const reopenedAt = statuses.indexOf('open');
    assert.ok(reopenedAt >= 0, `round ${round}: the reopening was announced (${statuses})`);
    assert.deepEqual(
      statuses.slice(reopenedAt).filter((s) => s !== 'open'),
      [],
      `round ${round}: after the reopening the queue heard ${statuses}`,
    );
    assert.equal(seen.at(-1).status, 'open');
    assert.ok(seen.at(-1).lastSeq >= answer.data.seq, 'the last event carries the reply');
  }
  queue.close();
  customer.close();
});

