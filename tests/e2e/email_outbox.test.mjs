// The durable email outbox end to end (SPEC §5, DESIGN rule 9): an SMTP outage never fails a
// sign-up and never loses its mail; a mail that cannot be sent is visible and retryable with
// `tessera outbox`; a restart, orderly or a crash, sends every pending mail exactly once.
// Real parts only: `tessera serve` processes, the `tessera` CLI on the same SQLite file, and a
// real SMTP server (STARTTLS before AUTH) that goes down and comes back on the same port.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer } from 'node:net';
import { rmSync } from 'node:fs';
import { startSmtpServer } from './support/smtp.mjs';
import { signup, uniqueEmail } from './support/http.mjs';
import { assertTokenResponse } from './support/expect.mjs';
import {
  afterOutboxCatchesUp, mailsTo, outboxList, runCli, sqlite, startMailTessera, tokenOf,
} from './support/email.mjs';
import { eventually } from './support/wait.mjs';

const cleanups = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
});

async function smtpServer(options) {
  const smtp = await startSmtpServer(options);
  cleanups.push(() => smtp.close());
  return smtp;
}

function keepDirUntilTheEnd(dir) {
  cleanups.push(() => rmSync(dir, { recursive: true, force: true }));
}

// The first retry comes 10 s after a failed attempt; allow for it, and a little more.
const FIRST_RETRY_MS = 10000;
const RETRY_WAIT_MS = FIRST_RETRY_MS + 8000;

// Every address got exactly one mail, and nobody else got one.
function assertOneMailEach(smtp, addresses) {
  for (const a of addresses) assert.equal(mailsTo(smtp, a).length, 1, `${a}: ${mailsTo(smtp, a).length} mails`);
  const others = smtp.messages.filter((m) => !addresses.some((a) => m.to.includes(a)) && !m.to[0].startsWith('marker-'));
  assert.deepEqual(others.map((m) => m.to), []);
}

test('SMTP down at sign-up: still 201, and the mail arrives once the server is back on its port', async () => {
  const smtp = await smtpServer();
  const { tessera, api } = await startMailTessera({ smtp });
  cleanups.push(() => tessera.stop());
  await smtp.stop();

  const email = uniqueEmail('outage');
  const res = await api.post('/auth/signup', { json: { email, password: 'Outbox-e2e-Correct-Horse-42' } });
  assertTokenResponse(res, 201);
  const failed = await tessera.waitForLog((l) => l.msg === 'mail_failed');
  assert.equal(failed.retry_in_s, 10);
  const [row] = (await outboxList(tessera.dir)).filter((m) => m.recipient === email);
  assert.equal(row.state, 'pending');
  assert.equal(row.attempts, 1);
  assert.notEqual(row.last_error, '');

  await smtp.start();
  const mail = await smtp.waitForMessage((m) => m.to.includes(email), RETRY_WAIT_MS);
  assert.equal(mail.secure, true);
  const link = mail.links[0];
  assert.equal((await api.post('/auth/verify-email', { json: { token: tokenOf(link) } })).status, 200);
  // The SMTP server has the mail as soon as its DATA is accepted; the outbox records it sent
  // just after, which on a loaded machine can be after the verification above.
  const { value: sent } = await eventually(async () => {
    const [row] = (await outboxList(tessera.dir)).filter((m) => m.recipient === email);
    return row.state === 'sent' ? row : null;
  }, { withinMs: 5000, what: 'the outbox recording the mail as sent' });
  assert.equal(sent.attempts, 2);
  assert.equal(mailsTo(smtp, email).length, 1);
});

