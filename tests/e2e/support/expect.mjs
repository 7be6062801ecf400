// Assertions shared by the black-box suites: exact problem details and token responses.
import assert from 'node:assert/strict';
import { setCookies } from './http.mjs';

export const BARE_CHALLENGE = 'Bearer realm="tessera"';
export const INVALID_TOKEN_CHALLENGE = 'Bearer realm="tessera", error="invalid_token"';

// An RFC 9457 problem with exactly this status and code (and type about:blank).
export function assertProblem(res, status, code) {
  assert.equal(res.status, status, `expected ${status} ${code}, got ${res.status}: ${res.text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json\b/);
  assert.equal(res.body?.type, 'about:blank');
  assert.equal(res.body.status, status);
  assert.equal(res.body.code, code, `expected code ${code}, got ${res.text}`);
  assert.equal(typeof res.body.title, 'string');
  assert.equal(typeof res.body.detail, 'string');
  return res.body;
}

// A 401 for a bad access token: the invalid_token code and the RFC 6750 challenge naming it.
export function assertInvalidToken(res) {
  assertProblem(res, 401, 'invalid_token');
  assert.equal(res.headers.get('www-authenticate'), INVALID_TOKEN_CHALLENGE);
}

// A 200/201 token response in RFC 6749 §5.1 names, not cacheable, with the refresh cookie set
// to the body's refresh token (unless cookieOnly, where the body has none).
export function assertTokenResponse(res, status, { cookieOnly = false, cookieName = 'refresh_token' } = {}) {
  assert.equal(res.status, status, res.text);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json\b/);
  assert.equal(res.headers.get('cache-control'), 'no-store');
  const b = res.body;
  assert.equal(typeof b.access_token, 'string');
  assert.equal(b.access_token.split('.').length, 3);
  assert.equal(b.token_type, 'Bearer');
  assert.ok(Number.isInteger(b.expires_in) && b.expires_in > 0, `expires_in ${b.expires_in}`);
  assert.equal(typeof b.user, 'object');
  const cookie = setCookies(res).find((c) => c.name === cookieName);
  assert.ok(cookie, `no ${cookieName} cookie in ${res.headers.getSetCookie()}`);
  assert.ok(cookie.value.length >= 43, 'the refresh token carries at least 256 bits');
  if (cookieOnly) {
    assert.equal('refresh_token' in b, false);
  } else {
    assert.equal(typeof b.refresh_token, 'string');
    assert.equal(cookie.value, b.refresh_token);
  }
  return b;
}
