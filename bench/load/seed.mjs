// Creates N users through POST /auth/signup (concurrency C) and writes, under OUTDIR:
//   users.txt    one email per line (all share PASSWORD)
//   refresh.txt  one current refresh token per line
//   access.txt   one access token (of the first user)
// Usage: node seed.mjs BASE_URL N OUTDIR PASSWORD [C] [PREFIX]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const [base, nArg, outDir, password, cArg, prefixArg] = process.argv.slice(2);
const n = Number(nArg);
const conc = Number(cArg ?? 8);
const prefix = prefixArg ?? `seed${Date.now()}`;
const emails = new Array(n);
const refresh = new Array(n);
const access = new Array(n);
let next = 0;

async function worker() {
  for (;;) {
    const i = next++;
    if (i >= n) return;
    const email = `${prefix}-${i}@bench.local`;
    const res = await fetch(`${base}/auth/signup`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ email, password }),
    });
    if (res.status !== 201) throw new Error(`signup ${email}: HTTP ${res.status} ${await res.text()}`);
    const body = await res.json();
    emails[i] = email;
    access[i] = body.access_token;
    refresh[i] = body.refresh_token;
  }
}

const t0 = performance.now();
await Promise.all(Array.from({ length: conc }, worker));
const s = (performance.now() - t0) / 1000;
writeFileSync(join(outDir, 'users.txt'), emails.join('\n') + '\n');
writeFileSync(join(outDir, 'refresh.txt'), refresh.join('\n') + '\n');
writeFileSync(join(outDir, 'access.txt'), access[0] + '\n');
console.log(`seeded ${n} users in ${s.toFixed(1)} s (${(n / s).toFixed(1)} signups/s at concurrency ${conc})`);
