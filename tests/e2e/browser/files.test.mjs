// Files in real browsers: a file picked in the composer uploads with a visible progress bar, an
// image dropped onto the room and one pasted into the composer join it, and the message arrives
// on a colleague's page as an image grid (opening in the lightbox) and a file card that
// downloads; the room's Files panel lists them; the support form sends a file with the request,
// and the ticket header's Files button lists it.
// A link's preview card (from a local site allowed for the test) reaches both pages and its
// author removes it. An avatar picked on the account page shows by messages, in a colleague's
// member list and by their DM in the sidebar, and its removal brings the initials back.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { statSync } from 'node:fs';
import { createServer } from 'node:http';
import { deflateSync } from 'node:zlib';
import { ADMIN_EMAIL, ADMIN_PASSWORD, createRoom, createUser, login, PASSWORD, startServer, until } from '../lib/harness.mjs';
import { browserTest, launchBrowser, newPage, openAs, openRoom, screenshot, send, stored } from './browser.mjs';

const MAX_SCREENSHOT_BYTES = 200 * 1024;

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const len = Buffer.alloc(4);
  len.writeUInt32BE(data.length);
  const body = Buffer.concat([Buffer.from(type, 'ascii'), data]);
  const crc = Buffer.alloc(4);
  crc.writeUInt32BE(crc32(body));
  return Buffer.concat([len, body, crc]);
}

/** A real PNG of `width`x`height`: diagonal bands of `rgb` and white. */
export function png(width, height, [r, g, b]) {
  const header = Buffer.alloc(13);
  header.writeUInt32BE(width, 0);
  header.writeUInt32BE(height, 4);
  header[8] = 8; // bit depth
  header[9] = 2; // truecolour
  const rows = [];
  for (let y = 0; y < height; y++) {
    const row = Buffer.alloc(1 + width * 3);
    for (let x = 0; x < width; x++) {
      const band = Math.floor((x + y) / 160) % 2 === 0;
      row.set(band ? [r, g, b] : [250, 250, 250], 1 + x * 3);
    }
    rows.push(row);
  }
  return Buffer.concat([
    Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]),
    chunk('IHDR', header),
    chunk('IDAT', deflateSync(Buffer.concat(rows))),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}

/** A log file of about `bytes` bytes. */
function logText(bytes) {
  const line = '2026-12-05T01:02:03Z INFO request handled in 12 ms path=/api/v1/rooms status=200\n';
  return Buffer.from(line.repeat(Math.ceil(bytes / line.length)).slice(0, bytes));
}

async function shoot(page, name) {
  await page.evaluate(() => document.fonts.ready);
  const path = await screenshot(page, name);
  const bytes = statSync(path).size;
  assert.ok(bytes < MAX_SCREENSHOT_BYTES, `${name}.png is ${bytes} bytes (limit ${MAX_SCREENSHOT_BYTES})`);
}

/** Slows the page's uploads (Chromium's network emulation) so their progress can be seen. */
async function throttleUploads(context, page, bytesPerSecond) {
  const cdp = await context.newCDPSession(page);
  await cdp.send('Network.enable');
  await cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: bytesPerSecond });
  return () => cdp.send('Network.emulateNetworkConditions', { offline: false, latency: 0, downloadThroughput: -1, uploadThroughput: -1 });
}

/** Records every aria-valuenow the composer's progress bars show, from now on. */
async function recordProgress(page) {
  await page.evaluate(() => {
    window.__progress = [];
    const seen = () => {
      for (const bar of document.querySelectorAll('[data-testid="upload-progress"]')) window.__progress.push(Number(bar.getAttribute('aria-valuenow')));
    };
    new MutationObserver(seen).observe(document.body, { subtree: true, childList: true, attributes: true, attributeFilter: ['aria-valuenow'] });
  });
  return () => page.evaluate(() => window.__progress);
}

