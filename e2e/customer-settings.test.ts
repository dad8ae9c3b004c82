// Customer console → Settings in Chromium. "Retention": a super admin limits mail to 1 year,
// previews what the next prune removes and saves (screenshots at 1280 and 390 px).
// "Reseller Settings": a connected customer whose
// licensed super admin is signed in generates a transfer token (lifetime chosen), copies it
// (read back from the clipboard), allows partner access, revokes the token and removes the
// partner. The server runs in this process (the full module list and the built web app) on a
// test database, so the test can seed the tenant and the session directly.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { eq } from 'drizzle-orm';
import { backupItemVersions, backupSources, backupTenantState } from '../apps/server/src/modules/backup/tables.ts';
import { directoryUsers } from '../apps/server/src/modules/customers/tables.ts';
import { customers } from '../apps/server/src/modules/tenancy/tables.ts';
import { hashTransferToken } from '../apps/server/src/modules/transfer/index.ts';
import { transferTokens } from '../apps/server/src/modules/transfer/tables.ts';
import { seedPartner } from '../apps/server/src/testing/browser.ts';
import { seedCustomer, signedInSession } from '../apps/server/src/testing/tenants.ts';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { inProcessServer, signIn } from './support/in-process-server.ts';

const server = inProcessServer();

test('a licensed super admin generates, copies and revokes a transfer token, allows partner access and removes the partner', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());

  const partnerId = await seedPartner(server.ctx.db, { name: 'Northwind IT' });
  const customer = await seedCustomer(server.ctx.db, server.ctx.clock, {
    domain: 'settings.example',
    name: 'Settings Example',
    partnerId,
    users: [
      { email: 'admin@settings.example', license: 'standard', isAdmin: true },
      { email: 'ann@settings.example', license: 'standard' },
    ],
    members: [{ email: 'admin@settings.example', role: 'super_admin' }],
  });
  const sessionId = await signedInSession(server.ctx.db, server.ctx.clock, {
    kind: 'customer',
    customerMemberId: customer.members.get('admin@settings.example')!,
  });

  const context = await browser.newContext({ baseURL: server.url, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  // The session cookie arrives the way a sign-in sets it: in a Set-Cookie answer from the
  // server's origin (a `__Host-` cookie cannot be added for a plain-http URL through CDP).
  await signIn(page, server, sessionId);

  await withFailureScreenshot(page, 'customer-settings', async () => {
    await page.goto('/customer');
    await page.getByRole('link', { name: 'Settings', exact: true }).click();
    await waitForVisible(page, page.getByRole('heading', { name: 'Reseller Settings', exact: true }), 'the settings');
    await waitForVisible(page, page.getByText('Managed by Northwind IT.'), 'the current partner');

    // Generate a token that lives 3 days.
    await page.getByRole('combobox', { name: 'Token lifetime', exact: true }).selectOption({ label: '3 days' });
    await page.getByRole('button', { name: 'Generate Transfer Token', exact: true }).click();
    const tokenText = page.getByTestId('transfer-token');
    await waitForVisible(page, tokenText, 'the new transfer token');
    const token = ((await tokenText.textContent()) ?? '').trim();
    assert.match(token, /^sht_[A-Z2-7]{32}$/);
    assert.match((await page.getByTestId('token-expiry').textContent()) ?? '', /Valid until .+ shown only this once/);
    const [stored] = await server.ctx.db
      .select()
      .from(transferTokens)
      .where(eq(transferTokens.customerId, customer.id));
    assert.equal(stored?.tokenHash, hashTransferToken(token), 'the page shows the token whose hash is stored');
    assert.equal(stored.expiresAt.getTime() - stored.createdAt.getTime(), 3 * 24 * 3600_000);

    // Copy puts it on the clipboard.
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await waitForVisible(page, page.getByText('Copied to the clipboard.'), 'the copy confirmation');
    assert.equal(await page.evaluate<string>('navigator.clipboard.readText()'), token);

    // Allow the partner to open this console: stored.
    const accessSwitch = page.getByRole('switch', { name: 'Allow partner to open this console' });
    assert.equal(await accessSwitch.isChecked(), false);
    await accessSwitch.click({ force: true });
    await waitFor(() => accessSwitch.isChecked(), 'the switch on');
    await waitFor(async () => (await customerRow(customer.id))?.allowPartnerAccess === true, 'partner access stored');
    await screenshot(page, 'customer-settings');

    // Revoke: the token disappears and is revoked on the server.
    await page.getByRole('button', { name: 'Revoke', exact: true }).click();
    await tokenText.waitFor({ state: 'detached' });
    await waitFor(async () => {
      const [row] = await server.ctx.db.select().from(transferTokens).where(eq(transferTokens.customerId, customer.id));
      return row?.revokedAt !== null;
    }, 'the token revoked');
    assert.equal(await page.getByRole('button', { name: 'Revoke', exact: true }).count(), 0);

    // Remove partner, after confirming.
    await page.getByRole('button', { name: 'Remove partner', exact: true }).click();
    const dialog = page.getByRole('dialog');
    await waitForVisible(page, dialog, 'the confirmation');
    await dialog.getByRole('button', { name: 'Remove partner', exact: true }).click();
    await waitForVisible(page, page.getByText('No partner manages this domain.'), 'the partner removed');
    await dialog.waitFor({ state: 'hidden' });
    assert.equal((await customerRow(customer.id))?.partnerId, null);
    assert.equal(await page.getByRole('button', { name: 'Remove partner', exact: true }).count(), 0);
    await screenshot(page, 'customer-settings-partner-removed');
  });
});

