// Several Cloud projects in Chromium (issue 20): the installation has two service-account keys
// (two emulated projects). A vendor admin sees both in Installation health › Cloud projects and
// moves a customer to the second; the customer's super admin sees that backups wait for
// re-authorisation, presses "Check authorisation" (refused: the domain has not authorised the
// new client id yet), the domain authorises it, and the check passes. The customer is found by a
// search in the Move picker; a project that spent its Gmail day shows on health and the dashboard. The server runs in this
// process (the full module list and the built web app) on a test database.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eq } from 'drizzle-orm';
import type { Browser } from 'playwright-core';
import { customerConnections } from '../apps/server/src/modules/customers/tables.ts';
import { seedStaffUser } from '../apps/server/src/testing/browser.ts';
import { spendProjectGmailDay, startTwoProjectEmulator } from '../apps/server/src/testing/cloud-projects.ts';
import { seedCustomer, signedInSession } from '../apps/server/src/testing/tenants.ts';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { inProcessServer, signIn } from './support/in-process-server.ts';

const server = inProcessServer();
const domain = 'moved.example';

async function pageWithSession(browser: Browser, sessionId: string) {
  const page = await (await browser.newContext({ baseURL: server.url })).newPage();
  await signIn(page, server, sessionId);
  return page;
}

test('a vendor admin moves a customer to another Cloud project; its super admin checks the authorisation until it passes', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const projects = await startTwoProjectEmulator({
    seed: 'e2e-cloud-projects',
    domain,
    users: 2,
    generate: { messagesPerUser: 0, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0, sharedDrives: 0 },
  });
  t.after(() => projects.stop());
  const { emulator } = projects;
  const [first, second] = projects.keys;
  const keyFiles = projects.keyFiles.map((file) => ({ path: file, variable: 'GOOGLE_SERVICE_ACCOUNT_KEYS' as const }));
  // What GOOGLE_SERVICE_ACCOUNT_KEYS=key-0.json,key-1.json configures (read at each use).
  server.ctx.config = { ...server.ctx.config, google: { ...server.ctx.config.google, serviceAccountKeys: keyFiles } };

  const customer = await seedCustomer(server.ctx.db, server.ctx.clock, {
    domain,
    users: [
      { email: `admin@${domain}`, license: 'standard', isAdmin: true },
      { email: `user1@${domain}`, license: 'standard' },
    ],
    members: [{ email: `admin@${domain}`, role: 'super_admin' }],
  });
  await server.ctx.db.insert(customerConnections).values({
    customerId: customer.id,
    adminEmail: `admin@${domain}`,
    clientId: first.client_id,
    googleProject: first.project_id,
  });

  const operator = await seedStaffUser(server.ctx, { email: 'admin@vendor.test', role: 'admin' });
  const vendor = await pageWithSession(
    browser,
    await signedInSession(server.ctx.db, server.ctx.clock, { kind: 'staff', staffUserId: operator.id }),
  );
  await withFailureScreenshot(vendor, 'cloud-projects-vendor', async () => {
    await vendor.goto('/vendor/health');
    const projects = vendor.getByRole('table', { name: 'Cloud projects', exact: true });
    await waitForVisible(
      vendor,
      projects.getByRole('row', { name: `${first.project_id} ${first.client_id} 1` }),
      'the first project',
    );
    await waitForVisible(
      vendor,
      projects.getByRole('row', { name: `${second.project_id} ${second.client_id} 0` }),
      'the second project',
    );
    // The picker searches (the server answers at most 20 matches), it does not list every customer.
    await vendor.getByRole('combobox', { name: 'Customer', exact: false }).fill('moved.ex');
    await vendor.getByRole('option', { name: new RegExp(`^${domain.replace('.', '\\.')}`) }).click();
    await vendor.getByRole('combobox', { name: 'New project', exact: true }).click();
    await vendor.getByRole('option', { name: second.project_id, exact: true }).click();
    await vendor.getByRole('button', { name: 'Move', exact: true }).click();
    await waitForVisible(vendor, vendor.getByText(`Moved to ${second.project_id}.`, { exact: false }), 'the move');
    const waiting = vendor.getByRole('table', { name: 'Customers waiting for authorisation', exact: true });
    await waitForVisible(
      vendor,
      waiting.getByRole('row', { name: new RegExp(`^${domain} ${second.project_id} Needs re-authorisation`) }),
      'the waiting customer',
    );
    // The second project spends its Gmail day: health says so, and when it resets (Pacific midnight).
    await spendProjectGmailDay(server.ctx.db, server.ctx.clock, second.project_id);
    await vendor.reload();
    await waitForVisible(
      vendor,
      vendor.getByRole('alert').filter({
        hasText: `Google Cloud project ${second.project_id} has used its daily Gmail quota; backups resume after 00:00 Pacific`,
      }),
      'the spent project',
    );
    await vendor.setViewportSize({ width: 1280, height: 900 });
    await screenshot(vendor, 'cloud-projects-vendor-1280');
    await vendor.setViewportSize({ width: 390, height: 844 });
    await screenshot(vendor, 'cloud-projects-vendor-390');
  });
  const [moved] = await server.ctx.db
    .select()
    .from(customerConnections)
    .where(eq(customerConnections.customerId, customer.id));
  assert.equal(moved?.googleProject, second.project_id);
  assert.equal(moved?.authorizationStatus, 'reauthorization_required');

  const admin = await pageWithSession(
    browser,
    await signedInSession(server.ctx.db, server.ctx.clock, {
      kind: 'customer',
      customerMemberId: customer.members.get(`admin@${domain}`) as string,
    }),
  );
  await withFailureScreenshot(admin, 'cloud-projects-customer', async () => {
    await admin.goto('/customer');
    const notice = admin.getByRole('alert').filter({ hasText: 'Google authorisation needed: backups are waiting' });
    await waitForVisible(admin, notice.getByText(second.client_id, { exact: false }), 'the new client id to authorise');
    await waitForVisible(
      admin,
      admin.getByRole('alert').filter({ hasText: "Backups wait for Google's daily quota" }),
      'the project-quota condition in the customer status',
    );
    await admin.setViewportSize({ width: 1280, height: 900 });
    await screenshot(admin, 'cloud-projects-customer-1280');
    await admin.setViewportSize({ width: 390, height: 844 });
    await screenshot(admin, 'cloud-projects-customer-390');
    await admin.setViewportSize({ width: 1280, height: 900 });
    await notice.getByRole('button', { name: 'Check authorisation', exact: true }).click();
    await waitForVisible(admin, notice.getByText(/Google still refuses 7 of the scopes/), 'the refused check');
    emulator.control.grantDelegation({ domain, clientId: second.client_id });
    await notice.getByRole('button', { name: 'Check authorisation', exact: true }).click();
    await notice.waitFor({ state: 'detached' });
  });
  const [authorised] = await server.ctx.db
    .select()
    .from(customerConnections)
    .where(eq(customerConnections.customerId, customer.id));
  assert.equal(authorised?.authorizationStatus, 'authorized');
});
