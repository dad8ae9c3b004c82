// The vendor Outbox by role, in Chromium: without SMTP it shows invitation and reset links,
// so a vendor admin sees it with the reason, and a support operator gets no "Outbox" link and,
// opening the page anyway, a sentence saying why instead of an error. The server runs in this
// process (the full module list and the built web app) on a test database.
import { after, before, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { type App, buildApp } from '../apps/server/src/http/app.ts';
import { apiModules } from '../apps/server/src/http/modules.ts';
import { sessionCookieName } from '../apps/server/src/modules/identity/index.ts';
import { seedStaffUser } from '../apps/server/src/testing/browser.ts';
import { createTestContext, type TestContext } from '../apps/server/src/testing/context.ts';
import { signedInSession } from '../apps/server/src/testing/tenants.ts';
import { ensureWebBuilt } from '../scripts/web-build.ts';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';

let ctx: TestContext;
let app: App;
let url: string;

before(async () => {
  await ensureWebBuilt();
  ctx = await createTestContext('pglite');
  app = await buildApp(ctx, { modules: apiModules, serveWeb: true });
  url = await app.listen({ host: '127.0.0.1', port: 0 });
});
after(async () => {
  await app?.close();
  await ctx?.close();
});

/** A page signed in as the operator (the session cookie set by a same-origin answer). */
async function signedInPage(browser: Browser, role: 'admin' | 'support') {
  const user = await seedStaffUser(ctx, { email: `${role}@vendor.test`, role });
  const sessionId = await signedInSession(ctx.db, ctx.clock, { kind: 'staff', staffUserId: user.id });
  const page = await (await browser.newContext({ baseURL: url })).newPage();
  await page.route(`${url}/__test-session`, (route) =>
    route.fulfill({
      status: 200,
      contentType: 'text/html',
      body: '<!doctype html><title>session</title>',
      headers: { 'set-cookie': `${sessionCookieName}=${sessionId}; Path=/; Secure; HttpOnly; SameSite=Lax` },
    }),
  );
  await page.goto('/__test-session');
  await page.unroute(`${url}/__test-session`);
  return page;
}

test('the outbox is for vendor admins, with the reason; support gets a sentence and no link', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  await ctx.mail.send({ to: 'someone@partner.test', subject: 'Welcome', text: 'Hello.' });

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
