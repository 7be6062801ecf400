// The audit log (GET /admin/audit): every security event the issue names is recorded once,
// with its time, the user it concerns, who acted (an admin or the CLI), and the IP and user
// agent of the request; the filters (user, event, since, until) and the paging work as
// documented (docs/openapi.json).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTessera } from './support/tessera.mjs';
import { setUp } from './support/suite.mjs';
import { signup, login, uniqueEmail, GOOD_PASSWORD } from './support/http.mjs';
import { assertProblem } from './support/expect.mjs';
import { assertDocumented } from './support/openapi.mjs';
import { makeAdmin } from './support/admin.mjs';
import { runCli } from './support/cli.mjs';

const t = useTessera();
const { api } = t;
let admin;
setUp(async () => {
  admin = await makeAdmin(t, api);
});

// GET /admin/audit with these filters, checked against the document; the page's body.
async function audit(params = {}) {
  const res = await api.get(`/admin/audit?${new URLSearchParams(params)}`, { token: admin.access });
  assert.equal(res.status, 200, res.text);
  return assertDocumented('GET', '/admin/audit', res);
}

// The one entry of `event` about `user` (fails when there is none or more than one).
async function onlyEntry(userId, event) {
  const page = await audit({ user: userId, event });
  assert.equal(page.total, 1, `expected one ${event} for ${userId}: ${JSON.stringify(page.entries)}`);
  return page.entries[0];
}

// An entry made between `from` and now, from this test's loopback client and user agent.
function assertEntry(entry, { event, userId, actorId = '', userAgent, ip = '127.0.0.1', from }) {
  assert.equal(entry.event, event);
  assert.equal(entry.user_id, userId);
  assert.equal(entry.actor_id, actorId);
  assert.equal(entry.ip, ip);
  assert.equal(entry.user_agent, userAgent);
  const at = Date.parse(entry.at);
  assert.ok(at >= Math.floor(from / 1000) * 1000 && at <= Date.now() + 1000, `at ${entry.at} is not the time of the event`);
}

// A user agent naming the test, so every entry can be traced to its request.
let agents = 0;
const ua = (tag) => `audit-e2e/${tag}-${++agents}`;

// The link of the newest mail to `email` in the server's log (the log mailer).
async function mailedToken(email, kind) {
  const line = await t.waitForLog((l) => l.msg === 'mail' && l.to === email && l.link.includes(kind));
  return new URL(line.link).searchParams.get('token');
}

// ------------------------------------------------------------------- what users do

test('signup is audited with the new user, the time, the IP and the user agent', async () => {
  const from = Date.now();
  const agent = ua('signup');
  const s = await signup(api, { headers: { 'user-agent': agent } });
  const e = await onlyEntry(s.user.id, 'signup');
  assertEntry(e, { event: 'signup', userId: s.user.id, userAgent: agent, from });
  assert.equal(e.detail, '');
});

test('a successful login is audited as login_succeeded naming the new session', async () => {
  const s = await signup(api);
  const from = Date.now();
  const agent = ua('login');
  const again = await login(api, s, { headers: { 'user-agent': agent } });
  const e = await onlyEntry(s.user.id, 'login_succeeded');
  assertEntry(e, { event: 'login_succeeded', userId: s.user.id, userAgent: agent, from });
  assert.equal(e.detail, `session ${again.sid}`);
});

test('a failed login is audited as login_failed: with the user for a wrong password, without for an unknown address', async () => {
  const s = await signup(api);
  const from = Date.now();
  const agent = ua('failed');
  const wrong = await api.post('/auth/login', { json: { email: s.email, password: 'not-the-password-1' }, headers: { 'user-agent': agent } });
  assertProblem(wrong, 401, 'invalid_credentials');
  const e = await onlyEntry(s.user.id, 'login_failed');
  assertEntry(e, { event: 'login_failed', userId: s.user.id, userAgent: agent, from });
  assert.match(e.detail, /wrong password/);

  const nobody = uniqueEmail('nobody');
  const agent2 = ua('unknown');
  assertProblem(await api.post('/auth/login', { json: { email: nobody, password: 'whatever-1234' }, headers: { 'user-agent': agent2 } }), 401, 'invalid_credentials');
  const unknown = (await audit({ event: 'login_failed' })).entries.find((x) => x.user_agent === agent2);
  assert.ok(unknown, 'an entry for the unknown address');
  assertEntry(unknown, { event: 'login_failed', userId: '', userAgent: agent2, from });
  assert.match(unknown.detail, /unknown account/);
  assert.ok(unknown.detail.includes(nobody), unknown.detail);
  assert.equal(JSON.stringify(unknown).includes('whatever-1234'), false, 'never the password');
});

