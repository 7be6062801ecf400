// The email settings end to end (SPEC §1 configuration, §2 verify-email, §5): the log mailer of
// the zero-config server, implicit TLS with smtps://, operator templates, the start-up checks
// of TESSERA_TEMPLATES_DIR and TESSERA_SMTP_URL, TESSERA_REQUIRE_VERIFIED and
// TESSERA_VERIFY_REDIRECT. SMTP is a real server on loopback with a self-signed CA file.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSmtpServer } from './support/smtp.mjs';
import { GOOD_PASSWORD, setCookies, signup, uniqueEmail } from './support/http.mjs';
import { assertProblem, assertTokenResponse } from './support/expect.mjs';
import { formOf, pathOf, runCli, startMailTessera, submitForm, tokenOf } from './support/email.mjs';

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

function tempDir(tag) {
  const dir = mkdtempSync(join(tmpdir(), `tessera-${tag}-`));
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
  return dir;
}

async function smtpServer(options) {
  const smtp = await startSmtpServer(options);
  cleanups.push(() => smtp.close());
  return smtp;
}

async function mailTessera(options) {
  const started = await startMailTessera(options);
  cleanups.push(() => started.tessera.stop());
  return started;
}

// Follows a verification link as a browser does (GET the page, submit its form).
async function confirm(api, link) {
  const page = await api.get(pathOf(link));
  assert.equal(page.status, 200, page.text);
  return submitForm(link, formOf(page.text));
}

// `tessera serve` that must refuse to start: resolves with its exit code and stderr.
async function failedStart(env) {
  const dir = tempDir('badstart');
  const r = await runCli(['serve'], { dir, env: { TESSERA_LISTEN: '127.0.0.1:0', ...env }, timeoutMs: 15000 });
  assert.equal(r.signal, null, `tessera did not stop by itself: ${r.stderr}`);
  return r;
}

// One line on stderr, naming the setting, and nothing on stdout.
function assertOneLine(r, setting) {
  const lines = r.stderr.split('\n').filter(Boolean);
  assert.equal(lines.length, 1, r.stderr);
  assert.ok(lines[0].includes(setting), lines[0]);
  assert.equal(r.stdout, '');
}

test('with TESSERA_SMTP_URL unset the mail goes to the log with its link, and that link verifies', async () => {
  const { tessera, api, publicUrl } = await mailTessera();
  assert.equal(tessera.lines.find((l) => l.msg === 'listening').mail, 'log');
  assert.ok(tessera.lines.some((l) => l.msg === 'mail_to_log' && l.level === 'warn'), 'the start-up warns that mail goes to the log');
  const account = await signup(api);
  const line = await tessera.waitForLog((l) => l.msg === 'mail' && l.to === account.email);
  assert.ok(line.link.startsWith(`${publicUrl}/auth/verify-email?token=`), line.link);
  assert.equal(typeof line.subject, 'string');
  const confirmed = await confirm(api, line.link);
  assert.equal(confirmed.status, 200, confirmed.text);
  assert.equal((await api.get('/auth/me', { token: account.access })).body.email_verified, true);

  // The reset link of the log mailer works too.
  assert.equal((await api.post('/auth/password/forgot', { json: { email: account.email } })).status, 202);
  const reset = await tessera.waitForLog((l) => l.msg === 'mail' && l.to === account.email && l.link.includes('/reset-password?'));
  assert.ok(reset.link.startsWith(`${publicUrl}/reset-password?token=`), reset.link);
  const done = await api.post('/auth/password/reset', { json: { token: tokenOf(reset.link), new_password: 'Log-Mailer-Reset-Quokka-77' } });
  assert.equal(done.status, 204, done.text);
});

