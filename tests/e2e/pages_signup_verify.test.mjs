// Sign-up and email verification through the hosted pages in headless Chromium, with a real
// SMTP server on loopback (STARTTLS + AUTH, per-run CA file): the password rules and the
// server's weak_password reasons, 409 for a taken address, the verification mail, its link's
// confirm page and confirmation, the account page showing the address verified, and the
// resend button.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { useSmtpServer } from './support/smtp.mjs';
import { useMailTessera, mailsTo, sqlite, tokenOf } from './support/email.mjs';
import { signup, uniqueEmail, GOOD_PASSWORD } from './support/http.mjs';
import { PAGE_ENV, closeBrowser, messageIn, pageTest } from './support/browser.mjs';

const smtp = useSmtpServer();
const server = useMailTessera({ smtp, env: PAGE_ENV }); // { tessera, api, publicUrl }
after(async () => {
  await closeBrowser();
});

const base = () => server.publicUrl;

// Fills and submits the sign-up form.
async function signUp(page, { email, username = '', password }) {
  await page.getByLabel('Email').fill(email);
  await page.getByLabel('Username (optional)').fill(username);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Create account' }).click();
}

pageTest('sign-up explains the password rules, lists the weak_password reasons (422), then opens the account page', async ({ page }) => {
  await page.goto(`${base()}/sign-up`);
  const rules = await page.locator('#password-rules').textContent();
  assert.match(rules, /at least 8 characters/);
  assert.match(rules, /common passwords/);
  assert.match(rules, /email or username/);
  // The rules are the password field's description.
  assert.match(await page.getByLabel('Password', { exact: true }).getAttribute('aria-describedby'), /password-rules/);

  const email = uniqueEmail('pages-signup');
  await signUp(page, { email, password: 'password' });
  const message = await messageIn(page, '#signup-error');
  assert.match(message, /password/i);
  const reasons = await page.locator('#password-reasons li').allTextContents();
  assert.ok(reasons.length >= 2, reasons.join(' | '));
  assert.ok(reasons.some((r) => /commonly used/.test(r)), reasons.join(' | '));
  assert.ok(reasons.some((r) => /too short|easy to guess/.test(r)), reasons.join(' | '));
  assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid'), 'true');

  // Built from the address: its own reason.
  await signUp(page, { email, password: email });
  await page.locator('#password-reasons li').filter({ hasText: /built from your email/ }).waitFor();

  await signUp(page, { email, password: GOOD_PASSWORD });
  await page.waitForURL(`${base()}/account?m=welcome`);
  assert.match(await messageIn(page, '#status'), new RegExp(`sent a link to ${email.replace(/[.+]/g, '\\$&')}`));
  await page.locator('#profile-email').filter({ hasText: email }).waitFor();
  assert.match(await page.locator('#email-state').textContent(), /Not verified/);
  await smtp.waitForMessage((m) => m.to.includes(email));
});

pageTest('signing up with an address that has an account says so (409), with the way to log in', async ({ page }) => {
  const existing = await signup(server.api);
  await page.goto(`${base()}/sign-up`);
  await signUp(page, { email: existing.email, password: GOOD_PASSWORD });
  assert.match(await messageIn(page, '#signup-error'), /already exists\. Log in, or reset the password/);
  assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
  assert.equal(await page.getByRole('link', { name: 'I already have an account' }).isVisible(), true);
  assert.equal(page.url(), `${base()}/sign-up`);
});

pageTest('a bad address is explained from the server\'s invalid_request detail (400)', async ({ page }) => {
  await page.goto(`${base()}/sign-up`);
  // Passes the browser's own check (type=email) but not the server's: a local part over 64 bytes.
  await signUp(page, { email: `${'x'.repeat(70)}@example.com`, password: GOOD_PASSWORD });
  assert.match(await messageIn(page, '#signup-error'), /^email: /);
  assert.equal(await page.getByLabel('Email').getAttribute('aria-invalid'), 'true');
});

pageTest('the verification mail\'s link: a confirm button, a confirmation, and the account page shows the address verified', async ({ page, session }) => {
  session.allowHttpError('/auth/verify-email', 400); // the used link's page, at the end
  const email = uniqueEmail('pages-verify');
  await page.goto(`${base()}/sign-up`);
  await signUp(page, { email, password: GOOD_PASSWORD });
  await page.waitForURL(/\/account/);
  const mail = await smtp.waitForMessage((m) => m.to.includes(email));
  assert.equal(mail.secure, true);
  const link = mail.links[0];
  assert.ok(link.startsWith(`${base()}/auth/verify-email?token=`), link);

  // Opening the link uses nothing: it shows a button.
  await page.goto(link);
  await page.getByRole('heading', { name: 'Confirm your email' }).waitFor();
  assert.equal((await server.api.post('/auth/verify-email', { json: { token: 'x' } })).status, 400);
  await page.getByRole('button', { name: 'Confirm my email' }).click();
  await page.getByRole('heading', { name: 'Your email is confirmed' }).waitFor();

  await page.getByRole('link', { name: 'Go to your account' }).click();
  await page.waitForURL(`${base()}/account`);
  await page.locator('#email-state').filter({ hasText: 'Verified' }).waitFor();
  assert.match(await page.locator('#email-state').textContent(), new RegExp(`${email.replace(/[.+]/g, '\\$&')} is confirmed`));
  assert.equal(await page.getByRole('button', { name: 'Send a new verification link' }).isVisible(), false);

  // The link works once: opened again, its page says it has expired.
  const again = await page.goto(link);
  assert.equal(again.status(), 400);
  await page.getByRole('heading', { name: 'This link is invalid or has expired' }).waitFor();
  assert.equal(await page.getByRole('link', { name: 'Reset your password' }).isVisible(), true);
});

pageTest('the account page\'s resend button mails a new verification link that works', async ({ page }) => {
  const email = uniqueEmail('pages-resend');
  await page.goto(`${base()}/sign-up`);
  await signUp(page, { email, password: GOOD_PASSWORD });
  await page.waitForURL(/\/account/);
  const first = await smtp.waitForMessage((m) => m.to.includes(email));
  // One mail a minute per address: the minute has passed (moved in the database, not waited).
  sqlite(server.tessera.dir, `UPDATE one_time_tokens SET created_at = created_at - 61000 WHERE email = '${email}'`);

  await page.getByRole('button', { name: 'Send a new verification link' }).click();
  assert.match(await messageIn(page, '#resend-status'), new RegExp(`^A new link is on its way to ${email.replace(/[.+]/g, '\\$&')}`));
  const second = await smtp.waitForMessage((m) => m.to.includes(email) && m !== first);
  assert.notEqual(tokenOf(second.links[0]), tokenOf(first.links[0]));
  assert.equal(mailsTo(smtp, email).length, 2);

  await page.goto(second.links[0]);
  await page.getByRole('button', { name: 'Confirm my email' }).click();
  await page.getByRole('heading', { name: 'Your email is confirmed' }).waitFor();
  await page.goto(`${base()}/account`);
  await page.locator('#email-state').filter({ hasText: 'Verified' }).waitFor();
});
