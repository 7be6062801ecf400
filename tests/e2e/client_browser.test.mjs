// The JavaScript client in headless Chromium (issue 20), refresh: 'cookie': a page on Tessera's
// origin loads clients/js/src/index.js as a module (served from the repository by the test), so
// the refresh token lives in Tessera's HttpOnly cookie, shared by the tabs of one browser
// context. Two tabs whose access tokens have run out refresh at once: both stay logged in and
// Tessera sees no reuse (the Web Lock puts the rotations one after the other). A reload keeps
// the session.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { resolve } from 'node:path';
import { useTessera } from './support/tessera.mjs';
import { signup } from './support/http.mjs';
import { closeBrowser, pageTest } from './support/browser.mjs';

const t = useTessera();
const { api } = t;
after(async () => {
  await closeBrowser();
});

const SRC = resolve(import.meta.dirname, '../../clients/js/src');
const PAGE = `<!doctype html><meta charset="utf-8"><title>client</title>
<script type="module">
  import { createClient } from '/client-test/index.js';
  // A clock the test can move, so the access token "expires" without waiting 15 minutes.
  window.skewMs = 0;
  window.tessera = createClient({ baseUrl: location.origin, now: () => Date.now() + window.skewMs });
  window.ready = true;
</script>`;

// Serves the test page and the package's modules under /client-test/ on Tessera's origin.
async function serveClient(context) {
  await context.route(`${t.url}/client-test/**`, async (route) => {
    const name = new URL(route.request().url()).pathname.slice('/client-test/'.length);
    if (name === 'page.html') return route.fulfill({ contentType: 'text/html', body: PAGE });
    if (!/^[a-z]+\.js$/.test(name)) return route.fulfill({ status: 404, body: '' });
    return route.fulfill({ contentType: 'text/javascript', body: await readFile(resolve(SRC, name), 'utf8') });
  });
}

async function openTab(context) {
  const page = await context.newPage();
  await page.goto(`${t.url}/client-test/page.html`);
  await page.waitForFunction(() => window.ready === true);
  return page;
}

async function reusedCount() {
  const text = await fetch(`${t.url}/metrics`).then((r) => r.text());
  const m = text.match(/^tessera_refreshes_total\{outcome="reused"\} (\d+)/m);
  return m ? Number(m[1]) : 0;
}

pageTest('two tabs refreshing at once both stay logged in, with no refresh token reused', async ({ context, page }) => {
  await serveClient(context);
  const account = await signup(api);
  await page.close();
  const a = await openTab(context);
  await a.evaluate(([email, password]) => window.tessera.login(email, password), [account.email, account.password]);
  const b = await openTab(context);
  // B has no token yet: its first call refreshes through the shared cookie.
  assert.equal(await b.evaluate(async () => (await window.tessera.fetch('/data')).status), 200);
  assert.equal(await a.evaluate(async () => (await window.tessera.fetch('/data')).status), 200);
  const before = await reusedCount();
  // Both tabs' tokens run out; each makes three calls at once.
  const burst = (tab) => tab.evaluate(async () => {
    window.skewMs += 20 * 60 * 1000;
    const rs = await Promise.all([1, 2, 3].map(() => window.tessera.fetch('/data')));
    return rs.map((r) => r.status);
  });
  const [ra, rb] = await Promise.all([burst(a), burst(b)]);
  assert.deepEqual([...ra, ...rb], [200, 200, 200, 200, 200, 200]);
  assert.equal(await reusedCount(), before, 'no refresh token was reused');
  for (const tab of [a, b]) assert.equal(await tab.evaluate(() => window.tessera.isLoggedIn()), true);
  assert.equal(await a.evaluate(async () => (await window.tessera.me()).id), account.user.id);

  // A reload holds no token; the cookie brings the session back.
  await b.reload();
  await b.waitForFunction(() => window.ready === true);
  assert.equal(await b.evaluate(() => window.tessera.isLoggedIn()), false);
  assert.equal(await b.evaluate(async () => (await window.tessera.me()).id), account.user.id);
  // The access token never reached storage the page can read.
  const stored = await b.evaluate(() => JSON.stringify({ ...localStorage }) + JSON.stringify({ ...sessionStorage }) + document.cookie);
  assert.equal(stored, '{}{}');
});
