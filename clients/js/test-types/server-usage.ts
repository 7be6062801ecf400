// Compiled by `tsc --noEmit` in the test suite: the server side as the README shows it.
import { createServer } from 'node:http';
import { createVerifier, requireAuth, TesseraError, type AuthedRequest, type Claims } from '@tessera-auth/client/server';

const local = createVerifier({ issuer: 'https://auth.example.com', url: 'http://127.0.0.1:8080' });
const remote = createVerifier({ issuer: 'https://auth.example.com', check: 'remote', cacheSeconds: 2 });
const admins = requireAuth(local, { roles: ['admin'], aal: 'aal2' });

createServer((req, res) => {
  admins(req, res, () => {
    const claims: Claims | undefined = (req as AuthedRequest).auth;
    res.end(JSON.stringify({ sub: claims?.sub }));
  });
}).listen(3000);

async function check(token: string): Promise<void> {
  try {
    const claims = await remote.verify(token);
    console.log(claims.roles?.includes('admin'));
  } catch (err) {
    if (err instanceof TesseraError) console.log(err.code, err.status);
  }
  // @ts-expect-error check is 'local' or 'remote'
  createVerifier({ issuer: 'https://auth.example.com', check: 'both' });
}
void check('token');
