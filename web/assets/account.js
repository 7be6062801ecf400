// The account page (/account): profile, email verification (with a resend button), sessions
// (with revoke), change password, log out, log out everywhere. It holds no token when it loads:
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

const passwordForm = $('#password-form');
wirePasswordToggles(passwordForm);
onSubmit(passwordForm, async ({ current_password: current, new_password: next }) => {
  say($('#password-status'), '');
  user = await api.changePassword(current, next);
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
    const [me] = await Promise.all([api.me(), renderSessions()]);
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
