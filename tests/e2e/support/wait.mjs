// Waiting in the black-box tests: for a time, or for a condition, always bounded.

// Resolves after ms milliseconds: only for behaviour that is about time (grace, expiry).
export const sleep = (ms) => new Promise((r) => setTimeout(r, ms));

// Polls `check` (async, returns a truthy value when done) every `everyMs` until it succeeds or
// `withinMs` has passed; resolves with the value and how long it took, or throws `what`.
export async function eventually(check, { withinMs, everyMs = 50, what = 'the condition' }) {
  const started = Date.now();
  let last;
  for (;;) {
    last = await check();
    if (last) return { value: last, ms: Date.now() - started };
    if (Date.now() - started > withinMs) throw new Error(`${what} did not happen within ${withinMs} ms`);
    await sleep(everyMs);
  }
}
