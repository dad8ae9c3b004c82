// What a visitor without a session sees on a freshly started Safehold: the sign-in page with
// the controls the contract names, the reset request form, and the server's own words when
// a password or a link is refused. One server and one browser serve every test here.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Browser, Page } from 'playwright-core';
import { launchBrowser, screenshot, waitForVisible } from './support/browser.ts';
import { requireIdentityApi, type SafeholdServer, startSafehold } from './support/safehold-server.ts';

let server: SafeholdServer;
let browser: Browser | null = null;
before(async () => {
  server = await startSafehold();
});
after(async () => {
  await browser?.close();
  await server?.stop();
});

async function newPage(t: Parameters<typeof launchBrowser>[0]): Promise<Page | null> {
  browser ??= await launchBrowser(t);
  if (!browser) return null;
  const context = await browser.newContext({ baseURL: server.url });
  t.after(() => context.close());
  return context.newPage();
}

test('the sign-in page offers email and password, Google sign-in for customers, and a way to reset the password', async (t) => {
  const page = await newPage(t);
  if (!page) return;

  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Sign in', exact: true }).waitFor();
  await screenshot(page, 'sign-in');
  for (const [role, name] of [
    ['textbox', 'Email'],
    ['textbox', 'Password'],
    ['button', 'Sign in'],
    ['button', 'Sign in with Google'],
    ['link', 'Forgot password?'],
  ] as const) {
    assert.equal(await page.getByRole(role, { name, exact: true }).count(), 1, `${role} "${name}"`);
  }

  await page.getByRole('link', { name: 'Forgot password?', exact: true }).click();
  await page.getByRole('button', { name: 'Send reset link', exact: true }).waitFor();
  assert.equal(new URL(page.url()).pathname, '/forgot-password');
  assert.equal(await page.getByRole('textbox', { name: 'Email', exact: true }).count(), 1);
  await screenshot(page, 'forgot-password');
});

test('a visitor without a session who opens the root or a console is sent to sign-in', async (t) => {
  if (!(await requireIdentityApi(t, server))) return;
  const page = await newPage(t);
  if (!page) return;
  for (const start of ['/', '/vendor', '/partner/team', '/customer/settings', '/enrol']) {
    await page.goto(start);
    await page.waitForURL((url) => url.pathname === '/sign-in');
  }
  await waitForVisible(page, page.getByRole('button', { name: 'Sign in', exact: true }), 'the sign-in form');
});

test('a wrong password is refused with the server’s message', async (t) => {
  if (!(await requireIdentityApi(t, server))) return;
  const page = await newPage(t);
  if (!page) return;
  await page.goto('/sign-in');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill('nobody@example.com');
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill('not the password at all');
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.equal(await alert.textContent(), 'The email or password is not correct.');
  assert.equal(new URL(page.url()).pathname, '/sign-in');
});

test('a setup link that does not exist says it is not valid, before any password is typed', async (t) => {
  if (!(await requireIdentityApi(t, server))) return;
  const page = await newPage(t);
  if (!page) return;
  await page.goto(`/setup#token=${'x'.repeat(43)}`);
  const alert = page.getByRole('alert');
  await alert.waitFor();
  assert.match((await alert.textContent()) ?? '', /not valid/);
  assert.equal(await page.getByRole('button', { name: 'Create account', exact: true }).count(), 0);
  await screenshot(page, 'invalid-setup-link');
});
