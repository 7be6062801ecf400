// Moving an app's users onto Tessera (issue 19; docs/operations.md "Moving users in and out",
// docs/integration.md "Moving the users"): `tessera user import` / `export` and
// POST /admin/users/import, against the configured database (SQLite here; PostgreSQL under
// e2e_pg.user_import).
//
// The source is what seed 003's NestJS app leaves behind: its Prisma `User` table in a real
// PostgreSQL, bcrypt hashes made by bcryptjs at cost 10 (the format of the npm `bcrypt` package
// the seeds use), exported with the psql one-liner of the docs.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { once } from 'node:events';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import bcrypt from 'bcryptjs';
import { startTessera } from './support/tessera.mjs';
import { client, signup, GOOD_PASSWORD } from './support/http.mjs';
import { assertProblem } from './support/expect.mjs';
import { eventually } from './support/wait.mjs';
import { runCli, tempDir, jsonLines } from './support/cli.mjs';
import { BIN, TEST_DEFAULTS, databaseOf } from './support/tessera.mjs';
import { sharedPostgresUrl, startPostgres } from './support/postgres.mjs';
import { makeAdmin } from './support/admin.mjs';

const PSQL = '/usr/lib/postgresql/15/bin/psql';

// The one-liner of docs/integration.md, for a Prisma `User` table like seed 003's.
const EXPORT_ONE_LINER = `psql "$APP_DATABASE_URL" -XAt -c "SELECT json_build_object('id', id, 'email', email, 'password_hash', password, 'created_at', \\"createdAt\\" AT TIME ZONE 'UTC') FROM \\"User\\" ORDER BY id" > "$OUT"`;

let pg; // a private cluster when no shared one is there
let clusterUrl;
before(async () => {
  clusterUrl = sharedPostgresUrl();
  if (!clusterUrl) {
    pg = await startPostgres();
    clusterUrl = pg.url;
  }
});
after(async () => {
  pg?.stop();
});

function psql(url, sql) {
  return execFileSync(PSQL, ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', url, '-c', sql], { encoding: 'utf8', timeout: 60_000 }).trim();
}

// A database of its own on the cluster for one app.
function appDatabase() {
  const name = `app_${randomUUID().replaceAll('-', '').slice(0, 20)}`;
  const admin = new URL(clusterUrl);
  admin.pathname = '/postgres';
  psql(admin.href, `CREATE DATABASE ${name}`);
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return url.href;
}

// A fresh Tessera database (migrated), for CLI-only tests.
async function freshHome() {
  const dir = tempDir();
  const m = await runCli(['migrate'], { dir });
  assert.equal(m.code, 0, m.stderr);
  return dir;
}

const cli = (dir, ...args) => runCli(args, { dir, timeoutMs: 120_000 });
const importFile = async (dir, content, ...flags) => {
  const file = join(dir, `import-${randomUUID()}.jsonl`);
  writeFileSync(file, content);
  return cli(dir, 'user', 'import', file, '--json', ...flags);
};
const report = (r) => JSON.parse(r.stdout);
async function exported(dir) {
  const r = await cli(dir, 'user', 'export');
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /password hashes/, 'export warns that its output holds password hashes');
  return jsonLines(r.stdout);
}
const line = (o) => JSON.stringify(o);
const lines = (...os) => os.map((o) => (typeof o === 'string' ? o : line(o))).join('\n') + '\n';

// One bcrypt hash at cost 10 (no hashing happens at import, so one can stand for many).
const OLD_PASSWORD = 'the-old-app-password-1';
const oldHash = bcrypt.hashSync(OLD_PASSWORD, 10);

