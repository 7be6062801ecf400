// The log-in page (/): email or username and password; on success, the account page (which
// picks the session up through the refresh cookie). An account with a second factor answers
// mfa_required with a ticket: the page then asks for the authenticator app's code (or a
// recovery code) and finishes the login with it.
import * as api from './api.js';
import { $, messageOf, onSubmit, say, wirePasswordToggles } from './ui.js';

// Why the person was sent here (?m=...).
const NOTES = {
  'logged-out': 'You have logged out.',
  'logged-out-everywhere': 'You have logged out on every device.',
  expired: 'Your session has ended. Log in again.',
  'login-required': 'Log in to continue.',
  'password-reset': 'Your password has been changed. Log in with the new one.',
};

// Where to go after logging in: only our own pages.
function destination() {
  const next = new URLSearchParams(window.location.search).get('next');
  return next === '/admin' ? '/admin' : '/account';
}

const form = $('#login-form');
const error = $('#login-error');
const resendBox = $('#resend-box');
const status = $('#status');
const mfaForm = $('#mfa-form');
const links = $('#login-links');

say(status, NOTES[new URLSearchParams(window.location.search).get('m')] ?? '');
wirePasswordToggles(form);

// The second step: the ticket of the password step, and the method the code is for.
let ticket = null;
let method = 'totp';

function useMethod(next) {
  method = next;
  const code = mfaForm.elements.code;
  const recovery = method === 'recovery_code';
  $('#code-label').textContent = recovery ? 'Recovery code' : 'Code from your app';
  $('#mfa-hint').textContent = recovery
    ? 'Enter one of the recovery codes you saved when you set up the app. Each works once.'
    : 'Open your authenticator app and enter the 6-digit code it shows.';
  code.inputMode = recovery ? 'text' : 'numeric';
  code.autocomplete = recovery ? 'off' : 'one-time-code';
  $('#use-recovery').textContent = recovery ? 'Use the code from your app instead' : 'Use a recovery code instead';
  code.value = '';
  say($('#mfa-error'), '');
  code.focus();
}

function showSecondStep(problem) {
  ticket = problem.mfa_ticket;
  form.hidden = true;
  links.hidden = true;
  mfaForm.hidden = false;
  useMethod('totp');
}

function backToPassword(message = '') {
  ticket = null;
  mfaForm.hidden = true;
  form.hidden = false;
  links.hidden = false;
  form.elements.password.value = '';
  say(error, message);
  form.elements.password.focus();
}

onSubmit(form, async ({ login, password }) => {
  resendBox.hidden = true;
  say(status, '');
  try {
    await api.login(login.trim(), password);
  } catch (err) {
    if (err.code === 'mfa_required' && typeof err.problem?.mfa_ticket === 'string') {
      showSecondStep(err.problem);
      return;
    }
    if (err.code === 'email_not_verified' && login.includes('@')) resendBox.hidden = false;
    if (err.code === 'invalid_credentials') form.elements.password.value = '';
    throw err;
  }
  window.location.assign(destination());
}, { error });

onSubmit(mfaForm, async ({ code }) => {
  try {
    // The account page says how many recovery codes are left.
    await api.loginMfa(ticket, method, code.trim());
  } catch (err) {
    if (err.code === 'mfa_ticket_invalid') {
      backToPassword(messageOf(err));
      return;
    }
    mfaForm.elements.code.value = '';
    throw err;
  }
  window.location.assign(destination());
}, { error: $('#mfa-error') });

$('#use-recovery').addEventListener('click', () => useMethod(method === 'totp' ? 'recovery_code' : 'totp'));
$('#mfa-back').addEventListener('click', () => backToPassword());

$('#resend').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  const email = form.elements.login.value.trim();
  button.disabled = true;
  try {
    await api.resendVerification(email);
    say(error, '');
    say(status, `If ${email} has an account waiting for confirmation, a new link is on its way.`);
  } catch (err) {
    say(error, messageOf(err));
  } finally {
    button.disabled = false;
  }
});
