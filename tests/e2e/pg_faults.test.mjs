// PostgreSQL going away and coming back under traffic (issue 5, SPEC §6): while the database is
// down, requests that need it answer 503 problem+json quickly and /readyz says so, guarded
// requests that need only the token keep working; when it returns, everything recovers by
// itself, revocations across instances included, with no restart.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera } from './support/tessera.mjs';
import { startPostgres } from './support/postgres.mjs';
import { sleep, eventually } from './support/wait.mjs';
import { client, signup, login } from './support/http.mjs';
import { assertProblem, assertTokenResponse } from './support/expect.mjs';

let pg, a, b, apiA, apiB;
before(async () => {
  pg = await startPostgres();
  a = await startTessera({ env: { TESSERA_DATABASE: pg.url } });
  b = await startTessera({ env: { TESSERA_DATABASE: pg.url } });
  apiA = client(a.url);
  apiB = client(b.url);
});
after(async () => {
  await Promise.all([a?.stop(), b?.stop()]);
  pg?.stop();
});

// Times one request.
async function timed(promise) {
  const t0 = Date.now();
  const res = await promise;
  return { res, ms: Date.now() - t0 };
}

// Background traffic against both instances, bounded in time and count: a guarded GET and a
// login, in turn. Every answer is recorded with its duration.
function traffic(account, { untilMs, maxRequests = 4000 }) {
  const seen = [];
  let stop = false;
  const loop = async (api) => {
    for (let i = 0; !stop && i < maxRequests / 2 && Date.now() < untilMs; i += 1) {
      const t0 = Date.now();
      const res = i % 4 === 0 ? await api.post('/auth/login', { json: { email: account.email, password: account.password } })
                              : await api.get('/data', { token: account.access });
      seen.push({ status: res.status, code: res.body?.code, ms: Date.now() - t0 });
      await sleep(10);
    }
  };
  const running = Promise.all([loop(apiA), loop(apiB)]);
  return { seen, done: async () => { stop = true; await running; return seen; } };
}

test('the database stops and restarts under traffic: fast 503s meanwhile, then full recovery', async () => {
  const s = await signup(apiA);
  const other = await login(apiB, s);  // a second session, revoked after the recovery
  const load = traffic(s, { untilMs: Date.now() + 60_000 });
  await sleep(500);

  pg.suspend();
  try {
    // /readyz notices at once, on both instances.
    for (const api of [apiA, apiB]) {
      const { res, ms } = await timed(api.get('/readyz'));
      assertProblem(res, 503, 'database_unavailable');
      assert.ok(ms < 3000, `/readyz took ${ms} ms`);
    }
    // Requests that need the database fail fast and clearly.
    const { res: loginRes, ms: loginMs } = await timed(apiB.post('/auth/login', { json: { email: s.email, password: s.password } }));
    assertProblem(loginRes, 503, 'database_unavailable');
    assert.ok(loginMs < 3000, `login took ${loginMs} ms while the database was down`);
    assert.ok(loginRes.headers.get('retry-after'), 'a 503 says when to come back');
    const { res: refreshRes } = await timed(apiA.post('/auth/refresh', { json: { refresh_token: s.refresh } }));
    assertProblem(refreshRes, 503, 'database_unavailable');
    // A guarded request needs only the token and the in-memory revocations.
    for (const api of [apiA, apiB]) {
      const { res, ms } = await timed(api.get('/data', { token: s.access }));
      assert.equal(res.status, 200, res.text);
      assert.ok(ms < 1000, `guarded GET took ${ms} ms`);
    }
    await sleep(1500);  // let the background traffic meet the outage for a while
  } finally {
    pg.resume();
  }

  // Recovery without a restart: readiness, logins, refreshes.
  for (const api of [apiA, apiB]) {
    await eventually(async () => (await api.get('/readyz')).status === 200, { withinMs: 10_000, what: 'readiness after the restart' });
  }
  assertTokenResponse(await apiB.post('/auth/refresh', { json: { refresh_token: s.refresh } }), 200);
  const fresh = await login(apiA, s);
  assert.equal((await apiB.get('/auth/me', { token: fresh.access })).status, 200);

  // The listener reconnected: a logout on A reaches B within a second again.
  assert.equal((await apiB.get('/auth/me', { token: other.access })).status, 200);
  assert.equal((await apiA.del(`/auth/sessions/${other.sid}`, { token: fresh.access })).status, 204);
  await eventually(async () => (await apiB.get('/auth/me', { token: other.access })).status === 401,
    { withinMs: 1000, everyMs: 20, what: 'B refusing a session deleted on A after the outage' });

  const seen = await load.done();
  // The traffic saw only answers that mean something: never a 500, never a hang.
  const statuses = new Set(seen.map((r) => r.status));
  for (const st of statuses) assert.ok([200, 503].includes(st), `unexpected status ${st}: ${JSON.stringify(seen.find((r) => r.status === st))}`);
  for (const r of seen.filter((x) => x.status === 503)) assert.equal(r.code, 'database_unavailable');
  const slowest = Math.max(...seen.map((r) => r.ms));
  assert.ok(slowest < 5000, `the slowest request took ${slowest} ms`);
  assert.ok(seen.some((r) => r.status === 503), 'the traffic met the outage');
  assert.ok(seen.filter((r) => r.status === 200).length > 10);
});
