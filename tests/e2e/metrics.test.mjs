// GET /metrics (SPEC §2): valid Prometheus text exposition (HELP and TYPE before each family's
// samples, well-formed labels and values, cumulative histogram buckets with +Inf = count), and
// counters that move by exactly what happened between two scrapes: logins and refreshes by
// outcome, requests by route/method/status, refused access tokens by reason, the outbox by
// state, revocations held in memory. One server for this file, used by one test at a time.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { useTessera } from './support/tessera.mjs';
import { signup, login } from './support/http.mjs';
import { assertProblem, assertInvalidToken } from './support/expect.mjs';
import { eventually } from './support/wait.mjs';

const t = useTessera();
const { api } = t;

// ------------------------------------------------------------------- the exposition format

const NAME = /^[a-zA-Z_:][a-zA-Z0-9_:]*$/;
const LABEL = /^[a-zA-Z_][a-zA-Z0-9_]*$/;
const TYPES = ['counter', 'gauge', 'histogram', 'summary', 'untyped'];

function parseValue(s) {
  if (s === '+Inf') return Infinity;
  if (s === '-Inf') return -Infinity;
  if (s === 'NaN') return NaN;
  assert.match(s, /^-?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$/, `bad value ${s}`);
  return Number(s);
}

// `{a="x",b="y\"z"}` -> [['a','x'],['b','y"z']], enforcing the escapes of the text format.
function parseLabels(text) {
  const out = [];
  let i = 1;
  while (text[i] !== '}') {
    const eq = text.indexOf('=', i);
    const name = text.slice(i, eq);
    assert.match(name, LABEL, `bad label name ${name}`);
    assert.equal(text[eq + 1], '"', `label ${name} is not quoted`);
    let j = eq + 2;
    let value = '';
    while (text[j] !== '"') {
      assert.ok(j < text.length, `unterminated label value in ${text}`);
      if (text[j] === '\\') {
        const next = text[j + 1];
        assert.ok(['\\', '"', 'n'].includes(next), `bad escape \\${next}`);
        value += next === 'n' ? '\n' : next;
        j += 2;
      } else {
        value += text[j];
        j += 1;
      }
    }
    out.push([name, value]);
    i = j + 1;
    if (text[i] === ',') i += 1;
    else assert.equal(text[i], '}', `bad label separator in ${text}`);
  }
  assert.equal(i, text.length - 1, `text after the labels in ${text}`);
  assert.equal(new Set(out.map(([k]) => k)).size, out.length, `a label twice in ${text}`);
  return out;
}

const keyOf = (name, labels) => {
  const sorted = [...labels].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
  return sorted.length ? `${name}{${sorted.map(([k, v]) => `${k}="${v}"`).join(',')}}` : name;
};

// Parses and checks a whole exposition; returns { families, series } where series maps
// `name{k="v",...}` (labels sorted) to the value.
function parseExposition(text) {
  assert.ok(text.endsWith('\n'), 'the exposition ends with a newline');
  const families = new Map();
  const series = new Map();
  let current = null;
  for (const line of text.slice(0, -1).split('\n')) {
    if (line.startsWith('# HELP ')) {
      const fname = line.split(' ')[2];
      assert.match(fname, NAME);
      assert.ok(!families.has(fname), `family ${fname} described twice`);
      current = { name: fname, help: line.slice(`# HELP ${fname} `.length), type: null, samples: [] };
      families.set(fname, current);
      continue;
    }
    if (line.startsWith('# TYPE ')) {
      const [, , fname, type] = line.split(' ');
      assert.ok(current && current.name === fname, `TYPE ${fname} without its HELP just before`);
      assert.equal(current.type, null, `a second TYPE for ${fname}`);
      assert.equal(current.samples.length, 0, `TYPE of ${fname} after its samples`);
      assert.ok(TYPES.includes(type), `bad type ${type}`);
      current.type = type;
      continue;
    }
    assert.ok(!line.startsWith('#'), `unexpected comment ${line}`);
    assert.notEqual(line, '', 'no blank lines');
    const m = line.match(/^([a-zA-Z_:][a-zA-Z0-9_:]*)(\{.*\})? (\S+)$/);
    assert.ok(m, `bad sample line: ${line}`);
    const [, name, labelText, valueText] = m;
    assert.ok(current && current.type, `sample ${name} before its family's HELP and TYPE`);
    const suffixes = current.type === 'histogram' ? ['_bucket', '_sum', '_count'] : [''];
    assert.ok(suffixes.some((s) => name === current.name + s), `sample ${name} does not belong to family ${current.name}`);
    const labels = labelText ? parseLabels(labelText) : [];
    const value = parseValue(valueText);
    if (current.type === 'counter') assert.ok(value >= 0, `counter ${line} is negative`);
    const key = keyOf(name, labels);
    assert.ok(!series.has(key), `series ${key} twice`);
    series.set(key, value);
    current.samples.push({ name, labels, value });
  }
  for (const f of families.values()) {
    assert.ok(f.type, `family ${f.name} has no TYPE`);
    if (f.type === 'histogram') checkHistogram(f);
  }
  return { families, series };
}

