// PostgreSQL for the black-box suites, from Debian's postgresql package via tests/support/pg.sh
// (loopback, a free port, a temp directory, run as a non-root user).
//
// - startPostgres(): a private cluster for one test file, which may stop and restart it (the
//   fault tests) without disturbing anyone else.
// - databaseFor(home): under `e2e_pg.*` (CTest sets TESSERA_E2E_PG_DIR to its shared fixture
//   cluster), every tessera a suite starts gets a database of its own on that cluster, named
//   after its home directory, so a restart in the same directory finds its data again, as with
//   the SQLite file it would otherwise use.
import { execFileSync } from 'node:child_process';
import { createHash, randomUUID } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';

const PG_SH = resolve(import.meta.dirname, '../../support/pg.sh');
const PSQL = '/usr/lib/postgresql/15/bin/psql';

function pgSh(...args) {
  execFileSync('bash', [PG_SH, ...args], { stdio: ['ignore', 'ignore', 'inherit'], timeout: 120_000 });
}

// Runs one SQL statement as the superuser against the cluster's maintenance database.
function psql(url, sql) {
  const admin = new URL(url);
  admin.pathname = '/postgres';
  return execFileSync(PSQL, ['-X', '-q', '-t', '-A', '-v', 'ON_ERROR_STOP=1', '-d', admin.href, '-c', sql], {
    encoding: 'utf8',
    timeout: 60_000,
  }).trim();
}

export async function startPostgres() {
  // pg.sh creates the directory and gives it to the server's user.
  const dir = join(tmpdir(), `tessera-e2e-pg-${randomUUID()}`);
  pgSh('start', dir);
  const url = readFileSync(join(dir, 'url'), 'utf8').trim();
  return {
    url,
    // Stops the server, keeping its data: the database is down.
    suspend: () => pgSh('suspend', dir),
    // Starts it again on the same port with the same data.
    resume: () => pgSh('resume', dir),
    stop: () => pgSh('stop', dir),
  };
}

// The shared fixture cluster's URL when the suite runs against PostgreSQL, else undefined.
export function sharedPostgresUrl() {
  const dir = process.env.TESSERA_E2E_PG_DIR;
  return dir ? readFileSync(join(dir, 'url'), 'utf8').trim() : undefined;
}

// A database of its own on `clusterUrl` for the tessera whose home is `home` (created once).
export function databaseFor(clusterUrl, home) {
  const name = `e2e_${createHash('sha256').update(home).digest('hex').slice(0, 24)}`;
  if (psql(clusterUrl, `SELECT 1 FROM pg_database WHERE datname = '${name}'`) !== '1') {
    psql(clusterUrl, `CREATE DATABASE ${name}`);
  }
  const url = new URL(clusterUrl);
  url.pathname = `/${name}`;
  return url.href;
}
