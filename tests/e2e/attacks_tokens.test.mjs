// Attack suite, access tokens (SPEC §3, DESIGN rules 4, 6 and 12): every forgery an attacker can
// build from public material — the server's own public keys from the JWKS, an unsigned token,
// self-named keys, injected key URLs, spoilt signatures, oversized and nested tokens, tokens out
// of their time window, and the other tokens Tessera hands out — is refused over a real socket
// with 401, problem code invalid_token and `WWW-Authenticate: Bearer realm="tessera",
// error="invalid_token"`, never a 500, and the request's log line names the check that failed
// (`reason`), which never reaches the client.
//
// Forging needs something to sign with: the asymmetric servers are attacked only with their
// public keys (and keys we generate); the HS256 server runs with a secret we chose, so that a
// token can be spoilt in exactly one way while everything else about it is right.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHmac, createPublicKey, generateKeyPairSync, sign as signWithKey } from 'node:crypto';
import { createServer } from 'node:http';
import { useTessera } from './support/tessera.mjs';
import { client, signup, jwtHeader, jwtClaims } from './support/http.mjs';
import { assertInvalidToken, assertProblem } from './support/expect.mjs';
import { tokenOf } from './support/email.mjs';

const HS_SECRET = 'attack-suite-hs256-secret-0123456789-abcdefghij';
const ASYMMETRIC = ['EdDSA', 'ES256', 'RS256'];

const servers = {
  EdDSA: useTessera({ env: { TESSERA_JWT_ALG: 'EdDSA' } }),
  ES256: useTessera({ env: { TESSERA_JWT_ALG: 'ES256' } }),
  RS256: useTessera({ env: { TESSERA_JWT_ALG: 'RS256' } }),
  HS256: useTessera({ env: { TESSERA_JWT_ALG: 'HS256', TESSERA_JWT_SECRET: HS_SECRET } }),
};

// ---------------------------------------------------------------------------------- helpers

const b64 = (v) => Buffer.from(typeof v === 'string' ? v : JSON.stringify(v)).toString('base64url');
const hmacAlg = { HS256: 'sha256', HS384: 'sha384', HS512: 'sha512' };
// A compact JWS HMAC-signed with `key` (string or bytes); header and claims as objects or raw JSON.
function hmacToken(header, claims, key = HS_SECRET, alg = 'HS256') {
  const input = `${b64(header)}.${b64(claims)}`;
  return `${input}.${createHmac(hmacAlg[alg], key).update(input).digest('base64url')}`;
}
// A compact JWS signed with a private KeyObject of ours, the way `alg` would be.
function keyToken(header, claims, privateKey, alg) {
  const input = `${b64(header)}.${b64(claims)}`;
  const data = Buffer.from(input);
  const sig = alg === 'EdDSA' ? signWithKey(null, data, privateKey)
    : alg === 'ES256' ? signWithKey('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' })
      : signWithKey('sha256', data, privateKey);
  return `${input}.${sig.toString('base64url')}`;
}
const attacker = {
  EdDSA: generateKeyPairSync('ed25519'),
  ES256: generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  RS256: generateKeyPairSync('rsa', { modulusLength: 2048 }),
};
const now = () => Math.floor(Date.now() / 1000);

// Every upper/lower-case spelling of a word ("none" has 16).
const casings = (word) => [...word].reduce((acc, ch) => acc.flatMap((p) => [p + ch.toLowerCase(), p + ch.toUpperCase()]), ['']);

let seq = 0;
// Sends `authorization` to GET /data and asserts the refusal: 401 invalid_token with the
// invalid_token challenge, and a log line whose reason is one of `reasons`. Returns the reason.
async function refused(t, authorization, reasons, note = '') {
  const id = `atk-${process.pid}-${++seq}`;
  const res = await client(t.url).get('/data', { headers: { authorization, 'x-request-id': id } });
  assert.equal(res.status, 401, `${note}: expected 401, got ${res.status} ${res.text}`);
  assertInvalidToken(res);
  const line = await t.waitForLog((l) => l.msg === 'request' && l.request_id === id);
  assert.equal(line.code, 'invalid_token', note);
  const allowed = [].concat(reasons);
  assert.ok(allowed.includes(line.reason), `${note}: the log gives reason "${line.reason}", expected one of ${allowed.join(', ')}`);
  assert.ok(!res.text.includes(line.reason), `${note}: the reason leaked into the body`);
  return line.reason;
}
const bearer = (token) => `Bearer ${token}`;

