// The `tessera` command line (SPEC §1) run as an operator runs it: its own process against a
// temporary SQLite database (TESSERA_DATABASE), judged by stdout, stderr and the exit code —
// 0 success, 1 when the thing asked for does not exist or the action is refused (message on
// stderr), 2 on bad usage or configuration — with --json output that parses.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { rmSync } from 'node:fs';
import { join } from 'node:path';
import { startTessera } from './support/tessera.mjs';
import { client, login, signup, jwtClaims, GOOD_PASSWORD } from './support/http.mjs';
import { runCli, jsonLines, tempDir } from './support/cli.mjs';
import { assertSchema } from './support/openapi.mjs';

let dir;
const cli = (...args) => runCli(args, { dir });
const cliIn = (input, ...args) => runCli(args, { dir, input });
before(async () => {
  dir = tempDir();
  const m = await cli('migrate');
  assert.equal(m.code, 0, m.stderr);
  const k = await cli('keys', 'rotate'); // the first signing key (a server's first start would make one too)
  assert.equal(k.code, 0, k.stderr);
});
after(() => {
  rmSync(dir, { recursive: true, force: true });
});

let n = 0;
const email = (tag = 'op') => `${tag}-${process.pid}-${++n}@example.com`;

// A refusal or a missing thing: exit 1, nothing on stdout, one message on stderr.
function assertRefused(r, pattern) {
  assert.equal(r.code, 1, `expected exit 1: ${r.stdout} ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.match(r.stderr, /^tessera: /);
  if (pattern) assert.match(r.stderr, pattern);
}

// Bad usage or configuration: exit 2, nothing on stdout, a message on stderr.
function assertUsage(r, pattern) {
  assert.equal(r.code, 2, `expected exit 2: ${r.stdout} ${r.stderr}`);
  assert.equal(r.stdout, '');
  assert.notEqual(r.stderr, '');
  if (pattern) assert.match(r.stderr, pattern);
}

// `user create ... --json` that must succeed: the user.
async function create(...args) {
  const r = await cli('user', 'create', ...args, '--json');
  assert.equal(r.code, 0, r.stderr);
  const u = JSON.parse(r.stdout);
  assertSchema('User', u);
  return u;
}

// ------------------------------------------------------------------------------- migrate, help

test('migrate on a fresh database applies every migration, then says the schema is up to date', async () => {
  const fresh = tempDir();
  try {
    const first = await runCli(['migrate'], { dir: fresh });
    assert.equal(first.code, 0, first.stderr);
    assert.match(first.stdout, /^applied (\d+) migration\(s\): version 0 -> (\d+)\n$/);
    const latest = Number(first.stdout.match(/-> (\d+)/)[1]);
    const again = await runCli(['migrate'], { dir: fresh });
    assert.equal(again.stdout, `schema is up to date (version ${latest})\n`);
    const json = await runCli(['migrate', '--json'], { dir: fresh });
    assert.deepEqual(JSON.parse(json.stdout), { from: latest, to: latest, applied: 0 });
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});

test('a command on a database that was never migrated says to run `tessera migrate` and exits 2', async () => {
  const fresh = tempDir();
  try {
    for (const args of [['user', 'list'], ['keys', 'list'], ['outbox', 'list']]) {
      const r = await runCli(args, { dir: fresh });
      assertUsage(r, /tessera migrate/);
    }
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});

test('a database that cannot be opened is a configuration error (exit 2) naming TESSERA_DATABASE', async () => {
  const env = { TESSERA_DATABASE: `sqlite://${join(dir, 'no-such-dir', 'x.db')}` };
  for (const args of [['migrate'], ['user', 'list'], ['keys', 'list'], ['outbox', 'list']]) {
    assertUsage(await runCli(args, { env }), /TESSERA_DATABASE/);
  }
  assertUsage(await runCli(['user', 'list'], { dir, env: { TESSERA_ACCESS_TTL: 'soon' } }), /TESSERA_ACCESS_TTL/);
});