test("seed 003's Prisma users, exported from PostgreSQL with the documented one-liner, log in with their old passwords, are re-hashed, and keep their ids", async () => {
  const app = appDatabase();
  // Prisma's `id String @id @default(uuid())` (UUID ids: kept) ...
  psql(app, `CREATE TABLE "User" (id TEXT PRIMARY KEY, email TEXT NOT NULL UNIQUE, password TEXT NOT NULL,
             "refreshToken" TEXT, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP)`);
  const people = [
    { id: randomUUID(), email: 'ada@example.com', password: 'ada-lovelace-engine-1843' },
    { id: randomUUID(), email: 'Grace@Example.com', password: 'grace-hopper-cobol-1959' },
    { id: randomUUID(), email: 'linus@example.com', password: 'linus-torvalds-kernel-1991' },
  ];
  for (const [i, p] of people.entries()) {
    const hash = bcrypt.hashSync(p.password, 10);
    psql(app, `INSERT INTO "User" (id, email, password, "createdAt") VALUES ('${p.id}', '${p.email}', '${hash}', '2023-0${i + 1}-15 10:20:30.456')`);
  }
  const dir = await freshHome();
  const out = join(dir, 'users.jsonl');
  execFileSync('bash', ['-c', EXPORT_ONE_LINER], { env: { ...process.env, PATH: `/usr/lib/postgresql/15/bin:${process.env.PATH}`, APP_DATABASE_URL: app, OUT: out } });
  const r = await cli(dir, 'user', 'import', out, '--json');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  assert.deepEqual(report(r), { imported: 3, updated: 0, unchanged: 0, skipped: 0, refused: [], new_ids: [], dry_run: false, rolled_back: false });

  const t = await startTessera({ dir });
  try {
    const api = client(t.url);
    for (const p of people) {
      const res = await api.post('/auth/login', { json: { email: p.email, password: p.password } });
      assert.equal(res.status, 200, res.text);
      assert.equal(res.body.user.id, p.id, 'the app\'s id is kept, so its foreign keys stay valid');
      assert.equal(res.body.user.email, p.email.toLowerCase());
      assertProblem(await api.post('/auth/login', { json: { email: p.email, password: 'not-the-password-0' } }), 401, 'invalid_credentials');
    }
    const after = await exported(dir);
    for (const p of people) {
      const u = after.find((x) => x.id === p.id);
      assert.match(u.password_hash, /^\$argon2id\$/, 'the bcrypt hash was replaced at the first login');
    }
    assert.deepEqual(after.map((u) => u.created_at), ['2023-01-15T10:20:30.456Z', '2023-02-15T10:20:30.456Z', '2023-03-15T10:20:30.456Z']);
    // And the new hash verifies too.
    assert.equal((await api.post('/auth/login', { json: { email: people[0].email, password: people[0].password } })).status, 200);
  } finally {
    await t.stop();
  }
});

test("seed 003's own model, `id Int @id @default(autoincrement())`: the users get UUIDs and the report maps each old id to its new one", async () => {
  const app = appDatabase();
  psql(app, `CREATE TABLE "User" (id SERIAL PRIMARY KEY, email TEXT NOT NULL UNIQUE, password TEXT NOT NULL,
             "refreshToken" TEXT, "createdAt" TIMESTAMP(3) NOT NULL DEFAULT CURRENT_TIMESTAMP)`);
  psql(app, `INSERT INTO "User" (email, password) VALUES ('one@example.com', '${oldHash}'), ('two@example.com', '${oldHash}')`);
  const dir = await freshHome();
  const out = join(dir, 'users.jsonl');
  execFileSync('bash', ['-c', EXPORT_ONE_LINER], { env: { ...process.env, PATH: `/usr/lib/postgresql/15/bin:${process.env.PATH}`, APP_DATABASE_URL: app, OUT: out } });
  const r = await cli(dir, 'user', 'import', out, '--json');
  assert.equal(r.code, 0, r.stdout + r.stderr);
  const rep = report(r);
  assert.equal(rep.imported, 2);
  assert.deepEqual(rep.new_ids.map((n) => [n.line, n.given]), [[1, '1'], [2, '2']]);
  const users = await exported(dir);
  for (const n of rep.new_ids) assert.ok(users.some((u) => u.id === n.id), `new id ${n.id} exists`);
});