// refused() for each [authorization, reasons, note] of `cases`, eight at a time (the forgeries
// are independent; a loaded machine's round-trip latency then costs an eighth).
async function refusedAll(t, cases) {
  let next = 0;
  const worker = async () => {
    while (next < cases.length) {
      const [authorization, reasons, note] = cases[next++];
      await refused(t, authorization, reasons, note);
    }
  };
  await Promise.all(Array.from({ length: 8 }, worker));
}

// A live account on server `alg`: its genuine access token, decoded header and claims.
async function victim(alg) {
  const t = servers[alg];
  const api = client(t.url);
  const s = await signup(api);
  return { t, api, s, token: s.access, header: jwtHeader(s.access), claims: jwtClaims(s.access) };
}

// The server's public key for `kid` as a JWK and as a KeyObject.
async function publicKeyOf(t, kid) {
  const jwks = (await client(t.url).get('/.well-known/jwks.json')).body;
  const jwk = jwks.keys.find((k) => k.kid === kid);
  assert.ok(jwk, `kid ${kid} is in the JWKS`);
  return { jwk, key: createPublicKey({ key: jwk, format: 'jwk' }) };
}

// Every encoding of a public key an attacker might try as an HMAC secret.
function publicKeyEncodings(alg, jwk, key) {
  const pem = key.export({ type: 'spki', format: 'pem' });
  const out = {
    'SPKI PEM': pem,
    'SPKI PEM without the final newline': pem.trimEnd(),
    'SPKI DER': key.export({ type: 'spki', format: 'der' }),
    'the JWK as JSON': JSON.stringify(jwk),
  };
  if (alg === 'EdDSA') {
    out['raw 32-byte key'] = Buffer.from(jwk.x, 'base64url');
    out['the x member text'] = jwk.x;
  } else if (alg === 'ES256') {
    out['raw uncompressed point'] = Buffer.concat([Buffer.from([4]), Buffer.from(jwk.x, 'base64url'), Buffer.from(jwk.y, 'base64url')]);
  } else {
    out['PKCS#1 PEM'] = key.export({ type: 'pkcs1', format: 'pem' });
    out['PKCS#1 DER'] = key.export({ type: 'pkcs1', format: 'der' });
    out['raw modulus'] = Buffer.from(jwk.n, 'base64url');
  }
  return out;
}

// A token like the server's own for a live HS256 session, re-signed by us with fresh times.
async function hsBaseline() {
  const v = await victim('HS256');
  const t0 = now();
  const claims = { ...v.claims, iat: t0, exp: t0 + 300 };
  return { ...v, claims };
}

// --------------------------------------------------------------------- the probes are sound

test('a token we sign with the HS256 secret exactly like the server does is accepted (the forgeries below differ in one thing)', async () => {
  const { api, header, claims } = await hsBaseline();
  assert.equal((await api.get('/data', { token: hmacToken(header, { ...claims, jti: 'sound' }) })).status, 200);
});

test('each server accepts its own genuine token (the asymmetric forgeries below are refused for what they change)', async () => {
  for (const alg of ASYMMETRIC) {
    const { api, token } = await victim(alg);
    assert.equal((await api.get('/data', { token })).status, 200, alg);
  }
});

// ---------------------------------------------------------------------------------- alg none

test('alg "none" in every one of its 16 casings is refused, with or without a signature and a kid', async () => {
  for (const alg of [...ASYMMETRIC, 'HS256']) {
    const { t, token, header, claims } = await victim(alg);
    const payload = b64(claims);
    const genuineSig = token.split('.')[2];
    const cases = [];
    // Every casing on the default (EdDSA) server; a sample on the others.
    const spellings = alg === 'EdDSA' ? casings('none') : ['none', 'None', 'NONE', 'nOnE'];
    for (const none of spellings) {
      for (const h of [{ alg: none, typ: 'at+jwt' }, { alg: none, kid: header.kid, typ: 'at+jwt' }]) {
        const input = `${b64(h)}.${payload}`;
        cases.push([bearer(`${input}.`), ['malformed', 'alg_none'], `${alg} ${none} unsigned`]);
        cases.push([bearer(`${input}.${genuineSig}`), 'alg_none', `${alg} ${none} with the genuine signature`]);
        cases.push([bearer(`${input}.${b64('signature')}`), 'alg_none', `${alg} ${none} with a made-up signature`]);
      }
    }
    await refusedAll(t, cases);
  }
});

