// What browsers see (SPEC §1, §2): CORS for the origins in TESSERA_CORS_ORIGINS only, CSRF
// refusals for cookie-authenticated POSTs and logins from other sites, and the refresh cookie's
// Secure flag and __Secure- prefix.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera, useTessera } from './support/tessera.mjs';
import { client, signup, setCookies, refreshCookie, uniqueEmail, GOOD_PASSWORD } from './support/http.mjs';
import { assertProblem, assertTokenResponse, assertInvalidToken } from './support/expect.mjs';

const APP = 'https://app.example.com';
const DEV = 'http://localhost:3001';
const EVIL = 'https://evil.example.net';

const t = useTessera({ env: { TESSERA_CORS_ORIGINS: `${APP}, ${DEV}` } });
const { api } = t;

const lower = (s) => (s ?? '').toLowerCase();
const listOf = (s) => lower(s).split(',').map((x) => x.trim()).filter(Boolean);

// Asserts the response lets this origin read it with credentials.
function assertCors(res, origin) {
  assert.equal(res.headers.get('access-control-allow-origin'), origin);
  assert.equal(res.headers.get('access-control-allow-credentials'), 'true');
  assert.ok(listOf(res.headers.get('vary')).includes('origin'), `Vary: ${res.headers.get('vary')}`);
}

// Asserts the response carries no CORS permission at all.
function assertNoCors(res) {
  for (const h of ['access-control-allow-origin', 'access-control-allow-credentials', 'access-control-allow-methods', 'access-control-allow-headers']) {
    assert.equal(res.headers.get(h), null, `${h}: ${res.headers.get(h)}`);
  }
}

const preflight = (path, origin, method = 'POST', headers = 'content-type, x-tessera-refresh') =>
  api.call('OPTIONS', path, {
    headers: { origin, 'access-control-request-method': method, 'access-control-request-headers': headers },
  });

// Asserts a refresh token is still the live one (a refused request did not consume it).
async function assertStillRotates(s) {
  assertTokenResponse(await api.post('/auth/refresh', { cookie: s.cookie }), 200);
}

// ------------------------------------------------------------------------------------ CORS

test('a preflight from an allowed origin answers with Allow-Origin, Allow-Credentials, methods and headers', async () => {
  for (const origin of [APP, DEV]) {
    const res = await preflight('/auth/refresh', origin);
    assert.ok(res.status >= 200 && res.status < 300, `preflight status ${res.status}`);
    assertCors(res, origin);
    assert.ok(listOf(res.headers.get('access-control-allow-methods')).includes('post'));
    const allowed = listOf(res.headers.get('access-control-allow-headers'));
    for (const h of ['content-type', 'x-tessera-refresh', 'authorization']) assert.ok(allowed.includes(h), `${h} not in ${allowed}`);
  }
});

test('a preflight for a guarded GET with Authorization from an allowed origin is allowed', async () => {
  const res = await preflight('/auth/sessions', APP, 'GET', 'authorization');
  assert.ok(res.status >= 200 && res.status < 300);
  assertCors(res, APP);
  assert.ok(listOf(res.headers.get('access-control-allow-methods')).includes('get'));
});

test('a preflight for DELETE /auth/sessions/{id} from an allowed origin allows DELETE', async () => {
  const res = await preflight('/auth/sessions/abc', APP, 'DELETE', 'authorization');
  assertCors(res, APP);
  assert.ok(listOf(res.headers.get('access-control-allow-methods')).includes('delete'));
});

test('actual responses to an allowed origin carry Allow-Origin, Allow-Credentials and Vary: Origin, errors included', async () => {
  const email = uniqueEmail('cors');
  const created = await api.post('/auth/signup', { json: { email, password: GOOD_PASSWORD }, headers: { origin: APP } });
  assert.equal(created.status, 201);
  assertCors(created, APP);
  const ok = await api.post('/auth/login', { json: { email, password: GOOD_PASSWORD }, headers: { origin: APP } });
  assert.equal(ok.status, 200);
  assertCors(ok, APP);
  const data = await api.get('/data', { token: ok.body.access_token, headers: { origin: APP } });
  assert.equal(data.status, 200);
  assertCors(data, APP);
  const refreshed = await api.post('/auth/refresh', { cookie: refreshCookie(ok), headers: { origin: APP } });
  assert.equal(refreshed.status, 200);
  assertCors(refreshed, APP);
  // The SPA must be able to read why a login failed, and see the 401 that triggers its refresh.
  const bad = await api.post('/auth/login', { json: { email, password: 'wrong-password' }, headers: { origin: APP } });
  assertProblem(bad, 401, 'invalid_credentials');
  assertCors(bad, APP);
  const expired = await api.get('/data', { token: 'a.b.c', headers: { origin: APP } });
  assertInvalidToken(expired);
  assertCors(expired, APP);
});

test('an allowed origin can read WWW-Authenticate and X-Request-Id (exposed headers)', async () => {
  const res = await api.get('/data', { headers: { origin: APP } });
  const exposed = listOf(res.headers.get('access-control-expose-headers'));
  assert.ok(exposed.includes('www-authenticate'), `exposed: ${exposed}`);
});

