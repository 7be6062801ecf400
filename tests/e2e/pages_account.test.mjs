// The hosted pages in headless Chromium (SPEC §7): log in (with the keyboard alone), the account
// page (profile, sessions with revoke, change password, log out, log out everywhere), the
// access token held in memory only with the refresh token in the HttpOnly cookie, and the
// refresh-once-and-retry on a 401. Every test fails on a console error or an uncaught exception
// in any page (support/browser.mjs) and keeps a screenshot when it fails.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { useTessera } from './support/tessera.mjs';
import { client, signup, uniqueEmail, GOOD_PASSWORD } from './support/http.mjs';
import { assertInvalidToken } from './support/expect.mjs';
import { PAGE_ENV, PHONE, closeBrowser, messageIn, overflowsHorizontally, pageTest } from './support/browser.mjs';

const t = useTessera({ env: PAGE_ENV });
const { api } = t;
after(async () => {
  await closeBrowser();
});

const NEW_PASSWORD = 'Another-Long-Passphrase-Quokka-77';

// Logs `account` in through the log-in page and waits for the account page to show it.
async function logIn(page, account, password = account.password) {
  await page.goto(`${t.url}/`);
  await page.getByLabel('Email or username').fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${t.url}/account`);
  await page.locator('#profile-email').filter({ hasText: account.email }).waitFor();
}

// The sessions listed on the account page: [{ id, current, text }].
function listedSessions(page) {
  return page.locator('#sessions > li').evaluateAll((items) => items.map((li) => ({
    id: li.dataset.sessionId, current: li.classList.contains('current'), text: li.textContent,
  })));
}

pageTest('keyboard only: Tab to the fields, type, press Enter, and the account page opens; focus is visible', async ({ page }) => {
  const account = await signup(api);
  await page.goto(`${t.url}/`);
  // Tab from the top of the page until the element `id` has focus.
  const tabTo = async (id) => {
    for (let i = 0; i < 12; i += 1) {
      await page.keyboard.press('Tab');
      if (await page.evaluate(() => document.activeElement?.id) === id) return;
    }
    assert.fail(`Tab never reached #${id}`);
  };
  await tabTo('login');
  const outline = await page.evaluate(() => getComputedStyle(document.activeElement).outlineStyle);
  assert.notEqual(outline, 'none', 'the focused field shows a focus ring');
  await page.keyboard.type(account.email);
  await page.keyboard.press('Tab');
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'password');
  await page.keyboard.type(account.password);
  await page.keyboard.press('Enter');
  await page.waitForURL(`${t.url}/account`);
  await page.locator('#profile-email').filter({ hasText: account.email }).waitFor();
});

pageTest('every form field has a label the browser associates with it', async ({ page }) => {
  for (const path of ['/', '/sign-up', '/forgot-password', '/reset-password?token=x']) {
    await page.goto(`${t.url}${path}`);
    const unlabelled = await page.evaluate(() => [...document.querySelectorAll('input:not([type=hidden])')]
      .filter((i) => i.labels.length === 0 && !i.getAttribute('aria-label')).map((i) => i.id || i.name));
    assert.deepEqual(unlabelled, [], `${path}: inputs without a label`);
  }
});

pageTest('a wrong password shows a readable message next to the form (401) and clears the field', async ({ page }) => {
  const account = await signup(api);
  await page.goto(`${t.url}/`);
  await page.getByLabel('Email or username').fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill('not-the-password-at-all');
  await page.getByRole('button', { name: 'Log in' }).click();
  const message = await messageIn(page, '#login-error');
  assert.match(message, /email, username or password is not right/);
  assert.equal(page.url(), `${t.url}/`);
  assert.equal(await page.getByLabel('Password', { exact: true }).inputValue(), '');
  assert.equal(await page.getByLabel('Password', { exact: true }).getAttribute('aria-invalid'), 'true');
  // An unknown account reads the same (no account enumeration).
  await page.getByLabel('Email or username').fill(uniqueEmail('nobody'));
  await page.getByLabel('Password', { exact: true }).fill('whatever-it-is');
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.locator('#login-error').filter({ hasText: /not right/ }).waitFor();
});

