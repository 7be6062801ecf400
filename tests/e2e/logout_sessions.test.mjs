// POST /auth/logout, POST /auth/logout-all, GET /auth/me, GET /auth/sessions and
// DELETE /auth/sessions/{id} (SPEC §2, §3): revocation is immediate and scoped exactly.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useTessera } from './support/tessera.mjs';
import { sleep } from './support/wait.mjs';
import { signup, login, setCookies } from './support/http.mjs';
import { assertProblem, assertInvalidToken, assertTokenResponse, BARE_CHALLENGE } from './support/expect.mjs';

const t = useTessera();
const { api } = t;

const refresh = (token) => api.post('/auth/refresh', { json: { refresh_token: token } });

// Asserts the response clears the refresh cookie.
function assertCookieCleared(res) {
  const c = setCookies(res).find((x) => x.name === 'refresh_token');
  assert.ok(c, `no refresh_token Set-Cookie in ${res.headers.getSetCookie()}`);
  assert.equal(c.value, '');
  assert.equal(c.attrs['max-age'], '0');
  assert.equal(c.attrs.path, '/auth', 'the clearing cookie must match the path it was set with');
  assert.equal(c.attrs.httponly, true);
}

// Asserts a session is over: its access token and its refresh token are refused.
async function assertSessionEnded(s) {
  assertInvalidToken(await api.get('/data', { token: s.access }));
  assertProblem(await refresh(s.refresh), 401, 'invalid_refresh_token');
}

// Asserts a session still works: its access token is accepted.
async function assertSessionAlive(s) {
  const res = await api.get('/data', { token: s.access });
  assert.equal(res.status, 200, `session ${s.sid} should still work: ${res.text}`);
}

// ---------------------------------------------------------------------------------- logout

test('logout with the refresh cookie answers 204 with an empty body and clears the cookie', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/logout', { cookie: s.cookie });
  assert.equal(res.status, 204);
  assert.equal(res.text, '');
  assertCookieCleared(res);
});

test('after logout by cookie, that session\'s access token is refused on the very next request', async () => {
  const s = await signup(api);
  assert.equal((await api.get('/data', { token: s.access })).status, 200); // cached as valid first
  assert.equal((await api.post('/auth/logout', { cookie: s.cookie })).status, 204);
  const res = await api.get('/data', { token: s.access });
  assertInvalidToken(res);
  assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="tessera", error="invalid_token"');
  assertProblem(await refresh(s.refresh), 401, 'invalid_refresh_token');
});

test('logout with refresh_token in the body ends that session', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/logout', { json: { refresh_token: s.refresh } });
  assert.equal(res.status, 204);
  assertCookieCleared(res);
  await assertSessionEnded(s);
});

test('logout with only a Bearer access token ends that session, refresh token included', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/logout', { token: s.access });
  assert.equal(res.status, 204);
  assertCookieCleared(res);
  await assertSessionEnded(s);
});

test('logout ends only its own session: the user\'s other sessions keep working', async () => {
  const s = await signup(api);
  const other = await login(api, s);
  const third = await login(api, s);
  assert.equal((await api.post('/auth/logout', { token: s.access })).status, 204);
  await assertSessionEnded(s);
  await assertSessionAlive(other);
  await assertSessionAlive(third);
  assertTokenResponse(await refresh(other.refresh), 200);
});

test('logout is idempotent: the same cookie twice answers 204 both times', async () => {
  const s = await signup(api);
  assert.equal((await api.post('/auth/logout', { cookie: s.cookie })).status, 204);
  const again = await api.post('/auth/logout', { cookie: s.cookie });
  assert.equal(again.status, 204);
  assertCookieCleared(again);
});

test('logout with the parent of a just-rotated token still ends the session', async () => {
  const s = await signup(api);
  const rotated = assertTokenResponse(await refresh(s.refresh), 200);
  // A second tab that still holds the old token logs out.
  assert.equal((await api.post('/auth/logout', { json: { refresh_token: s.refresh } })).status, 204);
  assertProblem(await refresh(rotated.refresh_token), 401, 'invalid_refresh_token');
  assertInvalidToken(await api.get('/data', { token: rotated.access_token }));
});

