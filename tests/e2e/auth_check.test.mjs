// GET /auth/check (issue 19): the verification endpoint for an app's own API and for reverse
// proxies. Against Tessera directly: the identity headers, the 401s of the guarded routes, the
// query's guards, revocation at once, no per-IP limit, and header values that can never carry
// CR/LF or non-ASCII bytes. Then behind a real nginx (Debian's, `auth_request`) in front of a
// small upstream, all on loopback: what reaches the upstream, and what nginx refuses.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { useTessera } from './support/tessera.mjs';
import { setUp } from './support/suite.mjs';
import { startNginx } from './support/nginx.mjs';
import { makeAdmin } from './support/admin.mjs';
import { runCli } from './support/cli.mjs';
import { tokenOf } from './support/email.mjs';
import { signup, login, uniqueEmail, jwtHeader, jwtClaims, signHs256 } from './support/http.mjs';
import { assertProblem, assertInvalidToken, BARE_CHALLENGE } from './support/expect.mjs';

const HS_SECRET = 'auth-check-suite-hs256-secret-0123456789-abcdef';
// Rate limits on (the default), to show that none applies to /auth/check.
const t = useTessera({ env: { TESSERA_RATE_LIMITS: 'on' } });
// An HS256 server, so that a token can carry claims the server would never write.
const hs = useTessera({ env: { TESSERA_JWT_ALG: 'HS256', TESSERA_JWT_SECRET: HS_SECRET } });
const [api, hsApi] = [t.api, hs.api];
let upstream, nginx;
const seen = [];  // the headers each request reaching the upstream carried