test('a preflight from an origin not in the list gets no CORS headers', async () => {
  for (const origin of [EVIL, 'https://app.example.com.evil.net', 'http://app.example.com', 'https://app.example.com:8443', 'https://sub.app.example.com', 'null']) {
    const res = await preflight('/auth/refresh', origin);
    assertNoCors(res);
  }
});

test('an actual request from an origin not in the list gets no CORS headers', async () => {
  const s = await signup(api);
  const res = await api.get('/data', { token: s.access, headers: { origin: EVIL } });
  assert.equal(res.status, 200, 'a Bearer request is not ambient authority: it is served');
  assertNoCors(res);
  const me = await api.get('/auth/me', { token: s.access, headers: { origin: 'https://app.example.com.evil.net' } });
  assertNoCors(me);
});

test('CORS never answers with a wildcard origin', async () => {
  const res = await api.get('/.well-known/jwks.json', { headers: { origin: EVIL } });
  assert.notEqual(res.headers.get('access-control-allow-origin'), '*');
  const res2 = await preflight('/auth/login', APP);
  assert.equal(res2.headers.get('access-control-allow-origin'), APP);
});

// ------------------------------------------------------------------------------------ CSRF

test('a cookie refresh with an Origin that is not allowed is 403 csrf_rejected and consumes nothing', async () => {
  const s = await signup(api);
  for (const origin of [EVIL, 'https://app.example.com.evil.net', 'null']) {
    const res = await api.post('/auth/refresh', { cookie: s.cookie, headers: { origin } });
    assertProblem(res, 403, 'csrf_rejected');
    assert.deepEqual(res.headers.getSetCookie(), [], 'no cookie handed to the other site');
  }
  await assertStillRotates(s);
});

test('a cookie logout with an Origin that is not allowed is 403 csrf_rejected and the session lives on', async () => {
  const s = await signup(api);
  assertProblem(await api.post('/auth/logout', { cookie: s.cookie, headers: { origin: EVIL } }), 403, 'csrf_rejected');
  assert.equal((await api.get('/data', { token: s.access })).status, 200);
  await assertStillRotates(s);
});

test('a login with an Origin that is not allowed is 403 csrf_rejected even with the right password', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/login', { form: { email: s.email, password: GOOD_PASSWORD }, headers: { origin: EVIL } });
  assertProblem(res, 403, 'csrf_rejected');
  assert.deepEqual(res.headers.getSetCookie(), []);
});

test('a signup with an Origin that is not allowed is 403 csrf_rejected and creates nothing', async () => {
  const email = uniqueEmail('csrf-signup');
  assertProblem(await api.post('/auth/signup', { form: { email, password: GOOD_PASSWORD }, headers: { origin: EVIL } }), 403, 'csrf_rejected');
  assert.equal((await api.post('/auth/signup', { json: { email, password: GOOD_PASSWORD } })).status, 201);
});

test('Sec-Fetch-Site: cross-site without an allowed Origin is 403 on refresh, logout and login', async () => {
  const s = await signup(api);
  const headers = { 'sec-fetch-site': 'cross-site' };
  assertProblem(await api.post('/auth/refresh', { cookie: s.cookie, headers }), 403, 'csrf_rejected');
  assertProblem(await api.post('/auth/logout', { cookie: s.cookie, headers }), 403, 'csrf_rejected');
  assertProblem(await api.post('/auth/login', { json: { email: s.email, password: GOOD_PASSWORD }, headers }), 403, 'csrf_rejected');
  assertProblem(await api.post('/auth/refresh', { cookie: s.cookie, headers: { 'sec-fetch-site': 'Cross-Site', origin: EVIL } }), 403, 'csrf_rejected');
  await assertStillRotates(s);
});

test('Sec-Fetch-Site same-origin, same-site or none is accepted', async () => {
  let s = await signup(api);
  for (const site of ['same-origin', 'same-site', 'none']) {
    const res = await api.post('/auth/refresh', { cookie: s.cookie, headers: { 'sec-fetch-site': site } });
    assertTokenResponse(res, 200);
    s = { ...s, cookie: refreshCookie(res) };
  }
});

test('the server\'s own origin is accepted for cookie refresh, logout and login', async () => {
  const s = await signup(api);
  const headers = { origin: t.url, 'sec-fetch-site': 'same-origin' };
  const r = await api.post('/auth/refresh', { cookie: s.cookie, headers });
  assertTokenResponse(r, 200);
  assertTokenResponse(await api.post('/auth/login', { json: { email: s.email, password: GOOD_PASSWORD }, headers }), 200);
  assert.equal((await api.post('/auth/logout', { cookie: refreshCookie(r), headers })).status, 204);
});

test('an allowed origin may refresh, log in and log out with its cookie', async () => {
  const s = await signup(api);
  const headers = { origin: APP, 'sec-fetch-site': 'same-site' };
  const r = await api.post('/auth/refresh', { cookie: s.cookie, headers });
  assertTokenResponse(r, 200);
  assertTokenResponse(await api.post('/auth/login', { json: { email: s.email, password: GOOD_PASSWORD }, headers }), 200);
  assert.equal((await api.post('/auth/logout', { cookie: refreshCookie(r), headers })).status, 204);
});

