// Accounts as a person in a browser uses them, with the mail read from a local SMTP server:
// changing the password in /account signs the other sessions out; "Forgot your password?" mails
// a link that sets a new one; an admin creates an account with a first password; an admin's
// invitation from the users screen lets the invitee in as staff (and deactivation shuts them out
// again); open registration confirms the address by mail.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { ADMIN_EMAIL, ADMIN_PASSWORD, api, createUser, PASSWORD, startServer } from '../lib/harness.mjs';
import { linkIn, startSmtp } from '../lib/smtp.mjs';
import { browserTest, connected, launchBrowser, newPage, openAs, signIn } from './browser.mjs';

const NEW_PASSWORD = 'a brand new passphrase';

/** Fills the sign-in form and submits it (without waiting for the result). */
async function submitSignIn(page, baseUrl, email, password) {
  await page.goto(`${baseUrl}/signin`);
  await page.getByTestId('signin-email').fill(email);
  await page.getByTestId('signin-password').fill(password);
  await page.getByTestId('signin-submit').click();
}

/** A new page signed in as the admin, on the users screen. */
async function usersScreen(browser, baseUrl) {
  const { page } = await newPage(browser);
  await signIn(page, baseUrl, ADMIN_EMAIL, ADMIN_PASSWORD);
  await page.goto(`${baseUrl}/admin/users`);
  return page;
}

/** Waits until the app is signed in and connected on `/`. */
async function landedSignedIn(page) {
  await page.waitForURL((url) => url.pathname === '/');
  await page.getByTestId('sign-out').waitFor({ state: 'attached' });
  await connected(page);
}

browserTest('a password change in /account signs the other sessions out', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const pat = await createUser(server.url, { name: 'Pat Password', department: 'support' });
  const here = await openAs(browser, server.url, pat, PASSWORD);
  const elsewhere = await openAs(browser, server.url, pat, PASSWORD);

  // /account from the sidebar: both browsers and the harness's API session are listed.
  await here.page.getByTestId('nav-account').click();
  await here.page.getByRole('heading', { name: 'Your account' }).waitFor();
  const rows = here.page.getByTestId('session-row');
  await rows.nth(2).waitFor();
  assert.equal(await rows.count(), 3);
  assert.equal(await here.page.locator('[data-testid="session-row"][data-current="true"]').count(), 1);
  assert.match(await rows.first().innerText(), /this device/i);

  // A wrong current password is refused on its field; the session stays.
  await here.page.getByTestId('account-current-password').fill('not my password at all');
  await here.page.getByTestId('account-password').fill(NEW_PASSWORD);
  await here.page.getByTestId('account-confirm').fill(NEW_PASSWORD);
  await here.page.getByTestId('account-change-password').click();
  await here.page.getByTestId('account-current-problem').filter({ hasText: 'That is not your current password.' }).waitFor();
  assert.equal(new URL(here.page.url()).pathname, '/account');

  await here.page.getByTestId('account-current-password').fill(PASSWORD);
  await here.page.getByTestId('account-change-password').click();
  const result = here.page.getByTestId('account-password-result');
  await result.waitFor();
  assert.match(await result.innerText(), /2 other sessions were signed out/);
  // The list now has this device only.
  await here.page.locator('[data-testid="session-row"]:not([data-current="true"])').first().waitFor({ state: 'detached' });
  assert.equal(await rows.count(), 1);

  // The other browser is signed out with a reason, and the old password no longer works.
  await elsewhere.page.waitForURL((url) => url.pathname === '/signin');
  const notice = elsewhere.page.getByTestId('signin-notice');
  await notice.waitFor();
  assert.match(await notice.innerText(), /password was changed/i);
  assert.equal((await pat.api.get('auth/me')).status, 401, 'the API session ended too');
  await submitSignIn(elsewhere.page, server.url, pat.user.email, PASSWORD);
  await elsewhere.page.getByTestId('signin-error').filter({ hasText: 'Wrong e-mail address or password.' }).waitFor();
  await signIn(elsewhere.page, server.url, pat.user.email, NEW_PASSWORD);
  assert.deepEqual(here.page.errors, []);
  assert.deepEqual(elsewhere.page.errors, []);
});

