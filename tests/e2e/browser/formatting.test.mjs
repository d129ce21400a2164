// Message formatting in a real browser: what one person writes in the composer arrives on the
// other's page as the formatting subset (docs/api.md), with code highlighted by a chunk loaded
// only when a fence needs it; hostile bodies stay inert text.
import assert from 'node:assert/strict';
import { createRoom, createUser, PASSWORD, startServer } from '../lib/harness.mjs';
import { browserTest, launchBrowser, openAs, openRoom, send } from './browser.mjs';

const FORMATTED = [
  '**Deploy** _today_ ~~maybe~~ `cargo run`',
  '> quoted line',
  '- one',
  '- two',
  '```rust',
  'fn main() { let answer = 42; }',
  '```',
  'see [docs](https://example.com/docs) or https://example.com/bare :rocket: @bob',
].join('\n');

// Each payload would set window.pwned if any of it ran.
const HOSTILE = [
  'hostile <script>window.pwned = 1</script>',
  '<img src=x onerror="window.pwned = 1">',
  '[one](javascript:window.pwned=1) [two](JaVaScRiPt:window.pwned=1) [three](jav&#x61;script:window.pwned=1) [four](data:text/html,<script>window.pwned=1</script>)',
  '**<svg onload="window.pwned = 1">**',
].join('\n');

const LINK_REL = 'noopener noreferrer nofollow';

/** The stored message row whose body has an element matching `selector` with `text`. */
function messageWith(page, selector, text) {
  return page.locator('[data-testid="message"]:not(.pending)', { has: page.locator(`[data-testid="message-body"] ${selector}`, { hasText: text }) });
}

browserTest('formatted messages render as the subset, hostile ones as inert text', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const bob = await createUser(server.url, { name: 'Bob Builder' });
  const roomId = await createRoom(alice, { members: [bob] });
  const a = await openAs(browser, server.url, alice, PASSWORD);
  const b = await openAs(browser, server.url, bob, PASSWORD);
  const scripts = [];
  b.page.on('request', (request) => {
    if (request.resourceType() === 'script') scripts.push(new URL(request.url()).pathname);
  });
  await openRoom(a.page, server.url, roomId);
  await openRoom(b.page, server.url, roomId);
  const highlighterChunk = (path) => /\/assets\/highlight-[^/]*\.js$/.test(path);
  assert.deepEqual(scripts.filter(highlighterChunk), [], 'the highlighter is not part of the page until a fence needs it');

  await send(a.page, FORMATTED);
  const row = messageWith(b.page, 'strong', 'Deploy');
  await row.waitFor();
  const body = row.getByTestId('message-body');
  assert.equal(await body.locator('em').textContent(), 'today');
  assert.equal(await body.locator('del').textContent(), 'maybe');
  assert.equal(await body.locator('p > code').textContent(), 'cargo run');
  assert.equal(await body.locator('blockquote').textContent(), 'quoted line');
  assert.deepEqual(await body.locator('ul > li').allTextContents(), ['one', 'two']);
  const code = body.locator('pre > code.language-rust');
  assert.equal(await code.textContent(), 'fn main() { let answer = 42; }');
  // Highlighted once the chunk is in: keyword spans inside the same <code>.
  await code.locator('span.hljs-keyword').first().waitFor();
  assert.ok(scripts.some(highlighterChunk), `the highlighter chunk was loaded: ${scripts.join(', ')}`);
  const links = body.locator('a');
  assert.equal(await links.count(), 2);
  for (const [i, href] of ['https://example.com/docs', 'https://example.com/bare'].entries()) {
    assert.equal(await links.nth(i).getAttribute('href'), href);
    assert.equal(await links.nth(i).getAttribute('rel'), LINK_REL);
    assert.equal(await links.nth(i).getAttribute('target'), '_blank');
  }
  assert.equal(await body.locator('span.mention').textContent(), '@bob');
  assert.match(await body.textContent(), /🚀/);
  // The sender sees the same rendering of their own message.
  await messageWith(a.page, 'strong', 'Deploy').locator('pre > code.language-rust').waitFor();

  await send(b.page, HOSTILE);
  for (const page of [a.page, b.page]) {
    const hostile = messageWith(page, 'p', 'hostile');
    await hostile.waitFor();
    const text = await hostile.getByTestId('message-body').textContent();
    assert.match(text, /<script>window\.pwned = 1<\/script>/);
    assert.match(text, /<img src=x onerror="window\.pwned = 1">/);
    assert.match(text, /\[one\]\(javascript:window\.pwned=1\)/);
    assert.match(text, /\[three\]\(jav&#x61;script:window\.pwned=1\)/);
    assert.equal(await hostile.locator('a').count(), 0, 'no link from a hostile scheme');
    assert.equal(await hostile.locator('strong').count(), 1, 'the tag inside ** is text in <strong>');
    const list = page.getByTestId('message-list');
    assert.equal(await list.locator('script, img, svg, iframe, object').count(), 0, 'no element from a body');
    const handlers = await list.evaluate((el) => [...el.querySelectorAll('*')].flatMap((node) => node.getAttributeNames().filter((name) => name.startsWith('on'))));
    assert.deepEqual(handlers, []);
    assert.equal(await page.evaluate(() => window.pwned), undefined, 'no payload ran');
  }
  assert.deepEqual(a.page.errors, []);
  assert.deepEqual(b.page.errors, []);
});
