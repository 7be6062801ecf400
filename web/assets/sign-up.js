// The sign-up page (/sign-up): email, optional username, password. The server's password
// policy decides; its weak_password reasons are listed under the field.
import * as api from './api.js';
import { $, onSubmit, wirePasswordToggles } from './ui.js';

const form = $('#signup-form');
wirePasswordToggles(form);

onSubmit(form, async ({ email, username, password }) => {
  await api.signup({ email: email.trim(), username: username.trim(), password });
  window.location.assign('/account?m=welcome');
}, { error: $('#signup-error'), reasons: $('#password-reasons') });
