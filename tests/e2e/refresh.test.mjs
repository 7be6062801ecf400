// POST /auth/refresh (SPEC §2, §3): rotation on every use, reuse detection that revokes the
// whole session, the grace interval for concurrent tabs, and the cookie-only mode.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { useTessera } from './support/tessera.mjs';
import { sleep } from './support/wait.mjs';
import { signup, login, setCookies, jwtClaims } from './support/http.mjs';
import { assertProblem, assertTokenResponse, assertInvalidToken, BARE_CHALLENGE } from './support/expect.mjs';

// Three servers: the default grace (10 s), a 1 s grace to step past it, and no grace at all.
const t = useTessera();
const short = useTessera({ env: { TESSERA_REFRESH_REUSE_GRACE: '1s' } });
const none = useTessera({ env: { TESSERA_REFRESH_REUSE_GRACE: '0s' } });
const [api, shortApi, noneApi] = [t.api, short.api, none.api];

const refreshBody = (a, token) => a.post('/auth/refresh', { json: { refresh_token: token } });
const refreshCookieOf = (a, cookie) => a.post('/auth/refresh', { cookie });

test('refresh with the cookie answers 200 with a new refresh token in body and cookie, for the same session', async () => {
  const s = await signup(api);
  const res = await refreshCookieOf(api, s.cookie);
  const b = assertTokenResponse(res, 200);
  assert.notEqual(b.refresh_token, s.refresh);
  assert.match(b.refresh_token, /^[A-Za-z0-9_-]{43,}$/, 'opaque base64url of at least 256 bits');
  assert.equal(b.user.id, s.user.id);
  const claims = jwtClaims(b.access_token);
  assert.equal(claims.sid, s.sid, 'rotation keeps the session');
  assert.equal(claims.sub, s.user.id);
  assert.notEqual(b.access_token, s.access);
  assert.equal((await api.get('/data', { token: b.access_token })).status, 200);
});

test('refresh with refresh_token in a JSON body answers 200 with a new one', async () => {
  const s = await signup(api);
  const b = assertTokenResponse(await refreshBody(api, s.refresh), 200);
  assert.notEqual(b.refresh_token, s.refresh);
  assert.equal(jwtClaims(b.access_token).sid, s.sid);
});

test('refresh with refresh_token in a form body answers 200 with a new one', async () => {
  const s = await signup(api);
  const b = assertTokenResponse(await api.post('/auth/refresh', { form: { refresh_token: s.refresh } }), 200);
  assert.notEqual(b.refresh_token, s.refresh);
});

test('every refresh hands out a different token, and a rotated one no longer works (no grace)', async () => {
  const s = await signup(noneApi);
  const seen = [s.refresh];
  for (let i = 0; i < 4; i += 1) {
    const b = assertTokenResponse(await refreshBody(noneApi, seen.at(-1)), 200);
    assert.ok(!seen.includes(b.refresh_token), 'a refresh token is never handed out twice');
    seen.push(b.refresh_token);
  }
  assertProblem(await refreshBody(noneApi, seen.at(-2)), 401, 'refresh_token_reused');
});

test('a token presented again after the grace interval is 401 refresh_token_reused', async () => {
  const s = await signup(shortApi);
  const next = await refreshBody(shortApi, s.refresh);
  assert.equal(next.status, 200);
  await sleep(1200); // past TESSERA_REFRESH_REUSE_GRACE=1s
  const res = await refreshBody(shortApi, s.refresh);
  assertProblem(res, 401, 'refresh_token_reused');
  assert.equal(res.headers.get('www-authenticate'), BARE_CHALLENGE);
  assert.equal(res.body.refresh_token, undefined);
});