test('an unsigned token in the seed-001 form (no Bearer word) is refused too', async () => {
  const { t, header, claims } = await victim('EdDSA');
  const input = `${b64({ alg: 'none', kid: header.kid, typ: 'at+jwt' })}.${b64(claims)}`;
  await refused(t, `${input}.${b64('x')}`, 'alg_none', 'bare none token');
  await refused(t, `${input}.`, ['not a Bearer token', 'malformed'], 'bare none token without signature');
});

// --------------------------------------------------------------------- algorithm confusion

for (const alg of ASYMMETRIC) {
  test(`an HMAC token keyed with the ${alg} server's public key (PEM, DER, raw, JWK) and its kid is refused: the kid pins ${alg}`, async () => {
    const { t, header, claims } = await victim(alg);
    const { jwk, key } = await publicKeyOf(t, header.kid);
    const cases = [];
    for (const [form, secret] of Object.entries(publicKeyEncodings(alg, jwk, key))) {
      for (const hs of ['HS256', 'HS384', 'HS512']) {
        const forged = hmacToken({ alg: hs, kid: header.kid, typ: 'at+jwt' }, claims, secret, hs);
        cases.push([bearer(forged), 'alg_mismatch', `${alg} key as ${form}, ${hs}`]);
      }
    }
    await refusedAll(t, cases);
  });
}

test('a token that names a server kid but another asymmetric algorithm, signed with our own key of that kind, is refused', async () => {
  for (const alg of ASYMMETRIC) {
    const { t, header, claims } = await victim(alg);
    for (const other of ASYMMETRIC.filter((a) => a !== alg)) {
      const forged = keyToken({ alg: other, kid: header.kid, typ: 'at+jwt' }, claims, attacker[other].privateKey, other);
      await refused(t, bearer(forged), 'alg_mismatch', `${alg} kid with ${other}`);
    }
    for (const exotic of ['PS256', 'ES512', 'Ed25519', 'eddsa', 'HS256 ']) {
      await refused(t, bearer(hmacToken({ alg: exotic, kid: header.kid, typ: 'at+jwt' }, claims, 'k')), ['alg_mismatch'], `${alg} kid with ${exotic}`);
    }
  }
});

test('on an HS256 server, a token with its kid but an asymmetric alg signed with our own key is refused', async () => {
  const { t, header, claims } = await hsBaseline();
  for (const other of ASYMMETRIC) {
    const forged = keyToken({ alg: other, kid: header.kid, typ: 'at+jwt' }, claims, attacker[other].privateKey, other);
    await refused(t, bearer(forged), 'alg_mismatch', `HS256 kid with ${other}`);
  }
});

// ------------------------------------------------------ keys named by the token: jku/jwk/x5u

test('jku, jwk, x5u, x5c and crit headers are refused even on a token otherwise signed with the real secret', async () => {
  const { t, header, claims } = await hsBaseline();
  const ours = attacker.EdDSA.publicKey.export({ format: 'jwk' });
  const injected = {
    jku: 'https://attacker.example/jwks.json',
    jwk: { ...ours, kid: header.kid },
    x5u: 'https://attacker.example/cert.pem',
    x5c: [attacker.EdDSA.publicKey.export({ type: 'spki', format: 'der' }).toString('base64')],
    crit: ['exp'],
  };
  for (const [name, value] of Object.entries(injected)) {
    const forged = hmacToken({ ...header, [name]: value }, { ...claims, jti: `inj-${name}` });
    await refused(t, bearer(forged), 'forbidden_header', `${name} with the real secret`);
  }
});

