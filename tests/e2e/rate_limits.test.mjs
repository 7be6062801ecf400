// Rate limits and the login slow-down, black-box (SPEC §2 and §4): on by default, 429
// problem+json with code rate_limited and Retry-After in whole seconds; login per client IP and
// per account, sign-up per IP, mail per recipient and per IP, refresh per session (a refused
// refresh rotates nothing); the client IP comes from X-Forwarded-For only behind a trusted proxy;
// TESSERA_RATE_LIMITS=off turns everything off; the per-account slow-down grows, is capped,
// treats unknown addresses like known ones, ends with a success and survives a restart; and the
// limiter's memory stays bounded under a flood of distinct client addresses.
//
// Each test starts its own server with small limits for what it tests and generous ones for the
// rest, so that exactly one limit is in play.
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { connect } from 'node:net';
import { once } from 'node:events';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, startTessera } from './support/tessera.mjs';
import { sleep } from './support/wait.mjs';
import { client, signup, login, rawRequest, uniqueEmail, GOOD_PASSWORD } from './support/http.mjs';
import { assertProblem, assertTokenResponse } from './support/expect.mjs';
import { freePort } from './support/ports.mjs';
import { codeAt, enableTotp, passwordStep } from './support/totp.mjs';

const GENEROUS = {
  TESSERA_RATE_LIMITS: 'on',
  TESSERA_RATE_LIMIT_LOGIN_IP: '10000/1m',
  TESSERA_RATE_LIMIT_LOGIN_ACCOUNT: '10000/1m',
  TESSERA_RATE_LIMIT_SIGNUP_IP: '10000/1h',
  TESSERA_RATE_LIMIT_EMAIL_RECIPIENT: '10000/1h',
  TESSERA_RATE_LIMIT_EMAIL_IP: '10000/1h',
  TESSERA_RATE_LIMIT_REFRESH_SESSION: '10000/1m',
  TESSERA_RATE_LIMIT_MFA_IP: '10000/1m',
  TESSERA_RATE_LIMIT_MFA_ENROL: '10000/1h',
  TESSERA_LOGIN_SLOWDOWN_AFTER: '1000',
};
const WRONG = 'Wrong-password-but-long-enough-123';

// Runs `fn(server, api)` against a fresh server with GENEROUS limits overridden by `env`.
async function withServer(env, fn, options = {}) {
  const t = await startTessera({ env: { ...GENEROUS, ...env }, ...options });
  try {
    return await fn(t, client(t.url));
  } finally {
    await t.stop();
  }
}

// A 429 rate_limited problem whose Retry-After is a whole number of seconds in [1, maxSeconds].
// Returns the Retry-After.
function assertLimited(res, maxSeconds, note = '') {
  assertProblem(res, 429, 'rate_limited');
  const ra = res.headers.get('retry-after');
  assert.match(ra ?? '', /^[1-9]\d*$/, `${note}: Retry-After "${ra}"`);
  assert.ok(Number(ra) <= maxSeconds, `${note}: Retry-After ${ra} > ${maxSeconds}`);
  return Number(ra);
}

const from = (ip) => ({ 'x-forwarded-for': ip });
const loginAs = (api, email, password, headers = {}) => api.post('/auth/login', { json: { email, password }, headers });

// A response as an attacker compares it: everything but Date and X-Request-Id.
const observable = (res) => ({
  status: res.status,
  body: res.text,
  headers: [...res.headers].filter(([k]) => k !== 'date' && k !== 'x-request-id'),
});

// ------------------------------------------------------------------------------------ login

test('login is limited per client IP: the 4th attempt of 3/1m is 429 problem+json with Retry-After, even with the right password', async () => {
  await withServer({ TESSERA_RATE_LIMIT_LOGIN_IP: '3/1m' }, async (t, api) => {
    const account = await signup(api);
    for (let i = 0; i < 3; i += 1) assertProblem(await loginAs(api, uniqueEmail('nobody'), WRONG), 401, 'invalid_credentials');
    const ra = assertLimited(await loginAs(api, account.email, account.password), 60, '4th');
    assert.ok(ra >= 1 && ra <= 20, `one attempt refills every 20 s; Retry-After ${ra}`);
    assertLimited(await loginAs(api, uniqueEmail('nobody'), WRONG), 60, '5th');
  });
});

