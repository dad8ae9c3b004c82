// The partner Team page in a real browser (issue 18 item 1): the owner (seeded with TOTP into
// the data dir before the server starts) invites a technician ("Invite a team member": Email,
// Role, "Send invitation"); the invitation arrives in the vendor outbox (no SMTP here), the
// technician signs up from its link with TOTP; the owner assigns them one of the partner's two
// customers ("Assign customers" in the member's row); the technician sees only that customer,
// and the customer's detail page names the technician. Screenshots at 1280 and 390 px.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase } from '../apps/server/src/db/database.ts';
import { type SeededStaffUser, seedPartner, seedStaffUser } from '../apps/server/src/testing/browser.ts';
import { seedCustomerWithBackups } from '../apps/server/src/testing/reseller-seed.ts';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { waitForPath } from './support/console-steps.ts';
import { requireIdentityApi, type SafeholdServer, startSafehold } from './support/safehold-server.ts';
import { signInSeededStaff, signUpFromLink } from './support/staff-accounts.ts';

const masterKey = randomBytes(32);
let server: SafeholdServer;
let owner: SeededStaffUser;
let operator: SeededStaffUser;
const technicianEmail = 'tech@northwind.example';

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
        owner = await seedStaffUser({ db, masterKey }, { email: 'owner@northwind.example', partnerId, role: 'owner' });
        operator = await seedStaffUser({ db, masterKey }, { email: 'ops@vendor.example', role: 'admin' });
        for (const [domain, name] of [
          ['alpha-traders.example', 'Alpha Traders'],
          ['bravo-bakery.example', 'Bravo Bakery'],
        ] as const) {
          await seedCustomerWithBackups(db, now, {
            partnerId,
            domain,
            name,
            users: 5,
            licensed: 4,
            protectedUsers: 4,
            runsSucceeded: 3,
            storageBytes: 1024 ** 2,
          });
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

test('the owner invites a technician and assigns one of two customers; the technician sees only that one', async (t) => {
  if (!(await requireIdentityApi(t, server))) return;
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const newPage = async (width = 1280) =>
    (await browser.newContext({ baseURL: server.url, viewport: { width, height: 900 } })).newPage();
  const ownerPage = await newPage();

  await withFailureScreenshot(ownerPage, 'team-invite', async () => {
    await signInSeededStaff(ownerPage, owner);
    await waitForVisible(ownerPage, ownerPage.getByRole('link', { name: 'Team', exact: true }), 'the Reseller Console');
    await ownerPage.getByRole('link', { name: 'Team', exact: true }).click();
    await waitForPath(ownerPage, '/partner/team');
    const members = ownerPage.getByRole('table', { name: 'Team members' });
    await waitForVisible(ownerPage, members.getByRole('row').filter({ hasText: owner.email }), 'the owner’s row');

    await ownerPage.getByRole('button', { name: 'Invite a team member', exact: true }).click();
    const dialog = ownerPage.getByRole('dialog', { name: 'Invite a team member' });
    await waitForVisible(ownerPage, dialog.getByRole('textbox', { name: 'Email' }), 'the invitation dialog');
    await dialog.getByRole('textbox', { name: 'Email' }).fill(technicianEmail);
    await dialog.getByRole('combobox', { name: 'Role', exact: true }).click();
    await ownerPage.getByRole('option', { name: 'Technician', exact: true }).click();
    await screenshot(ownerPage, 'team-invite-dialog');
    await dialog.getByRole('button', { name: 'Send invitation', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    const pending = ownerPage.getByRole('table', { name: 'Pending invitations' });
    await waitForVisible(ownerPage, pending.getByRole('row').filter({ hasText: technicianEmail }), 'the invitation');
    assert.match(
      (await pending.getByRole('row').filter({ hasText: technicianEmail }).textContent()) ?? '',
      /Technician/,
    );
  });

  // No SMTP here: the invitation is in the vendor outbox, which a vendor admin reads.
  const operatorPage = await newPage();
  let link = '';
  await withFailureScreenshot(operatorPage, 'team-outbox', async () => {
    await signInSeededStaff(operatorPage, operator);
    await waitForVisible(
      operatorPage,
      operatorPage.getByRole('link', { name: 'Outbox', exact: true }),
      'the vendor console',
    );
    await operatorPage.getByRole('link', { name: 'Outbox', exact: true }).click();
    await waitForPath(operatorPage, '/vendor/outbox');
    const message = operatorPage.getByRole('button').filter({ hasText: 'You are invited to Northwind IT' });
    await waitForVisible(operatorPage, message, 'the invitation in the outbox');
    await message.click();
    const body = operatorPage.getByText(/\/invite#token=/);
    await waitForVisible(operatorPage, body, 'the invitation text');
    link = /(https?:\/\/\S+\/invite#token=[A-Za-z0-9_-]+)/.exec((await body.textContent()) ?? '')?.[1] ?? '';
    assert.ok(link, 'the mail carries the invitation link');
  });

  const techPage = await newPage();
  await withFailureScreenshot(techPage, 'team-technician-signup', async () => {
    await signUpFromLink(techPage, link, { email: technicianEmail, password: 'technician passphrase 1' });
    await waitForPath(techPage, '/partner');
  });

  await withFailureScreenshot(ownerPage, 'team-assign', async () => {
    await ownerPage.reload();
    const row = ownerPage
      .getByRole('table', { name: 'Team members' })
      .getByRole('row')
      .filter({ hasText: technicianEmail });
    await waitForVisible(ownerPage, row, 'the technician’s row');
    assert.match((await row.textContent()) ?? '', /None assigned/);
    await row.getByRole('button', { name: `Assign customers to ${technicianEmail}` }).click();
    const dialog = ownerPage.getByRole('dialog', { name: 'Assign customers' });
    const bravo = dialog.getByRole('checkbox', { name: /bravo-bakery\.example/ });
    await waitForVisible(ownerPage, bravo, 'the customers to assign');
    assert.equal(await dialog.getByRole('checkbox').count(), 2, 'the partner’s two customers');
    await bravo.check();
    await screenshot(ownerPage, 'team-assign-dialog');
    await dialog.getByRole('button', { name: 'Save assignments', exact: true }).click();
    await dialog.waitFor({ state: 'hidden' });
    await waitForVisible(ownerPage, row.getByText('bravo-bakery.example'), 'the assignment in the row');
    assert.equal(
      await ownerPage.getByRole('table', { name: 'Pending invitations' }).count(),
      0,
      'the invitation was used',
    );
    await screenshot(ownerPage, 'team-1280');
    // At phone width (loaded afresh, so the layout is the phone's and not mid-transition).
    await ownerPage.setViewportSize({ width: 390, height: 844 });
    await ownerPage.reload();
    await waitForVisible(
      ownerPage,
      ownerPage.getByRole('table', { name: 'Team members' }).getByText(technicianEmail),
      'the team at 390 px',
    );
    await screenshot(ownerPage, 'team-390');
    await ownerPage.setViewportSize({ width: 1280, height: 900 });
  });

  await withFailureScreenshot(techPage, 'team-technician-customers', async () => {
    await techPage.getByRole('link', { name: 'Customers', exact: true }).click();
    await waitForPath(techPage, '/partner/customers');
    const table = techPage.getByRole('table', { name: 'Customers' });
    await waitForVisible(
      techPage,
      table.getByRole('row').filter({ hasText: 'bravo-bakery.example' }),
      'the assigned customer',
    );
    assert.equal(await table.getByText('alpha-traders.example').count(), 0, 'the unassigned customer is not listed');
    assert.equal(await table.getByRole('row').count(), 2, 'the header and one customer');
    await screenshot(techPage, 'team-technician-customers');
  });

  await withFailureScreenshot(ownerPage, 'team-customer-detail', async () => {
    await ownerPage.getByRole('link', { name: 'Customers', exact: true }).click();
    await ownerPage.getByRole('link', { name: 'bravo-bakery.example' }).first().click();
    const list = ownerPage.getByRole('list', { name: 'Assigned technicians' });
    await waitForVisible(ownerPage, list.getByText(technicianEmail), 'the technician on the customer page');
    await screenshot(ownerPage, 'team-customer-detail');
  });
});
