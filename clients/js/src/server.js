// @tessera-auth/client/server: verifying Tessera's access tokens in an app's own API (Node >= 20).
//
// check: 'local' verifies the signature with the public keys of Tessera's JWKS (fetched once and
// cached by `jose`, refetched when a token names a key it does not know), pinning the issuer, the
// audience and the algorithms: no call to Tessera per request, but a revoked token (logout,
// password change, disabled account) is accepted until it expires (TESSERA_ACCESS_TTL).
// check: 'remote' asks Tessera's GET /auth/check, which sees revocations at once; an answer is
// kept for `cacheSeconds` (default 5; 0: none), so a revocation may take that long to bite: the
// trade-off between one loopback round trip per request and freshness.
import { createRemoteJWKSet, customFetch, jwtVerify, errors as joseErrors } from 'jose';
import { TesseraError, errorOf } from './errors.js';

export { TesseraError };

const invalid = (detail, status = 401, code = 'invalid_token') => new TesseraError({ status, code, detail });

function urlOf(name, value) {
  try {
    const u = new URL(String(value));
    if (u.protocol === 'http:' || u.protocol === 'https:') return u;
  } catch {
    // reported below
  }
  throw new TesseraError({ code: 'invalid_option', detail: `${name} must be an absolute http(s) URL, not ${JSON.stringify(String(value))}` });
}

// The claims /auth/check vouches for, from its X-Auth-* headers (percent-encoded values).
function claimsOfCheck(headers) {
  const text = (name) => {
    const v = headers.get(name);
    return v === null ? undefined : decodeURIComponent(v);
  };
  const roles = headers.get('x-auth-roles');
  return {
    sub: text('x-auth-user-id'),
    sid: text('x-auth-session-id'),
    email: text('x-auth-email'),
    username: text('x-auth-username'),
    email_verified: headers.get('x-auth-email-verified') === 'true',
    roles: roles ? roles.split(',').filter(Boolean).map(decodeURIComponent) : [],
    aal: text('x-auth-aal') ?? 'aal1',
  };
}

export function createVerifier({
  issuer,
  audience = issuer,
  url = issuer,
  jwksUrl,
  check = 'local',
  algorithms = ['ES256', 'EdDSA', 'RS256'],
  cacheSeconds = 5,
  fetch: fetchImpl,
} = {}) {
  urlOf('issuer', issuer);
  // Where Tessera is reached: its public URL (the issuer) unless the API reaches it otherwise.
  const base = urlOf('url', url).href.replace(/\/+$/, '');
  if (check !== 'local' && check !== 'remote') {
    throw new TesseraError({ code: 'invalid_option', detail: "check must be 'local' or 'remote'" });
  }
  const doFetch = fetchImpl ?? ((...args) => globalThis.fetch(...args));

  if (check === 'local') {
    const jwks = createRemoteJWKSet(urlOf('jwksUrl', jwksUrl ?? `${base}/.well-known/jwks.json`),
      fetchImpl ? { [customFetch]: fetchImpl } : {});
    return {
      async verify(token) {
        if (typeof token !== 'string' || token === '') throw invalid('no access token', 401, 'missing_token');
        try {
          const { payload } = await jwtVerify(token, jwks, { issuer: issuer, audience, algorithms, typ: 'at+jwt' });
          return payload;
        } catch (err) {
          if (err instanceof joseErrors.JOSEError && !(err instanceof joseErrors.JWKSTimeout) &&
              !(err instanceof joseErrors.JWKSInvalid)) {
            throw invalid(err.code ?? err.message);
          }
          throw new TesseraError({ status: 503, code: 'jwks_unavailable', detail: String(err?.message ?? err), cause: err });
        }
      },
    };
  }

  const cache = new Map();  // token -> { claims, until }
  return {
    async verify(token) {
      if (typeof token !== 'string' || token === '') throw invalid('no access token', 401, 'missing_token');
      const hit = cache.get(token);
      if (hit && hit.until > Date.now()) return hit.claims;
      let res;
      try {
        res = await doFetch(`${base}/auth/check`, { headers: { Authorization: `Bearer ${token}` }, cache: 'no-store' });
      } catch (cause) {
        throw new TesseraError({ code: 'network_error', detail: `could not reach ${base}/auth/check`, cause });
      }
      if (!res.ok) throw await errorOf(res);
      const claims = claimsOfCheck(res.headers);
      if (cacheSeconds > 0) {
        if (cache.size > 10000) cache.clear();  // bounded: a flood of tokens cannot grow it
        cache.set(token, { claims, until: Date.now() + cacheSeconds * 1000 });
      }
      return claims;
    },
  };
}

// The bearer token of a request (Node's IncomingMessage or anything with headers.authorization).
function bearerOf(req) {
  const h = req.headers?.authorization ?? '';
  const m = /^Bearer\s+(\S+)\s*$/i.exec(h);
  return m ? m[1] : '';
}

function sendProblem(res, err) {
  const status = err.status >= 400 ? err.status : 500;
  const body = JSON.stringify({
    type: 'about:blank', title: status === 401 ? 'Unauthorized' : status === 403 ? 'Forbidden' : 'Error', status,
    code: err.code, detail: err.detail || err.message,
  });
  res.statusCode = status;
  res.setHeader('Content-Type', 'application/problem+json');
  if (status === 401) res.setHeader('WWW-Authenticate', 'Bearer realm="tessera"');
  if (err.retryAfter) res.setHeader('Retry-After', String(err.retryAfter));
  res.end(body);
}

// A Connect-style middleware (Express, or plain node:http with next): verifies the bearer token,
// then the guards (`roles`: any one of them; `verified`: an email verified; `aal: 'aal2'`: a
// login with a second factor); sets req.auth to the claims, or answers problem+json 401/403.
export function requireAuth(verifier, { roles = [], verified = false, aal } = {}) {
  return (req, res, next) => {
    verifier.verify(bearerOf(req)).then((claims) => {
      const have = Array.isArray(claims.roles) ? claims.roles : [];
      if (roles.length && !roles.some((r) => have.includes(r))) {
        return sendProblem(res, invalid('the token lacks the role', 403, 'forbidden'));
      }
      if (verified && claims.email_verified !== true) {
        return sendProblem(res, invalid('the email is not verified', 403, 'email_not_verified'));
      }
      if (aal === 'aal2' && claims.aal !== 'aal2') {
        return sendProblem(res, invalid('this needs a login with a second factor', 403, 'step_up_required'));
      }
      req.auth = claims;
      return next();
    }, (err) => sendProblem(res, err instanceof TesseraError ? err : new TesseraError({ status: 500, code: 'internal_error' })));
  };
}
