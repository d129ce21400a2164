// Socket.IO end to end with the official socket.io-client: authentication, the events of a
// conversation, idempotent sends, catch-up after a disconnect, ack retries and isolation.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import {
  ADMIN_EMAIL, ADMIN_PASSWORD, call, connect, createRoom, createUser, cumulativeAcker, login, next, sleep, startServer, until,
} from '../lib/harness.mjs';

test('connections without a valid session are refused with a code', async (t) => {
  const server = await startServer(t);
  await assert.rejects(connect(server.url), (err) => err.code === 'UNAUTHENTICATED');
  await assert.rejects(connect(server.url, 'not-a-token'), (err) => err.code === 'UNAUTHENTICATED');

  const user = await createUser(server.url);
  const socket = await connect(server.url, user.token);
  const revoked = next(socket, 'session:revoked');
  const closed = new Promise((r) => socket.on('disconnect', r));
  assert.equal((await user.api.post('auth/logout')).status, 200);
  assert.equal((await revoked).payload.reason, 'signed_out');
  await closed;
  await assert.rejects(connect(server.url, user.token), (err) => err.code === 'UNAUTHENTICATED');

  // A cookie works as well as auth.token.
  const other = await createUser(server.url);
  const viaCookie = await connect(server.url, undefined, { extraHeaders: { cookie: `sb_session=${other.token}` } });
  assert.ok(viaCookie.connected);
  viaCookie.close();
});

test('a ban disconnects live sockets and refuses new ones', async (t) => {
  const server = await startServer(t);
  const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const user = await createUser(server.url);
  const first = await connect(server.url, user.token);
  const second = await connect(server.url, user.token);
  const notices = [next(first, 'session:revoked'), next(second, 'session:revoked')];
  const closed = [first, second].map((s) => new Promise((r) => s.on('disconnect', r)));
  const ban = await admin.api.post(`admin/users/${user.user.id}/ban`, { reason: 'e2e' });
  assert.equal(ban.status, 200);
  for (const notice of await Promise.all(notices)) assert.equal(notice.payload.reason, 'banned');
  await Promise.all(closed);
  await assert.rejects(connect(server.url, user.token), (err) => ['UNAUTHENTICATED', 'BANNED'].includes(err.code));
});

test('two people: send, edit, react, type, read, delete and see presence', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url, { name: 'Alice' });
  const bob = await createUser(server.url, { name: 'Bob' });
  const room = await createRoom(alice, { members: [bob] });
  const a = await connect(server.url, alice.token);
  const bobOnline = next(a, 'presence', (p) => p.userId === bob.user.id && p.online);
  const b = await connect(server.url, bob.token);
  await bobOnline;

  const arrives = next(b, 'message:new', (m) => m.roomId === room);
  const delivered = next(a, 'receipt', (r) => r.kind === 'delivered' && r.userId === bob.user.id);
  const sent = await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: 'hello bob' });
  assert.equal(sent.ok, true);
  assert.equal(sent.data.seq, 1);
  const { payload: incoming } = await arrives;
  assert.equal(incoming.body, 'hello bob');
  assert.equal(incoming.author.name, 'Alice');

  const edited = next(b, 'message:updated');
  assert.equal((await call(a, 'message:edit', { messageId: sent.data.id, body: 'hello, Bob' })).ok, true);
  assert.equal((await edited).payload.body, 'hello, Bob');

  const reacted = next(a, 'reaction:updated');
  const toggle = await call(b, 'reaction:toggle', { messageId: sent.data.id, emoji: '🎉' });
  assert.equal(toggle.ok, true);
  assert.deepEqual(toggle.data.reactions, [{ emoji: '🎉', count: 1, me: true }]);
  const { payload: reaction } = await reacted;
  assert.deepEqual([reaction.emoji, reaction.added, reaction.count, reaction.userId], ['🎉', true, 1, bob.user.id]);

  const typing = next(a, 'typing');
  assert.equal((await call(b, 'typing', { roomId: room, typing: true })).ok, true);
  const { payload: typingEvent } = await typing;
  assert.deepEqual([typingEvent.userId, typingEvent.name, typingEvent.typing], [bob.user.id, 'Bob', true]);

  const receipt = next(a, 'receipt', (r) => r.kind === 'read');
  assert.deepEqual((await call(b, 'read', { roomId: room, seq: 1 })).data, { lastReadSeq: 1 });
  assert.deepEqual((await receipt).payload, { roomId: room, userId: bob.user.id, seq: 1, kind: 'read' });
  assert.equal((await delivered).payload.seq, 1);

  const deleted = next(b, 'message:deleted');
  assert.equal((await call(a, 'message:delete', { messageId: sent.data.id })).ok, true);
  assert.equal((await deleted).payload.body, null);

  // REST writes reach socket clients too.
  const viaRest = next(b, 'message:new', (m) => m.body === 'from REST');
  const rest = await alice.api.post(`rooms/${room}/messages`, { clientId: randomUUID(), body: 'from REST' });
  assert.equal(rest.status, 201);
  assert.equal((await viaRest).payload.seq, 2);

  const bobOffline = next(a, 'presence', (p) => p.userId === bob.user.id && !p.online, 10_000);
  b.close();
  await bobOffline;
  a.close();
});

