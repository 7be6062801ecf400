// Second factors and mail (issue 22), through a real SMTP server (STARTTLS, AUTH): the owner is
// told when a factor is added or removed, when a recovery code is used (with how many are left)
// and when an admin resets it; a password reset by mail never removes the factor, and the mail
// is never a second factor.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSmtpServer } from './support/smtp.mjs';
import { signup } from './support/http.mjs';
import { assertProblem, assertTokenResponse } from './support/expect.mjs';
import { useMailTessera, tokenOf } from './support/email.mjs';
import { codeAt, enableTotp, passwordStep } from './support/totp.mjs';
import { runCli } from './support/cli.mjs';

const smtp = useSmtpServer();
const server = useMailTessera({ smtp });

const NEW_PASSWORD = 'Reset-e2e-Second-Factor-Kept-58';

// The security notice to `address` whose text matches `pattern`.
const notice = (address, pattern) =>
  smtp.waitForMessage((m) => m.to.includes(address) && /Security notice/.test(m.subject) && pattern.test(m.text));

test('adding the app, using a recovery code and removing the app each mail the owner', async () => {
  const { api } = server;
  const s = await signup(api);
  const { recovery_codes: codes, totp } = await enableTotp(api, s);
  const added = await notice(s.email, /authenticator app was set up/);
  assert.equal(added.secure, true);
  assert.equal(added.links.length, 0, 'a notice carries no link to click');

  const used = await api.post('/auth/login/mfa', { json: { mfa_ticket: (await passwordStep(api, s)).mfa_ticket, method: 'recovery_code', code: codes[0] } });
  assertTokenResponse(used, 200);
  await notice(s.email, /One of your recovery codes was used\. 9 of 10 codes are left/);

  const fresh = await api.post('/auth/login/mfa', { json: { mfa_ticket: (await passwordStep(api, s)).mfa_ticket, method: 'totp', code: codeAt(totp, 1) } });
  assertTokenResponse(fresh, 200);
  assert.equal((await api.del('/auth/mfa/totp', { token: fresh.body.access_token })).status, 204);
  await notice(s.email, /authenticator app was removed/);
});

test('a password reset by mail keeps the factor: the next login still asks for the code', async () => {
  const { api } = server;
  const s = await signup(api);
  const { totp } = await enableTotp(api, s);
  assert.equal((await api.post('/auth/password/forgot', { json: { email: s.email } })).status, 202);
  const mail = await smtp.waitForMessage((m) => m.to.includes(s.email) && m.links.some((l) => l.includes('/reset-password?')));
  const reset = await api.post('/auth/password/reset', { json: { token: tokenOf(mail.links[0]), new_password: NEW_PASSWORD } });
  assert.equal(reset.status, 204, reset.text);
  const res = await api.post('/auth/login', { json: { email: s.email, password: NEW_PASSWORD } });
  const p = assertProblem(res, 403, 'mfa_required');
  assertTokenResponse(await api.post('/auth/login/mfa', { json: { mfa_ticket: p.mfa_ticket, method: 'totp', code: codeAt(totp, 1) } }), 200);
});

test('an admin reset from the CLI mails the owner', async () => {
  const { api } = server;
  const s = await signup(api);
  await enableTotp(api, s);
  const r = await runCli(['user', 'reset-mfa', s.email], { dir: server.tessera.dir });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /second factor removed/);
  await notice(s.email, /administrator removed the second factor/);
});