pageTest('the account page shows the profile, and a reload keeps the person logged in through the HttpOnly cookie only', async ({ page, context }) => {
  const account = await signup(api, { username: `user${Date.now()}` });
  const tokenBodies = [];
  page.on('response', async (r) => {
    if (/\/auth\/(login|refresh|signup|password)$/.test(new URL(r.url()).pathname) && r.status() === 200) {
      // A body the browser already dropped (the page went on to another) cannot be read here.
      const body = await r.json().catch(() => null);
      if (body) tokenBodies.push(body);
    }
  });
  await logIn(page, account);
  assert.equal(await page.locator('#profile-username').textContent(), account.username);
  assert.match(await page.locator('#email-state').textContent(), /Not verified/);
  assert.equal(await page.getByRole('button', { name: 'Send a new verification link' }).isVisible(), true);

  await page.reload();
  await page.locator('#profile-email').filter({ hasText: account.email }).waitFor();
  assert.equal(page.url(), `${t.url}/account`);

  // The refresh token is only ever in the HttpOnly, SameSite=Strict cookie scoped to /auth; no
  // body the page read held it, and the page stored nothing.
  const cookies = await context.cookies(t.url + '/auth/refresh');
  const refresh = cookies.find((c) => c.name === 'refresh_token');
  assert.ok(refresh, JSON.stringify(cookies));
  assert.equal(refresh.httpOnly, true);
  assert.equal(refresh.sameSite, 'Strict');
  assert.equal(refresh.path, '/auth');
  assert.ok(tokenBodies.length >= 1, `token responses read: ${tokenBodies.length}`);
  for (const body of tokenBodies) {
    assert.equal(typeof body.access_token, 'string');
    assert.equal('refresh_token' in body, false, 'cookie-only: no refresh token in a readable body');
  }
  const stored = await page.evaluate(() => ({ local: localStorage.length, session: sessionStorage.length, cookie: document.cookie }));
  assert.deepEqual(stored, { local: 0, session: 0, cookie: '' });
});

pageTest('without a session the account page sends the person to log in', async ({ page }) => {
  await page.goto(`${t.url}/account`);
  await page.waitForURL(/\/\?m=login-required/);
  assert.equal(await messageIn(page, '#status'), 'Log in to continue.');
});

pageTest('sessions: this device is marked; revoking another one logs that device out at once', async ({ page }) => {
  const account = await signup(api); // a session of another client (Node's fetch)
  await logIn(page, account);
  await page.locator('#sessions > li').nth(1).waitFor();
  const sessions = await listedSessions(page);
  assert.equal(sessions.length, 2, JSON.stringify(sessions));
  const current = sessions.filter((s) => s.current);
  assert.equal(current.length, 1);
  assert.match(current[0].text, /This device/);
  assert.match(current[0].text, /Chrome on Linux/);
  assert.match(current[0].text, /IP 127\.0\.0\.1/);
  assert.match(current[0].text, /last used/);
  const other = sessions.find((s) => !s.current);
  assert.equal(other.id, account.sid);

  await page.locator(`#sessions > li[data-session-id="${other.id}"]`).getByRole('button', { name: /^Revoke/ }).click();
  assert.match(await messageIn(page, '#sessions-status'), /was revoked/);
  assert.deepEqual((await listedSessions(page)).map((s) => s.current), [true]);
  assert.equal(await page.evaluate(() => document.activeElement?.id), 'sessions-heading', 'focus is not lost');
  assertInvalidToken(await api.get('/auth/me', { token: account.access }));
});

pageTest('on a 401 the page refreshes through the cookie once and retries the request', async ({ page, session }) => {
  const account = await signup(api);
  await logIn(page, account);
  await page.locator('#sessions > li').nth(1).waitFor();
  const other = (await listedSessions(page)).find((s) => !s.current);
  // The server refuses the next DELETE as if the access token had expired under the page.
  let refused = 0;
  await page.route('**/auth/sessions/*', async (route) => {
    if (route.request().method() !== 'DELETE' || refused > 0) return route.fallback();
    refused += 1;
    return route.fulfill({
      status: 401,
      headers: { 'content-type': 'application/problem+json', 'www-authenticate': 'Bearer realm="tessera", error="invalid_token"' },
      body: JSON.stringify({ type: 'about:blank', title: 'Unauthorized', status: 401, code: 'invalid_token', detail: 'The access token is not valid.' }),
    });
  });
  const before = session.responses.length;
  await page.locator(`#sessions > li[data-session-id="${other.id}"]`).getByRole('button', { name: /^Revoke/ }).click();
  assert.match(await messageIn(page, '#sessions-status'), /was revoked/);
  const calls = session.responses.slice(before).map((r) => `${r.method} ${new URL(r.url).pathname} ${r.status}`);
  assert.deepEqual(calls.filter((c) => !c.startsWith('GET /auth/sessions')), [
    `DELETE /auth/sessions/${other.id} 401`,
    'POST /auth/refresh 200',
    `DELETE /auth/sessions/${other.id} 204`,
  ]);
  assertInvalidToken(await api.get('/auth/me', { token: account.access }));
});

