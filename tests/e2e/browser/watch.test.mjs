// Rooms shown without being a member, followed live only while shown (`room:watch`): a public
// room previewed from Discover, and a department ticket opened from the queue by staff who are
// not assigned; the page acknowledges what it receives cumulatively (`ack {roomId, seq}`).
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { api, ADMIN_EMAIL, ADMIN_PASSWORD, connect, createRoom, createUser, login, PASSWORD, startServer, until } from '../lib/harness.mjs';
import { browserTest, launchBrowser, newPage, roomReady, signIn, socketFrames, stored, WAIT_MS } from './browser.mjs';

async function post(user, roomId, body) {
  const res = await user.api.post(`rooms/${roomId}/messages`, { clientId: randomUUID(), body });
  assert.equal(res.status, 201, JSON.stringify(res.body));
  return res.data;
}

/** The room view on screen follows `roomId` live (its watch was confirmed). */
async function live(page, roomId) {
  await page.locator(`[data-testid="chat-room"][data-room-id="${roomId}"][data-watch="live"]`).waitFor();
}

browserTest('a previewed public room is live while shown and no longer after leaving it', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const olga = await createUser(server.url, { name: 'Olga Owner' });
  const vera = await createUser(server.url, { name: 'Vera Viewer' });
  const news = await createRoom(olga, { kind: 'public' });
  const team = await createRoom(olga, { kind: 'private', members: [vera] });
  await post(olga, news, 'Written before the preview');
  // Olga follows her room with a socket: when it got a message, the server has sent it to
  // every socket following the room.
  const olgaSocket = await connect(server.url, olga.token);
  t.after(() => olgaSocket.close());

  const { page } = await newPage(browser);
  const frames = socketFrames(page);
  await signIn(page, server.url, vera.user.email, PASSWORD);
  await page.getByRole('link', { name: 'Discover rooms' }).first().click();
  const slug = (await olga.api.get(`rooms/${news}`)).data.slug;
  await page.getByTestId(`discover-${slug}`).getByTestId('preview-room').click();
  await roomReady(page, news);
  await stored(page, 'Written before the preview').waitFor();
  await live(page, news);
  assert.equal(await page.getByTestId('join-room').count(), 1, 'not a member: the join bar is shown');

  // A new message appears live, and the page acknowledges the room up to it (no re-send).
  const liveMessage = await post(olga, news, 'Live in the preview');
  await stored(page, 'Live in the preview').waitFor();
  await until(
    () => frames.sent('ack', (a) => a.roomId === news && a.seq === liveMessage.seq).length > 0,
    WAIT_MS,
    'the page acknowledges the live message',
  );
  assert.equal(frames.sent('ack').every((a) => a.id === null), true, 'acks carry no callback');

  // Leaving the room (in the app, the socket stays) ends the watch; once the server answered
  // the unwatch, the room's messages no longer reach the page.
  await page.locator('#sidebar').getByRole('link', { name: (await olga.api.get(`rooms/${team}`)).data.title }).click();
  await roomReady(page, team);
  await until(() => frames.answered('room:unwatch', (d) => d.roomId === news), WAIT_MS, 'the server answers the unwatch');
  await post(olga, news, 'Written after leaving');
  await until(() => olgaSocket.received.some((m) => m.body === 'Written after leaving'), WAIT_MS, 'the owner receives it');
  // Sent to the page after that one would have been (it is stored afterwards, on one socket).
  await post(olga, team, 'Meanwhile in the team room');
  await stored(page, 'Meanwhile in the team room').waitFor();
  assert.deepEqual(
    frames.received('message:new', (m) => m.roomId === news).map((m) => m.data.body),
    ['Live in the preview'],
    'only the message written while the room was shown reached the page',
  );

  // Shown again: watched again, with what was written meanwhile.
  await page.goBack();
  await roomReady(page, news);
  await live(page, news);
  await stored(page, 'Written after leaving').waitFor();
  await post(olga, news, 'Live again');
  await stored(page, 'Live again').waitFor();
  assert.deepEqual(page.errors, []);
});

browserTest('staff viewing an unassigned ticket from the queue see the customer live until it moves away', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const sam = await createUser(server.url, { name: 'Sam Support', department: 'support' });
  const opened = await api(server.url).post('support/tickets', {
    name: 'Carla Customer',
    email: `carla-${randomUUID().slice(0, 8)}@customer.example`,
    subject: 'Cannot export invoices',
    message: 'The export button does nothing.',
    department: 'support',
  });
  assert.equal(opened.status, 201, JSON.stringify(opened.body));
  const { ticketId, token } = opened.data;
  const link = await api(server.url).post('auth/link', { token });
  assert.equal(link.status, 200, JSON.stringify(link.body));
  const customer = { api: api(server.url, link.data.token) };

  const { page } = await newPage(browser);
  await signIn(page, server.url, sam.user.email, PASSWORD);
  await page.goto(`${server.url}/tickets`);
  // The queue follows the ticket from `ticket:updated` alone (it gets no messages).
  const row = page.locator(`[data-testid="ticket-row"][data-ticket-id="${ticketId}"]`);
  await row.waitFor();
  await row.getByRole('link', { name: 'Cannot export invoices' }).click();
  await roomReady(page, ticketId);
  await stored(page, 'The export button does nothing.').waitFor();
  await live(page, ticketId);

  // Not assigned, not a member: the customer's new message arrives live all the same.
  await post(customer, ticketId, 'It also fails in another browser.');
  await stored(page, 'It also fails in another browser.').waitFor();

  // Moved to billing: the watch is asked for again, refused, and the page says so.
  const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const moved = await admin.api.patch(`tickets/${ticketId}`, { department: 'billing' });
  assert.equal(moved.status, 200, JSON.stringify(moved.body));
  await page.locator(`[data-testid="room-gone"][data-room-id="${ticketId}"]`).waitFor();
  await page.getByRole('heading', { name: 'Ticket unavailable' }).waitFor();
  assert.deepEqual(page.errors, []);
});
