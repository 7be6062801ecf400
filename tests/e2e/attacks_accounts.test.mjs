// Attack suite, accounts (SPEC §2 and §4): a 1 MB password is refused before any hashing and is
// not a failed login; login takes the same time for an unknown account as for a known one with a
// wrong password; and sign-up, forgot-password and resend tell an attacker nothing about which
// addresses are registered beyond what SPEC §2 accepts (sign-up's 409, rate-limited per IP).
//
// The password tests run with the default Argon2id cost (m = 19 MiB, t = 2), so "refused before
// hashing" and "the same time" are measured against the real price of a hash.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { startTessera } from './support/tessera.mjs';
import { client, signup, uniqueEmail, GOOD_PASSWORD } from './support/http.mjs';
import { assertProblem } from './support/expect.mjs';
import { runCli } from './support/cli.mjs';

const DEFAULT_COST = { TESSERA_ARGON2_MEMORY_KIB: '19456', TESSERA_ARGON2_ITERATIONS: '2' };
const SLOWDOWN_AFTER = 3;
const WRONG = 'Wrong-password-but-long-enough-123';
const MIB = 1024 * 1024;

let costly;   // default Argon2id cost; limits on but generous, slow-down after 3 failures
let mail;     // sign-up and mail requests, limits off (the rate limits have their own suite)
before(async () => {
  [costly, mail] = await Promise.all([
    startTessera({
      env: {
        ...DEFAULT_COST,
        TESSERA_RATE_LIMITS: 'on',
        TESSERA_RATE_LIMIT_LOGIN_IP: '100000/1m',
        TESSERA_RATE_LIMIT_LOGIN_ACCOUNT: '100000/1m',
        TESSERA_RATE_LIMIT_SIGNUP_IP: '100000/1h',
        TESSERA_LOGIN_SLOWDOWN_AFTER: String(SLOWDOWN_AFTER),
      },
    }),
    startTessera(),
  ]);
});
after(async () => {
  await Promise.all([costly?.stop(), mail?.stop()]);
});

// ---------------------------------------------------------------------------------- helpers

const median = (xs) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2;
};

let seq = 0;
// POSTs `json` to `path` with a fresh request id; resolves with the response and the server's
// own time for it in ms (the `us` of its log line: no client or loopback time in it).
async function timed(t, path, json) {
  const id = `acct-${process.pid}-${++seq}`;
  const res = await client(t.url).post(path, { json, headers: { 'x-request-id': id } });
  const line = await t.waitForLog((l) => l.msg === 'request' && l.request_id === id);
  return { res, ms: line.us / 1000 };
}

// The server time of one Argon2id hash at the default cost: the median of five logins with a
// wrong password, each for a fresh account (so the slow-down never starts).
let hashMsMemo;
async function hashMs() {
  if (hashMsMemo === undefined) {
    const times = [];
    for (let i = 0; i < 5; i += 1) {
      const s = await signup(client(costly.url));
      const { res, ms } = await timed(costly, '/auth/login', { email: s.email, password: WRONG });
      assert.equal(res.status, 401);
      times.push(ms);
    }
    hashMsMemo = median(times);
  }
  return hashMsMemo;
}

// Writes a whole request (head and `body`) on a raw socket at once, as a client in a hurry
// would, and resolves with the status of the answer and the time to its first byte (ms).
async function rawPost(t, path, body) {
  const socket = connect(t.port, '127.0.0.1');
  socket.on('error', () => {});
  await once(socket, 'connect');
  const head = ['POST ' + path + ' HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json',
    `Content-Length: ${Buffer.byteLength(body)}`, '', ''].join('\r\n');
  const request = Buffer.from(head + body);
  const first = once(socket, 'data');
  const t0 = performance.now();
  socket.write(request);
  const [chunk] = await first;
  const ms = performance.now() - t0;
  socket.destroy();
  return { status: Number(/^HTTP\/1\.1 (\d{3})/.exec(chunk.toString('latin1'))?.[1]), ms };
}

