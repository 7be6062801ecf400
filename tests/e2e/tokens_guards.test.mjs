// Access tokens and the guards of GET /data, /profile, /data/verified (SPEC §2, §3): the
// RFC 6750 challenges, one public `invalid_token` for every failure with the precise reason in
// the log, verification by the npm `jose` library against the JWKS, each signing algorithm,
// and a verifier that pins the algorithm to the key and checks every claim.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as jose from 'jose';
import { startTessera, useTessera, BIN } from './support/tessera.mjs';
import { client, signup, login, jwtHeader, jwtClaims, rawRequest, uniqueEmail, GOOD_PASSWORD } from './support/http.mjs';
import { assertProblem, assertInvalidToken, BARE_CHALLENGE } from './support/expect.mjs';

const HS_SECRET = 'e2e-hs256-secret-0123456789-abcdefghijklmnop';
const PUBLIC_URL = 'https://auth.e2e.example';

// One server per signing algorithm; the EdDSA one also has a public URL.
const servers = {
  EdDSA: useTessera({ env: { TESSERA_JWT_ALG: 'EdDSA', TESSERA_PUBLIC_URL: PUBLIC_URL, TESSERA_COOKIE_SECURE: 'false' } }),
  ES256: useTessera({ env: { TESSERA_JWT_ALG: 'ES256' } }),
  RS256: useTessera({ env: { TESSERA_JWT_ALG: 'RS256' } }),
  HS256: useTessera({ env: { TESSERA_JWT_ALG: 'HS256', TESSERA_JWT_SECRET: HS_SECRET } }),
};

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
// A compact JWS signed with HMAC-SHA256 from a header and claims given as objects or raw JSON.
function hs256(header, claims, key = HS_SECRET) {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac('sha256', key).update(input).digest('base64url')}`;
}
// Replaces one character of a base64url string with another valid one.
const flipAt = (s, i) => s.slice(0, i) + (s[i] === 'A' ? 'B' : 'A') + s.slice(i + 1);

// The server's log line for the request with this id.
const logOf = (t, id) => t.waitForLog((l) => l.msg === 'request' && l.request_id === id);

// ------------------------------------------------------------------------------ the guards

test('a guarded route without a token is 401 missing_token with a bare Bearer challenge', async () => {
  const api = client(servers.EdDSA.url);
  for (const path of ['/data', '/profile', '/data/verified', '/auth/me', '/auth/sessions']) {
    const res = await api.get(path);
    assertProblem(res, 401, 'missing_token');
    assert.equal(res.headers.get('www-authenticate'), BARE_CHALLENGE, path);
  }
});

test('a malformed token is 401 invalid_token with error="invalid_token" in the challenge', async () => {
  const api = client(servers.EdDSA.url);
  for (const token of ['abc', 'a.b.c', 'a.b', 'eyJ.eyJ.sig', '....', 'not a token at all', 'ZZZZ.ZZZZ.ZZZZ']) {
    assertInvalidToken(await api.get('/data', { headers: { authorization: `Bearer ${token}` } }));
  }
  assertInvalidToken(await api.get('/data', { headers: { authorization: 'Bearer ' } }));
});

test('a token with one changed signature or payload character is refused', async () => {
  const api = client(servers.EdDSA.url);
  const s = await signup(api);
  const [h, p, sig] = s.access.split('.');
  for (const forged of [
    `${h}.${p}.${flipAt(sig, 5)}`,
    `${h}.${p}.${flipAt(sig, sig.length - 2)}`,
    `${h}.${flipAt(p, 10)}.${sig}`,
    `${h}.${b64({ ...jwtClaims(s.access), roles: ['admin'] })}.${sig}`,
    `${h}.${p}.${sig.slice(0, -4)}`,
    `${h}.${p}.${sig}${sig.slice(0, 4)}`,
    `${h}.${p}.`,
  ]) {
    assertInvalidToken(await api.get('/data', { token: forged }));
  }
  assert.equal((await api.get('/data', { token: s.access })).status, 200, 'the genuine token still works');
});

test('every refused token gets the same public body; the precise reason is only in the log', async () => {
  const t = servers.EdDSA;
  const api = client(t.url);
  const s = await signup(api);
  const ended = await login(api, s);
  assert.equal((await api.post('/auth/logout', { token: ended.access })).status, 204);
  const [h, p, sig] = s.access.split('.');
  const cases = {
    malformed: 'abc.def',
    signature: `${h}.${p}.${flipAt(sig, 3)}`,
    revoked: ended.access,
    none: `${b64({ alg: 'none', kid: jwtHeader(s.access).kid, typ: 'at+jwt' })}.${p}.`,
  };
  const bodies = new Set();
  const reasons = {};
  for (const [name, token] of Object.entries(cases)) {
    const id = `reason-${name}-${process.pid}`;
    const res = await api.get('/data', { token, headers: { 'x-request-id': id } });
    assertInvalidToken(res);
    bodies.add(res.text);
    const line = await logOf(t, id);
    assert.equal(line.code, 'invalid_token');
    assert.equal(typeof line.reason, 'string', `${name}: the log names the reason`);
    assert.ok(line.reason.length > 0);
    assert.ok(!res.text.includes(line.reason), `${name}: the reason "${line.reason}" leaked into the body`);
    reasons[name] = line.reason;
  }
  assert.equal(bodies.size, 1, `bodies differ: ${[...bodies].join('\n')}`);
  assert.match(reasons.revoked, /revoked/);
  assert.match(reasons.signature, /signature/);
  assert.notEqual(reasons.malformed, reasons.signature);
});

test('an unsigned token (alg none) is refused', async () => {
  const api = client(servers.EdDSA.url);
  const s = await signup(api);
  const p = s.access.split('.')[1];
  for (const alg of ['none', 'None', 'NONE']) {
    assertInvalidToken(await api.get('/data', { token: `${b64({ alg, typ: 'at+jwt' })}.${p}.` }));
    assertInvalidToken(await api.get('/data', { token: `${b64({ alg, kid: jwtHeader(s.access).kid, typ: 'at+jwt' })}.${p}.` }));
  }
});

test('a token signed by another Tessera (another key) is refused', async () => {
  const other = await startTessera();
  try {
    const foreign = await signup(client(other.url));
    assertInvalidToken(await client(servers.EdDSA.url).get('/data', { token: foreign.access }));
  } finally {
    await other.stop();
  }
});

test('a token over 8 KiB is refused without being parsed', async () => {
  const t = servers.EdDSA;
  const api = client(t.url);
  const s = await signup(api);
  const [h, p, sig] = s.access.split('.');
  const padded = `${h}.${p}${'A'.repeat(9000)}.${sig}`;
  const id = `too-large-${process.pid}`;
  assertInvalidToken(await api.get('/data', { token: padded, headers: { 'x-request-id': id } }));
  assert.match((await logOf(t, id)).reason, /large|size|long/i);
});

test('two Authorization headers are 401, even when both carry the same valid token', async () => {
  const api = client(servers.EdDSA.url);
  const s = await signup(api);
  const res = await rawRequest(servers.EdDSA.url, {
    path: '/data',
    headers: [['Authorization', `Bearer ${s.access}`], ['Authorization', `Bearer ${s.access}`]],
  });
  assert.equal(res.status, 401, res.text);
  assert.equal(JSON.parse(res.text).code, 'invalid_token');
  const www = res.headers.filter(([k]) => k === 'www-authenticate').map(([, v]) => v);
  assert.deepEqual(www, ['Bearer realm="tessera", error="invalid_token"']);
  // One header with the same token is fine.
  const one = await rawRequest(servers.EdDSA.url, { path: '/data', headers: [['Authorization', `Bearer ${s.access}`]] });
  assert.equal(one.status, 200);
});

test('an Authorization header of another scheme (Basic, Token, a JWT after another word) is 401', async () => {
  const api = client(servers.EdDSA.url);
  const s = await signup(api);
  const basic = `Basic ${Buffer.from(`${s.email}:${GOOD_PASSWORD}`).toString('base64')}`;
  for (const value of [basic, `Token ${s.access}`, `JWT ${s.access}`, `Bearer: ${s.access}`, `Bearer${s.access}`, `${s.access} extra`]) {
    assertInvalidToken(await api.get('/data', { headers: { authorization: value } }));
  }
});

test('the Bearer scheme name is case-insensitive', async () => {
  const api = client(servers.EdDSA.url);
  const s = await signup(api);
  for (const scheme of ['bearer', 'BEARER', 'Bearer']) {
    assert.equal((await api.get('/data', { headers: { authorization: `${scheme} ${s.access}` } })).status, 200, scheme);
  }
});

// --------------------------------------------------------------------------- the resources

test('GET /data answers the secret data to any valid access token', async () => {
  const api = client(servers.EdDSA.url);
  const s = await signup(api);
  const res = await api.get('/data', { token: s.access });
  assert.equal(res.status, 200);
  assert.equal(typeof res.body.data, 'string');
});

test('GET /profile returns exactly {id, username, email} from the token', async () => {
  const api = client(servers.EdDSA.url);
  const email = uniqueEmail('profile');
  const username = `prof_${process.pid}_${Date.now() % 100000}`;
  const s = await signup(api, { email, username });
  const res = await api.get('/profile', { token: s.access });
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, { id: s.user.id, username, email });
  const nameless = await signup(api);
  assert.deepEqual((await api.get('/profile', { token: nameless.access })).body, { id: nameless.user.id, username: null, email: nameless.email });
});

test('GET /data/verified is 403 email_not_verified for an unverified account', async () => {
  const api = client(servers.EdDSA.url);
  const s = await signup(api);
  const res = await api.get('/data/verified', { token: s.access });
  assertProblem(res, 403, 'email_not_verified');
  assert.equal(res.headers.get('www-authenticate'), null, 'a 403 carries no challenge');
});

test('GET /data/verified with a bad token is 401, not 403', async () => {
  assertInvalidToken(await client(servers.EdDSA.url).get('/data/verified', { token: 'a.b.c' }));
});

// ------------------------------------------------------------------ the token and the JWKS

test('an access token verifies with jose against the JWKS, issuer and audience of openid-configuration', async () => {
  const api = client(servers.EdDSA.url);
  const s = await signup(api);
  const discovery = await api.get('/.well-known/openid-configuration');
  assert.equal(discovery.status, 200);
  assert.equal(discovery.body.issuer, PUBLIC_URL);
  assert.equal(discovery.body.jwks_uri, `${PUBLIC_URL}/.well-known/jwks.json`);
  const jwks = await api.get(new URL(discovery.body.jwks_uri).pathname);
  assert.equal(jwks.status, 200);
  const { payload, protectedHeader } = await jose.jwtVerify(s.access, jose.createLocalJWKSet(jwks.body), {
    issuer: discovery.body.issuer,
    audience: discovery.body.issuer,
    typ: 'at+jwt',
    algorithms: ['EdDSA'],
  });
  assert.equal(protectedHeader.alg, 'EdDSA');
  assert.ok(jwks.body.keys.some((k) => k.kid === protectedHeader.kid));
  assert.equal(payload.sub, s.user.id);
  assert.equal(payload.sid, s.sid);
  assert.equal(payload.email, s.email);
  assert.equal(payload.email_verified, false);
  assert.deepEqual(payload.roles, []);
  assert.equal(typeof payload.jti, 'string');
  assert.equal(payload.exp - payload.iat, s.res.body.expires_in);
  assert.ok(Math.abs(payload.iat - Date.now() / 1000) < 60);
});

test('each access token has its own jti', async () => {
  const api = client(servers.EdDSA.url);
  const s = await signup(api);
  const again = await login(api, s);
  const r = await api.post('/auth/refresh', { json: { refresh_token: s.refresh } });
  const jtis = new Set([s.access, again.access, r.body.access_token].map((x) => jwtClaims(x).jti));
  assert.equal(jtis.size, 3);
});

test('the JWKS publishes only public keys, each with kid, alg and use "sig"', async () => {
  for (const alg of ['EdDSA', 'ES256', 'RS256']) {
    const res = await client(servers[alg].url).get('/.well-known/jwks.json');
    assert.equal(res.status, 200);
    assert.ok(res.body.keys.length >= 1, alg);
    for (const k of res.body.keys) {
      assert.equal(typeof k.kid, 'string');
      assert.equal(k.alg, alg);
      assert.equal(k.use, 'sig');
      for (const secret of ['d', 'p', 'q', 'dp', 'dq', 'qi', 'k']) assert.equal(k[secret], undefined, `${alg} key exposes ${secret}`);
    }
  }
});

for (const [alg, kty] of [['ES256', 'EC'], ['RS256', 'RSA']]) {
  test(`with TESSERA_JWT_ALG=${alg} tokens are signed ${alg}, work on /data, and verify with jose`, async () => {
    const t = servers[alg];
    const api = client(t.url);
    const s = await signup(api);
    assert.equal(jwtHeader(s.access).alg, alg);
    assert.equal((await api.get('/data', { token: s.access })).status, 200);
    const jwks = (await api.get('/.well-known/jwks.json')).body;
    assert.ok(jwks.keys.every((k) => k.kty === kty));
    const issuer = (await api.get('/.well-known/openid-configuration')).body.issuer;
    const { payload } = await jose.jwtVerify(s.access, jose.createLocalJWKSet(jwks), { issuer, audience: issuer, typ: 'at+jwt', algorithms: [alg] });
    assert.equal(payload.sub, s.user.id);
  });
}

test('with TESSERA_JWT_ALG=HS256 tokens are HMAC-signed with the secret and work on /data', async () => {
  const api = client(servers.HS256.url);
  const s = await signup(api);
  assert.equal(jwtHeader(s.access).alg, 'HS256');
  assert.equal((await api.get('/data', { token: s.access })).status, 200);
  const issuer = (await api.get('/.well-known/openid-configuration')).body.issuer;
  const { payload } = await jose.jwtVerify(s.access, new TextEncoder().encode(HS_SECRET), { issuer, audience: issuer, typ: 'at+jwt', algorithms: ['HS256'] });
  assert.equal(payload.sub, s.user.id);
});

test('an HS256 key never appears in the JWKS', async () => {
  const res = await client(servers.HS256.url).get('/.well-known/jwks.json');
  assert.equal(res.status, 200);
  assert.deepEqual(res.body.keys.filter((k) => k.kty === 'oct' || 'k' in k || k.alg === 'HS256'), []);
  assert.ok(!res.text.includes(Buffer.from(HS_SECRET).toString('base64url')));
  assert.ok(!res.text.includes(HS_SECRET));
});

test('HS256 with a secret shorter than 32 bytes refuses to start, naming TESSERA_JWT_SECRET', () => {
  const r = spawnSync(BIN, ['serve'], {
    env: { PATH: process.env.PATH, TESSERA_LISTEN: '127.0.0.1:0', TESSERA_DATABASE: 'sqlite:///nonexistent-dir/never.db', TESSERA_JWT_ALG: 'HS256', TESSERA_JWT_SECRET: 'short-secret-31-bytes-long-xxxxx'.slice(0, 31) },
    encoding: 'utf8',
    timeout: 10000,
  });
  assert.equal(r.status, 2);
  assert.match(r.stderr, /TESSERA_JWT_SECRET/);
});

test('TESSERA_ACCESS_TTL sets expires_in and exp', async () => {
  const t = await startTessera({ env: { TESSERA_ACCESS_TTL: '45s' } });
  try {
    const s = await signup(client(t.url));
    assert.equal(s.res.body.expires_in, 45);
    const c = jwtClaims(s.access);
    assert.equal(c.exp - c.iat, 45);
  } finally {
    await t.stop();
  }
});

// --------------------------------------------- the verifier, probed with HS256 tokens we sign

// A token just like the server's own, for a live session, which tests then spoil one way each.
async function hsBaseline() {
  const t = servers.HS256;
  const api = client(t.url);
  const s = await signup(api);
  const header = jwtHeader(s.access);
  const claims = jwtClaims(s.access);
  return { t, api, s, header, claims };
}

test('a token we sign with the HS256 secret exactly like the server does is accepted (the probe is sound)', async () => {
  const { api, header, claims } = await hsBaseline();
  const now = Math.floor(Date.now() / 1000);
  const token = hs256(header, { ...claims, iat: now, exp: now + 300, jti: 'probe-ok' });
  assert.equal((await api.get('/data', { token })).status, 200);
  // typ may also be written application/at+jwt, in any case (SPEC §3).
  assert.equal((await api.get('/data', { token: hs256({ ...header, typ: 'Application/AT+JWT' }, { ...claims, jti: 'probe-typ' }) })).status, 200);
});

test('an HS256 token expired more than 30 s ago is refused, with "expired" in the log', async () => {
  const { t, api, header, claims } = await hsBaseline();
  const now = Math.floor(Date.now() / 1000);
  const id = `expired-${process.pid}`;
  const token = hs256(header, { ...claims, iat: now - 600, exp: now - 45, jti: 'probe-expired' });
  assertInvalidToken(await api.get('/data', { token, headers: { 'x-request-id': id } }));
  assert.match((await logOf(t, id)).reason, /expired/);
});

test('an HS256 token not yet valid (nbf or iat more than 30 s ahead) is refused', async () => {
  const { api, header, claims } = await hsBaseline();
  const now = Math.floor(Date.now() / 1000);
  assertInvalidToken(await api.get('/data', { token: hs256(header, { ...claims, nbf: now + 120, jti: 'probe-nbf' }) }));
  assertInvalidToken(await api.get('/data', { token: hs256(header, { ...claims, iat: now + 120, exp: now + 900, jti: 'probe-iat' }) }));
});

test('an HS256 token lacking sub, sid, exp, iat, iss or aud is refused', async () => {
  const { api, header, claims } = await hsBaseline();
  for (const missing of ['sub', 'sid', 'exp', 'iat', 'iss', 'aud']) {
    const c = { ...claims, jti: `probe-missing-${missing}` };
    delete c[missing];
    assertInvalidToken(await api.get('/data', { token: hs256(header, c) }), missing);
  }
});

test('an HS256 token for another issuer or audience is refused', async () => {
  const { api, header, claims } = await hsBaseline();
  assertInvalidToken(await api.get('/data', { token: hs256(header, { ...claims, iss: 'https://evil.example' }) }));
  assertInvalidToken(await api.get('/data', { token: hs256(header, { ...claims, aud: 'https://other-api.example' }) }));
  assertInvalidToken(await api.get('/data', { token: hs256(header, { ...claims, aud: ['https://other-api.example'] }) }));
});

test('an HS256 token with a wrong typ, an unknown kid or another alg in its header is refused', async () => {
  const { api, header, claims } = await hsBaseline();
  for (const h of [
    { ...header, typ: 'JWT' },
    { ...header, typ: 'id_token' },
    (({ typ, ...rest }) => rest)(header),
    { ...header, kid: 'no-such-kid' },
    (({ kid, ...rest }) => rest)(header),
    { ...header, alg: 'HS512' },
  ]) {
    assertInvalidToken(await api.get('/data', { token: hs256(h, claims) }));
  }
});

test('an HS256 token with duplicate member names in its header or claims is refused', async () => {
  const { api, header, claims } = await hsBaseline();
  const headerJson = JSON.stringify(header);
  const claimsJson = JSON.stringify(claims);
  const dupHeader = `${headerJson.slice(0, -1)},"alg":"none"}`;
  const dupClaims = `${claimsJson.slice(0, -1)},"sub":"00000000-0000-4000-8000-000000000000"}`;
  assertInvalidToken(await api.get('/data', { token: hs256(dupHeader, claims) }));
  assertInvalidToken(await api.get('/data', { token: hs256(headerJson, dupClaims) }));
});

test('an HS256 token whose claims have the wrong JSON types is refused as invalid_token, never a 500', async () => {
  const { api, header, claims } = await hsBaseline();
  const spoilt = [
    { exp: String(claims.exp) }, { exp: claims.exp + 0.5 }, { exp: 1e300 }, { iat: String(claims.iat) },
    { sub: 5 }, { sid: 7 }, { sid: '' }, { roles: 'admin' }, { email_verified: 'true' }, { ver: '0' },
    { iss: [claims.iss] }, { nbf: 'soon' },
  ];
  for (const change of spoilt) {
    const res = await api.get('/data/verified', { token: hs256(header, { ...claims, ...change }) });
    assertInvalidToken(res);
  }
  assertInvalidToken(await api.get('/data', { token: hs256(header, [claims]) }));
  assertInvalidToken(await api.get('/data', { token: hs256({ ...header, typ: ['at+jwt'] }, claims) }));
  assertInvalidToken(await api.get('/data', { token: hs256({ ...header, crit: ['exp'] }, claims) }));
});

test('a correctly signed HS256 token of an ended session is refused: the sid is checked', async () => {
  const { api, s, header, claims } = await hsBaseline();
  assert.equal((await api.post('/auth/logout', { token: s.access })).status, 204);
  assertInvalidToken(await api.get('/data', { token: hs256(header, { ...claims, jti: 'probe-ended' }) }));
});

test('a token HMAC-signed with the public key of an asymmetric kid is refused (algorithm confusion)', async () => {
  for (const alg of ['EdDSA', 'RS256']) {
    const api = client(servers[alg].url);
    const s = await signup(api);
    const header = jwtHeader(s.access);
    const jwk = (await api.get('/.well-known/jwks.json')).body.keys.find((k) => k.kid === header.kid);
    const pem = await jose.exportSPKI(await jose.importJWK(jwk, jwk.alg, { extractable: true }));
    const keys = [JSON.stringify(jwk), pem, jwk.x ?? jwk.n, Buffer.from(jwk.x ?? jwk.n, 'base64url')];
    for (const key of keys) {
      assertInvalidToken(await api.get('/data', { token: hs256({ ...header, alg: 'HS256' }, jwtClaims(s.access), key) }));
    }
  }
});
