// What a whole test file uses (a Tessera, an SMTP server), declared once at its top instead of a
// before/after pair in every file:
//
//   const t = useTessera({ env: { TESSERA_ACCESS_TTL: '30s' } });   // support/tessera.mjs
//   const smtp = useSmtpServer();                                    // support/smtp.mjs
//   const server = useMailTessera({ smtp });                         // support/email.mjs
//   test('…', async () => { await t.api.get('/auth/me'); });
//
//   setUp(async () => { admin = await makeAdmin(t, t.api); });      // once all of them are up
//
// A declaration returns a handle at once; the thing itself fills the handle before the file's
// first test and is stopped after its last. All of a file's declarations start together in one
// `before` hook (registered with the first), so four servers cost the start of one; one that
// needs another waits for it (`ready`). They stop together in one `after` hook, which fails the
// file when a stop does (a sanitizer report in a server's log, for one).
//
// Node 20 runs a file's root-level `before` hooks at once and side by side, not one after the
// other: set-up that needs a declared server goes in `setUp`, which waits for them, never in a
// bare `before`.
import { before, after } from 'node:test';

const declared = []; // { handle, ready, start, stop } in declaration order

// Declares a resource: `start()` resolves with its fields (copied into the handle), and
// `stop(handle)` ends it. Returns the handle.
export function useForFile(start, stop) {
  const handle = {};
  let settle;
  const ready = new Promise((resolve, reject) => { settle = { resolve, reject }; });
  ready.catch(() => {}); // a failed start is reported by the hook, not as an unhandled rejection
  let started = false;
  if (declared.length === 0) {
    before(async () => {
      // The hook runs at once, while the file is still declaring: a tick later every
      // declaration of the file is in `declared`.
      await new Promise(setImmediate);
      await Promise.all(declared.map((d) => d.start()));
    });
    after(async () => {
      const stops = await Promise.allSettled(declared.map((d) => d.stop()));
      const failed = stops.find((s) => s.status === 'rejected');
      if (failed) throw failed.reason;
    });
  }
  declared.push({
    handle,
    ready,
    start: async () => {
      try {
        // Descriptors, not values: a getter (the SMTP server's current port) stays a getter.
        Object.defineProperties(handle, Object.getOwnPropertyDescriptors(await start()));
        started = true;
        settle.resolve(handle);
      } catch (e) {
        settle.reject(e);
        throw e;
      }
    },
    stop: async () => { if (started) await stop(handle); },
  });
  return handle;
}

// Resolves once a declared handle's resource has started (for a declaration that needs it).
export function ready(handle) {
  const d = declared.find((x) => x.handle === handle);
  if (!d) throw new Error('ready() takes a handle returned by a use…() declaration');
  return d.ready;
}

// Runs `fn` once before the file's first test, after everything the file declared has started.
export function setUp(fn) {
  before(async () => {
    await new Promise(setImmediate); // every declaration is made
    await Promise.all(declared.map((d) => d.ready));
    await fn();
  });
}
