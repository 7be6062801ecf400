// @tessera-auth/client: what an app's front end (or a mobile or server-side caller) needs of a
// Tessera server, so nobody hand-writes the refresh interceptor again.
//
// - The access token lives in this object's memory only, never in localStorage.
// - refresh: 'cookie' (browsers): the refresh token stays in Tessera's HttpOnly cookie and no
//   response body the page can read ever holds it (X-Tessera-Refresh: cookie-only).
//   refresh: 'body' (mobile, server to server): the refresh token is kept in the `storage` the
//   caller provides ({ get, set, remove }, each may return a promise).
// - A refresh happens once for all concurrent callers (single flight) and, in a browser with Web
//   Locks, once across the tabs of an origin; a token about to expire is refreshed before it is
//   sent, and a 401 from the API is answered by one refresh and one retry, never a loop.
// - A refresh Tessera refuses (401: the session was revoked, expired or reused) signs the user
//   out and tells the app through onSessionChange(null); a refresh that merely failed (network,
//   429, 503) throws and keeps the session.
import { TesseraError, errorOf, jsonOf } from './errors.js';

export { TesseraError };

// The storage of refresh: 'body' when the caller wants nothing to outlive the process.
export function memoryStorage() {
  let value = null;
  return {
    get: () => value,
    set: (token) => {
      value = token;
    },
    remove: () => {
      value = null;
    },
  };
}

function baseOf(baseUrl) {
  const bad = () => new TesseraError({
    code: 'invalid_base_url',
    detail: `baseUrl must be an absolute http:// or https:// URL, not ${JSON.stringify(String(baseUrl))}`,
  });
  let u;
  try {
    u = new URL(String(baseUrl));
  } catch {
    throw bad();
  }
  if ((u.protocol !== 'http:' && u.protocol !== 'https:') || u.search || u.hash) throw bad();
  return u.href.replace(/\/+$/, '');
}

const invalidOption = (detail) => new TesseraError({ code: 'invalid_option', detail });
const signedOutError = () => new TesseraError({ status: 401, code: 'signed_out', detail: 'nobody is logged in' });