test('bad payloads and forbidden actions answer with codes', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url);
  const room = await createRoom(alice);
  const a = await connect(server.url, alice.token);
  const missing = await call(a, 'message:send', { roomId: room, body: 'no client id' });
  assert.deepEqual([missing.ok, missing.code], [false, 'VALIDATION']);
  assert.ok(missing.requestId);
  const wrongType = await call(a, 'message:send', { roomId: 5, clientId: 'x', body: 'y' });
  assert.equal(wrongType.code, 'VALIDATION');
  const empty = await call(a, 'message:send', { roomId: room, clientId: 'x', body: '   ' });
  assert.equal(empty.code, 'VALIDATION');
  const unknownRoom = await call(a, 'message:send', { roomId: randomUUID(), clientId: 'x', body: 'y' });
  assert.equal(unknownRoom.code, 'NOT_FOUND');
  const notAnObject = await call(a, 'sync', 'please');
  assert.equal(notAnObject.code, 'VALIDATION');
  const nul = await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: 'a\u0000b' });
  assert.deepEqual([nul.code, nul.details?.[0]?.field], ['VALIDATION', 'body']);
  const tooLong = await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: 'x'.repeat(5001) });
  assert.equal(tooLong.code, 'VALIDATION');
  // A frame far beyond anything a client needs closes that connection, and only that one.
  const closed = new Promise((resolveClosed) => a.once('disconnect', resolveClosed));
  a.emit('message:send', { roomId: room, clientId: randomUUID(), body: 'x'.repeat(512 * 1024) });
  await closed;
  const again = await connect(server.url, alice.token);
  assert.equal((await call(again, 'message:send', { roomId: room, clientId: randomUUID(), body: 'still here' })).ok, true);
  again.close();
});

test('resending a clientId yields one message and one message:new per recipient', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const room = await createRoom(alice, { members: [bob] });
  const a = await connect(server.url, alice.token);
  const b = await connect(server.url, bob.token);
  const clientId = randomUUID();
  const payload = { roomId: room, clientId, body: 'once' };
  const first = await call(a, 'message:send', payload);
  const again = await Promise.all([1, 2, 3, 4].map(() => call(a, 'message:send', payload)));
  for (const answer of again) assert.equal(answer.data.id, first.data.id);
  // Concurrent first sends of a new clientId race inside the database, not here.
  const raced = await Promise.all([1, 2, 3, 4, 5].map(() => call(a, 'message:send', { ...payload, clientId: 'race' })));
  assert.equal(new Set(raced.map((r) => r.data.id)).size, 1);
  await until(() => b.received.length >= 2, 5000, 'two deliveries');
  await sleep(300);
  assert.deepEqual(b.received.map((m) => m.seq), [1, 2]);
  a.close();
  b.close();
});