// Buckets per label set: `le` increasing, counts non-decreasing, the last +Inf equal to _count,
// and a _sum.
function checkHistogram(f) {
  const groups = new Map();
  const group = (labels) => {
    const k = keyOf('', labels.filter(([n]) => n !== 'le'));
    if (!groups.has(k)) groups.set(k, { buckets: [], sum: null, count: null });
    return groups.get(k);
  };
  for (const s of f.samples) {
    const g = group(s.labels);
    if (s.name.endsWith('_bucket')) {
      const le = s.labels.find(([n]) => n === 'le');
      assert.ok(le, `${f.name}_bucket without le`);
      g.buckets.push([parseValue(le[1]), s.value]);
    } else if (s.name.endsWith('_sum')) {
      g.sum = s.value;
    } else {
      g.count = s.value;
    }
  }
  assert.ok(groups.size > 0, `histogram ${f.name} has no series`);
  for (const [k, g] of groups) {
    assert.ok(g.buckets.length >= 2, `${f.name}${k}: buckets`);
    for (let i = 1; i < g.buckets.length; i += 1) {
      assert.ok(g.buckets[i][0] > g.buckets[i - 1][0], `${f.name}${k}: le not increasing`);
      assert.ok(g.buckets[i][1] >= g.buckets[i - 1][1], `${f.name}${k}: buckets not cumulative`);
    }
    assert.equal(g.buckets.at(-1)[0], Infinity, `${f.name}${k}: the last bucket is le="+Inf"`);
    assert.equal(g.buckets.at(-1)[1], g.count, `${f.name}${k}: +Inf bucket != _count`);
    assert.ok(g.sum !== null && g.sum >= 0, `${f.name}${k}: _sum`);
  }
}

async function scrape() {
  const res = await api.get('/metrics');
  assert.equal(res.status, 200);
  assert.equal(res.headers.get('content-type'), 'text/plain; version=0.0.4; charset=utf-8');
  return parseExposition(res.text);
}

// The value of a series (0 when absent: a counter not yet incremented).
const v = (scraped, name, labels = {}) => scraped.series.get(keyOf(name, Object.entries(labels))) ?? 0;

// Asserts after - before == want for each [name, labels, want].
function assertDeltas(beforeScrape, afterScrape, expected) {
  for (const [name, labels, want] of expected) {
    const got = v(afterScrape, name, labels) - v(beforeScrape, name, labels);
    assert.equal(got, want, `${keyOf(name, Object.entries(labels))} moved by ${got}, expected ${want}`);
  }
}

const http = (route, method, status) => ['tessera_http_requests_total', { route, method, status: String(status) }];

// ------------------------------------------------------------------------------------ tests