test('a wrong SMTP password leaves the mail pending with "login denied" in `outbox list`; `outbox retry` revives it', async () => {
  const smtp = await smtpServer();
  const wrong = 'Not-The-Password-31337';
  const first = await startMailTessera({ smtp, keepDir: true, env: { TESSERA_SMTP_URL: smtp.url({ password: wrong }) } });
  const { dir } = first.tessera;
  keepDirUntilTheEnd(dir);

  const email = uniqueEmail('denied');
  assert.equal((await signup(first.api, { email })).res.status, 201);
  const failed = await first.tessera.waitForLog((l) => l.msg === 'mail_failed');
  assert.match(failed.error, /login denied/);
  const stopped = await first.tessera.stop();
  assert.deepEqual(stopped, { code: 0, signal: null });
  assert.equal(smtp.messages.length, 0);
  assert.ok(smtp.authAttempts.length >= 1 && smtp.authAttempts.every((a) => !a.ok && a.secure), JSON.stringify(smtp.authAttempts));

  const [row] = await outboxList(dir);
  assert.equal(row.recipient, email);
  assert.equal(row.kind, 'verify_email');
  assert.equal(row.state, 'pending');
  assert.equal(row.attempts, 1);
  assert.match(row.last_error, /login denied/);
  assert.match(row.last_error, /535/);
  assert.equal(row.sent_at, null);
  // The human listing shows the same, and no output or log line holds the SMTP password.
  const human = await runCli(['outbox', 'list'], { dir });
  assert.equal(human.code, 0, human.stderr);
  const line = human.stdout.split('\n').find((l) => l.startsWith(`${row.id}\t`));
  assert.ok(line, human.stdout);
  assert.match(line, new RegExp(`^${row.id}\\tpending\\tverify_email\\t${email.replace(/[.+]/g, '\\$&')}\\t1\\t.*login denied`));
  assert.deepEqual((await outboxList(dir, { state: 'dead' })), []);
  for (const text of [human.stdout, human.stderr, JSON.stringify(first.tessera.lines), row.last_error]) {
    assert.equal(text.includes(wrong), false);
  }

  const retried = await runCli(['outbox', 'retry', String(row.id)], { dir });
  assert.equal(retried.code, 0, retried.stderr);
  assert.match(retried.stdout, new RegExp(`mail ${row.id} queued again`));
  const [again] = await outboxList(dir);
  assert.equal(again.state, 'pending');
  assert.equal(again.attempts, 0);
  assert.ok(Date.parse(again.next_attempt_at) <= Date.now(), `due now, not at ${again.next_attempt_at}`);

  const unknown = await runCli(['outbox', 'retry', '999999'], { dir });
  assert.equal(unknown.code, 1, unknown.stdout);
  assert.match(unknown.stderr, /999999/);
  assert.equal((await runCli(['outbox', 'retry'], { dir })).code, 2);
  assert.equal((await runCli(['outbox', 'retry', 'not-a-number'], { dir })).code, 2);

  // With the right password the revived mail goes out, once; a sent mail is not retried.
  const second = await startMailTessera({ smtp, dir });
  cleanups.push(() => second.tessera.stop());
  const mail = await smtp.waitForMessage((m) => m.to.includes(email));
  assert.equal(mail.secure, true);
  const [sent] = await outboxList(dir);
  assert.equal(sent.state, 'sent');
  const resend = await runCli(['outbox', 'retry', String(row.id)], { dir });
  assert.equal(resend.code, 1, 'refused, not bad usage');
  assert.match(resend.stderr, /delivered already/);
  assert.equal((await outboxList(dir))[0].state, 'sent');
  const marker = uniqueEmail('marker');
  await afterOutboxCatchesUp(smtp, marker, () => signup(second.api, { email: marker }));
  assert.equal(mailsTo(smtp, email).length, 1);
});

