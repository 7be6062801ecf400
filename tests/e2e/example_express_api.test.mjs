// examples/express-api (issue 20): seed 001's Express API on Tessera, run as its README says
// (`npm start` with TESSERA_PUBLIC_URL), against a real Tessera, with the package's middleware in
// both check modes: a token from Tessera opens /data; none, or a forged one, is a problem+json
// 401; the admin route wants the role and a second factor; with CHECK=remote a logout is refused
// at once, with CHECK=local not until the token expires (the documented trade-off).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { createInterface } from 'node:readline';
import { useTessera } from './support/tessera.mjs';
import { signup } from './support/http.mjs';
import { setUp } from './support/suite.mjs';
import { enableTotp } from './support/totp.mjs';
import { runCli } from './support/cli.mjs';

const t = useTessera();
const { api } = t;
const EXAMPLE = resolve(import.meta.dirname, '../../examples/express-api');

let issuer;
setUp(async () => {
  issuer = (await api.get('/.well-known/openid-configuration')).body.issuer;
});

// Starts the example with `npm start`; resolves with its URL and a stop().
async function startExample(env) {
  const proc = spawn('npm', ['start', '--silent'], {
    cwd: EXAMPLE,
    env: { PATH: process.env.PATH, HOME: process.env.HOME, PORT: '0', TESSERA_PUBLIC_URL: issuer, TESSERA_URL: t.url, ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
    // Its own process group: npm runs the server as a child of its own, and a signal to npm alone
    // would leave that server (holding the test's output pipes) running.
    detached: true,
  });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const port = await new Promise((ok, fail) => {
    const timer = setTimeout(() => {
      process.kill(-proc.pid, 'SIGKILL');
      fail(new Error(`the example did not start: ${stderr}`));
    }, 15000);
    createInterface({ input: proc.stdout }).on('line', (line) => {
      try {
        const msg = JSON.parse(line);
        if (msg.msg === 'listening') {
          clearTimeout(timer);
          ok(msg.port);
        }
      } catch { /* not a log line */ }
    });
    proc.on('exit', (code) => fail(new Error(`the example exited (${code}): ${stderr}`)));
  });
  const url = `http://127.0.0.1:${port}`;
  const get = async (path, token) => {
    const r = await fetch(url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });
    return { status: r.status, type: r.headers.get('content-type') ?? '', body: await r.json() };
  };
  const stop = () => new Promise((done) => {
    proc.once('exit', done);
    process.kill(-proc.pid, 'SIGTERM');
  });
  return { url, get, stop };
}

for (const check of ['local', 'remote']) {
  test(`CHECK=${check}: /data for a Tessera token, 401 problem+json without one or with a forged one`, async () => {
    const app = await startExample({ CHECK: check });
    try {
      const s = await signup(api);
      const ok = await app.get('/data', s.access);
      assert.equal(ok.status, 200);
      assert.deepEqual(ok.body, { data: 'This is the secret data.', user: s.user.id });
      const none = await app.get('/data');
      assert.equal(none.status, 401);
      assert.match(none.type, /^application\/problem\+json/);
      assert.equal(none.body.code, 'missing_token');
      const [h, p] = s.access.split('.');
      assert.equal((await app.get('/data', `${h}.${p}.${'A'.repeat(86)}`)).body.code, 'invalid_token');
    } finally {
      await app.stop();
    }
  });
}

test('CHECK=remote refuses a logged-out token at once; CHECK=local keeps it until it expires', async () => {
  const remote = await startExample({ CHECK: 'remote' });
  const local = await startExample({ CHECK: 'local' });
  try {
    const s = await signup(api);
    assert.equal((await remote.get('/data', s.access)).status, 200);
    assert.equal((await api.post('/auth/logout', { token: s.access })).status, 204);
    const refused = await remote.get('/data', s.access);
    assert.equal(refused.status, 401);
    assert.equal(refused.body.code, 'invalid_token');
    assert.equal((await local.get('/data', s.access)).status, 200);
  } finally {
    await Promise.all([remote.stop(), local.stop()]);
  }
});

test('the admin route wants the admin role and a login with a second factor', async () => {
  const app = await startExample({ CHECK: 'local' });
  try {
    const s = await signup(api);
    assert.equal((await app.get('/admin/report', s.access)).body.code, 'forbidden');
    assert.equal((await runCli(['user', 'set-role', s.email, 'admin'], { dir: t.dir })).code, 0);
    const admin = await api.post('/auth/login', { json: { email: s.email, password: s.password } });
    assert.equal((await app.get('/admin/report', admin.body.access_token)).body.code, 'step_up_required');
    const strong = await enableTotp(api, { ...s, access: admin.body.access_token });
    const report = await app.get('/admin/report', strong.access_token);
    assert.equal(report.status, 200);
    assert.equal(report.body.user, s.user.id);
  } finally {
    await app.stop();
  }
});