browserTest('files: picker with progress, drop, paste, grid, lightbox, download, Files panel, support form', { timeout: 240_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const linus = await createUser(server.url, { name: 'Linus Lead' });
  const grace = await createUser(server.url, { name: 'Grace Ops' });
  const roomId = await createRoom(linus, { members: [grace] });
  const a = await openAs(browser, server.url, linus, PASSWORD);
  const b = await openAs(browser, server.url, grace, PASSWORD);
  t.after(() => {
    assert.deepEqual(a.page.errors, [], 'uncaught errors in the first page');
    assert.deepEqual(b.page.errors, [], 'uncaught errors in the second page');
  });
  await openRoom(a.page, server.url, roomId);
  await openRoom(b.page, server.url, roomId);
  const page = a.page;

  // 1. The file picker: a 1.5 MB log uploads slowly enough to watch its progress bar move.
  const log = logText(1_500_000);
  const progress = await recordProgress(page);
  const unthrottle = await throttleUploads(a.context, page, 400 * 1024);
  await page.getByTestId('file-input').setInputFiles({ name: 'server.log', mimeType: 'text/plain', buffer: log });
  const logChip = page.locator('[data-testid="upload-chip"]', { hasText: 'server.log' });
  const bar = logChip.getByRole('progressbar');
  await bar.waitFor();
  assert.equal(await bar.getAttribute('aria-valuemin'), '0');
  assert.equal(await bar.getAttribute('aria-valuemax'), '100');
  // Send waits for the upload.
  assert.equal(await page.getByTestId('send-button').isDisabled(), true);
  await page.getByTestId('composer').fill('The screenshot and the log from last night');
  assert.equal(await page.getByTestId('send-button').isDisabled(), true);
  await until(async () => (await progress()).some((v) => v > 0 && v < 100), 20_000, 'a progress bar between 0 and 100');
  await shoot(page, 'files-uploading');
  await logChip.and(page.locator('[data-state="done"]')).waitFor({ timeout: 60_000 });
  await unthrottle();
  const seen = await progress();
  assert.ok(seen.length >= 2, `progress values seen: ${seen}`);
  for (let i = 1; i < seen.length; i++) assert.ok(seen[i] >= seen[i - 1], `progress goes forward: ${seen}`);

  // 2. An image dropped onto the room: the drop zone shows while dragging, then the upload.
  const dropped = png(900, 600, [31, 79, 209]);
  await page.evaluate(
    ({ bytes }) => {
      const target = document.querySelector('[data-testid="drop-target"]');
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'dashboard.png', { type: 'image/png' }));
      target.dispatchEvent(new DragEvent('dragenter', { dataTransfer: dt, bubbles: true, cancelable: true }));
      target.dispatchEvent(new DragEvent('dragover', { dataTransfer: dt, bubbles: true, cancelable: true }));
      window.__dropTransfer = dt;
    },
    { bytes: [...dropped] },
  );
  await page.getByTestId('drop-zone').waitFor();
  await page.evaluate(() => {
    const target = document.querySelector('[data-testid="drop-target"]');
    target.dispatchEvent(new DragEvent('drop', { dataTransfer: window.__dropTransfer, bubbles: true, cancelable: true }));
  });
  await page.getByTestId('drop-zone').waitFor({ state: 'detached' });
  await page.locator('[data-testid="upload-chip"][data-state="done"]', { hasText: 'dashboard.png' }).waitFor();

  // 3. An image pasted into the composer (a screenshot tool's clipboard: a file named image.png).
  const pasted = png(480, 320, [200, 60, 40]);
  await page.evaluate(
    ({ bytes }) => {
      const composer = document.querySelector('[data-testid="composer"]');
      composer.focus();
      const dt = new DataTransfer();
      dt.items.add(new File([new Uint8Array(bytes)], 'image.png', { type: 'image/png' }));
      composer.dispatchEvent(new ClipboardEvent('paste', { clipboardData: dt, bubbles: true, cancelable: true }));
    },
    { bytes: [...pasted] },
  );
  await page.locator('[data-testid="upload-chip"][data-state="done"]', { hasText: /^pasted-/ }).waitFor();
  assert.equal(await page.getByTestId('upload-chip').count(), 3);
  // The pasted file did not replace the text.
  assert.equal(await page.getByTestId('composer').inputValue(), 'The screenshot and the log from last night');

  // Send: one message with three attachments, on both pages.
  await page.getByTestId('send-button').click();
  const body = 'The screenshot and the log from last night';
  const mine = stored(page, body);
  await mine.waitFor();
  assert.equal(await page.getByTestId('upload-chip').count(), 0, 'the chips go with the message');
  const theirs = stored(b.page, body);
  await theirs.getByTestId('file-card').waitFor();
  assert.equal(await theirs.getByTestId('image-thumb').count(), 2);
  const card = theirs.getByTestId('file-card');
  assert.match(await card.textContent(), /server\.log/);
  assert.match(await card.textContent(), /1\.4 MB/);
  // The thumbnails load (the server's thumbnail or the original).
  await until(
    () => theirs.locator('[data-testid="image-thumb"] img').evaluateAll((imgs) => imgs.every((img) => img.complete && img.naturalWidth > 0)),
    20_000,
    'thumbnails loaded',
  );
  const stored1 = (await linus.api.get(`rooms/${roomId}/messages?limit=5`)).data.items.find((m) => m.body === body);
  assert.deepEqual(
    stored1.attachments.map((x) => x.name).sort(),
    ['dashboard.png', 'server.log', stored1.attachments.find((x) => x.name.startsWith('pasted-'))?.name].sort(),
  );
  await b.page.mouse.move(0, 0);
  await shoot(b.page, 'files-message');

  // The lightbox: opens on the first image, arrows move, Escape closes.
  await theirs.getByTestId('image-thumb').first().click();
  const box = b.page.getByTestId('lightbox');
  const big = box.getByTestId('lightbox-image');
  await big.waitFor();
  await until(() => big.evaluate((img) => img.complete && img.naturalWidth > 0), 20_000, 'the full image loaded');
  assert.equal(await big.evaluate((img) => img.naturalWidth), 900);
  assert.match(await box.getByTestId('lightbox-position').textContent(), /^1 \/ 2/);
  await shoot(b.page, 'files-lightbox');
  await b.page.keyboard.press('ArrowRight');
  await box.getByTestId('lightbox-position').getByText(/^2 \/ 2/).waitFor();
  await until(() => big.evaluate((img) => img.complete && img.naturalWidth === 480), 20_000, 'the second image');
  await b.page.keyboard.press('ArrowLeft');
  await box.getByTestId('lightbox-position').getByText(/^1 \/ 2/).waitFor();
  await b.page.keyboard.press('Escape');
  await big.waitFor({ state: 'detached' });

  // The file card downloads the log as it was sent.
  const [file] = await Promise.all([b.page.waitForEvent('download'), card.getByTestId('file-download').click()]);
  assert.equal(file.suggestedFilename(), 'server.log');
  assert.ok((await readFile(await file.path())).equals(log), 'the downloaded log is the one sent');

  // The Files panel lists the three, newest first.
  await b.page.getByTestId('toggle-files').click();
  const panel = b.page.getByTestId('files-panel');
  await panel.getByTestId('file-row').nth(2).waitFor();
  const names = await panel.getByTestId('file-row-link').allTextContents();
  assert.ok(names.includes('server.log') && names.includes('dashboard.png'), `Files panel: ${names}`);
  await b.page.mouse.move(0, 0);
  await shoot(b.page, 'files-panel');

  // The support form: a visitor attaches a PDF; it is on the ticket's first message.
  const { page: visitor } = await newPage(browser);
  await visitor.goto(`${server.url}/support`);
  await visitor.getByTestId('support-name').fill('Vera Visitor');
  await visitor.getByTestId('support-email').fill('vera@customer.example');
  await visitor.getByTestId('support-subject').fill('Invoice looks wrong');
  await visitor.getByTestId('support-message').fill('The attached invoice charges twice.');
  const pdf = Buffer.from('%PDF-1.4\n1 0 obj << /Type /Catalog >> endobj\ntrailer << /Root 1 0 R >>\n%%EOF\n');
  await visitor.getByTestId('support-files').setInputFiles({ name: 'invoice.pdf', mimeType: 'application/pdf', buffer: pdf });
  await visitor.getByTestId('support-file').getByText('invoice.pdf').waitFor();
  const posted = visitor.waitForRequest((r) => r.url().endsWith('/api/v1/support/tickets') && r.method() === 'POST');
  await visitor.getByTestId('support-submit').click();
  assert.match((await posted).headers()['content-type'] ?? '', /^multipart\/form-data; boundary=/);
  await visitor.getByTestId('support-done').waitFor();
  assert.deepEqual(visitor.errors, []);
  const admin = await login(server.url, ADMIN_EMAIL, ADMIN_PASSWORD);
  const tickets = await admin.api.get('tickets');
  const ticket = tickets.data.items.find((x) => x.subject === 'Invoice looks wrong');
  assert.ok(ticket, `the ticket: ${JSON.stringify(tickets.body)}`);
  const first = (await admin.api.get(`rooms/${ticket.id}/messages?limit=5`)).data.items[0];
  assert.deepEqual(
    first.attachments.map((x) => [x.name, x.size]),
    [['invoice.pdf', pdf.length]],
  );

  // In the ticket, the header's Files button opens the ticket's Files panel, as in a room.
  const staff = await openAs(browser, server.url, admin, ADMIN_PASSWORD);
  t.after(() => assert.deepEqual(staff.page.errors, [], 'uncaught errors in the staff page'));
  await staff.page.goto(`${server.url}/tickets/${ticket.id}`);
  const toggle = staff.page.getByTestId('ticket-header').getByTestId('toggle-files');
  await toggle.click();
  assert.equal(await toggle.getAttribute('aria-pressed'), 'true');
  const ticketFiles = staff.page.getByTestId('files-panel');
  await ticketFiles.getByTestId('file-row').first().waitFor();
  assert.deepEqual(await ticketFiles.getByTestId('file-row-link').allTextContents(), ['invoice.pdf']);
  await toggle.click();
  await ticketFiles.waitFor({ state: 'detached' });
});

