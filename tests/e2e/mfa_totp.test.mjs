// Second factor by TOTP (issue 22), black-box: codes are made by npm otpauth, never by Tessera.
// Enrolment and its QR code, the login's second step, codes that work once (a replay, the
// confirming code, two concurrent uses), recovery codes, the ticket's limits, the account
// lock, step-up, and what a client that knows nothing of MFA gets (no token).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';
import { useTessera } from './support/tessera.mjs';
import { signup, login, jwtClaims, uniqueEmail } from './support/http.mjs';
import { assertProblem, assertInvalidToken, assertTokenResponse } from './support/expect.mjs';
import { authenticator, codeAt, awayFromStepEdge, enableTotp, passwordStep } from './support/totp.mjs';
import { runCli } from './support/cli.mjs';
import { makeAdmin } from './support/admin.mjs';
import { eventually } from './support/wait.mjs';

const t = useTessera({ env: { TESSERA_MFA_ISSUER: 'Tessera E2E' } });
const { api } = t;

const CODE_PATTERN = /^[0-9A-HJKMNP-TV-Z]{4}(-[0-9A-HJKMNP-TV-Z]{4}){3}$/;
const secondStep = (ticket, method, code, opts = {}) =>
  api.post('/auth/login/mfa', { json: { mfa_ticket: ticket, method, code }, ...opts });