test('--help of tessera and of every sub-command explains it and exits 0', async () => {
  const commands = [
    [], ['serve'], ['migrate'], ['version'],
    ['user'], ['user', 'create'], ['user', 'list'], ['user', 'set-role'], ['user', 'unset-role'], ['user', 'verify'],
    ['user', 'disable'], ['user', 'enable'], ['user', 'delete'],
    ['keys'], ['keys', 'list'], ['keys', 'rotate'], ['keys', 'retire'],
    ['outbox'], ['outbox', 'list'], ['outbox', 'retry'],
  ];
  for (const c of commands) {
    const r = await cli(...c, '--help');
    assert.equal(r.code, 0, `${c.join(' ')} --help: ${r.stderr}`);
    assert.match(r.stdout, new RegExp(`Usage: tessera${c.length ? ` ${c.join(' ')}` : ''} `), c.join(' '));
  }
  const top = await cli('--help');
  for (const c of ['serve', 'migrate', 'user', 'keys', 'outbox', 'version']) assert.match(top.stdout, new RegExp(`\\n  ${c} `));
  assert.match(top.stdout, /Exit status: 0 success; 1 .* refused .*; 2 bad usage or configuration/);
});

test('an unknown flag, a missing argument, an unknown or missing sub-command exit 2', async () => {
  assertUsage(await cli('user', 'list', '--bogus'), /--bogus/);
  assertUsage(await cli('keys', 'rotate', '--alg', 'HS256'));
  assertUsage(await cli('user', 'create'), /EMAIL/);
  assertUsage(await cli('user', 'set-role', 'someone@example.com'), /ROLE/);
  assertUsage(await cli('user', 'frobnicate'));
  assertUsage(await cli('user'));
  assertUsage(await cli());
  assertUsage(await cli('outbox', 'list', '--state', 'lost'));
});

test('version prints the version, and --json an object with it', async () => {
  const text = await cli('version');
  assert.equal(text.code, 0);
  assert.match(text.stdout, /^tessera \d+\.\d+\.\d+\n$/);
  const json = await cli('version', '--json');
  assert.deepEqual(JSON.parse(json.stdout), { version: text.stdout.trim().split(' ')[1] });
});

// ------------------------------------------------------------------------------------ users

test('user create makes an account and prints it; --json is the API\'s user object', async () => {
  const e = email();
  const text = await cli('user', 'create', e, '--password', GOOD_PASSWORD);
  assert.equal(text.code, 0, text.stderr);
  assert.match(text.stdout, new RegExp(`^[0-9a-f-]{36}\\t${e}\\t-\\tunverified\\tenabled\\t-\\t\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\dZ\\n$`));
  const u = await create(email(), '--username', `op_${n}`, '--verified', '--role', 'Editor', '--role', 'support');
  assert.deepEqual([u.email_verified, u.roles, u.username, u.disabled], [true, ['editor', 'support'], `op_${n}`, false]);
});

test('user create refuses a bad email (exit 2), a taken one (exit 1) and a weak password (exit 1)', async () => {
  for (const bad of ['not-an-email', 'a@@b', 'a b@example.com', 'x@example.com\r\nBcc: y@example.com']) {
    assertUsage(await cli('user', 'create', bad, '--password', GOOD_PASSWORD), /email/);
  }
  const e = email();
  await create(e);
  assertRefused(await cli('user', 'create', e.toUpperCase(), '--password', GOOD_PASSWORD), /exists/);
  assertRefused(await cli('user', 'create', email(), '--password', 'password'), /common/);
  assertRefused(await cli('user', 'create', email(), '--password', 'short'));
  assertUsage(await cli('user', 'create', email(), '--password', 'x', '--password-stdin'), /excludes/);
  assertUsage(await cli('user', 'create', email(), '--role', 'bad role'), /role/);
  const listed = jsonLines((await cli('user', 'list', '--json')).stdout);
  assert.equal(listed.filter((u) => u.email === e).length, 1, 'nothing half-created');
});

test('user create --password-stdin reads the first line; the account logs in with it', async () => {
  const e = email('stdin');
  const r = await cliIn('Stdin-Given-Passphrase-31\nsecond line ignored\n', 'user', 'create', e, '--password-stdin', '--json');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout.includes('Stdin-Given'), false, 'the password is never printed');
  const weak = await cliIn('password\n', 'user', 'create', email('weak'), '--password-stdin');
  assertRefused(weak, /common/);
  // A server on the same database accepts exactly that password.
  const t = await startTessera({ dir });
  try {
    const api = client(t.url);
    assert.equal((await api.post('/auth/login', { json: { email: e, password: 'Stdin-Given-Passphrase-31' } })).status, 200);
    assert.equal((await api.post('/auth/login', { json: { email: e, password: 'Stdin-Given-Passphrase-31\nsecond line ignored' } })).status, 401);
    // An account created without a password cannot log in at all (until a reset).
    const nopw = await create(email('nopw'));
    assert.equal((await api.post('/auth/login', { json: { email: nopw.email, password: '!no-password' } })).status, 401);
    assert.equal((await api.post('/auth/login', { json: { email: nopw.email, password: '' } })).status, 400);
  } finally {
    await t.stop();
  }
});

