// The log-in page (/): email or username and password; on success, the account page (which
// picks the session up through the refresh cookie).
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

say(status, NOTES[new URLSearchParams(window.location.search).get('m')] ?? '');
wirePasswordToggles(form);

onSubmit(form, async ({ login, password }) => {
  resendBox.hidden = true;
  say(status, '');
  try {
    await api.login(login.trim(), password);
  } catch (err) {
    if (err.code === 'email_not_verified' && login.includes('@')) resendBox.hidden = false;
    if (err.code === 'invalid_credentials') form.elements.password.value = '';
    throw err;
  }
  window.location.assign(destination());
}, { error });

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