pageTest('change password: a wrong current password and a weak new one are explained; success ends every other session', async ({ page }) => {
  const account = await signup(api);
  await logIn(page, account);
  const form = page.locator('#password-form');

  await form.getByLabel('Current password').fill('wrong-current-password');
  await form.getByLabel('New password').fill(NEW_PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  assert.equal(await messageIn(page, '#password-error'), 'The current password is not right.');
  assert.equal(await form.getByLabel('Current password').getAttribute('aria-invalid'), 'true');

  await form.getByLabel('Current password').fill(account.password);
  await form.getByLabel('New password').fill('password');
  await form.getByRole('button', { name: 'Change password' }).click();
  await page.locator('#password-reasons li').first().waitFor();
  const reasons = await page.locator('#password-reasons li').allTextContents();
  assert.ok(reasons.some((r) => /commonly used/.test(r)), reasons.join(' | '));
  assert.match(await messageIn(page, '#password-error'), /password/i);

  await form.getByLabel('New password').fill(NEW_PASSWORD);
  await form.getByRole('button', { name: 'Change password' }).click();
  assert.match(await messageIn(page, '#password-status'), /password has been changed/);
  assert.equal(await page.locator('#password-reasons').isHidden(), true);
  assert.equal(await form.getByLabel('New password').inputValue(), '');
  // Every earlier session ended, the page's own included; it goes on with its new one.
  assertInvalidToken(await api.get('/auth/me', { token: account.access }));
  // The list is drawn again after the change: wait for the old one's second entry to go.
  await page.locator('#sessions > li').first().waitFor();
  await page.locator('#sessions > li').nth(1).waitFor({ state: 'detached' });
  assert.equal((await listedSessions(page)).length, 1);
  await page.reload();
  await page.locator('#profile-email').filter({ hasText: account.email }).waitFor();
  assert.equal((await api.post('/auth/login', { json: { email: account.email, password: NEW_PASSWORD } })).status, 200);
});

pageTest('log out ends this session: the log-in page says so, and the account page needs a new log-in', async ({ page, context }) => {
  const account = await signup(api);
  await logIn(page, account);
  await page.getByRole('button', { name: 'Log out', exact: true }).click();
  await page.waitForURL(/\/\?m=logged-out$/);
  assert.equal(await messageIn(page, '#status'), 'You have logged out.');
  const cookie = (await context.cookies(`${t.url}/auth/refresh`)).find((c) => c.name === 'refresh_token');
  assert.ok(!cookie || cookie.value === '', 'the refresh cookie is cleared');
  await page.goto(`${t.url}/account`);
  await page.waitForURL(/\/\?m=login-required/);
  // The API session made beside it is untouched.
  assert.equal((await api.get('/auth/me', { token: account.access })).status, 200);
});

pageTest('log out everywhere ends every session of the account', async ({ page }) => {
  const account = await signup(api);
  await logIn(page, account);
  await page.getByRole('button', { name: 'Log out everywhere' }).click();
  await page.waitForURL(/\/\?m=logged-out-everywhere$/);
  assert.equal(await messageIn(page, '#status'), 'You have logged out on every device.');
  assertInvalidToken(await api.get('/auth/me', { token: account.access }));
});

pageTest('every page carries the strict CSP, nosniff, no-referrer and no framing; assets have their types', async ({ page, session }) => {
  session.allowHttpError('/auth/verify-email', 400); // the page of an unknown link says so with 400
  const want = {
    'content-security-policy': "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self'; connect-src 'self'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
    'x-content-type-options': 'nosniff',
    'referrer-policy': 'no-referrer',
    'x-frame-options': 'DENY',
  };
  for (const path of ['/', '/sign-up', '/forgot-password', '/account', '/admin', '/reset-password?token=abc', '/auth/verify-email?token=abc']) {
    const res = await page.goto(`${t.url}${path}`);
    const h = res.headers();
    for (const [name, value] of Object.entries(want)) assert.equal(h[name], value, `${path}: ${name}`);
    assert.match(h['content-type'], /^text\/html; charset=utf-8$/, path);
    // No inline script, style or event handler anywhere in the markup.
    const html = await (await fetch(`${t.url}${path}`)).text();
    assert.doesNotMatch(html, /<script(?![^>]*\ssrc=)[^>]*>/i, `${path}: inline script`);
    assert.doesNotMatch(html, /<style\b|\sstyle=/i, `${path}: inline style`);
    assert.doesNotMatch(html, /\son[a-z]+=/i, `${path}: inline event handler`);
    await page.waitForLoadState('networkidle'); // /account and /admin go on to the log-in page
  }
  const types = {
    '/assets/tessera.css': 'text/css; charset=utf-8',
    '/assets/api.js': 'text/javascript; charset=utf-8',
    '/assets/favicon.svg': 'image/svg+xml',
  };
  for (const [path, type] of Object.entries(types)) {
    const res = await fetch(`${t.url}${path}`);
    assert.equal(res.status, 200, path);
    assert.equal(res.headers.get('content-type'), type, path);
    assert.equal(res.headers.get('cache-control'), 'no-cache', path);
    assert.equal(res.headers.get('x-content-type-options'), 'nosniff', path);
    const etag = res.headers.get('etag');
    assert.match(etag, /^"[0-9a-f]+"$/);
    const again = await fetch(`${t.url}${path}`, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304, path);
  }
  for (const bad of ['/assets/nope.js', '/assets/..%2Fsign-up.html', '/assets/.hidden', '/assets/..%2F..%2Fetc%2Fpasswd']) {
    assert.equal((await fetch(`${t.url}${bad}`)).status, 404, bad);
  }
});

pageTest('at 375 px wide the pages fit the screen: nothing scrolls sideways', { viewport: PHONE }, async ({ page }) => {
  const account = await signup(api, {
    email: `someone-${Date.now()}@a-rather-long-subdomain-name.for-a-small-phone-screen.example.com`,
    username: `a_long_name_${Date.now()}`,
  });
  for (const path of ['/', '/sign-up', '/forgot-password', '/reset-password?token=abc']) {
    await page.goto(`${t.url}${path}`);
    assert.equal(await overflowsHorizontally(page), false, path);
  }
  // With messages shown.
  await page.goto(`${t.url}/sign-up`);
  await page.getByLabel('Email').fill(account.email);
  await page.getByLabel('Password', { exact: true }).fill('password');
  await page.getByRole('button', { name: 'Create account' }).click();
  await page.locator('#signup-error').filter({ hasText: /\S/ }).waitFor();
  assert.equal(await overflowsHorizontally(page), false, '/sign-up with errors');

  await logIn(page, account);
  await page.locator('#sessions > li').nth(1).waitFor();
  assert.equal(await overflowsHorizontally(page), false, '/account');
  const box = await page.getByRole('button', { name: 'Log out everywhere' }).boundingBox();
  assert.ok(box.x >= 0 && box.x + box.width <= 375, JSON.stringify(box));
});

// `TESSERA_UPDATE_SCREENSHOT=1` saves the account page as docs/account.png for the README.
pageTest('the account page, as the README shows it', { skip: process.env.TESSERA_UPDATE_SCREENSHOT !== '1', viewport: { width: 900, height: 900 }, contextOptions: { colorScheme: 'light' } }, async ({ page }) => {
  const account = await signup(api, { email: 'ann@example.com', username: 'ann' });
  await client(t.url).post('/auth/login', { json: { email: account.email, password: GOOD_PASSWORD }, headers: { 'user-agent': 'Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1' } });
  await logIn(page, account);
  await page.locator('#sessions > li').nth(2).waitFor();
  const file = resolve(import.meta.dirname, '../../docs/account.png');
  await page.screenshot({ path: file, fullPage: true });
});
