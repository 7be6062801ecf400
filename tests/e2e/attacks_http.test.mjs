// Attack suite, the HTTP layer (SPEC §2, §4; DESIGN rule 7), byte for byte over raw loopback
// sockets against `tessera serve`: request smuggling (a message framed two ways, or framed in a
// way a proxy may read differently, is refused with 400 and the connection closed, and the
// request hidden in it never runs), oversized heads (431) and bodies (413, answered from
// Content-Length before the body is sent), and slow clients (dropped within
// TESSERA_READ_TIMEOUT of their first byte, without holding up anyone else).
import { test, describe } from 'node:test';
import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { once } from 'node:events';
import { useTessera } from './support/tessera.mjs';
import { sleep } from './support/wait.mjs';
import { client, uniqueEmail, GOOD_PASSWORD } from './support/http.mjs';

const READ_TIMEOUT_S = 2;

const server = useTessera(); // defaults: 64 KiB bodies, 16 KiB heads
const slow = useTessera({ env: { TESSERA_READ_TIMEOUT: `${READ_TIMEOUT_S}s` } });

// ---------------------------------------------------------------------------------- helpers

// Every complete HTTP/1.x response in `text`, in order: {status, headers (lower-case Map), body}.
function parseResponses(text) {
  const out = [];
  let rest = text;
  for (;;) {
    const end = rest.indexOf('\r\n\r\n');
    if (end < 0) break;
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const m = /^HTTP\/1\.[01] (\d{3})/.exec(statusLine);
    if (!m) break;
    const headers = new Map(lines.map((l) => { const i = l.indexOf(':'); return [l.slice(0, i).toLowerCase(), l.slice(i + 1).trim()]; }));
    const length = Number(headers.get('content-length') ?? 0);
    out.push({ status: Number(m[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

// Connects to `t`, writes `parts` in order (strings or Buffers; {wait: ms} pauses), and resolves
// once the server has closed the connection or `timeoutMs` after connecting: the responses, when
// the first byte came and when the server closed (ms after connecting; null if it did not).
async function exchange(t, parts, { timeoutMs = 3000 } = {}) {
  const socket = connect(t.port, '127.0.0.1');
  socket.on('error', () => {});  // writes after the server closed: expected in these tests
  const chunks = [];
  let firstByteAt = null;
  let closedAt = null;
  await once(socket, 'connect');
  const t0 = performance.now();
  socket.on('data', (d) => {
    if (firstByteAt === null) firstByteAt = performance.now() - t0;
    chunks.push(d);
  });
  const closed = new Promise((resolve) => socket.on('close', () => { closedAt ??= performance.now() - t0; resolve(); }));
  socket.on('end', () => { closedAt ??= performance.now() - t0; });
  const deadline = sleep(timeoutMs);
  const writing = (async () => {
    for (const part of parts) {
      if (closedAt !== null || socket.destroyed) return;
      if (part && typeof part === 'object' && 'wait' in part) await sleep(part.wait);
      else socket.write(part);
    }
  })();
  await Promise.race([closed, deadline]);
  socket.destroy();
  await writing.catch(() => {});
  const text = Buffer.concat(chunks).toString('latin1');
  return { responses: parseResponses(text), text, firstByteAt, closedAt };
}

// A JSON POST head and body as raw text.
function post(path, body, extraHeaders = []) {
  return [`POST ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Type: application/json', ...extraHeaders, '', ''].join('\r\n') + body;
}

// A complete sign-up request for `email`: the request smuggled inside another one. If the server
// ever runs it, the account exists afterwards.
function signupRequest(email) {
  const body = JSON.stringify({ email, password: GOOD_PASSWORD });
  return post('/auth/signup', body, [`Content-Length: ${Buffer.byteLength(body)}`]);
}

// Whether an account for `email` exists, asked the way a client would: a sign-up that is 409.
// (When it did not exist, this creates it; each marker is used once.)
async function exists(t, email) {
  const res = await client(t.url).post('/auth/signup', { json: { email, password: GOOD_PASSWORD } });
  assert.ok(res.status === 201 || res.status === 409, res.text);
  return res.status === 409;
}

// A refusal of the whole connection: exactly one response, `status` problem+json with
// Connection: close, and the server closing the socket.
function assertRefusedAndClosed(r, status, note) {
  assert.equal(r.responses.length, 1, `${note}: expected one response, got:\n${r.text}`);
  const [res] = r.responses;
  assert.equal(res.status, status, `${note}: ${r.text}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/problem\+json/, note);
  assert.equal(res.headers.get('connection'), 'close', note);
  assert.notEqual(r.closedAt, null, `${note}: the server kept the connection open`);
  return JSON.parse(res.body);
}

// ---------------------------------------------------------------------------- smuggling

test('the smuggling probe is sound: a second request pipelined plainly after the first does run', async () => {
  const marker = uniqueEmail('pipelined');
  const r = await exchange(server, [post('/auth/login', '{}', ['Content-Length: 2']) + signupRequest(marker)], { timeoutMs: 1500 });
  assert.deepEqual(r.responses.map((x) => x.status), [400, 201], r.text);
  assert.equal(await exists(server, marker), true);
});

// Each: a request whose framing is ambiguous, with a sign-up hidden where the other reading of
// the framing would find a second request.
const AMBIGUOUS = {
  'Content-Length then Transfer-Encoding (CL.TE)': (hidden) => {
    const body = `0\r\n\r\n${hidden}`;
    return post('/auth/login', body, [`Content-Length: ${Buffer.byteLength(body)}`, 'Transfer-Encoding: chunked']);
  },
  'Transfer-Encoding then Content-Length (TE.CL)': (hidden) => {
    const body = `${Buffer.byteLength(hidden).toString(16)}\r\n${hidden}\r\n0\r\n\r\n`;
    return post('/auth/login', body, ['Transfer-Encoding: chunked', 'Content-Length: 4']);
  },
  'two Transfer-Encoding headers': (hidden) => post('/auth/login', `0\r\n\r\n${hidden}`, ['Transfer-Encoding: chunked', 'Transfer-Encoding: identity']),
  'Transfer-Encoding: chunked, identity': (hidden) => post('/auth/login', `0\r\n\r\n${hidden}`, ['Transfer-Encoding: chunked, identity']),
  'Transfer-Encoding: gzip, chunked': (hidden) => post('/auth/login', `0\r\n\r\n${hidden}`, ['Transfer-Encoding: gzip, chunked']),
  'Transfer-Encoding: xchunked with Content-Length': (hidden) => {
    const body = `0\r\n\r\n${hidden}`;
    return post('/auth/login', body, ['Transfer-Encoding: xchunked', `Content-Length: ${Buffer.byteLength(body)}`]);
  },
  'a space before the colon of Transfer-Encoding': (hidden) => {
    const body = `0\r\n\r\n${hidden}`;
    return post('/auth/login', body, ['Transfer-Encoding : chunked', `Content-Length: ${Buffer.byteLength(body)}`]);
  },
  'Transfer-Encoding folded onto a continuation line': (hidden) => {
    const body = `0\r\n\r\n${hidden}`;
    return post('/auth/login', body, ['Transfer-Encoding:', ' chunked', `Content-Length: ${Buffer.byteLength(body)}`]);
  },
  'two different Content-Length headers': (hidden) => post('/auth/login', `{}${hidden}`, ['Content-Length: 2', `Content-Length: ${2 + Buffer.byteLength(hidden)}`]),
  'a Content-Length list': (hidden) => post('/auth/login', `{}${hidden}`, [`Content-Length: 2, ${2 + Buffer.byteLength(hidden)}`]),
  'a signed Content-Length': (hidden) => post('/auth/login', `{}${hidden}`, ['Content-Length: +2']),
  'a Content-Length past 2^64': (hidden) => post('/auth/login', `{}${hidden}`, ['Content-Length: 99999999999999999999999']),
  'a chunk size past 2^64': (hidden) => post('/auth/login', `fffffffffffffffffffff\r\n{}\r\n0\r\n\r\n${hidden}`, ['Transfer-Encoding: chunked']),
  'bare LF line ends': (hidden) => `POST /auth/login HTTP/1.1\nHost: 127.0.0.1\nContent-Type: application/json\nContent-Length: 2\nTransfer-Encoding: chunked\n\n0\r\n\r\n${hidden}`,
  'a NUL byte in a header value': (hidden) => post('/auth/login', `{}${hidden}`, ['Content-Length: 2', 'X-Note: a\u0000b']),
};

for (const [name, build] of Object.entries(AMBIGUOUS)) {
  test(`request smuggling with ${name} is 400 with the connection closed, and the hidden request never runs`, async () => {
    const marker = uniqueEmail('smuggled');
    const r = await exchange(server, [build(signupRequest(marker))]);
    assertRefusedAndClosed(r, 400, name);
    assert.equal(await exists(server, marker), false, `${name}: the smuggled sign-up ran`);
  });
}

test('an HTTP/1.0 request with Transfer-Encoding is 400 and closed (RFC 9112 §6.1), so a 1.0 proxy cannot be desynchronised', async () => {
  const marker = uniqueEmail('smuggled-10');
  const raw = ['POST /auth/login HTTP/1.0', 'Host: 127.0.0.1', 'Connection: keep-alive', 'Content-Type: application/json',
    'Transfer-Encoding: chunked', '', ''].join('\r\n') + `0\r\n\r\n${signupRequest(marker)}`;
  const r = await exchange(server, [raw], { timeoutMs: 1500 });
  assert.equal(await exists(server, marker), false, 'the request after a chunked HTTP/1.0 message ran');
  assertRefusedAndClosed(r, 400, 'HTTP/1.0 with Transfer-Encoding');
});

test('a header hidden in an obsolete fold of another header does not change the framing: one response, nothing smuggled', async () => {
  const marker = uniqueEmail('smuggled-fold');
  const body = `0\r\n\r\n${signupRequest(marker)}`;
  const raw = post('/auth/login', body, ['X-Note: a', ' Transfer-Encoding: chunked', `Content-Length: ${Buffer.byteLength(body)}`]);
  const r = await exchange(server, [raw], { timeoutMs: 1000 });
  assert.equal(r.responses.length, 1, r.text);
  assert.equal(r.responses[0].status, 400, r.text);  // the body, read by Content-Length, is not JSON
  assert.equal(await exists(server, marker), false);
});

// ------------------------------------------------------------------------------- sizes

test('a request head over 16 KiB (one 20 KiB header) is 431 problem+json and the connection is closed', async () => {
  const raw = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Big: ${'a'.repeat(20 * 1024)}\r\n\r\n`;
  const problem = assertRefusedAndClosed(await exchange(server, [raw]), 431, 'one big header');
  assert.equal(problem.code, 'headers_too_large');
});

test('2000 small headers (over 16 KiB together) are 431 and the connection is closed', async () => {
  const headers = Array.from({ length: 2000 }, (_, i) => `X-H${i}: v`).join('\r\n');
  const raw = `GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n${headers}\r\n\r\n`;
  assert.equal(assertRefusedAndClosed(await exchange(server, [raw]), 431, 'many headers').code, 'headers_too_large');
});

test('a request target over 2 KiB is 400 and one over the head limit is 431', async () => {
  const long = assertRefusedAndClosed(await exchange(server, [`GET /healthz?${'a'.repeat(3000)} HTTP/1.1\r\nHost: x\r\n\r\n`]), 400, '3000-byte target');
  assert.equal(long.code, 'invalid_request');
  const huge = assertRefusedAndClosed(await exchange(server, [`GET /${'a'.repeat(20 * 1024)} HTTP/1.1\r\nHost: x\r\n\r\n`]), 431, '20 KiB target');
  assert.equal(huge.code, 'headers_too_large');
});

test('a body whose Content-Length is over 64 KiB is refused 413 from the head alone, before a byte of the body is sent', async () => {
  const head = ['POST /auth/login HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', `Content-Length: ${1024 * 1024}`, '', ''].join('\r\n');
  const r = await exchange(server, [head]);  // and never the body
  const problem = assertRefusedAndClosed(r, 413, 'Content-Length 1 MiB');
  assert.equal(problem.code, 'payload_too_large');
  assert.ok(r.firstByteAt < 1000, `the 413 took ${r.firstByteAt} ms: it waited for a body`);
});

test('a body over the limit announced with Expect: 100-continue is 413 without a 100 Continue', async () => {
  const head = ['POST /auth/signup HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Expect: 100-continue',
    `Content-Length: ${10 * 1024 * 1024}`, '', ''].join('\r\n');
  const r = await exchange(server, [head]);
  assert.ok(!r.text.startsWith('HTTP/1.1 100'), r.text);
  assertRefusedAndClosed(r, 413, 'Expect with a 10 MiB body');
});

test('a chunked body that grows past 64 KiB is 413 and the connection is closed', async () => {
  const head = ['POST /auth/login HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Transfer-Encoding: chunked', '', ''].join('\r\n');
  const chunk = `2000\r\n${' '.repeat(0x2000)}\r\n`;
  const parts = [head, '1\r\n{\r\n'];
  for (let i = 0; i < 12; i += 1) parts.push(chunk, { wait: 10 });
  const problem = assertRefusedAndClosed(await exchange(server, parts), 413, 'chunked past the limit');
  assert.equal(problem.code, 'payload_too_large');
});

test('a body of exactly 64 KiB still reaches the handler (the limit is where it is configured)', async () => {
  const prefix = '{"email":"size@example.com","password":"';
  const body = `${prefix}${'p'.repeat(64 * 1024 - prefix.length - 2)}"}`;
  assert.equal(Buffer.byteLength(body), 64 * 1024);
  const res = await client(server.url).post('/auth/login', { json: body });
  assert.equal(res.status, 400, res.text);
  assert.match(res.body.detail, /password/);
});

// ------------------------------------------------------------------------- slow clients

// The server may close a slow connection at READ_TIMEOUT_S after its first byte; allow scheduling
// slack on a loaded machine, but far less than what keeping the connection would mean.
const DROP_MIN_MS = READ_TIMEOUT_S * 1000 - 300;
const DROP_MAX_MS = READ_TIMEOUT_S * 1000 + 2500;
const assertDropped = (r, note) => {
  assert.notEqual(r.closedAt, null, `${note}: still open after ${DROP_MAX_MS + 1000} ms`);
  assert.ok(r.closedAt >= DROP_MIN_MS && r.closedAt <= DROP_MAX_MS, `${note}: closed after ${Math.round(r.closedAt)} ms`);
  assert.equal(r.responses.filter((x) => x.status !== 408).length, 0, `${note}: answered ${r.text}`);
};

describe('slow clients', { concurrency: true }, () => {
  test('a connection that sends nothing is closed after TESSERA_READ_TIMEOUT', async () => {
    assertDropped(await exchange(slow, [], { timeoutMs: DROP_MAX_MS + 1000 }), 'silent');
  });

  test('a request head that stops half-way is dropped within TESSERA_READ_TIMEOUT', async () => {
    const r = await exchange(slow, ['POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Ty'], { timeoutMs: DROP_MAX_MS + 1000 });
    assertDropped(r, 'half a head');
  });

  test('a client dripping one byte every 200 ms is dropped at TESSERA_READ_TIMEOUT, not kept alive by each byte', async () => {
    const head = `POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\nX-Slow: ${'a'.repeat(100)}\r\n\r\n`;
    const parts = [];
    for (const ch of head) parts.push(ch, { wait: 200 });
    assertDropped(await exchange(slow, parts, { timeoutMs: DROP_MAX_MS + 1000 }), 'drip');
  });

  test('a request whose body stops arriving is dropped within TESSERA_READ_TIMEOUT', async () => {
    const head = ['POST /auth/login HTTP/1.1', 'Host: 127.0.0.1', 'Content-Type: application/json', 'Content-Length: 100', '', ''].join('\r\n');
    assertDropped(await exchange(slow, [head + '{"email":'], { timeoutMs: DROP_MAX_MS + 1000 }), 'half a body');
  });

  test('while 40 slow clients hold connections open, other clients are answered at once', async () => {
    const hanging = await Promise.all(Array.from({ length: 40 }, async () => {
      const s = connect(slow.port, '127.0.0.1');
      s.on('error', () => {});
      await once(s, 'connect');
      s.write('POST /auth/login HTTP/1.1\r\nHost: 127.0.0.1\r\n');
      return s;
    }));
    try {
      const api = client(slow.url);
      for (const path of ['/healthz', '/readyz', '/.well-known/jwks.json']) {
        const t0 = performance.now();
        const res = await api.get(path);
        const ms = performance.now() - t0;
        assert.equal(res.status, 200, path);
        assert.ok(ms < 1000, `${path} took ${Math.round(ms)} ms behind the slow clients`);
      }
      const res = await api.post('/auth/login', { json: { email: uniqueEmail('busy'), password: 'Wrong-password-1234' } });
      assert.equal(res.status, 401);
    } finally {
      for (const s of hanging) s.destroy();
    }
  });
});

// --------------------------------------------------------------------------- after it all

test('nothing in this suite made the servers answer 5xx or fail a connection, and they still serve', async () => {
  for (const t of [server, slow]) {
    const bad = t.lines.filter((l) => ((l.msg === 'request' || l.msg === 'request_refused') && l.status >= 500) || l.msg === 'connection_failed' || l.level === 'error');
    assert.deepEqual(bad, []);
    assert.equal((await client(t.url).get('/healthz')).status, 200);
  }
});
