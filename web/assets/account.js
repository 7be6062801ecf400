// The account page (/account): profile, email verification (with a resend button), two-step
// login (set up an authenticator app, recovery codes, remove it), sessions (with revoke),
// change password, log out, log out everywhere. Changes the server guards with a step-up
// (step_up_required) ask for a code first and are then tried again once. It holds no token when it loads:
// the first request refreshes through the HttpOnly cookie, so a reload keeps the person logged
// in, and nobody logged in is sent to the log-in page.
import * as api from './api.js';
import {
  $, describeDevice, el, formatDate, goToLogin, messageOf, onSubmit, say, showNav, timeElement,
  wirePasswordToggles,
} from './ui.js';

const main = $('main');
const status = $('#status');
const pageError = $('#page-error');
let user = null;

// Notes for ?m=... (set by the page that sent the person here).
const NOTES = {
  welcome: (u) => `Your account is ready. We sent a link to ${u.email} to confirm the address.`,
};

function badge(text, kind) {
  return el('span', `badge ${kind}`, text);
}

function renderProfile() {
  $('#profile-email').textContent = user.email ?? '—';
  $('#profile-username').textContent = user.username ?? '—';
  $('#profile-roles').textContent = user.roles?.length ? user.roles.join(', ') : 'none';
  $('#profile-created').textContent = formatDate(user.created_at);
  $('#profile-id').textContent = user.id;

  const state = $('#email-state');
  if (!user.email) {
    state.replaceChildren('This account has no email address.');
    $('#verify-actions').hidden = true;
  } else if (user.email_verified) {
    state.replaceChildren(badge('Verified', 'good'), ` ${user.email} is confirmed.`);
    $('#verify-actions').hidden = true;
  } else {
    state.replaceChildren(badge('Not verified', 'bad'), ` ${user.email} is not confirmed yet.`);
    $('#verify-actions').hidden = false;
  }
  showNav(user);
}

function sessionItem(s) {
  const device = describeDevice(s.user_agent);
  const li = el('li', s.current ? 'current' : '');
  li.dataset.sessionId = s.id;
  const info = el('div', 'item-main');
  const title = el('p', 'item-title', device);
  if (s.user_agent) title.title = s.user_agent;
  if (s.current) title.append(' ', badge('This device', 'info'));
  const meta = el('p', 'item-meta');
  meta.append(`IP ${s.ip || 'unknown'} · last used `, timeElement(s.last_used_at), ' · signed in ', timeElement(s.created_at));
  info.append(title, meta);
  li.append(info);

  const actions = el('div', 'item-actions');
  if (s.current) {
    actions.append(el('span', 'hint', 'Use “Log out” below to end this one.'));
  } else {
    const revoke = el('button', 'small danger', 'Revoke');
    revoke.type = 'button';
    revoke.setAttribute('aria-label', `Revoke the session of ${device}, IP ${s.ip || 'unknown'}`);
    revoke.addEventListener('click', () => revokeSession(s, revoke));
    actions.append(revoke);
  }
  li.append(actions);
  return li;
}

async function renderSessions() {
  const list = await api.sessions();
  // This device first, then the most recently used.
  list.sort((a, b) => (b.current - a.current) || String(b.last_used_at).localeCompare(String(a.last_used_at)));
  $('#sessions').replaceChildren(...list.map(sessionItem));
}

async function revokeSession(session, button) {
  say($('#sessions-status'), '');
  say($('#sessions-error'), '');
  button.disabled = true;
  try {
    try {
      await api.revokeSession(session.id);
    } catch (err) {
      // Already gone (revoked elsewhere, or expired): the list below shows what is left.
      if (err.code !== 'not_found') throw err;
    }
    await renderSessions();
    say($('#sessions-status'), `The session of ${describeDevice(session.user_agent)} was revoked.`);
    $('#sessions-heading').focus();
  } catch (err) {
    if (err.signedOut) return goToLogin('expired');
    say($('#sessions-error'), messageOf(err));
    button.disabled = false;
  }
  return undefined;
}

$('#resend').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  say($('#resend-status'), '');
  say($('#resend-error'), '');
  button.disabled = true;
  try {
    await api.resendVerification(user.email);
    say($('#resend-status'), `A new link is on its way to ${user.email}, unless one was sent in the last minute.`);
  } catch (err) {
    say($('#resend-error'), messageOf(err));
  } finally {
    button.disabled = false;
  }
});

// ------------------------------------------------------------------- step-up

const stepUpForm = $('#stepup-form');
let stepUp = null;  // { resolve, reject } of the change waiting for it
let stepUpMethod = 'totp';
let mfaOn = false;  // with a second factor, a step-up takes its code; without, the password