test('the per-IP login limit is per IP: behind a trusted proxy, another client is not affected', async () => {
  await withServer({ TESSERA_RATE_LIMIT_LOGIN_IP: '3/1m', TESSERA_TRUSTED_PROXIES: '127.0.0.1' }, async (t, api) => {
    const account = await signup(api);
    for (let i = 0; i < 3; i += 1) assertProblem(await loginAs(api, uniqueEmail('nobody'), WRONG, from('203.0.113.1')), 401, 'invalid_credentials');
    assertLimited(await loginAs(api, account.email, account.password, from('203.0.113.1')), 60);
    assertTokenResponse(await loginAs(api, account.email, account.password, from('203.0.113.2')), 200);
  });
});

test('login is limited per account across client IPs: four IPs, one account, the 4th attempt of 3/1m is 429', async () => {
  await withServer({ TESSERA_RATE_LIMIT_LOGIN_ACCOUNT: '3/1m', TESSERA_TRUSTED_PROXIES: '127.0.0.1' }, async (t, api) => {
    const account = await signup(api);
    const other = await signup(api);
    for (let i = 1; i <= 3; i += 1) assertTokenResponse(await loginAs(api, account.email, account.password, from(`198.51.100.${i}`)), 200);
    assertLimited(await loginAs(api, account.email, account.password, from('198.51.100.4')), 60, 'the 4th IP');
    assertTokenResponse(await loginAs(api, other.email, other.password, from('198.51.100.4')), 200);
  });
});

test('the per-account login limit counts every spelling of one address together', async () => {
  await withServer({ TESSERA_RATE_LIMIT_LOGIN_ACCOUNT: '3/1m', TESSERA_TRUSTED_PROXIES: '127.0.0.1' }, async (t, api) => {
    const account = await signup(api, { email: uniqueEmail('Spelled') });
    const spellings = [account.email.toUpperCase(), `  ${account.email}  `, account.email.replace(/^./, (c) => c.toUpperCase())];
    for (const [i, email] of spellings.entries()) assertTokenResponse(await loginAs(api, email, account.password, from(`192.0.2.${i + 1}`)), 200);
    assertLimited(await loginAs(api, account.email.toLowerCase(), account.password, from('192.0.2.9')), 60);
  });
});

test('the per-account login limit counts lookalike spellings of one username together', async () => {
  await withServer({ TESSERA_RATE_LIMIT_LOGIN_ACCOUNT: '3/1m', TESSERA_TRUSTED_PROXIES: '127.0.0.1' }, async (t, api) => {
    const name = `alice${process.pid % 10000}`;
    const account = await signup(api, { username: name, email: null });
    const fullwidth = [...name].map((c) => String.fromCodePoint(c.codePointAt(0) + 0xfee0)).join('');
    const spellings = [name.toUpperCase(), fullwidth, name];
    for (const [i, username] of spellings.entries()) {
      assertTokenResponse(await api.post('/auth/login', { json: { username, password: account.password }, headers: from(`192.0.2.${i + 1}`) }), 200);
    }
    assertLimited(await api.post('/auth/login', { json: { username: name, password: account.password }, headers: from('192.0.2.9') }), 60);
  });
});

// ------------------------------------------------------------------ the client's address

test('X-Forwarded-For is ignored without TESSERA_TRUSTED_PROXIES: a client cannot pick a new address per attempt', async () => {
  await withServer({ TESSERA_RATE_LIMIT_LOGIN_IP: '3/1m' }, async (t, api) => {
    for (let i = 1; i <= 3; i += 1) {
      assertProblem(await loginAs(api, uniqueEmail('nobody'), WRONG, from(`203.0.113.${i}`)), 401, 'invalid_credentials');
    }
    const id = `xff-ignored-${process.pid}`;
    assertLimited(await loginAs(api, uniqueEmail('nobody'), WRONG, { ...from('203.0.113.99'), 'x-request-id': id }), 60);
    assert.equal((await t.waitForLog((l) => l.request_id === id)).ip, '127.0.0.1');
  });
});