test('a listed origin is accepted even when Sec-Fetch-Site says cross-site', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/login', { json: { email: s.email, password: GOOD_PASSWORD }, headers: { origin: DEV, 'sec-fetch-site': 'cross-site' } });
  assertTokenResponse(res, 200);
  assertCors(res, DEV);
});

test('a cookie refresh sent as text/plain (a no-preflight cross-site form) is 415 and consumes nothing', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/refresh', { cookie: s.cookie, raw: 'x=1', headers: { 'content-type': 'text/plain' } });
  assertProblem(res, 415, 'unsupported_media_type');
  const mp = await api.post('/auth/logout', { cookie: s.cookie, raw: '--b\r\n\r\n--b--', headers: { 'content-type': 'multipart/form-data; boundary=b' } });
  assertProblem(mp, 415, 'unsupported_media_type');
  await assertStillRotates(s);
});

// --------------------------------------------------------------------------- secure cookie

test('with TESSERA_COOKIE_SECURE=true the cookie is __Secure-refresh_token with Secure, and it refreshes', async () => {
  const ts = await startTessera({ env: { TESSERA_COOKIE_SECURE: 'true' } });
  try {
    const sapi = client(ts.url);
    const res = await sapi.post('/auth/signup', { json: { email: uniqueEmail('secure'), password: GOOD_PASSWORD } });
    assertTokenResponse(res, 201, { cookieName: '__Secure-refresh_token' });
    const cookies = setCookies(res);
    assert.deepEqual(cookies.map((c) => c.name), ['__Secure-refresh_token']);
    const c = cookies[0];
    assert.equal(c.attrs.secure, true);
    assert.equal(c.attrs.httponly, true);
    assert.equal(c.attrs.samesite, 'Strict');
    assert.equal(c.attrs.path, '/auth');
    const r = await sapi.post('/auth/refresh', { cookie: `__Secure-refresh_token=${c.value}` });
    assertTokenResponse(r, 200, { cookieName: '__Secure-refresh_token' });
  } finally {
    await ts.stop();
  }
});

test('with the __Secure- cookie in force, a plain refresh_token cookie is not accepted', async () => {
  const ts = await startTessera({ env: { TESSERA_COOKIE_SECURE: 'true' } });
  try {
    const sapi = client(ts.url);
    const res = await sapi.post('/auth/signup', { json: { email: uniqueEmail('prefix'), password: GOOD_PASSWORD } });
    assertProblem(await sapi.post('/auth/refresh', { cookie: `refresh_token=${res.body.refresh_token}` }), 401, 'invalid_refresh_token');
  } finally {
    await ts.stop();
  }
});

test('logout clears the __Secure- cookie with the Secure flag (browsers ignore it otherwise)', async () => {
  const ts = await startTessera({ env: { TESSERA_COOKIE_SECURE: 'true' } });
  try {
    const sapi = client(ts.url);
    const res = await sapi.post('/auth/signup', { json: { email: uniqueEmail('secure-out'), password: GOOD_PASSWORD } });
    const out = await sapi.post('/auth/logout', { cookie: `__Secure-refresh_token=${res.body.refresh_token}` });
    assert.equal(out.status, 204);
    const cleared = setCookies(out).find((c) => c.name === '__Secure-refresh_token');
    assert.ok(cleared, `Set-Cookie: ${out.headers.getSetCookie()}`);
    assert.equal(cleared.value, '');
    assert.equal(cleared.attrs['max-age'], '0');
    assert.equal(cleared.attrs.secure, true);
    assert.equal(cleared.attrs.path, '/auth');
    assertInvalidToken(await sapi.get('/data', { token: res.body.access_token }));
  } finally {
    await ts.stop();
  }
});

test('an https TESSERA_PUBLIC_URL turns the Secure cookie on by default, and TESSERA_COOKIE_SECURE=false turns it off', async () => {
  const [auto, off] = await Promise.all([
    startTessera({ env: { TESSERA_PUBLIC_URL: 'https://auth.example.com' } }),
    startTessera({ env: { TESSERA_PUBLIC_URL: 'https://auth.example.com', TESSERA_COOKIE_SECURE: 'false' } }),
  ]);
  try {
    const a = await client(auto.url).post('/auth/signup', { json: { email: uniqueEmail(), password: GOOD_PASSWORD } });
    const [ca] = setCookies(a);
    assert.equal(ca.name, '__Secure-refresh_token');
    assert.equal(ca.attrs.secure, true);
    const o = await client(off.url).post('/auth/signup', { json: { email: uniqueEmail(), password: GOOD_PASSWORD } });
    const [co] = setCookies(o);
    assert.equal(co.name, 'refresh_token');
    assert.equal(co.attrs.secure, undefined);
  } finally {
    await Promise.all([auto.stop(), off.stop()]);
  }
});