test('enrolment answers the secret, an otpauth URI an app reads, and a QR code of that URI', async () => {
  const s = await signup(api);
  const res = await api.post('/auth/mfa/totp', { token: s.access });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const b = res.body;
  assert.equal(b.status, 'pending');
  assert.match(b.secret, /^[A-Z2-7]{32}$/);
  assert.equal(b.expires_in, 600);
  const parsed = OTPAuth.URI.parse(b.otpauth_uri);
  assert.equal(parsed.issuer, 'Tessera E2E');
  assert.equal(parsed.label, s.email);
  assert.equal(parsed.secret.base32, b.secret);
  assert.equal(parsed.digits, 6);
  assert.equal(parsed.period, 30);
  assert.equal(parsed.algorithm, 'SHA1');
  // The SVG, drawn and read back by a QR decoder (zbar), holds exactly the URI.
  const dir = mkdtempSync(join(tmpdir(), 'tessera-qr-'));
  try {
    writeFileSync(join(dir, 'qr.svg'), b.qr_svg);
    execFileSync('rsvg-convert', ['-w', '400', '-o', join(dir, 'qr.png'), join(dir, 'qr.svg')]);
    const decoded = execFileSync('zbarimg', ['--quiet', '--raw', join(dir, 'qr.png')]).toString().trim();
    assert.equal(decoded, b.otpauth_uri);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('until confirmed the factor protects nothing; GET /auth/mfa shows it pending', async () => {
  const s = await signup(api);
  await api.post('/auth/mfa/totp', { token: s.access });
  const state = await api.get('/auth/mfa', { token: s.access });
  assert.equal(state.status, 200);
  assert.deepEqual(state.body.totp, { enabled: false, pending: true, confirmed_at: null, last_used_at: null });
  assert.deepEqual(state.body.methods, []);
  assert.equal(state.body.aal, 'aal1');
  await login(api, s);  // still a plain password login
});

test('confirming with a wrong code fails; with the app\'s code it answers aal2 tokens and ten recovery codes', async () => {
  const s = await signup(api);
  const enrolled = (await api.post('/auth/mfa/totp', { token: s.access })).body;
  const wrong = await api.post('/auth/mfa/totp/confirm', { token: s.access, json: { code: '000000' } });
  assertProblem(wrong, 401, 'invalid_mfa_code');
  await awayFromStepEdge();
  const res = await api.post('/auth/mfa/totp/confirm', { token: s.access, json: { code: codeAt(authenticator(enrolled.secret)) } });
  const b = assertTokenResponse(res, 200);
  assert.equal(b.aal, 'aal2');
  assert.equal(b.recovery_codes.length, 10);
  for (const c of b.recovery_codes) assert.match(c, CODE_PATTERN);
  assert.equal(new Set(b.recovery_codes).size, 10);
  const claims = jwtClaims(b.access_token);
  assert.equal(claims.aal, 'aal2');
  assert.deepEqual(claims.amr, ['pwd', 'otp', 'mfa']);
  assert.ok(Math.abs(claims.auth_time - Date.now() / 1000) < 30, `auth_time ${claims.auth_time}`);
  // Every session from before has ended, this client's included; the new one works.
  assertInvalidToken(await api.get('/data', { token: s.access }));
  assertProblem(await api.post('/auth/refresh', { json: { refresh_token: s.refresh } }), 401, 'invalid_refresh_token');
  assert.equal((await api.get('/data', { token: b.access_token })).status, 200);
  const state = (await api.get('/auth/mfa', { token: b.access_token })).body;
  assert.equal(state.totp.enabled, true);
  assert.deepEqual(state.methods, ['totp', 'recovery_code']);
  assert.deepEqual(state.recovery_codes, { total: 10, remaining: 10 });
});

test('a password login then stops at 403 mfa_required with a ticket: no token, no cookie, on both login routes', async () => {
  const s = await signup(api);
  await enableTotp(api, s);
  for (const path of ['/auth/login', '/login']) {
    const res = await api.post(path, { json: { email: s.email, password: s.password } });
    const p = assertProblem(res, 403, 'mfa_required');
    assert.equal(typeof p.mfa_ticket, 'string');
    assert.ok(p.mfa_ticket.length >= 43);
    assert.equal(p.expires_in, 300);
    assert.deepEqual(p.methods, ['totp', 'recovery_code']);
    assert.equal('access_token' in p, false);
    assert.deepEqual(res.headers.getSetCookie(), []);
  }
  // The ticket is not a token: no guarded route takes it.
  const { mfa_ticket: ticket } = await passwordStep(api, s);
  assertInvalidToken(await api.get('/data', { token: ticket }));
  // A wrong password is still invalid_credentials, and reveals nothing of the factor.
  assertProblem(await api.post('/auth/login', { json: { email: s.email, password: 'Wrong-password-123456' } }), 401, 'invalid_credentials');
});

test('the confirming code is refused at the first login; the next step\'s code logs in once, at aal2', async () => {
  const s = await signup(api);
  const { totp, code } = await enableTotp(api, s);
  assertProblem(await secondStep((await passwordStep(api, s)).mfa_ticket, 'totp', code), 401, 'invalid_mfa_code');
  const ticket = (await passwordStep(api, s)).mfa_ticket;
  const next = codeAt(totp, 1);  // the window's next step: later than the spent one
  const b = assertTokenResponse(await secondStep(ticket, 'totp', next), 200);
  assert.equal(b.aal, 'aal2');
  assert.deepEqual(jwtClaims(b.access_token).amr, ['pwd', 'otp', 'mfa']);
  // The ticket is used, and the code is spent for a new ticket too.
  assertProblem(await secondStep(ticket, 'totp', next), 401, 'mfa_ticket_invalid');
  assertProblem(await secondStep((await passwordStep(api, s)).mfa_ticket, 'totp', next), 401, 'invalid_mfa_code');
  // Refresh keeps the level.
  const r = assertTokenResponse(await api.post('/auth/refresh', { json: { refresh_token: b.refresh_token } }), 200);
  assert.equal(jwtClaims(r.access_token).aal, 'aal2');
  assert.equal(jwtClaims(r.access_token).auth_time, jwtClaims(b.access_token).auth_time);
});

test('a code one step ahead is accepted (clock drift), two steps either side are not', async () => {
  const s = await signup(api);
  const { totp } = await enableTotp(api, s);  // leaves enough of the step for the calls below
  assertProblem(await secondStep((await passwordStep(api, s)).mfa_ticket, 'totp', codeAt(totp, -2)), 401, 'invalid_mfa_code');
  assertProblem(await secondStep((await passwordStep(api, s)).mfa_ticket, 'totp', codeAt(totp, 2)), 401, 'invalid_mfa_code');
  assertTokenResponse(await secondStep((await passwordStep(api, s)).mfa_ticket, 'totp', codeAt(totp, 1)), 200);
});

test('two logins racing with one code: exactly one gets tokens', async () => {
  const s = await signup(api);
  const { totp } = await enableTotp(api, s);
  const tickets = await Promise.all(Array.from({ length: 6 }, async () => (await passwordStep(api, s)).mfa_ticket));
  const code = codeAt(totp, 1);
  const results = await Promise.all(tickets.map((ticket) => secondStep(ticket, 'totp', code)));
  assert.equal(results.filter((r) => r.status === 200).length, 1, results.map((r) => r.status).join(','));
  for (const r of results.filter((x) => x.status !== 200)) assertProblem(r, 401, 'invalid_mfa_code');
});

test('a recovery code logs in once, typed in any case without dashes, and says how many are left', async () => {
  const s = await signup(api);
  const { recovery_codes: codes } = await enableTotp(api, s);
  const sloppy = codes[3].replaceAll('-', '').toLowerCase();
  const b = assertTokenResponse(await secondStep((await passwordStep(api, s)).mfa_ticket, 'recovery_code', sloppy), 200);
  assert.equal(b.recovery_codes_remaining, 9);
  assert.deepEqual(jwtClaims(b.access_token).amr, ['pwd', 'mfa']);
  assertProblem(await secondStep((await passwordStep(api, s)).mfa_ticket, 'recovery_code', codes[3]), 401, 'invalid_mfa_code');
  // Two logins racing with one code: one success.
  const tickets = await Promise.all([1, 2, 3, 4].map(async () => (await passwordStep(api, s)).mfa_ticket));
  const raced = await Promise.all(tickets.map((ticket) => secondStep(ticket, 'recovery_code', codes[5])));
  assert.equal(raced.filter((r) => r.status === 200).length, 1, raced.map((r) => r.status).join(','));
  const state = (await api.get('/auth/mfa', { token: b.access_token })).body;
  assert.deepEqual(state.recovery_codes, { total: 10, remaining: 8 });
});

test('regenerating recovery codes voids the old set', async () => {
  const s = await signup(api);
  const first = await enableTotp(api, s);
  const res = await api.post('/auth/mfa/recovery-codes', { token: first.access_token });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  assert.equal(res.body.recovery_codes.length, 10);
  assertProblem(await secondStep((await passwordStep(api, s)).mfa_ticket, 'recovery_code', first.recovery_codes[0]), 401, 'invalid_mfa_code');
  assertTokenResponse(await secondStep((await passwordStep(api, s)).mfa_ticket, 'recovery_code', res.body.recovery_codes[0]), 200);
});

test('a ticket dies after five wrong codes, and a made-up ticket is refused', async () => {
  const s = await signup(api);
  const { totp } = await enableTotp(api, s);
  const ticket = (await passwordStep(api, s)).mfa_ticket;
  for (let i = 0; i < 5; i += 1) assertProblem(await secondStep(ticket, 'totp', '000000'), 401, 'invalid_mfa_code');
  assertProblem(await secondStep(ticket, 'totp', codeAt(totp, 1)), 401, 'mfa_ticket_invalid');
  assertProblem(await secondStep('A'.repeat(43), 'totp', codeAt(totp)), 401, 'mfa_ticket_invalid');
  assertProblem(await secondStep('short', 'totp', codeAt(totp)), 401, 'mfa_ticket_invalid');
});

test('ten wrong codes in a row lock the second factor: 429 with Retry-After, even for the right code', async () => {
  const s = await signup(api);
  const { totp } = await enableTotp(api, s);
  for (let i = 0; i < 10; i += 1) {
    const method = i % 2 ? 'recovery_code' : 'totp';
    const code = i % 2 ? 'AAAA-AAAA-AAAA-AAAA' : '000000';
    assertProblem(await secondStep((await passwordStep(api, s)).mfa_ticket, method, code), 401, 'invalid_mfa_code');
  }
  const locked = await secondStep((await passwordStep(api, s)).mfa_ticket, 'totp', codeAt(totp, 1));
  assertProblem(locked, 429, 'rate_limited');
  const wait = Number(locked.headers.get('retry-after'));
  assert.ok(wait > 800 && wait <= 900, `Retry-After ${wait}`);
});

test('a ticket belongs to its account: another account\'s code does not pass it', async () => {
  const a = await signup(api);
  const b = await signup(api);
  const { totp: totpA } = await enableTotp(api, a);
  await enableTotp(api, b);
  const ticketOfB = (await passwordStep(api, b)).mfa_ticket;
  assertProblem(await secondStep(ticketOfB, 'totp', codeAt(totpA, 1)), 401, 'invalid_mfa_code');
});

test('bad input is a clear 400 and not a counted failure: letters, five or seven digits, a megabyte', async () => {
  const s = await signup(api);
  const { totp } = await enableTotp(api, s);
  const ticket = (await passwordStep(api, s)).mfa_ticket;
  for (const code of ['12345', '1234567', '12a456', '１２３４５６']) {
    assertProblem(await secondStep(ticket, 'totp', code), 400, 'invalid_request');
  }
  assertProblem(await secondStep(ticket, 'sms', '123456'), 400, 'invalid_request');
  assertProblem(await secondStep(ticket, 'recovery_code', 'not a code'), 400, 'invalid_request');
  assertProblem(await api.post('/auth/login/mfa', { json: { mfa_ticket: ticket, method: 'totp' } }), 400, 'invalid_request');
  const huge = await secondStep(ticket, 'totp', '1'.repeat(1 << 20));
  assert.ok(huge.status === 413 || huge.status === 400, `${huge.status}`);
  // Spaces are how apps show the code; the ticket took none of the above as a try.
  const code = codeAt(totp, 1);
  assertTokenResponse(await secondStep(ticket, 'totp', `${code.slice(0, 3)} ${code.slice(3)}`), 200);
});

test('a step-up rotates the session\'s refresh token with no grace: the one from before refreshes nothing', async () => {
  const s = await signup(api);
  const { totp, ...tokens } = await enableTotp(api, s);
  const res = await api.post('/auth/reauthenticate', { token: tokens.access_token, json: { method: 'totp', code: codeAt(totp, 1) } });
  const b = assertTokenResponse(res, 200);
  assert.equal(jwtClaims(b.access_token).sid, jwtClaims(tokens.access_token).sid);
  assert.ok(jwtClaims(b.access_token).auth_time >= jwtClaims(tokens.access_token).auth_time);
  assertProblem(await api.post('/auth/refresh', { json: { refresh_token: tokens.refresh_token } }), 401, 'refresh_token_reused');
  // A password alone does not step up an account with a second factor.
  const s2 = await signup(api);
  const t2 = await enableTotp(api, s2);
  assertProblem(await api.post('/auth/reauthenticate', { token: t2.access_token, json: { method: 'password', password: s2.password } }), 400, 'invalid_request');
});

test('an account without a factor reauthenticates with its password; a wrong one is refused', async () => {
  const s = await signup(api);
  assertProblem(await api.post('/auth/reauthenticate', { token: s.access, json: { method: 'password', password: 'Wrong-password-123456' } }), 401, 'invalid_credentials');
  const b = assertTokenResponse(await api.post('/auth/reauthenticate', { token: s.access, json: { method: 'password', password: s.password } }), 200);
  assert.equal(jwtClaims(b.access_token).aal, 'aal1');
  assert.deepEqual(jwtClaims(b.access_token).amr, ['pwd']);
});

test('removing the factor (fresh aal2) ends the other sessions and the next login needs only the password', async () => {
  const s = await signup(api);
  const { totp, ...tokens } = await enableTotp(api, s);
  const other = assertTokenResponse(await secondStep((await passwordStep(api, s)).mfa_ticket, 'totp', codeAt(totp, 1)), 200);
  assert.equal((await api.del('/auth/mfa/totp', { token: tokens.access_token })).status, 204);
  assertInvalidToken(await api.get('/data', { token: other.access_token }));
  assert.equal((await api.get('/data', { token: tokens.access_token })).status, 200);
  assertProblem(await api.del('/auth/mfa/totp', { token: tokens.access_token }), 404, 'not_found');
  await login(api, s);
});

test('a route guarded for aal2 (GET /data/mfa) refuses an aal1 token with step_up_required and serves an aal2 one', async () => {
  const plain = await signup(api);
  assertProblem(await api.get('/data/mfa', { token: plain.access }), 403, 'step_up_required');
  const tokens = await enableTotp(api, await signup(api));
  const res = await api.get('/data/mfa', { token: tokens.access_token });
  assert.equal(res.status, 200, res.text);
  assert.equal(res.body.user_id, jwtClaims(tokens.access_token).sub);
  assertInvalidToken(await api.get('/data/mfa', { token: 'not-a-token' }));
});

test('/auth/check?aal=aal2 passes an aal2 token and refuses an aal1 one; X-Auth-Aal names the level', async () => {
  const plain = await signup(api);
  const weak = await api.get('/auth/check?aal=aal2', { token: plain.access });
  assertProblem(weak, 403, 'step_up_required');
  const ok = await api.get('/auth/check', { token: plain.access });
  assert.equal(ok.headers.get('x-auth-aal'), 'aal1');
  const s = await signup(api);
  const tokens = await enableTotp(api, s);
  const strong = await api.get('/auth/check?aal=aal2', { token: tokens.access_token });
  assert.equal(strong.status, 200);
  assert.equal(strong.headers.get('x-auth-aal'), 'aal2');
  assertProblem(await api.get('/auth/check?aal=aal3', { token: tokens.access_token }), 400, 'invalid_request');
});

test('an admin\'s reset, by the API or the CLI, removes the factor and ends every session; it is audited', async () => {
  const admin = await makeAdmin(t, api);
  for (const how of ['api', 'cli']) {
    const s = await signup(api, { email: uniqueEmail(how) });
    const tokens = await enableTotp(api, s);
    if (how === 'api') {
      assert.equal((await api.del(`/admin/users/${s.user.id}/mfa`, { token: admin.access })).status, 204);
    } else {
      const r = await runCli(['user', 'reset-mfa', s.email, '--json'], { dir: t.dir });
      assert.equal(r.code, 0, r.stderr);
      assert.deepEqual(JSON.parse(r.stdout), { user: s.user.id, removed: true });
    }
    // The API's revocation applies at once; the CLI's reaches the server through the database.
    await eventually(async () => (await api.get('/data', { token: tokens.access_token })).status === 401,
      { withinMs: how === 'api' ? 0 : 3000, what: 'the token being refused' });
    await login(api, s);
    const audit = await api.get(`/admin/audit?user=${s.user.id}&event=mfa_reset`, { token: admin.access });
    assert.equal(audit.body.total, 1);
    assert.equal(audit.body.entries[0].actor_id, how === 'api' ? admin.user.id : 'cli');
  }
  assertProblem(await api.del('/admin/users/00000000-0000-4000-8000-000000000000/mfa', { token: admin.access }), 404, 'not_found');
});
