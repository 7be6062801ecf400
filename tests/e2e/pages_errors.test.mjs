// Errors on the hosted pages, in headless Chromium: every problem code the API can answer
// becomes a sentence next to the form (never a blank page or a console error), real 429s
// (TESSERA_RATE_LIMIT_LOGIN_IP=2/1m) with their Retry-After, a real 403 email_not_verified
// (TESSERA_REQUIRE_VERIFIED) with the resend button, a server that cannot be reached, and
// TESSERA_WEB_DIR serving a folder without letting a request out of it.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { useTessera } from './support/tessera.mjs';
import { client, uniqueEmail, GOOD_PASSWORD } from './support/http.mjs';
import { PAGE_ENV, closeBrowser, messageIn, pageTest } from './support/browser.mjs';
import { DOC } from './support/openapi.mjs';

const editedPage = (text) => `<!doctype html><title>edited</title><link rel="icon" href="/assets/favicon.svg"><p>${text}</p>\n`;

// The folder of the TESSERA_WEB_DIR server: the pages, one of them edited, and two links.
const webDir = mkdtempSync(join(tmpdir(), 'tessera-web-'));
cpSync(resolve(import.meta.dirname, '../../web'), webDir, { recursive: true });
writeFileSync(join(webDir, 'forgot-password.html'), editedPage('Edited in the folder.'));
symlinkSync('/etc/passwd', join(webDir, 'assets', 'passwd.txt'));
symlinkSync(join(webDir, 'assets', 'tessera.css'), join(webDir, 'assets', 'linked.css'));

const plain = useTessera({ env: PAGE_ENV }); // defaults
// Rate limits on: two logins a minute from one IP.
const limited = useTessera({ env: { ...PAGE_ENV, TESSERA_RATE_LIMITS: 'on', TESSERA_RATE_LIMIT_LOGIN_IP: '2/1m' } });
const strict = useTessera({ env: { ...PAGE_ENV, TESSERA_REQUIRE_VERIFIED: 'true' } });
const folder = useTessera({ env: { TESSERA_WEB_DIR: webDir } });
after(async () => {
  await closeBrowser();
  rmSync(webDir, { recursive: true, force: true });
});

// The status each problem code is answered with (src/http/problem.cpp).
const STATUS = {
  invalid_request: 400, unsupported_media_type: 415, payload_too_large: 413, headers_too_large: 431,
  not_found: 404, method_not_allowed: 405, missing_token: 401, invalid_token: 401, invalid_credentials: 401,
  invalid_refresh_token: 401, refresh_token_reused: 401, forbidden: 403, account_disabled: 403,
  email_not_verified: 403, csrf_rejected: 403, account_exists: 409, weak_password: 422, rate_limited: 429,
  mfa_required: 403, invalid_mfa_code: 401, mfa_ticket_invalid: 401, step_up_required: 403, mfa_not_enabled: 409,
  mfa_already_enabled: 409,
  overloaded: 503, database_unavailable: 503, internal_error: 500,
};

async function submitLogin(page, login, password) {
  await page.getByLabel('Email or username').fill(login);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
}

pageTest('every problem code of the API is shown as a sentence next to the form', async ({ page }) => {
  const codes = DOC.components.schemas.ErrorCode.enum;
  assert.deepEqual([...codes].sort(), Object.keys(STATUS).sort(), 'the table above knows every wire code');
  let current = null;
  await page.route('**/auth/login', (route) => route.fulfill({
    status: STATUS[current],
    headers: { 'content-type': 'application/problem+json', 'retry-after': '7' },
    body: JSON.stringify({ type: 'about:blank', title: 'x', status: STATUS[current], code: current, detail: `server detail for ${current}` }),
  }));
  await page.goto(`${plain.url}/`);
  const seen = new Map();
  for (const code of codes) {
    current = code;
    await page.locator('#login-error').evaluate((e) => { e.textContent = ''; });
    await submitLogin(page, 'someone@example.com', 'a password of some kind');
    const text = await messageIn(page, '#login-error');
    assert.doesNotMatch(text, /^The server answered/, code);
    assert.ok(text.length > 15, `${code}: ${text}`);
    seen.set(code, text);
  }
  assert.match(seen.get('rate_limited'), /Too many attempts\. Try again in 7 seconds\./);
  assert.match(seen.get('overloaded'), /busy.*in 7 seconds/);
  assert.equal(seen.get('invalid_request'), 'server detail for invalid_request');
  assert.doesNotMatch(seen.get('internal_error'), /server detail/, 'internal details are not shown');
  assert.match(seen.get('email_not_verified'), /Confirm your email address first/);
  assert.match(seen.get('account_disabled'), /disabled/);
});

