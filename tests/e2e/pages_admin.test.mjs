// The users page (/admin) in headless Chromium: an admin searches, disables a user (who can no
// longer log in, and is told so), enables them again and sets roles; someone without the admin
// role is told the page is not for them.
import { after } from 'node:test';
import assert from 'node:assert/strict';
import { useTessera } from './support/tessera.mjs';
import { setUp } from './support/suite.mjs';
import { signup, uniqueEmail, GOOD_PASSWORD } from './support/http.mjs';
import { assertInvalidToken } from './support/expect.mjs';
import { runCli } from './support/cli.mjs';
import { PAGE_ENV, PHONE, closeBrowser, messageIn, overflowsHorizontally, pageTest } from './support/browser.mjs';

const t = useTessera({ env: PAGE_ENV });
const { api } = t;
let admin;
setUp(async () => {
  admin = await signup(api, { email: uniqueEmail('pages-admin') });
  const made = await runCli(['user', 'set-role', admin.email, 'admin'], { dir: t.dir });
  assert.equal(made.code, 0, made.stderr);
});
after(async () => {
  await closeBrowser();
});

async function logIn(page, email, password = GOOD_PASSWORD) {
  await page.goto(`${t.url}/`);
  await page.getByLabel('Email or username').fill(email);
  await page.getByLabel('Password', { exact: true }).fill(password);
  await page.getByRole('button', { name: 'Log in' }).click();
  await page.waitForURL(`${t.url}/account`);
  await page.locator('#profile-email').filter({ hasText: email }).waitFor();
}

// Logs the admin in, opens the users page through the header link, and searches for `query`.
async function searchAsAdmin(page, query) {
  await logIn(page, admin.email);
  await page.getByRole('link', { name: 'Users' }).click();
  await page.waitForURL(`${t.url}/admin`);
  await page.getByLabel('Search by email or username').fill(query);
  await page.getByRole('button', { name: 'Search' }).click();
  await page.locator('#summary').filter({ hasText: `matching “${query}”` }).waitFor();
}

pageTest('an admin disables a user: their sessions end, and logging in says the account is disabled (403)', async ({ page, context }) => {
  const user = await signup(api, { email: uniqueEmail('pages-target') });
  await searchAsAdmin(page, user.email);
  const item = page.locator('#users > li');
  assert.equal(await item.count(), 1);
  assert.match(await item.textContent(), new RegExp(user.email.replace(/[.+]/g, '\\$&')));

  await item.getByRole('button', { name: `Disable ${user.email}` }).click();
  await item.getByText('Disabled', { exact: true }).waitFor();
  assert.equal(await messageIn(page, '#users > li [role="status"]'), `${user.email} is disabled.`);
  assert.equal(await page.evaluate(() => document.activeElement?.textContent), 'Enable', 'focus stays on the toggle');
  assertInvalidToken(await api.get('/auth/me', { token: user.access }));

  // The user, in a browser of their own, is told why they cannot log in.
  const other = await context.browser().newContext();
  try {
    const theirs = await other.newPage();
    const consoleErrors = [];
    theirs.on('console', (m) => { if (m.type() === 'error' && !/status of 403/.test(m.text())) consoleErrors.push(m.text()); });
    await theirs.goto(`${t.url}/`);
    await theirs.getByLabel('Email or username').fill(user.email);
    await theirs.getByLabel('Password', { exact: true }).fill(GOOD_PASSWORD);
    await theirs.getByRole('button', { name: 'Log in' }).click();
    assert.match(await messageIn(theirs, '#login-error'), /account has been disabled/);
    assert.deepEqual(consoleErrors, []);
  } finally {
    await other.close();
  }

  await item.getByRole('button', { name: `Enable ${user.email}` }).click();
  // The toggle turns back into "Disable" once the server has answered (under the sanitizer
  // build that takes a while; the old status line is still shown until then).
  await item.getByRole('button', { name: `Disable ${user.email}` }).waitFor();
  assert.equal(await messageIn(page, '#users > li [role="status"]'), `${user.email} is enabled.`);
  assert.equal((await api.post('/auth/login', { json: { email: user.email, password: GOOD_PASSWORD } })).status, 200);
});

pageTest('an admin sets a user\'s roles; the list and the API agree', async ({ page }) => {
  const user = await signup(api, { email: uniqueEmail('pages-roles') });
  await searchAsAdmin(page, user.email);
  const item = page.locator('#users > li');
  await item.getByLabel(`Roles of ${user.email}`, { exact: true }).fill('support, editor,  support');
  await item.getByRole('button', { name: `Save the roles of ${user.email}` }).click();
  assert.equal(await messageIn(page, '#users > li [role="status"]'), `The roles of ${user.email} were saved.`);
  assert.equal(await item.getByLabel(`Roles of ${user.email}`, { exact: true }).inputValue(), 'editor, support');
  const seen = await api.get(`/admin/users/${user.user.id}`, { token: (await api.post('/auth/login', { json: { email: admin.email, password: GOOD_PASSWORD } })).body.access_token });
  assert.deepEqual(seen.body.roles.sort(), ['editor', 'support']);

  // A reload keeps the search (it is in the address).
  await page.reload();
  await page.locator('#users > li').first().waitFor();
  assert.equal(await page.getByLabel('Search by email or username').inputValue(), user.email);
});

pageTest('an admin cannot disable their own account: the refusal is shown next to the entry', async ({ page }) => {
  await searchAsAdmin(page, admin.email);
  const item = page.locator('#users > li');
  await item.getByText('You', { exact: true }).waitFor();
  await item.getByRole('button', { name: `Disable ${admin.email}` }).click();
  assert.match(await messageIn(page, '#users > li [role="alert"]'), /cannot disable your own account/);
});

pageTest('without the admin role the users page says it is for administrators', async ({ page }) => {
  const user = await signup(api, { email: uniqueEmail('pages-plain') });
  await logIn(page, user.email);
  assert.equal(await page.getByRole('link', { name: 'Users' }).isVisible(), false, 'no admin link in the header');
  await page.goto(`${t.url}/admin`);
  assert.match(await messageIn(page, '#page-error'), /for administrators/);
  assert.equal(await page.locator('#admin').isHidden(), true);
});

pageTest('the users page fits a 375 px screen', { viewport: PHONE }, async ({ page }) => {
  await searchAsAdmin(page, 'pages-');
  assert.ok(await page.locator('#users > li').count() >= 1);
  assert.equal(await overflowsHorizontally(page), false);
});
