// The vendor Outbox by role, in Chromium: without SMTP it shows invitation and reset links,
// so a vendor admin sees it with the reason, and a support operator gets no "Outbox" link and,
// opening the page anyway, a sentence saying why instead of an error. The server runs in this
// process (the full module list and the built web app) on a test database.
import { test } from 'node:test';
import type { Browser } from 'playwright-core';
import { seedStaffUser } from '../apps/server/src/testing/browser.ts';
import { signedInSession } from '../apps/server/src/testing/tenants.ts';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { inProcessServer, signIn } from './support/in-process-server.ts';

const server = inProcessServer();

/** A page signed in as the operator (the session cookie set by a same-origin answer). */
async function signedInPage(browser: Browser, role: 'admin' | 'support') {
  const user = await seedStaffUser(server.ctx, { email: `${role}@vendor.test`, role });
  const sessionId = await signedInSession(server.ctx.db, server.ctx.clock, { kind: 'staff', staffUserId: user.id });
  const page = await (await browser.newContext({ baseURL: server.url })).newPage();
  await signIn(page, server, sessionId);
  return page;
}

test('the outbox is for vendor admins, with the reason; support gets a sentence and no link', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  await server.ctx.mail.send({ to: 'someone@partner.test', subject: 'Welcome', text: 'Hello.' });

  const admin = await signedInPage(browser, 'admin');
  await withFailureScreenshot(admin, 'vendor-outbox-admin', async () => {
    await admin.goto('/vendor');
    await admin.getByRole('link', { name: 'Outbox', exact: true }).click();
    await waitForVisible(admin, admin.getByText(/That is why only vendor admins can read it/), 'the notice');
    await waitForVisible(admin, admin.getByText('Welcome'), 'the message');
    await screenshot(admin, 'vendor-outbox-admin');
  });

  const support = await signedInPage(browser, 'support');
  await withFailureScreenshot(support, 'vendor-outbox-support', async () => {
    await support.goto('/vendor');
    await waitForVisible(support, support.getByRole('link', { name: 'Partners', exact: true }), 'the navigation');
    if ((await support.getByRole('link', { name: 'Outbox', exact: true }).count()) !== 0) {
      throw new Error('support sees an Outbox link');
    }
    await support.goto('/vendor/outbox');
    await waitForVisible(support, support.getByText(/The outbox is for vendor admins only/), 'the sentence');
    if ((await support.getByRole('alert').count()) !== 0) throw new Error('support sees an error alert');
    await screenshot(support, 'vendor-outbox-support');
  });
});
