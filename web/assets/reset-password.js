// Enhances the reset-password page (/reset-password?token=..., rendered by the server and
// working without JavaScript): sends the same request as JSON, shows the policy's reasons under
// the field, and replaces the form with the outcome, without a page load.
import * as api from './api.js';
import { $, el, onSubmit } from './ui.js';

const form = $('#reset-form');

if (form) {
  onSubmit(form, async ({ token, new_password: password }) => {
    await api.resetPassword(token, password);
    const main = $('main');
    const heading = el('h1', '', 'Your password has been changed');
    heading.tabIndex = -1;
    const note = el('p', 'notice success', 'Every session was logged out.');
    note.setAttribute('role', 'status');
    const links = el('p', 'links');
    const login = el('a', '', 'Log in with the new password');
    login.href = '/?m=password-reset';
    links.append(login);
    main.replaceChildren(heading, note, links);
    heading.focus();
  }, { error: $('#form-error'), reasons: $('#password-reasons') });
}
