// Partner access to customer data only through a partner session (issue 18 §2), in Chromium
// against a real server and the Google emulator: a backed-up domain managed by "Northwind IT",
// whose owner opens the customer console from the customer's page (reason and authentication
// code), sees the banner on every page, restores a message, and ends the session. The
// customer's super admin reads in its audit log who did it and why, then turns "Allow partner
// to open this console" off: the owner's next "Open" is refused with a clear sentence.
// Screenshots at 1280 and 390 px go to e2e/screenshots/.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { RunningEmulator } from '@safehold/emulator';
import type { Browser, Page } from 'playwright-core';
import { openDatabase } from '../apps/server/src/db/database.ts';
import { totpCode } from '../apps/server/src/modules/identity/index.ts';
import {
  findCustomerByDomain,
  setAllowPartnerAccess,
  setCustomerPartner,
} from '../apps/server/src/modules/tenancy/index.ts';
import { type SeededStaffUser, seedPartner, seedStaffUser } from '../apps/server/src/testing/browser.ts';
import { clientsFor } from '../packages/emulator/src/test-support/google-clients.ts';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { type ConnectedDomain, startConnectedDomain } from './support/connected-domain.ts';
import { waitForPath } from './support/console-steps.ts';

const domain = 'impersonate.example.test';
const admin = `admin@${domain}`;
const subject = 'Invoice to recover';
const reason = 'Ticket 4711: the customer lost an invoice';
const rawMessage = [
  'From: Billing <billing@supplier.example>',
  `To: ${admin}`,
  `Subject: ${subject}`,
  'Date: Tue, 03 Nov 2026 09:30:00 +0000',
  `Message-ID: <invoice-4711@${domain}>`,
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=UTF-8',
  '',
  'Invoice 4711 is attached in spirit.',
  '',
].join('\r\n');
const masterKey = randomBytes(32);

let connected: ConnectedDomain | undefined;
let owner: SeededStaffUser;
let customerId = '';
let browser: Browser | null = null;