// Five 1 MB requests to `path` on the default-cost server, each wholly written at once: the times
// (ms, client wall clock, the 1 MB write included) until their 413 began to arrive. Compared with
// the server time of one hash below: a third of a hash is a wide margin for a refusal that
// measures ~1-10 ms against hashes of ~40-120 ms on a shared 2-core machine, and a refusal that
// hashed would take at least one whole hash.
async function refusalTimes(path, body) {
  const times = [];
  for (let i = 0; i < 5; i += 1) {
    const r = await rawPost(costly, path, body);
    assert.equal(r.status, 413);
    times.push(r.ms);
  }
  return times;
}

// The Prometheus sample `name{labels}` from /metrics (0 when absent).
async function metric(t, sample) {
  const text = (await client(t.url).get('/metrics')).text;
  const line = text.split('\n').find((l) => l.startsWith(`${sample} `));
  return line ? Number(line.split(' ')[1]) : 0;
}

// A response as an attacker compares it: status, body, and every header but the per-request
// ones (Date, X-Request-Id).
const observable = (res) => ({
  status: res.status,
  body: res.text,
  headers: [...res.headers].filter(([k]) => k !== 'date' && k !== 'x-request-id'),
});

const onePassword = (bytes) => 'Aa1-'.repeat(Math.ceil(bytes / 4)).slice(0, bytes);

// -------------------------------------------------------------------- oversized passwords

test('a 1 MB password on login is refused 413 from its Content-Length, far faster than one Argon2id hash', async (t) => {
  const s = await signup(client(costly.url));
  const hash = await hashMs();
  const body = JSON.stringify({ email: s.email, password: onePassword(MIB) });
  const times = await refusalTimes('/auth/login', body);
  t.diagnostic(`1 MB password, login: ${times.map((x) => x.toFixed(1)).join(', ')} ms to the answer; one hash ${hash.toFixed(1)} ms`);
  assert.ok(median(times) < hash / 3, `refusal ${median(times)} ms vs hash ${hash} ms`);
  assertProblem(await client(costly.url).post('/auth/login', { json: body }), 413, 'payload_too_large');
});

test('a 1 MB password on sign-up is refused 413 just as fast, and no account is made', async (t) => {
  const email = uniqueEmail('big-signup');
  const hash = await hashMs();
  const times = await refusalTimes('/auth/signup', JSON.stringify({ email, password: onePassword(MIB) }));
  t.diagnostic(`1 MB password, sign-up: ${times.map((x) => x.toFixed(1)).join(', ')} ms to the answer; one hash ${hash.toFixed(1)} ms`);
  assert.ok(median(times) < hash / 3, `refusal ${median(times)} ms vs hash ${hash} ms`);
  const res = await client(costly.url).post('/auth/login', { json: { email, password: GOOD_PASSWORD } });
  assertProblem(res, 401, 'invalid_credentials');
});

test('a password over 256 bytes but inside the body limit is 400 on login and sign-up, answered without a hash', async (t) => {
  const s = await signup(client(costly.url));
  const hash = await hashMs();
  for (const bytes of [257, 60 * 1024]) {
    const login = await timed(costly, '/auth/login', { email: s.email, password: onePassword(bytes) });
    assertProblem(login.res, 400, 'invalid_request');
    assert.match(login.res.body.detail, /password/);
    const made = await timed(costly, '/auth/signup', { email: uniqueEmail('long-pw'), password: onePassword(bytes) });
    assertProblem(made.res, 400, 'invalid_request');
    t.diagnostic(`${bytes}-byte password: login ${login.ms.toFixed(2)} ms, sign-up ${made.ms.toFixed(2)} ms (server time); one hash ${hash.toFixed(1)} ms`);
    assert.ok(login.ms < hash / 3 && made.ms < hash / 3, `login ${login.ms} ms, sign-up ${made.ms} ms vs hash ${hash} ms`);
  }
  // 256 bytes is still a password (and simply the wrong one here).
  assertProblem((await timed(costly, '/auth/login', { email: s.email, password: onePassword(256) })).res, 401, 'invalid_credentials');
});

