// The second factor in the hosted pages, in headless Chromium (issue 22): set up an
// authenticator app from the account page (the key read off the page, the code made by npm
// otpauth), save the recovery codes, log out, log in with the app's code, log in with a
// recovery code, confirm it is you when a change needs a fresh second factor, remove the app.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { useTessera } from './support/tessera.mjs';
import { signup } from './support/http.mjs';
import { PAGE_ENV, closeBrowser, messageIn, pageTest } from './support/browser.mjs';
import { authenticator, codeAt, awayFromStepEdge } from './support/totp.mjs';
import { sleep } from './support/wait.mjs';

// A short step-up age, so a test can see a change ask for the code again.
const t = useTessera({ env: { ...PAGE_ENV, TESSERA_STEP_UP_MAX_AGE: '30s' } });
const { api } = t;
after(async () => {
  await closeBrowser();
});

async function passwordStep(page, account) {
  await page.goto(`${t.url}/`);
  await page.getByLabel('Email or username').fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(account.password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

async function onAccountPage(page, account) {
  await page.waitForURL(`${t.url}/account`);
  await page.locator('#profile-email').filter({ hasText: account.email }).waitFor();
}

async function logOut(page) {
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.waitForURL(/\/\?m=logged-out$/);
}

pageTest('set up, log in with the app and with a recovery code, step up, remove: the whole journey', async ({ page }) => {
  const account = await signup(api);
  await passwordStep(page, account);
  await onAccountPage(page, account);
  assert.match(await page.locator('#mfa-state').textContent(), /Off/);

  // Set up: a QR code and the key to type; the app's code turns it on.
  await page.getByRole('button', { name: 'Set up an authenticator app' }).click();
  await page.locator('#mfa-qr svg').waitFor();
  const key = (await page.locator('#mfa-secret').textContent()).replaceAll(' ', '');
  assert.match(key, /^[A-Z2-7]{32}$/);
  const totp = authenticator(key);
  await awayFromStepEdge(8000);
  await page.getByLabel('Code shown by the app').fill(codeAt(totp));
  await page.getByRole('button', { name: 'Turn on' }).click();
  assert.match(await messageIn(page, '#mfa-status'), /authenticator app is on/);
  const codes = await page.locator('#mfa-codes li').allTextContents();
  assert.equal(codes.length, 10);
  for (const c of codes) assert.match(c, /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/);
  const [download] = await Promise.all([page.waitForEvent('download'), page.getByRole('button', { name: 'Download' }).click()]);
  const saved = await readFile(await download.path(), 'utf8');
  for (const c of codes) assert.ok(saved.includes(c), `${c} in the downloaded file`);
  await page.getByRole('button', { name: 'I have saved them' }).click();
  assert.equal(await page.locator('#mfa-codes li').count(), 0, 'the codes leave the page');
  assert.match(await page.locator('#mfa-state').textContent(), /On.*10 of 10 recovery codes left/);

  // Log in again: the password, then the app's code (of the next step: the confirming one is spent).
  await logOut(page);
  await passwordStep(page, account);
  await page.getByLabel('Code from your app').waitFor();
  await page.getByLabel('Code from your app').fill(codeAt(totp, 1));
  await page.getByRole('button', { name: 'Verify' }).click();
  await onAccountPage(page, account);

  // And with a recovery code instead, typed loosely.
  await logOut(page);
  await passwordStep(page, account);
  await page.getByRole('button', { name: 'Use a recovery code instead' }).click();
  await page.getByLabel('Recovery code').fill('not-a-code');
  await page.getByRole('button', { name: 'Verify' }).click();
  assert.match(await messageIn(page, '#mfa-error'), /recovery code/i);
  await page.getByLabel('Recovery code').fill(codes[0].toLowerCase());
  await page.getByRole('button', { name: 'Verify' }).click();
  await onAccountPage(page, account);
  await page.locator('#mfa-state').filter({ hasText: '9 of 10 recovery codes left' }).waitFor();
  const loggedInAt = Date.now();

  // A change once the second factor is older than the step-up age asks for a code first.
  await sleep(Math.max(0, 31_000 - (Date.now() - loggedInAt)));
  await awayFromStepEdge();
  await page.getByRole('button', { name: 'Remove the authenticator app' }).click();
  await page.locator('#stepup-form').waitFor();
  // The next step's code: the current one may be the step spent at the login above.
  await page.getByLabel('Code from your app').fill(codeAt(totp, 1));
  await page.getByRole('button', { name: 'Confirm' }).click();
  assert.match(await messageIn(page, '#mfa-status'), /was removed/);
  await page.locator('#mfa-state').filter({ hasText: 'Off' }).waitFor();

  // Now the password alone logs in.
  await logOut(page);
  await passwordStep(page, account);
  await onAccountPage(page, account);
});

pageTest('a wrong code is said next to the field; "Start again" goes back to the password', async ({ page }) => {
  const account = await signup(api);
  const enrolled = (await api.post('/auth/mfa/totp', { token: account.access })).body;
  await awayFromStepEdge();
  const totp = authenticator(enrolled.secret);
  assert.equal((await api.post('/auth/mfa/totp/confirm', { token: account.access, json: { code: codeAt(totp) } })).status, 200);
  await passwordStep(page, account);
  await page.getByLabel('Code from your app').fill('000000');
  await page.getByRole('button', { name: 'Verify' }).click();
  assert.match(await messageIn(page, '#mfa-error'), /not right/);
  await page.getByRole('button', { name: 'Start again' }).click();
  await page.getByLabel('Password', { exact: true }).waitFor();
  assert.equal(await page.locator('#mfa-form').isHidden(), true);
});
