// user:updated with the official socket.io-client: a change of name, title or status reaches
// the team (and the person's own sockets) with the status as shown; customers hear nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { connect, createUser, next, startServer } from '../lib/harness.mjs';

test('status changes are told to the team as user:updated', async (t) => {
  const server = await startServer(t);
  const ada = await createUser(server.url, { name: 'Ada' });
  const grace = await createUser(server.url, { name: 'Grace', department: 'billing' });
  const customer = await createUser(server.url, { name: 'Carla', role: 'customer', department: null });
  const g = await connect(server.url, grace.token);
  const a = await connect(server.url, ada.token);
  const c = await connect(server.url, customer.token);
  t.after(() => [g, a, c].forEach((s) => s.close()));
  const heardByCustomer = [];
  c.on('user:updated', (e) => heardByCustomer.push(e));

  const expiresAt = new Date(Date.now() + 3_600_000).toISOString();
  const forGrace = next(g, 'user:updated', (e) => e.userId === ada.user.id);
  const forAda = next(a, 'user:updated', (e) => e.userId === ada.user.id);
  const changed = await ada.api.patch('me', { title: 'Engineer', status: { emoji: '🌴', text: 'On leave', expiresAt } });
  assert.equal(changed.status, 200);
  const heard = (await forGrace).payload;
  assert.equal(heard.name, 'Ada');
  assert.equal(heard.title, 'Engineer');
  assert.equal(heard.status.emoji, '🌴');
  assert.equal(heard.status.text, 'On leave');
  assert.equal(new Date(heard.status.expiresAt).getTime(), new Date(expiresAt).getTime());
  assert.deepEqual((await forAda).payload, heard);

  // Clearing the status is told too.
  const cleared = next(g, 'user:updated', (e) => e.userId === ada.user.id);
  assert.equal((await ada.api.patch('me', { status: null })).status, 200);
  assert.equal((await cleared).payload.status, null);

  // A change of time zone alone changes nothing shown: the next event is the rename.
  assert.equal((await ada.api.patch('me', { timezone: 'Europe/London' })).status, 200);
  const renamed = next(g, 'user:updated', (e) => e.userId === ada.user.id);
  assert.equal((await ada.api.patch('me', { name: 'Ada L.' })).status, 200);
  assert.equal((await renamed).payload.name, 'Ada L.');
  assert.deepEqual(heardByCustomer, []);
});
