// The hosted pages' client of the Tessera API.
//
// - The access token lives in this module's memory only: never in localStorage, sessionStorage
//   or a readable cookie, so a script injected into the page cannot carry it off for later.
// - The refresh token lives only in the HttpOnly `refresh_token` cookie (Path=/auth,
//   SameSite=Strict). Every request says `X-Tessera-Refresh: cookie-only`, so no response body
//   the page can read ever holds it.
// - A request whose access token is missing or refused (401 invalid_token / missing_token)
//   refreshes through the cookie once and is retried once, like the axios interceptor of seed
//   003. Concurrent callers share one refresh, so one rotation serves them all.
// - Errors are ApiError values with a sentence a person can read (`message`), built from the
//   problem+json `code`, `detail`, `reasons` and the Retry-After header.

let accessToken = null;
let refreshing = null;

// Reasons the password policy gives (problem `reasons` of weak_password), in words.
const REASONS = {
  too_short: 'It is too short. Use more characters: a few unrelated words work well.',
  too_common: 'It is on a list of commonly used passwords.',
  too_guessable: 'It would be easy to guess. Add more words or characters.',
  contains_identifier: 'It is built from your email address or username.',
};

// What a person reads for each problem code. Codes whose server `detail` says more precisely
// what to fix (invalid_request, weak_password, forbidden) use the detail instead.
const MESSAGES = {
  invalid_credentials: 'The email, username or password is not right. Check them and try again.',
  account_disabled: 'This account has been disabled. Contact the administrator if you think this is a mistake.',
  email_not_verified: 'Confirm your email address first: open the link in the mail we sent you.',
  account_exists: 'An account with this email or username already exists. Log in, or reset the password if you forgot it.',
  weak_password: 'Choose a stronger password.',
  rate_limited: 'Too many attempts.',
  overloaded: 'The server is busy right now.',
  database_unavailable: 'The service is temporarily unavailable.',
  internal_error: 'Something went wrong on our side. Try again later.',
  csrf_rejected: 'The server refused a request from this page. Reload the page and try again.',
  forbidden: 'You do not have permission to do this.',
  not_found: 'That no longer exists. Reload the page to see what is there now.',
  missing_token: 'You are not logged in, or your session has ended. Log in again.',
  invalid_refresh_token: 'Your session has ended. Log in again.',
  refresh_token_reused: 'Your session was ended for safety. Log in again.',
  signed_out: 'You are not logged in, or your session has ended. Log in again.',
  payload_too_large: 'What you entered is too long.',
  headers_too_large: 'The request was too large. Clear this site\'s cookies and try again.',
  unsupported_media_type: 'The request was refused. Reload the page and try again.',
  method_not_allowed: 'The request was refused. Reload the page and try again.',
  mfa_required: 'Enter the code from your authenticator app.',
  invalid_mfa_code: 'That code is not right, or was used already. Enter the current code from your app.',
  mfa_ticket_invalid: 'The login took too long or had too many wrong codes. Enter your password again.',
  step_up_required: 'Confirm it is you first: enter a code from your authenticator app.',
  mfa_not_enabled: 'Set up an authenticator app first.',
  mfa_already_enabled: 'An authenticator app is already set up. Remove it first to set up another.',
  step_up_cancelled: 'Nothing was changed: confirming it was you was cancelled.',
  network_error: 'Could not reach the server. Check your connection and try again.',
  bad_response: 'The server sent an answer this page does not understand. Try again later.',
};

// "in 42 seconds", "in 3 minutes" for a Retry-After in seconds.
function retryPhrase(seconds) {
  if (!Number.isFinite(seconds) || seconds <= 0) return 'in a moment';
  if (seconds < 90) return `in ${seconds} second${seconds === 1 ? '' : 's'}`;
  const minutes = Math.ceil(seconds / 60);
  if (minutes < 90) return `in ${minutes} minutes`;
  return `in ${Math.ceil(minutes / 60)} hours`;
}

