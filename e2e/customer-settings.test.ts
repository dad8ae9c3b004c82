// Customer console → Settings → "Reseller Settings" in Chromium: a connected customer whose
// licensed super admin is signed in generates a transfer token (lifetime chosen), copies it
// (read back from the clipboard), allows partner access, revokes the token and removes the
// partner. The server runs in this process (the full module list and the built web app) on a
// test database, so the test can seed the tenant and the session directly.
// Settings → "Administrators": the super admin makes a user of the domain a help-desk admin
// (picked in the directory combobox), sees who granted it, and revokes it after confirming.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { test } from 'node:test';
import { eq } from 'drizzle-orm';
import { backupItemVersions, backupSources, backupTenantState } from '../apps/server/src/modules/backup/tables.ts';
import { customerConnections, directoryUsers } from '../apps/server/src/modules/customers/tables.ts';
import { customerMembers } from '../apps/server/src/modules/identity/tables.ts';
import { notificationSettings, notificationUnsubscribes } from '../apps/server/src/modules/notifications/tables.ts';
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
    // The token's text goes first; its Revoke button with the section's re-render after it.
    await waitFor(
      async () => (await page.getByRole('button', { name: 'Revoke', exact: true }).count()) === 0,
      'no Revoke button left',
    );

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

test('a super admin adds a help-desk admin from the directory and revokes them, at 1280 and 390 px', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());

  const customer = await seedCustomer(server.ctx.db, server.ctx.clock, {
    domain: 'admins.example',
    name: 'Admins Example',
    users: [
      { email: 'admin@admins.example', license: 'standard', isAdmin: true },
      { email: 'ann@admins.example', license: 'standard' },
      { email: 'bob@admins.example' },
    ],
    members: [{ email: 'admin@admins.example', role: 'super_admin' }],
  });
  const sessionId = await signedInSession(server.ctx.db, server.ctx.clock, {
    kind: 'customer',
    customerMemberId: customer.members.get('admin@admins.example')!,
  });
  const roleOf = async (email: string) => {
    const rows = await server.ctx.db.select().from(customerMembers).where(eq(customerMembers.customerId, customer.id));
    return rows.find((row) => row.email === email)?.role ?? null;
  };

  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  await signIn(page, server, sessionId);

  await withFailureScreenshot(page, 'customer-settings-administrators', async () => {
    await page.goto('/customer/settings');
    const section = page.getByRole('region', { name: 'Administrators' });
    await waitForVisible(page, section.getByRole('heading', { name: 'Administrators', exact: true }), 'the section');
    await waitForVisible(page, section.getByText('admin@admins.example'), 'the super admin from Google');
    await waitForVisible(page, section.getByText(/demote them in the Google Admin console/), 'how demotion works');
    await waitForVisible(page, section.getByText('No help-desk admins yet.'), 'no help-desk admins');

    // Pick Ann in the directory combobox and grant.
    const picker = section.getByRole('combobox', { name: 'User' });
    await picker.fill('ann');
    await page.getByRole('option', { name: 'ann@admins.example' }).click();
    await section.getByRole('button', { name: 'Grant help-desk admin', exact: true }).click();
    await waitForVisible(page, section.getByText('ann@admins.example is now a help-desk admin.'), 'the grant');
    const helpdesk = section.getByRole('list', { name: 'Help-desk admins' });
    await waitForVisible(page, helpdesk.getByText('Granted by admin@admins.example', { exact: false }), 'who granted');
    assert.equal(await roleOf('ann@admins.example'), 'helpdesk_admin');

    // The super admin is listed in the combobox but not offered.
    await picker.fill('admin@');
    const superOption = page.getByRole('option', { name: /admin@admins\.example — super admin/ });
    await waitForVisible(page, superOption, 'the super admin, not offered');
    assert.equal(await superOption.getAttribute('aria-disabled'), 'true');
    await picker.fill('');
    await picker.press('Escape');
    await picker.blur();
    await page.getByRole('listbox').waitFor({ state: 'hidden' });

    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: width === 390 ? 844 : 900 });
      await section.scrollIntoViewIfNeeded();
      await screenshot(page, `customer-settings-administrators-${width}`);
      assert.ok(
        (await page.evaluate<number>('document.documentElement.scrollWidth')) <= width,
        `nothing wider than the window at ${width} px`,
      );
    }

    // Ann, signed in as help-desk admin: no Settings in her navigation, and the shared-drive
    // switches (a setting the server refuses her) are off with who may change them.
    const ann = (
      await server.ctx.db.select().from(customerMembers).where(eq(customerMembers.customerId, customer.id))
    ).find((row) => row.email === 'ann@admins.example');
    const annPage = await (await browser.newContext({ baseURL: server.url })).newPage();
    await signIn(
      annPage,
      server,
      await signedInSession(server.ctx.db, server.ctx.clock, { kind: 'customer', customerMemberId: ann!.id }),
    );
    await annPage.goto('/customer/shared-drives');
    await waitForVisible(
      annPage,
      annPage.getByText('Which shared drives are protected is changed by a super admin.'),
      'why the switches are off',
    );
    assert.equal(await annPage.getByRole('switch', { name: 'Protect all new shared drives' }).isDisabled(), true);
    assert.equal(await annPage.getByRole('link', { name: 'Settings', exact: true }).count(), 0);
    await annPage.close();

    // Revoke, after confirming.
    await helpdesk.getByRole('button', { name: 'Revoke help-desk admin from ann@admins.example' }).click();
    const dialog = page.getByRole('dialog', { name: 'Revoke help-desk admin?' });
    await waitForVisible(page, dialog, 'the confirmation');
    await dialog.getByRole('button', { name: 'Revoke', exact: true }).click();
    await waitForVisible(page, section.getByText('ann@admins.example is no longer a help-desk admin.'), 'the revoke');
    await waitForVisible(page, section.getByText('No help-desk admins yet.'), 'the list empty again');
    assert.equal(await roleOf('ann@admins.example'), 'end_user');
  });
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

