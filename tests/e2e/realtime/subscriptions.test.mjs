// Server-side subscriptions that must follow changes made while sockets are connected: members
// are subscribed, others follow a room only while they watch it (`room:watch`, policy-checked);
// a room or ticket moving to another department ends the watches it may no longer allow, plain
// room edits do not; bans close the sockets of customers who follow a ticket by link; connect
// limits apply per client behind a trusted proxy.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { io } from 'socket.io-client';
import {
  ADMIN_EMAIL, ADMIN_PASSWORD, api, call, connect, createRoom, createUser, login, next, refusal, sleep, startServer, until,
} from '../lib/harness.mjs';

async function openTicket(url, email, department = 'support') {
  const res = await api(url).post('support/tickets', { name: 'Fay Follower', email, subject: 'Cannot pay', message: 'Card declined', department });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  const link = await api(url).post('auth/link', { token: res.data.token });
  assert.equal(link.status, 200, JSON.stringify(link.body));
  return { ticketId: res.data.ticketId, token: link.data.token, customerId: link.data.user.id };
}

/** Sends in `room` as `sender` and waits until `expected` got it; then checks `absent` did not. */
async function deliveredTo(sender, room, expected, absent, what) {
  const body = `${what} ${randomUUID().slice(0, 8)}`;
  const sent = await call(sender, 'message:send', { roomId: room, clientId: randomUUID(), body });
  assert.equal(sent.ok, true, JSON.stringify(sent));
  for (const [name, socket] of Object.entries(expected)) {
    await until(() => socket.received.some((m) => m.body === body), 5000, `${what}: ${name} receives`);
  }
  await sleep(300);
  for (const [name, socket] of Object.entries(absent)) {
    assert.ok(!socket.received.some((m) => m.body === body), `${what}: ${name} must not receive`);
  }
}

test('a ticket moved to another department: the new team reads it live, the old one stops, the customer stays', async (t) => {
  const server = await startServer(t);
  const support = await createUser(server.url, { department: 'support' });
  const queueWatcher = await createUser(server.url, { department: 'support' });
  const billing = await createUser(server.url, { department: 'billing' });
  const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const ticket = await openTicket(server.url, `fay-${randomUUID().slice(0, 6)}@example.com`);
  const [supportSocket, queueSocket, billingSocket, customer, adminSocket] = await Promise.all([
    connect(server.url, support.token), connect(server.url, queueWatcher.token), connect(server.url, billing.token),
    connect(server.url, ticket.token), connect(server.url, admin.token),
  ]);
  t.after(() => [supportSocket, queueSocket, billingSocket, customer, adminSocket].forEach((s) => s.close()));
  const watch = (socket) => call(socket, 'room:watch', { roomId: ticket.ticketId });

  // Support staff follow the ticket's messages while they show it; billing may not.
  assert.equal((await watch(supportSocket)).ok, true);
  assert.equal((await watch(billingSocket)).code, 'NOT_FOUND');
  // The queue hears of every message in compact form, without the message.
  const queued = next(queueSocket, 'ticket:updated', (p) => p.id === ticket.ticketId && p.lastSeq >= 2);
  await deliveredTo(adminSocket, ticket.ticketId, { support: supportSocket, customer }, { billing: billingSocket, queue: queueSocket }, 'before the move');
  await queued;

  const dropped = next(supportSocket, 'ticket:updated', (p) => p.id === ticket.ticketId && p.department === 'billing');
  const moved = await admin.api.patch(`tickets/${ticket.ticketId}`, { department: 'billing' });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  await dropped;
  // The old team's watch ended with the move, and cannot start again; the new team's can.
  assert.equal((await watch(supportSocket)).code, 'NOT_FOUND');
  assert.equal((await watch(billingSocket)).ok, true);
  await deliveredTo(adminSocket, ticket.ticketId, { billing: billingSocket, customer }, { support: supportSocket }, 'after the move');
  // The customer answers through the link socket; the new team gets it.
  await deliveredTo(customer, ticket.ticketId, { billing: billingSocket }, { support: supportSocket }, 'customer reply');
});