browserTest('"Forgot your password?" mails a link that sets a new password and signs in', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const smtp = await startSmtp(t);
  const server = await startServer(t, { ownOrigin: true, env: { SMTP_URL: smtp.url } });
  const fay = await createUser(server.url, { name: 'Fay Forgetful' });

  const { page } = await newPage(browser);
  await page.goto(`${server.url}/signin`);
  await page.getByTestId('forgot-password-link').click();
  await page.getByTestId('forgot-email').fill(fay.user.email);
  await page.getByTestId('forgot-submit').click();
  const done = page.getByTestId('forgot-done');
  await done.waitFor();
  assert.match(await done.innerText(), /If an account exists/);

  const mail = await smtp.waitFor(fay.user.email, (m) => m.subject === 'Reset your password');
  const link = linkIn(mail, '/reset-password');
  assert.ok(link.startsWith(`${server.url}/reset-password?token=`), link);

  await page.goto(link);
  await page.getByTestId('reset-password').fill(NEW_PASSWORD);
  await page.getByTestId('reset-confirm').fill(`${NEW_PASSWORD}!`);
  await page.getByTestId('reset-submit').click();
  await page.getByTestId('reset-problem').filter({ hasText: 'The two passwords do not match.' }).waitFor();
  await page.getByTestId('reset-confirm').fill(NEW_PASSWORD);
  await page.getByTestId('reset-submit').click();
  await landedSignedIn(page);
  await page.locator('.sidebar-footer .me-name', { hasText: 'Fay Forgetful' }).waitFor();

  // Every other session ended; the link works once; the new password signs in.
  assert.equal((await fay.api.get('auth/me')).status, 401);
  const { page: again } = await newPage(browser);
  await again.goto(link);
  await again.getByTestId('reset-password').fill(NEW_PASSWORD);
  await again.getByTestId('reset-confirm').fill(NEW_PASSWORD);
  await again.getByTestId('reset-submit').click();
  await again.getByTestId('link-error').filter({ hasText: 'This reset link has expired or was already used.' }).waitFor();
  await signIn(again, server.url, fay.user.email, NEW_PASSWORD);
  assert.deepEqual(page.errors, []);
  assert.deepEqual(again.errors, []);
});

browserTest('an admin creates an account with a first password from the users screen; a taken address is refused', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const server = await startServer(t, { ownOrigin: true });
  const email = `cal-${randomUUID().slice(0, 8)}@team.example`;

  const admin = await usersScreen(browser, server.url);
  await admin.getByTestId('create-user').click();
  const dialog = admin.getByTestId('create-user-dialog');
  const submit = dialog.getByTestId('create-user-submit');
  assert.equal(await submit.isDisabled(), true, 'nothing to create yet');

  // The admin's own address is taken: refused, and what was typed stays for a correction.
  await dialog.getByTestId('create-user-email').fill(ADMIN_EMAIL);
  await dialog.getByTestId('create-user-name').fill('Cal Created');
  await submit.click();
  await dialog.getByTestId('create-user-error').filter({ hasText: /taken/ }).waitFor();
  assert.equal(await dialog.getByTestId('create-user-name').inputValue(), 'Cal Created');

  await dialog.getByTestId('create-user-email').fill(email);
  await dialog.getByTestId('create-user-role').selectOption('staff');
  await dialog.getByTestId('create-user-department').selectOption('support');
  await dialog.getByTestId('create-user-password').fill(NEW_PASSWORD);
  await submit.click();
  await dialog.waitFor({ state: 'hidden' });
  const row = admin.getByTestId(`user-row-${email}`);
  await row.waitFor();
  assert.equal(await row.getByTestId('badge-invited').count(), 0, 'created with a password: not an invitation');

  // Cal signs in with that password, as staff of the support department (the ticket queue).
  const { page: cal } = await newPage(browser);
  await signIn(cal, server.url, email, NEW_PASSWORD);
  await cal.locator('.sidebar-footer .role-badge', { hasText: 'staff' }).waitFor();
  await cal.getByTestId('nav-tickets').waitFor();
  assert.deepEqual(admin.errors, []);
  assert.deepEqual(cal.errors, []);
});