test('SIGTERM while mails are pending, then a restart on the same database: each is sent exactly once', async () => {
  const smtp = await smtpServer();
  await smtp.stop();
  const first = await startMailTessera({ smtp, keepDir: true });
  const { dir } = first.tessera;
  keepDirUntilTheEnd(dir);
  const addresses = Array.from({ length: 5 }, () => uniqueEmail('restart'));
  for (const email of addresses) assert.equal((await signup(first.api, { email })).res.status, 201);
  const stopped = await first.tessera.stop('SIGTERM');
  assert.deepEqual(stopped, { code: 0, signal: null });
  assert.ok(first.tessera.lines.some((l) => l.msg === 'stopped'));

  // Nothing was lost and nothing is left claimed by the stopped process.
  const rows = await outboxList(dir);
  assert.deepEqual(rows.map((r) => r.recipient).sort(), [...addresses].sort());
  assert.deepEqual(rows.map((r) => r.state), addresses.map(() => 'pending'));

  await smtp.start();
  const second = await startMailTessera({ smtp, dir });
  cleanups.push(() => second.tessera.stop());
  await Promise.all(addresses.map((a) => smtp.waitForMessage((m) => m.to.includes(a), RETRY_WAIT_MS)));
  const marker = uniqueEmail('marker');
  await afterOutboxCatchesUp(smtp, marker, () => signup(second.api, { email: marker }));
  assertOneMailEach(smtp, addresses);
  const after = (await outboxList(dir)).filter((r) => addresses.includes(r.recipient));
  assert.deepEqual(after.map((r) => r.state), addresses.map(() => 'sent'));
});

test('SIGKILL mid-send: the never-claimed mails are each sent once on restart, the claimed one once its lease runs out', async () => {
  // An SMTP server that accepts the connection and never greets: the sender hangs on it.
  const hung = [];
  const hang = createServer((socket) => { hung.push(socket); socket.on('error', () => {}); });
  hang.listen(0, '127.0.0.1');
  await once(hang, 'listening');
  cleanups.push(() => {
    for (const s of hung) s.destroy();
    return new Promise((r) => hang.close(r));
  });
  const smtp = await smtpServer();
  const hangUrl = `smtp://u:p@127.0.0.1:${hang.address().port}`;
  const first = await startMailTessera({ smtp, keepDir: true, env: { TESSERA_SMTP_URL: hangUrl } });
  const { dir } = first.tessera;
  keepDirUntilTheEnd(dir);

  const claimedAddress = uniqueEmail('claimed');
  const connected = once(hang, 'connection');
  assert.equal((await signup(first.api, { email: claimedAddress })).res.status, 201);
  await connected; // the sender holds the first mail and waits for a greeting
  const waiting = Array.from({ length: 3 }, () => uniqueEmail('waiting'));
  for (const email of waiting) assert.equal((await signup(first.api, { email })).res.status, 201);
  const before = await outboxList(dir);
  const claimed = before.find((r) => r.recipient === claimedAddress);
  assert.equal(claimed.state, 'sending');
  assert.equal(claimed.attempts, 1);
  for (const email of waiting) {
    const r = before.find((m) => m.recipient === email);
    assert.deepEqual([r.state, r.attempts], ['pending', 0], email);
  }

  await first.tessera.kill();
  assert.equal(first.tessera.proc.signalCode, 'SIGKILL');

  const second = await startMailTessera({ smtp, dir });
  cleanups.push(() => second.tessera.stop());
  await Promise.all(waiting.map((a) => smtp.waitForMessage((m) => m.to.includes(a))));
  // The crashed process's claim holds until its lease runs out (120 s); an operator cannot
  // force it meanwhile, since its sender might still be delivering it.
  const held = (await outboxList(dir)).find((r) => r.id === claimed.id);
  assert.equal(held.state, 'sending');
  const refused = await runCli(['outbox', 'retry', String(claimed.id)], { dir });
  assert.equal(refused.code, 1, 'refused, not bad usage');
  assert.match(refused.stderr, /being sent/);
  assert.equal(mailsTo(smtp, claimedAddress).length, 0);

  // The lease runs out (moved into the past in the database instead of waiting two minutes):
  // the running server claims the mail again and sends it.
  sqlite(dir, `UPDATE outbox SET lease_until = lease_until - 121000 WHERE id = ${claimed.id}`);
  await smtp.waitForMessage((m) => m.to.includes(claimedAddress), 5000);
  const marker = uniqueEmail('marker');
  await afterOutboxCatchesUp(smtp, marker, () => signup(second.api, { email: marker }));
  assertOneMailEach(smtp, [claimedAddress, ...waiting]);
  const rows = (await outboxList(dir)).filter((r) => r.recipient !== marker);
  assert.deepEqual(rows.map((r) => r.state), rows.map(() => 'sent'));
  assert.equal(rows.find((r) => r.id === claimed.id).attempts, 2);
});

