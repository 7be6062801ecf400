// The client package as an app gets it (clients/js, issue 20): its TypeScript declarations
// (a usage file that follows the README compiles under `tsc --strict --noEmit`, and its
// @ts-expect-error lines, misuse the types must refuse, are still errors), and the tarball
// `npm pack` makes, which holds what the package needs and works when unpacked.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';

const ROOT = resolve(import.meta.dirname, '../..');

test('tsc --noEmit accepts the declarations and the usage file', () => {
  const tsc = resolve(ROOT, 'node_modules/.bin/tsc');
  let out = '';
  try {
    out = execFileSync(tsc, ['-p', resolve(ROOT, 'clients/js/tsconfig.json')], { encoding: 'utf8', timeout: 120_000 });
  } catch (err) {
    assert.fail(`tsc failed:\n${err.stdout ?? ''}${err.stderr ?? ''}`);
  }
  assert.equal(out.trim(), '');
});

test('npm pack makes a tarball that holds the modules, the declarations and the README, and works unpacked', async () => {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-pack-'));
  try {
    const packed = JSON.parse(execFileSync('npm', ['pack', '--json', '--pack-destination', dir],
      { cwd: resolve(ROOT, 'clients/js'), encoding: 'utf8', timeout: 60_000 }));
    const files = packed[0].files.map((f) => f.path).sort();
    assert.deepEqual(files, ['README.md', 'package.json', 'src/errors.js', 'src/index.d.ts', 'src/index.js', 'src/server.d.ts',
      'src/server.js']);
    execFileSync('tar', ['-xzf', join(dir, packed[0].filename), '-C', dir]);
    const m = await import(pathToFileURL(join(dir, 'package/src/index.js')).href);
    assert.equal(typeof m.createClient, 'function');
    assert.throws(() => m.createClient({ baseUrl: 'nope' }), (e) => e instanceof m.TesseraError);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
