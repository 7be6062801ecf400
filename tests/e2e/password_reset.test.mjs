// Password reset end to end (SPEC §2 forgot and reset, §3 one-time tokens, §5): the reset link
// arrives through a real SMTP server (STARTTLS before AUTH, self-signed CA file), a reset with it
// ends every earlier session at once, and the hosted reset page works as a plain HTML form.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSmtpServer } from './support/smtp.mjs';
import { GOOD_PASSWORD, login, signup, uniqueEmail } from './support/http.mjs';
import { assertInvalidToken, assertProblem, assertTokenResponse } from './support/expect.mjs';
import {
  afterOutboxCatchesUp, formOf, mailsTo, outboxList, pathOf, useMailTessera, submitForm, tokenOf,
} from './support/email.mjs';

const NEW_PASSWORD = 'Reset-e2e-Battery-Staple-91';

const smtp = useSmtpServer();
const server = useMailTessera({ smtp });

const isReset = (address) => (m) => m.to.includes(address) && m.links.some((l) => l.includes('/reset-password?'));

// Asks for a reset of `email` and resolves with the reset mail, its link and its token.
async function forgot(email, api = server.api) {
  const res = await api.post('/auth/password/forgot', { json: { email } });
  assert.equal(res.status, 202, res.text);
  assert.deepEqual(res.body, { status: 'accepted' });
  const mail = await smtp.waitForMessage(isReset(email));
  return { mail, link: mail.links[0], token: tokenOf(mail.links[0]) };
}

test('forgot queues a reset mail over TLS whose one link is /reset-password under TESSERA_PUBLIC_URL', async () => {
  const account = await signup(server.api);
  const { mail, link, token } = await forgot(account.email);
  assert.equal(mail.secure, true);
  assert.equal(mail.user, smtp.user);
  assert.deepEqual(mail.to, [account.email]);
  assert.equal(mail.links.length, 1, mail.text);
  assert.ok(link.startsWith(`${server.publicUrl}/reset-password?token=`), link);
  assert.match(token, /^[A-Za-z0-9_-]{43,}$/);
  assert.notEqual(mail.subject, (await smtp.waitForMessage((m) => m.to.includes(account.email))).subject,
    'the reset mail is not the verification mail');
});

test('a reset with the mailed token is 204 and ends every earlier session: refresh and access tokens stop at once', async () => {
  const { api } = server;
  const first = await signup(api);
  const second = await login(api, first);
  // Both sessions work before the reset.
  for (const s of [first, second]) assert.equal((await api.get('/auth/me', { token: s.access })).status, 200);
  const { token } = await forgot(first.email);

  const reset = await api.post('/auth/password/reset', { json: { token, new_password: NEW_PASSWORD } });
  assert.equal(reset.status, 204, reset.text);
  assert.equal(reset.text, '');

  for (const s of [first, second]) {
    assertInvalidToken(await api.get('/auth/me', { token: s.access }));
    assertInvalidToken(await api.get('/data', { token: s.access }));
    assertProblem(await api.post('/auth/refresh', { json: { refresh_token: s.refresh } }), 401, 'invalid_refresh_token');
    assertProblem(await api.post('/auth/refresh', { cookie: s.cookie }), 401, 'invalid_refresh_token');
  }
  assertProblem(await api.post('/auth/login', { json: { email: first.email, password: GOOD_PASSWORD } }), 401, 'invalid_credentials');
  const fresh = await api.post('/auth/login', { json: { email: first.email, password: NEW_PASSWORD } });
  assertTokenResponse(fresh, 200);
  assert.equal((await api.get('/auth/me', { token: fresh.body.access_token })).status, 200);
});

test('a reset token works once: the second reset is 400 invalid_token and changes nothing', async () => {
  const { api } = server;
  const account = await signup(api);
  const { token } = await forgot(account.email);
  assert.equal((await api.post('/auth/password/reset', { json: { token, new_password: NEW_PASSWORD } })).status, 204);
  assertProblem(await api.post('/auth/password/reset', { json: { token, new_password: 'Third-Password-Quokka-55' } }),
    400, 'invalid_token');
  assert.equal((await api.post('/auth/login', { json: { email: account.email, password: NEW_PASSWORD } })).status, 200);
  assertProblem(await api.post('/auth/login', { json: { email: account.email, password: 'Third-Password-Quokka-55' } }),
    401, 'invalid_credentials');
});

