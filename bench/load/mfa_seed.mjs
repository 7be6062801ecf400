// Seeds accounts with a TOTP factor for the second-step benchmark, and writes under OUTDIR:
//   mfa.txt     one "TICKET CODE" per line: a password login's mfa_ticket and an unused code
//               (the step after the confirming one, which stays valid for about a minute)
//   access.txt  an aal2 access token (from a confirmation), for the guarded GET
// Phases: sign-ups and enrolments, then every confirmation (no hash, seconds), then a password
// login per account for its ticket; so the codes are fresh when the load starts.
// Codes come from npm otpauth. Usage: node mfa_seed.mjs BASE_URL N OUTDIR PASSWORD [C]
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as OTPAuth from 'otpauth';

const [base, nArg, outDir, password, cArg] = process.argv.slice(2);
const n = Number(nArg);
const conc = Number(cArg ?? 16);
const prefix = `mfa${Date.now()}`;

async function post(path, body, token) {
  const headers = { 'content-type': 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  const res = await fetch(`${base}${path}`, { method: 'POST', headers, body: body === undefined ? undefined : JSON.stringify(body) });
  return { status: res.status, body: await res.json().catch(() => null) };
}

async function each(fn) {
  let next = 0;
  await Promise.all(Array.from({ length: conc }, async () => {
    for (;;) {
      const i = next++;
      if (i >= n) return;
      await fn(i);
    }
  }));
}

const users = new Array(n);
const started = performance.now();
await each(async (i) => {
  const email = `${prefix}-${i}@bench.local`;
  const signed = await post('/auth/signup', { email, password });
  if (signed.status !== 201) throw new Error(`signup ${email}: ${signed.status}`);
  const enrolled = await post('/auth/mfa/totp', undefined, signed.body.access_token);
  if (enrolled.status !== 201) throw new Error(`enrol ${email}: ${enrolled.status}`);
  const totp = new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(enrolled.body.secret), digits: 6, period: 30 });
  users[i] = { email, totp, access: signed.body.access_token };
});
let access = '';
await each(async (i) => {
  const u = users[i];
  u.step = Math.floor(Date.now() / 30_000);
  const confirmed = await post('/auth/mfa/totp/confirm', { code: u.totp.generate({ timestamp: u.step * 30_000 }) }, u.access);
  if (confirmed.status !== 200) throw new Error(`confirm ${u.email}: ${confirmed.status}`);
  access = confirmed.body.access_token;
});
const lines = new Array(n);
await each(async (i) => {
  const u = users[i];
  const res = await post('/auth/login', { email: u.email, password });
  if (res.status !== 403 || res.body?.code !== 'mfa_required') throw new Error(`login ${u.email}: ${res.status}`);
  lines[i] = `${res.body.mfa_ticket} ${u.totp.generate({ timestamp: (u.step + 1) * 30_000 })}`;
});
writeFileSync(join(outDir, 'mfa.txt'), lines.join('\n') + '\n');
writeFileSync(join(outDir, 'access.txt'), access + '\n');
const oldest = Math.min(...users.map((u) => u.step));
console.log(`seeded ${n} accounts with TOTP in ${((performance.now() - started) / 1000).toFixed(1)} s; ` +
  `codes valid for ${Math.round(((oldest + 3) * 30_000 - Date.now()) / 1000)} s more`);
