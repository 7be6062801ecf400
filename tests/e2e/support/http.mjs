// Small helpers over fetch for the black-box tests.
import { createHmac } from 'node:crypto';

// A client of the server at `base`: its URL, or a function giving it at each call (a server a
// file declares with useTessera, whose URL is known once it has started).
export function client(base) {
  const urlOf = typeof base === 'function' ? base : () => base;
  const call = async (method, path, { json, form, headers = {}, token, cookie, raw } = {}) => {
    const h = { ...headers };
    let body;
    if (json !== undefined) {
      h['content-type'] = 'application/json';
      body = typeof json === 'string' ? json : JSON.stringify(json);
    } else if (form !== undefined) {
      h['content-type'] = 'application/x-www-form-urlencoded';
      body = new URLSearchParams(form).toString();
    } else if (raw !== undefined) {
      body = raw;
    }
    if (token) h.authorization = `Bearer ${token}`;
    if (cookie) h.cookie = cookie;
    const res = await fetch(urlOf() + path, { method, headers: h, body, redirect: 'manual' });
    const text = await res.text();
    let data = null;
    try { data = text ? JSON.parse(text) : null; } catch { data = null; }
    return { status: res.status, headers: res.headers, text, body: data };
  };
  return {
    get: (path, opts) => call('GET', path, opts),
    post: (path, opts) => call('POST', path, opts),
    patch: (path, opts) => call('PATCH', path, opts),
    del: (path, opts) => call('DELETE', path, opts),
    call,
  };
}

// The refresh cookie a response set, as "name=value" for a Cookie header (or null).
export function refreshCookie(res) {
  for (const c of res.headers.getSetCookie()) {
    const pair = c.split(';')[0];
    if (/^(__Secure-)?refresh_token=/.test(pair) && pair.split('=')[1] !== '') return pair;
  }
  return null;
}

let counter = 0;
// A unique email for a test.
export function uniqueEmail(tag = 'user') {
  counter += 1;
  return `${tag}-${process.pid}-${Date.now()}-${counter}@example.com`;
}

// A unique username for a test (letters, digits and underscores, within the 32-character limit).
export function uniqueName(tag = 'user') {
  counter += 1;
  return `${tag}_${process.pid % 10000}_${Date.now() % 1e6}_${counter}`;
}

// A password every policy accepts.
export const GOOD_PASSWORD = 'Tessera-e2e-Correct-Horse-42';

// Signs up a fresh account (JSON) and returns what tests need from it: the identifiers, the
// password, the raw response, its tokens, the refresh cookie pair, and the user.
export async function signup(api, { email = uniqueEmail(), username, password = GOOD_PASSWORD, headers } = {}) {
  const json = { password };
  if (email) json.email = email;
  if (username) json.username = username;
  const res = await api.post('/auth/signup', { json, headers });
  if (res.status !== 201) throw new Error(`signup failed: ${res.status} ${res.text}`);
  return sessionOf(res, { email, username, password });
}

// Logs an existing account in again (a new session) by email, or by username when no email.
export async function login(api, account, { headers } = {}) {
  const json = account.email ? { email: account.email } : { username: account.username };
  json.password = account.password;
  const res = await api.post('/auth/login', { json, headers });
  if (res.status !== 200) throw new Error(`login failed: ${res.status} ${res.text}`);
  return sessionOf(res, account);
}

// What a token response gives a client: access token, refresh token, cookie pair, user, sid.
export function sessionOf(res, extra = {}) {
  return {
    ...extra,
    res,
    access: res.body.access_token,
    refresh: res.body.refresh_token,
    cookie: refreshCookie(res),
    user: res.body.user,
    sid: jwtClaims(res.body.access_token).sid,
  };
}

const b64json = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'));
// The JOSE header of a compact JWS, decoded without verification.
export const jwtHeader = (token) => b64json(token.split('.')[0]);
// The claims of a compact JWS, decoded without verification.
export const jwtClaims = (token) => b64json(token.split('.')[1]);
// A compact JWS of `header` and `claims` (objects) HMAC-SHA-256-signed with `secret`: what a
// holder of an HS256 server's secret can make.
export function signHs256(header, claims, secret) {
  const input = `${Buffer.from(JSON.stringify(header)).toString('base64url')}.${Buffer.from(JSON.stringify(claims)).toString('base64url')}`;
  return `${input}.${createHmac('sha256', secret).update(input).digest('base64url')}`;
}

// Every Set-Cookie of a response, parsed: [{name, value, attrs}] with attrs keyed in lower case
// (flags such as HttpOnly map to true).
export function setCookies(res) {
  return res.headers.getSetCookie().map((line) => {
    const [pair, ...rest] = line.split(';').map((s) => s.trim());
    const eq = pair.indexOf('=');
    const attrs = {};
    for (const a of rest) {
      const i = a.indexOf('=');
      if (i < 0) attrs[a.toLowerCase()] = true;
      else attrs[a.slice(0, i).toLowerCase()] = a.slice(i + 1);
    }
    return { name: pair.slice(0, eq), value: pair.slice(eq + 1), attrs, line };
  });
}

// One HTTP/1.1 request written byte for byte on a fresh socket (for what fetch cannot send:
// repeated headers, a chosen Host). Resolves with {status, headers: [[name, value]], text}.
export async function rawRequest(base, { method = 'GET', path = '/', headers = [], body = '' }, timeoutMs = 5000) {
  const { connect } = await import('node:net');
  const url = new URL(base);
  const lines = [`${method} ${path} HTTP/1.1`];
  if (!headers.some(([k]) => k.toLowerCase() === 'host')) lines.push(`Host: ${url.host}`);
  for (const [k, v] of headers) lines.push(`${k}: ${v}`);
  lines.push(`Content-Length: ${Buffer.byteLength(body)}`, 'Connection: close', '', '');
  return new Promise((resolve, reject) => {
    const socket = connect(Number(url.port), url.hostname);
    const chunks = [];
    const timer = setTimeout(() => { socket.destroy(); reject(new Error('rawRequest timed out')); }, timeoutMs);
    socket.on('connect', () => socket.end(lines.join('\r\n') + body));
    socket.on('data', (d) => chunks.push(d));
    socket.on('error', (e) => { clearTimeout(timer); reject(e); });
    socket.on('close', () => {
      clearTimeout(timer);
      const text = Buffer.concat(chunks).toString('utf8');
      const split = text.indexOf('\r\n\r\n');
      const head = text.slice(0, split).split('\r\n');
      const status = Number(head[0].split(' ')[1]);
      const hdrs = head.slice(1).map((h) => { const i = h.indexOf(':'); return [h.slice(0, i).toLowerCase(), h.slice(i + 1).trim()]; });
      resolve({ status, headers: hdrs, text: text.slice(split + 4) });
    });
  });
}