test('a token that brings its own key (jwk, x5c) or points at one (jku, x5u) on our listener is refused and nothing is fetched', async () => {
  const hits = [];
  const listener = createServer((req, res) => {
    hits.push(req.url);
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ keys: [{ ...attacker.EdDSA.publicKey.export({ format: 'jwk' }), kid: 'attacker', alg: 'EdDSA', use: 'sig' }] }));
  });
  await new Promise((r) => listener.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${listener.address().port}`;
  try {
    for (const alg of ASYMMETRIC) {
      const { t, header, claims } = await victim(alg);
      const mine = attacker[alg];
      const jwk = { ...mine.publicKey.export({ format: 'jwk' }), kid: 'attacker', alg };
      const der = mine.publicKey.export({ type: 'spki', format: 'der' }).toString('base64');
      const headers = [
        { alg, kid: 'attacker', typ: 'at+jwt', jku: `${base}/jwks.json` },
        { alg, kid: header.kid, typ: 'at+jwt', jku: `${base}/jwks.json` },
        { alg, typ: 'at+jwt', jwk },
        { alg, kid: header.kid, typ: 'at+jwt', jwk: { ...jwk, kid: header.kid } },
        { alg, kid: 'attacker', typ: 'at+jwt', x5u: `${base}/cert.pem` },
        { alg, kid: header.kid, typ: 'at+jwt', x5c: [der] },
      ];
      for (const h of headers) {
        await refused(t, bearer(keyToken(h, claims, mine.privateKey, alg)), 'forbidden_header', `${alg} ${Object.keys(h).join(',')}`);
      }
      // Without the injected member, our own key is simply unknown or wrong.
      await refused(t, bearer(keyToken({ alg, kid: 'attacker', typ: 'at+jwt' }, claims, mine.privateKey, alg)), 'unknown_kid', `${alg} our kid`);
      await refused(t, bearer(keyToken({ alg, kid: header.kid, typ: 'at+jwt' }, claims, mine.privateKey, alg)), 'bad_signature', `${alg} our key, their kid`);
    }
    assert.deepEqual(hits, [], 'the server fetched a key URL named by a token');
  } finally {
    await new Promise((r) => listener.close(r));
  }
});

test('a kid with path traversal, SQL, a NUL byte or a URL names no key, whatever the token is signed with', async () => {
  const { t, api, s, header, claims } = await hsBaseline();
  const kids = [
    '../../../../../../dev/null', '/dev/null', '../../../../etc/passwd', '..\\..\\..\\windows\\win.ini',
    'file:///etc/passwd', 'http://127.0.0.1:1/key', "' OR '1'='1", "x' UNION SELECT 'AAAA' --",
    '1; DROP TABLE users; --', '%00', `${header.kid}\u0000`, `${header.kid}\u0000../../x`, ` ${header.kid}`,
    `${header.kid} `, `${header.kid}/`, `../${header.kid}`, 'k'.repeat(3000),
  ];
  if (header.kid.toUpperCase() !== header.kid) kids.push(header.kid.toUpperCase());
  const cases = [];
  for (const kid of kids) {
    // The real secret, an empty key (what /dev/null reads as) and the kid text itself.
    for (const key of [HS_SECRET, '', kid]) {
      cases.push([bearer(hmacToken({ ...header, kid }, claims, key)), 'unknown_kid', `kid ${JSON.stringify(kid.slice(0, 40))}`]);
    }
  }
  await refusedAll(t, cases);
  for (const kid of ['', 5, null, true, [header.kid], { kid: header.kid }]) {
    await refused(t, bearer(hmacToken({ ...header, kid }, claims)), ['missing_kid', 'bad_header'], `kid ${JSON.stringify(kid)}`);
  }
  // The tables the SQL text names are intact: the account still logs in and its token works.
  const again = await api.post('/auth/login', { json: { email: s.email, password: s.password } });
  assert.equal(again.status, 200, again.text);
  assert.equal((await api.get('/data', { token: again.body.access_token })).status, 200);
});

// ------------------------------------------------------------- signatures stripped or spoilt

// The base64url character after `c` with its spare low bits set: the same bytes, a non-canonical
// spelling (only when the length leaves spare bits).
function nonCanonical(seg) {
  const alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';
  if (seg.length % 4 === 0) return null;
  const v = alphabet.indexOf(seg[seg.length - 1]);
  return seg.slice(0, -1) + alphabet[v | 1];
}

test('a stripped, truncated, extended, transplanted or re-encoded signature is refused', async () => {
  for (const alg of [...ASYMMETRIC, 'HS256']) {
    const { t, token, api } = await victim(alg);
    const other = (await signup(api)).access;
    const [h, p, sig] = token.split('.');
    const raw = Buffer.from(sig, 'base64url');
    const cases = {
      'no signature segment': [`${h}.${p}`, 'malformed'],
      'empty signature': [`${h}.${p}.`, 'malformed'],
      'an extra dot': [`${h}.${p}..`, 'malformed'],
      'a one-character signature': [`${h}.${p}.A`, 'bad_signature'],
      "another token's signature": [`${h}.${p}.${other.split('.')[2]}`, 'bad_signature'],
      'one byte short': [`${h}.${p}.${raw.subarray(0, -1).toString('base64url')}`, 'bad_signature'],
      'one byte more': [`${h}.${p}.${Buffer.concat([raw, Buffer.from([0])]).toString('base64url')}`, 'bad_signature'],
      'all zero bytes': [`${h}.${p}.${Buffer.alloc(raw.length).toString('base64url')}`, 'bad_signature'],
      'padded with =': [`${h}.${p}.${sig}==`, 'bad_signature'],
      'in standard base64': [`${h}.${p}.${raw.toString('base64').replace(/=+$/, '')}`, ['bad_signature', 'not a Bearer token']],
      'the header re-serialised with spaces': [`${b64(JSON.stringify(jwtHeader(token), null, 1))}.${p}.${sig}`, 'bad_signature'],
      'the claims re-serialised with spaces': [`${h}.${b64(JSON.stringify(jwtClaims(token), null, 1))}.${sig}`, 'bad_signature'],
    };
    const spelled = nonCanonical(sig);
    if (spelled) cases['the same bytes spelled non-canonically'] = [`${h}.${p}.${spelled}`, 'bad_signature'];
    for (const [name, [forged, reasons]] of Object.entries(cases)) {
      if (forged === token) continue;  // standard base64 may spell it the same
      await refused(t, bearer(forged), reasons, `${alg}: ${name}`);
    }
    assert.equal((await api.get('/data', { token })).status, 200, `${alg}: the genuine token still works`);
  }
});

test('flipping a bit of any signature byte is refused (every byte of EdDSA, ES256 and HS256 signatures; a sample of RSA bytes)', async () => {
  for (const alg of [...ASYMMETRIC, 'HS256']) {
    const { t, token } = await victim(alg);
    const [h, p, sig] = token.split('.');
    const raw = Buffer.from(sig, 'base64url');
    const step = raw.length > 64 ? Math.ceil(raw.length / 48) : 1;
    const cases = [];
    for (let i = 0; i < raw.length; i += step) {
      // The lowest and the highest bit, alternately: both ends of every byte get tried.
      const mask = i % 2 ? 0x80 : 0x01;
      const flipped = Buffer.from(raw);
      flipped[i] ^= mask;
      cases.push([bearer(`${h}.${p}.${flipped.toString('base64url')}`), 'bad_signature', `${alg} byte ${i} ^ ${mask}`]);
    }
    await refusedAll(t, cases);
  }
});

test('flipping a bit in the signed header or claims bytes is refused', async () => {
  const headerReasons = ['bad_base64', 'bad_header', 'alg_mismatch', 'unknown_kid', 'missing_kid', 'bad_signature', 'alg_none', 'forbidden_header'];
  for (const alg of ['EdDSA', 'HS256']) {
    const { t, token } = await victim(alg);
    const [h, p, sig] = token.split('.');
    const header = Buffer.from(h, 'base64url');
    const claims = Buffer.from(p, 'base64url');
    const cases = [];
    for (let i = 0; i < header.length; i += 3) {
      const x = Buffer.from(header);
      x[i] ^= 0x02;
      cases.push([bearer(`${x.toString('base64url')}.${p}.${sig}`), headerReasons, `${alg} header byte ${i}`]);
    }
    for (let i = 0; i < claims.length; i += 11) {
      const x = Buffer.from(claims);
      x[i] ^= 0x02;
      cases.push([bearer(`${h}.${x.toString('base64url')}.${sig}`), 'bad_signature', `${alg} claims byte ${i}`]);
    }
    await refusedAll(t, cases);
  }
});

// ------------------------------------------------------------------ oversized and nested

// An HS256 token for the baseline session, padded (a `pad` claim, spaces in the header JSON) to
// exactly `size` characters.
function paddedToken(header, claims, size) {
  const headerJson = JSON.stringify(header);
  for (let spaces = 0; spaces < 4; spaces += 1) {
    const h = headerJson.replace('{', `{${' '.repeat(spaces)}`);
    const bare = hmacToken(h, { ...claims, pad: '' }).length;
    for (let pad = Math.max(0, Math.floor(((size - bare) * 3) / 4) - 8); pad < size; pad += 1) {
      const token = hmacToken(h, { ...claims, pad: 'x'.repeat(pad) });
      if (token.length === size) return token;
      if (token.length > size) break;
    }
  }
  throw new Error(`cannot pad a token to ${size}`);
}

test('a correctly signed token of exactly 8 KiB is accepted and one of 8 KiB + 1 is refused as too large', async () => {
  const { t, api, header, claims } = await hsBaseline();
  const at = paddedToken(header, { ...claims, jti: 'size-8192' }, 8192);
  assert.equal(at.length, 8192);
  assert.equal((await api.get('/data', { token: at })).status, 200, 'the limit is on size alone');
  const over = paddedToken(header, { ...claims, jti: 'size-8193' }, 8193);
  await refused(t, bearer(over), 'too_large', '8193 bytes');
});

test('a 12 KiB token is refused as too large by every server, and a 64 KiB one is cut off by the header limit (431)', async () => {
  for (const alg of [...ASYMMETRIC, 'HS256']) {
    const { t, token } = await victim(alg);
    const [h, p, sig] = token.split('.');
    await refused(t, bearer(`${h}.${p}${'A'.repeat(12 * 1024)}.${sig}`), 'too_large', `${alg} 12 KiB`);
    const huge = await client(t.url).get('/data', { token: `${h}.${p}${'A'.repeat(64 * 1024)}.${sig}` });
    assertProblem(huge, 431, 'headers_too_large');
  }
});

test('a token nested in a token is refused: as the payload, as a claim value, wrapped by alg none, or as extra segments', async () => {
  const { t, token, header, claims } = await hsBaseline();
  const nestedHeader = { ...header, cty: 'JWT' };
  await refused(t, bearer(hmacToken(nestedHeader, token)), 'bad_claims', 'payload is the genuine token');
  await refused(t, bearer(hmacToken(nestedHeader, JSON.stringify(token))), 'bad_claims', 'payload is the token as a JSON string');
  await refused(t, bearer(hmacToken(nestedHeader, { token })), 'missing_claim', 'the token as a claim of an otherwise empty set');
  await refused(t, bearer(`${b64({ alg: 'none', cty: 'JWT' })}.${b64(token)}.${b64('x')}`), 'alg_none', 'alg none around the token');
  const [h, p, sig] = token.split('.');
  await refused(t, bearer(`${token}.${token}`), 'malformed', 'two tokens joined');
  await refused(t, bearer(`${h}.${p}.${token}`), 'malformed', 'the token as the signature');
  await refused(t, bearer(`${h}.${token}.${sig}`), 'malformed', 'the token as the payload segment');
  await refused(t, bearer(`${h}.${p}.${sig}.${h}.${p}`), 'malformed', 'a JWE-shaped five-part value');
  assert.equal((await client(t.url).get('/data', { token })).status, 200);
});

test('deeply nested JSON in the header or claims is refused without harm, signed or not', async () => {
  const { t, api, header, claims } = await hsBaseline();
  const arrays = (n) => `${'['.repeat(n)}${']'.repeat(n)}`;
  const objects = (n) => `${'{"a":'.repeat(n)}1${'}'.repeat(n)}`;
  const headerJson = JSON.stringify(header);
  for (const [name, nested] of [['arrays x2500', arrays(2500)], ['objects x700', objects(700)]]) {
    const h = `${headerJson.slice(0, -1)},"x":${nested}}`;
    await refused(t, bearer(hmacToken(h, claims)), 'bad_header', `header ${name}, signed`);
    await refused(t, bearer(`${b64(h)}.${b64(claims)}.${b64('sig')}`), 'bad_header', `header ${name}, unsigned`);
  }
  const claimsJson = JSON.stringify(claims);
  for (const [name, nested] of [['arrays x2500', arrays(2500)], ['objects x700', objects(700)]]) {
    await refused(t, bearer(hmacToken(header, `${claimsJson.slice(0, -1)},"x":${nested}}`)), 'bad_claims', `claims ${name}`);
    await refused(t, bearer(hmacToken(header, nested)), 'bad_claims', `claims are ${name}`);
  }
  assert.equal((await api.get('/healthz')).status, 200, 'the server is still up');
});

// ------------------------------------------------------------------------ the time window

test('an expired token is refused with reason "expired", however long ago and even 45 s ago (leeway at most 30 s)', async () => {
  const { t, header, claims } = await hsBaseline();
  const t0 = now();
  for (const [iat, exp] of [[t0 - 7200, t0 - 3600], [t0 - 945, t0 - 45], [0, 1]]) {
    await refused(t, bearer(hmacToken(header, { ...claims, iat, exp, jti: `exp-${exp}` })), 'expired', `exp ${exp - t0}s`);
  }
});

test('a token not valid yet (nbf in the future) or issued in the future is refused, naming which', async () => {
  const { t, header, claims } = await hsBaseline();
  const t0 = now();
  await refused(t, bearer(hmacToken(header, { ...claims, nbf: t0 + 120, jti: 'nbf' })), 'not_yet_valid', 'nbf +120 s');
  await refused(t, bearer(hmacToken(header, { ...claims, nbf: t0 + 86400 * 365, jti: 'nbf-year' })), 'not_yet_valid', 'nbf +1 year');
  await refused(t, bearer(hmacToken(header, { ...claims, iat: t0 + 120, exp: t0 + 900, jti: 'iat' })), 'issued_in_future', 'iat +120 s');
});

test('time claims of the wrong type or out of range are refused, never a 500', async () => {
  const { t, header, claims } = await hsBaseline();
  const t0 = now();
  const spoilt = [
    { exp: `${t0 + 300}` }, { exp: t0 + 300.5 }, { exp: 1e300 }, { exp: 2 ** 64 }, { exp: -(2 ** 63) }, { exp: null },
    { iat: 'now' }, { nbf: [t0] }, { iat: -1e30 },
  ];
  for (const change of spoilt) {
    await refused(t, bearer(hmacToken(header, { ...claims, ...change })), ['bad_claims', 'expired', 'missing_claim'], JSON.stringify(change));
  }
});

// ------------------------------------------------------ a session must belong to its subject

// Issue 24: with the signing secret (which an HS256 deployment shares with its resource
// servers) a token can name any sub, sid and ver. The session binding (claim sid_bind, a MAC
// under a key only Tessera holds) ties the three together, so each pairing the server did not
// issue is refused on every guarded route, however it is signed.
test('an HS256 token with A\'s sub and B\'s live sid, or a version A is not at, is refused on every guarded route, before and after A\'s logout', async () => {
  const t = servers.HS256;
  const api = client(t.url);
  const a = await hsBaseline();
  const b = await victim('HS256');
  const forgeries = {
    'A\'s sub with B\'s sid': { ...a.claims, sid: b.claims.sid },
    'A\'s sub with B\'s sid and B\'s binding': { ...a.claims, sid: b.claims.sid, sid_bind: b.claims.sid_bind },
    'B\'s sid and binding with A\'s sub, email and roles': { ...b.claims, iat: a.claims.iat, exp: a.claims.exp, sub: a.claims.sub, email: a.claims.email },
    'A\'s own session at a version A is not at': { ...a.claims, ver: a.claims.ver + 1 },
    'A\'s own session at version 999999': { ...a.claims, ver: 999999 },
  };
  const check = async (when) => {
    for (const [what, claims] of Object.entries(forgeries)) {
      const token = hmacToken(a.header, { ...claims, jti: `bind-${++seq}` });
      await refused(t, bearer(token), 'session_binding', `${what}, ${when}`);
      for (const path of ['/auth/me', '/auth/sessions', '/profile']) {
        assertInvalidToken(await api.get(path, { token }));
      }
      assertInvalidToken(await api.post('/auth/logout-all', { token }));
    }
  };
  await check('both sessions live');
  // The genuine tokens still work (the refusals were about the pairing) ...
  assert.equal((await api.get('/auth/me', { token: a.token })).status, 200);
  assert.equal((await api.get('/auth/me', { token: b.token })).status, 200);
  // ... and after A logs out, nothing that names A outlives it.
  assert.equal((await api.post('/auth/logout', { token: a.token })).status, 204);
  await check('after A\'s logout');
  assertInvalidToken(await api.get('/auth/me', { token: a.token }));
  assert.equal((await api.get('/auth/me', { token: b.token })).status, 200, 'B is untouched');
});

test('a token without the session binding, or with one of the wrong type, is refused', async () => {
  const { t, header, claims } = await hsBaseline();
  const { sid_bind: _, ...unbound } = claims;
  await refused(t, bearer(hmacToken(header, unbound)), 'missing_claim', 'no sid_bind');
  await refused(t, bearer(hmacToken(header, { ...claims, sid_bind: '' })), 'missing_claim', 'empty sid_bind');
  await refused(t, bearer(hmacToken(header, { ...claims, sid_bind: 12 })), 'bad_claims', 'numeric sid_bind');
  await refused(t, bearer(hmacToken(header, { ...claims, sid_bind: claims.sid_bind.slice(0, -1) + (claims.sid_bind.endsWith('A') ? 'B' : 'A') })), 'session_binding', 'one character off');
});

// ----------------------------------------------------------------- tokens of other purposes

test('a refresh token, a verification token and a reset token are each refused as an access token', async () => {
  const t = servers.EdDSA;
  const api = client(t.url);
  const s = await signup(api);
  const verifyMail = await t.waitForLog((l) => l.msg === 'mail' && l.to === s.email && l.link.includes('verify-email'));
  assert.equal((await api.post('/auth/password/forgot', { json: { email: s.email } })).status, 202);
  const resetMail = await t.waitForLog((l) => l.msg === 'mail' && l.to === s.email && l.link.includes('reset-password'));
  const others = { refresh: s.refresh, verification: tokenOf(verifyMail.link), reset: tokenOf(resetMail.link) };
  for (const [kind, value] of Object.entries(others)) {
    assert.ok(value && value.length >= 43, kind);
    await refused(t, bearer(value), 'malformed', `${kind} token as Bearer`);
    await refused(t, value, 'not a Bearer token', `${kind} token as a bare Authorization value`);
  }
  // They are still good for their own purpose: the refusals above were about purpose.
  assert.equal((await api.post('/auth/verify-email', { json: { token: others.verification } })).status, 200);
  assert.equal((await api.post('/auth/refresh', { json: { refresh_token: others.refresh } })).status, 200);
});

test('an access token is refused where a refresh, verification or reset token is expected', async () => {
  const api = client(servers.EdDSA.url);
  const s = await signup(api);
  assertProblem(await api.post('/auth/refresh', { json: { refresh_token: s.access } }), 401, 'invalid_refresh_token');
  assertProblem(await api.post('/auth/verify-email', { json: { token: s.access } }), 400, 'invalid_token');
  assertProblem(await api.post('/auth/password/reset', { json: { token: s.access, new_password: 'Another-Long-Passphrase-77' } }), 400, 'invalid_token');
  assert.equal((await api.get('/data', { token: s.access })).status, 200, 'the access token itself is fine');
});

// ------------------------------------------------------------------------- after it all

test('no forged token in this suite got a 5xx or broke a connection', () => {
  for (const [alg, t] of Object.entries(servers)) {
    const bad = t.lines.filter((l) => (l.msg === 'request' && l.status >= 500) || l.msg === 'connection_failed' || l.level === 'error');
    assert.deepEqual(bad, [], `${alg} server`);
  }
});
