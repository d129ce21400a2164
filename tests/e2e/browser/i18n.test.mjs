// The interface speaks English or French: the account page's language select switches every
// screen (and `<html lang>`) at once, the choice survives a reload and follows the account to
// another device, a French browser gets French
// before anyone chose, and choosing English brings back the exact English texts.
import assert from 'node:assert/strict';
import { createUser, PASSWORD, startServer } from '../lib/harness.mjs';
import { browserTest, launchBrowser, openAs, WAIT_MS } from './browser.mjs';

const htmlLang = (page) => page.evaluate(() => document.documentElement.lang);

browserTest('the account page switches the interface to French and back', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const alice = await createUser(server.url, { name: 'Alice Agent' });
  const { page } = await openAs(browser, server.url, alice, PASSWORD);
  t.after(() => assert.deepEqual(page.errors, [], 'uncaught errors'));

  await page.goto(`${server.url}/account`);
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  assert.equal(await htmlLang(page), 'en');
  const kept = page.waitForResponse((r) => r.url().endsWith('/api/v1/me/preferences') && r.request().method() === 'PUT');
  await page.getByTestId('language-select').selectOption('fr');
  assert.equal((await kept).status(), 200, 'the choice is kept with the account');

  // Everything on screen changes at once: the page, the sidebar, the labels screen readers hear.
  await page.getByRole('heading', { level: 1, name: 'Votre compte' }).waitFor();
  assert.equal(await htmlLang(page), 'fr');
  await page.getByRole('button', { name: 'Se déconnecter', exact: true }).waitFor();
  await page.getByRole('link', { name: 'Découvrir des salons' }).first().waitFor();
  await page.getByRole('combobox', { name: 'Langue' }).waitFor();
  assert.equal(await page.getByRole('heading', { name: 'Your account' }).count(), 0);

  // The choice stays on this device across a reload, on every screen.
  await page.goto(`${server.url}/discover`);
  await page.getByRole('heading', { level: 1, name: 'Découvrir des salons' }).waitFor();
  assert.equal(await htmlLang(page), 'fr');
  await page.getByRole('button', { name: 'Créer un salon' }).waitFor();
  await page.getByRole('combobox', { name: 'Trier par' }).waitFor();

  // Another device (a new English browser) signing in as Alice speaks her language too.
  const other = await openAs(browser, server.url, alice, PASSWORD);
  await other.page.goto(`${server.url}/discover`);
  await other.page.getByRole('heading', { level: 1, name: 'Découvrir des salons' }).waitFor();
  assert.equal(await htmlLang(other.page), 'fr');
  await other.context.close();

  // And back: the English texts are the ones they were.
  await page.goto(`${server.url}/account`);
  await page.getByTestId('language-select').selectOption('en');
  await page.getByRole('heading', { level: 1, name: 'Your account' }).waitFor();
  assert.equal(await htmlLang(page), 'en');
  await page.getByRole('button', { name: 'Sign out', exact: true }).waitFor();
  await page.goto(`${server.url}/discover`);
  await page.getByRole('heading', { level: 1, name: 'Discover rooms' }).waitFor();
});

browserTest('a French browser gets French until someone chooses', { timeout: 60_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const context = await browser.newContext({ locale: 'fr-FR' });
  const page = await context.newPage();
  page.setDefaultTimeout(WAIT_MS);
  const errors = [];
  page.on('pageerror', (err) => errors.push(err.message));

  await page.goto(`${server.url}/signin`);
  await page.getByRole('heading', { name: 'Se connecter à Switchboard' }).waitFor();
  assert.equal(await htmlLang(page), 'fr');
  await page.getByRole('link', { name: 'Mot de passe oublié ?' }).waitFor();
  assert.deepEqual(errors, []);
});