test('the exposition is valid: HELP and TYPE before samples, labels, values, cumulative histograms', async () => {
  await signup(api); // at least one request histogram
  const s = await scrape();
  for (const [name, type] of [
    ['tessera_http_requests_total', 'counter'],
    ['tessera_http_request_duration_seconds', 'histogram'],
    ['tessera_outbox_mails', 'gauge'],
    ['tessera_revocation_entries', 'gauge'],
    ['tessera_hash_queue_depth', 'gauge'],
    ['tessera_db_queue_depth', 'gauge'],
    ['tessera_access_token_cache_entries', 'gauge'],
  ]) {
    const f = s.families.get(name);
    assert.ok(f, `${name} is exposed`);
    assert.equal(f.type, type, name);
    assert.ok(f.help.length > 10, `${name} has a help text`);
  }
  assert.equal(v(s, 'tessera_hash_queue_depth'), 0, 'nothing waits for a hash worker when idle');
  for (const state of ['pending', 'sending', 'sent', 'dead']) {
    assert.ok(s.series.has(keyOf('tessera_outbox_mails', [['state', state]])), `outbox state ${state}`);
  }
});

test('the format checker is not a rubber stamp: broken expositions are refused', () => {
  const good = '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="1"} 2\n';
  parseExposition(good);
  const hist = (b1, b2, inf, count) => `# HELP h H.\n# TYPE h histogram\nh_bucket{le="0.1"} ${b1}\nh_bucket{le="1"} ${b2}\nh_bucket{le="+Inf"} ${inf}\nh_sum 1\nh_count ${count}\n`;
  parseExposition(hist(1, 2, 3, 3));
  for (const bad of [
    'x_total 1\n', // no HELP/TYPE
    '# TYPE x_total counter\n# HELP x_total X.\nx_total 1\n', // TYPE before HELP
    '# HELP x_total X.\n# TYPE x_total counter\nx_total{a=1} 2\n', // unquoted label
    '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="1"} two\n', // bad value
    '# HELP x_total X.\n# TYPE x_total counter\nx_total{a="1"} 2\nx_total{a="1"} 3\n', // duplicate series
    '# HELP x_total X.\n# TYPE x_total counter\ny_total 2\n', // sample of another family
    good.slice(0, -1), // no final newline
    hist(2, 1, 3, 3), // not cumulative
    hist(1, 2, 3, 4), // +Inf != count
  ]) {
    assert.throws(() => parseExposition(bad), `accepted:\n${bad}`);
  }
});

test('a successful and a failed login move tessera_logins_total{outcome} and the request counter by exactly one each', async () => {
  const s = await signup(api);
  const b = await scrape();
  await login(api, s);
  assertProblem(await api.post('/auth/login', { json: { email: s.email, password: 'not-the-password-9' } }), 401, 'invalid_credentials');
  const a = await scrape();
  assertDeltas(b, a, [
    ['tessera_logins_total', { outcome: 'success' }, 1],
    ['tessera_logins_total', { outcome: 'invalid_credentials' }, 1],
    ['tessera_logins_total', { outcome: 'account_disabled' }, 0],
    [...http('/auth/login', 'POST', 200), 1],
    [...http('/auth/login', 'POST', 401), 1],
    ['tessera_http_request_duration_seconds_count', { route: '/auth/login' }, 2],
  ]);
});

test('a refresh counts as rotated; presenting a rotated token again counts as reused and revokes', async () => {
  const s = await signup(api);
  const b = await scrape();
  const first = await api.post('/auth/refresh', { json: { refresh_token: s.refresh } });
  assert.equal(first.status, 200);
  const second = await api.post('/auth/refresh', { json: { refresh_token: first.body.refresh_token } });
  assert.equal(second.status, 200);
  const mid = await scrape();
  assertDeltas(b, mid, [
    ['tessera_refreshes_total', { outcome: 'rotated' }, 2],
    ['tessera_refreshes_total', { outcome: 'reused' }, 0],
    [...http('/auth/refresh', 'POST', 200), 2],
  ]);
  assertProblem(await api.post('/auth/refresh', { json: { refresh_token: s.refresh } }), 401, 'refresh_token_reused');
  const a = await scrape();
  assertDeltas(mid, a, [
    ['tessera_refreshes_total', { outcome: 'reused' }, 1],
    ['tessera_refreshes_total', { outcome: 'rotated' }, 0],
    [...http('/auth/refresh', 'POST', 401), 1],
    ['tessera_revocation_entries', {}, 1], // the session, held in memory to refuse its access tokens
  ]);
  assertProblem(await api.post('/auth/refresh', { json: { refresh_token: 'x'.repeat(43) } }), 401, 'invalid_refresh_token');
  assertDeltas(a, await scrape(), [['tessera_refreshes_total', { outcome: 'invalid' }, 1]]);
});

