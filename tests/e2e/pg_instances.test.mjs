// Several Tessera instances on one PostgreSQL (SPEC §6, issue 5): what one instance does, the
// others honour. Two real `tessera serve` processes share a private PostgreSQL cluster
// (Debian's postgresql, loopback, temp dir); clients alternate between them as a load balancer
// would. Revocations travel by LISTEN/NOTIFY and must bite on the other instance within one
// second.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera } from './support/tessera.mjs';
import { startPostgres, databaseFor } from './support/postgres.mjs';
import { eventually } from './support/wait.mjs';
import { runCli } from './support/cli.mjs';
import { client, signup, login, uniqueEmail, GOOD_PASSWORD, jwtHeader, jwtClaims, signHs256 } from './support/http.mjs';
import { assertProblem, assertTokenResponse, assertInvalidToken } from './support/expect.mjs';
import { codeAt, enableTotp, passwordStep } from './support/totp.mjs';

let pg, a, b, apiA, apiB, noGraceA, noGraceB, ngA, ngB, hsA, hsB;
const HS_SECRET = 'pg-instances-hs256-secret-0123456789-abcdefghij';
const shared = (extra = {}) => ({ TESSERA_DATABASE: pg.url, ...extra });

before(async () => {
  pg = await startPostgres();
  // One instance migrates and makes the signing key; the others start on the ready database.
  a = await startTessera({ env: shared() });
  b = await startTessera({ env: shared() });
  apiA = client(a.url);
  apiB = client(b.url);
  // A second pair with no grace interval, where every reuse is a reuse.
  noGraceA = await startTessera({ env: shared({ TESSERA_REFRESH_REUSE_GRACE: '0s' }) });
  noGraceB = await startTessera({ env: shared({ TESSERA_REFRESH_REUSE_GRACE: '0s' }) });
  ngA = client(noGraceA.url);
  ngB = client(noGraceB.url);
  // A pair signing HS256 with a secret we know, on a database of its own, to forge tokens with.
  const hsEnv = { TESSERA_DATABASE: databaseFor(pg.url, 'pg-instances-hs256'), TESSERA_JWT_ALG: 'HS256', TESSERA_JWT_SECRET: HS_SECRET };
  hsA = await startTessera({ env: hsEnv });
  hsB = await startTessera({ env: hsEnv });
});
after(async () => {
  await Promise.all([a?.stop(), b?.stop(), noGraceA?.stop(), noGraceB?.stop(), hsA?.stop(), hsB?.stop()]);
  pg?.stop();
});

// Resolves once `token` is refused on `api` (401), with how long that took.
const refusedWithin = (api, token, what) =>
  eventually(async () => (await api.get('/auth/me', { token })).status === 401, { withinMs: 1000, everyMs: 20, what });

test('both instances report PostgreSQL and are ready', async () => {
  for (const t of [a, b]) {
    assert.equal((await client(t.url).get('/readyz')).status, 200);
    assert.ok(t.lines.some((l) => l.msg === 'listening' && l.database === 'postgres'));
  }
});

test('an account made on one instance logs in on the other; its tokens work on both', async () => {
  const s = await signup(apiA);
  const again = await login(apiB, s);
  assert.equal(again.user.id, s.user.id);
  for (const api of [apiA, apiB]) {
    assert.equal((await api.get('/auth/me', { token: s.access })).status, 200);
    assert.equal((await api.get('/auth/me', { token: again.access })).status, 200);
  }
  // Both sessions are listed on either instance.
  const listed = await apiB.get('/auth/sessions', { token: s.access });
  assert.equal(listed.status, 200);
  assert.equal(listed.body.sessions.length, 2);
});

test('a refresh token rotated on one instance continues on the other, and the old one is spent', async () => {
  const s = await signup(ngA);
  const r1 = assertTokenResponse(await ngB.post('/auth/refresh', { json: { refresh_token: s.refresh } }), 200);
  const r2 = assertTokenResponse(await ngA.post('/auth/refresh', { json: { refresh_token: r1.refresh_token } }), 200);
  assert.notEqual(r2.refresh_token, r1.refresh_token);
  // Reusing the first one (no grace) is detected whichever instance sees it, and ends the session.
  assertProblem(await ngB.post('/auth/refresh', { json: { refresh_token: s.refresh } }), 401, 'refresh_token_reused');
  assertProblem(await ngA.post('/auth/refresh', { json: { refresh_token: r2.refresh_token } }), 401, 'invalid_refresh_token');
});