before(async () => {
  connected = await startConnectedDomain({
    seed: 'partner-impersonation-e2e',
    domain,
    users: 2,
    generate: { messagesPerUser: 3, filesPerUser: 1, eventsPerUser: 1, contactsPerUser: 1 },
    env: { SAFEHOLD_MASTER_KEY: masterKey.toString('base64') },
    prepare: async (emulator: RunningEmulator) => {
      const google = clientsFor(emulator.url, emulator.serviceAccountKey, admin);
      await google.gmail.users.messages.import(
        {
          userId: 'me',
          internalDateSource: 'dateHeader',
          requestBody: { labelIds: ['INBOX'] },
          media: { mimeType: 'message/rfc822', body: rawMessage },
        },
        google.at,
      );
    },
    beforeStart: async (safehold, dataDir) => {
      await safehold('licenses', 'assign', '--domain', domain, '--all');
      await safehold('backup', 'run', '--domain', domain, '--wait');
      // The partner managing the domain, its owner (with TOTP), and the customer's consent.
      const database = await openDatabase(
        { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
        { command: 'e2e seed' },
      );
      try {
        const db = database.db;
        const partnerId = await seedPartner(db, { name: 'Northwind IT' });
        owner = await seedStaffUser({ db, masterKey }, { email: 'owner@northwind.example', partnerId, role: 'owner' });
        const customer = await findCustomerByDomain(db, domain);
        assert.ok(customer, 'the connected domain is a customer');
        customerId = customer.id;
        await setCustomerPartner(db, customerId, partnerId, new Date());
        await setAllowPartnerAccess(db, customerId, true);
      } finally {
        await database.close();
      }
    },
  });
});
after(async () => {
  await browser?.close();
  await connected?.stop();
});

/** A TOTP code `steps` 30-second steps from now (the server takes the next step too, once). */
const codeAt = (steps: number) => totpCode(owner.totpSecret as Buffer, new Date(Date.now() + steps * 30_000));

async function shots(page: Page, name: string): Promise<void> {
  await screenshot(page, `${name}-1280`);
  await page.setViewportSize({ width: 390, height: 844 });
  await page.waitForFunction(() => {
    const { document } = globalThis as unknown as { document: { getAnimations(): { playState: string }[] } };
    return document.getAnimations().every((animation) => animation.playState !== 'running');
  });
  await screenshot(page, `${name}-390`);
  await page.setViewportSize({ width: 1280, height: 900 });
}

async function signInOwner(page: Page): Promise<void> {
  await page.goto('/sign-in');
  await waitForVisible(page, page.getByRole('button', { name: 'Sign in', exact: true }), 'the sign-in form');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(owner.email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(owner.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const codeBox = page.getByRole('textbox', { name: 'Authentication code', exact: true });
  await waitForVisible(page, codeBox, 'the second sign-in step');
  await codeBox.fill(codeAt(0));
  await page.getByRole('button', { name: 'Verify code', exact: true }).click();
  await waitForVisible(page, page.getByRole('link', { name: 'Customers', exact: true }), 'the Reseller Console');
}

test('the owner opens the customer console with a reason and a code, restores a message and ends the session; the customer reads who and why', async (t) => {
  const server = connected?.server;
  assert.ok(server);
  browser = await launchBrowser(t);
  if (!browser) return;
  const page = await browser.newPage({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  await withFailureScreenshot(page, 'partner-impersonation', async () => {
    await signInOwner(page);
    // Outside a partner session the owner's API answers 403 on the customer's data.
    const direct = await page.request.get(`/api/customers/${customerId}/browse/sources`);
    assert.equal(direct.status(), 403);
    assert.equal((await direct.json()).error.code, 'partner_session_required');

    await page.goto(`/partner/customers/${customerId}`);
    const openButton = page.getByRole('button', { name: 'Open customer console', exact: true });
    await waitForVisible(page, openButton, 'Open customer console');
    await openButton.click();
    const dialog = page.getByRole('dialog', { name: 'Open customer console' });
    await waitForVisible(page, dialog, 'the dialog');
    await dialog.getByRole('textbox', { name: 'Reason', exact: true }).fill(reason);
    await dialog.getByRole('textbox', { name: 'Authentication code', exact: true }).fill(codeAt(1));
    await shots(page, 'partner-session-open-dialog');
    await dialog.getByRole('button', { name: 'Open', exact: true }).click();

    await waitForPath(page, '/customer');
    const banner = page.getByRole('region', { name: 'Partner session' });
    await waitForVisible(page, banner, 'the partner session banner');
    assert.match(
      (await banner.textContent()) ?? '',
      /Partner session: owner@northwind\.example from Northwind IT — ends at \d{1,2}[:.]\d{2}/,
    );
    await shots(page, 'partner-session-dashboard');

    // On every page: the user's page, where the message is restored.
    await page.goto(`/customer/users/${encodeURIComponent(admin)}`);
    await waitForVisible(page, banner, 'the banner on the user page');
    const checkbox = page.getByRole('checkbox', { name: `Select ${subject}`, exact: true });
    await waitForVisible(page, checkbox, 'the message in the backup');
    await checkbox.check();
    await page.getByRole('button', { name: 'Restore', exact: true }).click();
    const restore = page.getByRole('dialog', { name: 'Restore' });
    await waitForVisible(page, restore.getByRole('radio', { name: 'Into a Restored folder' }), 'the restore dialog');
    await restore.getByRole('button', { name: 'Start restore', exact: true }).click();
    await waitForVisible(page, restore.getByRole('link', { name: 'Open the restore’s page' }), 'the started restore');
    await restore.getByRole('button', { name: 'Close' }).click();
    await shots(page, 'partner-session-user-page');

    await banner.getByRole('button', { name: 'End session', exact: true }).click();
    await waitForPath(page, `/partner/customers/${customerId}`);
    await waitForVisible(page, openButton, 'back on the customer page');
    const after = await page.request.get(`/api/customers/${customerId}/browse/sources`);
    assert.equal(after.status(), 403, 'ended: no data again');
  });

  // The customer's super admin reads its audit log: the person, the partner and the reason.
  const customerPage = await (await browser.newContext({ baseURL: server.url })).newPage();
  await customerPage.setViewportSize({ width: 1280, height: 900 });
  await withFailureScreenshot(customerPage, 'partner-impersonation-customer', async () => {
    await customerPage.goto('/sign-in');
    await customerPage.getByRole('button', { name: 'Sign in with Google', exact: true }).click();
    await customerPage.getByRole('button', { name: admin, exact: true }).click();
    await waitForPath(customerPage, '/customer');
    await customerPage.goto('/customer/audit');
    const restoreRow = customerPage.getByRole('row').filter({ hasText: 'owner@northwind.example' }).filter({
      hasText: reason,
    });
    await waitForVisible(customerPage, restoreRow.first(), 'the partner session entries');
    assert.ok((await restoreRow.count()) >= 2, 'the opening and the restore, each with the person and reason');
    await shots(customerPage, 'partner-session-customer-audit');

    // Switch off: the owner's next attempt is refused with a sentence saying why.
    await customerPage.goto('/customer/settings');
    const allow = customerPage.getByRole('switch', { name: 'Allow partner to open this console' });
    await waitForVisible(customerPage, allow, 'the partner access switch');
    assert.equal(await allow.isChecked(), true);
    const saved = customerPage.waitForResponse(
      (response) => response.url().endsWith('/partner-access') && response.request().method() === 'PUT',
    );
    // Dispatched, not clicked: the page's sections still load above it and move it while a
    // click scrolls to it ("Element is outside of the viewport").
    await allow.dispatchEvent('click');
    assert.equal((await saved).status(), 200, 'the switch is off');
  });

  await withFailureScreenshot(page, 'partner-impersonation-refused', async () => {
    await page.goto(`/partner/customers/${customerId}`);
    const openButton = page.getByRole('button', { name: 'Open customer console', exact: true });
    await waitForVisible(page, openButton, 'Open customer console');
    await openButton.click();
    const dialog = page.getByRole('dialog', { name: 'Open customer console' });
    await dialog.getByRole('textbox', { name: 'Reason', exact: true }).fill('Ticket 4712');
    await dialog.getByRole('textbox', { name: 'Authentication code', exact: true }).fill(codeAt(1));
    await dialog.getByRole('button', { name: 'Open', exact: true }).click();
    await waitForVisible(
      page,
      dialog.getByText(/has not allowed its partner to open its console/),
      'the refusal with its reason',
    );
    await shots(page, 'partner-session-refused');
  });
});
