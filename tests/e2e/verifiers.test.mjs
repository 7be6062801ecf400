// Tokens every stack verifies (issue 19): a Tessera started with no TESSERA_JWT_ALG signs ES256,
// and its tokens verify with the libraries resource servers already use — npm `jsonwebtoken`
// with its key from `jwks-rsa` (what passport-jwt and @nestjs/jwt do), `jose` with a remote JWKS,
// and Debian's PyJWT — each an independent implementation, none of them Tessera's code. An
// installation that already signs with another algorithm keeps it across the upgrade unless
// TESSERA_JWT_ALG says otherwise.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import jsonwebtoken from 'jsonwebtoken';
import jwksRsa from 'jwks-rsa';
import * as jose from 'jose';
import { startTessera, useTessera } from './support/tessera.mjs';
import { setUp } from './support/suite.mjs';
import { client, signup, login, jwtHeader, jwtClaims } from './support/http.mjs';

const run = promisify(execFile);
const PYJWT = resolve(import.meta.dirname, 'support/pyjwt_verify.py');

const t = useTessera(); // no TESSERA_JWT_ALG: the default
const { api } = t;
let issuer, jwksUri;
setUp(async () => {
  const discovery = (await api.get('/.well-known/openid-configuration')).body;
  issuer = discovery.issuer;
  // The discovery document names the public URL (TESSERA_PUBLIC_URL); the test server listens
  // on a port of its own, so the JWKS is fetched from there.
  jwksUri = `${t.url}/.well-known/jwks.json`;
});

// What passport-jwt does with `secretOrKeyProvider: jwksRsa.passportJwtSecret(...)`: the key for
// the token's kid from the JWKS of `server` (the default one when not given), then
// jsonwebtoken.verify with the algorithm, issuer and audience pinned.
async function verifyWithJsonwebtoken(token, { server = t, audience } = {}) {
  const { issuer: iss } = (await client(server.url).get('/.well-known/openid-configuration')).body;
  const jwks = jwksRsa({ jwksUri: `${server.url}/.well-known/jwks.json`, cache: false });
  const { kid } = jsonwebtoken.decode(token, { complete: true }).header;
  const key = (await jwks.getSigningKey(kid)).getPublicKey();
  return jsonwebtoken.verify(token, key, { algorithms: ['ES256'], issuer: iss, audience: audience ?? iss });
}

test('a default-configured Tessera signs ES256, says so at start, and advertises it in the discovery document', async () => {
  const s = await signup(api);
  assert.equal(jwtHeader(s.access).alg, 'ES256');
  const line = await t.waitForLog((l) => l.msg === 'listening');
  assert.equal(line.jwt_alg, 'ES256');
  assert.equal(line.jwt_alg_from, 'default');
  const discovery = (await api.get('/.well-known/openid-configuration')).body;
  assert.deepEqual(discovery.id_token_signing_alg_values_supported, ['ES256']);
  const jwks = (await api.get('/.well-known/jwks.json')).body;
  assert.deepEqual(jwks.keys.map((k) => [k.kty, k.crv, k.alg, k.use]), [['EC', 'P-256', 'ES256', 'sig']]);
});

test('npm jsonwebtoken with the key from jwks-rsa (as passport-jwt and @nestjs/jwt do) verifies the token and reads its claims', async () => {
  const s = await signup(api);
  const claims = await verifyWithJsonwebtoken(s.access);
  assert.equal(claims.sub, s.user.id);
  assert.equal(claims.email, s.email);
  assert.deepEqual(claims.roles, []);
  assert.equal(typeof claims.sid, 'string');
  // The same code refuses a token whose signature is spoilt, and one for another audience.
  const spoilt = s.access.slice(0, -2) + (s.access.endsWith('AA') ? 'BB' : 'AA');
  await assert.rejects(verifyWithJsonwebtoken(spoilt), /invalid signature/);
  await assert.rejects(verifyWithJsonwebtoken(s.access, { audience: 'https://another.example' }), /jwt audience invalid/);
});

