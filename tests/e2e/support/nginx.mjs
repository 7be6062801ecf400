// A real nginx from Debian (`nginx` package, http_auth_request_module) on a loopback port, in a
// temporary directory of its own, for the tests that put Tessera's /auth/check behind it the way
// a user's reverse proxy would. stop() ends it and removes the directory.
import { spawn, execFileSync } from 'node:child_process';
import { mkdtempSync, mkdirSync, rmSync, writeFileSync, readFileSync, existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { once } from 'node:events';
import { freePort } from './ports.mjs';

export const NGINX = '/usr/sbin/nginx';

// `http` is the body of the http {} block (servers, locations) with {{PORT}} for nginx's own
// port. Resolves once nginx answers on it.
export async function startNginx(http) {
  const dir = mkdtempSync(join(tmpdir(), 'tessera-e2e-nginx-'));
  for (const d of ['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) mkdirSync(join(dir, d));
  const port = await freePort();
  // As root nginx would hand its workers to `nobody`, who cannot write this directory.
  const user = process.getuid?.() === 0 ? 'user root;' : '';
  const conf = `${user}
worker_processes 1;
daemon off;
master_process on;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log info;
events { worker_connections 256; }
http {
  access_log off;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
${http.replaceAll('{{PORT}}', String(port))}
}
`;
  writeFileSync(join(dir, 'nginx.conf'), conf);
  execFileSync(NGINX, ['-t', '-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: 'pipe' });
  const proc = spawn(NGINX, ['-p', dir, '-c', join(dir, 'nginx.conf'), '-e', join(dir, 'error.log')], { stdio: ['ignore', 'ignore', 'pipe'] });
  let stderr = '';
  proc.stderr.on('data', (d) => { stderr += d; });
  const exited = once(proc, 'exit');
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 10_000;
  for (;;) {
    try {
      await fetch(url + '/');
      break;
    } catch {
      if (proc.exitCode !== null || Date.now() > deadline) {
        throw new Error(`nginx did not start: ${stderr} ${existsSync(join(dir, 'error.log')) ? readFileSync(join(dir, 'error.log'), 'utf8') : ''}`);
      }
      await new Promise((r) => setTimeout(r, 50));
    }
  }
  return {
    url,
    errorLog: () => readFileSync(join(dir, 'error.log'), 'utf8'),
    async stop() {
      if (proc.exitCode === null) {
        proc.kill('SIGQUIT');
        const timer = setTimeout(() => proc.kill('SIGKILL'), 5000);
        await exited;
        clearTimeout(timer);
      }
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
