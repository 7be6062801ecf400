// What every hosted page does with its forms: submit through a handler, show the API's errors
// as sentences next to the form (role="alert" regions, aria-invalid on the fields concerned),
// mark buttons busy, and format dates and devices. No inline styles: visibility is the
// `hidden` attribute, looks are classes in tessera.css.
import { ApiError } from './api.js';

export const $ = (selector, root = document) => root.querySelector(selector);
export const $$ = (selector, root = document) => [...root.querySelectorAll(selector)];

// A bug in the page (not an API answer) still ends as a sentence on the page, never as a blank
// page or an uncaught error in the console. The element is marked so tests notice.
function showUnexpected() {
  const main = $('main') ?? document.body;
  let box = $('#unexpected-error');
  if (!box) {
    box = document.createElement('p');
    box.id = 'unexpected-error';
    box.className = 'error';
    box.setAttribute('role', 'alert');
    box.dataset.unexpectedError = 'true';
    main.prepend(box);
  }
  box.textContent = 'Something went wrong in this page. Reload it and try again.';
}

window.addEventListener('unhandledrejection', (event) => {
  event.preventDefault();
  const { reason } = event;
  if (reason instanceof ApiError && reason.signedOut) {
    goToLogin('expired');
    return;
  }
  showUnexpected();
});
window.addEventListener('error', (event) => {
  event.preventDefault();
  showUnexpected();
});

// The sentence for any thrown value.
export function messageOf(err) {
  if (err instanceof ApiError) return err.message;
  return 'Something went wrong in this page. Reload it and try again.';
}

// Sends the person to the login page, saying why ("expired", "logged-out", ...), and where to
// come back to after logging in (`next`, one of our own pages).
export function goToLogin(why, next) {
  const params = new URLSearchParams();
  if (why) params.set('m', why);
  if (next) params.set('next', next);
  const q = params.toString();
  window.location.replace(q ? `/?${q}` : '/');
}

// Shows a message in a live region (role="status" or role="alert" element).
export function say(el, text) {
  if (!el) return;
  el.textContent = text ?? '';
}

// Fills a <ul> with the weak-password reasons of `err` (or empties and hides it).
export function showReasons(list, err) {
  if (!list) return;
  list.replaceChildren();
  const texts = err instanceof ApiError ? err.reasonTexts : [];
  for (const t of texts) {
    const li = document.createElement('li');
    li.textContent = t;
    list.append(li);
  }
  list.hidden = texts.length === 0;
}

export function setBusy(button, busy) {
  if (!button) return;
  button.disabled = busy;
  if (busy) button.setAttribute('aria-busy', 'true');
  else button.removeAttribute('aria-busy');
}

// Marks fields invalid (aria-invalid) or clears them.
export function markInvalid(form, names) {
  for (const el of $$('input', form)) {
    if (names.includes(el.name)) el.setAttribute('aria-invalid', 'true');
    else el.removeAttribute('aria-invalid');
  }
}

// Which fields an error concerns, so they can be marked and focused.
function fieldsOf(err, form) {
  if (!(err instanceof ApiError)) return [];
  const names = $$('input', form).map((i) => i.name).filter(Boolean);
  if (err.code === 'weak_password') return names.filter((n) => /new_password|^password$/.test(n));
  if (err.code === 'invalid_credentials') return names.filter((n) => /password/.test(n) && n !== 'new_password');
  if (err.code === 'account_exists') return names.filter((n) => n === 'email' || n === 'username');
  if (err.code === 'invalid_request' && err.detail) {
    const named = names.filter((n) => err.detail.toLowerCase().includes(n.replace(/_/g, ' ')) || err.detail.includes(n));
    return named;
  }
  return [];
}