test('a super admin limits mail to 1 year in Retention, sees what the next prune removes, saves, and puts a user on legal hold', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());

  const customer = await seedCustomer(server.ctx.db, server.ctx.clock, {
    domain: 'retention.example',
    name: 'Retention Example',
    users: [
      { email: 'admin@retention.example', license: 'standard', isAdmin: true },
      { email: 'ann@retention.example', license: 'standard' },
    ],
    members: [{ email: 'admin@retention.example', role: 'super_admin' }],
  });
  // Ann's mail: one message deleted two years ago (past a 1-year limit), one current.
  const [ann] = await server.ctx.db
    .select()
    .from(directoryUsers)
    .where(eq(directoryUsers.primaryEmail, 'ann@retention.example'));
  assert.ok(ann);
  const sourceId = randomUUID();
  await server.ctx.db.insert(backupSources).values({
    id: sourceId,
    customerId: customer.id,
    subjectKind: 'user',
    subjectId: ann.googleId,
    subjectEmail: ann.primaryEmail,
    service: 'gmail',
  });
  const now = server.ctx.clock.now().getTime();
  const year = 365 * 24 * 3600_000;
  const version = (itemKey: string, validTo: Date | null) => ({
    customerId: customer.id,
    sourceId,
    itemKey,
    version: 1,
    objectId: `object-${itemKey}`,
    contentHash: `hash-${itemKey}`,
    size: 3 * 1024 * 1024,
    metadata: { subject: itemKey },
    validFrom: new Date(now - 3 * year),
    validTo,
    runId: randomUUID(),
  });
  await server.ctx.db
    .insert(backupItemVersions)
    .values([version('deleted-long-ago', new Date(now - 2 * year)), version('current', null)]);

  const sessionId = await signedInSession(server.ctx.db, server.ctx.clock, {
    kind: 'customer',
    customerMemberId: customer.members.get('admin@retention.example')!,
  });
  for (const viewport of [
    { width: 1280, height: 900 },
    { width: 390, height: 844 },
  ]) {
    const context = await browser.newContext({ baseURL: server.url, viewport });
    const page = await context.newPage();
    await signIn(page, server, sessionId);
    await withFailureScreenshot(page, `customer-settings-retention-${viewport.width}`, async () => {
      await page.goto('/customer/settings');
      await waitForVisible(
        page,
        page.getByRole('heading', { name: 'Retention', exact: true }),
        'the Retention section',
      );
      if (viewport.width === 1280) {
        await page.getByRole('radio', { name: 'Limit how long older versions are kept' }).check({ force: true });
        await page.getByRole('textbox', { name: 'Mail, Calendar and Contacts' }).fill('1');
        await page.getByRole('combobox', { name: 'Mail, Calendar and Contacts: unit' }).selectOption('years');
        await page.getByRole('button', { name: 'Preview', exact: true }).click();
        await waitForVisible(
          page,
          page.getByText('About 1 item and 3.0 MiB will be removed at the next prune.'),
          'the preview',
        );
        await screenshot(page, 'customer-settings-retention-1280');
        await page.getByRole('button', { name: 'Save retention', exact: true }).click();
        await waitForVisible(page, page.getByText('Saved. The next daily prune applies it.'), 'saved');
        await waitFor(async () => {
          const [state] = await server.ctx.db
            .select()
            .from(backupTenantState)
            .where(eq(backupTenantState.customerId, customer.id));
          const mail = state?.retentionLimits?.mail;
          return mail?.value === 1 && mail.unit === 'years';
        }, 'the retention stored');
        assert.equal(
          await server.ctx.db.$count(backupItemVersions, eq(backupItemVersions.customerId, customer.id)),
          2,
          'neither preview nor save deleted anything',
        );

        // Ann goes on legal hold in the License Manager: none of her backups will be pruned.
        await page.getByRole('link', { name: 'License Manager', exact: true }).click();
        const hold = page.getByRole('switch', { name: 'Legal hold for ann@retention.example' });
        await waitForVisible(page, hold, 'the legal hold switch');
        await hold.click({ force: true });
        await waitFor(async () => {
          const [row] = await server.ctx.db.select().from(directoryUsers).where(eq(directoryUsers.id, ann.id));
          return row?.legalHold === true;
        }, 'the legal hold stored');
        await waitFor(() => hold.isChecked(), 'the switch on');
        await screenshot(page, 'customer-license-manager-legal-hold-1280');
      } else {
        // The saved limit, as a narrow screen shows it.
        await waitForVisible(page, page.getByRole('textbox', { name: 'Mail, Calendar and Contacts' }), 'the limits');
        assert.equal(await page.getByRole('textbox', { name: 'Mail, Calendar and Contacts' }).inputValue(), '1');
        await page.getByRole('heading', { name: 'Retention', exact: true }).scrollIntoViewIfNeeded();
        await screenshot(page, 'customer-settings-retention-390');
        await page.goto('/customer/license-manager');
        const hold = page.getByRole('switch', { name: 'Legal hold for ann@retention.example' });
        await waitForVisible(page, hold, 'the legal hold switch');
        assert.equal(await hold.isChecked(), true);
        await screenshot(page, 'customer-license-manager-legal-hold-390');
      }
    });
    await context.close();
  }
});

async function customerRow(id: string) {
  const [row] = await server.ctx.db.select().from(customers).where(eq(customers.id, id));
  return row;
}

/** Polls a server-side condition the page's last action should have made true. */
async function waitFor(condition: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 100; attempt++) {
    if (await condition()) return;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
  assert.fail(`timed out waiting for ${what}`);
}