test('user list prints a header and a line per user; --query filters; --json is one user per line', async () => {
  const tag = `lst${process.pid}x${Date.now() % 1e6}`;
  const a = await create(`${tag}-a@example.com`);
  const b = await create(email(), '--username', `${tag}_b`);
  const text = await cli('user', 'list', '--query', tag.toUpperCase());
  assert.equal(text.code, 0);
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'ID\tEMAIL\tUSERNAME\tEMAIL STATE\tSTATE\tROLES\tCREATED');
  assert.deepEqual(lines.slice(1).map((l) => l.split('\t')[0]), [a.id, b.id]);
  const json = jsonLines((await cli('user', 'list', '--query', tag, '--json')).stdout);
  assert.deepEqual(json, [a, b]);
  const none = await cli('user', 'list', '--query', `${tag}-nobody`, '--json');
  assert.deepEqual([none.code, none.stdout], [0, '']);
});

test('set-role and unset-role change the roles, found by email, username or id', async () => {
  const u = await create(email(), '--username', `roles_${n}`);
  const byEmail = await cli('user', 'set-role', u.email, 'admin', '--json');
  assert.equal(byEmail.code, 0, byEmail.stderr);
  assert.deepEqual(JSON.parse(byEmail.stdout).roles, ['admin']);
  assert.deepEqual(JSON.parse((await cli('user', 'set-role', u.username, 'Billing:Read', '--json')).stdout).roles, ['admin', 'billing:read']);
  assert.deepEqual(JSON.parse((await cli('user', 'set-role', u.id, 'admin', '--json')).stdout).roles, ['admin', 'billing:read'], 'idempotent');
  assert.deepEqual(JSON.parse((await cli('user', 'unset-role', u.id, 'ADMIN', '--json')).stdout).roles, ['billing:read']);
  const text = await cli('user', 'unset-role', u.email, 'billing:read');
  assert.equal(text.code, 0);
  assert.match(text.stdout, new RegExp(`^${u.id}\\t.*\\t-\\t`));
});

test('a command on an unknown user exits 1 with a message; a bad role name exits 2', async () => {
  for (const args of [
    ['set-role', 'nobody@example.com', 'admin'], ['unset-role', 'nobody@example.com', 'admin'],
    ['verify', 'nobody@example.com'], ['disable', 'nobody@example.com'], ['enable', 'no_such_name'],
    ['delete', '00000000-0000-4000-8000-000000000000'],
  ]) {
    assertRefused(await cli('user', ...args), /no such user/);
  }
  const u = await create(email());
  assertUsage(await cli('user', 'set-role', u.email, 'has space'), /role/);
  assertUsage(await cli('user', 'set-role', u.email, 'x'.repeat(65)), /role/);
});

test('verify, disable, enable and delete do what they say', async () => {
  const u = await create(email());
  assert.equal(JSON.parse((await cli('user', 'verify', u.email, '--json')).stdout).email_verified, true);
  assert.equal(JSON.parse((await cli('user', 'disable', u.email, '--json')).stdout).disabled, true);
  const text = await cli('user', 'enable', u.email);
  assert.equal(text.code, 0);
  assert.match(text.stdout, /\tverified\tenabled\t/);
  const del = await cli('user', 'delete', u.email);
  assert.equal(del.stdout, `deleted ${u.id}\n`);
  assertRefused(await cli('user', 'delete', u.email), /no such user/);
  const other = await create(email());
  assert.deepEqual(JSON.parse((await cli('user', 'delete', other.id, '--json')).stdout), { deleted: other.id });
  assert.equal(jsonLines((await cli('user', 'list', '--json')).stdout).some((x) => x.id === u.id || x.id === other.id), false);
});

test('verifying an account that has no email is refused (exit 1)', async () => {
  const u = await create('', '--username', `noemail_${n}`);
  assert.equal(u.email, null);
  assertRefused(await cli('user', 'verify', u.username), /no email/);
});

// ------------------------------------------------------------------------------------- keys