// Wires a form: on submit, clears its messages, marks the submit button busy, and runs
// `handler(values, form)`; a thrown error is shown in the form's [role=alert] element (and
// reasons list), the fields it concerns marked and the first of them focused.
// `messages` replaces the sentence for some problem codes ({ invalid_credentials: '...' }).
// `session`: the form acts as the logged-in person, so an error meaning nobody is logged in
// any more sends the person to log in (the anonymous forms show it like any other error).
export function onSubmit(form, handler, {
  error = $('[role="alert"]', form), reasons = $('ul.reasons', form), messages = {}, session = false,
} = {}) {
  form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const button = event.submitter ?? $('button[type="submit"]', form);
    if (button?.disabled) return;
    say(error, '');
    showReasons(reasons, null);
    markInvalid(form, []);
    setBusy(button, true);
    try {
      const values = Object.fromEntries(new FormData(form).entries());
      await handler(values, form);
    } catch (err) {
      if (session && err instanceof ApiError && err.signedOut) {
        goToLogin('expired');
        return;
      }
      say(error, (err instanceof ApiError && messages[err.code]) || messageOf(err));
      showReasons(reasons, err);
      const fields = fieldsOf(err, form);
      markInvalid(form, fields);
      const first = fields.length ? form.elements.namedItem(fields[0]) : null;
      if (first && typeof first.focus === 'function') first.focus();
    } finally {
      setBusy(button, false);
    }
  });
}

// "Show password" check boxes: data-controls="id1 id2" names the inputs they reveal.
export function wirePasswordToggles(root = document) {
  for (const box of $$('input[type="checkbox"][data-controls]', root)) {
    box.addEventListener('change', () => {
      for (const id of box.dataset.controls.split(/\s+/)) {
        const input = document.getElementById(id);
        if (input) input.type = box.checked ? 'text' : 'password';
      }
    });
  }
}

// The header's links for a logged-in person: the admin link only for admins.
export function showNav(user) {
  const admin = $('#nav-admin');
  if (admin) admin.hidden = !(user?.roles ?? []).includes('admin');
}

const dateFormat = new Intl.DateTimeFormat(undefined, { dateStyle: 'medium', timeStyle: 'short' });
const relativeFormat = new Intl.RelativeTimeFormat(undefined, { numeric: 'auto' });

// A <time> element: "3 minutes ago", with the full date as its title.
export function timeElement(iso) {
  const t = document.createElement('time');
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) {
    t.textContent = 'unknown';
    return t;
  }
  t.dateTime = at.toISOString();
  t.title = dateFormat.format(at);
  const seconds = Math.round((at.getTime() - Date.now()) / 1000);
  const abs = Math.abs(seconds);
  if (abs < 45) t.textContent = 'just now';
  else if (abs < 3600) t.textContent = relativeFormat.format(Math.round(seconds / 60), 'minute');
  else if (abs < 86400) t.textContent = relativeFormat.format(Math.round(seconds / 3600), 'hour');
  else if (abs < 30 * 86400) t.textContent = relativeFormat.format(Math.round(seconds / 86400), 'day');
  else t.textContent = dateFormat.format(at);
  return t;
}

export const formatDate = (iso) => {
  const at = new Date(iso);
  return Number.isNaN(at.getTime()) ? 'unknown' : dateFormat.format(at);
};

// "Chrome on Linux" from a User-Agent header.
export function describeDevice(ua) {
  if (!ua) return 'Unknown device';
  let browser = null;
  if (/Edg\//.test(ua)) browser = 'Edge';
  else if (/OPR\//.test(ua)) browser = 'Opera';
  else if (/Firefox\//.test(ua)) browser = 'Firefox';
  else if (/Chrom(e|ium)\//.test(ua)) browser = 'Chrome';
  else if (/Safari\//.test(ua)) browser = 'Safari';
  else if (/^curl\//.test(ua)) browser = 'curl';
  else if (/node|undici/i.test(ua)) browser = 'Node.js';
  let os = null;
  if (/Android/.test(ua)) os = 'Android';
  else if (/iPhone|iPad|iPod/.test(ua)) os = 'iOS';
  else if (/Windows/.test(ua)) os = 'Windows';
  else if (/Macintosh|Mac OS X/.test(ua)) os = 'macOS';
  else if (/CrOS/.test(ua)) os = 'ChromeOS';
  else if (/Linux/.test(ua)) os = 'Linux';
  if (browser && os) return `${browser} on ${os}`;
  return browser ?? os ?? ua.slice(0, 60);
}

// Makes an element with a class and text.
export function el(tag, className, text) {
  const e = document.createElement(tag);
  if (className) e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