pageTest('a server that cannot be reached is a sentence, not a blank page', async ({ page, session }) => {
  session.allowConsoleError(/net::ERR_CONNECTION_REFUSED/);
  await page.goto(`${plain.url}/`);
  await page.route('**/auth/login', (route) => route.abort('connectionrefused'));
  await submitLogin(page, 'someone@example.com', 'whatever-it-is');
  assert.equal(await messageIn(page, '#login-error'), 'Could not reach the server. Check your connection and try again.');
  // The button works again for the next try.
  assert.equal(await page.getByRole('button', { name: 'Log in' }).isEnabled(), true);
});

pageTest('too many logins: the third attempt in a minute shows the 429 message with its wait', async ({ page }) => {
  await page.goto(`${limited.url}/`);
  for (let i = 0; i < 2; i += 1) {
    await submitLogin(page, uniqueEmail('limited'), 'wrong-password-here');
    await page.locator('#login-error').filter({ hasText: /not right/ }).waitFor();
    await page.locator('#login-error').evaluate((e) => { e.textContent = ''; });
  }
  await submitLogin(page, uniqueEmail('limited'), 'wrong-password-here');
  assert.match(await messageIn(page, '#login-error'), /^Too many attempts\. Try again in \d+ seconds?\.$/);
});

pageTest('login of an unverified account with TESSERA_REQUIRE_VERIFIED: 403 explained, and a new link can be sent', async ({ page }) => {
  const email = uniqueEmail('unverified');
  const made = await client(strict.url).post('/auth/signup', { json: { email, password: GOOD_PASSWORD } });
  assert.equal(made.status, 201, made.text);
  await page.goto(`${strict.url}/`);
  await submitLogin(page, email, GOOD_PASSWORD);
  assert.match(await messageIn(page, '#login-error'), /Confirm your email address first/);
  await page.getByRole('button', { name: 'Send a new confirmation link' }).click();
  assert.match(await messageIn(page, '#status'), /a new link is on its way/);
  assert.equal(page.url(), `${strict.url}/`);
});

pageTest('TESSERA_WEB_DIR serves the folder, edits show at once, and no request leaves the folder', async ({ page }) => {
  const edited = await page.goto(`${folder.url}/forgot-password`);
  assert.equal(edited.status(), 200);
  assert.equal(await page.locator('p').textContent(), 'Edited in the folder.');
  assert.equal(edited.headers()['content-security-policy'].includes("script-src 'self'"), true);
  writeFileSync(join(webDir, 'forgot-password.html'), editedPage('Edited twice.'));
  await page.reload();
  assert.equal(await page.locator('p').textContent(), 'Edited twice.');
  // The rest of the pages work from the folder.
  await page.goto(`${folder.url}/`);
  await page.getByRole('heading', { name: 'Log in' }).waitFor();

  assert.equal((await fetch(`${folder.url}/assets/passwd.txt`)).status, 404, 'a link out of the folder');
  assert.equal((await fetch(`${folder.url}/assets/linked.css`)).status, 200, 'a link inside it');
  for (const bad of ['/assets/..%2F..%2Fetc%2Fpasswd', '/assets/%2Fetc%2Fpasswd', '/assets/.hidden']) {
    assert.equal((await fetch(`${folder.url}${bad}`)).status, 404, bad);
  }
});
