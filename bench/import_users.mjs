// N lines of the user import format on stdout, for bench/import.sh: distinct emails and UUIDs,
// 64 real bcrypt hashes (bcryptjs, cost 10) in turn, a role on every seventh, every other one
// verified, creation times a second apart. No hash is computed at import, so 64 stand for many.
import { randomUUID } from 'node:crypto';
import bcrypt from 'bcryptjs';

const n = Number(process.argv[2] ?? 100000);
const hashes = Array.from({ length: 64 }, (_, i) => bcrypt.hashSync(`bench-password-${i}`, 10));
const start = Date.UTC(2021, 0, 1);
let buf = '';
for (let i = 0; i < n; i += 1) {
  buf += JSON.stringify({
    id: randomUUID(),
    email: `user${i}@bench.example.com`,
    password_hash: hashes[i % hashes.length],
    email_verified: i % 2 === 0,
    roles: i % 7 === 0 ? ['customer'] : [],
    created_at: new Date(start + i * 1000).toISOString(),
  }) + '\n';
  if (buf.length > 1 << 20) {
    process.stdout.write(buf);
    buf = '';
  }
}
process.stdout.write(buf);