test('reuse of a rotated refresh token is audited as refresh_token_reused naming the revoked session', async () => {
  const s = await signup(api);
  const first = await api.post('/auth/refresh', { json: { refresh_token: s.refresh } });
  const second = await api.post('/auth/refresh', { json: { refresh_token: first.body.refresh_token } });
  assert.equal(second.status, 200);
  const from = Date.now();
  const agent = ua('reuse');
  // The grandparent is outside the grace (only the immediate parent is tolerated): theft.
  const stolen = await api.post('/auth/refresh', { json: { refresh_token: s.refresh }, headers: { 'user-agent': agent } });
  assertProblem(stolen, 401, 'refresh_token_reused');
  const e = await onlyEntry(s.user.id, 'refresh_token_reused');
  assertEntry(e, { event: 'refresh_token_reused', userId: s.user.id, userAgent: agent, from });
  assert.equal(e.detail, `session ${s.sid} revoked`);
});

test('logout, logout-all and ending one session are audited as logout, logout_all and session_revoked', async () => {
  const s = await signup(api);
  const other = await login(api, s);
  const third = await login(api, s);
  const from = Date.now();
  const a1 = ua('logout');
  assert.equal((await api.post('/auth/logout', { json: { refresh_token: s.refresh }, headers: { 'user-agent': a1 } })).status, 204);
  const logout = await onlyEntry(s.user.id, 'logout');
  assertEntry(logout, { event: 'logout', userId: s.user.id, userAgent: a1, from });
  assert.equal(logout.detail, `session ${s.sid}`);

  const a2 = ua('session');
  assert.equal((await api.del(`/auth/sessions/${other.sid}`, { token: third.access, headers: { 'user-agent': a2 } })).status, 204);
  const revoked = await onlyEntry(s.user.id, 'session_revoked');
  assertEntry(revoked, { event: 'session_revoked', userId: s.user.id, userAgent: a2, from });
  assert.equal(revoked.detail, `session ${other.sid}`);

  const a3 = ua('logout-all');
  assert.equal((await api.post('/auth/logout-all', { token: third.access, headers: { 'user-agent': a3 } })).status, 204);
  assertEntry(await onlyEntry(s.user.id, 'logout_all'), { event: 'logout_all', userId: s.user.id, userAgent: a3, from });
});

test('a password change is audited as password_changed', async () => {
  const s = await signup(api);
  const from = Date.now();
  const agent = ua('password');
  const res = await api.post('/auth/password', {
    json: { current_password: GOOD_PASSWORD, new_password: 'A-brand-new-Passphrase-77' }, token: s.access, headers: { 'user-agent': agent },
  });
  assert.equal(res.status, 200, res.text);
  const e = await onlyEntry(s.user.id, 'password_changed');
  assertEntry(e, { event: 'password_changed', userId: s.user.id, userAgent: agent, from });
});

test('a password reset is audited twice: password_reset_requested when asked, password_reset when done', async () => {
  const s = await signup(api);
  const from = Date.now();
  const a1 = ua('forgot');
  assert.equal((await api.post('/auth/password/forgot', { json: { email: s.email }, headers: { 'user-agent': a1 } })).status, 202);
  assertEntry(await onlyEntry(s.user.id, 'password_reset_requested'), { event: 'password_reset_requested', userId: s.user.id, userAgent: a1, from });
  const token = await mailedToken(s.email, '/reset-password');
  const a2 = ua('reset');
  const res = await api.post('/auth/password/reset', { json: { token, new_password: 'Reset-to-a-new-Passphrase-88' }, headers: { 'user-agent': a2 } });
  assert.equal(res.status, 204, res.text);
  const done = await onlyEntry(s.user.id, 'password_reset');
  assertEntry(done, { event: 'password_reset', userId: s.user.id, userAgent: a2, from });
  assert.equal(done.detail, 'every session revoked');
});

