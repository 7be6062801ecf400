// Seed 001's Express server, with the hand-written sign-up, login and jsonwebtoken check gone:
// Tessera signs users up and logs them in, and this API only verifies the access tokens.
//
//   TESSERA_PUBLIC_URL=https://auth.example.com CHECK=local PORT=3000 node server.js
//
// CHECK=local (the default) verifies each token here with Tessera's public keys; CHECK=remote
// asks Tessera's /auth/check, so a logout or a disabled account is refused at once.
// TESSERA_URL is where this server reaches Tessera when that is not its public URL.
import express from 'express';
import { createVerifier, requireAuth } from '@tessera-auth/client/server';

const issuer = process.env.TESSERA_PUBLIC_URL;
if (!issuer) {
  console.error('Set TESSERA_PUBLIC_URL to Tessera\'s public URL (the `iss` of its tokens).');
  process.exit(2);
}
const tokens = createVerifier({
  issuer,
  url: process.env.TESSERA_URL || issuer,
  check: process.env.CHECK === 'remote' ? 'remote' : 'local',
  cacheSeconds: Number(process.env.CACHE_SECONDS ?? 0),
});

const app = express();

// The seed's one protected route: the secret data for any logged-in user.
app.get('/data', requireAuth(tokens), (req, res) => {
  res.json({ data: 'This is the secret data.', user: req.auth.sub });
});

// And one for admins who logged in with a second factor.
app.get('/admin/report', requireAuth(tokens, { roles: ['admin'], aal: 'aal2' }), (req, res) => {
  res.json({ report: 'Only for admins with a second factor.', user: req.auth.sub });
});

const port = Number(process.env.PORT ?? 3000);
const server = app.listen(port, process.env.HOST ?? '127.0.0.1', () => {
  console.log(JSON.stringify({ msg: 'listening', port: server.address().port, check: process.env.CHECK ?? 'local' }));
});
process.on('SIGTERM', () => server.close(() => process.exit(0)));
