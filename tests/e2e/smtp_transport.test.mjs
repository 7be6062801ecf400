// The SMTP transport (mail::SmtpSender, through tests/mail/smtp_send_tool) against a real SMTP
// server (support/smtp.mjs, npm smtp-server): STARTTLS with AUTH and a CA file, implicit TLS,
// both AUTH mechanisms, and each failure an operator meets, with a reason that says what went
// wrong, nothing delivered, and the password never in any output.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { createServer } from 'node:net';
import { once } from 'node:events';
import { resolve } from 'node:path';
import { startSmtpServer } from './support/smtp.mjs';

const TOOL = process.env.TESSERA_SMTP_SEND_TOOL
  ?? resolve(import.meta.dirname, '../../build/debug/tests/smtp_send_tool');
const FROM = 'Tessera <no-reply@tessera.test>';
const PASSWORD = 'p@ss:w/rd%Secret-42'; // needs percent-encoding in the URL
const outputs = []; // every byte the tool printed, checked for the password at the end
const servers = [];

async function server(options = {}) {
  const s = await startSmtpServer({ password: PASSWORD, ...options });
  servers.push(s);
  return s;
}

// Runs the tool once; resolves with its exit code and the parsed JSON line.
function send({ url, ca, to = 'alice@example.com', subject, text, html, timeout = 10 }) {
  const args = ['--url', url, '--from', FROM, '--to', to, '--timeout', String(timeout)];
  if (ca) args.push('--ca', ca);
  if (subject !== undefined) args.push('--subject', subject);
  if (text !== undefined) args.push('--text', text);
  if (html !== undefined) args.push('--html', html);
  return new Promise((done) => {
    execFile(TOOL, args, { timeout: 60000 }, (err, stdout, stderr) => {
      outputs.push(stdout, stderr);
      let result = null;
      try { result = JSON.parse(stdout.trim().split('\n').pop()); } catch { result = { unparsed: stdout }; }
      done({ code: err ? err.code : 0, result, stdout, stderr });
    });
  });
}

after(async () => {
  for (const s of servers) await s.close();
});

test('delivers over STARTTLS with AUTH and the CA file: subject, From, To and both parts arrive', async () => {
  const smtp = await server();
  const subject = 'Bestätige deine E-Mail für Tessera ✓';
  const text = 'Hallo,\n\nbitte öffne https://auth.example.com/verify?token=abc_DEF-123 zum Bestätigen.\n'
    + '.a line starting with a dot\nFrom the start\n' + 'x'.repeat(200) + '\n';
  const html = '<p>Hallo,</p>\n<p><a href="https://auth.example.com/verify?token=abc_DEF-123">Bestätigen</a></p>\n';
  const { code, result } = await send({ url: smtp.url(), ca: smtp.caFile, subject, text, html });
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(code, 0);

  const mail = await smtp.waitForMessage((m) => m.subject === subject);
  assert.equal(mail.secure, true, 'the mail went over TLS');
  assert.equal(mail.user, smtp.user, 'the client authenticated');
  assert.deepEqual(mail.envelope, { from: 'no-reply@tessera.test', to: ['alice@example.com'] });
  assert.equal(mail.from, 'no-reply@tessera.test');
  assert.equal(mail.fromName, 'Tessera');
  assert.deepEqual(mail.to, ['alice@example.com']);
  assert.equal(mail.text.replace(/\r\n/g, '\n').trimEnd(), text.trimEnd());
  assert.equal(mail.html.replace(/\r\n/g, '\n').trimEnd(), html.trimEnd());
  assert.deepEqual(mail.links, ['https://auth.example.com/verify?token=abc_DEF-123']);
  assert.match(mail.messageId, /^<[0-9a-f]{32}@tessera\.test>$/);
  assert.ok(mail.date instanceof Date && Math.abs(mail.date - Date.now()) < 60000, String(mail.date));
  assert.equal(mail.headers.get('mime-version'), '1.0');
  assert.equal(mail.headers.get('content-type').value, 'multipart/alternative');
  assert.doesNotMatch(mail.raw, /[^\r]\n/, 'no bare LF on the wire');
  assert.equal(smtp.authAttempts.length, 1);
  assert.equal(smtp.authAttempts[0].secure, true, 'AUTH came after STARTTLS');
});