test('reuse revokes the whole session: its current refresh token and all its access tokens stop', async () => {
  const s = await signup(shortApi);
  const rotated = await refreshBody(shortApi, s.refresh);
  assert.equal(rotated.status, 200);
  const current = rotated.body.refresh_token;
  const currentAccess = rotated.body.access_token;
  assert.equal((await shortApi.get('/data', { token: currentAccess })).status, 200);
  await sleep(1200);
  assertProblem(await refreshBody(shortApi, s.refresh), 401, 'refresh_token_reused');
  // The thief's and the victim's copies are both dead now.
  assertProblem(await refreshBody(shortApi, current), 401, 'invalid_refresh_token');
  assertInvalidToken(await shortApi.get('/data', { token: currentAccess }));
  assertInvalidToken(await shortApi.get('/data', { token: s.access }));
  assertInvalidToken(await shortApi.get('/auth/me', { token: s.access }));
});

test('reuse in one session leaves the user\'s other sessions working', async () => {
  const s = await signup(shortApi);
  const other = await login(shortApi, s);
  assert.equal((await refreshBody(shortApi, s.refresh)).status, 200);
  await sleep(1200);
  assertProblem(await refreshBody(shortApi, s.refresh), 401, 'refresh_token_reused');
  assert.equal((await shortApi.get('/data', { token: other.access })).status, 200);
  assertTokenResponse(await refreshBody(shortApi, other.refresh), 200);
});

test('inside the grace interval the parent token yields the same successor again', async () => {
  const s = await signup(api);
  const first = assertTokenResponse(await refreshCookieOf(api, s.cookie), 200);
  const again = assertTokenResponse(await refreshCookieOf(api, s.cookie), 200);
  assert.equal(again.refresh_token, first.refresh_token);
  assert.equal(jwtClaims(again.access_token).sid, s.sid);
  // The successor is still the live token of the session.
  const next = assertTokenResponse(await refreshBody(api, first.refresh_token), 200);
  assert.notEqual(next.refresh_token, first.refresh_token);
});

test('inside the grace interval a token older than the parent is reuse and revokes the session', async () => {
  const s = await signup(api);
  const b = assertTokenResponse(await refreshBody(api, s.refresh), 200);
  const c = assertTokenResponse(await refreshBody(api, b.refresh_token), 200);
  assertProblem(await refreshBody(api, s.refresh), 401, 'refresh_token_reused');
  assertProblem(await refreshBody(api, c.refresh_token), 401, 'invalid_refresh_token');
  assertInvalidToken(await api.get('/data', { token: c.access_token }));
});

test('inside the grace interval the immediate parent of the current token yields the current one', async () => {
  const s = await signup(api);
  const b = assertTokenResponse(await refreshBody(api, s.refresh), 200);
  const c = assertTokenResponse(await refreshBody(api, b.refresh_token), 200);
  const replay = assertTokenResponse(await refreshBody(api, b.refresh_token), 200);
  assert.equal(replay.refresh_token, c.refresh_token);
});

test('inside the grace interval the parent token cannot resurrect a session that was logged out', async () => {
  const s = await signup(api);
  const b = assertTokenResponse(await refreshBody(api, s.refresh), 200);
  assert.equal((await api.post('/auth/logout', { json: { refresh_token: b.refresh_token } })).status, 204);
  assertProblem(await refreshBody(api, s.refresh), 401, 'invalid_refresh_token');
  assertProblem(await refreshBody(api, b.refresh_token), 401, 'invalid_refresh_token');
});

test('inside the grace interval the parent token cannot resurrect a session ended by a password change', async () => {
  const s = await signup(api);
  const b = assertTokenResponse(await refreshBody(api, s.refresh), 200);
  const changed = await api.post('/auth/password', { token: b.access_token, json: { current_password: s.password, new_password: 'Grace-period Lighthouse 4242' } });
  assert.equal(changed.status, 200);
  assertProblem(await refreshBody(api, s.refresh), 401, 'invalid_refresh_token');
});

