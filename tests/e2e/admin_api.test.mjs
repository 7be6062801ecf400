// The admin API (SPEC §2, role `admin`): GET/PATCH/DELETE /admin/users/{id}, GET /admin/users
// (search and paging), POST /admin/users/{id}/revoke-sessions, GET /admin/audit. Who may call
// them, the exact shapes (checked against docs/openapi.json), and what each change does to the
// account's tokens: disabling and deleting stop them at once, a role change shows in the next
// access token and not before, and an admin cannot lock themselves out.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { useTessera } from './support/tessera.mjs';
import { setUp } from './support/suite.mjs';
import { signup, login, jwtClaims, GOOD_PASSWORD } from './support/http.mjs';
import { assertProblem, assertInvalidToken, BARE_CHALLENGE } from './support/expect.mjs';
import { assertDocumented } from './support/openapi.mjs';
import { makeAdmin } from './support/admin.mjs';

const t = useTessera();
const { api } = t;
let admin; // a session of an admin
setUp(async () => {
  admin = await makeAdmin(t, api);
});

const as = (session) => ({ token: session.access });
const adminGet = (path) => api.get(path, as(admin));
const patchUser = (id, json, session = admin) => api.patch(`/admin/users/${id}`, { json, token: session.access });
const refresh = (token) => api.post('/auth/refresh', { json: { refresh_token: token } });

// Every admin route, with a concrete path for user `id`.
const adminRoutes = (id) => [
  ['GET', '/admin/users', '/admin/users', undefined],
  ['GET', '/admin/users/{id}', `/admin/users/${id}`, undefined],
  ['PATCH', '/admin/users/{id}', `/admin/users/${id}`, { disabled: false }],
  ['DELETE', '/admin/users/{id}', `/admin/users/${id}`, undefined],
  ['POST', '/admin/users/{id}/revoke-sessions', `/admin/users/${id}/revoke-sessions`, undefined],
  ['GET', '/admin/audit', '/admin/audit', undefined],
];

// ------------------------------------------------------------------------ who may call them

test('without a token every admin route answers 401 missing_token with the bare challenge', async () => {
  const victim = await signup(api);
  for (const [method, pattern, path, json] of adminRoutes(victim.user.id)) {
    const res = await api.call(method, path, { json });
    assertProblem(res, 401, 'missing_token');
    assert.equal(res.headers.get('www-authenticate'), BARE_CHALLENGE, `${method} ${path}`);
    assertDocumented(method, pattern, res);
  }
  assert.equal((await adminGet(`/admin/users/${victim.user.id}`)).status, 200, 'the user is untouched');
});

test('with a user\'s token (no admin role) every admin route answers 403 forbidden and changes nothing', async () => {
  const user = await signup(api);
  const victim = await signup(api);
  for (const [method, pattern, path, json] of adminRoutes(victim.user.id)) {
    const res = await api.call(method, path, { json, token: user.access });
    assertProblem(res, 403, 'forbidden');
    assertDocumented(method, pattern, res);
  }
  assert.equal((await api.get('/data', as(victim))).status, 200, 'the victim\'s session still works');
  assert.equal((await adminGet(`/admin/users/${victim.user.id}`)).body.disabled, false);
});

test('a forged or tampered token is 401 invalid_token on an admin route, even one claiming the role', async () => {
  const [h, p, sig] = admin.access.split('.');
  const claims = { ...jwtClaims(admin.access), roles: ['admin', 'root'] };
  const forged = `${h}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}.${sig}`;
  assertInvalidToken(await api.get('/admin/users', { token: forged }));
  assertInvalidToken(await api.get('/admin/users', { token: `${h}.${p}.${sig.slice(0, -4)}AAAA` }));
});

test('another role is not admin: a token with roles [editor] gets 403', async () => {
  const editor = await signup(api);
  assert.equal((await patchUser(editor.user.id, { roles: ['editor'] })).status, 200);
  const again = await login(api, editor);
  assert.deepEqual(jwtClaims(again.access).roles, ['editor']);
  assertProblem(await api.get('/admin/users', as(again)), 403, 'forbidden');
});

// ---------------------------------------------------------------------------------- reading

test('GET /admin/users/{id} answers 200 with the exact user shape', async () => {
  const u = await signup(api, { username: `ann_${Date.now() % 1e6}` });
  const res = await adminGet(`/admin/users/${u.user.id}`);
  assert.equal(res.status, 200);
  assert.match(res.headers.get('content-type'), /^application\/json/);
  const body = assertDocumented('GET', '/admin/users/{id}', res);
  assert.deepEqual(Object.keys(body).sort(), ['created_at', 'disabled', 'email', 'email_verified', 'id', 'roles', 'username']);
  assert.deepEqual(body, { ...u.user });
  assert.equal(body.email, u.email.toLowerCase());
});