test('SIGTERM while a send hangs: exit 0 within the SMTP timeout, and the mail stays queued for the next start', async () => {
  const hung = [];
  const hang = createServer((socket) => { hung.push(socket); socket.on('error', () => {}); });
  hang.listen(0, '127.0.0.1');
  await once(hang, 'listening');
  cleanups.push(() => {
    for (const s of hung) s.destroy();
    return new Promise((r) => hang.close(r));
  });
  const first = await startMailTessera({
    keepDir: true,
    env: { TESSERA_SMTP_URL: `smtp://u:p@127.0.0.1:${hang.address().port}`, TESSERA_SMTP_TIMEOUT: '2s' },
  });
  const { dir } = first.tessera;
  keepDirUntilTheEnd(dir);
  const email = uniqueEmail('hung');
  const connected = once(hang, 'connection');
  assert.equal((await signup(first.api, { email })).res.status, 201);
  await connected;
  const started = Date.now();
  const stopped = await first.tessera.stop('SIGTERM');
  assert.deepEqual(stopped, { code: 0, signal: null });
  assert.ok(Date.now() - started < 8000, `stopped after ${Date.now() - started} ms`);
  const [row] = await outboxList(dir);
  assert.equal(row.recipient, email);
  assert.equal(row.state, 'pending', JSON.stringify(row));
  assert.notEqual(row.last_error, '');

  const smtp = await smtpServer();
  assert.equal((await runCli(['outbox', 'retry', String(row.id)], { dir })).code, 0);
  const second = await startMailTessera({ smtp, dir });
  cleanups.push(() => second.tessera.stop());
  await smtp.waitForMessage((m) => m.to.includes(email));
  const marker = uniqueEmail('marker');
  await afterOutboxCatchesUp(smtp, marker, () => signup(second.api, { email: marker }));
  assert.equal(mailsTo(smtp, email).length, 1);
});

// SPEC §1: exit 1 when "the action is refused", 2 only for bad usage or configuration.
test('`outbox retry` of a delivered mail, or of one being sent, is refused with exit 1', async () => {
  const hung = [];
  const hang = createServer((socket) => { hung.push(socket); socket.on('error', () => {}); });
  hang.listen(0, '127.0.0.1');
  await once(hang, 'listening');
  cleanups.push(() => {
    for (const s of hung) s.destroy();
    return new Promise((r) => hang.close(r));
  });
  const { tessera, api } = await startMailTessera({ env: { TESSERA_SMTP_URL: `smtp://u:p@127.0.0.1:${hang.address().port}` } });
  cleanups.push(() => tessera.kill());
  const connected = once(hang, 'connection');
  assert.equal((await signup(api)).res.status, 201);
  await connected;
  const [sending] = await outboxList(tessera.dir);
  assert.equal(sending.state, 'sending');
  const inFlight = await runCli(['outbox', 'retry', String(sending.id)], { dir: tessera.dir });
  assert.match(inFlight.stderr, /being sent/);
  assert.equal(inFlight.code, 1, 'refused, not bad usage');

  const logged = await startMailTessera(); // no SMTP: the mail is "sent" to the log at once
  cleanups.push(() => logged.tessera.stop());
  const account = await signup(logged.api);
  await logged.tessera.waitForLog((l) => l.msg === 'mail' && l.to === account.email);
  const [sent] = (await outboxList(logged.tessera.dir)).filter((m) => m.state === 'sent');
  assert.ok(sent, 'a sent mail');
  const delivered = await runCli(['outbox', 'retry', String(sent.id)], { dir: logged.tessera.dir });
  assert.match(delivered.stderr, /delivered already/);
  assert.equal(delivered.code, 1, 'refused, not bad usage');
});
