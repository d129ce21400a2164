// Browser helpers: Debian's Chromium driven by playwright-core (never a downloaded browser),
// pages signed in to a server started by ../lib/harness.mjs, and waits on page state.
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { chromium } from 'playwright-core';
import { inCi, repoRoot } from '../lib/harness.mjs';

export const CHROMIUM = process.env.CHROMIUM_PATH ?? '/usr/bin/chromium';
export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-quic',
  '--no-first-run',
  '--disable-sync',
];
export const DESKTOP = { width: 1280, height: 800 };
export const PHONE = { width: 390, height: 844 };
export const screenshotDir = join(repoRoot, 'docs/screenshots');

/** Bound for one wait in a page (generous for a loaded 2-core machine, never a sleep). */
export const WAIT_MS = 20_000;

/**
 * Launches Chromium for test `t` (closed after it), or returns null after skipping `t` when
 * Chromium is missing outside CI; in CI a missing Chromium fails the test.
 */
export async function launchBrowser(t) {
  if (!existsSync(CHROMIUM)) {
    const why = `${CHROMIUM} is missing: install it with \`apt-get install -y chromium fonts-noto-color-emoji\``;
    if (inCi) throw new Error(why);
    t.skip(why);
    return null;
  }
  const browser = await chromium.launch({ executablePath: CHROMIUM, args: CHROMIUM_ARGS });
  t.after(() => browser.close());
  return browser;
}

/** Pages of the running test, described when it fails. */
const livePages = new Set();

/**
 * `node:test`'s `test`, plus: when the test fails, the error says where each of its pages was
 * and what it showed (URL, connection state, toasts, the start of the visible text).
 */
export function browserTest(name, options, fn) {
  return test(name, options, async (t) => {
    livePages.clear();
    try {
      await fn(t);
    } catch (err) {
      const states = await Promise.all([...livePages].map(describePage));
      if (err instanceof Error && states.length > 0) err.message += `\n--- pages ---\n${states.join('\n')}`;
      throw err;
    } finally {
      livePages.clear();
    }
  });
}

async function describePage(page, i) {
  if (page.isClosed()) return `#${i}: closed`;
  try {
    const state = await page.evaluate(() => ({
      connection: document.body.dataset.connection ?? '-',
      toasts: [...document.querySelectorAll('[data-testid="toast"]')].map((el) => el.textContent),
      text: document.body.innerText.replace(/\s+/g, ' ').slice(0, 600),
    }));
    return `#${i} ${page.url()} [socket ${state.connection}] toasts ${JSON.stringify(state.toasts)}\n   ${state.text}`;
  } catch (err) {
    return `#${i} ${page.url()}: ${err.message}`;
  }
}

/**
 * A new browser context with one page, with uncaught page errors collected so a test can assert
 * there were none (`page.errors`).
 */
export async function newPage(browser, { viewport = DESKTOP, colorScheme = 'light' } = {}) {
  const context = await browser.newContext({ viewport, colorScheme, deviceScaleFactor: 1 });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  page.errors = [];
  page.on('pageerror', (err) => page.errors.push(err.message));
  livePages.add(page);
  return { context, page };
}

/** Signs in through the sign-in form and waits for the app (and its socket) to be up. */
export async function signIn(page, baseUrl, email, password) {
  await page.goto(`${baseUrl}/signin`);
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
  // Attached, not visible: on a phone the sidebar with the button is folded away.
  await page.getByTestId('sign-out').waitFor({ state: 'attached' });
  await connected(page);
}

/** A signed-in page for a harness user ({user, ...} from createUser/login). */
export async function openAs(browser, baseUrl, who, password, options = {}) {
  const { context, page } = await newPage(browser, options);
  await signIn(page, baseUrl, who.user.email, password);
  return { context, page };
}

/** Waits until the page's realtime socket is connected (the app mirrors it on <body>). */
export async function connected(page) {
  await page.locator('body[data-connection="connected"]').waitFor({ state: 'attached' });
}

/** Opens a room by URL and waits for its history to be loaded. */
export async function openRoom(page, baseUrl, roomId) {
  await page.goto(`${baseUrl}/rooms/${roomId}`);
  await roomReady(page, roomId);
}

/** Waits for the room on screen to have loaded its history. */
export async function roomReady(page, roomId) {
  await page.locator(`[data-testid="chat-room"][data-room-id="${roomId}"] [data-testid="message-list"][aria-busy="false"]`).waitFor();
  await connected(page);
}

/** Types a message into the room's composer and sends it with Enter. */
export async function send(page, body) {
  const composer = page.getByTestId('composer');
  await composer.fill(body);
  await composer.press('Enter');
}

/** The stored (not pending) messages with exactly this body. */
export function stored(page, body) {
  return page.locator('[data-testid="message"]:not(.pending)', { has: page.getByTestId('message-body').getByText(body, { exact: true }) });
}

/** Every message row with exactly this body, stored or pending. */
export function rows(page, body) {
  return page.locator('[data-testid="message"]', { has: page.locator('.message-body').getByText(body, { exact: true }) });
}

/** Waits until the delivery status (ticks) of my stored message with `body` is `status`. */
export async function ticks(page, body, status) {
  await stored(page, body).and(page.locator(`[data-status="${status}"]`)).waitFor();
}

/**
 * Records the Socket.IO packets of the page's sockets, from now on (call it before the app
 * connects): events as {dir: 'in'|'out', event, data, id} (id: the ack id, or null), ack
 * answers as {dir, ack, data}. The app's socket prefers the WebSocket transport.
 */
export function socketFrames(page) {
  const log = [];
  const record = (dir, payload) => {
    // Engine.IO message (4) carrying a Socket.IO event (2) or ack (3) of namespace "/".
    const packet = typeof payload === 'string' ? /^4([23])(\d*)(\[[\s\S]*\])$/.exec(payload) : null;
    if (!packet) return;
    const [, type, id, json] = packet;
    const args = JSON.parse(json);
    if (type === '2') log.push({ dir, event: args[0], data: args[1], id: id === '' ? null : Number(id) });
    else log.push({ dir, ack: Number(id), data: args[0] });
  };
  page.on('websocket', (ws) => {
    if (!ws.url().includes('/socket.io/')) return;
    ws.on('framereceived', ({ payload }) => record('in', payload));
    ws.on('framesent', ({ payload }) => record('out', payload));
  });
  const events = (dir, event, match) => log.filter((f) => f.dir === dir && f.event === event && match(f.data ?? {}));
  return {
    log,
    /** Events the server sent the page. */
    received: (event, match = () => true) => events('in', event, match),
    /** Events the page sent. */
    sent: (event, match = () => true) => events('out', event, match),
    /** Whether the server answered every `event` the page sent that matches (and there was one). */
    answered(event, match = () => true) {
      const calls = events('out', event, match);
      return calls.length > 0 && calls.every((c) => log.some((f) => f.dir === 'in' && f.ack === c.id));
    },
  };
}

/** Saves a PNG of the page into docs/screenshots (written on every run). */
export async function screenshot(page, name) {
  mkdirSync(screenshotDir, { recursive: true });
  const path = join(screenshotDir, `${name}.png`);
  await page.screenshot({ path, type: 'png', animations: 'disabled', caret: 'hide' });
  return path;
}