test('X-Forwarded-For from a peer outside TESSERA_TRUSTED_PROXIES is ignored', async () => {
  await withServer({ TESSERA_RATE_LIMIT_LOGIN_IP: '3/1m', TESSERA_TRUSTED_PROXIES: '10.0.0.0/8,::1' }, async (t, api) => {
    for (let i = 1; i <= 3; i += 1) {
      assertProblem(await loginAs(api, uniqueEmail('nobody'), WRONG, from(`10.1.1.${i}`)), 401, 'invalid_credentials');
    }
    assertLimited(await loginAs(api, uniqueEmail('nobody'), WRONG, from('10.1.1.99')), 60);
  });
});

test('behind a trusted proxy, addresses the client prepends to X-Forwarded-For are not believed', async () => {
  await withServer({ TESSERA_RATE_LIMIT_LOGIN_IP: '3/1m', TESSERA_TRUSTED_PROXIES: '127.0.0.1' }, async (t, api) => {
    // The proxy appends the address it saw (198.51.100.7); what comes before is the client's say.
    for (let i = 1; i <= 3; i += 1) {
      assertProblem(await loginAs(api, uniqueEmail('nobody'), WRONG, from(`203.0.113.${i}, 198.51.100.7`)), 401, 'invalid_credentials');
    }
    const id = `xff-prepended-${process.pid}`;
    assertLimited(await loginAs(api, uniqueEmail('nobody'), WRONG, { ...from('203.0.113.99, 198.51.100.7'), 'x-request-id': id }), 60);
    assert.equal((await t.waitForLog((l) => l.request_id === id)).ip, '198.51.100.7');
  });
});

test('behind a trusted proxy that adds its own X-Forwarded-For line, the client\'s own line is not believed', async () => {
  await withServer({ TESSERA_RATE_LIMIT_LOGIN_IP: '3/1m', TESSERA_TRUSTED_PROXIES: '127.0.0.1' }, async (t) => {
    // The client sends a line naming an address of its choice; the proxy adds one with the
    // address it saw. Field lines of one name are one list, in order (RFC 9110 §5.3).
    const attempt = (i) => rawRequest(t.url, {
      method: 'POST',
      path: '/auth/login',
      headers: [['Content-Type', 'application/json'], ['X-Forwarded-For', `203.0.113.${i}`], ['X-Forwarded-For', '198.51.100.7'],
        ['X-Request-Id', `xff-lines-${process.pid}-${i}`]],
      body: JSON.stringify({ email: uniqueEmail('nobody'), password: WRONG }),
    });
    for (let i = 1; i <= 3; i += 1) assert.equal((await attempt(i)).status, 401);
    const fourth = await attempt(4);
    assert.equal((await t.waitForLog((l) => l.request_id === `xff-lines-${process.pid}-4`)).ip, '198.51.100.7');
    assert.equal(fourth.status, 429, fourth.text);
  });
});

// ------------------------------------------------------------------------ sign-up and mail

test('sign-up is limited per client IP: the 3rd of 2/1h is 429 with Retry-After, another IP still signs up', async () => {
  await withServer({ TESSERA_RATE_LIMIT_SIGNUP_IP: '2/1h', TESSERA_TRUSTED_PROXIES: '127.0.0.1' }, async (t, api) => {
    const json = () => ({ email: uniqueEmail('signup-ip'), password: GOOD_PASSWORD });
    for (let i = 0; i < 2; i += 1) assert.equal((await api.post('/auth/signup', { json: json(), headers: from('203.0.113.5') })).status, 201);
    const ra = assertLimited(await api.post('/auth/signup', { json: json(), headers: from('203.0.113.5') }), 3600);
    assert.ok(ra > 60, `one sign-up refills every 30 min; Retry-After ${ra}`);
    assert.equal((await api.post('/auth/signup', { json: json(), headers: from('203.0.113.6') })).status, 201);
  });
});