test('email verification is audited as email_verified', async () => {
  const s = await signup(api);
  const token = await mailedToken(s.email, '/auth/verify-email');
  const from = Date.now();
  const agent = ua('verify');
  const res = await api.post('/auth/verify-email', { json: { token }, headers: { 'user-agent': agent } });
  assert.equal(res.status, 200, res.text);
  const e = await onlyEntry(s.user.id, 'email_verified');
  assertEntry(e, { event: 'email_verified', userId: s.user.id, userAgent: agent, from });
  assert.equal(e.detail, s.email);
});

// --------------------------------------------------------------- what operators do

test('each admin change is audited with the admin as actor: user_updated, sessions_revoked, user_deleted', async () => {
  const s = await signup(api);
  const from = Date.now();
  const agent = ua('admin');
  const headers = { 'user-agent': agent };
  assert.equal((await api.patch(`/admin/users/${s.user.id}`, { json: { roles: ['editor'], disabled: true }, token: admin.access, headers })).status, 200);
  const updated = await onlyEntry(s.user.id, 'user_updated');
  assertEntry(updated, { event: 'user_updated', userId: s.user.id, actorId: admin.user.id, userAgent: agent, from });
  assert.equal(updated.detail, 'roles: (none) -> editor; disabled: true');

  assert.equal((await api.post(`/admin/users/${s.user.id}/revoke-sessions`, { token: admin.access, headers })).status, 204);
  assertEntry(await onlyEntry(s.user.id, 'sessions_revoked'), { event: 'sessions_revoked', userId: s.user.id, actorId: admin.user.id, userAgent: agent, from });

  assert.equal((await api.del(`/admin/users/${s.user.id}`, { token: admin.access, headers })).status, 204);
  const deleted = await onlyEntry(s.user.id, 'user_deleted');
  assertEntry(deleted, { event: 'user_deleted', userId: s.user.id, actorId: admin.user.id, userAgent: agent, from });
  assert.equal(deleted.detail, s.email);
  // The record outlives the account.
  assert.ok((await audit({ user: s.user.id })).total >= 4);
});

test('a change that changes nothing is not audited', async () => {
  const s = await signup(api);
  assert.equal((await api.patch(`/admin/users/${s.user.id}`, { json: { roles: [], disabled: false }, token: admin.access })).status, 200);
  assert.equal((await audit({ user: s.user.id, event: 'user_updated' })).total, 0);
});

test('the CLI is audited with actor cli: user_created, user_updated, key_rotated, key_retired', async () => {
  const from = Date.now();
  const email = uniqueEmail('cli');
  const created = await runCli(['user', 'create', email, '--json'], { dir: t.dir });
  assert.equal(created.code, 0, created.stderr);
  const id = JSON.parse(created.stdout).id;
  const c = await onlyEntry(id, 'user_created');
  assertEntry(c, { event: 'user_created', userId: id, actorId: 'cli', ip: '', userAgent: 'tessera-cli', from });
  assert.equal(c.detail, 'roles: (none); no password');
  const setRole = await runCli(['user', 'set-role', email, 'support'], { dir: t.dir });
  assert.equal(setRole.code, 0, setRole.stderr);
  assert.equal((await onlyEntry(id, 'user_updated')).detail, 'roles: (none) -> support');

  const rotated = await runCli(['keys', 'rotate'], { dir: t.dir });
  assert.equal(rotated.code, 0, rotated.stderr);
  const kid = rotated.stdout.match(/new signing key (\S+) \(ES256\)/)[1];
  const r = (await audit({ event: 'key_rotated' })).entries.find((e) => e.detail.includes(kid));
  assert.ok(r, 'a key_rotated entry naming the new key');
  assertEntry(r, { event: 'key_rotated', userId: '', actorId: 'cli', ip: '', userAgent: 'tessera-cli', from });
  assert.equal(r.detail, `new key ${kid} (ES256)`);

  // A second rotation, so that the key retired below signed none of this suite's tokens.
  const second = await runCli(['keys', 'rotate'], { dir: t.dir });
  assert.equal(second.code, 0, second.stderr);
  const retire = await runCli(['keys', 'retire', kid, '--force'], { dir: t.dir });
  assert.equal(retire.code, 0, retire.stderr);
  const retired = (await audit({ event: 'key_retired' })).entries.find((e) => e.detail.includes(kid));
  assertEntry(retired, { event: 'key_retired', userId: '', actorId: 'cli', ip: '', userAgent: 'tessera-cli', from });
  assert.equal(retired.detail, `key ${kid} (forced)`);
});

