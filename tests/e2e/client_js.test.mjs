// The JavaScript client (clients/js, @tessera-auth/client; issue 20) against a real Tessera: one
// refresh for any number of concurrent callers, a revoked session signing out once, 429/503
// surfaced with retryAfter and never retried in a loop, a network failure during refresh that
// keeps the session, and bad input (a baseUrl without scheme, non-JSON and HTML error bodies)
// as typed errors. Runs in Node with refresh: 'body' (the browser's cookie mode is exercised by
// the pages, in Chromium).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createClient, memoryStorage, TesseraError } from '../../clients/js/src/index.js';
import { useTessera, startTessera } from './support/tessera.mjs';
import { client as httpClient, signup, uniqueEmail, GOOD_PASSWORD } from './support/http.mjs';
import { codeAt, enableTotp } from './support/totp.mjs';

const t = useTessera();
const { api } = t;

// A fetch that counts the calls of each path and can be told to fail some.
function countingFetch({ failRefresh = 0 } = {}) {
  const counts = new Map();
  let failures = failRefresh;
  const f = async (input, init) => {
    const path = new URL(typeof input === 'string' ? input : input.url).pathname;
    counts.set(path, (counts.get(path) ?? 0) + 1);
    if (path === '/auth/refresh' && failures > 0) {
      failures -= 1;
      throw new TypeError('fetch failed');
    }
    return fetch(input, init);
  };
  f.count = (path) => counts.get(path) ?? 0;
  return f;
}

// The server's count of refreshes that rotated a token.
async function rotations(server = t) {
  const text = (await fetch(`${server.url}/metrics`).then((r) => r.text()));
  const m = text.match(/^tessera_refreshes_total\{outcome="rotated"\} (\d+)/m);
  return m ? Number(m[1]) : 0;
}

async function loggedIn(options = {}, server = t) {
  const email = uniqueEmail('client');
  await signup(server === t ? api : httpClient(server.url), { email });
  const c = createClient({ baseUrl: server.url, refresh: 'body', storage: memoryStorage(), ...options });
  await c.login(email, GOOD_PASSWORD);
  return { c, email };
}

test('a baseUrl without a scheme, or another scheme, is a TesseraError at once', () => {
  for (const baseUrl of ['localhost:8080', 'auth.example.com', 'ftp://auth.example.com', '', undefined, 'http://x/?q=1']) {
    assert.throws(() => createClient({ baseUrl }), (e) => e instanceof TesseraError && e.code === 'invalid_base_url', String(baseUrl));
  }
  assert.throws(() => createClient({ baseUrl: 'http://127.0.0.1:1', refresh: 'body' }), (e) => e.code === 'invalid_option');
  assert.throws(() => createClient({ baseUrl: 'http://127.0.0.1:1', refresh: 'local' }), (e) => e.code === 'invalid_option');
});

test('ten concurrent calls with a token about to expire cause exactly one /auth/refresh', async () => {
  let clock = Date.now();
  const f = countingFetch();
  const { c } = await loggedIn({ fetch: f, now: () => clock });
  clock += 15 * 60 * 1000;  // the access token's 15 minutes are over, as the client sees it
  const before = await rotations();
  const results = await Promise.all(Array.from({ length: 10 }, () => c.fetch(`${t.url}/data`)));
  assert.deepEqual(results.map((r) => r.status), Array(10).fill(200));
  assert.equal(f.count('/auth/refresh'), 1);
  assert.equal(await rotations() - before, 1);
});

test('ten concurrent calls answered 401 refresh once between them and each retries once', async () => {
  const f = countingFetch();
  const { c } = await loggedIn({ fetch: f });
  // An app API that refuses the first access token it sees (as one whose key was rotated away
  // would) with a bare 401, and takes any other.
  let refused = null;
  const app = createServer((req, res) => {
    const auth = req.headers.authorization ?? '';
    refused ??= auth;
    const ok = auth !== refused;
    res.writeHead(ok ? 200 : 401, { 'content-type': 'text/plain' }).end(ok ? 'ok' : 'Unauthorized');
  });
  app.listen(0, '127.0.0.1');
  await once(app, 'listening');
  try {
    const url = `http://127.0.0.1:${app.address().port}/data`;
    const results = await Promise.all(Array.from({ length: 10 }, () => c.fetch(url)));
    assert.deepEqual(results.map((r) => r.status), Array(10).fill(200));
    assert.equal(f.count('/auth/refresh'), 1);
    assert.equal(f.count('/data'), 20, 'each call sent twice: the refused try and one retry');
  } finally {
    app.close();
  }
});

