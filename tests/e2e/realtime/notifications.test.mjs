// notification:new and notification:read with the official socket.io-client: a mention reaches
// the mentioned person's sockets only (not another member's, not someone who may not read the
// room), and reading the room tells their other tabs.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, connect, createRoom, createUser, next, startServer } from '../lib/harness.mjs';

test('a mention notifies the mentioned reader only, and reading the room reads it everywhere', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url, { name: 'Alice Notifier' });
  const bob = await createUser(server.url, { name: 'Bob Mentioned' });
  const carol = await createUser(server.url, { name: 'Carol Bystander' });
  const olga = await createUser(server.url, { name: 'Olga Outsider' });
  const room = await createRoom(alice, { kind: 'private', members: [bob, carol] });
  const olgasRoom = await createRoom(alice, { kind: 'private', members: [olga] });
  assert.match(bob.user.handle, /^[a-z0-9._-]{2,32}$/);

  const bobTab1 = await connect(server.url, bob.token);
  const bobTab2 = await connect(server.url, bob.token);
  const c = await connect(server.url, carol.token);
  const o = await connect(server.url, olga.token);
  t.after(() => [bobTab1, bobTab2, c, o].forEach((s) => s.close()));
  const heardByCarol = [];
  const heardByOlga = [];
  c.on('notification:new', (n) => heardByCarol.push(n));
  o.on('notification:new', (n) => heardByOlga.push(n));

  const forBob = next(bobTab1, 'notification:new');
  // Olga may not read the private room: her handle there stays text.
  const body = `can you look, @${bob.user.handle}? cc @${olga.user.handle}`;
  const sent = await alice.api.post(`rooms/${room}/messages`, { clientId: randomUUID(), body });
  assert.equal(sent.status, 201);
  assert.deepEqual(sent.data.mentions, [{ userId: bob.user.id, handle: bob.user.handle }]);

  const { payload } = await forBob;
  assert.equal(payload.kind, 'mention');
  assert.equal(payload.roomId, room);
  assert.equal(payload.messageId, sent.data.id);
  assert.equal(payload.seq, sent.data.seq);
  assert.equal(payload.actor.id, alice.user.id);
  assert.equal(payload.read, false);
  assert.match(payload.excerpt, /can you look/);
  assert.equal((await bob.api.get('auth/me')).data.notificationCount, 1);

  // Events reach a socket in order: the first notification Carol and Olga get is the one for
  // a later message that mentions them, so the first message notified neither.
  const laterForCarol = next(c, 'notification:new');
  const laterForOlga = next(o, 'notification:new');
  assert.equal((await alice.api.post(`rooms/${room}/messages`, { clientId: randomUUID(), body: `@${carol.user.handle} ping` })).status, 201);
  const olgaPing = await alice.api.post(`rooms/${olgasRoom}/messages`, { clientId: randomUUID(), body: `@${olga.user.handle} ping` });
  assert.equal(olgaPing.status, 201);
  assert.equal((await laterForCarol).payload.excerpt.includes('ping'), true);
  assert.equal((await laterForOlga).payload.messageId, olgaPing.data.id);
  assert.equal(heardByCarol.length, 1);
  assert.deepEqual(heardByOlga.map((n) => n.roomId), [olgasRoom]);

  // Bob reads the room in one tab; the other tab hears that the room's notifications are read.
  const readInTab2 = next(bobTab2, 'notification:read', (e) => e.roomId === room);
  const read = await call(bobTab1, 'read', { roomId: room, seq: sent.data.seq + 1 });
  assert.equal(read.ok, true);
  assert.equal((await readInTab2).payload.roomId, room);
  assert.equal((await bob.api.get('auth/me')).data.notificationCount, 0);
  const listed = await bob.api.get('notifications');
  assert.deepEqual(listed.data.items.map((n) => [n.messageId, n.read]), [[sent.data.id, true]]);
});