test('GET /admin/users/{id} for an unknown uuid, and for an id that is no uuid, answers 404 not_found', async () => {
  for (const id of [randomUUID(), 'not-a-uuid', '1', `${randomUUID()}x`, "x' OR '1'='1"]) {
    const res = await adminGet(`/admin/users/${encodeURIComponent(id)}`);
    assertProblem(res, 404, 'not_found');
    assert.equal(res.body.detail, 'There is no such user.');
    assertDocumented('GET', '/admin/users/{id}', res);
  }
});

test('GET /admin/users searches emails and usernames case-insensitively, and answers total', async () => {
  const tag = `srch${Date.now() % 1e8}`;
  const a = await signup(api, { email: `${tag}-a@example.com` });
  const b = await signup(api, { email: `other-${Date.now()}@example.com`, username: `${tag}_b` });
  await signup(api); // not matching
  const res = await adminGet(`/admin/users?query=${tag.toUpperCase()}`);
  const body = assertDocumented('GET', '/admin/users', res);
  assert.deepEqual(body.users.map((u) => u.id), [a.user.id, b.user.id], 'oldest first');
  assert.equal(body.total, 2);
  assert.equal(body.page, 1);
  assert.equal(body.per_page, 50);
  const none = (await adminGet(`/admin/users?query=${tag}-nobody`)).body;
  assert.deepEqual(none, { users: [], page: 1, per_page: 50, total: 0 });
  // LIKE wildcards in the query are plain characters: nobody's address holds '%', and '_'
  // matches only the username that has one.
  assert.equal((await adminGet('/admin/users?query=%25')).body.total, 0);
  assert.deepEqual((await adminGet(`/admin/users?query=${tag}_`)).body.users.map((u) => u.id), [b.user.id]);
});

test('GET /admin/users pages 50 at a time: pages 1, 2 and 3 of 55 matching users hold 50, 5 and 0', async () => {
  const tag = `page${Date.now() % 1e8}`;
  const ids = [];
  for (let i = 0; i < 55; i += 1) ids.push((await signup(api, { email: `${tag}-${String(i).padStart(2, '0')}@example.com` })).user.id);
  const pages = [];
  for (const page of [1, 2, 3]) {
    const res = await adminGet(`/admin/users?query=${tag}&page=${page}`);
    pages.push(assertDocumented('GET', '/admin/users', res));
  }
  assert.deepEqual(pages.map((p) => p.users.length), [50, 5, 0]);
  assert.deepEqual(pages.map((p) => p.page), [1, 2, 3]);
  assert.deepEqual(pages.map((p) => p.total), [55, 55, 55]);
  assert.deepEqual([...pages[0].users, ...pages[1].users].map((u) => u.id), ids, 'every user once, in creation order');
});

test('GET /admin/users refuses a page that is not a whole number from 1 with 400 invalid_request', async () => {
  for (const page of ['0', '-1', 'abc', '1.5', '2x', '99999999999']) {
    const res = await adminGet(`/admin/users?page=${page}`);
    assertProblem(res, 400, 'invalid_request');
    assert.match(res.body.detail, /page/);
  }
  assert.equal((await adminGet('/admin/users?page=')).status, 200, 'empty: the first page');
});

// --------------------------------------------------------------------------------- changing

test('PATCH /admin/users/{id} sets roles (the complete, normalised set), email_verified and disabled', async () => {
  const u = await signup(api);
  const res = await patchUser(u.user.id, { roles: ['Editor', 'billing:read', 'editor'], email_verified: true });
  const body = assertDocumented('PATCH', '/admin/users/{id}', res);
  assert.deepEqual(body.roles, ['billing:read', 'editor']);
  assert.equal(body.email_verified, true);
  assert.equal(body.disabled, false);
  const again = (await patchUser(u.user.id, { roles: [] })).body;
  assert.deepEqual(again.roles, []);
  assert.equal(again.email_verified, true, 'members left out stay as they are');
  assert.deepEqual((await adminGet(`/admin/users/${u.user.id}`)).body, again);
});

test('PATCH /admin/users/{id} takes a form body too: roles comma-separated, booleans as true/false', async () => {
  const u = await signup(api);
  const res = await api.patch(`/admin/users/${u.user.id}`, { form: { roles: 'support,editor', email_verified: 'true' }, token: admin.access });
  const body = assertDocumented('PATCH', '/admin/users/{id}', res);
  assert.deepEqual(body.roles, ['editor', 'support']);
  assert.equal(body.email_verified, true);
  assertProblem(await api.patch(`/admin/users/${u.user.id}`, { form: { disabled: 'yes' }, token: admin.access }), 400, 'invalid_request');
});

