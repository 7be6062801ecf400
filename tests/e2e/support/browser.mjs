// Headless Chromium for the hosted-page suites (tests/e2e/pages_*.test.mjs): Debian's
// /usr/bin/chromium driven by npm playwright-core (never `npx playwright install`).
//
//   pageTest('a wrong password shows a message', async ({ page, context }) => { ... });
//
// pageTest() gives each test its own browser context (fresh cookies and storage) in one shared
// headless Chromium, and afterwards fails the test if any page of that context logged a console
// error, threw an uncaught exception, or showed the pages' "something went wrong in this page"
// marker. On failure it keeps a full-page screenshot of every open page in tests/e2e/artifacts/
// (gitignored) and names the files in the error.
//
// The one console error that is not the page's fault is Chromium's own "Failed to load
// resource: the server responded with a status of 4xx" line, which it logs for every fetch()
// answered with an error status, handled or not. Such a line is accepted only for an API
// request answered with application/problem+json (an error the page shows as a sentence); the
// same line for a page, a script, a stylesheet or an icon fails the test.
import { test } from 'node:test';
import { mkdirSync } from 'node:fs';
import { join, resolve, basename } from 'node:path';
import { chromium } from 'playwright-core';

export const CHROMIUM = process.env.TESSERA_CHROMIUM ?? '/usr/bin/chromium';
export const ARTIFACTS = resolve(import.meta.dirname, '../artifacts');

// Loopback only: no sandbox (the tests run as root), and nothing that calls Google's servers.
// playwright-core gives every launch a fresh temporary --user-data-dir of its own (it refuses
// one in `args`) and removes it on close.
export const CHROMIUM_ARGS = [
  '--no-sandbox',
  '--disable-background-networking',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

// What every page-suite server gets: TESSERA_WEB_DIR passed through, so `TESSERA_WEB_DIR=web`
// runs the suites against the folder being edited instead of the pages built into the binary.
export const PAGE_ENV = process.env.TESSERA_WEB_DIR ? { TESSERA_WEB_DIR: resolve(process.env.TESSERA_WEB_DIR) } : {};

export const DESKTOP = { width: 1024, height: 800 };
export const PHONE = { width: 375, height: 740 };

let shared = null;

// The shared browser of this test file (launched on first use).
export function browser() {
  if (!shared) {
    shared = chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS, timeout: 30000 });
  }
  return shared;
}

export async function closeBrowser() {
  if (!shared) return;
  const b = await shared.catch(() => null);
  shared = null;
  await b?.close();
}

const FAILED_LOAD = /^Failed to load resource: the server responded with a status of (\d+)/;
// Paths of the hosted pages and their assets; everything else is the API.
const isPageOrAsset = (path) => path === '/' || path.startsWith('/assets/') ||
  ['/sign-up', '/forgot-password', '/account', '/admin', '/reset-password', '/auth/verify-email'].includes(path);