test('keys list shows the one active key; --json has kid, alg, state and times', async () => {
  const text = await cli('keys', 'list');
  assert.equal(text.code, 0);
  const lines = text.stdout.trimEnd().split('\n');
  assert.equal(lines[0], 'KID\tALG\tSTATE\tCREATED\tSIGNS UNTIL\tRETIRED');
  const keys = jsonLines((await cli('keys', 'list', '--json')).stdout);
  const active = keys.filter((k) => k.state === 'active');
  assert.equal(active.length, 1);
  assert.deepEqual(Object.keys(active[0]).sort(), ['alg', 'created_at', 'kid', 'retired_at', 'signs_until', 'state']);
  assert.equal(active[0].signs_until, '-');
});

test('on a fresh database keys list shows no key: only serve or keys rotate makes one', async () => {
  const fresh = tempDir();
  try {
    assert.equal((await runCli(['migrate'], { dir: fresh })).code, 0);
    assert.equal((await runCli(['user', 'create', email()], { dir: fresh })).code, 0);
    const none = await runCli(['keys', 'list', '--json'], { dir: fresh });
    assert.deepEqual([none.code, none.stdout], [0, '']);
    const made = JSON.parse((await runCli(['keys', 'rotate', '--json'], { dir: fresh })).stdout);
    const keys = jsonLines((await runCli(['keys', 'list', '--json'], { dir: fresh })).stdout);
    assert.deepEqual(keys.map((k) => [k.kid, k.alg, k.state]), [[made.kid, 'ES256', 'active']]);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});

test('a command run with another TESSERA_JWT_ALG changes no key (the CLI signs nothing)', async () => {
  const before = (await cli('keys', 'list', '--json')).stdout;
  for (const alg of ['ES256', 'RS256']) {
    const r = await runCli(['user', 'list', '--json'], { dir, env: { TESSERA_JWT_ALG: alg } });
    assert.equal(r.code, 0, r.stderr);
    assert.equal((await runCli(['keys', 'list', '--json'], { dir, env: { TESSERA_JWT_ALG: alg } })).stdout, before);
  }
  assert.equal((await cli('keys', 'list', '--json')).stdout, before);
});

test('keys rotate makes a new active key; the old one verifies; retire refuses the active key and, without --force, a verifying one', async () => {
  const before = jsonLines((await cli('keys', 'list', '--json')).stdout);
  const oldKid = before.find((k) => k.state === 'active').kid;
  const rotated = await cli('keys', 'rotate');
  assert.equal(rotated.code, 0, rotated.stderr);
  const kid = rotated.stdout.match(/^new signing key (\S+) \(ES256\)\n$/)[1];
  const after1 = jsonLines((await cli('keys', 'list', '--json')).stdout);
  assert.equal(after1.find((k) => k.kid === kid).state, 'active');
  const old = after1.find((k) => k.kid === oldKid);
  assert.equal(old.state, 'verifying');
  assert.ok(Date.parse(old.signs_until) <= Date.now());

  assertRefused(await cli('keys', 'retire', kid), /rotate first/);
  assertRefused(await cli('keys', 'retire', oldKid), /--force/);
  assertRefused(await cli('keys', 'retire', 'no-such-kid'), /no key/);
  assert.equal(jsonLines((await cli('keys', 'list', '--json')).stdout).find((k) => k.kid === oldKid).state, 'verifying', 'unchanged');

  const forced = await cli('keys', 'retire', oldKid, '--force', '--json');
  assert.equal(forced.code, 0, forced.stderr);
  assert.deepEqual(JSON.parse(forced.stdout), { retired: oldKid });
  const after2 = jsonLines((await cli('keys', 'list', '--json')).stdout).find((k) => k.kid === oldKid);
  assert.equal(after2.state, 'retired');
  assert.notEqual(after2.retired_at, '-');
  assert.equal((await cli('keys', 'retire', oldKid)).code, 0, 'retiring a retired key again is a no-op');
});

test('keys rotate --alg RS256 makes an RS256 key, and warns only when TESSERA_JWT_ALG is set to another algorithm', async () => {
  const r = await runCli(['keys', 'rotate', '--alg', 'RS256', '--json'], { dir, env: { TESSERA_JWT_ALG: 'ES256' } });
  assert.equal(r.code, 0, r.stderr);
  const made = JSON.parse(r.stdout);
  assert.equal(made.alg, 'RS256');
  assert.match(r.stderr, /TESSERA_JWT_ALG is ES256/);
  // It is the signing key now: listing (with TESSERA_JWT_ALG still ES256) does not demote it.
  const keys = jsonLines((await runCli(['keys', 'list', '--json'], { dir, env: { TESSERA_JWT_ALG: 'ES256' } })).stdout);
  assert.deepEqual([keys.find((k) => k.kid === made.kid).alg, keys.find((k) => k.kid === made.kid).state], ['RS256', 'active']);
  assert.equal(keys.filter((k) => k.state === 'active').length, 1);
  // Without TESSERA_JWT_ALG a rotation keeps the signing key's algorithm, and says nothing.
  const kept = await cli('keys', 'rotate', '--json');
  assert.equal(kept.code, 0, kept.stderr);
  assert.equal(JSON.parse(kept.stdout).alg, 'RS256');
  assert.equal(kept.stderr, '');
  // Back to ES256, for the tests after this one.
  assert.equal((await cli('keys', 'rotate', '--alg', 'ES256')).code, 0);
});

test('keys rotate with HS256 configured is refused: its key is TESSERA_JWT_SECRET', async () => {
  const r = await runCli(['keys', 'rotate'], { dir, env: { TESSERA_JWT_ALG: 'HS256', TESSERA_JWT_SECRET: 'x'.repeat(40) } });
  assertRefused(r, /TESSERA_JWT_SECRET/);
});

// ----------------------------------------------------------------------------------- outbox

test('outbox list and retry: empty, a mail after a sign-up, refusals and bad usage', async () => {
  const fresh = tempDir();
  try {
    assert.equal((await runCli(['migrate'], { dir: fresh })).code, 0);
    const empty = await runCli(['outbox', 'list'], { dir: fresh });
    assert.deepEqual([empty.code, empty.stdout], [0, 'no mails\n']);
    assert.deepEqual((await runCli(['outbox', 'list', '--json'], { dir: fresh })).stdout, '');
    const dead = await runCli(['outbox', 'retry', '--dead', '--json'], { dir: fresh });
    assert.deepEqual([dead.code, JSON.parse(dead.stdout)], [0, { queued: 0 }]);
    assertRefused(await runCli(['outbox', 'retry', '424242'], { dir: fresh }), /424242/);
    assertUsage(await runCli(['outbox', 'retry'], { dir: fresh }), /ID or --dead/);
    assertUsage(await runCli(['outbox', 'retry', 'abc'], { dir: fresh }));
    assertUsage(await runCli(['outbox', 'retry', '1', '--dead'], { dir: fresh }));

    // A sign-up on a server over this database queues a verification mail; the log mailer sends it.
    const t = await startTessera({ dir: fresh });
    let account;
    try {
      account = await signup(client(t.url));
      await t.waitForLog((l) => l.msg === 'mail' && l.to === account.email);
    } finally {
      await t.stop();
    }
    const mails = jsonLines((await runCli(['outbox', 'list', '--json'], { dir: fresh })).stdout);
    assert.equal(mails.length, 1);
    assert.deepEqual([mails[0].state, mails[0].kind, mails[0].recipient, mails[0].attempts], ['sent', 'verify_email', account.email, 1]);
    assert.deepEqual(jsonLines((await runCli(['outbox', 'list', '--state', 'pending', '--json'], { dir: fresh })).stdout), []);
    const human = await runCli(['outbox', 'list', '--state', 'sent'], { dir: fresh });
    assert.match(human.stdout, new RegExp(`\\n${mails[0].id}\\tsent\\tverify_email\\t`));
    // A delivered mail is not sent again: refused (exit 1), not bad usage.
    assertRefused(await runCli(['outbox', 'retry', String(mails[0].id)], { dir: fresh }), /delivered already/);
  } finally {
    rmSync(fresh, { recursive: true, force: true });
  }
});

test('the CLI and a server share one database: a CLI-made admin gets the role in their token', async () => {
  const t = await startTessera({ dir });
  try {
    const api = client(t.url);
    const s = await signup(api);
    assert.equal((await cli('user', 'set-role', s.email, 'admin')).code, 0);
    const again = await login(api, s);
    assert.deepEqual(jwtClaims(again.access).roles, ['admin']);
    assert.equal((await api.get('/admin/users', { token: again.access })).status, 200);
  } finally {
    await t.stop();
  }
});
