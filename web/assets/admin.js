// The users page (/admin), for accounts with the admin role: search, page through, disable or
// enable, and set roles. Every change is a PATCH /admin/users/{id}; the answer (the user as it
// now is) replaces the entry, so the page shows what the server holds.
import * as api from './api.js';
import { $, el, formatDate, goToLogin, messageOf, say, setBusy, showNav } from './ui.js';

const main = $('main');
const pageError = $('#page-error');
const status = $('#status');
const list = $('#users');
const state = { query: '', page: 1, pages: 1 };
let me = null;

const nameOf = (u) => u.email ?? u.username ?? u.id;

// "admin, support" -> ["admin", "support"] (trimmed, no empties, no repeats).
const parseRoles = (text) => [...new Set(text.split(/[\s,]+/).map((r) => r.trim()).filter(Boolean))];

function badge(text, kind) {
  return el('span', `badge ${kind}`, text);
}

function userItem(u) {
  const li = el('li');
  li.dataset.userId = u.id;
  const name = nameOf(u);

  const info = el('div', 'item-main');
  const title = el('p', 'item-title', name);
  if (u.id === me?.id) title.append(' ', badge('You', 'info'));
  if (u.disabled) title.append(' ', badge('Disabled', 'bad'));
  if (u.email && !u.email_verified) title.append(' ', badge('Not verified', 'bad'));
  const meta = el('p', 'item-meta');
  const facts = [];
  if (u.email && u.username) facts.push(`username ${u.username}`);
  facts.push(`joined ${formatDate(u.created_at)}`);
  facts.push(`roles: ${u.roles.length ? u.roles.join(', ') : 'none'}`);
  meta.textContent = facts.join(' · ');
  info.append(title, meta);

  // Roles: one text field and a save button.
  const form = el('form', 'inline');
  form.method = 'post';
  const field = el('div', 'field');
  const inputId = `roles-${u.id}`;
  const label = el('label', '', 'Roles');
  label.htmlFor = inputId;
  label.append(el('span', 'visually-hidden', ` of ${name}`));
  const input = el('input');
  input.id = inputId;
  input.name = 'roles';
  input.type = 'text';
  input.autocomplete = 'off';
  input.spellcheck = false;
  input.value = u.roles.join(', ');
  input.setAttribute('aria-describedby', 'roles-hint');
  field.append(label, input);
  const save = el('button', 'small', 'Save roles');
  save.type = 'submit';
  save.setAttribute('aria-label', `Save the roles of ${name}`);
  form.append(field, save);

  const note = el('p', 'notice success');
  note.setAttribute('role', 'status');
  const error = el('p', 'error');
  error.setAttribute('role', 'alert');
  info.append(form, note, error);

  form.addEventListener('submit', (event) => {
    event.preventDefault();
    change(u, { roles: parseRoles(input.value) }, save, error, `The roles of ${name} were saved.`, `#roles-${CSS.escape(u.id)}`);
  });

  const actions = el('div', 'item-actions');
  const toggle = el('button', u.disabled ? 'small' : 'small danger', u.disabled ? 'Enable' : 'Disable');
  toggle.type = 'button';
  toggle.dataset.action = 'toggle-disabled';
  toggle.setAttribute('aria-label', `${u.disabled ? 'Enable' : 'Disable'} ${name}`);
  toggle.addEventListener('click', () => {
    const verb = u.disabled ? 'enabled' : 'disabled';
    change(u, { disabled: !u.disabled }, toggle, error, `${name} is ${verb}.`, '[data-action="toggle-disabled"]');
  });
  actions.append(toggle);

  li.append(info, actions);
  return li;
}

// Sends a change; the user the server answers replaces the entry, and focus returns to the
// control that made it (by `focusSelector` in the new entry).
async function change(u, changes, button, error, done, focusSelector) {
  say(error, '');
  say(status, '');
  setBusy(button, true);
  try {
    const updated = await api.updateUser(u.id, changes);
    const item = userItem(updated);
    list.querySelector(`li[data-user-id="${CSS.escape(u.id)}"]`)?.replaceWith(item);
    say(item.querySelector('[role="status"]'), done);
    item.querySelector(focusSelector)?.focus();
  } catch (err) {
    if (err.signedOut) {
      goToLogin('expired', '/admin');
      return;
    }
    say(error, messageOf(err));
    setBusy(button, false);
  }
}

async function search() {
  const data = await api.listUsers({ query: state.query, page: state.page });
  const users = data.users ?? [];
  const total = Number(data.total ?? users.length);
  const perPage = Number(data.per_page ?? 50) || 50;
  state.pages = Math.max(1, Math.ceil(total / perPage));
  list.replaceChildren(...users.map(userItem));
  const matching = state.query ? ` matching “${state.query}”` : '';
  $('#summary').textContent = total === 0
    ? `No users${matching}.`
    : `${total} user${total === 1 ? '' : 's'}${matching}.`;
  $('#page-info').textContent = `Page ${state.page} of ${state.pages}`;
  $('#previous').disabled = state.page <= 1;
  $('#next').disabled = state.page >= state.pages;
  // The address keeps the search, so a reload shows the same list.
  const params = new URLSearchParams();
  if (state.query) params.set('query', state.query);
  if (state.page > 1) params.set('page', String(state.page));
  const q = params.toString();
  window.history.replaceState(null, '', q ? `/admin?${q}` : '/admin');
}

async function run(action) {
  say(pageError, '');
  try {
    await action();
  } catch (err) {
    if (err.signedOut) {
      goToLogin(err.code === 'signed_out' ? 'login-required' : 'expired', '/admin');
      return;
    }
    say(pageError, messageOf(err));
  }
}

$('#search-form').addEventListener('submit', (event) => {
  event.preventDefault();
  const button = event.submitter;
  setBusy(button, true);
  state.query = $('#query').value.trim();
  state.page = 1;
  run(search).finally(() => setBusy(button, false));
});

$('#previous').addEventListener('click', () => {
  state.page = Math.max(1, state.page - 1);
  run(search);
});

$('#next').addEventListener('click', () => {
  state.page = Math.min(state.pages, state.page + 1);
  run(search);
});

async function load() {
  const params = new URLSearchParams(window.location.search);
  state.query = params.get('query') ?? '';
  state.page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  $('#query').value = state.query;
  await run(async () => {
    me = await api.me();
    showNav(me);
    if (!(me.roles ?? []).includes('admin')) {
      say(pageError, 'This page is for administrators, and your account does not have the admin role.');
      return;
    }
    await search();
    $('#admin').hidden = false;
  });
  main.removeAttribute('aria-busy');
}

load();
