// The Reseller Console's Alerts page in a real browser (issue 18 item 5): customers seeded with
// each condition (trial ending, backups failing for more than 26 hours, Google authorisation
// lost, seats over) and the evaluation run once before the server starts; the partner owner
// signs in, sees one alert per condition with cause and what to do (and nothing of another
// partner's), acknowledges one, finds it under "Acknowledged" with their name, and turns the
// daily digest on. Screenshots at 1280 and 390 px.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase } from '../apps/server/src/db/database.ts';
import { evaluateAlerts } from '../apps/server/src/modules/alerts/index.ts';
import { customerConnections } from '../apps/server/src/modules/customers/tables.ts';
import { totpCode } from '../apps/server/src/modules/identity/index.ts';
import { type SeededStaffUser, seedPartner, seedStaffUser } from '../apps/server/src/testing/browser.ts';
import { seedCustomerWithBackups } from '../apps/server/src/testing/reseller-seed.ts';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { requireIdentityApi, type SafeholdServer, startSafehold } from './support/safehold-server.ts';

const masterKey = randomBytes(32);
let server: SafeholdServer;
let owner: SeededStaffUser;
const hour = 3600_000;

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
        const partnerId = await seedPartner(db, { name: 'Northwind IT' });
        const otherId = await seedPartner(db, { name: 'Elsewhere Ltd' });
        owner = await seedStaffUser({ db, masterKey }, { email: 'owner@northwind.example', partnerId, role: 'owner' });
        const base = { users: 8, licensed: 8, protectedUsers: 8, runsSucceeded: 4 };
        const connect = (customerId: string, lost?: string[]) =>
          db.insert(customerConnections).values({
            customerId,
            adminEmail: 'admin@example.com',
            clientId: '109876543210',
            createdAt: new Date(now.getTime() - 240 * hour),
            authorizationChangedAt: new Date(now.getTime() - 5 * hour),
            ...(lost ? { authorizationStatus: 'lost' as const, missingScopes: lost } : {}),
          });
        await connect(await seedCustomerWithBackups(db, now, { partnerId, domain: 'alpha-traders.example', ...base }));
        await connect(
          await seedCustomerWithBackups(db, now, {
            partnerId,
            domain: 'bravo-bakery.example',
            name: 'Bravo Bakery',
            status: 'trial',
            trialEndsAt: new Date(now.getTime() + 50 * hour),
            ...base,
          }),
        );
        await connect(
          await seedCustomerWithBackups(db, now, {
            partnerId,
            domain: 'charlie-clinic.example',
            name: 'Charlie Clinic',
            ...base,
            runsSucceeded: 0,
            runsFailed: 6,
            lastSuccessAt: new Date(now.getTime() - 30 * hour),
          }),
        );
        await connect(await seedCustomerWithBackups(db, now, { partnerId, domain: 'echo-estates.example', ...base }), [
          'https://www.googleapis.com/auth/gmail.readonly',
          'https://www.googleapis.com/auth/drive.readonly',
        ]);
        await connect(
          await seedCustomerWithBackups(db, now, {
            partnerId,
            domain: 'foxtrot-films.example',
            seatsPurchased: 5,
            ...base,
          }),
        );
        await connect(
          await seedCustomerWithBackups(db, now, {
            partnerId: otherId,
            domain: 'not-yours.example',
            seatsPurchased: 1,
            ...base,
          }),
        );
        await evaluateAlerts(db, now);
      } finally {
        await database.close();
      }
    },
  });
});
after(async () => {
  await server?.stop();
});

test('a partner owner sees alerts across customers, acknowledges one and turns the digest on', async (t) => {
  if (!(await requireIdentityApi(t, server))) return;
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const page = await browser.newPage({ baseURL: server.url, viewport: { width: 1280, height: 900 } });

  await withFailureScreenshot(page, 'partner-alerts', async () => {
    await page.goto('/sign-in');
    await waitForVisible(page, page.getByRole('button', { name: 'Sign in', exact: true }), 'the sign-in form');
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill(owner.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const codeBox = page.getByRole('textbox', { name: 'Authentication code', exact: true });
    await waitForVisible(page, codeBox, 'the second sign-in step');
    await codeBox.fill(totpCode(owner.totpSecret as Buffer, new Date()));
    await page.getByRole('button', { name: 'Verify code', exact: true }).click();

    await waitForVisible(page, page.getByRole('link', { name: 'Alerts', exact: true }), 'the Reseller Console');
    await page.getByRole('link', { name: 'Alerts', exact: true }).click();
    const table = page.getByRole('table', { name: 'Alerts' });
    await waitForVisible(page, table.getByRole('row').filter({ hasText: 'charlie-clinic.example' }), 'the alerts');

    const rowOf = (domain: string) => table.getByRole('row').filter({ hasText: domain });
    assert.match((await rowOf('bravo-bakery.example').textContent()) ?? '', /Trial ending within 3 days/);
    const charlie = (await rowOf('charlie-clinic.example').textContent()) ?? '';
    assert.match(charlie, /Backups failed or not run for more than 26 hours/);
    assert.match(charlie, /6 runs failed in the last 24 hours/);
    const echo = (await rowOf('echo-estates.example').textContent()) ?? '';
    assert.match(echo, /missing 2 scopes/);
    assert.match(echo, /client ID 109876543210/);
    assert.match((await rowOf('foxtrot-films.example').textContent()) ?? '', /8 seats assigned, 5 purchased/);
    assert.equal(await rowOf('alpha-traders.example').count(), 0, 'a healthy customer has no alert');
    assert.equal(await page.getByText('not-yours.example').count(), 0, "another partner's alert");
    await screenshot(page, 'partner-alerts');

    await rowOf('charlie-clinic.example')
      .getByRole('button', { name: /^Acknowledge/ })
      .click();
    await rowOf('charlie-clinic.example').waitFor({ state: 'detached' });
    await page.getByText(/^Acknowledged \(1\)$/).click();
    await waitForVisible(page, rowOf('charlie-clinic.example'), 'the acknowledged alert');
    assert.match((await rowOf('charlie-clinic.example').textContent()) ?? '', /owner@northwind\.example/);

    const digest = page.getByRole('switch', { name: 'Email me a daily digest of open alerts' });
    assert.equal(await digest.isChecked(), false);
    await digest.click({ force: true });
    await page.locator('input[role="switch"]:checked:not([disabled])').waitFor({ state: 'attached' });
    await page.reload();
    await waitForVisible(
      page,
      page.getByRole('switch', { name: 'Email me a daily digest of open alerts' }),
      'the digest',
    );
    await page.locator('input[role="switch"]:checked').waitFor({ state: 'attached' });

    await page.setViewportSize({ width: 390, height: 844 });
    await page.getByText(/^Open \(\d+\)$/).click();
    await waitForVisible(page, table.getByRole('row').filter({ hasText: 'echo-estates.example' }), 'the open alerts');
    const overflow = await page.evaluate<number>('document.documentElement.scrollWidth - window.innerWidth');
    assert.ok(overflow <= 0, `the page scrolls sideways by ${overflow}px at 390px`);
    await screenshot(page, 'partner-alerts-phone');
  });
});
