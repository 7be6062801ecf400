// Helpers for the email flows (verification, reset, the outbox) in the black-box suites:
//
//   const { tessera, api, publicUrl } = await startMailTessera({ smtp });  // links point at it
//   const server = useMailTessera({ smtp });                                // for the whole file
//   const page = await api.get(pathOf(link));                               // the page of a link
//   const form = formOf(page.text);                                         // its one form
//   await submitForm(publicUrl, form, { new_password: 'x' });               // as a browser would
//   await outboxList(tessera.dir);                                          // `tessera outbox list --json`
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { startTessera } from './tessera.mjs';
import { runCli } from './cli.mjs';
import { client } from './http.mjs';
import { freePort } from './ports.mjs';
import { ready, useForFile } from './suite.mjs';

// Starts `tessera serve` whose TESSERA_PUBLIC_URL is its own address, delivering through `smtp`
// (support/smtp.mjs) when given, to the log otherwise. `dir` restarts on an existing directory
// (same database); `keepDir` keeps a fresh directory after stop() for such a restart; `port`
// reuses a port (a restart keeps its public URL).
export async function startMailTessera({ smtp, env = {}, dir, port, keepDir = false } = {}) {
  const p = port ?? await freePort();
  const publicUrl = `http://127.0.0.1:${p}`;
  const mailEnv = smtp ? { TESSERA_SMTP_URL: smtp.url(), TESSERA_SMTP_CA_FILE: smtp.caFile } : {};
  const tessera = await startTessera({
    dir,
    keepDir,
    env: { TESSERA_LISTEN: `127.0.0.1:${p}`, TESSERA_PUBLIC_URL: publicUrl, ...mailEnv, ...env },
  });
  return { tessera, api: client(tessera.url), publicUrl, port: p };
}

// startMailTessera for the whole test file (support/suite.mjs): the handle has its fields
// (tessera, api, publicUrl, port) once the tests run. `smtp` may be a handle of useSmtpServer;
// the server then starts once the SMTP server has.
export function useMailTessera({ smtp, ...options } = {}) {
  return useForFile(async () => {
    if (smtp) await ready(smtp);
    return startMailTessera({ smtp, ...options });
  }, (server) => server.tessera.stop());
}

// The token a mailed link carries.
export const tokenOf = (link) => new URL(link).searchParams.get('token');

// The path and query of a link (for the http.mjs client, which takes paths).
export const pathOf = (link) => {
  const u = new URL(link);
  return u.pathname + u.search;
};

// A link's origin and path, without the token (what may be logged or compared).
export const linkBase = (link) => link.slice(0, link.indexOf('token=') + 'token='.length);

const unescapeHtml = (s) => s
  .replace(/&quot;/g, '"').replace(/&#39;/g, "'").replace(/&lt;/g, '<').replace(/&gt;/g, '>')
  .replace(/&amp;/g, '&');

const attr = (tag, name) => {
  const m = tag.match(new RegExp(`\\s${name}="([^"]*)"`, 'i'));
  return m ? unescapeHtml(m[1]) : null;
};

// The page's forms: method, action, every named input (name -> value) and the button labels.
export function formsOf(html) {
  return [...html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)].map(([, open, inner]) => {
    const fields = {};
    const types = {};
    for (const [tag] of inner.matchAll(/<input\b[^>]*>/gi)) {
      const name = attr(tag, 'name');
      if (name === null) continue;
      fields[name] = attr(tag, 'value') ?? '';
      types[name] = attr(tag, 'type') ?? 'text';
    }
    const buttons = [...inner.matchAll(/<button\b[^>]*>([\s\S]*?)<\/button>/gi)].map((m) => unescapeHtml(m[1].trim()));
    return { method: (attr(`<form ${open}`, 'method') ?? 'get').toLowerCase(), action: attr(`<form ${open}`, 'action'), fields, types, buttons };
  });
}

// The page's one form (fails the test when there is none or more than one).
export function formOf(html) {
  const forms = formsOf(html);
  assert.equal(forms.length, 1, `expected one form in:\n${html}`);
  return forms[0];
}

// What a browser sends when the user submits `form` of a page at `pageUrl` (after filling in
// `fill`): a form-encoded POST to the action, accepting HTML, from the page's own origin.
export async function submitForm(pageUrl, form, fill = {}, { headers = {} } = {}) {
  assert.equal(form.method, 'post');
  const target = new URL(form.action, pageUrl);
  const origin = new URL(pageUrl).origin;
  const res = await fetch(target, {
    method: 'POST',
    redirect: 'manual',
    headers: {
      'content-type': 'application/x-www-form-urlencoded',
      accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8',
      origin,
      'sec-fetch-site': 'same-origin',
      'sec-fetch-mode': 'navigate',
      ...headers,
    },
    body: new URLSearchParams({ ...form.fields, ...fill }).toString(),
  });
  return { status: res.status, headers: res.headers, text: await res.text() };
}

// `tessera ARGS...` against the database of the test server whose home is `dir` (support/cli.mjs).
export { runCli };

// `tessera outbox list --json` for the database in `dir`: one object per mail, newest first.
export async function outboxList(dir, { state } = {}) {
  const args = ['outbox', 'list', '--json', '--limit', '1000'];
  if (state) args.push('--state', state);
  const r = await runCli(args, { dir });
  assert.equal(r.code, 0, `outbox list failed (${r.code}): ${r.stderr}`);
  return r.stdout.split('\n').filter(Boolean).map((l) => JSON.parse(l));
}

// Runs SQL on the SQLite database in `dir` with the sqlite3 shell. Only for moving stored
// times into the past (a lease or a rate-limit window "has run out") where waiting would take
// minutes; everything else goes through the server or the CLI.
export function sqlite(dir, sql) {
  return execFileSync('sqlite3', ['-cmd', '.timeout 5000', join(dir, 'tessera.db'), sql], { encoding: 'utf8' });
}

// The mails `smtp` received for `address`.
export const mailsTo = (smtp, address) => smtp.messages.filter((m) => m.to.includes(address));

// Proves a negative ("nothing was sent to X") without sleeping: the outbox sends oldest first,
// so once a mail queued after the requests has arrived, whatever they queued has been tried.
// `queueMarker` queues that later mail (e.g. signs up a fresh account); resolves with it.
export async function afterOutboxCatchesUp(smtp, markerAddress, queueMarker, timeoutMs = 15000) {
  await queueMarker();
  return smtp.waitForMessage((m) => m.to.includes(markerAddress), timeoutMs);
}