/** A local site serving a page with Open Graph tags (and the image they name) at /article. */
async function ogSite(t) {
  const image = png(320, 200, [40, 140, 90]);
  const server = createServer((req, res) => {
    if (req.url === '/article') {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>Fallback</title>
<meta property="og:title" content="Incident review: the Tuesday outage">
<meta property="og:description" content="What failed, how we noticed, and what changes now.">
<meta property="og:site_name" content="Ops Journal">
<meta property="og:image" content="http://${req.headers.host}/cover.png">
</head><body>Article</body></html>`);
    } else if (req.url === '/cover.png') {
      res.writeHead(200, { 'content-type': 'image/png', 'content-length': image.length });
      res.end(image);
    } else {
      res.writeHead(404);
      res.end();
    }
  });
  await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
  t.after(() => {
    server.closeAllConnections();
    return new Promise((resolve) => server.close(resolve));
  });
  return `127.0.0.1:${server.address().port}`;
}

browserTest('a link preview card reaches both pages, and its author removes it', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const host = await ogSite(t);
  const server = await startServer(t, { ownOrigin: true, env: { LINK_PREVIEW_ALLOW: host } });
  const linus = await createUser(server.url, { name: 'Linus Lead' });
  const grace = await createUser(server.url, { name: 'Grace Ops' });
  const roomId = await createRoom(linus, { members: [grace] });
  const a = await openAs(browser, server.url, linus, PASSWORD);
  const b = await openAs(browser, server.url, grace, PASSWORD);
  t.after(() => {
    assert.deepEqual(a.page.errors, [], 'uncaught errors in the first page');
    assert.deepEqual(b.page.errors, [], 'uncaught errors in the second page');
  });
  await openRoom(a.page, server.url, roomId);
  await openRoom(b.page, server.url, roomId);

  const body = `Read this before the retro: http://${host}/article`;
  await send(a.page, body);
  const theirs = stored(b.page, body);
  const card = theirs.getByTestId('link-preview');
  await card.waitFor();
  assert.match(await card.textContent(), /Ops Journal/);
  assert.match(await card.textContent(), /Incident review: the Tuesday outage/);
  assert.match(await card.textContent(), /What failed, how we noticed/);
  assert.equal(await card.getByTestId('link-preview-title').getAttribute('href'), `http://${host}/article`);
  // Only the author has the remove button.
  assert.equal(await card.getByTestId('preview-remove').count(), 0);
  const mine = stored(a.page, body).getByTestId('link-preview');
  await mine.waitFor();
  await mine.getByTestId('preview-remove').click();
  await mine.waitFor({ state: 'detached' });
  await card.waitFor({ state: 'detached' });
  const stored1 = (await linus.api.get(`rooms/${roomId}/messages?limit=5`)).data.items.find((m) => m.body === body);
  assert.equal(stored1.preview, null);
});

browserTest('an avatar from the account page shows by messages, in the member list and in DMs of the sidebar, and goes back to initials', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const linus = await createUser(server.url, { name: 'Linus Lead' });
  const grace = await createUser(server.url, { name: 'Grace Ops' });
  const roomId = await createRoom(linus, { members: [grace] });
  const body = 'Morning, the deploy is green';
  assert.equal((await linus.api.post(`rooms/${roomId}/messages`, { clientId: randomUUID(), body })).status, 201);
  const dm = await grace.api.post('dms', { userId: linus.user.id });
  assert.equal(dm.status, 201);
  const a = await openAs(browser, server.url, linus, PASSWORD);
  const b = await openAs(browser, server.url, grace, PASSWORD);
  t.after(() => {
    assert.deepEqual(a.page.errors, [], 'uncaught errors in the first page');
    assert.deepEqual(b.page.errors, [], 'uncaught errors in the second page');
  });
  await openRoom(b.page, server.url, roomId);
  const member = b.page.locator('[data-testid="member"]', { hasText: 'Linus Lead' });
  await member.locator('[data-testid="avatar"][data-kind="initials"]').waitFor();
  assert.equal(await member.getByTestId('avatar').textContent(), 'LL');
  // Grace's DM with Linus, in her sidebar: his initials.
  const dmLink = b.page.getByTestId(`room-${dm.data.slug}`);
  await dmLink.locator('[data-testid="avatar"][data-kind="initials"]').waitFor();
  assert.equal(await dmLink.getByTestId('avatar').textContent(), 'LL');

  // Linus picks a picture on his account page.
  await a.page.goto(`${server.url}/account`);
  const section = a.page.locator('section[aria-labelledby="avatar-title"]');
  await section.locator('[data-testid="avatar"][data-kind="initials"]').waitFor();
  await a.page.getByTestId('avatar-input').setInputFiles({ name: 'me.png', mimeType: 'image/png', buffer: png(120, 90, [120, 40, 160]) });
  const picture = section.locator('img[data-testid="avatar"]');
  await picture.waitFor();
  await until(() => picture.evaluate((img) => img.complete && img.naturalWidth === 256), 20_000, 'the 256 px avatar');

  // Grace's member list and sidebar follow user:updated; a fresh history carries it on the
  // author.
  await member.locator('img[data-testid="avatar"]').waitFor();
  const dmPicture = dmLink.locator('img[data-testid="avatar"]');
  await dmPicture.waitFor();
  await until(() => dmPicture.evaluate((img) => img.complete && img.naturalWidth === 64), 20_000, 'the 64 px avatar in the sidebar');
  await b.page.reload();
  const row = stored(b.page, body);
  const small = row.locator('img[data-testid="avatar"]');
  await small.waitFor();
  await until(() => small.evaluate((img) => img.complete && img.naturalWidth === 64), 20_000, 'the 64 px avatar by the message');

  // Removed: initials again, on both pages.
  await a.page.getByTestId('avatar-remove').click();
  await section.locator('[data-testid="avatar"][data-kind="initials"]').waitFor();
  await member.locator('[data-testid="avatar"][data-kind="initials"]').waitFor();
  await dmLink.locator('[data-testid="avatar"][data-kind="initials"]').waitFor();
  assert.equal((await linus.api.get('auth/me')).data.avatarUrl, null);
});
