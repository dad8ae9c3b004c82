// Customer console → Settings in Chromium. "Reseller Settings": a connected customer whose
// licensed super admin is signed in generates a transfer token (lifetime chosen), copies it
// (read back from the clipboard), allows partner access, revokes the token and removes the
// partner. "API": generate a token, copy it, a script's fetch authenticates with it, revoke it.
// The server runs in this process (the full module list and the built web app) on a
// test database, so the test can seed the tenant and the session directly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eq } from 'drizzle-orm';
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