// A browser context that records what went wrong in any of its pages.
export async function newSession({ viewport = DESKTOP, ...options } = {}) {
  const context = await (await browser()).newContext({ viewport, ...options });
  context.setDefaultTimeout(10000);
  context.setDefaultNavigationTimeout(15000);
  const consoleErrors = []; // { text, url }
  const pageErrors = [];
  const responses = []; // { url, status, type, method }
  const allowed = []; // { path, status }: error answers a test expects a page to get
  const allowedConsole = []; // patterns of console errors a test causes on purpose
  const watch = (page) => {
    page.on('console', (m) => {
      if (m.type() === 'error') consoleErrors.push({ text: m.text(), url: m.location()?.url ?? '' });
    });
    page.on('pageerror', (e) => pageErrors.push(`${e.name}: ${e.message}`));
    page.on('response', (r) => {
      responses.push({ url: r.url(), status: r.status(), type: r.headers()['content-type'] ?? '', method: r.request().method() });
    });
  };
  context.on('page', watch);
  const page = await context.newPage();

  // The console errors and uncaught exceptions that count against the pages.
  const problems = async () => {
    const out = pageErrors.map((e) => `uncaught: ${e}`);
    for (const { text, url } of consoleErrors) {
      const failed = text.match(FAILED_LOAD);
      if (failed && url) {
        const path = new URL(url).pathname;
        const handled = responses.some((r) => r.url === url && String(r.status) === failed[1] &&
          /^application\/problem\+json\b/.test(r.type));
        if (handled && !isPageOrAsset(path)) continue;
        if (allowed.some((a) => a.path === path && String(a.status) === failed[1])) continue;
      }
      if (allowedConsole.some((re) => re.test(text))) continue;
      out.push(`console error: ${text}${url ? ` (${url})` : ''}`);
    }
    for (const p of context.pages()) {
      const marker = await p.locator('[data-unexpected-error]').count().catch(() => 0);
      if (marker) out.push(`${p.url()}: the page showed its "something went wrong in this page" marker`);
    }
    return out;
  };

  // Accepts Chromium's "Failed to load resource" line for `path` answered `status` (a page
  // that is meant to answer an error status, e.g. the page of an expired link).
  const allowHttpError = (path, status) => allowed.push({ path, status });

  // Accepts console errors matching `pattern` (a failure the test itself provokes, such as a
  // refused connection).
  const allowConsoleError = (pattern) => allowedConsole.push(pattern);

  return { context, page, responses, consoleErrors, pageErrors, problems, allowHttpError, allowConsoleError };
}

// Screenshots of every open page of `session` into tests/e2e/artifacts/; returns the paths.
export async function keepScreenshots(session, name) {
  mkdirSync(ARTIFACTS, { recursive: true });
  const stem = name.replace(/[^A-Za-z0-9]+/g, '-').replace(/^-|-$/g, '').slice(0, 80);
  const files = [];
  let i = 0;
  for (const p of session.context.pages()) {
    const file = join(ARTIFACTS, `${stem}${i ? `-${i}` : ''}.png`);
    i += 1;
    try {
      await p.screenshot({ path: file, fullPage: true, timeout: 5000 });
      files.push(file);
    } catch {
      // a crashed or closed page has nothing to show
    }
  }
  return files;
}

// A node:test test with a fresh browser context: `fn({ page, context, session, t })`. Fails on
// console errors, page errors and the unexpected-error marker; keeps screenshots on failure.
export function pageTest(name, optionsOrFn, maybeFn) {
  const fn = typeof optionsOrFn === 'function' ? optionsOrFn : maybeFn;
  const options = typeof optionsOrFn === 'function' ? {} : optionsOrFn;
  const { viewport, contextOptions, ...testOptions } = options;
  return test(name, testOptions, async (t) => {
    const session = await newSession({ viewport, ...contextOptions });
    try {
      await fn({ page: session.page, context: session.context, session, t });
      const problems = await session.problems();
      if (problems.length) throw new Error(`the pages reported errors:\n  ${problems.join('\n  ')}`);
    } catch (err) {
      const suite = basename(process.argv[1] ?? 'pages', '.test.mjs');
      const shots = await keepScreenshots(session, `${suite}-${name}`);
      if (shots.length) err.message += `\nscreenshots: ${shots.join(', ')}`;
      throw err;
    } finally {
      await session.context.close().catch(() => {});
    }
  });
}

// The text of the live region (role=alert or role=status) `selector` once it is not empty.
export async function messageIn(page, selector) {
  const loc = page.locator(selector);
  await loc.filter({ hasText: /\S/ }).waitFor();
  return (await loc.textContent()).trim();
}

// True when the page's content is wider than its viewport (a horizontal scroll bar).
export function overflowsHorizontally(page) {
  return page.evaluate(() => document.documentElement.scrollWidth > window.innerWidth + 1 ||
    document.body.scrollWidth > window.innerWidth + 1);
}