test('bursts reach clients that take message:batch and clients that do not, whole and in order', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const carol = await createUser(server.url);
  const room = await createRoom(alice, { members: [bob, carol] });
  const batching = (user) => connect(server.url, user.token, { auth: { token: user.token, batch: true } });
  // Bob's client asks for batches, as the web client does.
  const batcher = await batching(bob);
  const batches = [];
  const acker = cumulativeAcker(batcher);
  batcher.on('message:batch', (batch) => {
    batches.push(batch);
    for (const message of batch.messages) {
      batcher.received.push(message);
      acker.hold(message.roomId, message.seq);
    }
  });
  // Five senders with 40 messages each, all in flight at once: commits land together and the
  // room's dispatcher finds several messages ready.
  const burst = async (senders, from) => {
    const answers = await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        call(senders[i % senders.length], 'message:send', { roomId: room, clientId: randomUUID(), body: `burst ${from + i}` }),
      ),
    );
    assert.ok(answers.every((a) => a.ok), JSON.stringify(answers.find((a) => !a.ok)));
  };
  // First every socket on the server takes batches (each batch is one broadcast)...
  const batchingSenders = await Promise.all([1, 2, 3, 4, 5].map(() => batching(alice)));
  await burst(batchingSenders, 1);
  await until(() => batcher.received.length >= 200, 10_000, 'the first burst');
  // ...then a plain socket.io client is in the room too (batches go to the others only).
  const plain = await connect(server.url, carol.token);
  let plainBatches = 0;
  plain.on('message:batch', () => plainBatches++);
  const plainSenders = await Promise.all([1, 2, 3, 4, 5].map(() => connect(server.url, alice.token)));
  await burst(plainSenders, 201);
  await until(() => batcher.received.length >= 400 && plain.received.length >= 200, 10_000, 'the second burst');
  // Re-sends would show up as repeats: everything is acknowledged, so give them time to show.
  await sleep(300);
  const seqs = (from, to) => Array.from({ length: to - from + 1 }, (_, i) => from + i);
  assert.deepEqual(batcher.received.map((m) => m.seq), seqs(1, 400));
  assert.deepEqual(plain.received.map((m) => m.seq), seqs(201, 400));
  assert.equal(plainBatches, 0, 'a client that did not ask gets no message:batch');
  for (const batch of batches) {
    assert.equal(batch.roomId, room);
    assert.ok(batch.messages.length >= 2, 'a batch carries several messages');
    assert.ok(batch.messages.every((m) => m.roomId === room && typeof m.body === 'string'));
  }
  const carried = (from) => batches.filter((b) => b.messages[0].seq >= from).reduce((n, b) => n + b.messages.length, 0);
  t.diagnostic(`batches carried ${carried(1) - carried(201)} of the first 200 messages and ${carried(201)} of the next 200`);
  for (const socket of [batcher, plain, ...batchingSenders, ...plainSenders]) socket.close();
});

test('a client that was away gets exactly what it missed, in order, through sync', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const room = await createRoom(alice, { members: [bob] });
  const a = await connect(server.url, alice.token);
  let b = await connect(server.url, bob.token);
  await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: 'before' });
  await until(() => b.received.length === 1, 5000, 'first message');
  const cursor = b.received[0].seq;
  b.close();
  for (let i = 0; i < 200; i += 1) {
    const answer = await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: `missed ${i}` });
    assert.equal(answer.ok, true);
  }
  b = await connect(server.url, bob.token);
  const caught = [];
  let seq = cursor;
  for (;;) {
    const answer = await call(b, 'sync', { cursors: [{ roomId: room, seq }], limit: 70 });
    assert.equal(answer.ok, true, JSON.stringify(answer));
    const [synced] = answer.data.rooms;
    caught.push(...synced.messages);
    if (synced.messages.length) seq = synced.messages.at(-1).seq;
    if (synced.complete) break;
  }
  assert.equal(caught.length, 200);
  assert.deepEqual(caught.map((m) => m.seq), Array.from({ length: 200 }, (_, i) => cursor + 1 + i));
  assert.equal(caught[0].body, 'missed 0');
  assert.equal(caught.at(-1).body, 'missed 199');
  // A seq gap seen live is closed by the same call.
  const gap = await call(b, 'sync', { cursors: [{ roomId: room, seq: cursor + 198 }] });
  assert.deepEqual(gap.data.rooms[0].messages.map((m) => m.seq), [cursor + 199, cursor + 200]);
  a.close();
  b.close();
});

