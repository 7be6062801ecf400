// Email verification end to end (SPEC §2 verify-email and resend, §3 one-time tokens, §5): a
// real SMTP server on loopback that requires STARTTLS before AUTH, with a per-run self-signed
// certificate given as TESSERA_SMTP_CA_FILE; every link is the one that arrived in the mail,
// followed as a browser (or a mail scanner) would.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useSmtpServer } from './support/smtp.mjs';
import { GOOD_PASSWORD, jwtClaims, rawRequest, refreshCookie, signup, uniqueEmail } from './support/http.mjs';
import { assertProblem } from './support/expect.mjs';
import {
  afterOutboxCatchesUp, formOf, mailsTo, outboxList, pathOf, runCli, sqlite, useMailTessera, submitForm, tokenOf,
} from './support/email.mjs';

const smtp = useSmtpServer();
const server = useMailTessera({ smtp }); // { tessera, api, publicUrl }

// Signs up a fresh account and resolves with it and the verification mail it was sent.
async function signupWithMail(api = server.api) {
  const account = await signup(api);
  const mail = await smtp.waitForMessage((m) => m.to.includes(account.email));
  return { account, mail, link: mail.links[0], token: tokenOf(mail.links[0]) };
}

const verifyLinkPrefix = () => `${server.publicUrl}/auth/verify-email?token=`;

test('the verification mail arrives over STARTTLS after AUTH, with one link under TESSERA_PUBLIC_URL', async () => {
  const { account, mail, link, token } = await signupWithMail();
  assert.equal(mail.secure, true, 'the mail went over TLS');
  assert.equal(mail.user, smtp.user, 'the client authenticated');
  assert.ok(smtp.authAttempts.length >= 1 && smtp.authAttempts.every((a) => a.secure && a.ok), JSON.stringify(smtp.authAttempts));
  assert.deepEqual(mail.envelope.to, [account.email]);
  assert.deepEqual(mail.to, [account.email]);
  assert.equal(mail.links.length, 1, mail.text);
  assert.ok(link.startsWith(verifyLinkPrefix()), link);
  assert.match(token, /^[A-Za-z0-9_-]{43,}$/, 'at least 256 bits, base64url');
  assert.ok(mail.html.includes(link), 'the HTML part carries the same link');
  assert.equal(mailsTo(smtp, account.email).length, 1, 'one mail per sign-up');
});

test('following the mailed link shows a "Confirm my email" form whose browser POST verifies the address', async () => {
  const { account, link } = await signupWithMail();
  const { api } = server;
  // Not verified yet, and the guard of /data/verified says so.
  assert.equal((await api.get('/auth/me', { token: account.access })).body.email_verified, false);
  assertProblem(await api.get('/data/verified', { token: account.access }), 403, 'email_not_verified');

  const page = await api.get(pathOf(link), { headers: { accept: 'text/html' } });
  assert.equal(page.status, 200, page.text);
  assert.match(page.headers.get('content-type'), /^text\/html\b/);
  const form = formOf(page.text);
  assert.deepEqual(form.buttons, ['Confirm my email']);
  assert.equal(form.method, 'post');
  assert.equal(new URL(form.action, link).pathname, '/auth/verify-email');
  assert.deepEqual(Object.keys(form.fields), ['token']);
  assert.equal(form.types.token, 'hidden');
  assert.equal(form.fields.token, tokenOf(link));

  const confirmed = await submitForm(link, form);
  assert.equal(confirmed.status, 200, confirmed.text);
  assert.match(confirmed.headers.get('content-type'), /^text\/html\b/);
  assert.match(confirmed.text, /Your email is confirmed/);

  const me = await api.get('/auth/me', { token: account.access });
  assert.equal(me.status, 200, me.text);
  assert.equal(me.body.email_verified, true);
  assert.equal(me.body.email, account.email);
  // A fresh access token carries the verified claim and passes the guard.
  const refreshed = await api.post('/auth/refresh', { json: { refresh_token: account.refresh } });
  assert.equal(refreshed.status, 200, refreshed.text);
  assert.equal(jwtClaims(refreshed.body.access_token).email_verified, true);
  const data = await api.get('/data/verified', { token: refreshed.body.access_token });
  assert.equal(data.status, 200, data.text);
});