const STEP_UP = {
  totp: { label: 'Code from your app', hint: 'Confirm it is you: enter the code from your authenticator app.', type: 'text', mode: 'numeric' },
  recovery_code: { label: 'Recovery code', hint: 'Confirm it is you: enter one of your recovery codes.', type: 'text', mode: 'text' },
  password: { label: 'Your password', hint: 'Confirm it is you: enter your password again.', type: 'password', mode: 'text' },
};

function useStepUpMethod(method) {
  stepUpMethod = method;
  const how = STEP_UP[method];
  $('#stepup-label').textContent = how.label;
  $('#stepup-hint').textContent = how.hint;
  $('#stepup-recovery').hidden = method === 'password';
  $('#stepup-recovery').textContent = method === 'recovery_code' ? 'Use the code from your app instead' : 'Use a recovery code instead';
  const input = stepUpForm.elements.code;
  input.type = how.type;
  input.inputMode = how.mode;
  input.autocomplete = method === 'password' ? 'current-password' : 'one-time-code';
  input.value = '';
}

function endStepUp() {
  stepUpForm.hidden = true;
  stepUp = null;
}

// Shows the step-up form; resolves once the code proved it is the person, rejects on cancel.
function askStepUp() {
  if (stepUp) stepUp.reject(new api.ApiError({ code: 'step_up_cancelled' }));
  useStepUpMethod(mfaOn ? 'totp' : 'password');
  stepUpForm.hidden = false;
  stepUpForm.scrollIntoView({ block: 'nearest' });
  stepUpForm.elements.code.focus();
  return new Promise((resolve, reject) => {
    stepUp = { resolve, reject };
  });
}

// Runs a change; when the server wants a fresh second factor first, asks for it and runs the
// change once more.
async function withStepUp(change) {
  try {
    return await change();
  } catch (err) {
    if (err.code !== 'step_up_required') throw err;
    await askStepUp();
    return change();
  }
}

onSubmit(stepUpForm, async ({ code }) => {
  await api.reauthenticate(stepUpMethod, stepUpMethod === 'password' ? code : code.trim());
  const waiting = stepUp;
  endStepUp();
  waiting?.resolve();
}, { error: $('#stepup-error'), session: true });

$('#stepup-recovery').addEventListener('click', () => {
  useStepUpMethod(stepUpMethod === 'totp' ? 'recovery_code' : 'totp');
  stepUpForm.elements.code.focus();
});
$('#stepup-cancel').addEventListener('click', () => {
  const waiting = stepUp;
  endStepUp();
  waiting?.reject(new api.ApiError({ code: 'step_up_cancelled' }));
});

// ------------------------------------------------------------------- two-step login

let shownCodes = [];

async function renderMfa() {
  const state = await api.mfaState();
  mfaOn = state.totp.enabled;
  const line = $('#mfa-state');
  if (state.totp.enabled) {
    const left = state.recovery_codes.remaining;
    line.replaceChildren(badge('On', 'good'), ` Logins ask for a code from your authenticator app. ${left} of ${state.recovery_codes.total} recovery codes left.`);
  } else {
    line.replaceChildren(badge('Off', 'bad'), ' Logins ask only for your password.');
  }
  $('#mfa-on').hidden = !state.totp.enabled;
  $('#mfa-off').hidden = state.totp.enabled || !$('#mfa-setup').hidden;
}

function showCodes(codes) {
  shownCodes = codes;
  $('#mfa-codes').replaceChildren(...codes.map((c) => el('li', '', c)));
  $('#mfa-codes-box').hidden = false;
  $('#mfa-codes-box').scrollIntoView({ block: 'nearest' });
}

// The key as apps show it: groups of four.
const grouped = (secret) => secret.replace(/(.{4})(?=.)/g, '$1 ');

async function mfaAction(button, action) {
  say($('#mfa-status'), '');
  say($('#mfa-error'), '');
  button.disabled = true;
  try {
    await action();
  } catch (err) {
    if (err.signedOut) return goToLogin('expired');
    say($('#mfa-error'), messageOf(err));
  } finally {
    button.disabled = false;
  }
  return undefined;
}

$('#mfa-enrol').addEventListener('click', (event) => mfaAction(event.currentTarget, async () => {
  const enrolment = await withStepUp(() => api.enrolTotp());
  // The SVG is the server's own drawing (no script); parsed as SVG and adopted, not as HTML.
  const svg = new DOMParser().parseFromString(enrolment.qr_svg, 'image/svg+xml').documentElement;
  $('#mfa-qr').replaceChildren(document.importNode(svg, true));
  $('#mfa-secret').textContent = grouped(enrolment.secret);
  $('#mfa-off').hidden = true;
  $('#mfa-setup').hidden = false;
  $('#mfa-code').focus();
}));

