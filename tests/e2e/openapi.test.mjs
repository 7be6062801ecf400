// GET /openapi.json and the document itself (docs/openapi.json): served byte for byte as
// written, valid OpenAPI 3.1 for a real validator (@readme/openapi-parser), schemas that are
// valid JSON Schema 2020-12, and a description of what the running server really answers —
// every documented operation exists and answers only documented statuses and shapes.
// (tests/unit/api/openapi_test.cpp checks the document against the route table itself.)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { validate, compileErrors } from '@readme/openapi-parser';
import { useTessera } from './support/tessera.mjs';
import { signup, GOOD_PASSWORD } from './support/http.mjs';
import { assertProblem } from './support/expect.mjs';
import { DOC, DOC_TEXT, assertDocumented, assertSchema, makeAjv } from './support/openapi.mjs';

const t = useTessera();
const { api } = t;

const METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'];
const operations = () => Object.entries(DOC.paths).flatMap(([path, item]) =>
  Object.keys(item).filter((m) => METHODS.includes(m)).map((m) => ({ method: m.toUpperCase(), path, op: item[m] })));

// The router's own 404 for a path it does not know (an unknown resource says more).
const isNoRoute = (res) => res.status === 404 && res.body?.detail === 'There is nothing here.';

test('GET /openapi.json serves docs/openapi.json byte for byte as application/json, cacheable for 300 s', async () => {
  const res = await api.get('/openapi.json');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'application/json');
  assert.equal(res.headers.get('cache-control'), 'public, max-age=300');
  assert.equal(res.text, DOC_TEXT);
  assert.equal(res.body.openapi, '3.1.0');
});

test('HEAD /openapi.json answers like GET without a body, and other methods are 405 with Allow', async () => {
  const head = await api.call('HEAD', '/openapi.json');
  assert.equal(head.status, 200);
  assert.equal(head.text, '');
  const post = await api.post('/openapi.json', { json: {} });
  assertProblem(post, 405, 'method_not_allowed');
  assert.equal(post.headers.get('allow'), 'GET, HEAD');
});

test('the document is valid OpenAPI 3.1 for @readme/openapi-parser, with no warnings', async () => {
  const result = await validate(structuredClone(DOC));
  assert.equal(result.valid, true, result.valid ? '' : compileErrors(result));
  assert.deepEqual(result.warnings, []);
});

test('the validator is not a rubber stamp: broken copies of the document are refused', async () => {
  const broken = [
    (d) => { delete d.paths['/admin/users/{id}'].parameters; }, // {id} no longer declared
    (d) => { d.paths['/data'].get.operationId = 'getMe'; }, // duplicate operationId
    (d) => { delete d.paths['/auth/me'].get.responses['200'].description; }, // a response needs one
    (d) => { d.openapi = '3.1'; }, // not a version string the schema accepts
  ];
  for (const mutate of broken) {
    const copy = structuredClone(DOC);
    mutate(copy);
    const result = await validate(copy);
    assert.equal(result.valid, false, `accepted: ${mutate}`);
  }
});

test('every component schema is valid JSON Schema 2020-12 (strict: no unknown keywords or types)', () => {
  const ajv = makeAjv();
  for (const name of Object.keys(DOC.components.schemas)) {
    assert.ok(ajv.getSchema(`https://tessera.test/openapi#/$defs/${name}`), name);
  }
  const bad = structuredClone(DOC.components.schemas.User);
  bad.type = 'objekt';
  assert.throws(() => makeAjv().compile(bad));
});

test('every operation declares security, the role for admin routes, and both body encodings', () => {
  const ops = operations();
  assert.ok(ops.length >= 32, `${ops.length} operations`);
  for (const { method, path, op } of ops) {
    if (path.startsWith('/admin/')) {
      assert.deepEqual(op.security, [{ bearerAuth: ['admin'] }], `${method} ${path}`);
      assert.equal(op['x-required-role'], 'admin');
      assert.ok(op.responses['403'] && op.responses['401'], `${method} ${path}`);
    }
    if (op.requestBody) {
      // Many users at once come as NDJSON; every other body as JSON or a form.
      const types = path === '/admin/users/import' ? ['application/x-ndjson'] : ['application/json', 'application/x-www-form-urlencoded'];
      assert.deepEqual(Object.keys(op.requestBody.content).sort(), types, `${method} ${path}`);
    }
  }
  const { bearerAuth } = DOC.components.securitySchemes;
  assert.deepEqual([bearerAuth.type, bearerAuth.scheme, bearerAuth.bearerFormat], ['http', 'bearer', 'JWT']);
  assert.equal(DOC.components.securitySchemes.refreshCookie.type, 'apiKey');
  assert.equal(DOC.components.securitySchemes.refreshCookie.in, 'cookie');
  assert.equal(DOC.components.securitySchemes.refreshCookie.name, 'refresh_token');
});