test('smtps:// delivers over implicit TLS with AUTH, and the link verifies', async () => {
  const smtp = await smtpServer({ mode: 'tls' });
  assert.match(smtp.url(), /^smtps:\/\//);
  const { tessera, api, publicUrl } = await mailTessera({ smtp });
  assert.equal(tessera.lines.find((l) => l.msg === 'listening').mail, 'smtp');
  const account = await signup(api);
  const mail = await smtp.waitForMessage((m) => m.to.includes(account.email));
  assert.equal(mail.secure, true);
  assert.equal(mail.user, smtp.user);
  assert.ok(mail.links[0].startsWith(`${publicUrl}/auth/verify-email?token=`));
  const used = await api.post('/auth/verify-email', { json: { token: tokenOf(mail.links[0]) } });
  assert.equal(used.status, 200, used.text);
  assert.equal(used.body.email_verified, true);
});

test('templates in TESSERA_TEMPLATES_DIR make the subject and both bodies; the others stay built in', async () => {
  const dir = tempDir('templates');
  writeFileSync(join(dir, 'verify_email.subject'), 'Bitte bestätigen: {{ email }} bei {{product}}\n');
  writeFileSync(join(dir, 'verify_email.txt'), 'Custom verify text for {{email}}.\nOpen {{link}} within {{expires}}.\n');
  writeFileSync(join(dir, 'verify_email.html'), '<p>Custom <b>HTML</b> from {{product}}: <a href="{{link}}">confirm</a></p>\n');
  writeFileSync(join(dir, 'reset_password.subject'), 'Reset at {{product}}');
  const smtp = await smtpServer();
  const { api, publicUrl } = await mailTessera({
    smtp, env: { TESSERA_TEMPLATES_DIR: dir, TESSERA_PRODUCT_NAME: 'Acme & Co', TESSERA_VERIFICATION_TTL: '48h' },
  });
  const account = await signup(api);
  const mail = await smtp.waitForMessage((m) => m.to.includes(account.email));
  assert.equal(mail.subject, `Bitte bestätigen: ${account.email} bei Acme & Co`);
  const [link] = mail.links;
  assert.ok(link.startsWith(`${publicUrl}/auth/verify-email?token=`), link);
  assert.equal(mail.text.replace(/\r\n/g, '\n').trimEnd(), `Custom verify text for ${account.email}.\nOpen ${link} within 2 days.`);
  assert.equal(mail.html.replace(/\r\n/g, '\n').trimEnd(), `<p>Custom <b>HTML</b> from Acme &amp; Co: <a href="${link}">confirm</a></p>`);

  assert.equal((await api.post('/auth/password/forgot', { json: { email: account.email } })).status, 202);
  const reset = await smtp.waitForMessage((m) => m.to.includes(account.email) && m !== mail);
  assert.equal(reset.subject, 'Reset at Acme & Co');
  assert.ok(reset.text.includes(reset.links[0]), 'the built-in body carries the link');
  assert.ok(reset.links[0].startsWith(`${publicUrl}/reset-password?token=`));
  assert.doesNotMatch(reset.text, /Custom/);
  // The custom link is the real one.
  assert.equal((await confirm(api, link)).status, 200);
});

test('a missing templates directory stops start-up with exit 2 and one line', async () => {
  const r = await failedStart({ TESSERA_TEMPLATES_DIR: '/nonexistent/tessera-templates' });
  assert.equal(r.code, 2, r.stderr);
  assertOneLine(r, 'TESSERA_TEMPLATES_DIR');
});

test('a template with an unknown placeholder stops start-up with exit 2 and one line naming the file', async () => {
  const dir = tempDir('badtemplates');
  writeFileSync(join(dir, 'verify_email.txt'), 'Open {{link}} now, {{name}}.\n');
  const r = await failedStart({ TESSERA_TEMPLATES_DIR: dir });
  assert.equal(r.code, 2, r.stderr);
  assertOneLine(r, 'TESSERA_TEMPLATES_DIR');
  assert.match(r.stderr, /verify_email\.txt/);
});

test('a bad TESSERA_SMTP_URL stops start-up with exit 2 and one line', async () => {
  for (const url of ['smtp://host:notaport', 'smtp://user:s3cret-pw@host:notaport', 'smtp://user:s3cret-pw@:587',
    'http://user:pass@host:587']) {
    const r = await failedStart({ TESSERA_SMTP_URL: url });
    assert.equal(r.code, 2, `${url}: ${r.stderr}`);
    assertOneLine(r, 'TESSERA_SMTP_URL');
    if (url.startsWith('smtp')) assert.equal(r.stderr.includes('s3cret-pw'), false, `${url}: the password is not echoed`);
  }
  const okUrl = 'smtp://user:pass@127.0.0.1:2525';
  const from = await failedStart({ TESSERA_SMTP_URL: okUrl, TESSERA_SMTP_FROM: 'not an address' });
  assert.equal(from.code, 2, from.stderr);
  assertOneLine(from, 'TESSERA_SMTP_FROM');
  const ca = await failedStart({ TESSERA_SMTP_URL: okUrl, TESSERA_SMTP_CA_FILE: '/nonexistent/ca.pem' });
  assert.equal(ca.code, 2, ca.stderr);
  assertOneLine(ca, 'TESSERA_SMTP_CA_FILE');
});

// SPEC §1: settings are shown with their secrets masked; an SMTP URL carries the SMTP password.
test('a TESSERA_SMTP_URL refused by the configuration layer is not echoed with its password', async () => {
  const r = await failedStart({ TESSERA_SMTP_URL: 'http://user:s3cret-pw@host:587' });
  assert.equal(r.code, 2, r.stderr);
  assertOneLine(r, 'TESSERA_SMTP_URL');
  assert.equal(r.stderr.includes('s3cret-pw'), false, r.stderr);
});

test('TESSERA_REQUIRE_VERIFIED: sign-up is 201 without tokens, login 403 until the mailed link is confirmed', async () => {
  const smtp = await smtpServer();
  const { api } = await mailTessera({ smtp, env: { TESSERA_REQUIRE_VERIFIED: 'true' } });
  const email = uniqueEmail('required');
  const res = await api.post('/auth/signup', { json: { email, password: GOOD_PASSWORD } });
  assert.equal(res.status, 201, res.text);
  assert.equal(res.body.email_verification_required, true);
  assert.equal(res.body.user.email, email);
  assert.equal(res.body.user.email_verified, false);
  for (const k of ['access_token', 'refresh_token', 'token_type', 'expires_in']) assert.equal(k in res.body, false, k);
  assert.deepEqual(setCookies(res).filter((c) => /refresh_token/.test(c.name) && c.value !== ''), []);

  assertProblem(await api.post('/auth/login', { json: { email, password: GOOD_PASSWORD } }), 403, 'email_not_verified');
  // The wrong password learns nothing about verification.
  assertProblem(await api.post('/auth/login', { json: { email, password: 'Wrong-Password-123456' } }), 401, 'invalid_credentials');

  const mail = await smtp.waitForMessage((m) => m.to.includes(email));
  const page = await api.get(pathOf(mail.links[0]));
  assert.equal(page.status, 200);
  assertProblem(await api.post('/auth/login', { json: { email, password: GOOD_PASSWORD } }), 403, 'email_not_verified');
  const confirmed = await submitForm(mail.links[0], formOf(page.text));
  assert.equal(confirmed.status, 200, confirmed.text);
  const login = await api.post('/auth/login', { json: { email, password: GOOD_PASSWORD } });
  assertTokenResponse(login, 200);
  assert.equal(login.body.user.email_verified, true);
  assert.equal((await api.get('/data/verified', { token: login.body.access_token })).status, 200);
});

test('TESSERA_VERIFY_REDIRECT: the confirm form answers 303 to it; API clients still get JSON', async () => {
  const smtp = await smtpServer();
  const redirect = 'https://app.example.test/welcome?verified=1';
  const { api } = await mailTessera({ smtp, env: { TESSERA_VERIFY_REDIRECT: redirect } });

  const browser = await signup(api);
  const link = (await smtp.waitForMessage((m) => m.to.includes(browser.email))).links[0];
  const page = await api.get(pathOf(link));
  const form = formOf(page.text);
  const confirmed = await submitForm(link, form);
  assert.equal(confirmed.status, 303, confirmed.text);
  assert.equal(confirmed.headers.get('location'), redirect);
  assert.equal((await api.get('/auth/me', { token: browser.access })).body.email_verified, true);
  // A used link does not redirect as if it had worked.
  const again = await submitForm(link, form);
  assert.equal(again.status, 400);
  assert.equal(again.headers.get('location'), null);

  const client = await signup(api);
  const token = tokenOf((await smtp.waitForMessage((m) => m.to.includes(client.email))).links[0]);
  const json = await api.post('/auth/verify-email', { json: { token } });
  assert.equal(json.status, 200, json.text);
  assert.match(json.headers.get('content-type'), /^application\/json\b/);
  assert.equal(json.body.email_verified, true);
});

// Every hosted page, the server-rendered ones included, is a file of web/ with the same frame
// (skip link, brand) and the values only the server knows filled in from one source each.
test('TESSERA_PRODUCT_NAME and TESSERA_PASSWORD_MIN_LENGTH show on every page; every length limit is the server\'s', async () => {
  const { tessera, api } = await mailTessera({ env: { TESSERA_PRODUCT_NAME: 'Acme & Co', TESSERA_PASSWORD_MIN_LENGTH: '12' } });
  const account = await signup(api);
  const verify = await tessera.waitForLog((l) => l.msg === 'mail' && l.to === account.email);
  assert.equal((await api.post('/auth/password/forgot', { json: { email: account.email } })).status, 202);
  const reset = await tessera.waitForLog((l) => l.msg === 'mail' && l.to === account.email && l.link.includes('/reset-password?'));
  const pages = {
    '/': 200, '/sign-up': 200, '/forgot-password': 200, '/account': 200, '/admin': 200,
    [pathOf(verify.link)]: 200, [pathOf(reset.link)]: 200, '/reset-password?token=dead': 200, '/auth/verify-email?token=dead': 400,
  };
  for (const [path, status] of Object.entries(pages)) {
    const page = await api.get(path, { headers: { accept: 'text/html' } });
    assert.equal(page.status, status, `${path}: ${page.text}`);
    assert.match(page.text, /<title>[^<]+ · Acme &amp; Co<\/title>/, path);
    assert.match(page.text, /<a class="brand" href="\/(account)?">Acme &amp; Co<\/a>/, path);
    assert.match(page.text, /<a class="skip" href="#main">Skip to content<\/a>/, path);
    assert.equal(page.text.includes('{{'), false, `${path} has an unfilled placeholder`);
    for (const [, type, max] of page.text.matchAll(/<input [^>]*type="(password|email)"[^>]*maxlength="(\d+)"/g)) {
      assert.equal(max, type === 'password' ? '256' : '254', `${path}: a ${type} field's maxlength`);
    }
    for (const rules of page.text.matchAll(/id="password-rules">\s*<p>([^<]+)/g)) {
      assert.match(rules[1], /^(Use at least|At least) 12 characters \(at most 256 bytes\)/, path);
    }
  }
  const form = formOf((await api.get(pathOf(reset.link))).text);
  assert.equal(form.fields.token, tokenOf(reset.link));
  // The answer to the form, refused as too short, is the same page with the reason under the field.
  const refused = await submitForm(reset.link, form, { new_password: 'Short-pass1' });
  assert.equal(refused.status, 422, refused.text);
  assert.match(refused.text, /<p class="error" id="form-error" role="alert">The password [^<]*12 characters[^<]*<\/p>/);
  assert.equal(formOf(refused.text).fields.token, tokenOf(reset.link), 'the token is kept for the next try');
  assert.equal(refused.headers.get('cache-control'), 'no-store', 'a page carrying a token is never stored');
});

test('a TESSERA_WEB_DIR without a page the server renders stops start-up with exit 2 and one line naming it', async () => {
  const dir = tempDir('web');
  for (const name of ['index.html', 'verify-email.html', 'email-verified.html', 'password-changed.html', 'link-invalid.html', 'problem.html']) {
    writeFileSync(join(dir, name), '<!doctype html><title>x</title>\n');
  }
  const r = await failedStart({ TESSERA_WEB_DIR: dir });
  assert.equal(r.code, 2, r.stderr);
  assertOneLine(r, 'reset-password.html');
});