test('a super admin sets the backup window to 22:00–04:00 Europe/Paris in Settings → Schedule', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());

  const customer = await seedCustomer(server.ctx.db, server.ctx.clock, {
    domain: 'schedule.example',
    name: 'Schedule Example',
    users: [
      { email: 'admin@schedule.example', license: 'standard', isAdmin: true },
      { email: 'ann@schedule.example', license: 'standard' },
      { email: 'bob@schedule.example', license: 'standard' },
    ],
    members: [{ email: 'admin@schedule.example', role: 'super_admin' }],
  });
  // Connected to Google: its licensed users are backed up on schedule.
  await server.ctx.db
    .insert(customerConnections)
    .values({ customerId: customer.id, adminEmail: 'admin@schedule.example', clientId: '123' });
  const sessionId = await signedInSession(server.ctx.db, server.ctx.clock, {
    kind: 'customer',
    customerMemberId: customer.members.get('admin@schedule.example')!,
  });
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  await signIn(page, server, sessionId);

  await withFailureScreenshot(page, 'customer-settings-schedule', async () => {
    await page.goto('/customer/settings');
    await waitForVisible(page, page.getByRole('heading', { name: 'Schedule', exact: true }), 'the Schedule section');
    const section = page.getByRole('region', { name: 'Schedule' });
    await waitForVisible(page, section.getByText('3 users, first at'), "the span of the users' slots");

    await section.getByLabel('Time zone').click();
    await section.getByLabel('Time zone').fill('Europe/Par');
    await page.getByRole('option', { name: 'Europe/Paris', exact: true }).click();
    await section.getByLabel('Window starts').click();
    await page.getByRole('option', { name: '22:00', exact: true }).click();
    await section.getByLabel('Window ends').click();
    await page.getByRole('option', { name: '04:00', exact: true }).click();
    await section.getByRole('button', { name: 'Save schedule', exact: true }).click();
    await waitForVisible(
      page,
      section.getByRole('status').filter({
        hasText: 'Saved. Daily backups start between 22:00 and 04:00 the next day, Europe/Paris time (6 hours).',
      }),
      'the saved schedule',
    );
    const row = await customerRow(customer.id);
    assert.deepEqual([row?.timeZone, row?.backupWindowStartHour, row?.backupWindowHours], ['Europe/Paris', 22, 6]);
    const span = (await section.getByText(/3 users, first at/).textContent()) ?? '';
    const [, first, last] = /first at (\d\d:\d\d), last at (\d\d:\d\d)/.exec(span) ?? [];
    const inWindow = (time = '') => time >= '22:00' || time < '04:00';
    assert.ok(inWindow(first) && inWindow(last), `slots inside 22:00–04:00: ${span}`);
    await screenshot(page, 'customer-settings-schedule-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await section.getByRole('button', { name: 'Save schedule', exact: true }).scrollIntoViewIfNeeded();
    assert.ok(
      (await page.evaluate<number>('document.documentElement.scrollWidth')) <= 390,
      'nothing wider than the phone screen',
    );
    await screenshot(page, 'customer-settings-schedule-390');

    // The Users page shows each licensed user's next backup.
    await page.setViewportSize({ width: 1280, height: 900 });
    await page.goto('/customer/users');
    const users = page.getByRole('table', { name: 'Users' });
    await waitForVisible(page, users.getByRole('columnheader', { name: 'Next backup' }), 'the Next backup column');
    await waitForVisible(page, users.getByRole('row').filter({ hasText: 'ann@schedule.example' }), 'ann');
    const annRow = users.getByRole('row').filter({ hasText: 'ann@schedule.example' });
    assert.doesNotMatch((await annRow.getByRole('cell').last().textContent()) ?? '', /^—$/);
    await screenshot(page, 'customer-users-next-backup');
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

test('a super admin chooses a weekly status email, adds a recipient (a bad address is named) and resubscribes one', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());

  const customer = await seedCustomer(server.ctx.db, server.ctx.clock, {
    domain: 'notify.example',
    name: 'Notify Example',
    users: [{ email: 'boss@notify.example', license: 'standard', isAdmin: true }],
    members: [{ email: 'boss@notify.example', role: 'super_admin' }],
  });
  await server.ctx.db
    .insert(notificationUnsubscribes)
    .values({ customerId: customer.id, email: 'gone@notify.example', kind: 'alerts' });
  const sessionId = await signedInSession(server.ctx.db, server.ctx.clock, {
    kind: 'customer',
    customerMemberId: customer.members.get('boss@notify.example')!,
  });
  for (const width of [1280, 390]) {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width, height: 900 } });
    const page = await context.newPage();
    await signIn(page, server, sessionId);
    await withFailureScreenshot(page, `customer-settings-notifications-${width}`, async () => {
      await page.goto('/customer/settings#notifications');
      await waitForVisible(page, page.getByRole('heading', { name: 'Notifications', exact: true }), 'the section');
      const section = page.getByRole('region', { name: 'Notifications' });
      await waitForVisible(page, section.getByText('boss@notify.example'), 'the super admins listed');
      if (width === 1280) {
        await section.getByRole('combobox', { name: 'Status email' }).selectOption({ label: 'Weekly' });
        await section.getByRole('combobox', { name: 'Day' }).selectOption({ label: 'Friday' });
        const extra = section.getByLabel('Extra recipients', { exact: true });
        await extra.fill('not-an-address');
        await extra.press('Enter');
        await section.getByRole('button', { name: 'Save notifications', exact: true }).click();
        await waitForVisible(page, section.getByText('Not saved'), 'the refusal');
        assert.match(
          (await section.getByRole('alert').textContent()) ?? '',
          /extraRecipients.*"not-an-address" is not an email address/,
        );
        await extra.press('Backspace');
        await extra.fill('it@partner.example');
        await extra.press('Enter');
        await section.getByRole('button', { name: 'Save notifications', exact: true }).click();
        await waitForVisible(page, section.getByRole('status').getByText('Saved.'), 'saved');
        const [row] = await server.ctx.db
          .select()
          .from(notificationSettings)
          .where(eq(notificationSettings.customerId, customer.id));
        assert.equal(row?.statusEmail, 'weekly');
        assert.equal(row?.statusWeekday, 5);
        assert.deepEqual(row?.extraRecipients, ['it@partner.example']);
        await section.getByRole('button', { name: 'Resubscribe gone@notify.example to failure alerts' }).click();
        await section.getByText('gone@notify.example').waitFor({ state: 'detached' });
      }
      await section.scrollIntoViewIfNeeded();
      await screenshot(page, `customer-settings-notifications-${width}`);
    });
    await context.close();
  }
});