test('PATCH /admin/users/{id} with a member of the wrong type answers 400 invalid_request naming it, and changes nothing', async () => {
  const u = await signup(api);
  const cases = [
    [{ roles: 'admin' }, /roles/],
    [{ roles: [1] }, /roles/],
    [{ roles: [['admin']] }, /roles/],
    [{ roles: ['has space'] }, /roles/],
    [{ roles: [''] }, /roles/],
    [{ roles: ['x'.repeat(65)] }, /roles/],
    [{ roles: Array.from({ length: 33 }, (_, i) => `r${i}`) }, /roles/],
    [{ disabled: 'true' }, /disabled/],
    [{ disabled: 1 }, /disabled/],
    [{ email_verified: 'yes' }, /email_verified/],
    [{ email_verified: {} }, /email_verified/],
  ];
  for (const [json, field] of cases) {
    const res = await patchUser(u.user.id, { ...json });
    assertProblem(res, 400, 'invalid_request');
    assert.match(res.body.detail, field, JSON.stringify(json));
    assertDocumented('PATCH', '/admin/users/{id}', res);
  }
  for (const raw of ['{"disabled":true,"disabled":false}', '[]', '{"roles":', 'null']) {
    const res = await api.patch(`/admin/users/${u.user.id}`, { json: raw, token: admin.access });
    assertProblem(res, 400, 'invalid_request');
  }
  const res = await api.patch(`/admin/users/${u.user.id}`, { raw: 'disabled=true', headers: { 'content-type': 'text/plain' }, token: admin.access });
  assertProblem(res, 415, 'unsupported_media_type');
  const now = (await adminGet(`/admin/users/${u.user.id}`)).body;
  assert.deepEqual(now, u.user, 'nothing changed');
  assert.equal((await api.get('/data', as(u))).status, 200);
});

test('PATCH and DELETE and revoke-sessions on an unknown uuid or a non-uuid id answer 404 not_found', async () => {
  for (const id of [randomUUID(), 'nope']) {
    const patch = await patchUser(id, { disabled: true });
    assertProblem(patch, 404, 'not_found');
    assertDocumented('PATCH', '/admin/users/{id}', patch);
    const del = await api.del(`/admin/users/${id}`, as(admin));
    assertProblem(del, 404, 'not_found');
    assertDocumented('DELETE', '/admin/users/{id}', del);
    const revoke = await api.post(`/admin/users/${id}/revoke-sessions`, as(admin));
    assertProblem(revoke, 404, 'not_found');
    assertDocumented('POST', '/admin/users/{id}/revoke-sessions', revoke);
  }
});

test('an empty PATCH changes nothing and answers the user', async () => {
  const u = await signup(api);
  const res = await patchUser(u.user.id, {});
  assert.equal(res.status, 200);
  assert.deepEqual(res.body, u.user);
  assert.equal((await api.get('/data', as(u))).status, 200);
});

// ------------------------------------------------------------------- what changes do to tokens

test('disabling a user refuses their access token on the very next request, and their refresh token', async () => {
  const u = await signup(api);
  const second = await login(api, u);
  assert.equal((await api.get('/data', as(u))).status, 200); // verified and cached first
  const res = await patchUser(u.user.id, { disabled: true });
  assert.equal(assertDocumented('PATCH', '/admin/users/{id}', res).disabled, true);
  assertInvalidToken(await api.get('/data', as(u)));
  assertInvalidToken(await api.get('/data', as(second)));
  assertProblem(await refresh(u.refresh), 401, 'invalid_refresh_token');
  assertProblem(await refresh(second.refresh), 401, 'invalid_refresh_token');
});

test('a disabled user\'s login answers 403 account_disabled only with the right password; a wrong one is 401', async () => {
  const u = await signup(api);
  await patchUser(u.user.id, { disabled: true });
  const right = await api.post('/auth/login', { json: { email: u.email, password: GOOD_PASSWORD } });
  assertProblem(right, 403, 'account_disabled');
  assertDocumented('POST', '/auth/login', right);
  const wrong = await api.post('/auth/login', { json: { email: u.email, password: `${GOOD_PASSWORD}-wrong` } });
  assertProblem(wrong, 401, 'invalid_credentials');
  assert.equal(wrong.body.detail, 'Invalid email or password.');
  assertProblem(await api.post('/login', { json: { email: u.email, password: GOOD_PASSWORD } }), 403, 'account_disabled');
  // Enabled again, the same password logs in; the old tokens stay dead.
  assert.equal((await patchUser(u.user.id, { disabled: false })).body.disabled, false);
  const back = await login(api, u);
  assert.equal((await api.get('/data', as(back))).status, 200);
  assertInvalidToken(await api.get('/data', as(u)));
});

