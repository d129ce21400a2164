// Link previews, thumbnails and avatars with the official socket.io-client: the preview of a
// link and the thumbnail of an image reach the room as `message:updated`, a new avatar the team
// as `user:updated`.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import { deflateSync } from 'node:zlib';
import { call, connect, createRoom, createUser, next, startServer } from '../lib/harness.mjs';

function crc32(bytes) {
  let crc = 0xffffffff;
  for (const b of bytes) {
    crc ^= b;
    for (let i = 0; i < 8; i++) crc = crc & 1 ? (crc >>> 1) ^ 0xedb88320 : crc >>> 1;
  }
  return (crc ^ 0xffffffff) >>> 0;
}

function chunk(type, data) {
  const head = Buffer.alloc(4);
  head.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([head, body, crc]);
}

/** An RGB PNG of width x height with a gradient. */
function png(width, height) {
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(width, 0);
  ihdr.writeUInt32BE(height, 4);
  ihdr.set([8, 2, 0, 0, 0], 8);
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) row.set([x % 256, y % 256, 99], 1 + x * 3);
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

function site() {
  return new Promise((resolveSite) => {
    const server = createServer((req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end('<html><head><title>Plain</title><meta property="og:title" content="Hello preview">'
        + '<meta property="og:site_name" content="Local"></head><body></body></html>');
    });
    server.listen(0, '127.0.0.1', () => resolveSite(server));
  });
}

async function multipart(server, user, method, path, name, bytes) {
  const form = new FormData();
  form.append('file', new Blob([bytes]), name);
  const res = await fetch(`${server.url}/api/v1/${path}`, {
    method,
    headers: { authorization: `Bearer ${user.token}` },
    body: form,
  });
  return { status: res.status, body: await res.json() };
}

test('a link preview and a thumbnail arrive as message:updated', async (t) => {
  const pages = await site();
  t.after(() => pages.close());
  const allow = `127.0.0.1:${pages.address().port}`;
  const server = await startServer(t, { env: { LINK_PREVIEW_ALLOW: allow } });
  const alice = await createUser(server.url, { name: 'Alice' });
  const bob = await createUser(server.url, { name: 'Bob' });
  const room = await createRoom(alice, { members: [bob] });
  const a = await connect(server.url, alice.token);
  const b = await connect(server.url, bob.token);
  t.after(() => [a, b].forEach((s) => s.close()));

  const previewed = next(b, 'message:updated', (m) => m.roomId === room && m.preview !== null);
  const sent = await call(a, 'message:send', {
    roomId: room, clientId: randomUUID(), body: `look at http://${allow}/notes`,
  });
  assert.equal(sent.ok, true, JSON.stringify(sent));
  assert.equal(sent.data.preview, null);
  const updated = (await previewed).payload;
  assert.equal(updated.id, sent.data.id);
  assert.deepEqual(updated.preview, {
    url: `http://${allow}/notes`, title: 'Hello preview', description: null, siteName: 'Local', imageUrl: null,
  });

  const up = await multipart(server, alice, 'POST', `rooms/${room}/uploads`, 'shot.png', png(640, 480));
  assert.equal(up.status, 201, JSON.stringify(up.body));
  const thumbed = next(b, 'message:updated', (m) => m.attachments?.[0]?.thumbnailUrl);
  const withFile = await call(a, 'message:send', {
    roomId: room, clientId: randomUUID(), body: '', attachmentIds: [up.body.data.id],
  });
  assert.equal(withFile.ok, true, JSON.stringify(withFile));
  const file = (await thumbed).payload.attachments[0];
  assert.equal(file.width, 640);
  assert.equal(file.height, 480);
  const thumb = await fetch(`${server.url}${file.thumbnailUrl}`, { headers: { authorization: `Bearer ${bob.token}` } });
  assert.equal(thumb.status, 200);
  assert.equal(thumb.headers.get('content-type'), 'image/jpeg');
});

test('a new avatar is told to the team as user:updated', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url, { name: 'Alice' });
  const bob = await createUser(server.url, { name: 'Bob' });
  const b = await connect(server.url, bob.token);
  t.after(() => b.close());
  const heard = next(b, 'user:updated', (e) => e.userId === alice.user.id && e.avatarUrl);
  const set = await multipart(server, alice, 'PUT', 'me/avatar', 'me.png', png(120, 90));
  assert.equal(set.status, 200, JSON.stringify(set.body));
  assert.equal((await heard).payload.avatarUrl, set.body.data.avatarUrl);
  const removed = next(b, 'user:updated', (e) => e.userId === alice.user.id && e.avatarUrl === null);
  assert.equal((await alice.api.delete('me/avatar')).status, 204);
  await removed;
});
