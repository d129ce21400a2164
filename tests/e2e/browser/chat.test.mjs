// Two people chatting in real browsers against the real binary: live delivery with ticks,
// an offline spell with a full outbox, and an outbox that survives a page reload.
import assert from 'node:assert/strict';
import { createRoom, createUser, PASSWORD, startServer } from '../lib/harness.mjs';
import { browserTest, launchBrowser, newPage, openAs, openRoom, roomReady, rows, send, signIn, stored, ticks, WAIT_MS } from './browser.mjs';

/**
 * Routes the context's Socket.IO traffic through a switch: passed to the server, or (blocked)
 * refused. Installed before the page loads: a document only has its WebSockets routed when
 * the routing existed when it loaded.
 */
async function socketSwitch(context) {
  let blocked = false;
  await context.routeWebSocket(/\/socket\.io\//, (ws) => (blocked ? refuseConnect(ws) : ws.connectToServer()));
  await context.route(/\/socket\.io\//, (route) => (blocked ? route.abort() : route.continue()));
  return (value) => {
    blocked = value;
  };
}

/**
 * A server, a browser, two staff members of one room, each signed in on their own page;
 * with `switchable`, Alice's socket goes through `a.blockSocket(true|false)`.
 */
async function twoPeople(t, { switchable = false } = {}) {
  const browser = await launchBrowser(t);
  if (!browser) return null;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const bob = await createUser(server.url, { name: 'Bob Builder' });
  const roomId = await createRoom(alice, { members: [bob] });
  const a = await newPage(browser);
  if (switchable) a.blockSocket = await socketSwitch(a.context);
  await signIn(a.page, server.url, alice.user.email, PASSWORD);
  const b = await openAs(browser, server.url, bob, PASSWORD);
  t.after(() => {
    assert.deepEqual(a.page.errors, [], 'uncaught errors in the first page');
    assert.deepEqual(b.page.errors, [], 'uncaught errors in the second page');
  });
  return { server, alice, bob, roomId, a, b };
}

/**
 * Plays a server that refuses Socket.IO connects: the Engine.IO handshake, then a
 * CONNECT_ERROR with the code as the message, as socketioxide sends it.
 */
function refuseConnect(ws) {
  ws.send(`0${JSON.stringify({ sid: 'refused', upgrades: [], pingInterval: 25_000, pingTimeout: 20_000, maxPayload: 1_000_000 })}`);
  ws.onMessage((packet) => {
    if (String(packet).startsWith('40')) ws.send('44{"message":"DB_UNAVAILABLE"}');
  });
}

/** Bodies of a room as stored on the server, oldest first. */
async function storedBodies(user, roomId) {
  const res = await user.api.get(`rooms/${roomId}/messages?limit=100`);
  assert.equal(res.status, 200, JSON.stringify(res.body));
  return res.data.items.map((m) => m.body);
}

browserTest('two people chat in real time, with delivered and read ticks on the sender side', { timeout: 120_000 }, async (t) => {
  const ctx = await twoPeople(t);
  if (!ctx) return;
  const { server, roomId, a, b } = ctx;
  await openRoom(a.page, server.url, roomId);

  // Bob is elsewhere in the app: his client receives (delivered) but does not read.
  await b.page.goto(`${server.url}/discover`);
  await b.page.getByRole('heading', { name: 'Discover rooms' }).waitFor();
  await send(a.page, 'Hello Bob, are you there?');
  await ticks(a.page, 'Hello Bob, are you there?', 'delivered');

  // Bob opens the room from the sidebar: he reads it, and Alice's tick turns to read.
  await b.page.getByRole('link', { name: /^e2e-/ }).first().click();
  await roomReady(b.page, roomId);
  await stored(b.page, 'Hello Bob, are you there?').waitFor();
  await ticks(a.page, 'Hello Bob, are you there?', 'read');

  // Both have the room open: messages appear live on the other side.
  await send(b.page, 'Yes! Reading you loud and clear.');
  await stored(a.page, 'Yes! Reading you loud and clear.').waitFor();
  await ticks(b.page, 'Yes! Reading you loud and clear.', 'read');
  await send(a.page, 'Great, shipping it then.');
  await stored(b.page, 'Great, shipping it then.').waitFor();
  await ticks(a.page, 'Great, shipping it then.', 'read');

  for (const body of ['Hello Bob, are you there?', 'Yes! Reading you loud and clear.', 'Great, shipping it then.']) {
    assert.equal(await rows(a.page, body).count(), 1, `once on Alice's page: ${body}`);
    assert.equal(await rows(b.page, body).count(), 1, `once on Bob's page: ${body}`);
  }
});

browserTest('messages written offline are sent on reconnect and arrive exactly once', { timeout: 120_000 }, async (t) => {
  const ctx = await twoPeople(t);
  if (!ctx) return;
  const { server, alice, roomId, a, b } = ctx;
  await openRoom(a.page, server.url, roomId);
  await openRoom(b.page, server.url, roomId);

  await a.context.setOffline(true);
  // The socket is really cut (not just REST): the app says so.
  await a.page.getByTestId('offline-banner').waitFor();
  await a.page.locator('body[data-connection="disconnected"]').waitFor({ state: 'attached' });
  const bodies = ['offline one', 'offline two', 'offline three'];
  for (const body of bodies) await send(a.page, body);
  await a.page.locator('[data-testid="message"].pending').nth(2).waitFor();
  assert.equal(await a.page.locator('[data-testid="message"].pending').count(), 3);
  for (const body of bodies) assert.equal(await rows(b.page, body).count(), 0, `not delivered while offline: ${body}`);

  await a.context.setOffline(false);
  for (const body of bodies) await stored(b.page, body).waitFor({ timeout: WAIT_MS * 2 });
  // A marker sent after them: once it is on Bob's page, any duplicate would be there too.
  await send(a.page, 'back online');
  await stored(b.page, 'back online').waitFor();
  for (const body of bodies) {
    assert.equal(await rows(b.page, body).count(), 1, `exactly once on Bob's page: ${body}`);
    assert.equal(await rows(a.page, body).count(), 1, `exactly once on Alice's page: ${body}`);
    assert.notEqual(await stored(a.page, body).getAttribute('data-status'), 'sending');
  }
  // Alice's own copy of the marker may be acked a moment after Bob has it.
  await stored(a.page, 'back online').waitFor();
  assert.equal(await a.page.locator('[data-testid="message"].pending').count(), 0);
  assert.deepEqual(await storedBodies(alice, roomId), [...bodies, 'back online']);
});

browserTest('an unsent message survives a reload and is delivered exactly once', { timeout: 120_000 }, async (t) => {
  const ctx = await twoPeople(t, { switchable: true });
  if (!ctx) return;
  const { server, alice, roomId, a, b } = ctx;
  await openRoom(a.page, server.url, roomId);
  await openRoom(b.page, server.url, roomId);

  // Offline: the message can only go to the persistent outbox. The socket stays away until
  // after the reload, so nothing can be flushed before it: the reloaded page must find the
  // message in its outbox. While blocked, Socket.IO connects are answered by a stand-in that
  // refuses them as the server does when its database is down (`DB_UNAVAILABLE`: the client
  // keeps retrying with backoff), and polling fails.
  a.blockSocket(true);
  await a.context.setOffline(true);
  await a.page.getByTestId('offline-banner').waitFor();
  await send(a.page, 'written before the reload');
  await a.page.locator('[data-testid="message"].pending').waitFor();
  await a.context.setOffline(false);
  await a.page.reload();
  await a.page.locator('[data-testid="chat-room"] [data-testid="message-list"][aria-busy="false"]').waitFor();
  await rows(a.page, 'written before the reload').and(a.page.locator('.pending')).waitFor();
  // Refused (not hanging): the client knows it is disconnected and says so.
  await a.page.locator('body[data-connection="disconnected"]').waitFor({ state: 'attached' });
  await a.page.getByTestId('offline-banner').waitFor();
  assert.equal(await rows(b.page, 'written before the reload').count(), 0);
  assert.deepEqual(await storedBodies(alice, roomId), []);

  // Unblock: the reloaded page connects and sends it with its original clientId.
  a.blockSocket(false);
  await stored(b.page, 'written before the reload').waitFor({ timeout: WAIT_MS * 2 });
  await stored(a.page, 'written before the reload').waitFor();
  await send(a.page, 'after the reload');
  await stored(b.page, 'after the reload').waitFor();
  assert.equal(await rows(b.page, 'written before the reload').count(), 1);
  assert.equal(await rows(a.page, 'written before the reload').count(), 1);
  assert.deepEqual(await storedBodies(alice, roomId), ['written before the reload', 'after the reload']);
});