browserTest('an invitation from the admin users screen lets the invitee in as staff; deactivation shuts them out', { timeout: 150_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const smtp = await startSmtp(t);
  const server = await startServer(t, { ownOrigin: true, env: { SMTP_URL: smtp.url } });
  const email = `ivy-${randomUUID().slice(0, 8)}@team.example`;

  // The admin invites Ivy from the users screen.
  const admin = await usersScreen(browser, server.url);
  await admin.getByTestId('invite-user').click();
  const dialog = admin.getByTestId('invite-dialog');
  await dialog.getByTestId('invite-email').fill(email);
  await dialog.getByTestId('invite-name').fill('Ivy Invited');
  await dialog.getByTestId('invite-role').selectOption('staff');
  await dialog.getByTestId('invite-department').selectOption('support');
  await dialog.getByTestId('invite-submit').click();
  const row = admin.getByTestId(`user-row-${email}`);
  await row.getByTestId('badge-invited').waitFor();
  assert.equal(await row.getByTestId('ban-button').count(), 1, 'no ban: Ban only');
  assert.equal(await row.getByTestId('unban-button').count(), 0, 'no ban: no Unban');

  // Ivy opens the mailed link, is greeted with her address, and chooses a password.
  const mail = await smtp.waitFor(email, (m) => m.subject === 'You are invited to Switchboard');
  const { page: ivy } = await newPage(browser);
  await ivy.goto(linkIn(mail, '/invite'));
  const greeting = ivy.getByTestId('invite-greeting');
  await greeting.waitFor();
  assert.match(await greeting.innerText(), new RegExp(`You were invited as ${email.replace('.', '\\.')}`));
  assert.equal(await ivy.getByTestId('invite-name').inputValue(), 'Ivy Invited');
  await ivy.getByTestId('invite-password').fill(NEW_PASSWORD);
  await ivy.getByTestId('invite-confirm').fill(NEW_PASSWORD);
  await ivy.getByTestId('invite-submit').click();
  await landedSignedIn(ivy);
  await ivy.locator('.sidebar-footer .role-badge', { hasText: 'staff' }).waitFor();
  await ivy.getByTestId('nav-tickets').waitFor();

  // The admin's list no longer calls her invited; deactivating her (confirmed) ends her session.
  await admin.reload();
  await row.waitFor();
  assert.equal(await row.getByTestId('badge-invited').count(), 0);
  await row.getByTestId('deactivate-button').click();
  await admin.getByTestId('confirm-dialog').getByTestId('confirm-button').click();
  await row.getByTestId('badge-deactivated').waitFor();
  await ivy.waitForURL((url) => url.pathname === '/signin');
  assert.match(await ivy.getByTestId('signin-notice').innerText(), /deactivated/i);
  await submitSignIn(ivy, server.url, email, NEW_PASSWORD);
  await ivy.locator('[data-testid="signin-error"][data-kind="deactivated"]').waitFor();

  // Reactivated, she signs in again.
  await row.getByTestId('reactivate-button').click();
  await admin.getByTestId('confirm-dialog').getByTestId('confirm-button').click();
  await row.getByTestId('deactivate-button').waitFor();
  assert.equal(await row.getByTestId('badge-deactivated').count(), 0);
  await signIn(ivy, server.url, email, NEW_PASSWORD);
  assert.deepEqual(admin.errors, []);
  assert.deepEqual(ivy.errors, []);
});

browserTest('open registration: "check your e-mail", then the mailed link signs in', { timeout: 120_000 }, async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  const smtp = await startSmtp(t);
  const server = await startServer(t, { ownOrigin: true, env: { SMTP_URL: smtp.url, REGISTRATION_MODE: 'open' } });
  const email = `rita-${randomUUID().slice(0, 8)}@customer.example`;

  const { page } = await newPage(browser);
  await page.goto(`${server.url}/signin`);
  await page.getByRole('link', { name: 'Create an account' }).click();
  await page.getByTestId('register-name').fill('Rita Registered');
  await page.getByTestId('register-email').fill(email);
  await page.getByTestId('register-password').fill(NEW_PASSWORD);
  await page.getByTestId('register-submit').click();
  const done = page.getByTestId('register-done');
  await done.waitFor();
  assert.match(await done.innerText(), /Check your e-mail/);
  assert.match(await done.innerText(), new RegExp(email.replace('.', '\\.')));
  const first = await smtp.waitFor(email, (m) => m.subject === 'Confirm your e-mail address');

  // Signing in before confirming says so and offers the link again.
  await submitSignIn(page, server.url, email, NEW_PASSWORD);
  await page.locator('[data-testid="signin-error"][data-kind="unverified"]').waitFor();
  await page.getByTestId('resend-verification').click();
  await page.getByTestId('resend-done').waitFor();
  const second = await smtp.waitFor(email, (m) => m !== first && m.subject === 'Confirm your e-mail address');

  // The newest link confirms the address and signs in.
  await page.goto(linkIn(second, '/verify-email'));
  await landedSignedIn(page);
  assert.equal((await api(server.url).post('auth/login', { email, password: NEW_PASSWORD })).status, 200);
  assert.deepEqual(page.errors, []);
});
