// A restart on the same database (SPEC §1, §3, §6): signing keys, sessions and revocations are
// durable, after a clean stop and after a crash.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startTessera } from './support/tessera.mjs';
import { client, signup, login, jwtHeader, GOOD_PASSWORD } from './support/http.mjs';
import { assertProblem, assertInvalidToken, assertTokenResponse } from './support/expect.mjs';

// Runs fn(dir) with a fresh directory for the database, removed afterwards.
async function withDir(fn) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-restart-'));
  try {
    return await fn(dir);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

for (const alg of ['EdDSA', 'ES256', 'RS256']) {
  test(`after a clean restart an ${alg} access token from before still verifies and the JWKS keeps its kid`, async () => {
    await withDir(async (dir) => {
      const env = { TESSERA_JWT_ALG: alg };
      const first = await startTessera({ dir, env });
      const s = await signup(client(first.url));
      const kids = (await client(first.url).get('/.well-known/jwks.json')).body.keys.map((k) => k.kid);
      assert.equal((await first.stop()).code, 0);

      const second = await startTessera({ dir, env });
      try {
        const api = client(second.url);
        assert.equal((await api.get('/data', { token: s.access })).status, 200);
        const after = (await api.get('/.well-known/jwks.json')).body.keys.map((k) => k.kid);
        assert.ok(after.includes(jwtHeader(s.access).kid));
        assert.deepEqual(after, kids, 'no new key was generated');
        const fresh = await login(api, s);
        assert.equal(jwtHeader(fresh.access).kid, jwtHeader(s.access).kid, 'still signing with the same key');
      } finally {
        await second.stop();
      }
    });
  });
}

test('a refresh token from before a restart still rotates, and its session is still listed', async () => {
  await withDir(async (dir) => {
    const first = await startTessera({ dir });
    const s = await signup(client(first.url));
    const rotated = assertTokenResponse(await client(first.url).post('/auth/refresh', { cookie: s.cookie }), 200);
    await first.stop();

    const second = await startTessera({ dir });
    try {
      const api = client(second.url);
      const next = assertTokenResponse(await api.post('/auth/refresh', { json: { refresh_token: rotated.refresh_token } }), 200);
      assert.notEqual(next.refresh_token, rotated.refresh_token);
      const list = (await api.get('/auth/sessions', { token: next.access_token })).body.sessions;
      assert.deepEqual(list.map((x) => x.id), [s.sid]);
    } finally {
      await second.stop();
    }
  });
});

test('revocations survive a restart: logged-out sessions and a password change stay revoked', async () => {
  await withDir(async (dir) => {
    const first = await startTessera({ dir });
    const api1 = client(first.url);
    const a = await signup(api1);
    assert.equal((await api1.post('/auth/logout', { token: a.access })).status, 204);
    const b = await signup(api1);
    const bOther = await login(api1, b);
    const changed = await api1.post('/auth/password', { token: b.access, json: { current_password: GOOD_PASSWORD, new_password: 'Restart-proof Password 99' } });
    assert.equal(changed.status, 200);
    await first.stop();

    const second = await startTessera({ dir });
    try {
      const api = client(second.url);
      assertInvalidToken(await api.get('/data', { token: a.access }));
      assertInvalidToken(await api.get('/data', { token: b.access }));
      assertInvalidToken(await api.get('/data', { token: bOther.access }));
      assertProblem(await api.post('/auth/refresh', { json: { refresh_token: a.refresh } }), 401, 'invalid_refresh_token');
      assertProblem(await api.post('/auth/refresh', { json: { refresh_token: bOther.refresh } }), 401, 'invalid_refresh_token');
      assert.equal((await api.get('/data', { token: changed.body.access_token })).status, 200);
    } finally {
      await second.stop();
    }
  });
});

test('after a crash (SIGKILL) every acknowledged rotation and logout is still in force', async () => {
  await withDir(async (dir) => {
    const first = await startTessera({ dir });
    const api1 = client(first.url);
    const s = await signup(api1);
    const rotated = assertTokenResponse(await api1.post('/auth/refresh', { json: { refresh_token: s.refresh } }), 200);
    const gone = await signup(api1);
    assert.equal((await api1.post('/auth/logout', { cookie: gone.cookie })).status, 204);
    await first.kill();

    const second = await startTessera({ dir });
    try {
      const api = client(second.url);
      assertTokenResponse(await api.post('/auth/refresh', { json: { refresh_token: rotated.refresh_token } }), 200);
      assertInvalidToken(await api.get('/data', { token: gone.access }));
      assertProblem(await api.post('/auth/refresh', { json: { refresh_token: gone.refresh } }), 401, 'invalid_refresh_token');
    } finally {
      await second.stop();
    }
  });
});

test('reuse detection still works across a restart: a token rotated before it is refused after the grace', async () => {
  await withDir(async (dir) => {
    const env = { TESSERA_REFRESH_REUSE_GRACE: '0s' };
    const first = await startTessera({ dir, env });
    const s = await signup(client(first.url));
    const rotated = assertTokenResponse(await client(first.url).post('/auth/refresh', { json: { refresh_token: s.refresh } }), 200);
    await first.stop();

    const second = await startTessera({ dir, env });
    try {
      const api = client(second.url);
      assertProblem(await api.post('/auth/refresh', { json: { refresh_token: s.refresh } }), 401, 'refresh_token_reused');
      assertProblem(await api.post('/auth/refresh', { json: { refresh_token: rotated.refresh_token } }), 401, 'invalid_refresh_token');
      assertInvalidToken(await api.get('/data', { token: rotated.access_token }));
    } finally {
      await second.stop();
    }
  });
});

test('an account made under other Argon2id settings still logs in after they change', async () => {
  await withDir(async (dir) => {
    const first = await startTessera({ dir, env: { TESSERA_ARGON2_MEMORY_KIB: '8192', TESSERA_ARGON2_ITERATIONS: '2' } });
    const s = await signup(client(first.url));
    await first.stop();
    const second = await startTessera({ dir, env: { TESSERA_ARGON2_MEMORY_KIB: '4096', TESSERA_ARGON2_ITERATIONS: '1' } });
    try {
      const api = client(second.url);
      assertTokenResponse(await api.post('/auth/login', { json: { email: s.email, password: GOOD_PASSWORD } }), 200);
      // Twice: the first login may re-hash; the new hash must verify too.
      assertTokenResponse(await api.post('/auth/login', { json: { email: s.email, password: GOOD_PASSWORD } }), 200);
      assertProblem(await api.post('/auth/login', { json: { email: s.email, password: 'not-the-password' } }), 401, 'invalid_credentials');
    } finally {
      await second.stop();
    }
  });
});

test('neither the database files nor the log ever hold a password, a refresh token or an access token', async () => {
  await withDir(async (dir) => {
    const t = await startTessera({ dir });
    const api = client(t.url);
    const password = 'Plaintext-Canary Lighthouse 5150';
    const s = await signup(api, { password });
    const r = assertTokenResponse(await api.post('/auth/refresh', { cookie: s.cookie }), 200);
    const again = assertTokenResponse(await api.post('/auth/refresh', { cookie: s.cookie }), 200); // the grace replay
    const l = await login(api, { email: s.email, password });
    const newPassword = 'Second Plaintext-Canary 6160';
    const changed = assertTokenResponse(await api.post('/auth/password', { token: l.access, json: { current_password: password, new_password: newPassword } }), 200);
    await api.post('/auth/login', { json: { email: s.email, password: 'Wrong-Canary-Password-77' } });
    await t.stop(); // flushes the log and checkpoints nothing away: read every file left
    const secrets = { password, newPassword, wrong: 'Wrong-Canary-Password-77' };
    for (const [name, token] of Object.entries({ first: s.refresh, rotated: r.refresh_token, replay: again.refresh_token, login: l.refresh, changed: changed.refresh_token })) {
      secrets[`refresh ${name}`] = token;
      secrets[`refresh ${name} (raw bytes)`] = Buffer.from(token, 'base64url');
    }
    secrets['access token signature'] = l.access.split('.')[2];
    const files = readdirSync(dir).map((f) => [f, readFileSync(join(dir, f))]);
    files.push(['log', Buffer.from(t.lines.map((x) => JSON.stringify(x)).join('\n'))]);
    assert.ok(files.some(([f]) => f.startsWith('tessera.db')));
    for (const [file, bytes] of files) {
      for (const [what, secret] of Object.entries(secrets)) {
        assert.equal(bytes.indexOf(secret), -1, `${file} holds the ${what}`);
      }
    }
  });
});