test('jose with a remote JWKS verifies the token, typ at+jwt included', async () => {
  const s = await signup(api);
  const keys = jose.createRemoteJWKSet(new URL(jwksUri));
  const { payload, protectedHeader } = await jose.jwtVerify(s.access, keys, { issuer, audience: issuer, typ: 'at+jwt', algorithms: ['ES256'] });
  assert.equal(payload.sub, s.user.id);
  assert.equal(protectedHeader.alg, 'ES256');
});

test('Debian PyJWT (python3-jwt) with PyJWKClient verifies the token', async () => {
  const s = await signup(api);
  const { stdout } = await run('/usr/bin/python3', [PYJWT, s.access, jwksUri, issuer, 'ES256']);
  const claims = JSON.parse(stdout);
  assert.equal(claims.sub, s.user.id);
  assert.equal(claims.sid, jwtClaims(s.access).sid);
  // A spoilt signature is PyJWT's InvalidSignatureError, exit 1.
  const spoilt = s.access.slice(0, -2) + (s.access.endsWith('AA') ? 'BB' : 'AA');
  await assert.rejects(run('/usr/bin/python3', [PYJWT, spoilt, jwksUri, issuer, 'ES256']), /InvalidSignatureError/);
});

test('the issue 19 symptom: jsonwebtoken cannot verify EdDSA, which is why EdDSA is no longer the default', async () => {
  const eddsa = await startTessera({ env: { TESSERA_JWT_ALG: 'EdDSA' } });
  try {
    const s = await signup(client(eddsa.url));
    assert.equal(jwtHeader(s.access).alg, 'EdDSA');
    const jwks = jwksRsa({ jwksUri: `${eddsa.url}/.well-known/jwks.json`, cache: false });
    await assert.rejects(
      (async () => jsonwebtoken.verify(s.access, (await jwks.getSigningKey(jwtHeader(s.access).kid)).getPublicKey(), { algorithms: ['EdDSA'] }))(),
    );
  } finally {
    await eddsa.stop();
  }
});

// Runs fn(dir) with a fresh directory for the database, removed afterwards.
async function withDir(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-verifiers-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

test('an installation signing EdDSA keeps EdDSA after the upgrade when TESSERA_JWT_ALG is not set, and says where it came from', async () => {
  await withDir(async (dir) => {
    const before = await startTessera({ dir, env: { TESSERA_JWT_ALG: 'EdDSA' } });
    const s = await signup(client(before.url));
    const kid = jwtHeader(s.access).kid;
    assert.equal((await before.waitForLog((l) => l.msg === 'listening')).jwt_alg_from, 'setting');
    assert.equal((await before.stop()).code, 0);

    const upgraded = await startTessera({ dir });  // the setting removed, as on an upgrade
    try {
      const line = await upgraded.waitForLog((l) => l.msg === 'listening');
      assert.equal(line.jwt_alg, 'EdDSA');
      assert.equal(line.jwt_alg_from, 'stored_keys');
      const fresh = await login(client(upgraded.url), s);
      assert.deepEqual([jwtHeader(fresh.access).alg, jwtHeader(fresh.access).kid], ['EdDSA', kid], 'the same key signs');
      const jwks = (await client(upgraded.url).get('/.well-known/jwks.json')).body;
      assert.deepEqual(jwks.keys.map((k) => k.kid), [kid], 'no key was made');
    } finally {
      assert.equal((await upgraded.stop()).code, 0);
    }

    // Set explicitly, ES256 takes over; the EdDSA key still verifies the tokens it signed.
    const switched = await startTessera({ dir, env: { TESSERA_JWT_ALG: 'ES256' } });
    try {
      const fresh = await login(client(switched.url), s);
      assert.equal(jwtHeader(fresh.access).alg, 'ES256');
      assert.equal((await client(switched.url).get('/data', { token: s.access })).status, 200);
      await verifyWithJsonwebtoken(fresh.access, { server: switched });
    } finally {
      await switched.stop();
    }
  });
});