test('refused lines are reported with their numbers and reasons, and nothing of them is written; the good lines around them are', async () => {
  const dir = await freshHome();
  const tenMb = `{"email":"big@example.com","password_hash":"${oldHash}","roles":["${'a'.repeat(10 * 1024 * 1024)}"]}`;
  const content = Buffer.concat([
    Buffer.from(lines(
      { email: 'good1@example.com', password_hash: oldHash },                 // 1
      { password_hash: oldHash, roles: ['admin'] },                            // 2 no email
      { email: 'badhash@example.com', password_hash: '$2b$10$notahash' },     // 3
      { email: 'plain@example.com', password_hash: 'hunter2' },               // 4 not a hash at all
      { email: 'GOOD1@example.com', password_hash: oldHash },                 // 5 duplicate of line 1
    )),
    Buffer.from('{"email":"bad-utf8-'), Buffer.from([0xff, 0xfe]), Buffer.from('@example.com"}\n'), // 6
    Buffer.from(tenMb + '\n'),                                                // 7
    Buffer.from(lines(
      '{"email": "broken@example.com", ',                                     // 8
      { email: 'cost@example.com', password_hash: '$2b$31$' + 'a'.repeat(53) }, // 9 cost beyond the limit
      { email: 'role@example.com', roles: ['not a role'] },                   // 10
      { email: 'when@example.com', created_at: '2024-01-02 03:04:05' },      // 11 no offset
      { email: 'good2@example.com', password_hash: null, username: 'good_two', email_verified: true }, // 12
    )),
  ]);
  const r = await importFile(dir, content);
  assert.equal(r.code, 1, 'exit 1: lines were refused');
  const rep = report(r);
  assert.equal(rep.imported, 2);
  const reasons = Object.fromEntries(rep.refused.map((x) => [x.line, x.reason]));
  assert.deepEqual(Object.keys(reasons).map(Number), [2, 3, 4, 5, 6, 7, 8, 9, 10, 11]);
  assert.match(reasons[2], /^email: an email or a username is required/);
  assert.match(reasons[3], /^password_hash: .*bcrypt hash is malformed/);
  assert.match(reasons[4], /^password_hash: not a bcrypt/);
  assert.equal(reasons[5], 'the same email as line 1');
  assert.equal(reasons[6], 'the line is not valid UTF-8');
  assert.equal(reasons[7], 'the line is longer than 65536 bytes');
  assert.match(reasons[8], /^not valid JSON/);
  assert.match(reasons[9], /cost 31, outside 4\.\.16/);
  assert.match(reasons[10], /^roles: /);
  assert.match(reasons[11], /^created_at: an RFC 3339 time with its offset/);
  const users = await exported(dir);
  assert.deepEqual(users.map((u) => u.email).sort(), ['good1@example.com', 'good2@example.com']);
  const two = users.find((u) => u.email === 'good2@example.com');
  assert.equal(two.username, 'good_two');
  assert.equal(two.password_hash, null, 'an account without a password');
  assert.equal(two.email_verified, true);

  // The text report says the same, for people.
  const text = await cli(dir, 'user', 'import', join(dir, 'none.jsonl'));
  assert.equal(text.code, 2, 'a missing file is bad usage');
  const again = await runCli(['user', 'import', '-'], { dir, input: lines({ email: 'good1@example.com' }, { email: 'x' }) });
  assert.equal(again.code, 1);
  assert.match(again.stdout, /^line 1: an account with the same email exists \([0-9a-f-]{36}\); --skip-existing or --update-existing decide otherwise$/m);
  assert.match(again.stdout, /^line 2: email: /m);
  assert.match(again.stdout, /^imported 0, updated 0, unchanged 0, skipped 0, refused 2$/m);
});

test('--atomic writes nothing when one line is refused, and everything when none is; --dry-run never writes', async () => {
  const dir = await freshHome();
  const good = [1, 2, 3].map((i) => ({ email: `atomic${i}@example.com`, password_hash: oldHash }));
  let r = await importFile(dir, lines(...good, { email: 'atomic4@example.com', password_hash: 'nope' }), '--atomic');
  assert.equal(r.code, 1);
  assert.deepEqual({ ...report(r), refused: report(r).refused.map((x) => x.line) },
    { imported: 0, updated: 0, unchanged: 0, skipped: 0, refused: [4], new_ids: [], dry_run: false, rolled_back: true });
  assert.deepEqual(await exported(dir), []);

  // A line refused only by the database (an account that exists) rolls the file back too.
  assert.equal((await importFile(dir, lines(good[2]))).code, 0);
  r = await importFile(dir, lines(...good), '--atomic');
  assert.equal(r.code, 1);
  assert.deepEqual(report(r).refused.map((x) => x.line), [3]);
  assert.equal(report(r).rolled_back, true);
  assert.equal((await exported(dir)).length, 1);

  r = await importFile(dir, lines(...good), '--dry-run', '--skip-existing');
  assert.equal(r.code, 0);
  assert.deepEqual(report(r), { imported: 2, updated: 0, unchanged: 0, skipped: 1, refused: [], new_ids: [], dry_run: true, rolled_back: false });
  assert.equal((await exported(dir)).length, 1, 'a dry run writes nothing');

  r = await importFile(dir, lines(...good), '--atomic', '--skip-existing');
  assert.equal(r.code, 0, r.stdout);
  assert.equal(report(r).imported, 2);
  assert.equal((await exported(dir)).length, 3);
});