test('ten concurrent refreshes with one token all get the same successor, and the session keeps one live token', async () => {
  const s = await signup(api);
  const results = await Promise.all(Array.from({ length: 10 }, () => refreshCookieOf(api, s.cookie)));
  for (const r of results) assertTokenResponse(r, 200);
  const successors = new Set(results.map((r) => r.body.refresh_token));
  assert.equal(successors.size, 1, `successors: ${[...successors]}`);
  const [successor] = successors;
  assert.notEqual(successor, s.refresh);
  for (const r of results) assert.equal(jwtClaims(r.body.access_token).sid, s.sid);
  const sessions = await api.get('/auth/sessions', { token: results[0].body.access_token });
  assert.equal(sessions.status, 200);
  assert.equal(sessions.body.sessions.length, 1, 'no session was forked');
  // The successor is the live token: it rotates; and a different fork never appeared.
  const next = assertTokenResponse(await refreshBody(api, successor), 200);
  assert.ok(!successors.has(next.refresh_token));
});

test('with X-Tessera-Refresh: cookie-only a refresh puts the token only in the cookie', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/refresh', { cookie: s.cookie, headers: { 'x-tessera-refresh': 'cookie-only' } });
  assertTokenResponse(res, 200, { cookieOnly: true });
  assert.doesNotMatch(res.text, new RegExp(setCookies(res)[0].value), 'the token is nowhere in the body');
  // The cookie's token is the live one.
  const cookie = `refresh_token=${setCookies(res)[0].value}`;
  assertTokenResponse(await refreshCookieOf(api, cookie), 200);
});

test('with X-Tessera-Refresh: cookie-only signup and login put the refresh token only in the cookie', async () => {
  const s = await signup(api, { headers: { 'x-tessera-refresh': 'cookie-only' } });
  assertTokenResponse(s.res, 201, { cookieOnly: true });
  const l = await api.post('/auth/login', { json: { email: s.email, password: s.password }, headers: { 'X-Tessera-Refresh': 'Cookie-Only' } });
  assertTokenResponse(l, 200, { cookieOnly: true });
});

test('refresh with a token the server never issued is 401 invalid_refresh_token', async () => {
  for (const token of ['garbage', randomBytes(32).toString('base64url'), 'a.b.c', '%00', 'x'.repeat(4000)]) {
    const res = await refreshBody(api, token);
    assertProblem(res, 401, 'invalid_refresh_token');
    assert.equal(res.headers.get('www-authenticate'), BARE_CHALLENGE);
  }
});

test('refresh with an unknown cookie is 401 and clears the cookie', async () => {
  const res = await refreshCookieOf(api, `refresh_token=${randomBytes(32).toString('base64url')}`);
  assertProblem(res, 401, 'invalid_refresh_token');
  const cleared = setCookies(res).find((c) => c.name === 'refresh_token');
  assert.ok(cleared, 'the dead cookie is cleared');
  assert.equal(cleared.value, '');
  assert.equal(cleared.attrs['max-age'], '0');
  assert.equal(cleared.attrs.path, '/auth');
});

test('refresh without any token is 401 invalid_refresh_token', async () => {
  assertProblem(await api.post('/auth/refresh'), 401, 'invalid_refresh_token');
  assertProblem(await api.post('/auth/refresh', { json: {} }), 401, 'invalid_refresh_token');
  assertProblem(await api.post('/auth/refresh', { json: { refresh_token: '' } }), 401, 'invalid_refresh_token');
  assertProblem(await api.post('/auth/refresh', { cookie: 'refresh_token=' }), 401, 'invalid_refresh_token');
});

test('refresh does not accept an access token as a refresh token', async () => {
  const s = await signup(api);
  assertProblem(await refreshBody(api, s.access), 401, 'invalid_refresh_token');
  assertProblem(await api.post('/auth/refresh', { token: s.access }), 401, 'invalid_refresh_token');
});

test('refresh with a refresh_token that is not a string is 400 invalid_request naming it', async () => {
  const s = await signup(api);
  const p = assertProblem(await api.post('/auth/refresh', { json: { refresh_token: [s.refresh] } }), 400, 'invalid_request');
  assert.match(p.detail, /refresh_token/);
  // The malformed request consumed nothing.
  assertTokenResponse(await refreshBody(api, s.refresh), 200);
});
