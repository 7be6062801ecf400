// The server starts on its embedded defaults, answers health checks, logs one JSON line per
// request, and drains on SIGTERM with exit code 0.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startTessera } from './support/tessera.mjs';
import { client } from './support/http.mjs';

test('serve starts, answers /healthz and /readyz, and exits 0 on SIGTERM', async () => {
  const t = await startTessera();
  const api = client(t.url);
  const health = await api.get('/healthz');
  assert.equal(health.status, 200);
  assert.deepEqual(health.body, { status: 'ok' });
  const ready = await api.get('/readyz');
  assert.equal(ready.status, 200);
  assert.equal(ready.body.status, 'ready');
  const { code } = await t.stop();
  assert.equal(code, 0);
});

test('every request gets exactly one JSON log line with its request id', async () => {
  const t = await startTessera();
  const api = client(t.url);
  const res = await api.get('/healthz', { headers: { 'x-request-id': 'smoke-test-1' } });
  assert.equal(res.headers.get('x-request-id'), 'smoke-test-1');
  await api.get('/nothing-here', { headers: { 'x-request-id': 'smoke-test-2' } });
  const first = await t.waitForLog((l) => l.request_id === 'smoke-test-1');
  const second = await t.waitForLog((l) => l.request_id === 'smoke-test-2');
  assert.equal(first.msg, 'request');
  assert.equal(first.status, 200);
  assert.equal(first.path, '/healthz');
  assert.equal(second.status, 404);
  assert.equal(second.code, 'not_found');
  assert.equal(t.lines.filter((l) => l.request_id === 'smoke-test-1').length, 1);
  await t.stop();
});

test('SIGTERM logs the drain and the process exits 0', async () => {
  const t = await startTessera({ env: { TESSERA_SHUTDOWN_TIMEOUT: '2s' } });
  t.proc.kill('SIGTERM');
  const { code } = await t.stop();
  assert.equal(code, 0);
  assert.ok(t.lines.some((l) => l.msg === 'draining'));
  assert.ok(t.lines.some((l) => l.msg === 'stopped'));
});

// A supervisor or a user may send SIGTERM again while the server shuts down; once the drain is
// over the signal_set is gone and the default action (die) would turn the clean exit into a kill.
test('SIGTERM sent again and again while it shuts down still ends in exit 0', async () => {
  for (let round = 0; round < 5; round++) {
    const t = await startTessera({ env: { TESSERA_SHUTDOWN_TIMEOUT: '2s' } });
    t.proc.kill('SIGTERM');
    const again = setInterval(() => {
      if (t.proc.exitCode === null && t.proc.signalCode === null) t.proc.kill('SIGTERM');
    }, 1);
    const result = await t.stop();
    clearInterval(again);
    assert.deepEqual(result, { code: 0, signal: null }, `round ${round}`);
  }
});

test('a bad setting stops start-up with one line naming it and exit code 2', async () => {
  const { spawnSync } = await import('node:child_process');
  const { BIN } = await import('./support/tessera.mjs');
  const r = spawnSync(BIN, ['serve'], { env: { PATH: process.env.PATH, TESSERA_ACCESS_TTL: '15x' }, encoding: 'utf8' });
  assert.equal(r.status, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1);
  assert.match(lines[0], /TESSERA_ACCESS_TTL/);
  assert.match(lines[0], /15m/);
});

test('a database that cannot be opened stops start-up with exit code 2 and a line naming TESSERA_DATABASE', async () => {
  const { spawnSync } = await import('node:child_process');
  const { BIN } = await import('./support/tessera.mjs');
  const r = spawnSync(BIN, ['serve'], {
    env: { PATH: process.env.PATH, TESSERA_LOG: 'off', TESSERA_DATABASE: 'sqlite:///nonexistent-tessera-dir/x.db' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 2);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines.length, 1, r.stderr);
  assert.match(lines[0], /^tessera: TESSERA_DATABASE: .*nonexistent-tessera-dir/);
});

test('--print-config masks secrets and names where each value came from', async () => {
  const { spawnSync } = await import('node:child_process');
  const { BIN } = await import('./support/tessera.mjs');
  const r = spawnSync(BIN, ['serve', '--print-config', '--access-ttl', '5m'], {
    env: { PATH: process.env.PATH, TESSERA_SMTP_URL: 'smtp://me:hunter2@smtp.example.com:587' },
    encoding: 'utf8',
  });
  assert.equal(r.status, 0);
  assert.match(r.stdout, /^access_ttl = 5m +# --access-ttl$/m);
  assert.match(r.stdout, /smtp_url = smtp:\/\/me:\*\*\*\*@smtp\.example\.com:587 +# TESSERA_SMTP_URL/);
  assert.doesNotMatch(r.stdout, /hunter2/);
});
