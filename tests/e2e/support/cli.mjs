// `tessera ARGS...` run as an operator would: its own process, the configuration from the
// environment (TESSERA_DATABASE names the test's SQLite file), stdin when given. Resolves with
// the exit code and both outputs.
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { BIN, TEST_DEFAULTS, databaseOf } from './tessera.mjs';

// A fresh directory for a database the CLI and a server can share.
export const tempDir = () => mkdtempSync(join(tmpdir(), 'tessera-cli-'));

// The TESSERA_DATABASE that startTessera({dir}) uses.
export { databaseOf };

export function runCli(args, { dir, env = {}, input, timeoutMs = 20000 } = {}) {
  const fullEnv = {
    PATH: process.env.PATH,
    ...TEST_DEFAULTS,
    ...(dir ? { TESSERA_DATABASE: databaseOf(dir) } : {}),
    ...env,
  };
  return new Promise((resolve, reject) => {
    const proc = spawn(BIN, args, { env: fullEnv, cwd: dir ?? tmpdir(), stdio: ['pipe', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    proc.stdout.on('data', (d) => { stdout += d; });
    proc.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => proc.kill('SIGKILL'), timeoutMs);
    proc.on('error', (e) => { clearTimeout(timer); reject(e); });
    proc.on('close', (code, signal) => {
      clearTimeout(timer);
      resolve({ code, signal, stdout, stderr });
    });
    proc.stdin.on('error', () => {}); // a command that does not read stdin may close it first
    if (input !== undefined) proc.stdin.write(input);
    proc.stdin.end();
  });
}

// The lines of a command's --json output, each parsed.
export const jsonLines = (stdout) => stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));

