// Room management over Socket.IO with the official client: an archive reaches every member's
// socket as `room:updated`, the socket's sends are refused while archived, and room role
// changes arrive as `member:updated`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, connect, createRoom, createUser, next, startServer } from '../lib/harness.mjs';

test('an archived room refuses socket sends, live for its members, until it is restored', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url, { name: 'Alice' });
  const bob = await createUser(server.url, { name: 'Bob' });
  const room = await createRoom(alice, { members: [bob] });
  const b = await connect(server.url, bob.token);
  t.after(() => b.close());

  const archived = next(b, 'room:updated', (r) => r.id === room && r.archivedAt !== null);
  assert.equal((await alice.api.post(`rooms/${room}/archive`)).status, 200);
  assert.match((await archived).payload.archivedAt, /^\d{4}-/);

  const refused = await call(b, 'message:send', { roomId: room, clientId: randomUUID(), body: 'still here?' });
  assert.equal(refused.ok, false);
  assert.equal(refused.code, 'ROOM_ARCHIVED');

  const restored = next(b, 'room:updated', (r) => r.id === room && r.archivedAt === null);
  assert.equal((await alice.api.post(`rooms/${room}/unarchive`)).status, 200);
  await restored;
  const sent = await call(b, 'message:send', { roomId: room, clientId: randomUUID(), body: 'back' });
  assert.equal(sent.ok, true, JSON.stringify(sent));

  const promoted = next(b, 'member:updated', (m) => m.roomId === room && m.userId === bob.user.id);
  assert.equal((await alice.api.patch(`rooms/${room}/members/${bob.user.id}`, { role: 'moderator' })).status, 200);
  assert.equal((await promoted).payload.role, 'moderator');
});
