// SLOW (about 62 s): real access token expiry (SPEC §3). The shortest TESSERA_ACCESS_TTL is 30 s
// and verification allows at most 30 s of leeway, so a token is refused at the latest 61 s after
// it was issued. Faster probes of `exp` with tokens we sign ourselves are in tokens_guards.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera } from './support/tessera.mjs';
import { sleep } from './support/wait.mjs';
import { client, signup, jwtClaims } from './support/http.mjs';
import { assertInvalidToken, assertTokenResponse } from './support/expect.mjs';

test('(slow, ~62 s) an access token is refused once exp plus the leeway has passed, and a refresh then gives a working one', { timeout: 90_000 }, async () => {
  const t = await startTessera({ env: { TESSERA_ACCESS_TTL: '30s' } });
  try {
    const api = client(t.url);
    const s = await signup(api);
    const { iat, exp } = jwtClaims(s.access);
    assert.equal(exp - iat, 30);
    assert.equal(s.res.body.expires_in, 30);
    assert.equal((await api.get('/data', { token: s.access })).status, 200); // now also in the verifier's cache

    // The first whole second at which exp + 30 s of leeway is behind us, plus a margin.
    await sleep(Math.max(0, (exp + 31) * 1000 + 300 - Date.now()));
    const id = `expired-for-real-${process.pid}`;
    assertInvalidToken(await api.get('/data', { token: s.access, headers: { 'x-request-id': id } }));
    const line = await t.waitForLog((l) => l.msg === 'request' && l.request_id === id);
    assert.match(line.reason, /expired/);

    // What seed 003's client does on a 401: refresh through the cookie and retry.
    const r = assertTokenResponse(await api.post('/auth/refresh', { cookie: s.cookie }), 200);
    assert.equal((await api.get('/data', { token: r.access_token })).status, 200);
  } finally {
    await t.stop();
  }
});
