// Small helpers over fetch for the black-box tests.
export function client(base) {
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
    const res = await fetch(base + path, { method, headers: h, body, redirect: 'manual' });
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

// A password every policy accepts.
export const GOOD_PASSWORD = 'Tessera-e2e-Correct-Horse-42';