test('a super admin generates an API token, copies it, and a script authenticates with it; then revokes it', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());

  const domain = 'api-settings.example';
  const customer = await seedCustomer(server.ctx.db, server.ctx.clock, {
    domain,
    users: [{ email: `admin@${domain}`, license: 'standard', isAdmin: true }, { email: `ann@${domain}` }],
    members: [{ email: `admin@${domain}`, role: 'super_admin' }],
  });
  const sessionId = await signedInSession(server.ctx.db, server.ctx.clock, {
    kind: 'customer',
    customerMemberId: customer.members.get(`admin@${domain}`)!,
  });
  const context = await browser.newContext({ baseURL: server.url, permissions: ['clipboard-read', 'clipboard-write'] });
  const page = await context.newPage();
  await signIn(page, server, sessionId);

  await withFailureScreenshot(page, 'customer-settings-api', async () => {
    await page.goto('/customer/settings');
    await waitForVisible(page, page.getByRole('heading', { name: 'API', exact: true }), 'the API section');
    await page.getByRole('button', { name: 'Generate API token', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Generate API token' });
    await waitForVisible(page, dialog, 'the name dialog');
    await dialog.getByRole('textbox', { name: 'Name' }).fill('HR sync');
    await dialog.getByRole('button', { name: 'Generate', exact: true }).click();
    const tokenText = page.getByTestId('api-token');
    await waitForVisible(page, tokenText, 'the new API token');
    const token = ((await tokenText.textContent()) ?? '').trim();
    assert.match(token, /^sh_tok_[A-Za-z0-9_-]{43}$/);

    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await waitForVisible(page, page.getByText('Copied to the clipboard.'), 'the copy confirmation');
    const copied = await page.evaluate<string>('navigator.clipboard.readText()');
    assert.equal(copied, token);

    // A script with the copied token: plain fetch and HTTP Basic.
    const answer = await fetch(`${server.url}/api/v1/users/ann@${domain}`, {
      headers: { authorization: `Basic ${Buffer.from(`${domain}:${copied}`).toString('base64')}` },
    });
    assert.equal(answer.status, 200);
    assert.deepEqual(await answer.json(), { type: 'user', email: `ann@${domain}`, licensed: false, archived: false });

    const row = page.getByRole('row', { name: /HR sync/ });
    await waitForVisible(page, row, 'the token in the list');
    assert.ok(
      ((await row.textContent()) ?? '').includes(`…${token.slice(-4)}`),
      'the list shows the last 4 characters',
    );
    for (const width of [1280, 390]) {
      await page.setViewportSize({ width, height: 900 });
      await page.getByRole('heading', { name: 'API', exact: true }).scrollIntoViewIfNeeded();
      await screenshot(page, `customer-settings-api-${width}`);
      assert.ok(
        (await page.evaluate<number>('document.documentElement.scrollWidth')) <= width,
        `nothing wider than ${width} px`,
      );
    }
    await page.setViewportSize({ width: 1280, height: 900 });

    // Revoke, after confirming: the script is refused from then on.
    await page.getByRole('button', { name: 'Revoke HR sync', exact: true }).click();
    const confirm = page.getByRole('dialog', { name: 'Revoke API token?' });
    await waitForVisible(page, confirm, 'the confirmation');
    await confirm.getByRole('button', { name: 'Revoke', exact: true }).click();
    await waitForVisible(page, page.getByText(/^Revoked /), 'the token revoked');
    const refused = await fetch(`${server.url}/api/v1/users`, {
      headers: { authorization: `Basic ${Buffer.from(`${domain}:${token}`).toString('base64')}` },
    });
    assert.equal(refused.status, 401);
  });
});
