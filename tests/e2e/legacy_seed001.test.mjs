// Seed 001 compatibility (SPEC §2): the Flutter app posts forms to POST /signup and POST /login,
// reads the access token as the text/plain body, decodes its payload for the username, and sends
// it back as a bare `Authorization: <jwt>` to GET /data.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as jose from 'jose';
import { useTessera } from './support/tessera.mjs';
import { jwtClaims, GOOD_PASSWORD, uniqueName } from './support/http.mjs';
import { assertProblem, assertInvalidToken } from './support/expect.mjs';

const t = useTessera();
const { api } = t;

// What the Flutter app does: attemptSignUp, then attemptLogIn; returns the JWT text.
async function flutterAccount() {
  const username = uniqueName('flutter');
  const created = await api.post('/signup', { form: { username, password: GOOD_PASSWORD } });
  assert.equal(created.status, 201, created.text);
  const res = await api.post('/login', { form: { username, password: GOOD_PASSWORD } });
  assert.equal(res.status, 200, res.text);
  return { username, jwt: res.text };
}

test('POST /signup with a form answers 201', async () => {
  const res = await api.post('/signup', { form: { username: uniqueName('flutter'), password: GOOD_PASSWORD } });
  assert.equal(res.status, 201, res.text);
});

test('POST /signup again with the same username answers 409 account_exists', async () => {
  const username = uniqueName('flutter');
  assert.equal((await api.post('/signup', { form: { username, password: GOOD_PASSWORD } })).status, 201);
  assertProblem(await api.post('/signup', { form: { username, password: GOOD_PASSWORD } }), 409, 'account_exists');
  assertProblem(await api.post('/signup', { form: { username: username.toUpperCase(), password: `${GOOD_PASSWORD}-2` } }), 409, 'account_exists');
});

test('POST /signup with a password the policy refuses is 422 weak_password', async () => {
  assertProblem(await api.post('/signup', { form: { username: uniqueName('flutter'), password: 'abcd' } }), 422, 'weak_password');
});

test('POST /login with a form answers 200 whose text/plain body is the access token, not cacheable', async () => {
  const username = uniqueName('flutter');
  assert.equal((await api.post('/signup', { form: { username, password: GOOD_PASSWORD } })).status, 201);
  const res = await api.post('/login', { form: { username, password: GOOD_PASSWORD } });
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^text\/plain\b/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.match(res.text, /^[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/, 'the whole body is one compact JWS');
  const jwks = (await api.get('/.well-known/jwks.json')).body;
  const issuer = (await api.get('/.well-known/openid-configuration')).body.issuer;
  const { payload } = await jose.jwtVerify(res.text, jose.createLocalJWKSet(jwks), { issuer, audience: issuer });
  assert.equal(payload.username, username.toLowerCase());
});

test('the token\'s payload carries what the Flutter HomePage reads: username and exp', async () => {
  const { username, jwt } = await flutterAccount();
  const payload = jwtClaims(jwt);
  assert.equal(payload.username, username.toLowerCase());
  assert.ok(payload.exp * 1000 > Date.now());
});

test('GET /data with `Authorization: <jwt>` (no Bearer word) answers 200 with the secret data', async () => {
  const { jwt } = await flutterAccount();
  const res = await api.get('/data', { headers: { authorization: jwt } });
  assert.equal(res.status, 200, res.text);
  assert.equal(typeof res.body.data, 'string');
});

test('POST /login with a wrong password or an unknown username answers 401', async () => {
  const { username } = await flutterAccount();
  const wrong = await api.post('/login', { form: { username, password: `${GOOD_PASSWORD}x` } });
  assertProblem(wrong, 401, 'invalid_credentials');
  const unknown = await api.post('/login', { form: { username: uniqueName('flutter'), password: GOOD_PASSWORD } });
  assertProblem(unknown, 401, 'invalid_credentials');
  assert.equal(unknown.text, wrong.text);
});

test('a bare Authorization value that is not shaped like a JWT is 401', async () => {
  for (const value of ['secret', 'eyJhbGciOi', 'a.b', 'a.b.c.d', 'a..c', '.b.c']) {
    const res = await api.get('/data', { headers: { authorization: value } });
    assertInvalidToken(res);
  }
});

test('a bare JWT with a spoilt signature is 401 invalid_token', async () => {
  const { jwt } = await flutterAccount();
  const [h, p, s] = jwt.split('.');
  const spoilt = `${h}.${p}.${s[0] === 'A' ? 'B' : 'A'}${s.slice(1)}`;
  assertInvalidToken(await api.get('/data', { headers: { authorization: spoilt } }));
});

test('a bare JWT of an ended session is refused like a Bearer one', async () => {
  const { jwt } = await flutterAccount();
  assert.equal((await api.post('/auth/logout', { headers: { authorization: jwt } })).status, 204);
  assertInvalidToken(await api.get('/data', { headers: { authorization: jwt } }));
});

test('POST /login from a page on another site is 403 csrf_rejected', async () => {
  const username = uniqueName('flutter');
  assert.equal((await api.post('/signup', { form: { username, password: GOOD_PASSWORD } })).status, 201);
  const res = await api.post('/login', { form: { username, password: GOOD_PASSWORD }, headers: { origin: 'https://evil.example.net' } });
  assertProblem(res, 403, 'csrf_rejected');
});