test('logout with a stale refresh cookie and a valid Bearer token still ends the Bearer\'s session', async () => {
  const s = await signup(api);
  const old = await login(api, s);
  assert.equal((await api.post('/auth/logout', { cookie: old.cookie })).status, 204);
  // The browser still holds the dead cookie; the page holds the live access token.
  const res = await api.post('/auth/logout', { cookie: old.cookie, token: s.access });
  assert.equal(res.status, 204);
  await assertSessionEnded(s);
});

test('logout with an unknown refresh token in the body and a valid Bearer token ends the Bearer\'s session', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/logout', { token: s.access, json: { refresh_token: 'no-such-token' } });
  assert.equal(res.status, 204);
  await assertSessionEnded(s);
});

test('logout with only an invalid Bearer token is 401 invalid_token, not missing_token', async () => {
  const s = await signup(api);
  assert.equal((await api.post('/auth/logout', { token: s.access })).status, 204);
  assertInvalidToken(await api.post('/auth/logout', { token: s.access }));
  assertInvalidToken(await api.post('/auth/logout', { token: 'a.b.c' }));
});

test('logout without any token is 401', async () => {
  const res = await api.post('/auth/logout');
  assertProblem(res, 401, 'missing_token');
  assert.equal(res.headers.get('www-authenticate'), BARE_CHALLENGE);
});

test('a logout racing a refresh of the same token always leaves the session ended', async () => {
  for (let i = 0; i < 10; i += 1) {
    const s = await signup(api);
    const [r] = await Promise.all([refresh(s.refresh), api.post('/auth/logout', { cookie: s.cookie })]);
    assert.ok(r.status === 200 || r.status === 401, `refresh: ${r.status} ${r.text}`);
    await assertSessionEnded(s);
    if (r.status === 200) {
      assertInvalidToken(await api.get('/data', { token: r.body.access_token }));
      assertProblem(await refresh(r.body.refresh_token), 401, 'invalid_refresh_token');
    }
  }
});

test('logout-all answers 204, clears the cookie, and ends every session and access token of the user', async () => {
  const s = await signup(api);
  const others = [await login(api, s), await login(api, s)];
  const rotated = assertTokenResponse(await refresh(others[0].refresh), 200);
  const res = await api.post('/auth/logout-all', { token: s.access });
  assert.equal(res.status, 204);
  assertCookieCleared(res);
  await assertSessionEnded(s);
  for (const o of others) assertInvalidToken(await api.get('/auth/me', { token: o.access }));
  assertInvalidToken(await api.get('/data', { token: rotated.access_token }));
  assertProblem(await refresh(rotated.refresh_token), 401, 'invalid_refresh_token');
  assertProblem(await refresh(others[1].refresh), 401, 'invalid_refresh_token');
});

test('logout-all leaves other users alone, and the user can log in again afterwards', async () => {
  const s = await signup(api);
  const stranger = await signup(api);
  assert.equal((await api.post('/auth/logout-all', { token: s.access })).status, 204);
  await assertSessionAlive(stranger);
  const fresh = await login(api, s);
  await assertSessionAlive(fresh);
  assertTokenResponse(await refresh(fresh.refresh), 200);
});

test('logout-all needs an access token: without one it is 401 missing_token', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/logout-all', { cookie: s.cookie });
  assertProblem(res, 401, 'missing_token');
  assert.equal(res.headers.get('www-authenticate'), BARE_CHALLENGE);
  await assertSessionAlive(s);
});

// ------------------------------------------------------------------------------- /auth/me

test('GET /auth/me returns the user of the access token', async () => {
  const s = await signup(api);
  const res = await api.get('/auth/me', { token: s.access });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, s.user);
});

test('GET /auth/me without a token is 401 missing_token with the bare challenge', async () => {
  const res = await api.get('/auth/me');
  assertProblem(res, 401, 'missing_token');
  assert.equal(res.headers.get('www-authenticate'), BARE_CHALLENGE);
});

// -------------------------------------------------------------------------------- sessions