test('oversized passwords are not failed logins: after ten of them the right password logs in at once', async () => {
  const s = await signup(client(costly.url));
  const api = client(costly.url);
  const failedBefore = await metric(costly, 'tessera_logins_total{outcome="invalid_credentials"}');
  for (let i = 0; i < 5; i += 1) {
    assert.equal((await rawPost(costly, '/auth/login', JSON.stringify({ email: s.email, password: onePassword(MIB) }))).status, 413);
    assertProblem(await api.post('/auth/login', { json: { email: s.email, password: onePassword(300 + i) } }), 400, 'invalid_request');
  }
  assert.equal(await metric(costly, 'tessera_logins_total{outcome="invalid_credentials"}'), failedBefore, 'counted as failed logins');
  // Ten would be far past the slow-down threshold (3) had they counted.
  const res = await api.post('/auth/login', { json: { email: s.email, password: s.password } });
  assert.equal(res.status, 200, res.text);
});

// ------------------------------------------------------------------------------ login timing

test('login takes the same time for an unknown account as for a known one with a wrong password', async (t) => {
  // 15 of each, interleaved so that load on the machine falls on both alike; each known account
  // fails once only (the slow-down never starts) and each unknown address is fresh. The server
  // times (`us` in its log) exclude the client and loopback. Both paths cost one Argon2id hash
  // (the unknown one verifies against a dummy hash) plus one indexed lookup and one slow-down
  // write, so their medians should agree within noise; a leak would be the hash missing on one
  // side, i.e. a difference near 100%. Medians of 15 shrug off the outliers a shared 2-core
  // machine produces, and 25% leaves room for that noise while catching any skipped hash.
  const accounts = [];
  for (let i = 0; i < 15; i += 1) accounts.push(await signup(client(costly.url)));
  const known = [];
  const unknown = [];
  for (let i = 0; i < 15; i += 1) {
    const a = await timed(costly, '/auth/login', { email: accounts[i].email, password: WRONG });
    const b = await timed(costly, '/auth/login', { email: uniqueEmail('nobody'), password: WRONG });
    assertProblem(a.res, 401, 'invalid_credentials');
    assertProblem(b.res, 401, 'invalid_credentials');
    known.push(a.ms);
    unknown.push(b.ms);
  }
  const k = median(known);
  const u = median(unknown);
  t.diagnostic(`login server time, median of 15: known account + wrong password ${k.toFixed(1)} ms, unknown account ${u.toFixed(1)} ms (${(100 * Math.abs(k - u) / Math.max(k, u)).toFixed(1)}% apart)`);
  t.diagnostic(`known: ${known.map((x) => x.toFixed(0)).join(' ')}; unknown: ${unknown.map((x) => x.toFixed(0)).join(' ')}`);
  assert.ok(Math.abs(k - u) / Math.max(k, u) < 0.25, `medians ${k} ms vs ${u} ms`);
});

test('login answers an unknown account, a wrong password and a disabled account\'s wrong password identically', async () => {
  const api = client(costly.url);
  const known = await signup(api);
  const disabled = await signup(api);
  const r = await runCli(['user', 'disable', disabled.email], { dir: costly.dir });
  assert.equal(r.code, 0, r.stderr);
  const answers = [
    await api.post('/auth/login', { json: { email: uniqueEmail('nobody'), password: WRONG } }),
    await api.post('/auth/login', { json: { email: known.email, password: WRONG } }),
    await api.post('/auth/login', { json: { email: disabled.email, password: WRONG } }),
  ];
  assertProblem(answers[0], 401, 'invalid_credentials');
  for (const a of answers.slice(1)) assert.deepEqual(observable(a), observable(answers[0]));
});

// ------------------------------------------------------------------------------ enumeration

test('sign-up answers 409 account_exists for a taken address (SPEC §2) and 201 for a new one', async () => {
  const api = client(mail.url);
  const taken = await signup(api);
  assertProblem(await api.post('/auth/signup', { json: { email: taken.email.toUpperCase(), password: GOOD_PASSWORD } }), 409, 'account_exists');
});