test('mail requests are limited per recipient across client IPs and endpoints, for unknown addresses alike', async () => {
  await withServer({ TESSERA_RATE_LIMIT_EMAIL_RECIPIENT: '2/1h', TESSERA_TRUSTED_PROXIES: '127.0.0.1' }, async (t, api) => {
    const known = (await signup(api)).email;
    const unknown = uniqueEmail('nobody');
    const refusals = [];
    for (const email of [known, unknown]) {
      assert.equal((await api.post('/auth/password/forgot', { json: { email }, headers: from('198.51.100.1') })).status, 202);
      assert.equal((await api.post('/auth/verify-email/resend', { json: { email }, headers: from('198.51.100.2') })).status, 202);
      const res = await api.post('/auth/password/forgot', { json: { email }, headers: from('198.51.100.3') });
      assertLimited(res, 3600, email);
      refusals.push(res);
    }
    assert.deepEqual(observable(refusals[0]).body, observable(refusals[1]).body, 'the 429 does not tell known from unknown');
    assert.equal((await api.post('/auth/password/forgot', { json: { email: uniqueEmail('other') }, headers: from('198.51.100.3') })).status, 202);
  });
});

test('mail requests are limited per client IP: the 4th of 3/1h is 429, another IP is not affected', async () => {
  await withServer({ TESSERA_RATE_LIMIT_EMAIL_IP: '3/1h', TESSERA_TRUSTED_PROXIES: '127.0.0.1' }, async (t, api) => {
    const paths = ['/auth/password/forgot', '/auth/verify-email/resend', '/auth/password/forgot'];
    for (const path of paths) assert.equal((await api.post(path, { json: { email: uniqueEmail('mail-ip') }, headers: from('203.0.113.7') })).status, 202);
    assertLimited(await api.post('/auth/verify-email/resend', { json: { email: uniqueEmail('mail-ip') }, headers: from('203.0.113.7') }), 3600);
    assert.equal((await api.post('/auth/password/forgot', { json: { email: uniqueEmail('mail-ip') }, headers: from('203.0.113.8') })).status, 202);
  });
});

// ---------------------------------------------------------------------------------- refresh

test('refresh is limited per session; a refused refresh rotates nothing and the same token works after Retry-After', async () => {
  // 2/4s: a burst of two, then one every 2 s.
  await withServer({ TESSERA_RATE_LIMIT_REFRESH_SESSION: '2/4s' }, async (t, api) => {
    const s = await signup(api);
    const first = await api.post('/auth/refresh', { json: { refresh_token: s.refresh } });
    assertTokenResponse(first, 200);
    const second = await api.post('/auth/refresh', { json: { refresh_token: first.body.refresh_token } });
    assertTokenResponse(second, 200);
    const current = second.body.refresh_token;
    const limited = await api.post('/auth/refresh', { json: { refresh_token: current } });
    const ra = assertLimited(limited, 2, 'the 3rd refresh');
    // Another session of the same user has its own allowance.
    const other = await login(api, s);
    assertTokenResponse(await api.post('/auth/refresh', { json: { refresh_token: other.refresh } }), 200);
    await sleep(ra * 1000 + 150);
    // The refused token is still the session's current one: not rotated, not taken for reuse.
    const after = await api.post('/auth/refresh', { json: { refresh_token: current } });
    assertTokenResponse(after, 200);
    assert.notEqual(after.body.refresh_token, current);
    assert.equal((await api.get('/auth/me', { token: after.body.access_token })).status, 200);
  });
});

// --------------------------------------------------------------------------------- all off

