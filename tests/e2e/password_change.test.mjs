// POST /auth/password (SPEC §2, §4): a token response for this client, and every earlier
// session and access token revoked, the caller's own included; refusals change nothing.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTessera } from './support/tessera.mjs';
import { signup, login, jwtClaims, GOOD_PASSWORD } from './support/http.mjs';
import { assertProblem, assertInvalidToken, assertTokenResponse, BARE_CHALLENGE } from './support/expect.mjs';

const NEW_PASSWORD = 'Brand-new Lighthouse Quartz 77';

const t = useTessera();
const { api } = t;

const refresh = (token) => api.post('/auth/refresh', { json: { refresh_token: token } });
const change = (s, json, opts = {}) => api.post('/auth/password', { token: s.access, json, ...opts });
const logIn = (email, password) => api.post('/auth/login', { json: { email, password } });

test('a password change answers 200 with a token response for a new session of the same user', async () => {
  const s = await signup(api);
  const res = await change(s, { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD });
  const b = assertTokenResponse(res, 200);
  assert.equal(b.user.id, s.user.id);
  assert.notEqual(jwtClaims(b.access_token).sid, s.sid);
});

test('the tokens from a password change work: the access token is accepted and the refresh token rotates', async () => {
  const s = await signup(api);
  const b = assertTokenResponse(await change(s, { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD }), 200);
  const me = await api.get('/auth/me', { token: b.access_token });
  assert.equal(me.status, 200);
  assert.equal(me.body.id, s.user.id);
  const r = assertTokenResponse(await refresh(b.refresh_token), 200);
  assert.equal((await api.get('/data', { token: r.access_token })).status, 200);
  const listed = (await api.get('/auth/sessions', { token: r.access_token })).body.sessions;
  assert.equal(listed.length, 1);
  assert.equal(listed[0].current, true);
});

test('a password change revokes the caller\'s own earlier access and refresh tokens', async () => {
  const s = await signup(api);
  assert.equal((await api.get('/data', { token: s.access })).status, 200);
  assert.equal((await change(s, { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD })).status, 200);
  assertInvalidToken(await api.get('/data', { token: s.access }));
  assertInvalidToken(await api.get('/auth/me', { token: s.access }));
  assertProblem(await refresh(s.refresh), 401, 'invalid_refresh_token');
});

test('a password change revokes every other session of the user, rotated tokens included', async () => {
  const s = await signup(api);
  const phone = await login(api, s);
  const laptop = await login(api, s);
  const laptopRotated = assertTokenResponse(await refresh(laptop.refresh), 200);
  const stranger = await signup(api);
  assert.equal((await change(s, { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD })).status, 200);
  for (const access of [phone.access, laptop.access, laptopRotated.access_token]) {
    assertInvalidToken(await api.get('/data', { token: access }));
  }
  assertProblem(await refresh(phone.refresh), 401, 'invalid_refresh_token');
  assertProblem(await refresh(laptopRotated.refresh_token), 401, 'invalid_refresh_token');
  // Not anyone else's.
  assert.equal((await api.get('/data', { token: stranger.access })).status, 200);
});

test('after a password change the old password no longer logs in and the new one does', async () => {
  const s = await signup(api);
  assert.equal((await change(s, { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD })).status, 200);
  assertProblem(await logIn(s.email, GOOD_PASSWORD), 401, 'invalid_credentials');
  assert.equal(assertTokenResponse(await logIn(s.email, NEW_PASSWORD), 200).user.id, s.user.id);
});

test('a password change with the wrong current password is 401 invalid_credentials and changes nothing', async () => {
  const s = await signup(api);
  const other = await login(api, s);
  const res = await change(s, { current_password: `${GOOD_PASSWORD}-wrong`, new_password: NEW_PASSWORD });
  assertProblem(res, 401, 'invalid_credentials');
  assert.deepEqual(res.headers.getSetCookie(), []);
  // Still signed in everywhere, still the old password.
  assert.equal((await api.get('/data', { token: s.access })).status, 200);
  assert.equal((await api.get('/data', { token: other.access })).status, 200);
  assertProblem(await logIn(s.email, NEW_PASSWORD), 401, 'invalid_credentials');
  assert.equal((await logIn(s.email, GOOD_PASSWORD)).status, 200);
});

test('a password change to a weak password is 422 weak_password with reasons and changes nothing', async () => {
  const s = await signup(api);
  for (const [password, reason] of [['iloveyou', 'too_common'], ['Ab1!', 'too_short'], [s.email, 'contains_identifier']]) {
    const p = assertProblem(await change(s, { current_password: GOOD_PASSWORD, new_password: password }), 422, 'weak_password');
    assert.ok(p.reasons.includes(reason), `${password}: ${p.reasons}`);
  }
  assert.equal((await api.get('/data', { token: s.access })).status, 200);
  assert.equal((await logIn(s.email, GOOD_PASSWORD)).status, 200);
});

test('a password change without current_password or new_password is 400 naming the field', async () => {
  const s = await signup(api);
  const p1 = assertProblem(await change(s, { new_password: NEW_PASSWORD }), 400, 'invalid_request');
  assert.match(p1.detail, /\bcurrent_password\b/, p1.detail);
  const p2 = assertProblem(await change(s, { current_password: GOOD_PASSWORD }), 400, 'invalid_request');
  assert.match(p2.detail, /\bnew_password\b/, p2.detail);
  const p3 = assertProblem(await change(s, { current_password: GOOD_PASSWORD, new_password: 42 }), 400, 'invalid_request');
  assert.match(p3.detail, /\bnew_password\b/, p3.detail);
  assert.equal((await api.get('/data', { token: s.access })).status, 200);
});

test('a password change to a new password over 256 bytes is 400 naming new_password', async () => {
  const s = await signup(api);
  const p = assertProblem(await change(s, { current_password: GOOD_PASSWORD, new_password: `${NEW_PASSWORD}${'q'.repeat(240)}` }), 400, 'invalid_request');
  assert.match(p.detail, /\bnew_password\b/, p.detail);
});

test('a password change accepts a form body', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/password', { token: s.access, form: { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD } });
  assertTokenResponse(res, 200);
});

test('a password change needs an access token: the refresh cookie alone is 401', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/password', { cookie: s.cookie, json: { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD } });
  assertProblem(res, 401, 'missing_token');
  assert.equal(res.headers.get('www-authenticate'), BARE_CHALLENGE);
  assert.equal((await logIn(s.email, GOOD_PASSWORD)).status, 200);
});

test('a password change with the access token of an ended session is 401 invalid_token', async () => {
  const s = await signup(api);
  assert.equal((await api.post('/auth/logout', { token: s.access })).status, 204);
  assertInvalidToken(await change(s, { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD }));
  assert.equal((await logIn(s.email, GOOD_PASSWORD)).status, 200);
});
