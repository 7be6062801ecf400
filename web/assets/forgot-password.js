// The forgot-password page (/forgot-password): asks for a reset link. The server answers 202
// whether or not the address has an account, so the page says "if".
import * as api from './api.js';
import { $, onSubmit, say } from './ui.js';

const form = $('#forgot-form');
const status = $('#status');

onSubmit(form, async ({ email }) => {
  say(status, '');
  const address = email.trim();
  await api.forgotPassword(address);
  say(status, `If an account exists for ${address}, a link to choose a new password is on its way. `
    + 'It works for one hour. Check your spam folder if it does not arrive.');
}, { error: $('#forgot-error') });