test('a weak new password is 422 weak_password and leaves the token usable', async () => {
  const { api } = server;
  const account = await signup(api);
  const { token } = await forgot(account.email);
  assertProblem(await api.post('/auth/password/reset', { json: { token, new_password: 'password1' } }), 422, 'weak_password');
  assertProblem(await api.post('/auth/password/reset', { json: { token, new_password: account.email } }), 422, 'weak_password');
  assertProblem(await api.post('/auth/password/reset', { json: { token } }), 400, 'invalid_request');
  // The session survived the refused attempts, and the token still resets.
  assert.equal((await api.get('/auth/me', { token: account.access })).status, 200);
  assert.equal((await api.post('/auth/password/reset', { json: { token, new_password: NEW_PASSWORD } })).status, 204);
});

test('unknown, tampered and truncated reset tokens are 400 invalid_token', async () => {
  const { api } = server;
  const account = await signup(api);
  const { token } = await forgot(account.email);
  const flipped = token.slice(0, 10) + (token[10] === 'x' ? 'y' : 'x') + token.slice(11);
  for (const bad of [flipped, token.slice(0, 42), 'A'.repeat(43), 'garbage']) {
    assertProblem(await api.post('/auth/password/reset', { json: { token: bad, new_password: NEW_PASSWORD } }),
      400, 'invalid_token');
  }
  assert.equal((await api.post('/auth/password/reset', { json: { token, new_password: NEW_PASSWORD } })).status, 204);
});

test('the reset page of the mailed link shows a form, and its browser POST sets the password and ends the sessions', async () => {
  const { api } = server;
  const account = await signup(api);
  const { link, token } = await forgot(account.email);
  const page = await api.get(pathOf(link), { headers: { accept: 'text/html' } });
  assert.equal(page.status, 200, page.text);
  assert.match(page.headers.get('content-type'), /^text\/html\b/);
  const form = formOf(page.text);
  assert.equal(form.method, 'post');
  assert.equal(new URL(form.action, link).pathname, '/auth/password/reset');
  assert.deepEqual(Object.keys(form.fields).sort(), ['new_password', 'token']);
  assert.equal(form.types.token, 'hidden');
  assert.equal(form.types.new_password, 'password');
  assert.equal(form.fields.token, token);
  assert.equal(form.buttons.length, 1);

  // A weak password: the form again, with the token kept and a message; nothing used.
  const weak = await submitForm(link, form, { new_password: 'password1' });
  assert.equal(weak.status, 422, weak.text);
  assert.match(weak.headers.get('content-type'), /^text\/html\b/);
  assert.equal(formOf(weak.text).fields.token, token);
  assert.match(weak.text, /role="alert"/);

  const done = await submitForm(link, form, { new_password: NEW_PASSWORD });
  assert.equal(done.status, 200, done.text);
  assert.match(done.headers.get('content-type'), /^text\/html\b/);
  assert.match(done.text, /password has been changed/);
  assertInvalidToken(await api.get('/auth/me', { token: account.access }));
  assertProblem(await api.post('/auth/refresh', { json: { refresh_token: account.refresh } }), 401, 'invalid_refresh_token');
  assert.equal((await api.post('/auth/login', { json: { email: account.email, password: NEW_PASSWORD } })).status, 200);

  // The same form again: the link is used up, and the page says so.
  const again = await submitForm(link, form, { new_password: 'Third-Password-Quokka-55' });
  assert.equal(again.status, 400);
  assert.match(again.headers.get('content-type'), /^text\/html\b/);
  assert.match(again.text, /invalid or has expired/);
  assert.equal(/<form\b/i.test(again.text), false);
});

test('a password change kills the outstanding reset token', async () => {
  const { api } = server;
  const account = await signup(api);
  const { token } = await forgot(account.email);
  const changed = await api.post('/auth/password', {
    token: account.access, json: { current_password: GOOD_PASSWORD, new_password: NEW_PASSWORD },
  });
  assertTokenResponse(changed, 200);
  assertProblem(await api.post('/auth/password/reset', { json: { token, new_password: 'Third-Password-Quokka-55' } }),
    400, 'invalid_token');
  assert.equal((await api.post('/auth/login', { json: { email: account.email, password: NEW_PASSWORD } })).status, 200);
});

