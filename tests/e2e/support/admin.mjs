// An admin for the admin-API suites, made as an operator makes the first one: sign up, then
// `tessera user set-role EMAIL admin` against the server's database, then log in again so the
// access token carries the role.
import assert from 'node:assert/strict';
import { runCli } from './cli.mjs';
import { login, signup, uniqueEmail } from './http.mjs';

export async function makeAdmin(tessera, api, { email = uniqueEmail('admin'), headers } = {}) {
  const account = await signup(api, { email });
  const made = await runCli(['user', 'set-role', email, 'admin'], { dir: tessera.dir });
  assert.equal(made.code, 0, `set-role failed: ${made.stderr}`);
  const session = await login(api, account, { headers });
  assert.deepEqual(session.user.roles, ['admin']);
  return session;
}