test('one sync call answers at most 2,000 messages over all its rooms; the next calls bring the rest', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url);
  const rooms = [];
  for (let r = 0; r < 5; r += 1) rooms.push(await createRoom(alice));
  const a = await connect(server.url, alice.token);
  t.after(() => a.close());
  // 5 rooms x 450 messages: 2,250, more than one call's budget.
  await Promise.all(rooms.map(async (roomId) => {
    for (let i = 0; i < 450; i += 1) {
      const answer = await call(a, 'message:send', { roomId, clientId: randomUUID(), body: `m${i}` });
      assert.equal(answer.ok, true);
    }
  }));
  const cursors = new Map(rooms.map((roomId) => [roomId, 0]));
  const got = new Map(rooms.map((roomId) => [roomId, []]));
  let calls = 0;
  for (;;) {
    calls += 1;
    const answer = await call(a, 'sync', { cursors: rooms.map((roomId) => ({ roomId, seq: cursors.get(roomId) })), limit: 500 });
    assert.equal(answer.ok, true, JSON.stringify(answer));
    const total = answer.data.rooms.reduce((n, room) => n + room.messages.length, 0);
    assert.ok(total <= 2000, `one call answered ${total} messages`);
    for (const room of answer.data.rooms) {
      got.get(room.roomId).push(...room.messages.map((m) => m.seq));
      if (room.messages.length) cursors.set(room.roomId, room.messages.at(-1).seq);
    }
    if (answer.data.rooms.every((room) => room.complete)) break;
    assert.ok(calls < 10, 'sync makes progress');
  }
  assert.equal(calls, 2, 'the first call was cut at the budget');
  for (const roomId of rooms) {
    assert.deepEqual(got.get(roomId), Array.from({ length: 450 }, (_, i) => i + 1));
  }
});

test('unacknowledged deliveries are retried, then given up and the client told to sync', async (t) => {
  const server = await startServer(t, { env: { DELIVERY_ACK_TIMEOUT_MS: '300', DELIVERY_MAX_RETRIES: '2' } });
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const room = await createRoom(alice, { members: [bob] });
  const a = await connect(server.url, alice.token);
  const silent = await connect(server.url, bob.token, { autoAck: false });
  const hints = [];
  silent.on('sync:hint', (hint) => hints.push(hint));
  await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: 'ack me' });
  // The first emit plus two re-sends reach the silent client, then a hint to sync the room.
  await until(() => silent.received.length >= 3, 10_000, 'retries');
  assert.ok(silent.received.every((m) => m.seq === 1));
  await until(() => hints.some((h) => h.roomId === room), 10_000, 'the sync hint');
  await until(() => server.logs.join('').includes('delivery given up after retries'), 10_000, 'give-up log');
  // A client that acknowledges a re-send is not given up on, and one ack covers every
  // message up to its seq.
  const late = await connect(server.url, bob.token, { autoAck: false });
  const lateHints = [];
  late.on('sync:hint', (hint) => lateHints.push(hint));
  let answered = 0;
  late.on('message:new', (m) => {
    answered += 1;
    if (answered === 3) late.emit('ack', { roomId: m.roomId, seq: 3 });
  });
  silent.close();
  await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: 'second' });
  await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: 'third' });
  // Two live messages, then one re-send of both (answered 3 and 4), acknowledged at the first.
  await until(() => answered >= 4, 10_000, 'the re-send');
  await sleep(1500);
  assert.equal(answered, 4, 'no re-sends after the ack');
  assert.deepEqual(lateHints, [], 'an acknowledging client is not told to sync');
  a.close();
  late.close();
});

