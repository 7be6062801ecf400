// Forgot and reset password through the hosted pages in headless Chromium, with a real SMTP
// server on loopback: the forgot page, the mailed link, the reset page (server-rendered, here
// enhanced by its module: the policy's reasons under the field, the outcome without a page
// load), logging in with the new password, and a dead link explained.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { useSmtpServer } from './support/smtp.mjs';
import { useMailTessera } from './support/email.mjs';
import { signup, uniqueEmail } from './support/http.mjs';
import { assertInvalidToken } from './support/expect.mjs';
import { PAGE_ENV, closeBrowser, messageIn, pageTest } from './support/browser.mjs';

const smtp = useSmtpServer();
const server = useMailTessera({ smtp, env: PAGE_ENV });
after(async () => {
  await closeBrowser();
});

const base = () => server.publicUrl;
const NEW_PASSWORD = 'A-Brand-New-Passphrase-Wombat-31';

// Asks for a reset link on the forgot page; resolves with the link that was mailed.
async function askForLink(page, email) {
  await page.goto(`${base()}/forgot-password`);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send the reset link' }).click();
  assert.match(await messageIn(page, '#status'), new RegExp(`^If an account exists for ${email.replace(/[.+]/g, '\\$&')}, a link`));
  const mail = await smtp.waitForMessage((m) => m.to.includes(email) && /reset|password/i.test(m.subject));
  return mail.links[0];
}

pageTest('forgot password: the mailed link opens the reset page; weak passwords are explained; the new one logs in', async ({ page }) => {
  const account = await signup(server.api);
  await smtp.waitForMessage((m) => m.to.includes(account.email)); // the verification mail
  const link = await askForLink(page, account.email);
  assert.ok(link.startsWith(`${base()}/reset-password?token=`), link);

  await page.goto(link);
  await page.getByRole('heading', { name: 'Choose a new password' }).waitFor();
  assert.match(await page.locator('#password-rules').textContent(), /at least 8 characters/);
  const field = page.getByLabel('New password');

  await field.fill('password1');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.locator('#password-reasons li').first().waitFor();
  assert.ok((await page.locator('#password-reasons li').allTextContents()).some((r) => /commonly used/.test(r)));
  assert.match(await messageIn(page, '#form-error'), /password/i);
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  assert.equal(page.url(), link, 'the module answered in place, without a page load');

  await field.fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByRole('heading', { name: 'Your password has been changed' }).waitFor();
  assert.equal(await page.evaluate(() => document.activeElement?.tagName), 'H1', 'focus moves to the outcome');
  assertInvalidToken(await server.api.get('/auth/me', { token: account.access }));

  await page.getByRole('link', { name: 'Log in with the new password' }).click();
  assert.equal(await messageIn(page, '#status'), 'Your password has been changed. Log in with the new one.');
  await page.getByLabel('Email or username').fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${base()}/account`);
  await page.locator('#profile-email').filter({ hasText: account.email }).waitFor();
});

pageTest('a used reset link is explained, with the way to ask for a new one', async ({ page }) => {
  const account = await signup(server.api);
  const link = await askForLink(page, account.email);
  await page.goto(link);
  await page.getByLabel('New password').fill(NEW_PASSWORD);
  await page.getByRole('button', { name: 'Set the new password' }).click();
  await page.getByRole('heading', { name: 'Your password has been changed' }).waitFor();

  // The same link again: the form shows, and its answer (400 invalid_token) is a sentence.
  await page.goto(link);
  await page.getByLabel('New password').fill('Yet-Another-Long-Passphrase-9');
  await page.getByRole('button', { name: 'Set the new password' }).click();
  assert.match(await messageIn(page, '#form-error'), /link is invalid or has expired/);
  await page.getByRole('link', { name: 'Ask for a new link' }).click();
  await page.waitForURL(`${base()}/forgot-password`);
});

pageTest('the forgot page answers the same for an address without an account (no enumeration)', async ({ page }) => {
  const email = uniqueEmail('nobody');
  await page.goto(`${base()}/forgot-password`);
  await page.getByLabel('Email').fill(email);
  await page.getByRole('button', { name: 'Send the reset link' }).click();
  assert.match(await messageIn(page, '#status'), /^If an account exists for/);
});
