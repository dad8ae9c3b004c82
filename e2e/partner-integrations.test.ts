// Integrations in a real browser: a partner owner creates an API key (shown once, with Copy) that
// then reads the partner's customers over the API, adds a webhook pointing at a local HTTPS
// receiver (trusted through SAFEHOLD_WEBHOOKS_CA_FILE, loopback allowed by
// SAFEHOLD_WEBHOOKS_ALLOW_PRIVATE), sends a test event, checks its signature, and reads the
// delivery log. Screenshots at 1280 and 390 px.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { openDatabase } from '../apps/server/src/db/database.ts';
import { totpCode } from '../apps/server/src/modules/identity/index.ts';
import { verifySignature } from '../apps/server/src/modules/integrations/index.ts';
import { type SeededStaffUser, seedPartner, seedStaffUser } from '../apps/server/src/testing/browser.ts';
import { type HttpsReceiver, startHttpsReceiver } from '../apps/server/src/testing/https-receiver.ts';
import { seedCustomerWithBackups } from '../apps/server/src/testing/reseller-seed.ts';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { requireIdentityApi, type SafeholdServer, startSafehold } from './support/safehold-server.ts';

const masterKey = randomBytes(32);
let server: SafeholdServer;
let receiver: HttpsReceiver;
let owner: SeededStaffUser;
let partnerId: string;

before(async () => {
  receiver = await startHttpsReceiver();
  server = await startSafehold({
    env: {
      SAFEHOLD_MASTER_KEY: masterKey.toString('base64'),
      SAFEHOLD_WEBHOOKS_ALLOW_PRIVATE: '1',
      SAFEHOLD_WEBHOOKS_CA_FILE: receiver.caFile,
    },
    beforeStart: async (dataDir) => {
      const database = await openDatabase(
        { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
        { command: 'e2e seed' },
      );
      try {
        await database.migrate();
        partnerId = await seedPartner(database.db, { name: 'Northwind IT' });
        owner = await seedStaffUser(
          { db: database.db, masterKey },
          { email: 'owner@northwind.example', partnerId, role: 'owner' },
        );
        await seedCustomerWithBackups(database.db, new Date(), {
          partnerId,
          domain: 'alpha-traders.example',
          name: 'Alpha Traders',
          users: 5,
          licensed: 4,
          protectedUsers: 4,
          runsSucceeded: 3,
          storageBytes: 1024 ** 3,
        });
      } finally {
        await database.close();
      }
    },
  });
});
after(async () => {
  await server?.stop();
  await receiver?.close();
});

test('a partner owner creates an API key and a webhook, sends a test event and reads the delivery log', async (t) => {
  if (!(await requireIdentityApi(t, server))) return;
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: server.url });
  const page = await context.newPage();

  await withFailureScreenshot(page, 'partner-integrations', async () => {
    await page.goto('/sign-in');
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill(owner.email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(owner.password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const codeBox = page.getByRole('textbox', { name: 'Authentication code', exact: true });
    await waitForVisible(page, codeBox, 'the second sign-in step');
    await codeBox.fill(totpCode(owner.totpSecret as Buffer, new Date()));
    await page.getByRole('button', { name: 'Verify code', exact: true }).click();

    await waitForVisible(page, page.getByRole('link', { name: 'Integrations', exact: true }), 'the Reseller Console');
    await page.getByRole('link', { name: 'Integrations', exact: true }).click();

    // API key: created with a name and a scope, shown once with "Copy".
    await page.getByRole('button', { name: 'Create API key', exact: true }).click();
    const keyDialog = page.getByRole('dialog', { name: 'Create API key' });
    await keyDialog.getByRole('textbox', { name: 'Name' }).fill('PSA sync');
    await keyDialog.getByRole('button', { name: 'Create', exact: true }).click();
    const shownKey = page.getByRole('status', { name: 'API key "PSA sync"' }).locator('code');
    await waitForVisible(page, shownKey, 'the new key');
    const token = ((await shownKey.textContent()) ?? '').trim();
    assert.match(token, /^sh_key_/);
    await page.getByRole('button', { name: 'Copy', exact: true }).click();
    await page.getByRole('button', { name: 'Copied', exact: true }).waitFor();
    const keysTable = page.getByRole('table', { name: 'API keys' });
    await keysTable.getByRole('row').filter({ hasText: 'PSA sync' }).waitFor();

    // The key works as the partner, without a session or CSRF token.
    const viaKey = await fetch(`${server.url}/api/partners/${partnerId}/customers`, {
      headers: { authorization: `Bearer ${token}` },
    });
    assert.equal(viaKey.status, 200);
    assert.match(await viaKey.text(), /alpha-traders\.example/);

    // Webhook: the receiver's URL, the secret shown once, a test event delivered and signed.
    await page.getByRole('button', { name: 'Add webhook', exact: true }).click();
    const hookDialog = page.getByRole('dialog', { name: 'Add webhook' });
    await hookDialog.getByRole('textbox', { name: 'URL' }).fill(`${receiver.origin}/hooks/safehold`);
    await hookDialog.getByRole('checkbox', { name: /customer\.added/ }).check();
    await hookDialog.getByRole('button', { name: 'Add', exact: true }).click();
    const shownSecret = page.getByRole('status', { name: 'Signing secret' }).locator('code');
    await waitForVisible(page, shownSecret, 'the signing secret');
    const secret = ((await shownSecret.textContent()) ?? '').trim();
    assert.match(secret, /^whsec_/);
    await hookDialog.waitFor({ state: 'hidden' });
    await screenshot(page, 'partner-integrations-1280');

    await page.getByRole('button', { name: 'Send test event', exact: true }).click();
    await receiver.waitFor(1);
    const received = receiver.received[0];
    assert.ok(received);
    assert.equal(
      verifySignature(secret, received.body, String(received.headers['safehold-signature']), new Date()),
      true,
    );

    await page.getByRole('button', { name: 'Delivery log', exact: true }).click();
    const log = page.getByRole('dialog', { name: 'Delivery log' });
    const row = log.getByRole('row').filter({ hasText: 'webhook.test' });
    await row.filter({ hasText: 'Delivered' }).waitFor();
    assert.match((await row.textContent()) ?? '', /200/);
    await page.waitForTimeout(300); // the dialog's fade-in, for the picture only
    await screenshot(page, 'partner-integrations-delivery-log');
    await page.keyboard.press('Escape');
    await log.waitFor({ state: 'hidden' });

    // Phone width, after a reload: the key and the secret are not shown again.
    await page.setViewportSize({ width: 390, height: 844 });
    await page.reload();
    await page.getByText('https://localhost', { exact: false }).waitFor();
    assert.equal(await page.getByText(token).count(), 0, 'the key is shown once');
    assert.equal(await page.getByText(secret).count(), 0, 'the secret is shown once');
    await screenshot(page, 'partner-integrations-390');
  });
});