test('GET /auth/sessions lists id, created_at, last_used_at, user_agent, ip and current, exactly one current', async () => {
  const s = await signup(api, { headers: { 'user-agent': 'Tessera-e2e phone/1.0' } });
  const laptop = await login(api, s, { headers: { 'user-agent': 'Tessera-e2e laptop/2.0' } });
  const res = await api.get('/auth/sessions', { token: laptop.access, headers: { 'user-agent': 'whatever' } });
  assert.equal(res.status, 200);
  const list = res.body.sessions;
  assert.equal(list.length, 2);
  const rfc3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/;
  for (const item of list) {
    assert.equal(typeof item.id, 'string');
    assert.match(item.created_at, rfc3339);
    assert.match(item.last_used_at, rfc3339);
    assert.equal(item.ip, '127.0.0.1');
    assert.equal(typeof item.current, 'boolean');
  }
  const current = list.filter((x) => x.current);
  assert.equal(current.length, 1);
  assert.equal(current[0].id, laptop.sid);
  assert.equal(current[0].user_agent, 'Tessera-e2e laptop/2.0');
  const phone = list.find((x) => x.id === s.sid);
  assert.ok(phone, 'the signup session is listed');
  assert.equal(phone.user_agent, 'Tessera-e2e phone/1.0');
  assert.equal(phone.current, false);
});

test('GET /auth/sessions shows only the caller\'s own live sessions', async () => {
  const s = await signup(api);
  const other = await login(api, s);
  const stranger = await signup(api);
  assert.equal((await api.post('/auth/logout', { token: other.access })).status, 204);
  const res = await api.get('/auth/sessions', { token: s.access });
  assert.deepEqual(res.body.sessions.map((x) => x.id), [s.sid]);
  assert.ok(!res.body.sessions.some((x) => x.id === stranger.sid));
});

test('a refresh moves the session\'s last_used_at forward and keeps created_at', async () => {
  const s = await signup(api);
  const before = (await api.get('/auth/sessions', { token: s.access })).body.sessions[0];
  await sleep(1100); // timestamps have one-second resolution
  const r = assertTokenResponse(await refresh(s.refresh), 200);
  const afterList = (await api.get('/auth/sessions', { token: r.access_token })).body.sessions;
  assert.equal(afterList.length, 1);
  assert.equal(afterList[0].created_at, before.created_at);
  assert.ok(Date.parse(afterList[0].last_used_at) > Date.parse(before.last_used_at), `${before.last_used_at} -> ${afterList[0].last_used_at}`);
});

test('GET /auth/sessions without a token is 401', async () => {
  assertProblem(await api.get('/auth/sessions'), 401, 'missing_token');
});

test('DELETE /auth/sessions/{id} of another of my sessions answers 204 and its tokens stop at once', async () => {
  const s = await signup(api);
  const other = await login(api, s);
  assert.equal((await api.get('/data', { token: other.access })).status, 200);
  const res = await api.del(`/auth/sessions/${other.sid}`, { token: s.access });
  assert.equal(res.status, 204);
  assert.equal(res.text, '');
  await assertSessionEnded(other);
  await assertSessionAlive(s);
  const list = (await api.get('/auth/sessions', { token: s.access })).body.sessions;
  assert.deepEqual(list.map((x) => x.id), [s.sid]);
});

test('DELETE /auth/sessions/{id} of my current session ends it', async () => {
  const s = await signup(api);
  assert.equal((await api.del(`/auth/sessions/${s.sid}`, { token: s.access })).status, 204);
  await assertSessionEnded(s);
});

test('DELETE /auth/sessions/{id} of someone else\'s session is 404 and leaves it working', async () => {
  const me = await signup(api);
  const victim = await signup(api);
  assertProblem(await api.del(`/auth/sessions/${victim.sid}`, { token: me.access }), 404, 'not_found');
  await assertSessionAlive(victim);
  assertTokenResponse(await refresh(victim.refresh), 200);
});

test('DELETE /auth/sessions/{id} of an unknown or already ended session is 404', async () => {
  const s = await signup(api);
  const other = await login(api, s);
  assertProblem(await api.del(`/auth/sessions/${randomUUID()}`, { token: s.access }), 404, 'not_found');
  assertProblem(await api.del('/auth/sessions/not-a-session-id', { token: s.access }), 404, 'not_found');
  assert.equal((await api.del(`/auth/sessions/${other.sid}`, { token: s.access })).status, 204);
  assertProblem(await api.del(`/auth/sessions/${other.sid}`, { token: s.access }), 404, 'not_found');
});

test('DELETE /auth/sessions/{id} without a token is 401', async () => {
  const s = await signup(api);
  assertProblem(await api.del(`/auth/sessions/${s.sid}`), 401, 'missing_token');
  await assertSessionAlive(s);
});
