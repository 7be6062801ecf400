// The CLI against the database of a running server (SPEC §1, §3): what an operator does with
// `tessera user ...` and `tessera keys ...` reaches the server without a restart — a disabled or
// deleted user's access tokens stop within about a second (the server polls revocation events
// every 500 ms), a rotated key signs new tokens within ~6 s (keys reload every 5 s) while
// tokens of the old key still verify (here and with the npm `jose` library against the JWKS),
// and a key retired with --force stops verifying once the server reloads.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLocalJWKSet, jwtVerify } from 'jose';
import { useTessera } from './support/tessera.mjs';
import { signup, login, jwtClaims, jwtHeader } from './support/http.mjs';
import { assertProblem, assertInvalidToken } from './support/expect.mjs';
import { eventually } from './support/wait.mjs';
import { runCli, jsonLines } from './support/cli.mjs';

const t = useTessera();
const { api } = t;

const cli = (...args) => runCli(args, { dir: t.dir });
const dataStatus = async (token) => (await api.get('/data', { token })).status;
const refresh = (token) => api.post('/auth/refresh', { json: { refresh_token: token } });

test('tessera user disable stops the user\'s access tokens within about a second, and their refresh tokens', async () => {
  const s = await signup(api);
  assert.equal(await dataStatus(s.access), 200); // verified and cached before the change
  const r = await cli('user', 'disable', s.email);
  assert.equal(r.code, 0, r.stderr);
  const { ms } = await eventually(async () => (await dataStatus(s.access)) === 401, { withinMs: 3000, what: 'the token being refused' });
  assert.ok(ms <= 1500, `took ${ms} ms`);
  assertInvalidToken(await api.get('/data', { token: s.access }));
  assertProblem(await refresh(s.refresh), 401, 'invalid_refresh_token');
  assertProblem(await api.post('/auth/login', { json: { email: s.email, password: s.password } }), 403, 'account_disabled');
  assert.equal((await cli('user', 'enable', s.email)).code, 0);
  assert.equal(await dataStatus((await login(api, s)).access), 200, 'enabled again: a new login works');
  assert.equal(await dataStatus(s.access), 401, 'the old token stays dead');
});

test('tessera user delete stops the user\'s access tokens within about a second', async () => {
  const s = await signup(api);
  assert.equal(await dataStatus(s.access), 200);
  assert.equal((await cli('user', 'delete', s.email)).code, 0);
  const { ms } = await eventually(async () => (await dataStatus(s.access)) === 401, { withinMs: 3000, what: 'the token being refused' });
  assert.ok(ms <= 1500, `took ${ms} ms`);
  assertProblem(await api.post('/auth/login', { json: { email: s.email, password: s.password } }), 401, 'invalid_credentials');
});

test('tessera user set-role shows in the next token the server issues, not in the one it issued before', async () => {
  const s = await signup(api);
  assert.equal((await cli('user', 'set-role', s.email, 'admin')).code, 0);
  assertProblem(await api.get('/admin/users', { token: s.access }), 403, 'forbidden');
  const next = await refresh(s.refresh);
  assert.deepEqual(jwtClaims(next.body.access_token).roles, ['admin']);
  assert.equal((await api.get('/admin/users', { token: next.body.access_token })).status, 200);
});

test('keys rotate: new tokens carry the new kid within ~6 s, old tokens still verify, the JWKS lists both, jose agrees; retire --force cuts the old key off', async () => {
  const jwksOf = async () => (await api.get('/.well-known/jwks.json')).body;
  const s = await signup(api);
  const oldKid = jwtHeader(s.access).kid;
  assert.deepEqual((await jwksOf()).keys.map((k) => k.kid), [oldKid]);

  const rotated = await cli('keys', 'rotate', '--json');
  assert.equal(rotated.code, 0, rotated.stderr);
  const { kid: newKid, alg } = JSON.parse(rotated.stdout);
  assert.equal(alg, 'ES256');  // the signing key's algorithm: the default
  assert.notEqual(newKid, oldKid);

  // The server picks the new key up by itself (reload every 5 s).
  const { value: fresh, ms } = await eventually(async () => {
    const l = await login(api, s);
    return jwtHeader(l.access).kid === newKid ? l : null;
  }, { withinMs: 8000, everyMs: 250, what: `a token signed by ${newKid}` });
  assert.ok(ms <= 6500, `took ${ms} ms`);
  assert.deepEqual(jwtHeader(fresh.access), { alg: 'ES256', kid: newKid, typ: 'at+jwt' });

  // Both keys are published; tokens of either verify on the server and with jose.
  const jwks = await jwksOf();
  assert.deepEqual(jwks.keys.map((k) => k.kid).sort(), [oldKid, newKid].sort());
  for (const k of jwks.keys) assert.deepEqual([k.kty, k.crv, k.alg, k.use], ['EC', 'P-256', 'ES256', 'sig']);
  assert.equal(await dataStatus(s.access), 200, 'a token of the old key still works');
  assert.equal(await dataStatus(fresh.access), 200);
  const { issuer } = (await api.get('/.well-known/openid-configuration')).body;
  const keySet = createLocalJWKSet(jwks);
  for (const token of [s.access, fresh.access]) {
    const { payload, protectedHeader } = await jwtVerify(token, keySet, { issuer, audience: issuer, typ: 'at+jwt', algorithms: ['ES256'] });
    assert.equal(payload.sub, s.user.id);
    assert.equal(protectedHeader.kid, jwtHeader(token).kid);
  }
  // jose is not lenient either: a token whose signature was tampered with fails.
  const [h, p, sig] = s.access.split('.');
  const flipped = `${h}.${p}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}`;
  await assert.rejects(jwtVerify(flipped, keySet, { issuer, audience: issuer }));

  // The old key may still verify live tokens: retiring it needs --force.
  const refused = await cli('keys', 'retire', oldKid);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /--force/);
  const listed = jsonLines((await cli('keys', 'list', '--json')).stdout);
  assert.equal(listed.find((k) => k.kid === oldKid).state, 'verifying');
  assert.equal(listed.find((k) => k.kid === newKid).state, 'active');
  const forced = await cli('keys', 'retire', oldKid, '--force');
  assert.equal(forced.code, 0, forced.stderr);

  // Once the server reloads, the old key's tokens are refused and it leaves the JWKS.
  await eventually(async () => (await dataStatus(s.access)) === 401, { withinMs: 8000, everyMs: 250, what: 'the old key\'s token being refused' });
  assertInvalidToken(await api.get('/data', { token: s.access }));
  assert.deepEqual((await jwksOf()).keys.map((k) => k.kid), [newKid]);
  assert.equal(await dataStatus(fresh.access), 200, 'the new key\'s tokens are untouched');
  await assert.rejects(jwtVerify(s.access, createLocalJWKSet(await jwksOf()), { issuer, audience: issuer }));
});