test('GETting the link (as mail scanners do) never uses the token: after five GETs the POST still works, once', async () => {
  const { account, link, token } = await signupWithMail();
  const { api } = server;
  for (let i = 0; i < 5; i += 1) {
    const page = await api.get(pathOf(link));
    assert.equal(page.status, 200, `GET ${i + 1}: ${page.text}`);
    assert.deepEqual(formOf(page.text).buttons, ['Confirm my email']);
  }
  assert.equal((await api.get('/auth/me', { token: account.access })).body.email_verified, false, 'a GET verifies nothing');
  const used = await api.post('/auth/verify-email', { json: { token } });
  assert.equal(used.status, 200, used.text);
  assert.equal(used.body.email_verified, true);
  assert.equal(used.body.email, account.email);
  // Once used, the link's page says it is no longer valid and offers no form.
  const after = await api.get(pathOf(link));
  assert.equal(after.status, 400);
  assert.match(after.text, /invalid or has expired/);
  assert.equal(after.text.includes(token), false, 'the page does not echo a dead token');
  assert.equal(/<form\b/i.test(after.text), false);
});

test('a verification token works once: the second POST is 400 invalid_token, as JSON and as a page', async () => {
  const { link, token } = await signupWithMail();
  const { api } = server;
  assert.equal((await api.post('/auth/verify-email', { json: { token } })).status, 200);
  assertProblem(await api.post('/auth/verify-email', { json: { token } }), 400, 'invalid_token');
  assertProblem(await api.post('/auth/verify-email', { form: { token } }), 400, 'invalid_token');
  const page = await submitForm(link, { method: 'post', action: '/auth/verify-email', fields: { token } });
  assert.equal(page.status, 400);
  assert.match(page.headers.get('content-type'), /^text\/html\b/);
  assert.match(page.text, /invalid or has expired/);
});

test('ten concurrent POSTs of one verification token: exactly one is 200, the rest 400 invalid_token', async () => {
  const { token } = await signupWithMail();
  const results = await Promise.all(Array.from({ length: 10 }, () => server.api.post('/auth/verify-email', { json: { token } })));
  assert.deepEqual(results.map((r) => r.status).sort(), [200, ...Array(9).fill(400)]);
  for (const r of results) if (r.status === 400) assertProblem(r, 400, 'invalid_token');
});

test('unknown, malformed, tampered and missing tokens are 400 invalid_token and use nothing', async () => {
  const { account, token } = await signupWithMail();
  const { api } = server;
  const flipped = token.slice(0, -1) + (token.at(-1) === 'A' ? 'B' : 'A');
  for (const bad of [flipped, token.slice(0, -1), `${token}A`, 'A'.repeat(43), 'not a token', token.toUpperCase(), '']) {
    const res = await api.post('/auth/verify-email', { json: { token: bad } });
    if (bad === '') {
      assert.equal(res.status, 400, res.text); // a missing token is a bad request either way
    } else {
      assertProblem(res, 400, 'invalid_token');
    }
    const page = await api.get(`/auth/verify-email?token=${encodeURIComponent(bad)}`);
    assert.equal(page.status, 400, `GET with ${bad}: ${page.text}`);
    assert.equal(/<form\b/i.test(page.text), false);
  }
  assertProblem(await api.post('/auth/verify-email', { json: {} }), 400, 'invalid_request');
  assertProblem(await api.post('/auth/verify-email', { json: { token: 42 } }), 400, 'invalid_request');
  assert.equal((await api.get('/auth/verify-email')).status, 400);
  // The real token was not touched by any of that.
  assert.equal((await api.get('/auth/me', { token: account.access })).body.email_verified, false);
  assert.equal((await api.post('/auth/verify-email', { json: { token } })).status, 200);
});