test('resetting through the mailed link also verifies the address it was sent to', async () => {
  const { api } = server;
  const account = await signup(api);
  assert.equal(account.user.email_verified, false);
  const { token } = await forgot(account.email);
  assert.equal((await api.post('/auth/password/reset', { json: { token, new_password: NEW_PASSWORD } })).status, 204);
  const fresh = await api.post('/auth/login', { json: { email: account.email, password: NEW_PASSWORD } });
  assert.equal(fresh.status, 200);
  assert.equal(fresh.body.user.email_verified, true);
});

test('forgot answers 202 and sends nothing for an unknown address, or a second time inside the minute', async () => {
  const { api, tessera } = server;
  const unknown = uniqueEmail('nobody');
  const account = await signup(api);
  await forgot(account.email);
  for (const email of [unknown, account.email, account.email.toUpperCase(), ` ${unknown} `]) {
    const res = await api.post('/auth/password/forgot', { json: { email } });
    assert.equal(res.status, 202, `${email}: ${res.text}`);
    assert.deepEqual(res.body, { status: 'accepted' });
  }
  assert.equal((await api.post('/auth/password/forgot', { form: { email: account.email } })).status, 202);

  const marker = uniqueEmail('marker');
  await afterOutboxCatchesUp(smtp, marker, () => signup(api, { email: marker }));
  assert.equal(mailsTo(smtp, unknown).length, 0);
  assert.equal(smtp.messages.filter(isReset(account.email)).length, 1, 'one reset mail in the minute');
  const rows = await outboxList(tessera.dir);
  assert.equal(rows.filter((m) => m.recipient === unknown).length, 0);
  assert.equal(rows.filter((m) => m.recipient === account.email && m.kind === 'reset_password').length, 1);
});

test('the answers for a known and an unknown address are the same bytes', async () => {
  const { api } = server;
  const account = await signup(api);
  const known = await api.post('/auth/password/forgot', { json: { email: account.email } });
  const unknown = await api.post('/auth/password/forgot', { json: { email: uniqueEmail('nobody') } });
  const resendKnown = await api.post('/auth/verify-email/resend', { json: { email: account.email } });
  const resendUnknown = await api.post('/auth/verify-email/resend', { json: { email: uniqueEmail('nobody') } });
  for (const r of [known, unknown, resendKnown, resendUnknown]) {
    assert.equal(r.status, 202);
    assert.equal(r.text, known.text);
    assert.equal(r.headers.get('content-type'), known.headers.get('content-type'));
    assert.equal(r.headers.get('set-cookie'), null);
  }
});

test('ten concurrent resets with one token: exactly one is 204, and its password is the one that works', async () => {
  const { api } = server;
  const account = await signup(api);
  const { token } = await forgot(account.email);
  const passwords = Array.from({ length: 10 }, (_, i) => `Concurrent-Reset-Wombat-${i}-${i * 7 + 13}`);
  const results = await Promise.all(passwords.map((new_password) => api.post('/auth/password/reset', { json: { token, new_password } })));
  const winners = results.map((r, i) => [r.status, i]).filter(([status]) => status === 204).map(([, i]) => i);
  assert.equal(winners.length, 1, results.map((r) => `${r.status} ${r.text}`).join('\n'));
  for (const r of results) if (r.status !== 204) assertProblem(r, 400, 'invalid_token');
  for (const [i, password] of passwords.entries()) {
    const login = await api.post('/auth/login', { json: { email: account.email, password } });
    assert.equal(login.status, i === winners[0] ? 200 : 401, `password ${i}: ${login.text}`);
  }
});

test('forgot and resend refuse an address with CR, LF, a comma or angle brackets (400), and nothing reaches SMTP', async () => {
  const { api } = server;
  const account = await signup(api);
  const evil = [
    `${account.email}\r\nBcc: victim@example.org`,
    `${account.email}\nBcc: victim@example.org`,
    `${account.email},victim@example.org`,
    `Name <${account.email}>`,
    `${account.email}\u0000victim@example.org`,
  ];
  for (const email of evil) {
    for (const path of ['/auth/password/forgot', '/auth/verify-email/resend']) {
      assertProblem(await api.post(path, { json: { email } }), 400, 'invalid_request');
    }
  }
  const marker = uniqueEmail('marker');
  await afterOutboxCatchesUp(smtp, marker, () => signup(api, { email: marker }));
  assert.equal(smtp.messages.filter(isReset(account.email)).length, 0);
  assert.equal(smtp.messages.filter((m) => m.envelope.to.some((t) => t.includes('victim'))).length, 0);
});