test('authenticates with AUTH PLAIN and with AUTH LOGIN, whichever the server offers', async () => {
  for (const method of ['PLAIN', 'LOGIN']) {
    const smtp = await server({ authMethods: [method] });
    const { result } = await send({ url: smtp.url(), ca: smtp.caFile, subject: `via ${method}` });
    assert.equal(result.ok, true, `${method}: ${JSON.stringify(result)}`);
    await smtp.waitForMessage((m) => m.subject === `via ${method}`);
    assert.deepEqual(smtp.authAttempts.map((a) => [a.method, a.ok]), [[method, true]]);
  }
});

test('picks PLAIN or LOGIN from a Gmail-like AUTH list that also offers OAuth mechanisms', async () => {
  // smtp.gmail.com:587 after STARTTLS: "AUTH LOGIN PLAIN XOAUTH2 PLAIN-CLIENTTOKEN OAUTHBEARER XOAUTH"
  const smtp = await server({ authMethods: ['LOGIN', 'PLAIN', 'XOAUTH2', 'OAUTHBEARER', 'CRAM-MD5'] });
  const { result } = await send({ url: smtp.url(), ca: smtp.caFile, subject: 'gmail-like' });
  assert.equal(result.ok, true, JSON.stringify(result));
  assert.equal(smtp.authAttempts.length, 1);
  assert.ok(['PLAIN', 'LOGIN'].includes(smtp.authAttempts[0].method), smtp.authAttempts[0].method);
});

test('a server that offers neither PLAIN nor LOGIN is a clear login error', async () => {
  const smtp = await server({ authMethods: ['CRAM-MD5'] });
  const { result } = await send({ url: smtp.url(), ca: smtp.caFile });
  assert.equal(result.ok, false);
  assert.equal(result.reason, 'smtp: login denied: the server offers neither AUTH PLAIN nor AUTH LOGIN');
  assert.equal(smtp.authAttempts.length, 0);
  assert.equal(smtp.messages.length, 0);
});