test('a verification token is refused by /auth/password/reset, and stays good for verification', async () => {
  const { account, token } = await signupWithMail();
  const { api } = server;
  assertProblem(await api.post('/auth/password/reset', { json: { token, new_password: 'Another-Good-Passphrase-77' } }),
    400, 'invalid_token');
  // The password did not change.
  assert.equal((await api.post('/auth/login', { json: { email: account.email, password: GOOD_PASSWORD } })).status, 200);
  assertProblem(await api.post('/auth/login', { json: { email: account.email, password: 'Another-Good-Passphrase-77' } }),
    401, 'invalid_credentials');
  assert.equal((await api.post('/auth/verify-email', { json: { token } })).status, 200);
});

test('a reset token is refused by /auth/verify-email (POST and page), and stays good for a reset', async () => {
  const { account } = await signupWithMail();
  const { api } = server;
  assert.equal((await api.post('/auth/password/forgot', { json: { email: account.email } })).status, 202);
  const mail = await smtp.waitForMessage((m) => m.to.includes(account.email) && m.links[0].includes('/reset-password?'));
  const resetToken = tokenOf(mail.links[0]);
  assertProblem(await api.post('/auth/verify-email', { json: { token: resetToken } }), 400, 'invalid_token');
  const page = await api.get(`/auth/verify-email?token=${resetToken}`);
  assert.equal(page.status, 400);
  assert.equal(/<form\b/i.test(page.text), false);
  assert.equal((await api.get('/auth/me', { token: account.access })).body.email_verified, false);
  const reset = await api.post('/auth/password/reset', { json: { token: resetToken, new_password: 'Another-Good-Passphrase-77' } });
  assert.equal(reset.status, 204, reset.text);
});

test('a spoofed Host or X-Forwarded-Host never reaches the link: links start with TESSERA_PUBLIC_URL', async () => {
  const email = uniqueEmail('spoof');
  const spoofed = [
    ['Host', 'evil.example'],
    ['X-Forwarded-Host', 'evil.example'],
    ['X-Forwarded-Proto', 'https'],
    ['Forwarded', 'host=evil.example;proto=https'],
    ['Content-Type', 'application/json'],
  ];
  const res = await rawRequest(server.tessera.url, {
    method: 'POST', path: '/auth/signup', headers: spoofed, body: JSON.stringify({ email, password: GOOD_PASSWORD }),
  });
  assert.equal(res.status, 201, res.text);
  const verify = await smtp.waitForMessage((m) => m.to.includes(email));
  const forgot = await rawRequest(server.tessera.url, {
    method: 'POST', path: '/auth/password/forgot', headers: spoofed, body: JSON.stringify({ email }),
  });
  assert.equal(forgot.status, 202, forgot.text);
  const reset = await smtp.waitForMessage((m) => m.to.includes(email) && m !== verify);
  assert.ok(verify.links[0].startsWith(verifyLinkPrefix()), verify.links[0]);
  assert.ok(reset.links[0].startsWith(`${server.publicUrl}/reset-password?token=`), reset.links[0]);
  for (const mail of [verify, reset]) {
    assert.doesNotMatch(mail.raw, /evil\.example/i);
    assert.doesNotMatch(mail.raw, /https:\/\/127/);
  }
});

