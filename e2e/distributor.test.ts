// Distributors in a real browser (issue 18 #8): a distributor's owner opens "Partners" from the
// navigation, reads its whole subtree (a grandchild under its parent, named with it) with each
// partner's customers, seats, storage and open alerts, onboards a child partner ("Onboard a
// partner") and sends its owner invitation again ("Resend invitation"), follows a child's
// customer count to the customers list filtered to that child's subtree (the list shows the
// Partner column). A child's owner sees only its own subtree. Screenshots at 1280 and 390 px.
import assert from 'node:assert/strict';
import { randomBytes, randomUUID } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { openDatabase } from '../apps/server/src/db/database.ts';
import { alerts } from '../apps/server/src/modules/alerts/tables.ts';
import { type SeededStaffUser, seedPartner, seedStaffUser } from '../apps/server/src/testing/browser.ts';
import { seedCustomerWithBackups } from '../apps/server/src/testing/reseller-seed.ts';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { requireIdentityApi, type SafeholdServer, startSafehold } from './support/safehold-server.ts';
import { signInSeededStaff } from './support/staff-accounts.ts';

const masterKey = randomBytes(32);
let server: SafeholdServer;
let owner: SeededStaffUser;
let childOwner: SeededStaffUser;

before(async () => {
  server = await startSafehold({
    env: { SAFEHOLD_MASTER_KEY: masterKey.toString('base64') },
    beforeStart: async (dataDir) => {
      const database = await openDatabase(
        { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
        { command: 'e2e seed' },
      );
      try {
        await database.migrate();
        const db = database.db;
        const now = new Date();
        const distributorId = await seedPartner(db, { name: 'Continental Distribution' });
        const childId = await seedPartner(db, { name: 'Harbour MSP', parentPartnerId: distributorId });
        const siblingId = await seedPartner(db, { name: 'Valley IT', parentPartnerId: distributorId });
        const grandchildId = await seedPartner(db, { name: 'Dockside IT', parentPartnerId: childId });
        owner = await seedStaffUser(
          { db, masterKey },
          { email: 'owner@continental.example', partnerId: distributorId, role: 'owner' },
        );
        childOwner = await seedStaffUser(
          { db, masterKey },
          { email: 'owner@harbour.example', partnerId: childId, role: 'owner' },
        );
        const base = { users: 10, licensed: 6, protectedUsers: 6, runsSucceeded: 1, status: 'active' as const };
        await seedCustomerWithBackups(db, now, {
          ...base,
          partnerId: distributorId,
          domain: 'direct-co.example',
          name: 'Direct Co',
          seatsPurchased: 10,
          storageBytes: 1024 ** 3,
        });
        const harbourCustomer = await seedCustomerWithBackups(db, now, {
          ...base,
          partnerId: childId,
          domain: 'harbour-fish.example',
          name: 'Harbour Fish',
          seatsPurchased: 8,
          storageBytes: 2 * 1024 ** 3,
        });
        await seedCustomerWithBackups(db, now, {
          ...base,
          partnerId: grandchildId,
          domain: 'dockside-ferry.example',
          name: 'Dockside Ferry',
          seatsPurchased: 6,
          storageBytes: 1024 ** 2,
        });
        await seedCustomerWithBackups(db, now, {
          ...base,
          partnerId: siblingId,
          domain: 'valley-farm.example',
          name: 'Valley Farm',
          seatsPurchased: 12,
          storageBytes: 1024 ** 2,
        });
        await db.insert(alerts).values({
          id: randomUUID(),
          customerId: harbourCustomer,
          kind: 'backup_overdue',
          since: now,
          cause: 'No successful backup for 26 hours.',
          action: 'Look at the last run.',
          openedAt: now,
        });
      } finally {
        await database.close();
      }
    },
  });
});
after(async () => {
  await server?.stop();
});

async function rowsOf(page: Page, name: string): Promise<string[][]> {
  const rows = page.getByRole('table', { name, exact: true }).locator('tbody tr');
  const cells: string[][] = [];
  for (let n = 0; n < (await rows.count()); n++) {
    cells.push((await rows.nth(n).locator('td').allTextContents()).map((text) => text.trim()));
  }
  return cells;
}

test("a distributor's owner reads its child partners, onboards one and lists a child's customers", async (t) => {
  if (!(await requireIdentityApi(t, server))) return;
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const context = await browser.newContext({
    baseURL: server.url,
    viewport: { width: 1280, height: 900 },
    locale: 'en-US',
  });
  const page = await context.newPage();

  await withFailureScreenshot(page, 'distributor', async () => {
    await signInSeededStaff(page, owner);
    const navLink = page.getByRole('link', { name: 'Partners', exact: true });
    await waitForVisible(page, navLink, 'the Partners link');
    await navLink.click();
    await waitForVisible(page, page.getByRole('table', { name: 'Partners', exact: true }), 'the partners table');
    const rows = await rowsOf(page, 'Partners');
    assert.deepEqual(
      rows.map((cells) => [cells[0], cells[2], cells[3], cells[5]]),
      [
        ['Harbour MSP', '2', '12 of 14', '1'],
        ['Dockside ITUnder Harbour MSP', '1', '6 of 6', '0'],
        ['Valley IT', '1', '6 of 12', '0'],
      ],
    );
    await screenshot(page, 'distributor-partners-1280');

    await page.getByRole('button', { name: 'Onboard a partner', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Onboard a partner' });
    await dialog.getByRole('textbox', { name: 'Partner name', exact: true }).fill('Summit Networks');
    await dialog.getByRole('textbox', { name: 'Owner email', exact: true }).fill('boss@summit.example');
    await dialog.getByRole('button', { name: 'Send invitation', exact: true }).click();
    await waitForVisible(page, page.getByText('Summit Networks is onboarded.'), 'the invitation notice');
    await page.getByRole('cell', { name: 'Summit Networks', exact: true }).waitFor();
    // Its owner has not accepted yet: the invitation goes again (a new link; the old one is spent).
    const resend = page.getByRole('button', { name: 'Resend invitation to the owner of Summit Networks', exact: true });
    await waitForVisible(page, resend, 'Resend invitation');
    await resend.click();
    await waitForVisible(page, page.getByText('Invitation sent again'), 'the resent invitation');
    await screenshot(page, 'distributor-partners-resent-1280');

    await page.getByRole('link', { name: 'Customers of Harbour MSP: 2', exact: true }).click();
    await waitForVisible(page, page.getByRole('table', { name: 'Customers', exact: true }), 'the customers list');
    await page.getByText('harbour-fish.example').waitFor();
    await page.getByText('dockside-ferry.example').waitFor();
    await page.locator('table[aria-busy="false"]').waitFor();
    const customers = await rowsOf(page, 'Customers');
    assert.deepEqual(
      customers.map((cells) => [cells[0], cells.at(-1)]),
      [
        ['dockside-ferry.exampleDockside Ferry', 'Dockside IT'],
        ['harbour-fish.exampleHarbour Fish', 'Harbour MSP'],
      ],
    );
    await screenshot(page, 'distributor-customers-1280');

    await page.getByRole('link', { name: 'Partners', exact: true }).click();
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await waitForVisible(page, page.getByRole('table', { name: 'Partners', exact: true }), 'the partners table');
    assert.ok(await page.getByRole('button', { name: 'Onboard a partner', exact: true }).isVisible());
    await screenshot(page, 'distributor-partners-390');
  });
});

test("a child partner's owner sees only its own subtree, not its parent's or its sibling's", async (t) => {
  if (!(await requireIdentityApi(t, server))) return;
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const page = await browser.newPage({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  await withFailureScreenshot(page, 'distributor-child', async () => {
    await signInSeededStaff(page, childOwner);
    const customersLink = page.getByRole('link', { name: 'Customers', exact: true });
    await waitForVisible(page, customersLink, 'the Reseller Console');
    await customersLink.click();
    await page.getByText('harbour-fish.example').waitFor();
    assert.equal(await page.getByText('direct-co.example').count(), 0);
    assert.equal(await page.getByText('valley-farm.example').count(), 0);
    await page.getByRole('link', { name: 'Partners', exact: true }).click();
    await page.getByRole('cell', { name: 'Dockside IT', exact: true }).waitFor();
    assert.equal(await page.getByText('Continental Distribution').count(), 0);
    assert.equal(await page.getByText('Valley IT').count(), 0);
  });
});