test('a path no route serves counts under route="unmatched" with its status', async () => {
  const b = await scrape();
  assertProblem(await api.get('/no/such/path'), 404, 'not_found');
  assertProblem(await api.get('/also/missing?x=1'), 404, 'not_found');
  const a = await scrape();
  assertDeltas(b, a, [[...http('unmatched', 'GET', 404), 2]]);
  assert.equal([...a.series.keys()].some((k) => k.includes('/no/such/path')), false, 'the raw path is never a label');
});

test('refused access tokens count by reason: bad_signature, revoked, malformed', async () => {
  const s = await signup(api);
  const [h, p, sig] = s.access.split('.');
  const b = await scrape();
  assertInvalidToken(await api.get('/data', { token: `${h}.${p}.${sig[0] === 'A' ? 'B' : 'A'}${sig.slice(1)}` }));
  assertInvalidToken(await api.get('/data', { token: 'not.a.token' }));
  assert.equal((await api.post('/auth/logout', { token: s.access })).status, 204);
  assertInvalidToken(await api.get('/data', { token: s.access }));
  const a = await scrape();
  assertDeltas(b, a, [
    ['tessera_access_tokens_rejected_total', { reason: 'bad_signature' }, 1],
    ['tessera_access_tokens_rejected_total', { reason: 'revoked' }, 1],
    [...http('/data', 'GET', 401), 3],
    [...http('/auth/logout', 'POST', 204), 1],
    ['tessera_revocation_entries', {}, 1],
  ]);
  const malformed = ['malformed', 'bad_base64', 'bad_header'].reduce((n, reason) => n + v(a, 'tessera_access_tokens_rejected_total', { reason }) - v(b, 'tessera_access_tokens_rejected_total', { reason }), 0);
  assert.equal(malformed, 1, 'the garbage token counts once, under a parsing reason');
});

test('a sign-up queues a mail: tessera_outbox_mails counts it, and it moves to sent', async () => {
  // The earlier tests' sign-ups queued mails too, and the sender gathers mails for a moment
  // before it claims them: wait until none is in flight, so that only this one moves.
  const inFlight = (s) => v(s, 'tessera_outbox_mails', { state: 'pending' }) + v(s, 'tessera_outbox_mails', { state: 'sending' });
  const { value: b } = await eventually(async () => {
    const now = await scrape();
    return inFlight(now) === 0 ? now : null;
  }, { withinMs: 5000, everyMs: 50, what: 'the earlier mails delivered' });
  const total = (s) => ['pending', 'sending', 'sent', 'dead'].reduce((n, state) => n + v(s, 'tessera_outbox_mails', { state }), 0);
  const s = await signup(api);
  await t.waitForLog((l) => l.msg === 'mail' && l.to === s.email);
  const { value: a } = await eventually(async () => {
    const now = await scrape();
    return v(now, 'tessera_outbox_mails', { state: 'sent' }) === v(b, 'tessera_outbox_mails', { state: 'sent' }) + 1 ? now : null;
  }, { withinMs: 5000, everyMs: 100, what: 'the mail counted as sent' });
  assert.equal(total(a), total(b) + 1);
  assertDeltas(b, a, [
    ['tessera_outbox_mails', { state: 'dead' }, 0],
    ['tessera_outbox_mails', { state: 'pending' }, 0],
    [...http('/auth/signup', 'POST', 201), 1],
  ]);
});