test('sign-up is limited per IP: past the limit, taken and new addresses alike get 429, so probing stops', async () => {
  // A fresh server: this test owns the IP's three sign-ups an hour.
  const t = await startTessera({ env: { TESSERA_RATE_LIMITS: 'on', TESSERA_RATE_LIMIT_SIGNUP_IP: '3/1h' } });
  try {
    const api = client(t.url);
    const taken = await signup(api);  // 1
    assertProblem(await api.post('/auth/signup', { json: { email: taken.email, password: GOOD_PASSWORD } }), 409, 'account_exists');  // 2
    assert.equal((await api.post('/auth/signup', { json: { email: uniqueEmail('probe'), password: GOOD_PASSWORD } })).status, 201);  // 3
    const probes = [
      await api.post('/auth/signup', { json: { email: taken.email, password: GOOD_PASSWORD } }),
      await api.post('/auth/signup', { json: { email: uniqueEmail('probe'), password: GOOD_PASSWORD } }),
    ];
    for (const res of probes) {
      assertProblem(res, 429, 'rate_limited');
      assert.match(res.headers.get('retry-after') ?? '', /^[1-9]\d*$/);
    }
    assert.deepEqual(observable(probes[0]).body, observable(probes[1]).body, 'the 429 does not tell taken from new');
  } finally {
    await t.stop();
  }
});

for (const [path, kind] of [['/auth/password/forgot', 'reset-password'], ['/auth/verify-email/resend', 'verify-email']]) {
  test(`${path} answers 202 with the same body and headers for a registered, a verified, a disabled and an unknown address`, async () => {
    const api = client(mail.url);
    const registered = await signup(api);
    const verified = await signup(api);
    const disabled = await signup(api);
    assert.equal((await runCli(['user', 'verify', verified.email], { dir: mail.dir })).code, 0);
    assert.equal((await runCli(['user', 'disable', disabled.email], { dir: mail.dir })).code, 0);
    const unknown = uniqueEmail('nobody');
    const answers = {};
    for (const [name, email] of Object.entries({ registered: registered.email, verified: verified.email, disabled: disabled.email, unknown, 'unknown, odd case': unknown.toUpperCase() })) {
      answers[name] = await api.post(path, { json: { email } });
      assert.equal(answers[name].status, 202, `${name}: ${answers[name].text}`);
    }
    for (const [name, res] of Object.entries(answers)) assert.deepEqual(observable(res), observable(answers.registered), name);
    // The probe is sound: the registered address really was sent something the unknown was not.
    if (kind === 'reset-password') {
      await mail.waitForLog((l) => l.msg === 'mail' && l.to === registered.email && l.link.includes(kind));
    }
    assert.equal(mail.lines.some((l) => l.msg === 'mail' && (l.to ?? '').toLowerCase() === unknown.toLowerCase()), false);
  });

  test(`${path} takes about as long for a registered address as for an unknown one`, async (t) => {
    // Fifteen registered accounts (each gets its own mail queued: the slowest path) against
    // fifteen unknown addresses, interleaved, by server time. Neither path hashes or talks to
    // SMTP inside the request (mail goes through the outbox), so a gross difference would be
    // tens of milliseconds — a hash, a send — while queueing a mail is one small transaction.
    const api = client(mail.url);
    const accounts = [];
    for (let i = 0; i < 15; i += 1) accounts.push(await signup(api));
    const registered = [];
    const unknown = [];
    for (let i = 0; i < 15; i += 1) {
      const a = await timed(mail, path, { email: accounts[i].email });
      const b = await timed(mail, path, { email: uniqueEmail('nobody') });
      assert.equal(a.res.status, 202);
      assert.equal(b.res.status, 202);
      registered.push(a.ms);
      unknown.push(b.ms);
    }
    const r = median(registered);
    const u = median(unknown);
    t.diagnostic(`${path} server time, median of 15: registered ${r.toFixed(2)} ms, unknown ${u.toFixed(2)} ms`);
    assert.ok(Math.abs(r - u) < 15, `medians ${r} ms vs ${u} ms`);
  });
}
