// Usage and billing in a real browser (issue 18 #4): a partner's Billing member opens "Usage and
// billing" from the navigation, reads this month (today from live counts) and last month (from
// the daily snapshots), picks the month in the "Month" combobox, and "Download CSV" gives
// exactly the rows of the table. Screenshots at 1280 and 390 px wide.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { sql } from 'drizzle-orm';
import type { Page } from 'playwright-core';
import { openDatabase } from '../apps/server/src/db/database.ts';
import { takeDailySnapshot } from '../apps/server/src/modules/usage/index.ts';
import { type SeededStaffUser, seedPartner, seedStaffUser } from '../apps/server/src/testing/browser.ts';
import { seedCustomerWithBackups } from '../apps/server/src/testing/reseller-seed.ts';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { requireIdentityApi, type SafeholdServer, startSafehold } from './support/safehold-server.ts';
import { signInSeededStaff } from './support/staff-accounts.ts';

const masterKey = randomBytes(32);
let server: SafeholdServer;
let billing: SeededStaffUser;
let operator: SeededStaffUser;
const day = 24 * 3600_000;
const now = new Date();
/** Last month, 'YYYY-MM', and its days. */
const lastMonthStart = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth() - 1, 1));
const lastMonth = lastMonthStart.toISOString().slice(0, 7);
const lastMonthLabel = new Intl.DateTimeFormat('en-US', { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
  lastMonthStart,
);
const daysInLastMonth = new Date(Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), 0)).getUTCDate();

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
        const partnerId = await seedPartner(db, { name: 'Northwind IT' });
        const otherId = await seedPartner(db, { name: 'Elsewhere Ltd' });
        billing = await seedStaffUser(
          { db, masterKey },
          { email: 'billing@northwind.example', partnerId, role: 'billing' },
        );
        operator = await seedStaffUser({ db, masterKey }, { email: 'ops@vendor.example', role: 'support' });
        const customers = [
          { domain: 'alpha-traders.example', name: 'Alpha Traders', users: 40, licensed: 30, archived: 2 },
          { domain: 'bravo-bakery.example', name: 'Bravo Bakery', users: 8, licensed: 8, archived: 0 },
        ];
        for (const customer of customers) {
          await seedCustomerWithBackups(db, now, {
            partnerId,
            ...customer,
            protectedUsers: 0,
            storageBytes: 3 * 1024 ** 3,
          });
        }
        await seedCustomerWithBackups(db, now, {
          partnerId: otherId,
          domain: 'not-yours.example',
          users: 3,
          licensed: 3,
          protectedUsers: 0,
        });
        // Every customer existed all of last month; each of its days was recorded by the daily job.
        await db.execute(sql`update customers set created_at = ${new Date(lastMonthStart.getTime() - day)}`);
        for (let n = 0; n < daysInLastMonth; n++) {
          await takeDailySnapshot(db, new Date(lastMonthStart.getTime() + n * day).toISOString().slice(0, 10), now);
        }
      } finally {
        await database.close();
      }
    },
  });
});
after(async () => {
  await server?.stop();
});

/** The usage table's body rows as their cells' text. */
async function tableRows(page: Page): Promise<string[][]> {
  const table = page.getByRole('table', { name: 'Usage per customer' });
  await page.locator('table[aria-busy="false"]').waitFor();
  const rows = table.locator('tbody tr');
  const cells: string[][] = [];
  for (let n = 0; n < (await rows.count()); n++) {
    cells.push((await rows.nth(n).locator('td').allTextContents()).map((text) => text.trim()));
  }
  return cells;
}

test('a Billing member reads this and last month and downloads exactly the table as CSV', async (t) => {
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

  await withFailureScreenshot(page, 'partner-usage', async () => {
    await signInSeededStaff(page, billing);

    const navLink = page.getByRole('link', { name: 'Usage and billing', exact: true });
    await waitForVisible(page, navLink, 'the Usage and billing link');
    await navLink.click();
    const table = page.getByRole('table', { name: 'Usage per customer' });
    await waitForVisible(page, table, 'the usage table');
    await page.getByText('Today is included from the live counts').waitFor();
    // This month: last month's snapshots do not count; today does, from the live counts (1 day active).
    assert.deepEqual(
      (await tableRows(page)).map((cells) => [cells[0], cells[3], cells[5]]),
      [
        ['alpha-traders.exampleAlpha Traders', '32', '1'],
        ['bravo-bakery.exampleBravo Bakery', '8', '1'],
      ],
    );
    assert.equal(await page.getByText('not-yours.example').count(), 0);
    await screenshot(page, 'partner-usage-1280');

    const month = page.getByRole('combobox', { name: 'Month', exact: true });
    await month.selectOption({ label: lastMonthLabel });
    await page.getByText('Today is included from the live counts').waitFor({ state: 'hidden' });
    const shown = await tableRows(page);
    assert.deepEqual(
      shown.map((cells) => [cells[0], cells[1], cells[2], cells[3], cells[4], cells[5]]),
      [
        ['alpha-traders.exampleAlpha Traders', '30', '2', '32', '32', String(daysInLastMonth)],
        ['bravo-bakery.exampleBravo Bakery', '8', '0', '8', '8', String(daysInLastMonth)],
      ],
    );

    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download CSV', exact: true }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `usage-${lastMonth}.csv`);
    const csv = await download.createReadStream().then(async (stream) => {
      const chunks: Buffer[] = [];
      for await (const chunk of stream) chunks.push(chunk as Buffer);
      return Buffer.concat(chunks).toString('utf8');
    });
    const records = csv
      .trimEnd()
      .split('\r\n')
      .map((line) => line.split(','));
    // The CSV's rows are the table's: the same customers and figures, in the same order.
    assert.deepEqual(
      records.slice(1, -1).map((r) => [`${r[0]}${r[1]}`, r[3], r[4], r[5], r[6], r[7]]),
      shown.map((cells) => cells.slice(0, 6)),
    );
    assert.deepEqual(records.at(-1)?.slice(0, 2), ['Total', '2 customers']);

    await page.setViewportSize({ width: 390, height: 844 });
    await month.waitFor();
    assert.ok(await page.getByRole('link', { name: 'Download CSV', exact: true }).isVisible());
    await screenshot(page, 'partner-usage-390');
  });
});

test("the vendor console opens a partner's Usage and billing from the Partners list", async (t) => {
  if (!(await requireIdentityApi(t, server))) return;
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const page = await browser.newPage({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  await withFailureScreenshot(page, 'vendor-usage', async () => {
    await signInSeededStaff(page, operator);
    const partners = page.getByRole('link', { name: 'Partners', exact: true });
    await waitForVisible(page, partners, 'the vendor console');
    await partners.click();
    const usage = page.getByRole('link', { name: 'Usage and billing of Northwind IT', exact: true });
    await waitForVisible(page, usage, "the partner's usage link");
    await usage.click();
    await page.getByRole('heading', { name: 'Usage and billing: Northwind IT' }).waitFor();
    assert.deepEqual(
      (await tableRows(page)).map((cells) => cells[0]),
      ['alpha-traders.exampleAlpha Traders', 'bravo-bakery.exampleBravo Bakery'],
    );
    await screenshot(page, 'vendor-partner-usage-1280');
  });
});