test('an existing account is refused by default, left alone with --skip-existing, and updated with --update-existing: its sessions end when its hash changes', async () => {
  const dir = tempDir();
  const t = await startTessera({ dir });
  try {
    const api = client(t.url);
    const s = await signup(api);
    const before = (await exported(dir)).find((u) => u.email === s.email);
    const next = { email: s.email, password_hash: oldHash, roles: ['support'], email_verified: true };
    let r = await importFile(dir, lines(next));
    assert.equal(r.code, 1);
    assert.match(report(r).refused[0].reason, /an account with the same email exists/);
    r = await importFile(dir, lines(next), '--skip-existing');
    assert.equal(r.code, 0);
    assert.equal(report(r).skipped, 1);
    assert.deepEqual((await exported(dir)).find((u) => u.email === s.email), before);

    assert.equal((await api.get('/data', { token: s.access })).status, 200);
    r = await importFile(dir, lines(next), '--update-existing');
    assert.equal(r.code, 0, r.stdout);
    assert.equal(report(r).updated, 1);
    const updated = (await exported(dir)).find((u) => u.email === s.email);
    assert.deepEqual({ ...updated, password_hash: undefined }, { ...before, password_hash: undefined, roles: ['support'], email_verified: true });
    assert.equal(updated.password_hash, oldHash);
    await eventually(async () => (await api.get('/data', { token: s.access })).status === 401, { withinMs: 3000, what: 'the old session\'s token being refused' });
    assertProblem(await api.post('/auth/login', { json: { email: s.email, password: GOOD_PASSWORD } }), 401, 'invalid_credentials');
    assert.equal((await api.post('/auth/login', { json: { email: s.email, password: OLD_PASSWORD } })).status, 200);

    r = await importFile(dir, lines({ ...next, password_hash: undefined }), '--update-existing');
    assert.equal(report(r).unchanged, 1, 'a line without a hash never takes the password away');
  } finally {
    await t.stop();
  }
});

test('export then import into a fresh database is lossless: the same lines, ids, hashes, roles, flags and times', async () => {
  const dir = tempDir();
  const t = await startTessera({ dir });
  try {
    const api = client(t.url);
    const a = await signup(api, { username: `ann_${process.pid}` });
    await signup(api);
    const c = await signup(api);
    assert.equal((await cli(dir, 'user', 'set-role', a.email, 'admin')).code, 0);
    assert.equal((await cli(dir, 'user', 'verify', a.email)).code, 0);
    assert.equal((await cli(dir, 'user', 'disable', c.email)).code, 0);
    assert.equal((await cli(dir, 'user', 'create', '', '--username', 'nopass_user')).code, 0);
    assert.equal((await importFile(dir, lines({ email: 'bcrypt@example.com', password_hash: oldHash, created_at: '2020-05-06T07:08:09.010+02:00' }))).code, 0);
  } finally {
    await t.stop();
  }
  const first = (await cli(dir, 'user', 'export')).stdout;
  assert.equal(first.trim().split('\n').length, 5);
  const fresh = await freshHome();
  const r = await importFile(fresh, first);
  assert.equal(r.code, 0, r.stdout);
  assert.equal(report(r).imported, 5);
  const second = (await cli(fresh, 'user', 'export')).stdout;
  assert.equal(second, first);
  assert.ok(jsonLines(first).some((u) => u.created_at === '2020-05-06T05:08:09.010Z'), 'the offset was applied');
});