test('a revoked session signs the user out at the next call and tells the app once', async () => {
  const { c } = await loggedIn();
  const changes = [];
  c.onSessionChange((u) => changes.push(u));
  // Log out everywhere from another client of the same account: tokens and sessions end.
  const other = createClient({ baseUrl: t.url, refresh: 'body', storage: memoryStorage() });
  await other.login(c.user.email, GOOD_PASSWORD);
  await other.logoutAll();
  const calls = await Promise.allSettled([c.fetch(`${t.url}/data`), c.me(), c.sessions()]);
  for (const r of calls) {
    assert.equal(r.status, 'rejected');
    assert.ok(r.reason instanceof TesseraError);
    assert.equal(r.reason.code, 'signed_out');
  }
  assert.deepEqual(changes, [null]);
  assert.equal(c.isLoggedIn(), false);
  await assert.rejects(c.me(), (e) => e.code === 'signed_out');
  assert.deepEqual(changes, [null], 'told once');
});

test('a 429 on refresh surfaces retryAfter, is not retried, and keeps the session', async () => {
  const limited = await startTessera({ env: { TESSERA_RATE_LIMITS: 'on', TESSERA_RATE_LIMIT_REFRESH_SESSION: '1/1m' } });
  try {
    let clock = Date.now();
    const f = countingFetch();
    const { c } = await loggedIn({ fetch: f, now: () => clock }, limited);
    clock += 15 * 60 * 1000;
    assert.equal((await c.fetch(`${limited.url}/data`)).status, 200);  // the one refresh allowed
    clock += 15 * 60 * 1000;
    const err = await c.fetch(`${limited.url}/data`).catch((e) => e);
    assert.ok(err instanceof TesseraError, String(err));
    assert.equal(err.status, 429);
    assert.equal(err.code, 'rate_limited');
    assert.ok(err.retryAfter >= 1 && err.retryAfter <= 60, `retryAfter ${err.retryAfter}`);
    assert.equal(f.count('/auth/refresh'), 2, 'one refused refresh, not a loop');
    assert.equal(c.isLoggedIn(), true);
  } finally {
    await limited.stop();
  }
});

test('a network failure during refresh throws network_error and does not sign the user out', async () => {
  let clock = Date.now();
  const f = countingFetch({ failRefresh: 1 });
  const { c } = await loggedIn({ fetch: f, now: () => clock });
  const changes = [];
  c.onSessionChange((u) => changes.push(u));
  clock += 15 * 60 * 1000;
  await assert.rejects(c.fetch(`${t.url}/data`), (e) => e instanceof TesseraError && e.code === 'network_error' && e.status === 0);
  assert.equal(c.isLoggedIn(), true);
  assert.deepEqual(changes, []);
  assert.equal((await c.fetch(`${t.url}/data`)).status, 200, 'the next call refreshes and works');
});

test('errors carry the problem code and detail; mfa_required carries its ticket', async () => {
  const c = createClient({ baseUrl: t.url, refresh: 'body', storage: memoryStorage() });
  const wrong = await c.login(uniqueEmail('nobody'), 'Wrong-password-123456').catch((e) => e);
  assert.ok(wrong instanceof TesseraError);
  assert.equal(wrong.status, 401);
  assert.equal(wrong.code, 'invalid_credentials');
  assert.equal(typeof wrong.detail, 'string');
  const weak = await c.signup({ email: uniqueEmail('weak'), password: 'password' }).catch((e) => e);
  assert.equal(weak.code, 'weak_password');
  assert.ok(Array.isArray(weak.problem.reasons));

  const s = await signup(api);
  const { totp } = await enableTotp(api, s);
  const asked = await c.login(s.email, s.password).catch((e) => e);
  assert.equal(asked.status, 403);
  assert.equal(asked.code, 'mfa_required');
  assert.equal(typeof asked.problem.mfa_ticket, 'string');
  assert.equal(c.isLoggedIn(), false);
  const user = await c.loginMfa(asked.problem.mfa_ticket, 'totp', codeAt(totp, 1));
  assert.equal(user.id, s.user.id);
  assert.equal((await c.fetch(`${t.url}/data/mfa`)).status, 200);
});

test('a non-JSON error body and an HTML error page from a proxy are typed errors, not crashes', async () => {
  const proxy = createServer((req, res) => {
    if (req.url.startsWith('/auth/login')) {
      res.writeHead(502, { 'content-type': 'text/html' }).end('<html><body><h1>502 Bad Gateway</h1></body></html>');
    } else {
      res.writeHead(500, { 'content-type': 'application/json' }).end('{not json');
    }
  });
  proxy.listen(0, '127.0.0.1');
  await once(proxy, 'listening');
  try {
    const c = createClient({ baseUrl: `http://127.0.0.1:${proxy.address().port}`, refresh: 'body', storage: memoryStorage() });
    const html = await c.login('ann@example.com', 'whatever-password').catch((e) => e);
    assert.ok(html instanceof TesseraError);
    assert.equal(html.status, 502);
    assert.equal(html.code, 'http_502');
    const garbage = await c.forgotPassword('ann@example.com').catch((e) => e);
    assert.equal(garbage.status, 500);
    assert.equal(garbage.code, 'http_500');
    const down = createClient({ baseUrl: 'http://127.0.0.1:9', refresh: 'body', storage: memoryStorage() });
    const unreachable = await down.login('ann@example.com', 'whatever-password').catch((e) => e);
    assert.equal(unreachable.code, 'network_error');
  } finally {
    proxy.close();
  }
});