test('TESSERA_RATE_LIMITS=off lets everything through, however small the limits', async () => {
  const tiny = {
    TESSERA_RATE_LIMITS: 'off',
    TESSERA_RATE_LIMIT_LOGIN_IP: '1/1h',
    TESSERA_RATE_LIMIT_LOGIN_ACCOUNT: '1/1h',
    TESSERA_RATE_LIMIT_SIGNUP_IP: '1/1h',
    TESSERA_RATE_LIMIT_EMAIL_RECIPIENT: '1/1h',
    TESSERA_RATE_LIMIT_EMAIL_IP: '1/1h',
    TESSERA_RATE_LIMIT_REFRESH_SESSION: '1/1h',
    TESSERA_LOGIN_SLOWDOWN_AFTER: '1',
    TESSERA_LOGIN_SLOWDOWN_MAX: '1h',
  };
  await withServer(tiny, async (t, api) => {
    const accounts = [await signup(api), await signup(api), await signup(api)];
    const a = accounts[0];
    for (let i = 0; i < 5; i += 1) assertProblem(await loginAs(api, a.email, WRONG), 401, 'invalid_credentials');
    assertTokenResponse(await loginAs(api, a.email, a.password), 200);
    assertTokenResponse(await loginAs(api, a.email, a.password), 200);
    for (let i = 0; i < 3; i += 1) assert.equal((await api.post('/auth/password/forgot', { json: { email: a.email } })).status, 202);
    for (let i = 0; i < 3; i += 1) assert.equal((await api.post('/auth/verify-email/resend', { json: { email: a.email } })).status, 202);
    let token = a.refresh;
    for (let i = 0; i < 3; i += 1) {
      const r = await api.post('/auth/refresh', { json: { refresh_token: token } });
      assertTokenResponse(r, 200);
      token = r.body.refresh_token;
    }
    assert.equal(t.lines.some((l) => l.status === 429), false);
  });
});

// -------------------------------------------------------------------------------- slow-down

// Waits out a Retry-After (seconds), with a little slack for the server's clock.
const waitOut = (seconds) => sleep(seconds * 1000 + 150);