test('SIGKILL during a big import leaves every committed line whole and none half-written; the rest comes in with --skip-existing', async () => {
  const dir = await freshHome();
  const total = 12_000;
  const source = Array.from({ length: total }, (_, i) => ({
    id: randomUUID(), email: `bulk${i}@example.com`, password_hash: oldHash, roles: i % 7 === 0 ? ['staff'] : [],
    email_verified: i % 2 === 0, disabled: false, username: null, created_at: new Date(Date.UTC(2022, 0, 1) + i * 1000).toISOString(),
  }));
  const byId = new Map(source.map((u) => [u.id, u]));
  const proc = spawn(BIN, ['user', 'import', '-'], {
    env: { PATH: process.env.PATH, ...TEST_DEFAULTS, TESSERA_DATABASE: databaseOf(dir) }, stdio: ['pipe', 'ignore', 'ignore'],
  });
  const exit = once(proc, 'exit');
  proc.stdin.on('error', () => {});
  // 5,500 lines: five batches of 1,000 commit, 500 wait in memory for the sixth.
  proc.stdin.write(lines(...source.slice(0, 5500)));
  await eventually(async () => (await exported(dir)).length >= 5000, { withinMs: 60_000, everyMs: 250, what: 'five batches committed' });
  // More lines and half a line, then the kill, while a sixth batch may be in its transaction.
  proc.stdin.write(lines(...source.slice(5500, 7000)) + line(source[7000]).slice(0, 40));
  proc.kill('SIGKILL');
  await exit;

  const after = await exported(dir);
  assert.ok([5000, 6000, 7000].includes(after.length), `whole batches only: ${after.length} accounts`);
  for (const u of after) {
    const want = byId.get(u.id);
    assert.ok(want, `${u.id} came from the file`);
    assert.deepEqual(u, want, 'each account is exactly its line');
  }
  const rest = await importFile(dir, lines(...source), '--skip-existing');
  assert.equal(rest.code, 0, rest.stdout.slice(0, 2000));
  assert.deepEqual([report(rest).imported, report(rest).skipped], [total - after.length, after.length]);
  assert.equal((await exported(dir)).length, total);
});

test('POST /admin/users/import takes NDJSON from an admin, with the same rules and report; a body over max_body_bytes only from an admin', async () => {
  const dir = tempDir();
  const t = await startTessera({ dir });
  try {
    const api = client(t.url);
    const admin = await makeAdmin(t, api);
    const user = await signup(api);
    const ndjson = (body, token, query = '') => api.post(`/admin/users/import${query}`, { raw: body, token, headers: { 'content-type': 'application/x-ndjson' } });

    let r = await ndjson(lines({ email: 'http1@example.com', password_hash: oldHash }, { email: 'http2@example.com', password_hash: 'x' }, { email: user.email }), admin.access);
    assert.equal(r.status, 200, r.text);
    assert.equal(r.body.imported, 1);
    assert.deepEqual(r.body.refused.map((x) => x.line), [2, 3]);
    const imported = await api.post('/auth/login', { json: { email: 'http1@example.com', password: OLD_PASSWORD } });
    assert.equal(imported.status, 200);
    // Each account the import made is audited as made by this admin.
    const audit = await api.get(`/admin/audit?user=${imported.body.user.id}&event=user_created`, { token: admin.access });
    assert.equal(audit.body.total, 1);
    assert.equal(audit.body.entries[0].detail, 'imported; roles: (none)');
    assert.equal(audit.body.entries[0].actor_id, admin.user.id);

    r = await ndjson(lines({ email: 'http3@example.com' }), admin.access, '?dry_run=true&existing=skip&atomic=true');
    assert.deepEqual([r.status, r.body.imported, r.body.dry_run], [200, 1, true]);
    assertProblem(await ndjson(lines({ email: 'x@example.com' }), admin.access, '?existing=merge'), 400, 'invalid_request');
    assertProblem(await ndjson(lines({ email: 'x@example.com' }), user.access), 403, 'forbidden');
    assertProblem(await ndjson(lines({ email: 'x@example.com' })), 401, 'missing_token');
    assertProblem(await api.post('/admin/users/import', { json: { email: 'x@example.com' }, token: admin.access }), 415, 'unsupported_media_type');

    // 2,000 lines, about 250 KB: over the 64 KiB every other route takes.
    const many = lines(...Array.from({ length: 2000 }, (_, i) => ({ email: `many${i}-${process.pid}@example.com`, password_hash: oldHash })));
    assert.ok(Buffer.byteLength(many) > 200 * 1024);
    assertProblem(await ndjson(many, user.access), 413, 'payload_too_large');
    assertProblem(await ndjson(many), 413, 'payload_too_large');
    r = await ndjson(many, admin.access);
    assert.equal(r.status, 200, r.text.slice(0, 500));
    assert.equal(r.body.imported, 2000);
    const logged = await t.waitForLog((l) => l.msg === 'users_imported' && l.imported === 2000, 5000);
    assert.equal(logged.actor, admin.user.id, 'one log line for the import, naming the admin');
  } finally {
    await t.stop();
  }
});