test('room edits keep watches; a department move ends them, members stay', async (t) => {
  const server = await startServer(t);
  const owner = await createUser(server.url, { department: 'engineering' });
  const member = await createUser(server.url, { department: 'product' });
  const reader = await createUser(server.url, { department: 'engineering' });
  const billing = await createUser(server.url, { department: 'billing' });
  const room = await createRoom(owner, { kind: 'public', department: 'engineering', members: [member] });
  const sockets = await Promise.all([owner, member, reader, billing].map((u) => connect(server.url, u.token)));
  const [ownerSocket, memberSocket, readerSocket, billingSocket] = sockets;
  t.after(() => sockets.forEach((s) => s.close()));
  const watch = (socket) => call(socket, 'room:watch', { roomId: room });

  assert.equal((await watch(readerSocket)).ok, true);
  assert.equal((await watch(billingSocket)).code, 'NOT_FOUND');
  await deliveredTo(ownerSocket, room, { member: memberSocket, reader: readerSocket }, { billing: billingSocket }, 'first');
  const updated = next(readerSocket, 'room:updated', (p) => p.id === room);
  assert.equal((await owner.api.patch(`rooms/${room}`, { title: 'Renamed room' })).status, 200);
  assert.equal((await updated).payload.title, 'Renamed room');
  await deliveredTo(ownerSocket, room, { member: memberSocket, reader: readerSocket }, { billing: billingSocket }, 'after a rename');
  const moved = next(readerSocket, 'room:updated', (p) => p.id === room && p.department === 'billing');
  assert.equal((await owner.api.patch(`rooms/${room}`, { department: 'billing' })).status, 200);
  await moved;
  assert.equal((await watch(readerSocket)).code, 'NOT_FOUND');
  assert.equal((await watch(billingSocket)).ok, true);
  await deliveredTo(ownerSocket, room, { member: memberSocket, billing: billingSocket }, { reader: readerSocket }, 'after a move');
});

test('a ban closes the follow-link sockets of a customer', async (t) => {
  const server = await startServer(t);
  const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const ticket = await openTicket(server.url, `banned-${randomUUID().slice(0, 6)}@example.com`);
  const customer = await connect(server.url, ticket.token);
  t.after(() => customer.close());
  const revoked = next(customer, 'session:revoked');
  const closed = new Promise((resolveClosed) => customer.once('disconnect', resolveClosed));
  const banned = await admin.api.post(`admin/users/${ticket.customerId}/ban`, { reason: 'abuse' });
  assert.equal(banned.status, 200, JSON.stringify(banned.body));
  assert.equal((await revoked).payload.reason, 'banned');
  await closed;
  // And it cannot come back.
  await assert.rejects(connect(server.url, ticket.token), (err) => ['UNAUTHENTICATED', 'BANNED'].includes(err.code));
});

test('behind a trusted proxy, socket connects are limited per forwarded client, not per proxy', async (t) => {
  const server = await startServer(t, {
    env: { TRUSTED_PROXIES: '127.0.0.1/32', RATE_LIMIT_SOCKET_CONNECT: '2/60s', METRICS_TOKEN: 'e2e-metrics-token' },
  });
  const user = await createUser(server.url);
  const from = (address) => new Promise((resolveOutcome) => {
    const socket = io(server.url, {
      auth: { token: user.token }, transports: ['websocket'], reconnection: false, forceNew: true,
      extraHeaders: { 'x-forwarded-for': address },
    });
    socket.once('connect', () => { socket.close(); resolveOutcome('connected'); });
    socket.once('connect_error', (err) => { socket.close(); resolveOutcome(refusal(err).code); });
  });
  assert.deepEqual([await from('203.0.113.7'), await from('203.0.113.7'), await from('203.0.113.7')], ['connected', 'connected', 'RATE_LIMITED']);
  // A refused connect says whether and when to try again.
  const limited = await new Promise((resolveRefusal) => {
    const socket = io(server.url, {
      auth: { token: user.token }, transports: ['websocket'], reconnection: false, forceNew: true,
      extraHeaders: { 'x-forwarded-for': '203.0.113.7' },
    });
    socket.once('connect_error', (err) => { socket.close(); resolveRefusal(refusal(err)); });
  });
  assert.equal(limited.retryable, true);
  assert.ok(limited.retryAfterMs > 0 && limited.retryAfterMs <= 60_000, JSON.stringify(limited));
  // Another client behind the same proxy has its own quota.
  assert.equal(await from('198.51.100.4'), 'connected');
  const metrics = await fetch(`${server.url}/metrics`, { headers: { authorization: 'Bearer e2e-metrics-token' } });
  assert.equal(metrics.status, 200);
  assert.match(await metrics.text(), /switchboard_socket_connect_rejections_total\{code="RATE_LIMITED"\} 2\b/);
});
