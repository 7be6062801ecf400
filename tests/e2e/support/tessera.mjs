// Starts a real `tessera serve` for black-box tests: its own temporary directory and database
// (SQLite, or PostgreSQL under e2e_pg.*), a free loopback port (TESSERA_LISTEN=127.0.0.1:0, read back from the "listening"
// log line), and every log line kept for assertions.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { once } from 'node:events';
import { createInterface } from 'node:readline';
import { databaseFor, sharedPostgresUrl } from './postgres.mjs';
import { client } from './http.mjs';
import { useForFile } from './suite.mjs';

export const BIN = process.env.TESSERA_BIN ?? resolve(import.meta.dirname, '../../../build/debug/tessera');

// Under the sanitizer build (`ctest --preset asan`) the sanitizers' options, set by the test
// preset, reach every process a test starts too.
const SANITIZER_ENV = Object.fromEntries(
  ['ASAN_OPTIONS', 'UBSAN_OPTIONS', 'LSAN_OPTIONS'].filter((k) => process.env[k]).map((k) => [k, process.env[k]]),
);

// Settings every test server gets unless the test overrides them. The Argon2id cost is lowered
// so the suite runs in seconds; the default cost is covered by unit tests and benchmarks.
export const TEST_DEFAULTS = {
  TESSERA_LISTEN: '127.0.0.1:0',
  TESSERA_RATE_LIMITS: 'off',
  TESSERA_ARGON2_MEMORY_KIB: '4096',
  TESSERA_ARGON2_ITERATIONS: '1',
  TESSERA_LOG: 'info',
  ...SANITIZER_ENV,
};

// The lines of a sanitizer report (AddressSanitizer, LeakSanitizer, UndefinedBehaviorSanitizer)
// among a process's stderr lines, or none.
export function sanitizerReport(rawLines) {
  const start = rawLines.findIndex((l) => /==\d+==ERROR: (Address|Leak)Sanitizer|runtime error: |^SUMMARY: \w+Sanitizer/.test(l));
  return start < 0 ? [] : rawLines.slice(start);
}

// The TESSERA_DATABASE of the server whose home is `home`: the SQLite file in it, or under
// `e2e_pg.*` a database of its own on the shared PostgreSQL (support/postgres.mjs). The CLI run
// with the same `home` (support/cli.mjs) reaches the same database.
export function databaseOf(home) {
  const pg = sharedPostgresUrl();
  return pg ? databaseFor(pg, home) : `sqlite://${join(home, 'tessera.db')}`;
}

export async function startTessera({ env = {}, args = [], dir, keepDir = false, timeoutMs = 15000 } = {}) {
  const home = dir ?? mkdtempSync(join(tmpdir(), 'tessera-e2e-'));
  const fullEnv = {
    PATH: process.env.PATH,
    TESSERA_DATABASE: databaseOf(home),
    ...TEST_DEFAULTS,
    ...env,
  };
  const proc = spawn(BIN, ['serve', ...args], { env: fullEnv, cwd: home, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines = [];
  const waiters = [];
  const rl = createInterface({ input: proc.stderr });
  rl.on('line', (line) => {
    let parsed = null;
    try { parsed = JSON.parse(line); } catch { parsed = { raw: line }; }
    lines.push(parsed);
    for (const w of [...waiters]) {
      if (w.match(parsed)) {
        waiters.splice(waiters.indexOf(w), 1);
        w.resolve(parsed);
      }
    }
  });
  let stdout = '';
  proc.stdout.on('data', (d) => { stdout += d; });
  const exited = once(proc, 'exit');

  // Resolves with the first log line (already seen or still to come) that `match` accepts.
  const waitForLog = (match, ms = timeoutMs) => {
    const seen = lines.find(match);
    if (seen) return Promise.resolve(seen);
    return new Promise((resolvePromise, reject) => {
      const w = { match, resolve: resolvePromise };
      waiters.push(w);
      setTimeout(() => {
        const i = waiters.indexOf(w);
        if (i >= 0) {
          waiters.splice(i, 1);
          reject(new Error(`no matching log line within ${ms} ms; log:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`));
        }
      }, ms).unref();
    });
  };

  const listening = await Promise.race([
    waitForLog((l) => l.msg === 'listening'),
    exited.then(([code]) => {
      throw new Error(`tessera exited with ${code} before listening:\n${lines.map((l) => JSON.stringify(l)).join('\n')}`);
    }),
  ]);
  const url = `http://127.0.0.1:${listening.port}`;
  let stopped = false;

  return {
    url,
    port: listening.port,
    dir: home,
    proc,
    lines,
    stdout: () => stdout,
    waitForLog,
    // Sends a signal and resolves with the exit code (and signal name, if killed).
    async stop(signal = 'SIGTERM') {
      if (stopped) return { code: proc.exitCode, signal: proc.signalCode };
      stopped = true;
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(signal);
      const [code, sig] = await exited;
      if (!keepDir && !dir) rmSync(home, { recursive: true, force: true });
      // A memory error, leak or undefined behaviour in the server fails the test that ran it.
      const report = sanitizerReport(lines.filter((l) => l.raw !== undefined).map((l) => l.raw));
      if (report.length > 0) throw new Error(`tessera reported a sanitizer error:\n${report.join('\n')}`);
      return { code, signal: sig };
    },
    // Kills the process at once (a crash), keeping the directory for a restart.
    async kill() {
      stopped = true;
      proc.kill('SIGKILL');
      await exited;
    },
  };
}

// A server for the whole test file (support/suite.mjs): the handle has startTessera's fields once
// the tests run, and `api`, a client of it (support/http.mjs) usable at once. `options` are
// startTessera's, or a function giving them when the server starts.
export function useTessera(options = {}) {
  const handle = useForFile(
    () => startTessera(typeof options === 'function' ? options() : options),
    (t) => t.stop(),
  );
  handle.api = client(() => handle.url);
  return handle;
}
