// The sign-in page of a freshly started Safehold: the controls the contract names are there,
// and "Forgot password?" leads to the reset request form.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshot } from './support/browser.ts';
import { type SafeholdServer, startSafehold } from './support/safehold-server.ts';

let server: SafeholdServer;
before(async () => {
  server = await startSafehold();
});
after(async () => {
  await server?.stop();
});

test('the sign-in page offers email and password, Google sign-in for customers, and a way to reset the password', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const page = await browser.newPage({ baseURL: server.url });

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