test('every documented operation exists on the server and, called anonymously, answers a documented status and shape', async () => {
  for (const { method, path } of operations()) {
    const concrete = path.replace(/\{[^}]+\}/g, randomUUID());
    const res = await api.call(method, concrete);
    assert.notEqual(res.status, 405, `${method} ${path}: method not allowed`);
    assert.equal(isNoRoute(res), false, `${method} ${path}: the server has no such route`);
    if (method !== 'HEAD') assertDocumented(method, path, res);
  }
});

test('the probe above can fail: an undocumented path is the router\'s 404, an undocumented method 405', async () => {
  assert.equal(isNoRoute(await api.get('/auth/whoami')), true);
  assert.equal((await api.call('PUT', `/admin/users/${randomUUID()}`)).status, 405);
});

test('what a signed-in user gets matches the documented schemas', async () => {
  const s = await signup(api, { headers: { 'user-agent': 'openapi-e2e' } });
  assertDocumented('POST', '/auth/signup', s.res);
  const login = await api.post('/auth/login', { form: { email: s.email, password: GOOD_PASSWORD } });
  assertDocumented('POST', '/auth/login', login);
  const cookieOnly = await api.post('/auth/login', { json: { login: s.email, password: GOOD_PASSWORD }, headers: { 'x-tessera-refresh': 'cookie-only' } });
  assert.equal('refresh_token' in assertDocumented('POST', '/auth/login', cookieOnly), false);
  const token = { token: s.access };
  assertDocumented('GET', '/auth/me', await api.get('/auth/me', token));
  const sessions = assertDocumented('GET', '/auth/sessions', await api.get('/auth/sessions', token));
  assert.equal(sessions.sessions.length, 3);
  assertDocumented('GET', '/data', await api.get('/data', token));
  assertDocumented('GET', '/profile', await api.get('/profile', token));
  const unverified = await api.get('/data/verified', token);
  assertDocumented('GET', '/data/verified', unverified);
  assertProblem(unverified, 403, 'email_not_verified');
  assertDocumented('POST', '/auth/refresh', await api.post('/auth/refresh', { json: { refresh_token: s.refresh } }));
  assertDocumented('POST', '/auth/password', await api.post('/auth/password', { json: { current_password: GOOD_PASSWORD, new_password: 'password' }, token: login.body.access_token }));
  assertDocumented('GET', '/.well-known/jwks.json', await api.get('/.well-known/jwks.json'));
  assertDocumented('GET', '/.well-known/openid-configuration', await api.get('/.well-known/openid-configuration'));
  assertDocumented('GET', '/healthz', await api.get('/healthz'));
  assertDocumented('GET', '/readyz', await api.get('/readyz'));
  assertDocumented('POST', '/auth/password/forgot', await api.post('/auth/password/forgot', { json: { email: s.email } }));
  assertDocumented('POST', '/login', await api.post('/login', { json: { email: s.email, password: GOOD_PASSWORD } }));
  assertDocumented('POST', '/signup', await api.post('/signup', { json: { email: s.email, password: GOOD_PASSWORD } }));
  assertDocumented('POST', '/auth/logout-all', await api.post('/auth/logout-all', { token: login.body.access_token }));
});

test('the shape check can fail: a body with a member the schema does not list is refused', () => {
  const user = { id: randomUUID(), email: null, username: 'ann', email_verified: false, roles: [], disabled: false, created_at: '2026-11-23T10:00:00Z' };
  assertSchema('User', user);
  assert.throws(() => assertSchema('User', { ...user, password_hash: 'x' }));
  assert.throws(() => assertSchema('User', { ...user, created_at: 'yesterday' }));
  assert.throws(() => assertSchema('Problem', { type: 'about:blank', title: 'x', status: 401, code: 'not_a_code', detail: 'x' }));
});

test('the hosted pages and their assets answer as documented: 200 with an ETag, then 304 for it', async () => {
  for (const [pattern, path] of [['/', '/'], ['/account', '/account'], ['/assets/{file}', '/assets/tessera.css'], ['/assets/{file}', '/assets/login.js']]) {
    const res = await api.get(path);
    assertDocumented('GET', pattern, res);
    const etag = res.headers.get('etag');
    assert.ok(etag, `${path} has an ETag`);
    assert.equal(res.headers.get('cache-control'), 'no-cache');
    const again = await api.get(path, { headers: { 'if-none-match': etag } });
    assert.equal(again.status, 304);
    assertDocumented('GET', pattern, again);
  }
  assertDocumented('GET', '/assets/{file}', await api.get('/assets/..%2Fsecret'));
});