test('logout on one instance stops the access token on the other within a second', async () => {
  const s = await signup(apiA);
  assert.equal((await apiB.get('/auth/me', { token: s.access })).status, 200, 'cached as valid on B first');
  assert.equal((await apiA.post('/auth/logout', { token: s.access, json: { refresh_token: s.refresh } })).status, 204);
  const { ms } = await refusedWithin(apiB, s.access, 'B refusing a token logged out on A');
  assert.ok(ms <= 1000, `took ${ms} ms`);
});

test('logout-all, session delete and a password change on one instance reach the other within a second', async () => {
  // logout-all on B: both sessions' tokens stop on A.
  const s = await signup(apiB);
  const second = await login(apiB, s);
  for (const t of [s, second]) assert.equal((await apiA.get('/auth/me', { token: t.access })).status, 200);
  assert.equal((await apiB.post('/auth/logout-all', { token: s.access })).status, 204);
  await refusedWithin(apiA, s.access, 'logout-all: first session');
  await refusedWithin(apiA, second.access, 'logout-all: second session');

  // DELETE /auth/sessions/{id} on A: that session's token stops on B, the caller's stays.
  const u = await signup(apiA);
  const other = await login(apiA, u);
  assert.equal((await apiB.get('/auth/me', { token: other.access })).status, 200);
  assert.equal((await apiA.del(`/auth/sessions/${other.sid}`, { token: u.access })).status, 204);
  await refusedWithin(apiB, other.access, 'a deleted session');
  assert.equal((await apiB.get('/auth/me', { token: u.access })).status, 200, 'the caller is untouched');

  // Password change on B: the other session's token stops on A.
  const p = await signup(apiB);
  const elsewhere = await login(apiA, p);
  assert.equal((await apiA.get('/auth/me', { token: elsewhere.access })).status, 200);
  const changed = await apiB.post('/auth/password', {
    token: p.access,
    json: { current_password: GOOD_PASSWORD, new_password: `${GOOD_PASSWORD}-Changed!` },
  });
  assert.equal(changed.status, 200, changed.text);
  await refusedWithin(apiA, elsewhere.access, 'a password change');
});

test('an account disabled through the CLI is refused by both running instances within a second', async () => {
  const email = uniqueEmail('disabled');
  const s = await signup(apiA, { email });
  for (const api of [apiA, apiB]) assert.equal((await api.get('/auth/me', { token: s.access })).status, 200);
  const run = await runCli(['user', 'disable', email], { env: { TESSERA_DATABASE: pg.url } });
  assert.equal(run.code, 0, run.stderr);
  await refusedWithin(apiA, s.access, 'A refusing a disabled user');
  await refusedWithin(apiB, s.access, 'B refusing a disabled user');
});

test('concurrent refreshes of one token at both instances share one successor inside the grace interval', async () => {
  const s = await signup(apiA);
  const apis = [apiA, apiB];
  const results = await Promise.all(
    Array.from({ length: 16 }, (_, i) => apis[i % 2].post('/auth/refresh', { json: { refresh_token: s.refresh } })),
  );
  assert.deepEqual(results.map((r) => r.status), Array(16).fill(200), results.map((r) => r.text).join('\n'));
  const successors = new Set(results.map((r) => r.body.refresh_token));
  assert.equal(successors.size, 1, 'one successor, handed to every racer');
  // That successor is live and rotates normally.
  const [next] = successors;
  assertTokenResponse(await apiB.post('/auth/refresh', { json: { refresh_token: next } }), 200);
});

test('concurrent refreshes of one token at both instances yield at most one live successor without grace', async () => {
  const s = await signup(ngA);
  const apis = [ngA, ngB];
  const results = await Promise.all(
    Array.from({ length: 16 }, (_, i) => apis[i % 2].post('/auth/refresh', { json: { refresh_token: s.refresh } })),
  );
  const won = results.filter((r) => r.status === 200);
  assert.ok(won.length <= 1, `${won.length} racers got a successor`);
  for (const r of results) {
    if (r.status !== 200) assert.equal(r.status, 401, r.text);
  }
  // The losers presented a spent token: reuse, so the session is over and no successor lives on.
  const reused = results.filter((r) => r.body?.code === 'refresh_token_reused');
  assert.ok(reused.length >= 1, 'the reuse was detected');
  for (const w of won) {
    assertProblem(await ngB.post('/auth/refresh', { json: { refresh_token: w.body.refresh_token } }), 401, 'invalid_refresh_token');
  }
});