setUp(async () => {
  upstream = createServer((req, res) => {
    seen.push({ url: req.url, headers: req.headers, raw: req.rawHeaders });
    res.setHeader('content-type', 'application/json');
    res.end(JSON.stringify({ url: req.url, user: req.headers['x-auth-user-id'] ?? null }));
  });
  await new Promise((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${upstream.address().port}`;
  const tessera = hs.url;
  // The documented shape (docs/integration.md): one internal location per guard, the identity
  // copied from /auth/check's answer into the proxied request, overwriting what a client sent.
  const authLocation = (name, query) => `
    location = /_auth${name} {
      internal;
      proxy_pass ${tessera}/auth/check${query};
      proxy_pass_request_body off;
      proxy_set_header Content-Length "";
    }`;
  const protectedLocation = (prefix, name) => `
    location ${prefix} {
      auth_request /_auth${name};
      auth_request_set $auth_user $upstream_http_x_auth_user_id;
      auth_request_set $auth_email $upstream_http_x_auth_email;
      auth_request_set $auth_verified $upstream_http_x_auth_email_verified;
      auth_request_set $auth_roles $upstream_http_x_auth_roles;
      auth_request_set $auth_session $upstream_http_x_auth_session_id;
      proxy_set_header X-Auth-User-Id $auth_user;
      proxy_set_header X-Auth-Email $auth_email;
      proxy_set_header X-Auth-Email-Verified $auth_verified;
      proxy_set_header X-Auth-Roles $auth_roles;
      proxy_set_header X-Auth-Session-Id $auth_session;
      proxy_set_header Authorization "";
      proxy_pass ${upstreamUrl};
    }`;
  nginx = await startNginx(`
  server {
    listen 127.0.0.1:{{PORT}};
    location = / { return 204; }
    ${authLocation('', '')}
    ${authLocation('_admin', '?role=admin')}
    ${authLocation('_verified', '?verified=true')}
    ${protectedLocation('/api/', '')}
    ${protectedLocation('/admin-api/', '_admin')}
    ${protectedLocation('/verified-api/', '_verified')}
  }`);
});
after(async () => {
  await nginx?.stop();
  await new Promise((r) => (upstream ? upstream.close(r) : r()));
});

const check = (token, query = '', server = api) => server.get(`/auth/check${query}`, { token });

// ------------------------------------------------------------------------------ direct

test('a valid token is 200 with an empty body and the identity in X-Auth-* headers', async () => {
  const email = uniqueEmail('check');
  const username = `check_${process.pid % 10000}_${Date.now() % 1e6}`;
  const s = await signup(api, { email, username });
  const res = await check(s.access);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.text, '');
  assert.equal(res.headers.get('x-auth-user-id'), s.user.id);
  assert.equal(res.headers.get('x-auth-email'), email);
  assert.equal(res.headers.get('x-auth-email-verified'), 'false');
  assert.equal(res.headers.get('x-auth-roles'), '');
  assert.equal(res.headers.get('x-auth-session-id'), jwtClaims(s.access).sid);
  assert.equal(res.headers.get('x-auth-username'), username);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  // A username-only account has no X-Auth-Email; one without a username no X-Auth-Username.
  const nameOnly = await signup(api, { email: null, username: `${username}_2` });
  const r2 = await check(nameOnly.access);
  assert.equal(r2.status, 200);
  assert.equal(r2.headers.get('x-auth-email'), null);
  const mailOnly = await signup(api);
  assert.equal((await check(mailOnly.access)).headers.get('x-auth-username'), null);
});

test('the seed-001 raw Authorization form is accepted too', async () => {
  const s = await signup(api);
  const res = await api.get('/auth/check', { headers: { authorization: s.access } });
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-auth-user-id'), s.user.id);
});

test('no token, a bad token and a non-Bearer scheme are 401 with the Bearer challenge, as on every guarded route', async () => {
  const none = assertProblem(await api.get('/auth/check'), 401, 'missing_token');
  assert.ok(none);
  assert.equal((await api.get('/auth/check')).headers.get('www-authenticate'), BARE_CHALLENGE);
  assertInvalidToken(await check('not-a-token'));
  const s = await signup(api);
  assertInvalidToken(await check(s.access.slice(0, -3) + 'AAA'));
  assertInvalidToken(await api.get('/auth/check', { headers: { authorization: `Basic ${Buffer.from('a:b').toString('base64')}` } }));
});

test('logout, logout-all and a disabled account are refused at once', async () => {
  const a = await signup(api);
  assert.equal((await check(a.access)).status, 200);
  assert.equal((await api.post('/auth/logout', { token: a.access })).status, 204);
  assertInvalidToken(await check(a.access));

  const b = await signup(api);
  const b2 = await login(api, b);
  assert.equal((await api.post('/auth/logout-all', { token: b.access })).status, 204);
  assertInvalidToken(await check(b.access));
  assertInvalidToken(await check(b2.access));

  const c = await signup(api);
  assert.equal((await check(c.access)).status, 200);
  assert.equal((await runCli(['user', 'disable', c.email], { dir: t.dir })).code, 0);
  const deadline = Date.now() + 2000;
  let status = 200;
  while (status === 200 && Date.now() < deadline) {
    status = (await check(c.access)).status;
    if (status === 200) await new Promise((r) => setTimeout(r, 20));
  }
  assertInvalidToken(await check(c.access));
});

test('?role= (repeatable: any of them) answers 403 forbidden without the role and 200 with it', async () => {
  const user = await signup(api);
  assertProblem(await check(user.access, '?role=admin'), 403, 'forbidden');
  const admin = await makeAdmin(t, api);
  const res = await check(admin.access, '?role=admin');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-auth-roles'), 'admin');
  assert.equal((await check(admin.access, '?role=ops&role=admin')).status, 200, 'any of the roles');
  assertProblem(await check(admin.access, '?role=ops&role=billing'), 403, 'forbidden');
});

test('?verified=true answers 403 email_not_verified until the email is verified', async () => {
  const s = await signup(api);
  assertProblem(await check(s.access, '?verified=true'), 403, 'email_not_verified');
  assert.equal((await check(s.access, '?verified=false')).status, 200);
  const mail = await t.waitForLog((l) => l.msg === 'mail' && l.to === s.email && l.link.includes('verify-email'));
  assert.equal((await api.post('/auth/verify-email', { json: { token: tokenOf(mail.link) } })).status, 200);
  const fresh = await login(api, s);
  const res = await check(fresh.access, '?verified=true');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('x-auth-email-verified'), 'true');
});

test('an unknown or malformed guard is 400, so a mistyped proxy configuration fails closed', async () => {
  const s = await signup(api);
  for (const q of ['?roles=admin', '?verified=yes', '?role=', '?role', '?aal=aal3', '?role=%zz']) {
    assertProblem(await check(s.access, q), 400, 'invalid_request');
  }
});

test('it is never rate limited per IP: 400 checks from one address in a row all answer 200', async () => {
  const s = await signup(api);
  let ok = 0;
  for (let i = 0; i < 400; i += 20) {
    const batch = await Promise.all(Array.from({ length: 20 }, () => check(s.access)));
    ok += batch.filter((r) => r.status === 200).length;
  }
  assert.equal(ok, 400);
});

// A token signed with the HS256 secret: A's genuine claims (its session binding holds) with
// other values in the claims the binding does not cover.
const forgedHs = (s, extra) => signHs256(jwtHeader(s.access), { ...jwtClaims(s.access), ...extra }, HS_SECRET);

test('header values never carry CR, LF, other controls or non-ASCII bytes: they are percent-encoded', async () => {
  const s = await signup(hsApi);
  const token = forgedHs(s, { email: 'evil@example.com\r\nX-Auth-Roles: admin', username: 'ü ñame%\u0000' });
  const res = await check(token, '', hsApi);
  assert.equal(res.status, 200, res.text);
  assert.equal(res.headers.get('x-auth-email'), 'evil@example.com%0D%0AX-Auth-Roles:%20admin');
  assert.equal(res.headers.get('x-auth-username'), '%C3%BC%20%C3%B1ame%25%00');
  assert.equal(res.headers.get('x-auth-roles'), '');
  assert.equal(decodeURIComponent(res.headers.get('x-auth-username')), 'ü ñame%\u0000', 'plain percent-decoding gives the value back');
});

// ------------------------------------------------------------------------- behind nginx

const viaNginx = (path, token) => fetch(nginx.url + path, { headers: token ? { authorization: `Bearer ${token}` } : {} });

test('nginx auth_request: a valid token reaches the upstream with the identity headers, and a client\'s own X-Auth-* are overwritten', async () => {
  const s = await signup(hsApi);
  const before = seen.length;
  const res = await fetch(nginx.url + '/api/orders', { headers: { authorization: `Bearer ${s.access}`, 'x-auth-user-id': 'someone-else', 'x-auth-roles': 'admin' } });
  assert.equal(res.status, 200);
  assert.deepEqual(await res.json(), { url: '/api/orders', user: s.user.id });
  const got = seen.slice(before);
  assert.equal(got.length, 1);
  assert.equal(got[0].headers['x-auth-user-id'], s.user.id);
  assert.equal(got[0].headers['x-auth-email'], s.email);
  assert.equal(got[0].headers['x-auth-email-verified'], 'false');
  // No roles: nginx sends no header for an empty value, and the client's own "admin" is gone.
  assert.equal(got[0].headers['x-auth-roles'], undefined);
  assert.equal(got[0].headers['x-auth-session-id'], jwtClaims(s.access).sid);
  assert.equal(got[0].headers.authorization, undefined, 'the token itself stays at the proxy');
});

test('nginx auth_request: no token or a bad one is 401 and never reaches the upstream; a logged-out token is refused at once', async () => {
  const s = await signup(hsApi);
  const before = seen.length;
  assert.equal((await viaNginx('/api/x')).status, 401);
  assert.equal((await viaNginx('/api/x', 'garbage.garbage.garbage')).status, 401);
  assert.equal((await viaNginx('/api/x', s.access)).status, 200);
  assert.equal((await hsApi.post('/auth/logout', { token: s.access })).status, 204);
  assert.equal((await viaNginx('/api/x', s.access)).status, 401, 'the very next request after the logout');
  assert.equal(seen.length, before + 1, 'only the one good request reached the upstream');
});

test('nginx auth_request: the ?role= and ?verified= guards hold (403 from the proxy)', async () => {
  const user = await signup(hsApi);
  assert.equal((await viaNginx('/admin-api/x', user.access)).status, 403);
  assert.equal((await viaNginx('/verified-api/x', user.access)).status, 403);
  const admin = await makeAdmin(hs, hsApi);
  const res = await viaNginx('/admin-api/x', admin.access);
  assert.equal(res.status, 200);
  assert.equal(seen.at(-1).headers['x-auth-roles'], 'admin');
  const mail = await hs.waitForLog((l) => l.msg === 'mail' && l.to === user.email && l.link.includes('verify-email'));
  assert.equal((await hsApi.post('/auth/verify-email', { json: { token: tokenOf(mail.link) } })).status, 200);
  const verified = await login(hsApi, user);
  assert.equal((await viaNginx('/verified-api/x', verified.access)).status, 200);
});

test('nginx auth_request: a claim with CR/LF never reaches the upstream as a header break', async () => {
  const s = await signup(hsApi);
  const token = forgedHs(s, { email: 'evil@example.com\r\nX-Injected: yes' });
  const before = seen.length;
  const res = await viaNginx('/api/x', token);
  assert.equal(res.status, 200);
  const got = seen.slice(before);
  assert.equal(got.length, 1);
  assert.equal(got[0].headers['x-injected'], undefined);
  assert.equal(got[0].headers['x-auth-email'], 'evil@example.com%0D%0AX-Injected:%20yes');
  for (const [i, v] of got[0].raw.entries()) assert.doesNotMatch(v, /[\r\n]/, `raw header ${i}`);
});