describe('the login slow-down', { concurrency: true }, () => {
  test('after TESSERA_LOGIN_SLOWDOWN_AFTER failures the account answers 429 with Retry-After, even to the right password', async () => {
    await withServer({ TESSERA_LOGIN_SLOWDOWN_AFTER: '3' }, async (t, api) => {
      const a = await signup(api);
      for (let i = 0; i < 3; i += 1) assertProblem(await loginAs(api, a.email, WRONG), 401, 'invalid_credentials');
      const ra = assertLimited(await loginAs(api, a.email, a.password), 1, 'the right password after 3 failures');
      await waitOut(ra);
      assertTokenResponse(await loginAs(api, a.email, a.password), 200);
    });
  });

  test('an unknown address is slowed down exactly like a known one, so the 429 reveals nothing', async () => {
    await withServer({ TESSERA_LOGIN_SLOWDOWN_AFTER: '3' }, async (t, api) => {
      const known = (await signup(api)).email;
      const unknown = uniqueEmail('nobody');
      for (let i = 0; i < 3; i += 1) {
        assertProblem(await loginAs(api, known, WRONG), 401, 'invalid_credentials');
        assertProblem(await loginAs(api, unknown, WRONG), 401, 'invalid_credentials');
      }
      const a = await loginAs(api, known, WRONG);
      const b = await loginAs(api, unknown, WRONG);
      assertLimited(a, 1, 'known');
      assertLimited(b, 1, 'unknown');
      assert.deepEqual(observable(a), observable(b));
    });
  });

  test('a burst of concurrent wrong passwords cannot slip past the slow-down: no more than TESSERA_LOGIN_SLOWDOWN_AFTER are tried', async () => {
    // Eight hash workers, so that many attempts are in flight at once. Once three have failed,
    // the next must wait at least 1 s; the burst may outlast that on a loaded machine, so each
    // whole second it took admits at most one more.
    await withServer({ TESSERA_LOGIN_SLOWDOWN_AFTER: '3', TESSERA_HASH_WORKERS: '8' }, async (t, api) => {
      const a = await signup(api);
      const t0 = performance.now();
      const answers = await Promise.all(Array.from({ length: 30 }, () => loginAs(api, a.email, WRONG)));
      const seconds = Math.floor((performance.now() - t0) / 1000);
      const tried = answers.filter((r) => r.status === 401).length;
      assert.deepEqual([...new Set(answers.map((r) => r.status))].sort(), [401, 429]);
      assert.ok(tried <= 3 + seconds, `${tried} of 30 concurrent attempts were tried in ${seconds} s`);
    });
  });

  test('the delays grow (1 s, 2 s, ...) and never exceed TESSERA_LOGIN_SLOWDOWN_MAX, so the owner is never locked out', async () => {
    await withServer({ TESSERA_LOGIN_SLOWDOWN_AFTER: '1', TESSERA_LOGIN_SLOWDOWN_MAX: '3s' }, async (t, api) => {
      const a = await signup(api);
      const waits = [];
      for (let i = 0; i < 4; i += 1) {
        assertProblem(await loginAs(api, a.email, WRONG), 401, 'invalid_credentials');
        const ra = assertLimited(await loginAs(api, a.email, a.password), 3, `after failure ${i + 1}`);
        waits.push(ra);
        if (i < 3) await waitOut(ra);
      }
      assert.deepEqual(waits, [1, 2, 3, 3]);
      await waitOut(waits.at(-1));
      assertTokenResponse(await loginAs(api, a.email, a.password), 200);
    });
  });

  test('a successful login ends the run of failures', async () => {
    await withServer({ TESSERA_LOGIN_SLOWDOWN_AFTER: '2' }, async (t, api) => {
      const a = await signup(api);
      assertProblem(await loginAs(api, a.email, WRONG), 401, 'invalid_credentials');
      assertTokenResponse(await loginAs(api, a.email, a.password), 200);
      assertProblem(await loginAs(api, a.email, WRONG), 401, 'invalid_credentials');
      // Two failures in a row would slow the account; these were one and one.
      assertTokenResponse(await loginAs(api, a.email, a.password), 200);
    });
  });

  test('the slow-down holds across instances sharing one database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-slowdown-'));
    try {
      const env = { TESSERA_LOGIN_SLOWDOWN_AFTER: '2', TESSERA_LOGIN_SLOWDOWN_MAX: '1h' };
      await withServer(env, async (first, api1) => {
        const a = await signup(api1);
        await withServer(env, async (second, api2) => {
          assertProblem(await loginAs(api1, a.email, WRONG), 401, 'invalid_credentials');
          assertProblem(await loginAs(api2, a.email, WRONG), 401, 'invalid_credentials');
          // Two failures, one on each instance: both now make the account wait.
          assertLimited(await loginAs(api1, a.email, a.password), 1, 'first instance');
          assertLimited(await loginAs(api2, a.email, a.password), 1, 'second instance');
        }, { dir });
      }, { dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  test('the slow-down holds across a restart of the server on the same database', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'tessera-slowdown-'));
    try {
      const env = { TESSERA_LOGIN_SLOWDOWN_AFTER: '1', TESSERA_LOGIN_SLOWDOWN_MAX: '1h' };
      const account = await withServer(env, async (t, api) => {
        const a = await signup(api);
        // Failures 1-3, each after waiting out the last delay; the 4th leaves an 8 s wait.
        for (let i = 0; i < 4; i += 1) {
          assertProblem(await loginAs(api, a.email, WRONG), 401, 'invalid_credentials');
          const ra = assertLimited(await loginAs(api, a.email, a.password), 2 ** i, `after failure ${i + 1}`);
          if (i < 3) await waitOut(ra);
        }
        return a;
      }, { dir });
      await withServer(env, async (t, api) => {
        const ra = assertLimited(await loginAs(api, account.email, account.password), 8, 'after the restart');
        assert.ok(ra >= 2, `Retry-After ${ra}: the 8 s wait was forgotten`);
      }, { dir });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

// ------------------------------------------------------------------------- bounded memory

// `tessera serve` with per-request logging off (the flood below would otherwise be 200k log
// lines for the harness to parse); ready once /readyz answers.
async function startQuiet(env) {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), 'tessera-flood-'));
  const proc = spawn(BIN, ['serve'], {
    env: { PATH: process.env.PATH, TESSERA_DATABASE: `sqlite://${join(dir, 'tessera.db')}`, TESSERA_LISTEN: `127.0.0.1:${port}`,
      TESSERA_ARGON2_MEMORY_KIB: '4096', TESSERA_ARGON2_ITERATIONS: '1', TESSERA_LOG: 'warn', ...env },
    cwd: dir,
    stdio: ['ignore', 'ignore', 'ignore'],
  });
  const exited = once(proc, 'exit');
  const url = `http://127.0.0.1:${port}`;
  for (let i = 0; ; i += 1) {
    if (proc.exitCode !== null) throw new Error(`tessera exited with ${proc.exitCode}`);
    try {
      if ((await fetch(`${url}/readyz`)).ok) break;
    } catch { /* not listening yet */ }
    if (i > 150) throw new Error('tessera did not become ready in 15 s');
    await sleep(100);
  }
  return {
    url, port, proc,
    async stop() {
      proc.kill('SIGTERM');
      await exited;
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

const rssKiB = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]);

test('memory stays bounded under a flood of logins from 200k distinct client addresses', async (t) => {
  // The login-per-IP limiter keeps at most 65536 buckets (RateLimiter::kMaxKeysPerLimit); a
  // bucket is an unordered_map node of ~80 bytes with the allocator's overhead (measured: RSS
  // grows ~5-7 MB while the first 65536 keys arrive, then stays flat), where an unbounded table
  // would keep growing by the same ~80 bytes a key (~16 MB for 200k keys). Two bounds:
  //   - in all, the RSS grows less than 12 MiB over its value after a warm-up: the cap's
  //     ~5.5 MiB, doubled for allocator slack (two network threads, two malloc arenas), plus
  //     1 MiB for connection buffers;
  //   - past 80k keys (the table full and its shards cleared at least once), growth per key is
  //     under a quarter of what it was while the table filled: flat, not linear.
  // 1/1h per IP keeps every bucket non-full, so nothing is freed by refilling: only the cap
  // can hold the table. One identifier for all, so past its own 10/1m limit every request is
  // refused before any hash or database work and the flood runs at the limiter's speed. The
  // loop stops at 200k requests or 40 s, whichever comes first.
  const TOTAL = 200000;
  const TIME_LIMIT_MS = 40000;
  const t0 = performance.now();
  const server = await startQuiet({
    TESSERA_RATE_LIMITS: 'on',
    TESSERA_TRUSTED_PROXIES: '127.0.0.1',
    TESSERA_RATE_LIMIT_LOGIN_IP: '1/1h',
    TESSERA_RATE_LIMIT_LOGIN_ACCOUNT: '10/1m',
  });
  try {
    const maps = readFileSync(`/proc/${server.proc.pid}/maps`, 'utf8');
    if (/libasan|libtsan/.test(maps)) {
      t.skip('a sanitizer build keeps freed memory in quarantine; RSS says nothing there');
      return;
    }
    const body = JSON.stringify({ email: 'flood@example.com', password: WRONG });
    const request = (i) => `POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Forwarded-For: 10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}\r\n`
      + `Content-Type: application/json\r\nContent-Length: ${body.length}\r\n\r\n${body}`;
    let next = 0;
    let stopAt = TOTAL;
    const statuses = {};
    const WARM = 8000;
    const FULL = 80000;
    let baseline = null;
    let full = null;
    // Eight keep-alive connections, each pipelining batches of 100 requests.
    const worker = async () => {
      const socket = connect(server.port, '127.0.0.1');
      await once(socket, 'connect');
      let pending = 0;
      let carry = '';
      let done = null;
      socket.on('data', (d) => {
        const text = carry + d.toString('latin1');
        const re = /HTTP\/1\.1 (\d{3}) /g;
        let m;
        let last = 0;
        while ((m = re.exec(text))) {
          statuses[m[1]] = (statuses[m[1]] ?? 0) + 1;
          pending -= 1;
          last = re.lastIndex;
        }
        carry = text.slice(Math.max(last, text.length - 16));
        if (pending === 0 && done) done();
      });
      const closed = once(socket, 'close');
      while (next < stopAt) {
        if (performance.now() - t0 > TIME_LIMIT_MS) {
          stopAt = next;
          break;
        }
        let batch = '';
        let n = 0;
        for (; n < 100 && next < stopAt; n += 1) batch += request(next++);
        pending += n;
        const answered = new Promise((resolve) => { done = resolve; });
        socket.write(batch);
        await Promise.race([answered, closed.then(() => { throw new Error(`the server closed a connection; statuses so far ${JSON.stringify(statuses)}`); })]);
        if (baseline === null && next >= WARM) baseline = rssKiB(server.proc.pid);
        if (full === null && next >= FULL) full = rssKiB(server.proc.pid);
      }
      socket.end();
    };
    await Promise.all(Array.from({ length: 8 }, worker));
    const driven = next;
    const rss = rssKiB(server.proc.pid);
    const metrics = await (await fetch(`${server.url}/metrics`)).text();
    const evictions = Number(/^tessera_rate_limit_evictions_total (\d+)/m.exec(metrics)?.[1] ?? 0);
    t.diagnostic(`${driven} logins from distinct addresses in ${Math.round(performance.now() - t0)} ms; statuses ${JSON.stringify(statuses)}; `
      + `RSS ${baseline} KiB after ${WARM}, ${full} KiB after ${FULL}, ${rss} KiB after ${driven}; ${evictions} shard evictions`);
    assert.equal((statuses['429'] ?? 0) + (statuses['401'] ?? 0), driven, `every request was answered 401 or 429: ${JSON.stringify(statuses)}`);
    assert.ok(driven >= 110000, `only ${driven} requests in ${TIME_LIMIT_MS} ms: too few to show the table stop growing`);
    assert.ok(rss - baseline < 12 * 1024, `RSS grew by ${rss - baseline} KiB`);
    const perKeyFilling = (full - baseline) / (FULL - WARM);
    const perKeyAfter = (rss - full) / (driven - FULL);
    assert.ok(perKeyAfter < Math.max(perKeyFilling / 4, 512 / (driven - FULL)),
      `RSS still grows ${(perKeyAfter * 1024).toFixed(1)} B a key past the cap (${(perKeyFilling * 1024).toFixed(1)} B while filling)`);
    assert.ok(evictions > 0, 'more distinct keys than the table holds, yet nothing was evicted');
    assert.equal((await fetch(`${server.url}/healthz`)).status, 200);
  } finally {
    await server.stop();
  }
});

test('the second step of a login is limited per client IP: the 4th of 3/1m is 429, even with the right code', async () => {
  await withServer({ TESSERA_RATE_LIMIT_MFA_IP: '3/1m' }, async (_t, api) => {
    const s = await signup(api);
    const { totp } = await enableTotp(api, s);
    for (let i = 0; i < 3; i += 1) {
      assertProblem(await api.post('/auth/login/mfa', { json: { mfa_ticket: (await passwordStep(api, s)).mfa_ticket, method: 'totp', code: '000000' } }), 401, 'invalid_mfa_code');
    }
    const limited = await api.post('/auth/login/mfa', { json: { mfa_ticket: (await passwordStep(api, s)).mfa_ticket, method: 'totp', code: codeAt(totp, 1) } });
    assertProblem(limited, 429, 'rate_limited');
    assert.match(limited.headers.get('retry-after'), /^[1-9][0-9]*$/);
  });
});

test('enrolling an authenticator app is limited per account: the 3rd of 2/1h is 429', async () => {
  await withServer({ TESSERA_RATE_LIMIT_MFA_ENROL: '2/1h' }, async (_t, api) => {
    const s = await signup(api);
    for (let i = 0; i < 2; i += 1) assert.equal((await api.post('/auth/mfa/totp', { token: s.access })).status, 201);
    assertProblem(await api.post('/auth/mfa/totp', { token: s.access }), 429, 'rate_limited');
    const other = await signup(api);
    assert.equal((await api.post('/auth/mfa/totp', { token: other.access })).status, 201);
  });
});
