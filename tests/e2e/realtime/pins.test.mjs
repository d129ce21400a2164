// message:pinned with the official socket.io-client: members and watchers of the room hear of a
// pin and an unpin once each; a repeat changes nothing and tells no one; others hear nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, connect, createRoom, createUser, next, startServer, until } from '../lib/harness.mjs';

test('pins and unpins reach the room and no one else', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url, { name: 'Alice' });
  const bob = await createUser(server.url, { name: 'Bob' });
  const watcher = await createUser(server.url, { name: 'Wanda' });
  const outsider = await createUser(server.url, { name: 'Olga' });
  const room = await createRoom(alice, { members: [bob] });
  // Olga is a member elsewhere only: a message there tells when she has heard all before it.
  const elsewhere = await createRoom(alice, { members: [outsider] });

  const b = await connect(server.url, bob.token);
  const w = await connect(server.url, watcher.token);
  const o = await connect(server.url, outsider.token);
  t.after(() => [b, w, o].forEach((s) => s.close()));
  assert.equal((await call(w, 'room:watch', { roomId: room })).ok, true);
  const heard = new Map([b, w, o].map((s) => [s, []]));
  for (const [socket, events] of heard) socket.on('message:pinned', (e) => events.push(e));

  const sent = await alice.api.post(`rooms/${room}/messages`, { clientId: randomUUID(), body: 'release notes' });
  assert.equal(sent.status, 201);
  const messageId = sent.data.id;

  const pinnedForBob = next(b, 'message:pinned');
  const pinnedForWanda = next(w, 'message:pinned');
  const pinned = await bob.api.put(`messages/${messageId}/pin`);
  assert.equal(pinned.status, 200);
  assert.equal(pinned.data.pinned, true);
  const expected = { roomId: room, messageId, pinned: true, by: bob.user.id };
  assert.deepEqual((await pinnedForBob).payload, expected);
  assert.deepEqual((await pinnedForWanda).payload, expected);

  // A second pin answers 200 and is not broadcast: the next event anyone hears is the unpin.
  assert.equal((await alice.api.put(`messages/${messageId}/pin`)).status, 200);
  const unpinnedForBob = next(b, 'message:pinned');
  assert.equal((await alice.api.delete(`messages/${messageId}/pin`)).status, 200);
  assert.deepEqual((await unpinnedForBob).payload, { roomId: room, messageId, pinned: false, by: alice.user.id });
  await until(() => heard.get(w).length === 2, 5000, 'the watcher hears the unpin');
  assert.deepEqual(heard.get(b).map((e) => e.pinned), [true, false]);
  assert.deepEqual(heard.get(w).map((e) => e.pinned), [true, false]);

  // Olga's message from elsewhere, sent after all that, reaches her; the pins never did.
  const marker = await alice.api.post(`rooms/${elsewhere}/messages`, { clientId: randomUUID(), body: 'marker' });
  assert.equal(marker.status, 201);
  await until(() => o.received.some((m) => m.body === 'marker'), 5000, 'the outsider gets the marker');
  assert.deepEqual(heard.get(o), []);

  // A reader of the room who is not a member may not pin.
  const refused = await outsider.api.put(`messages/${messageId}/pin`);
  assert.equal(refused.status, 403);
  assert.equal(refused.body.code, 'NOT_MEMBER');
});