// The sentence shown next to the form for a problem.
function describe({ status, code, detail, retryAfter }) {
  if (code === 'invalid_token' && status === 400) {
    return 'This link is invalid or has expired. Links work once and for a limited time: ask for a new one.';
  }
  if (code === 'invalid_token') return 'Your session has ended. Log in again.';
  // The server's own sentence is the most precise for these ("email: ...", "You cannot disable
  // your own account.").
  if ((code === 'invalid_request' || code === 'weak_password' || code === 'forbidden') && detail) return detail;
  if (code === 'rate_limited' || code === 'overloaded' || code === 'database_unavailable') {
    return `${MESSAGES[code]} Try again ${retryPhrase(retryAfter)}.`;
  }
  if (MESSAGES[code]) return MESSAGES[code];
  if (detail) return detail;
  return `The server answered ${status}. Try again later.`;
}

export class ApiError extends Error {
  constructor({ status = 0, code = 'network_error', detail = '', reasons = [], retryAfter = null, problem = {} } = {}) {
    super(describe({ status, code, detail, retryAfter }));
    this.name = 'ApiError';
    this.status = status;
    this.code = code;
    this.detail = detail;
    this.reasons = Array.isArray(reasons) ? reasons.map(String) : [];
    this.retryAfter = retryAfter;
    // The whole problem body: mfa_required carries the second step's ticket and methods.
    this.problem = problem;
  }

  // The weak_password reasons, in words.
  get reasonTexts() {
    return this.reasons.map((r) => REASONS[r] ?? r.replace(/_/g, ' '));
  }

  // True when the error means nobody is logged in (the page should send the person to log in);
  // a wrong password or second-factor code is a 401 too, but the person is still there.
  get signedOut() {
    return this.status === 401 && !['invalid_credentials', 'invalid_mfa_code', 'mfa_ticket_invalid'].includes(this.code);
  }
}

function retryAfterOf(res) {
  const v = res.headers.get('retry-after');
  if (v === null) return null;
  const n = Number.parseInt(v, 10);
  if (Number.isFinite(n)) return n;
  const at = Date.parse(v);
  return Number.isFinite(at) ? Math.max(0, Math.round((at - Date.now()) / 1000)) : null;
}

async function bodyOf(res) {
  const type = res.headers.get('content-type') ?? '';
  if (!/^application\/(problem\+)?json\b/i.test(type)) return null;
  try {
    return await res.json();
  } catch {
    return null;
  }
}

async function errorOf(res) {
  const p = (await bodyOf(res)) ?? {};
  return new ApiError({
    status: res.status,
    code: typeof p.code === 'string' ? p.code : `http_${res.status}`,
    detail: typeof p.detail === 'string' ? p.detail : '',
    reasons: p.reasons,
    retryAfter: retryAfterOf(res),
    problem: p,
  });
}

async function send(method, path, { body, token } = {}) {
  const headers = { Accept: 'application/json', 'X-Tessera-Refresh': 'cookie-only' };
  if (body !== undefined) headers['Content-Type'] = 'application/json';
  if (token) headers.Authorization = `Bearer ${token}`;
  try {
    return await fetch(path, {
      method,
      headers,
      body: body === undefined ? undefined : JSON.stringify(body),
      credentials: 'same-origin',
      cache: 'no-store',
      redirect: 'error',
    });
  } catch {
    throw new ApiError({ status: 0, code: 'network_error' });
  }
}

// The success body (null for 204), or an ApiError.
async function read(res) {
  if (res.ok) {
    if (res.status === 204 || res.status === 202) return null;
    const data = await bodyOf(res);
    if (data === null) throw new ApiError({ status: res.status, code: 'bad_response' });
    return data;
  }
  throw await errorOf(res);
}

// Takes a token response: keeps the access token, returns the user.
function adopt(tokens) {
  if (!tokens || typeof tokens.access_token !== 'string') throw new ApiError({ status: 200, code: 'bad_response' });
  accessToken = tokens.access_token;
  return tokens.user;
}

// A 401 that a fresh access token may cure (not a wrong password).
async function tokenRefused(res) {
  if (res.status !== 401) return false;
  const p = await bodyOf(res.clone());
  return !p || p.code === 'invalid_token' || p.code === 'missing_token';
}