test('a client that takes batches gets its re-sends as one message:batch', async (t) => {
  const server = await startServer(t, { env: { DELIVERY_ACK_TIMEOUT_MS: '300', DELIVERY_MAX_RETRIES: '2' } });
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const room = await createRoom(alice, { members: [bob] });
  const a = await connect(server.url, alice.token);
  const silent = await connect(server.url, bob.token, { autoAck: false, auth: { token: bob.token, batch: true } });
  const batches = [];
  silent.on('message:batch', (batch) => batches.push(batch.messages.map((m) => m.seq)));
  await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: 'one' });
  await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: 'two' });
  // Live, 1 and 2 come one by one or together; each of the two re-sends brings both at once.
  await until(() => batches.filter((b) => b.join() === '1,2').length >= 2, 10_000, 'two batched re-sends');
  assert.ok(silent.received.length <= 2, `re-sends came as message:new: ${silent.received.map((m) => m.seq)}`);
  a.close();
  silent.close();
});

test('nobody receives or writes in rooms they may not read, whatever they emit', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const outsider = await createUser(server.url);
  const customer = await createUser(server.url, { role: 'customer', department: null });
  const observer = await createUser(server.url, { role: 'observer', department: 'engineering' });
  const priv = await createRoom(alice, { kind: 'private', members: [bob] });
  const dm = (await alice.api.post('dms', { userId: bob.user.id })).data.id;
  const pub = await createRoom(alice, { department: 'engineering' });
  const sockets = await Promise.all([outsider, customer, observer].map((u) => connect(server.url, u.token)));
  const a = await connect(server.url, alice.token);
  for (const s of sockets) {
    for (const roomId of [priv, dm]) {
      const send = await call(s, 'message:send', { roomId, clientId: randomUUID(), body: 'let me in' });
      assert.equal(send.code, 'NOT_FOUND');
      const sync = await call(s, 'sync', { cursors: [{ roomId, seq: 0 }] });
      assert.equal(sync.data.rooms[0].error, 'NOT_FOUND');
      assert.equal(sync.data.rooms[0].messages.length, 0);
      assert.equal((await call(s, 'typing', { roomId, typing: true })).code, 'NOT_FOUND');
      assert.equal((await call(s, 'read', { roomId, seq: 1 })).code, 'NOT_FOUND');
      assert.equal((await call(s, 'room:watch', { roomId })).code, 'NOT_FOUND');
    }
    // Unknown events and attempts to join rooms by name do nothing.
    s.emit('join', `room:${priv}`);
    s.emit('subscribe', { roomId: priv });
  }
  const [out, cust, obs] = sockets;
  // A public room reaches a non-member only while they watch it, and only if they may read it.
  for (const s of [out, obs]) {
    const watched = await call(s, 'room:watch', { roomId: pub });
    assert.equal(watched.ok, true, JSON.stringify(watched));
    assert.equal(watched.data.member, false);
  }
  assert.equal((await call(cust, 'room:watch', { roomId: pub })).code, 'NOT_FOUND');
  const bystander = await connect(server.url, (await createUser(server.url)).token);
  const observerSend = await call(obs, 'message:send', { roomId: pub, clientId: randomUUID(), body: 'x' });
  assert.equal(observerSend.code, 'READ_ONLY');
  for (const roomId of [priv, dm, pub]) {
    await call(a, 'message:send', { roomId, clientId: randomUUID(), body: `secret in ${roomId}` });
  }
  await until(() => out.received.length > 0 && obs.received.length > 0, 5000, 'the watchers\' delivery');
  await sleep(300);
  assert.deepEqual(out.received.map((m) => m.roomId), [pub], 'outsider sees only the public room they watch');
  assert.deepEqual(cust.received, [], 'customers see no team rooms');
  assert.deepEqual(obs.received.map((m) => m.roomId), [pub], 'observers read what staff read');
  assert.deepEqual(bystander.received, [], 'staff who may read a public room get it only while watching');
  // After unwatching, nothing more arrives.
  await call(out, 'room:unwatch', { roomId: pub });
  await call(a, 'message:send', { roomId: pub, clientId: randomUUID(), body: 'after unwatch' });
  await until(() => obs.received.length === 2, 5000, 'the remaining watcher\'s delivery');
  assert.equal(out.received.length, 1, 'an unwatched room stays quiet');
  for (const s of [...sockets, a, bystander]) s.close();
});

