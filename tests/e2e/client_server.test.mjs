// The server side of the JavaScript client (clients/js/src/server.js, issue 20) against a real
// Tessera: createVerifier in both modes (local: the JWKS, issuer, audience and algorithms
// pinned; remote: /auth/check, where a logout is seen at once) and the requireAuth middleware's
// guards, on a plain node:http server (the middleware is Connect-style, so Express takes it too).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { once } from 'node:events';
import { createVerifier, requireAuth, TesseraError } from '../../clients/js/src/server.js';
import { useTessera } from './support/tessera.mjs';
import { signup, uniqueEmail } from './support/http.mjs';
import { runCli } from './support/cli.mjs';
import { enableTotp } from './support/totp.mjs';
import { setUp } from './support/suite.mjs';

const t = useTessera();
const { api } = t;
// The issuer is TESSERA_PUBLIC_URL (as discovery says), not the address the server listens on.
let issuer;
const ISSUER = () => issuer;
setUp(async () => {
  issuer = (await api.get('/.well-known/openid-configuration')).body.issuer;
});

// A tiny API: `guards` on GET /data, answering the claims it was given.
async function withApi(verifier, guards, fn) {
  const mw = requireAuth(verifier, guards);
  const server = createServer((req, res) => mw(req, res, () => {
    res.setHeader('Content-Type', 'application/json');
    res.end(JSON.stringify({ sub: req.auth.sub, roles: req.auth.roles }));
  }));
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  try {
    const url = `http://127.0.0.1:${server.address().port}/data`;
    return await fn((token) => fetch(url, { headers: token ? { authorization: `Bearer ${token}` } : {} })
      .then(async (r) => ({ status: r.status, type: r.headers.get('content-type'), body: await r.json() })));
  } finally {
    server.close();
  }
}

test('local: a real token verifies to its claims; a forged, a foreign-audience or no token does not', async () => {
  const s = await signup(api);
  const local = createVerifier({ issuer: ISSUER(), url: t.url });
  const claims = await local.verify(s.access);
  assert.equal(claims.sub, s.user.id);
  assert.equal(claims.aal, 'aal1');
  const [h, p] = s.access.split('.');
  const forged = `${h}.${p}.${'A'.repeat(86)}`;
  await assert.rejects(local.verify(forged), (e) => e instanceof TesseraError && e.code === 'invalid_token' && e.status === 401);
  await assert.rejects(createVerifier({ issuer: ISSUER(), url: t.url, audience: 'https://other.example' }).verify(s.access),
    (e) => e.code === 'invalid_token');
  await assert.rejects(createVerifier({ issuer: ISSUER(), url: t.url, algorithms: ['RS256'] }).verify(s.access), (e) => e.code === 'invalid_token');
  await assert.rejects(local.verify(''), (e) => e.code === 'missing_token');
  assert.throws(() => createVerifier({ issuer: 'auth.example.com' }), (e) => e.code === 'invalid_option');
});

test('local cannot see a logout before the token expires; remote sees it at once', async () => {
  const s = await signup(api);
  const local = createVerifier({ issuer: ISSUER(), url: t.url });
  const remote = createVerifier({ issuer: ISSUER(), url: t.url, check: 'remote', cacheSeconds: 0 });
  assert.equal((await remote.verify(s.access)).sub, s.user.id);
  assert.equal((await api.post('/auth/logout', { token: s.access })).status, 204);
  await assert.rejects(remote.verify(s.access), (e) => e instanceof TesseraError && e.code === 'invalid_token' && e.status === 401);
  assert.equal((await local.verify(s.access)).sub, s.user.id, 'the documented trade-off of local checks');
});

test('remote keeps a positive answer for cacheSeconds, no longer', async () => {
  const s = await signup(api);
  let calls = 0;
  const counting = (...args) => { calls += 1; return fetch(...args); };
  const remote = createVerifier({ issuer: ISSUER(), url: t.url, check: 'remote', cacheSeconds: 1, fetch: counting });
  await remote.verify(s.access);
  await remote.verify(s.access);
  assert.equal(calls, 1);
  await new Promise((r) => setTimeout(r, 1100));
  await remote.verify(s.access);
  assert.equal(calls, 2);
});

test('requireAuth: 401 problem+json without a valid token, 403 for a missing role, 200 with it', async () => {
  const s = await signup(api, { email: uniqueEmail('mw') });
  for (const check of ['local', 'remote']) {
    const verifier = createVerifier({ issuer: ISSUER(), url: t.url, check, cacheSeconds: 0 });
    await withApi(verifier, { roles: ['editor'] }, async (get) => {
      const none = await get();
      assert.equal(none.status, 401);
      assert.match(none.type, /^application\/problem\+json/);
      assert.equal(none.body.code, 'missing_token');
      assert.equal((await get('garbage')).body.code, 'invalid_token');
      const plain = await get(s.access);
      assert.equal(plain.status, 403, check);
      assert.equal(plain.body.code, 'forbidden');
    });
  }
  const made = await runCli(['user', 'set-role', s.email, 'editor'], { dir: t.dir });
  assert.equal(made.code, 0, made.stderr);
  const again = await api.post('/auth/login', { json: { email: s.email, password: s.password } });
  for (const check of ['local', 'remote']) {
    await withApi(createVerifier({ issuer: ISSUER(), url: t.url, check }), { roles: ['editor'] }, async (get) => {
      const ok = await get(again.body.access_token);
      assert.equal(ok.status, 200, check);
      assert.deepEqual(ok.body, { sub: s.user.id, roles: ['editor'] });
    });
  }
});

test('requireAuth: verified and aal2 guards', async () => {
  const s = await signup(api);
  const verifier = createVerifier({ issuer: ISSUER(), url: t.url });
  await withApi(verifier, { verified: true }, async (get) => {
    assert.equal((await get(s.access)).body.code, 'email_not_verified');
  });
  await withApi(verifier, { aal: 'aal2' }, async (get) => {
    assert.equal((await get(s.access)).body.code, 'step_up_required');
    const strong = await enableTotp(api, await signup(api));
    assert.equal((await get(strong.access_token)).status, 200);
  });
});