test('delivers over implicit TLS with smtps://', async () => {
  const smtp = await server({ mode: 'tls' });
  assert.match(smtp.url(), /^smtps:\/\//);
  const { result } = await send({ url: smtp.url(), ca: smtp.caFile, subject: 'over smtps' });
  assert.equal(result.ok, true, JSON.stringify(result));
  const mail = await smtp.waitForMessage((m) => m.subject === 'over smtps');
  assert.equal(mail.secure, true);
  assert.equal(mail.user, smtp.user);
});

test('smtps:// pointed at a STARTTLS port fails at once and says to use smtp://', async () => {
  const smtp = await server();
  const { result } = await send({ url: smtp.url({ scheme: 'smtps' }), ca: smtp.caFile });
  assert.equal(result.ok, false);
  assert.match(result.reason, /^smtp: TLS handshake with .* failed: .*use smtp:\/\//);
  assert.ok(result.ms < 2000, `took ${result.ms} ms`);
  assert.equal(smtp.messages.length, 0);
});

test('a wrong password is reported as login denied with the server reply, and nothing is delivered', async () => {
  const smtp = await server();
  const { code, result } = await send({ url: smtp.url({ password: 'wrong-password' }), ca: smtp.caFile });
  assert.equal(code, 1);
  assert.equal(result.ok, false);
  assert.match(result.reason, /^smtp: login denied \(535 .*Username and Password not accepted/);
  assert.equal(smtp.messages.length, 0);
  assert.doesNotMatch(result.reason, /wrong-password/);
});

test('a server without STARTTLS is refused: no AUTH and no mail in plain text', async () => {
  const smtp = await server({ mode: 'plain' });
  const { code, result } = await send({ url: smtp.url(), ca: smtp.caFile });
  assert.equal(code, 1);
  assert.equal(result.ok, false);
  assert.match(result.reason, /does not offer STARTTLS; refusing to send without TLS/);
  assert.equal(smtp.authAttempts.length, 0, 'the password was never sent');
  assert.equal(smtp.messages.length, 0, 'nothing was delivered');
});

test('a certificate from an unknown CA is a certificate error, before AUTH', async () => {
  for (const mode of ['starttls', 'tls']) {
    const smtp = await server({ mode });
    const { result } = await send({ url: smtp.url() }); // system CAs only
    assert.equal(result.ok, false, mode);
    assert.match(result.reason, /^smtp: certificate problem: .*self[- ]signed/i, result.reason);
    assert.match(result.reason, /TESSERA_SMTP_CA_FILE/);
    assert.equal(smtp.authAttempts.length, 0);
    assert.equal(smtp.messages.length, 0);
  }
});

test('a certificate for another host name is refused even from a trusted CA', async () => {
  const smtp = await server({ certNames: ['DNS:mail.other.test'] });
  const { result } = await send({ url: smtp.url(), ca: smtp.caFile });
  assert.equal(result.ok, false);
  assert.match(result.reason, /^smtp: certificate problem: .*127\.0\.0\.1/, result.reason);
  assert.equal(smtp.authAttempts.length, 0);
  assert.equal(smtp.messages.length, 0);
});

test('SMTP down is a quick connection error; back up, delivery works again on the same port', async () => {
  const smtp = await server();
  await smtp.stop();
  const down = await send({ url: smtp.url(), ca: smtp.caFile, subject: 'while down' });
  assert.equal(down.result.ok, false);
  assert.match(down.result.reason, new RegExp(`^smtp: connection to 127\\.0\\.0\\.1:${smtp.port} failed`));
  assert.ok(down.result.ms < 2000, `took ${down.result.ms} ms`);

  await smtp.start();
  const up = await send({ url: smtp.url(), ca: smtp.caFile, subject: 'back up' });
  assert.equal(up.result.ok, true, JSON.stringify(up.result));
  await smtp.waitForMessage((m) => m.subject === 'back up');
  assert.equal(smtp.messages.length, 1);
});

test('a server that accepts but never answers times out within the configured time', async () => {
  const silent = createServer(() => {}); // holds the connection, says nothing
  silent.listen(0, '127.0.0.1');
  await once(silent, 'listening');
  try {
    const { result } = await send({ url: `smtp://u:p@127.0.0.1:${silent.address().port}`, timeout: 2 });
    assert.equal(result.ok, false);
    assert.match(result.reason, /^smtp: timed out talking to 127\.0\.0\.1:/);
    assert.match(result.reason, /sent no greeting: for an implicit-TLS port such as 465, use smtps:\/\//);
    assert.ok(result.ms >= 1500 && result.ms < 5000, `took ${result.ms} ms`);
  } finally {
    silent.close();
    silent.unref();
  }
});

test('a refused recipient is reported with the server reply as permanent', async () => {
  const smtp = await server({ rejectRecipient: (a) => a === 'nobody@example.com' });
  const { result } = await send({ url: smtp.url(), ca: smtp.caFile, to: 'nobody@example.com' });
  assert.equal(result.ok, false);
  assert.equal(result.code, 'invalid_request', 'a 5xx for the recipient will not change on retry');
  assert.match(result.reason, /^smtp: recipient refused \(550 .*mailbox unavailable/);
  assert.equal(smtp.messages.length, 0);
});

test('the password never appears in anything the sender printed', () => {
  assert.ok(outputs.length > 10);
  const all = outputs.join('\n');
  for (const form of [PASSWORD, encodeURIComponent(PASSWORD), Buffer.from(PASSWORD).toString('base64')]) {
    assert.equal(all.includes(form), false, `found ${form}`);
  }
});