$('#mfa-cancel').addEventListener('click', () => {
  $('#mfa-setup').hidden = true;
  $('#mfa-off').hidden = false;
  $('#mfa-confirm-form').reset();
});

onSubmit($('#mfa-confirm-form'), async ({ code }) => {
  const codes = await api.confirmTotp(code.trim());
  $('#mfa-confirm-form').reset();
  $('#mfa-setup').hidden = true;
  say($('#mfa-status'), 'The authenticator app is on. Every other session was logged out.');
  showCodes(codes);
  await Promise.all([renderMfa(), renderSessions()]);
}, { error: $('#mfa-confirm-error'), session: true });

$('#mfa-copy').addEventListener('click', async () => {
  try {
    await navigator.clipboard.writeText(shownCodes.join('\n'));
    say($('#mfa-status'), 'The recovery codes were copied.');
  } catch {
    say($('#mfa-error'), 'This browser would not copy them. Select them and copy, or download them.');
  }
});

$('#mfa-download').addEventListener('click', () => {
  const text = `Recovery codes for ${user.email ?? user.username}\nEach works once.\n\n${shownCodes.join('\n')}\n`;
  const link = el('a');
  link.href = URL.createObjectURL(new Blob([text], { type: 'text/plain' }));
  link.download = 'recovery-codes.txt';
  document.body.append(link);
  link.click();
  link.remove();
  setTimeout(() => URL.revokeObjectURL(link.href), 1000);
});

$('#mfa-codes-done').addEventListener('click', () => {
  shownCodes = [];
  $('#mfa-codes').replaceChildren();
  $('#mfa-codes-box').hidden = true;
  $('#mfa-heading').focus();
});

$('#mfa-regenerate').addEventListener('click', (event) => mfaAction(event.currentTarget, async () => {
  const codes = await withStepUp(() => api.regenerateRecoveryCodes());
  say($('#mfa-status'), 'New recovery codes were made. The old ones no longer work.');
  showCodes(codes);
  await renderMfa();
}));

$('#mfa-remove').addEventListener('click', (event) => mfaAction(event.currentTarget, async () => {
  await withStepUp(() => api.removeTotp());
  say($('#mfa-status'), 'The authenticator app was removed. Every other session was logged out.');
  await Promise.all([renderMfa(), renderSessions()]);
}));

// ------------------------------------------------------------------- password

const passwordForm = $('#password-form');
wirePasswordToggles(passwordForm);
onSubmit(passwordForm, async ({ current_password: current, new_password: next }) => {
  say($('#password-status'), '');
  user = await withStepUp(() => api.changePassword(current, next));
  passwordForm.reset();
  for (const input of passwordForm.querySelectorAll('input[data-controls]')) input.checked = false;
  for (const input of passwordForm.querySelectorAll('input[type="text"]')) input.type = 'password';
  say($('#password-status'), 'Your password has been changed. Every other session was logged out.');
  await renderSessions();
}, {
  error: $('#password-error'),
  reasons: $('#password-reasons'),
  messages: { invalid_credentials: 'The current password is not right.' },
  session: true,
});

$('#logout').addEventListener('click', async (event) => {
  event.currentTarget.disabled = true;
  await api.logout();
  goToLogin('logged-out');
});

$('#logout-all').addEventListener('click', async (event) => {
  const button = event.currentTarget;
  say($('#logout-error'), '');
  button.disabled = true;
  try {
    await api.logoutAll();
    goToLogin('logged-out-everywhere');
  } catch (err) {
    if (err.signedOut) return goToLogin('expired');
    say($('#logout-error'), messageOf(err));
    button.disabled = false;
  }
  return undefined;
});

async function load() {
  try {
    const [me] = await Promise.all([api.me(), renderSessions(), renderMfa()]);
    user = me;
    renderProfile();
    const note = NOTES[new URLSearchParams(window.location.search).get('m')];
    if (note) say(status, note(user));
    $('#loading').hidden = true;
    $('#account').hidden = false;
  } catch (err) {
    if (err.signedOut) {
      goToLogin(err.code === 'signed_out' ? 'login-required' : 'expired');
      return;
    }
    $('#loading').hidden = true;
    say(pageError, `${messageOf(err)} Reload the page to try again.`);
  } finally {
    main.removeAttribute('aria-busy');
  }
}

load();