// Issue 24, on two instances: the session binding key is a shared server secret, so a token one
// instance issued verifies on the other, and a pairing neither issued is refused by both, with
// no database round trip (the check is a MAC over sub, sid and ver).
test('a token pairing one user\'s sub with another\'s live sid, or with a version the user is not at, is refused by both instances', async () => {
  const [apiHsA, apiHsB] = [client(hsA.url), client(hsB.url)];
  const alice = await signup(apiHsA);
  const bob = await signup(apiHsB);
  for (const api of [apiHsA, apiHsB]) {
    assert.equal((await api.get('/auth/me', { token: alice.access })).status, 200, 'issued on A, good on both');
    assert.equal((await api.get('/auth/me', { token: bob.access })).status, 200, 'issued on B, good on both');
  }
  const header = jwtHeader(alice.access);
  const claims = jwtClaims(alice.access);
  const sign = (c) => signHs256(header, c, HS_SECRET);
  assert.equal((await apiHsB.get('/auth/me', { token: sign({ ...claims, jti: 'pg-probe' }) })).status, 200, 'the probe is sound');
  const bobClaims = jwtClaims(bob.access);
  const forged = [
    sign({ ...claims, sid: bobClaims.sid, jti: 'pg-swap' }),
    sign({ ...claims, sid: bobClaims.sid, sid_bind: bobClaims.sid_bind, jti: 'pg-swap-bind' }),
    sign({ ...claims, ver: claims.ver + 1, jti: 'pg-ver' }),
  ];
  const refusedOnBoth = async () => {
    for (const token of forged) {
      for (const [name, t, api] of [['A', hsA, apiHsA], ['B', hsB, apiHsB]]) {
        const id = `pg-bind-${Math.random().toString(36).slice(2)}`;
        const res = await api.get('/auth/me', { token, headers: { 'x-request-id': id } });
        assertInvalidToken(res);
        const line = await t.waitForLog((l) => l.msg === 'request' && l.request_id === id);
        assert.equal(line.reason, 'session_binding', `instance ${name}`);
      }
    }
  };
  await refusedOnBoth();
  // Alice logs out on A: her own token stops on B within a second, the forgeries stay refused.
  assert.equal((await apiHsA.post('/auth/logout', { token: alice.access })).status, 204);
  await refusedWithin(apiHsB, alice.access, 'B refusing a token logged out on A');
  await refusedOnBoth();
  assert.equal((await apiHsA.get('/auth/me', { token: bob.access })).status, 200, 'Bob is untouched');
});

test('one TOTP code sent to both instances at once logs in exactly once; so does one recovery code', async () => {
  const s = await signup(apiA);
  const { totp, recovery_codes: codes } = await enableTotp(apiB, s);
  const ticketsOn = async (apis) => Promise.all(apis.map(async (api) => (await passwordStep(api, s)).mfa_ticket));
  const apis = [apiA, apiB, apiA, apiB, apiA, apiB];
  // A code of the next step: the confirming one is spent already.
  const code = codeAt(totp, 1);
  const tickets = await ticketsOn(apis);
  const totpResults = await Promise.all(tickets.map((ticket, i) =>
    apis[i].post('/auth/login/mfa', { json: { mfa_ticket: ticket, method: 'totp', code } })));
  assert.equal(totpResults.filter((r) => r.status === 200).length, 1, totpResults.map((r) => r.status).join(','));
  for (const r of totpResults.filter((x) => x.status !== 200)) assertProblem(r, 401, 'invalid_mfa_code');

  const again = await ticketsOn(apis);
  const codeResults = await Promise.all(again.map((ticket, i) =>
    apis[i].post('/auth/login/mfa', { json: { mfa_ticket: ticket, method: 'recovery_code', code: codes[0] } })));
  assert.equal(codeResults.filter((r) => r.status === 200).length, 1, codeResults.map((r) => r.status).join(','));
  const state = await apiA.get('/auth/mfa', { token: codeResults.find((r) => r.status === 200).body.access_token });
  assert.deepEqual(state.body.recovery_codes, { total: 10, remaining: 9 });
});

test('a ticket made on one instance is finished on the other, once', async () => {
  const s = await signup(apiA);
  const { totp } = await enableTotp(apiA, s);
  const ticket = (await passwordStep(apiA, s)).mfa_ticket;
  const code = codeAt(totp, 1);
  const [x, y] = await Promise.all([apiB, apiA].map((api) =>
    api.post('/auth/login/mfa', { json: { mfa_ticket: ticket, method: 'totp', code } })));
  assert.deepEqual([x.status, y.status].sort(), [200, 401]);
  const refused = x.status === 401 ? x : y;
  assert.ok(['mfa_ticket_invalid', 'invalid_mfa_code'].includes(refused.body.code), refused.text);
});