test('a role change shows in the next access token (after refresh or login) and not before', async () => {
  const u = await signup(api);
  assert.deepEqual(jwtClaims(u.access).roles, []);
  assert.equal((await patchUser(u.user.id, { roles: ['admin'] })).status, 200);
  // The token issued before the change still works, and still carries no role: no admin powers.
  assert.equal((await api.get('/data', as(u))).status, 200);
  assertProblem(await api.get('/admin/users', as(u)), 403, 'forbidden');
  // The next token, by refresh, carries the role and opens the admin API.
  const refreshed = await refresh(u.refresh);
  assert.equal(refreshed.status, 200);
  assert.deepEqual(jwtClaims(refreshed.body.access_token).roles, ['admin']);
  assert.deepEqual(refreshed.body.user.roles, ['admin']);
  assert.equal((await api.get('/admin/users', { token: refreshed.body.access_token })).status, 200);
  // And by login.
  assert.deepEqual(jwtClaims((await login(api, u)).access).roles, ['admin']);
  // Taking the role away shows the same way.
  assert.equal((await patchUser(u.user.id, { roles: [] })).status, 200);
  const later = await refresh(refreshed.body.refresh_token);
  assert.deepEqual(jwtClaims(later.body.access_token).roles, []);
  assertProblem(await api.get('/admin/users', { token: later.body.access_token }), 403, 'forbidden');
});

test('email_verified set by an admin opens /data/verified with the next token', async () => {
  const u = await signup(api);
  assertProblem(await api.get('/data/verified', as(u)), 403, 'email_not_verified');
  assert.equal((await patchUser(u.user.id, { email_verified: true })).body.email_verified, true);
  const next = await refresh(u.refresh);
  assert.equal(jwtClaims(next.body.access_token).email_verified, true);
  assert.equal((await api.get('/data/verified', { token: next.body.access_token })).status, 200);
});

test('DELETE /admin/users/{id} answers 204; the user\'s tokens stop at once and their login fails', async () => {
  const u = await signup(api);
  assert.equal((await api.get('/data', as(u))).status, 200);
  const res = await api.del(`/admin/users/${u.user.id}`, as(admin));
  assert.equal(res.status, 204);
  assert.equal(res.text, '');
  assertDocumented('DELETE', '/admin/users/{id}', res);
  assertInvalidToken(await api.get('/data', as(u)));
  assertProblem(await refresh(u.refresh), 401, 'invalid_refresh_token');
  assertProblem(await api.post('/auth/login', { json: { email: u.email, password: GOOD_PASSWORD } }), 401, 'invalid_credentials');
  assertProblem(await adminGet(`/admin/users/${u.user.id}`), 404, 'not_found');
  assertProblem(await api.del(`/admin/users/${u.user.id}`, as(admin)), 404, 'not_found');
  // The address is free again.
  assert.equal((await api.post('/auth/signup', { json: { email: u.email, password: GOOD_PASSWORD } })).status, 201);
});

test('POST /admin/users/{id}/revoke-sessions answers 204 and ends every session of the user, and only theirs', async () => {
  const u = await signup(api);
  const second = await login(api, u);
  const bystander = await signup(api);
  const res = await api.post(`/admin/users/${u.user.id}/revoke-sessions`, as(admin));
  assert.equal(res.status, 204);
  assert.equal(res.text, '');
  assertDocumented('POST', '/admin/users/{id}/revoke-sessions', res);
  for (const s of [u, second]) {
    assertInvalidToken(await api.get('/data', as(s)));
    assertProblem(await refresh(s.refresh), 401, 'invalid_refresh_token');
  }
  assert.equal((await api.get('/data', as(bystander))).status, 200);
  // The account itself is fine: it logs in again.
  const back = await login(api, u);
  assert.deepEqual((await api.get('/auth/sessions', as(back))).body.sessions.length, 1);
});

// ------------------------------------------------------------------------------- self-lockout

test('an admin cannot disable, delete or un-admin themselves (403 forbidden), and stays an admin', async () => {
  const me = await makeAdmin(t, api);
  const id = me.user.id;
  for (const json of [{ disabled: true }, { roles: [] }, { roles: ['editor'] }, { roles: ['admin'], disabled: true }]) {
    const res = await patchUser(id, json, me);
    assertProblem(res, 403, 'forbidden');
    assertDocumented('PATCH', '/admin/users/{id}', res);
  }
  const del = await api.del(`/admin/users/${id}`, as(me));
  assertProblem(del, 403, 'forbidden');
  assertDocumented('DELETE', '/admin/users/{id}', del);
  const now = (await api.get(`/admin/users/${id}`, as(me))).body;
  assert.deepEqual([now.roles, now.disabled], [['admin'], false]);
  assert.equal((await api.get('/admin/users', as(me))).status, 200);
  // Keeping the role while adding another is allowed; another admin may act on this one.
  assert.deepEqual((await patchUser(id, { roles: ['admin', 'editor'] }, me)).body.roles, ['admin', 'editor']);
  assert.equal((await patchUser(id, { roles: ['editor'] })).status, 200, 'a second admin can');
});
