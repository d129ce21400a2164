// Attachments over Socket.IO with the official socket.io-client: a file uploaded over REST
// (multipart) is attached by `message:send`, the ack and every reader's `message:new` carry it,
// and a reader downloads it; a bad attachment id is refused in the ack.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { call, connect, createRoom, createUser, next, startServer } from '../lib/harness.mjs';

async function upload(server, user, roomId, name, bytes) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const res = await fetch(`${server.url}/api/v1/rooms/${roomId}/uploads`, {
    method: 'POST',
    headers: { authorization: `Bearer ${user.token}` },
    body: form,
  });
  return { status: res.status, body: await res.json() };
}

test('message:send attaches uploads and message:new carries them', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url, { name: 'Alice' });
  const bob = await createUser(server.url, { name: 'Bob' });
  const room = await createRoom(alice, { members: [bob] });
  const a = await connect(server.url, alice.token);
  const b = await connect(server.url, bob.token);
  t.after(() => [a, b].forEach((s) => s.close()));

  const up = await upload(server, alice, room, 'notes.txt', 'meeting notes\n');
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const file = up.body.data;
  assert.equal(file.contentType, 'text/plain');

  const forBob = next(b, 'message:new', (m) => m.roomId === room);
  const ack = await call(a, 'message:send', {
    roomId: room, clientId: randomUUID(), body: '', attachmentIds: [file.id],
  });
  assert.equal(ack.ok, true, JSON.stringify(ack));
  assert.deepEqual(ack.data.attachments, [file]);
  const heard = (await forBob).payload;
  assert.deepEqual(heard.attachments, [file]);

  const res = await fetch(`${server.url}${file.url}`, { headers: { authorization: `Bearer ${bob.token}` } });
  assert.equal(res.status, 200);
  assert.equal(await res.text(), 'meeting notes\n');
  assert.equal(res.headers.get('x-content-type-options'), 'nosniff');

  const refused = await call(a, 'message:send', {
    roomId: room, clientId: randomUUID(), body: 'again', attachmentIds: [file.id],
  });
  assert.equal(refused.ok, false);
  assert.equal(refused.code, 'INVALID_ATTACHMENT');
});
