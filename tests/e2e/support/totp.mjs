// Second factors as a user's authenticator app sees them: codes made by npm otpauth (an
// implementation independent of Tessera's), and the enrolment steps every MFA suite repeats.
import assert from 'node:assert/strict';
import * as OTPAuth from 'otpauth';
import { sleep } from './wait.mjs';

// The authenticator for an enrolment's secret (base32), with the parameters apps default to.
export const authenticator = (secret) =>
  new OTPAuth.TOTP({ secret: OTPAuth.Secret.fromBase32(secret), algorithm: 'SHA1', digits: 6, period: 30 });

// The code `steps` time steps from now (0: the current one).
export const codeAt = (totp, steps = 0) => totp.generate({ timestamp: Date.now() + steps * 30_000 });

// Waits until the current 30-second step has at least `margin` ms left, so a code made now is
// still the current one when the server checks it.
export async function awayFromStepEdge(margin = 4000) {
  const left = 30_000 - (Date.now() % 30_000);
  if (left < margin) await sleep(left + 50);
}

// Waits for the next time step to begin (a code of the previous step has been spent).
export async function nextStep() {
  await sleep(30_000 - (Date.now() % 30_000) + 50);
}

// Enrols and confirms TOTP for the session `s`; returns the confirm response's body (tokens at
// aal2 and the recovery codes), the authenticator and the code that confirmed.
export async function enableTotp(api, s) {
  const enrolled = await api.post('/auth/mfa/totp', { token: s.access });
  assert.equal(enrolled.status, 201, enrolled.text);
  const totp = authenticator(enrolled.body.secret);
  // The calls a test makes next (logins, codes of the next step) stay in the confirming step.
  await awayFromStepEdge(8000);
  const code = codeAt(totp);
  const confirmed = await api.post('/auth/mfa/totp/confirm', { token: s.access, json: { code } });
  assert.equal(confirmed.status, 200, confirmed.text);
  return { ...confirmed.body, totp, code, enrolled: enrolled.body };
}

// A password login that must stop at the second step; returns the problem's body.
export async function passwordStep(api, account) {
  const res = await api.post('/auth/login', { json: { email: account.email, password: account.password } });
  assert.equal(res.status, 403, res.text);
  assert.equal(res.body.code, 'mfa_required');
  return res.body;
}
