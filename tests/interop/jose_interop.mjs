// Interop with the npm `jose` library, both directions (the C++ half is jws_interop.cpp):
//   1. `jws_interop make DIR` writes keys and Tessera-signed access tokens;
//   2. jose's jwtVerify accepts every Tessera token (JWKS for the asymmetric keys, the secret
//      for HS256), checking issuer, audience and typ, and refuses a tampered one;
//   3. jose signs tokens with the same keys (SignJWT, importPKCS8 / the secret);
//   4. `jws_interop check DIR` verifies them with Tessera's verify_jwt.
// Usage: node tests/interop/jose_interop.mjs path/to/jws_interop. Exits non-zero on any failure.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import test from 'node:test';
import assert from 'node:assert/strict';
import { SignJWT, createLocalJWKSet, importPKCS8, jwtVerify } from 'jose';

const binary = process.argv[2] ?? 'build/debug/tests/jws_interop';
const algs = ['EdDSA', 'ES256', 'RS256', 'HS256'];

function run(command, dir) {
  return execFileSync(binary, [command, dir], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function readJson(dir, name) {
  return JSON.parse(readFileSync(join(dir, name), 'utf8'));
}

test('Tessera and jose accept each other\'s access tokens', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-jose-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));

  run('make', dir);
  const rules = readJson(dir, 'rules.json');
  const jwks = createLocalJWKSet(readJson(dir, 'jwks.json'));
  const secret = new Uint8Array(Buffer.from(readFileSync(join(dir, 'hs256.secret'), 'utf8'), 'base64url'));
  const tesseraTokens = readJson(dir, 'tokens.json');
  const verifyKey = (alg) => (alg === 'HS256' ? secret : jwks);
  const options = (alg) => ({
    issuer: rules.issuer,
    audience: rules.audience,
    typ: 'at+jwt',
    algorithms: [alg],
  });

  for (const alg of algs) {
    await t.test(`jose verifies Tessera's ${alg} token`, async () => {
      const token = tesseraTokens[alg];
      assert.equal(typeof token, 'string', `no Tessera ${alg} token`);
      const { payload, protectedHeader } = await jwtVerify(token, verifyKey(alg), options(alg));
      assert.deepEqual(Object.keys(protectedHeader), ['alg', 'kid', 'typ']);
      assert.equal(protectedHeader.alg, alg);
      assert.equal(protectedHeader.kid, rules.kids[alg]);
      assert.equal(protectedHeader.typ, 'at+jwt');
      for (const claim of ['sub', 'sid', 'jti', 'iat', 'exp']) assert.ok(claim in payload, claim);
    });

    await t.test(`jose refuses Tessera's ${alg} token with its signature changed`, async () => {
      // Change the first signature character: it always carries real bits. (Changing the
      // last one may only touch unused trailing bits, which jose's base64url decoder ignores
      // while Tessera's refuses them.)
      const token = tesseraTokens[alg];
      const at = token.lastIndexOf('.') + 1;
      const tampered = token.slice(0, at) + (token[at] === 'A' ? 'B' : 'A') + token.slice(at + 1);
      await assert.rejects(jwtVerify(tampered, verifyKey(alg), options(alg)));
    });
  }

  const joseTokens = {};
  for (const alg of algs) {
    await t.test(`jose signs an ${alg} token with Tessera's key`, async () => {
      const key = alg === 'HS256' ? secret : await importPKCS8(readFileSync(join(dir, `${alg}.pem`), 'utf8'), alg);
      joseTokens[alg] = await new SignJWT({ sid: `ses_jose_${alg}` })
        .setProtectedHeader({ alg, kid: rules.kids[alg], typ: 'at+jwt' })
        .setIssuer(rules.issuer)
        .setAudience(rules.audience)
        .setSubject(`usr_jose_${alg}`)
        .setJti(`tok_jose_${alg}`)
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(key);
    });
  }

  await t.test('Tessera verifies every jose token', () => {
    writeFileSync(join(dir, 'jose-tokens.json'), JSON.stringify(joseTokens));
    try {
      const out = run('check', dir);
      for (const alg of algs) assert.match(out, new RegExp(`^ok ${alg}:`, 'm'));
    } catch (err) {
      assert.fail(`jws_interop check failed:\n${err.stdout ?? ''}${err.stderr ?? err.message}`);
    }
  });
});
