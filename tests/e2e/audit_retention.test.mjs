// TESSERA_AUDIT_RETENTION: a running server deletes audit entries older than the retention
// (its maintenance loop purges 30 s after start, then every 10 minutes) and keeps younger ones;
// a retention under a day is refused at start-up. (Waiting ~30 s for the first purge is the
// point of this file, so it is kept apart from the faster audit suite.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { useTessera } from './support/tessera.mjs';
import { setUp } from './support/suite.mjs';
import { signup } from './support/http.mjs';
import { makeAdmin } from './support/admin.mjs';
import { runCli, tempDir } from './support/cli.mjs';

const t = useTessera({ env: { TESSERA_AUDIT_RETENTION: '2d' } });
const { api } = t;
let admin;
setUp(async () => {
  admin = await makeAdmin(t, api);
});

const HOUR_MS = 3600 * 1000;

// Moves one user's audit entries `ms` into the past, as if they had been written then. (Only
// stored times are changed; waiting two days is not an option.)
function age(userId, ms) {
  execFileSync('sqlite3', ['-cmd', '.timeout 5000', join(t.dir, 'tessera.db'),
    `UPDATE audit_log SET at = at - ${ms} WHERE user_id = '${userId}'`]);
}

const entriesOf = async (userId) => {
  const res = await api.get(`/admin/audit?user=${userId}`, { token: admin.access });
  assert.equal(res.status, 200, res.text);
  return res.body;
};

test('entries older than TESSERA_AUDIT_RETENTION are deleted by the running server; younger ones stay', async () => {
  const old = await signup(api);
  const young = await signup(api);
  age(old.user.id, 49 * HOUR_MS); // past the 2-day retention
  age(young.user.id, 47 * HOUR_MS); // within it
  assert.equal((await entriesOf(old.user.id)).total, 1, 'still there before the purge');
  const purged = await t.waitForLog((l) => l.msg === 'audit_purged', 60000);
  assert.equal(purged.rows, 1);
  assert.equal((await entriesOf(old.user.id)).total, 0);
  const kept = await entriesOf(young.user.id);
  assert.equal(kept.total, 1);
  assert.equal(kept.entries[0].event, 'signup');
  assert.ok(Date.parse(kept.entries[0].at) < Date.now() - 46 * HOUR_MS);
  assert.ok((await entriesOf(admin.user.id)).total >= 2, 'today\'s entries stay');
});

test('a retention under a day stops start-up with exit 2 and one line naming TESSERA_AUDIT_RETENTION', async () => {
  const dir = tempDir();
  const r = await runCli(['serve'], { dir, env: { TESSERA_AUDIT_RETENTION: '1h' } });
  assert.equal(r.code, 2);
  assert.equal(r.stderr.trim().split('\n').length, 1, r.stderr);
  assert.match(r.stderr, /TESSERA_AUDIT_RETENTION/);
});