// ----------------------------------------------------------------- filters and paging

test('entries come newest first, and the user and event filters combine', async () => {
  const s = await signup(api);
  await login(api, s);
  await login(api, s);
  const all = await audit({ user: s.user.id });
  assert.deepEqual(all.entries.map((e) => e.event), ['login_succeeded', 'login_succeeded', 'signup']);
  const ids = all.entries.map((e) => e.id);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
  assert.equal(all.total, 3);
  assert.equal((await audit({ user: s.user.id, event: 'login_succeeded' })).total, 2);
  assert.equal((await audit({ user: s.user.id, event: 'logout' })).total, 0);
  assert.deepEqual(await audit({ user: 'no-such-user' }), { entries: [], page: 1, per_page: 50, total: 0 });
});

test('since and until bound the time (at >= since, at < until), as RFC 3339 or Unix seconds', async () => {
  const s = await signup(api);
  const entry = (await audit({ user: s.user.id })).entries[0];
  const at = Date.parse(entry.at) / 1000;
  const iso = (secs) => new Date(secs * 1000).toISOString().replace('.000Z', 'Z');
  const count = async (params) => (await audit({ user: s.user.id, ...params })).total;
  assert.equal(await count({ since: iso(at) }), 1, 'since is inclusive');
  assert.equal(await count({ since: String(at) }), 1);
  assert.equal(await count({ since: iso(at + 1) }), 0);
  assert.equal(await count({ until: iso(at + 1) }), 1);
  assert.equal(await count({ until: String(at) }), 0, 'until is exclusive');
  assert.equal(await count({ since: String(at - 60), until: String(at + 60) }), 1);
  assert.equal(await count({ since: String(at + 60), until: String(at - 60) }), 0);
});

test('bad filters answer 400 invalid_request naming the parameter', async () => {
  for (const [params, name] of [
    [{ since: 'yesterday' }, /since/],
    [{ until: '2026-11-23' }, /until/],
    [{ since: '2026-11-23T10:00:00+01:00' }, /since/],
    // Times a TimePoint cannot hold (found by fuzz_http) and times before 1970.
    [{ since: '4040-01-01T00:00:00Z' }, /since/],
    [{ until: '99999999999' }, /until/],
    [{ until: '99999999999999999999999' }, /until/],
    [{ since: '-1' }, /since/],
    [{ since: '1969-12-31T23:59:59Z' }, /since/],
    [{ page: '0' }, /page/],
    [{ page: 'x' }, /page/],
  ]) {
    const res = await api.get(`/admin/audit?${new URLSearchParams(params)}`, { token: admin.access });
    assertProblem(res, 400, 'invalid_request');
    assert.match(res.body.detail, name);
    assertDocumented('GET', '/admin/audit', res);
  }
});

test('the audit log pages 50 at a time: 55 failed logins make pages of 50 and 5, newest first, none twice', async () => {
  const s = await signup(api);
  for (let i = 0; i < 55; i += 1) {
    assertProblem(await api.post('/auth/login', { json: { email: s.email, password: `wrong-${i}-password` } }), 401, 'invalid_credentials');
  }
  const filter = { user: s.user.id, event: 'login_failed' };
  const p1 = await audit({ ...filter, page: 1 });
  const p2 = await audit({ ...filter, page: 2 });
  const p3 = await audit({ ...filter, page: 3 });
  assert.deepEqual([p1.entries.length, p2.entries.length, p3.entries.length], [50, 5, 0]);
  assert.deepEqual([p1.total, p2.total, p3.total], [55, 55, 55]);
  assert.deepEqual([p1.page, p2.page, p3.page], [1, 2, 3]);
  const ids = [...p1.entries, ...p2.entries].map((e) => e.id);
  assert.equal(new Set(ids).size, 55);
  assert.deepEqual(ids, [...ids].sort((a, b) => b - a));
});