test('membership changes move subscriptions at once', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const priv = await createRoom(alice, { kind: 'private' });
  const a = await connect(server.url, alice.token);
  const b = await connect(server.url, bob.token);
  const added = next(b, 'member:added', (e) => e.roomId === priv);
  assert.equal((await alice.api.post(`rooms/${priv}/members`, { userId: bob.user.id })).status, 201);
  await added;
  await call(a, 'message:send', { roomId: priv, clientId: randomUUID(), body: 'welcome' });
  await until(() => b.received.length === 1, 5000, 'delivery after invite');
  const removed = next(b, 'member:removed', (e) => e.roomId === priv);
  assert.equal((await alice.api.delete(`rooms/${priv}/members/${bob.user.id}`)).status, 200);
  await removed;
  await call(a, 'message:send', { roomId: priv, clientId: randomUUID(), body: 'after removal' });
  await sleep(500);
  assert.deepEqual(b.received.map((m) => m.body), ['welcome']);
  a.close();
  b.close();
});

test('long-polling works as well as websockets', async (t) => {
  const server = await startServer(t);
  const alice = await createUser(server.url);
  const room = await createRoom(alice);
  const polling = await connect(server.url, alice.token, { transports: ['polling'] });
  assert.equal(polling.io.engine.transport.name, 'polling');
  const answer = await call(polling, 'message:send', { roomId: room, clientId: randomUUID(), body: 'over polling' });
  assert.equal(answer.ok, true);
  await until(() => polling.received.length === 1, 5000, 'delivery over polling');
  polling.close();
});

test('new DMs, deleted rooms and role changes reach live sockets', async (t) => {
  const server = await startServer(t);
  const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const alice = await createUser(server.url);
  const bob = await createUser(server.url);
  const b = await connect(server.url, bob.token);
  const dm = (await alice.api.post('dms', { userId: bob.user.id })).data.id;
  const a = await connect(server.url, alice.token);
  await call(a, 'message:send', { roomId: dm, clientId: randomUUID(), body: 'new DM' });
  await until(() => b.received.some((m) => m.roomId === dm), 5000, 'DM delivered without reconnecting');

  const room = await createRoom(alice, { members: [bob] });
  const gone = next(b, 'room:deleted', (e) => e.roomId === room);
  assert.equal((await alice.api.delete(`rooms/${room}`)).status, 200);
  await gone;

  // A new role is never carried by an old session: the socket is told and closed, the session
  // is gone, and the next sign-in has the new role's access.
  const revoked = next(b, 'session:revoked');
  const closed = new Promise((r) => b.on('disconnect', r));
  assert.equal((await admin.api.patch(`admin/users/${bob.user.id}`, { role: 'observer' })).status, 200);
  assert.equal((await revoked).payload.reason, 'role_changed');
  await closed;
  await assert.rejects(connect(server.url, bob.token), (err) => err.code === 'UNAUTHENTICATED');
  const signedIn = await login(server.url, bob.user.email);
  const again = await connect(server.url, signedIn.token);
  assert.equal((await call(again, 'message:send', { roomId: dm, clientId: randomUUID(), body: 'x' })).code, 'READ_ONLY');
  a.close();
  again.close();
});

test('sends are rate limited per user with a retry hint', async (t) => {
  const server = await startServer(t, { env: { RATE_LIMIT_MESSAGE_SEND: '3/60s' } });
  const alice = await createUser(server.url);
  const room = await createRoom(alice);
  const a = await connect(server.url, alice.token);
  for (let i = 0; i < 3; i += 1) {
    assert.equal((await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: `m${i}` })).ok, true);
  }
  const limited = await call(a, 'message:send', { roomId: room, clientId: randomUUID(), body: 'too many' });
  assert.equal(limited.code, 'RATE_LIMITED');
  assert.ok(limited.retryAfterMs > 1000 && limited.retryAfterMs <= 21_000, String(limited.retryAfterMs));
  const rest = await alice.api.post(`rooms/${room}/messages`, { clientId: randomUUID(), body: 'via REST' });
  assert.equal(rest.status, 429);
  assert.equal(rest.body.code, 'RATE_LIMITED');
  a.close();
});