test('the link pages send CSP with frame-ancestors none, no-referrer and no-store, and run no inline script', async () => {
  const { link } = await signupWithMail();
  const { api } = server;
  const pages = {
    confirm: await api.get(pathOf(link)),
    invalid: await api.get('/auth/verify-email?token=AAAA'),
    confirmed: await submitForm(link, formOf((await api.get(pathOf(link))).text)),
    reset: await api.get('/reset-password?token=AAAA'),
  };
  assert.deepEqual(Object.values(pages).map((p) => p.status), [200, 400, 200, 200]);
  for (const [name, page] of Object.entries(pages)) {
    const csp = page.headers.get('content-security-policy') ?? '';
    const directives = Object.fromEntries(csp.split(';').map((d) => d.trim().split(/\s+/)).map(([k, ...v]) => [k, v]));
    assert.deepEqual(directives['frame-ancestors'], ["'none'"], `${name}: ${csp}`);
    const scripts = directives['script-src'] ?? directives['default-src'];
    assert.ok(scripts, `${name}: no script-src in ${csp}`);
    assert.equal(scripts.some((s) => ["'unsafe-inline'", "'unsafe-eval'", '*', 'data:'].includes(s)), false, `${name}: ${csp}`);
    assert.equal(page.headers.get('referrer-policy'), 'no-referrer', name);
    assert.doesNotMatch(page.text, /<script(?![^>]*\bsrc=)[^>]*>/i, `${name}: an inline script`);
    assert.doesNotMatch(page.text, /\son[a-z]+\s*=/i, `${name}: an inline event handler`);
    assert.doesNotMatch(page.text, /javascript:/i, name);
  }
  // The pages that hold a token in their form must not be cached.
  assert.equal(pages.confirm.headers.get('cache-control'), 'no-store');
  assert.equal(pages.reset.headers.get('cache-control'), 'no-store');
});

test('a token in a link is HTML-escaped in the page, never markup', async () => {
  const { api } = server;
  const evil = '"><script>alert(1)</script><input name="x';
  const reset = await api.get(`/reset-password?token=${encodeURIComponent(evil)}`);
  assert.doesNotMatch(reset.text, /<script>alert/);
  if (reset.status === 200) {
    assert.equal(formOf(reset.text).fields.token, evil, 'the value round-trips as text');
    assert.deepEqual(Object.keys(formOf(reset.text).fields).sort(), ['new_password', 'token']);
  }
  const verify = await api.get(`/auth/verify-email?token=${encodeURIComponent(evil)}`);
  assert.equal(verify.status, 400);
  assert.doesNotMatch(verify.text, /<script>alert/);
});

test('resend answers 202 and sends nothing for an unknown address, a verified account, or inside the minute', async () => {
  const { api } = server;
  const unknown = uniqueEmail('nobody');
  const fresh = await signupWithMail(); // its sign-up mail went out just now
  const verified = await signupWithMail();
  assert.equal((await api.post('/auth/verify-email', { json: { token: verified.token } })).status, 200);

  for (const email of [unknown, fresh.account.email, verified.account.email, unknown.toUpperCase()]) {
    const res = await api.post('/auth/verify-email/resend', { json: { email } });
    assert.equal(res.status, 202, `${email}: ${res.text}`);
    assert.deepEqual(res.body, { status: 'accepted' });
  }
  const form = await api.post('/auth/verify-email/resend', { form: { email: fresh.account.email } });
  assert.equal(form.status, 202);

  const marker = uniqueEmail('marker');
  await afterOutboxCatchesUp(smtp, marker, () => signup(api, { email: marker }));
  assert.equal(mailsTo(smtp, unknown).length, 0);
  assert.equal(mailsTo(smtp, fresh.account.email).length, 1, 'only the sign-up mail');
  assert.equal(mailsTo(smtp, verified.account.email).length, 1, 'only the sign-up mail');
  const queued = await outboxList(server.tessera.dir);
  assert.equal(queued.filter((m) => m.recipient === unknown).length, 0);
  assert.equal(queued.filter((m) => m.recipient === fresh.account.email).length, 1);
  assert.equal(queued.filter((m) => m.recipient === verified.account.email).length, 1);
});

// `tessera user create` makes an unverified account without mailing it (an operator import).
async function createWithCli(email, ...flags) {
  const r = await runCli(['user', 'create', email, '--password', GOOD_PASSWORD, ...flags], { dir: server.tessera.dir });
  assert.equal(r.code, 0, r.stderr);
}