export function createClient({
  baseUrl,
  refresh = 'cookie',
  storage,
  fetch: fetchImpl,
  refreshMarginSeconds = 30,
  now = () => Date.now(),
  crossTab = true,
} = {}) {
  const base = baseOf(baseUrl);
  if (refresh !== 'cookie' && refresh !== 'body') throw invalidOption("refresh must be 'cookie' or 'body'");
  if (refresh === 'body' && (!storage || typeof storage.get !== 'function' || typeof storage.set !== 'function' ||
      typeof storage.remove !== 'function')) {
    throw invalidOption("refresh: 'body' needs a storage with get, set and remove");
  }
  const doFetch = fetchImpl ?? ((...args) => globalThis.fetch(...args));
  const lockName = `tessera-refresh ${base}`;

  let access = null;  // { token, expiresAt } (ms)
  let user = null;
  let inflight = null;
  const listeners = new Set();

  function announce(u) {
    for (const listener of [...listeners]) {
      try {
        listener(u);
      } catch (err) {
        setTimeout(() => { throw err; });  // the app's bug, reported as such; the client goes on
      }
    }
  }

  async function send(method, path, { body, token } = {}) {
    const headers = { Accept: 'application/json' };
    if (refresh === 'cookie') headers['X-Tessera-Refresh'] = 'cookie-only';
    if (body !== undefined) headers['Content-Type'] = 'application/json';
    if (token) headers.Authorization = `Bearer ${token}`;
    try {
      return await doFetch(base + path, {
        method,
        headers,
        body: body === undefined ? undefined : JSON.stringify(body),
        credentials: refresh === 'cookie' ? 'include' : 'omit',
        cache: 'no-store',
      });
    } catch (cause) {
      throw new TesseraError({ code: 'network_error', detail: `could not reach ${base}`, cause });
    }
  }

  async function read(res) {
    if (!res.ok) throw await errorOf(res);
    if (res.status === 204) return null;
    const data = await jsonOf(res);
    if (data === null) {
      throw new TesseraError({ status: res.status, code: 'bad_response', detail: 'the answer is not JSON' });
    }
    return data;
  }

  // Takes a token response: keeps the access token (and the refresh token in body mode).
  async function adopt(tokens, { announced } = { announced: true }) {
    if (!tokens || typeof tokens.access_token !== 'string' || !Number.isFinite(tokens.expires_in)) {
      throw new TesseraError({ status: 200, code: 'bad_response', detail: 'not a token response' });
    }
    if (refresh === 'body') {
      if (typeof tokens.refresh_token !== 'string') {
        throw new TesseraError({ status: 200, code: 'bad_response', detail: 'the token response has no refresh_token' });
      }
      await storage.set(tokens.refresh_token);
    }
    access = { token: tokens.access_token, expiresAt: now() + tokens.expires_in * 1000 };
    const changed = user === null || user.id !== tokens.user?.id;
    user = tokens.user ?? user;
    if (announced && changed) announce(user);
    return tokens;
  }

  async function signOut() {
    const was = access !== null || user !== null;
    access = null;
    user = null;
    if (refresh === 'body') await storage.remove();
    if (was) announce(null);
  }

  // One rotation: true when it worked, false when Tessera refused it (signed out); other
  // failures are thrown and change nothing.
  async function rotate() {
    let res;
    if (refresh === 'body') {
      const token = await storage.get();
      if (!token) {
        await signOut();
        return false;
      }
      res = await send('POST', '/auth/refresh', { body: { refresh_token: token } });
    } else {
      res = await send('POST', '/auth/refresh');
    }
    if (res.ok) {
      await adopt(await read(res), { announced: user === null });
      return true;
    }
    if (res.status === 401) {
      await signOut();
      return false;
    }
    throw await errorOf(res);
  }

  function refreshOnce() {
    if (!inflight) {
      const locks = crossTab && typeof navigator !== 'undefined' ? navigator.locks : undefined;
      const run = locks?.request ? locks.request(lockName, rotate) : rotate();
      inflight = Promise.resolve(run).finally(() => {
        inflight = null;
      });
    }
    return inflight;
  }

  const expiringSoon = () => access === null || now() >= access.expiresAt - refreshMarginSeconds * 1000;

  // A token fit to send: refreshed first when missing or about to expire.
  async function currentToken() {
    if (expiringSoon() && !(await refreshOnce())) throw signedOutError();
    return access.token;
  }

  // Sends with the token; on a 401 `refused(res)` says is the token's fault, refreshes once
  // (unless another caller already did since this one sent) and retries once.
  async function withToken(sendWith, refused) {
    const used = await currentToken();
    const res = await sendWith(used);
    if (res.status !== 401 || !(await refused(res))) return res;
    if ((access === null || access.token === used) && !(await refreshOnce())) throw signedOutError();
    if (access === null) throw signedOutError();
    return sendWith(access.token);
  }

  const tokenRefused = async (res) => {
    const p = await jsonOf(res.clone());
    return !p || p.code === 'invalid_token' || p.code === 'missing_token';
  };

  // A call of Tessera's own API as the logged-in user.
  const call = async (method, path, body) =>
    read(await withToken((token) => send(method, path, { body, token }), tokenRefused));

  // A call of the app's own API with the user's access token: any 401 counts as the token's.
  async function appFetch(input, init = {}) {
    return withToken(async (token) => {
      const headers = new Headers(init.headers);
      headers.set('Authorization', `Bearer ${token}`);
      try {
        return await doFetch(input, { ...init, headers });
      } catch (cause) {
        throw new TesseraError({ code: 'network_error', detail: 'the request did not reach the API', cause });
      }
    }, async () => true);
  }

  const anonymous = async (method, path, body) => read(await send(method, path, { body }));

  return {
    fetch: appFetch,
    refresh: refreshOnce,
    getAccessToken: currentToken,
    get user() {
      return user;
    },
    isLoggedIn: () => access !== null,
    onSessionChange(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },

    async signup({ email, username, password }) {
      const body = { password };
      if (email) body.email = email;
      if (username) body.username = username;
      const res = await anonymous('POST', '/auth/signup', body);
      if (typeof res?.access_token === 'string') await adopt(res);
      return res.user;  // TESSERA_REQUIRE_VERIFIED: an account and no session yet
    },
    async login(identifier, password) {
      await adopt(await anonymous('POST', '/auth/login', { login: identifier, password }));
      return user;
    },
    // The second step after a login that threw mfa_required (err.problem.mfa_ticket).
    async loginMfa(ticket, method, code) {
      await adopt(await anonymous('POST', '/auth/login/mfa', { mfa_ticket: ticket, method, code }));
      return user;
    },
    // Ends this session at Tessera and here. Never throws: the token is forgotten either way.
    async logout() {
      const token = access?.token;
      const body = refresh === 'body' ? { refresh_token: (await storage.get()) ?? undefined } : undefined;
      try {
        await send('POST', '/auth/logout', { body, token });
      } catch {
        // unreachable server: the local sign-out below still happens
      }
      await signOut();
    },
    async logoutAll() {
      await call('POST', '/auth/logout-all');
      await signOut();
    },
    me: () => call('GET', '/auth/me'),
    sessions: async () => (await call('GET', '/auth/sessions')).sessions,
    revokeSession: (id) => call('DELETE', `/auth/sessions/${encodeURIComponent(id)}`),
    async changePassword(currentPassword, newPassword) {
      await adopt(await call('POST', '/auth/password', { current_password: currentPassword, new_password: newPassword }),
        { announced: false });
      return user;
    },
    forgotPassword: (email) => anonymous('POST', '/auth/password/forgot', { email }).then(() => undefined),
    resetPassword: (token, newPassword) =>
      anonymous('POST', '/auth/password/reset', { token, new_password: newPassword }).then(() => undefined),
    verifyEmail: (token) => anonymous('POST', '/auth/verify-email', { token }),
    resendVerification: (email) => anonymous('POST', '/auth/verify-email/resend', { email }).then(() => undefined),
  };
}