// Rotates the refresh cookie into a new access token. Resolves true when it worked, false when
// nobody is logged in (401); other failures (429, 503, network) are thrown as ApiError.
export function refresh() {
  if (!refreshing) {
    refreshing = (async () => {
      const res = await send('POST', '/auth/refresh');
      if (res.ok) {
        adopt(await read(res));
        return true;
      }
      accessToken = null;
      if (res.status === 401) return false;
      throw await errorOf(res);
    })().finally(() => {
      refreshing = null;
    });
  }
  return refreshing;
}

const signedOut = () => new ApiError({ status: 401, code: 'signed_out' });

// A request as the logged-in person: the access token, refreshed once and retried once on 401.
export async function call(method, path, body) {
  let refreshed = false;
  if (!accessToken) {
    refreshed = true;
    if (!(await refresh())) throw signedOut();
  }
  let res = await send(method, path, { body, token: accessToken });
  if (!refreshed && (await tokenRefused(res))) {
    if (!(await refresh())) throw signedOut();
    res = await send(method, path, { body, token: accessToken });
  }
  return read(res);
}

// A request nobody needs to be logged in for.
export async function anonymous(method, path, body) {
  return read(await send(method, path, { body }));
}

export const isLoggedIn = () => accessToken !== null;

// ------------------------------------------------------------------- the API, by name

export async function login(identifier, password) {
  return adopt(await anonymous('POST', '/auth/login', { login: identifier, password }));
}

// The second step of a login that answered mfa_required: `method` is totp or recovery_code.
export async function loginMfa(ticket, method, code) {
  const tokens = await anonymous('POST', '/auth/login/mfa', { mfa_ticket: ticket, method, code });
  adopt(tokens);
  return tokens;
}

export async function signup({ email, username, password }) {
  const body = { email, password };
  if (username) body.username = username;
  return adopt(await anonymous('POST', '/auth/signup', body));
}

// Ends this session (cookie and access token). Never throws: the page forgets the token anyway.
export async function logout() {
  const token = accessToken;
  accessToken = null;
  try {
    const res = await send('POST', '/auth/logout', { token });
    return res.ok;
  } catch {
    return false;
  }
}

export async function logoutAll() {
  await call('POST', '/auth/logout-all');
  accessToken = null;
}

export const me = () => call('GET', '/auth/me');
export const sessions = async () => (await call('GET', '/auth/sessions')).sessions ?? [];
export const revokeSession = (id) => call('DELETE', `/auth/sessions/${encodeURIComponent(id)}`);

export async function changePassword(currentPassword, newPassword) {
  return adopt(await call('POST', '/auth/password', { current_password: currentPassword, new_password: newPassword }));
}

// Second factors (the account page).
export const mfaState = () => call('GET', '/auth/mfa');
export const enrolTotp = () => call('POST', '/auth/mfa/totp');
export const removeTotp = () => call('DELETE', '/auth/mfa/totp');
export const regenerateRecoveryCodes = async () => (await call('POST', '/auth/mfa/recovery-codes')).recovery_codes;

// Confirms the enrolment: the session is replaced by a new one (every other one ends); returns
// the recovery codes, shown once.
export async function confirmTotp(code) {
  const tokens = await call('POST', '/auth/mfa/totp/confirm', { code });
  adopt(tokens);
  return tokens.recovery_codes ?? [];
}

// A step-up: `method` is password, totp or recovery_code.
export async function reauthenticate(method, secret) {
  const body = method === 'password' ? { method, password: secret } : { method, code: secret };
  return adopt(await call('POST', '/auth/reauthenticate', body));
}

export const resendVerification = (email) => anonymous('POST', '/auth/verify-email/resend', { email });
export const forgotPassword = (email) => anonymous('POST', '/auth/password/forgot', { email });
export const resetPassword = (token, newPassword) =>
  anonymous('POST', '/auth/password/reset', { token, new_password: newPassword });

export function listUsers({ query = '', page = 1 } = {}) {
  const q = new URLSearchParams();
  if (query) q.set('query', query);
  if (page > 1) q.set('page', String(page));
  const qs = q.toString();
  return call('GET', `/admin/users${qs ? `?${qs}` : ''}`);
}

export const updateUser = (id, changes) => call('PATCH', `/admin/users/${encodeURIComponent(id)}`, changes);