test('resend mails a working link to an unverified account that was never sent one', async () => {
  const { api } = server;
  const email = uniqueEmail('imported');
  await createWithCli(email);
  assert.equal((await api.post('/auth/verify-email/resend', { json: { email: email.toUpperCase() } })).status, 202);
  const mail = await smtp.waitForMessage((m) => m.to.includes(email));
  assert.equal(mail.secure, true);
  assert.ok(mail.links[0].startsWith(verifyLinkPrefix()), mail.links[0]);
  const page = await api.get(pathOf(mail.links[0]));
  assert.equal(page.status, 200, page.text);
  assert.equal((await submitForm(mail.links[0], formOf(page.text))).status, 200);
  const login = await api.post('/auth/login', { json: { email, password: GOOD_PASSWORD } });
  assert.equal(login.status, 200, login.text);
  assert.equal(login.body.user.email_verified, true);
});

test('resend and forgot answer 202 and send nothing to a disabled account', async () => {
  const { api, tessera } = server;
  const email = uniqueEmail('disabled');
  await createWithCli(email); // never mailed, so no resend interval is running
  const disabled = await runCli(['user', 'disable', email], { dir: tessera.dir });
  assert.equal(disabled.code, 0, disabled.stderr);
  assert.equal((await api.post('/auth/verify-email/resend', { json: { email } })).status, 202);
  assert.equal((await api.post('/auth/password/forgot', { json: { email } })).status, 202);
  const marker = uniqueEmail('marker');
  await afterOutboxCatchesUp(smtp, marker, () => signup(api, { email: marker }));
  assert.equal(mailsTo(smtp, email).length, 0);
  assert.equal((await outboxList(tessera.dir)).filter((m) => m.recipient === email).length, 0);
  // The same account enabled again is mailed: the refusal was about the account, not the address.
  assert.equal((await runCli(['user', 'enable', email], { dir: tessera.dir })).code, 0);
  assert.equal((await api.post('/auth/verify-email/resend', { json: { email } })).status, 202);
  await smtp.waitForMessage((m) => m.to.includes(email));
});

test('a resend after the minute mails a new link that supersedes the first', async () => {
  const { api, tessera } = server;
  const first = await signupWithMail();
  // The minute has passed (moved in the database rather than waited for).
  sqlite(tessera.dir, `UPDATE one_time_tokens SET created_at = created_at - 61000 WHERE email = '${first.account.email}'`);
  assert.equal((await api.post('/auth/verify-email/resend', { json: { email: first.account.email } })).status, 202);
  const second = await smtp.waitForMessage((m) => m.to.includes(first.account.email) && m.links[0] !== first.link);
  assert.ok(second.links[0].startsWith(verifyLinkPrefix()), second.links[0]);
  assert.equal((await api.get(pathOf(first.link))).status, 400, 'the older link is dead');
  assertProblem(await api.post('/auth/verify-email', { json: { token: first.token } }), 400, 'invalid_token');
  const used = await api.post('/auth/verify-email', { json: { token: tokenOf(second.links[0]) } });
  assert.equal(used.status, 200, used.text);
  assert.equal(used.body.email_verified, true);
  // And a second resend inside the new minute sends nothing.
  assert.equal((await api.post('/auth/verify-email/resend', { json: { email: first.account.email } })).status, 202);
  const marker = uniqueEmail('marker');
  await afterOutboxCatchesUp(smtp, marker, () => signup(api, { email: marker }));
  assert.equal(mailsTo(smtp, first.account.email).length, 2);
});

test('the refresh cookie of a verified account keeps working: verification revokes nothing', async () => {
  const { account, token } = await signupWithMail();
  const { api } = server;
  assert.equal((await api.post('/auth/verify-email', { json: { token } })).status, 200);
  assert.equal((await api.get('/auth/me', { token: account.access })).status, 200);
  const refreshed = await api.post('/auth/refresh', { cookie: account.cookie, headers: { 'x-tessera-refresh': 'cookie-only' } });
  assert.equal(refreshed.status, 200, refreshed.text);
  assert.ok(refreshCookie(refreshed));
});
