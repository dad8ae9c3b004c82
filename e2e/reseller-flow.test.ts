// The flow the product is built around (PRODUCT.md §2), played whole in Chromium against a
// real `safehold start` with its demo Google Workspace: the operator onboards a partner; the
// partner's owner signs up with TOTP; the demo domain's super admin installs a trial, licenses
// themself ("Save Changes"), generates a transfer token and copies it; the partner pastes it
// into "Add a Customer", previews and adds the customer, and sees it in the list with the
// right figures. Then the variant where the customer's admin sends the token to a second
// partner: the customer moves, and the first partner's list no longer shows it.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { BrowserContext, Page } from 'playwright-core';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { onboardPartner, startTrialInstall, waitForPath } from './support/console-steps.ts';
import { requireIdentityApi, type SafeholdServer, startSafehold } from './support/safehold-server.ts';
import { signUpFromLink } from './support/staff-accounts.ts';

let server: SafeholdServer;
before(async () => {
  server = await startSafehold();
});
after(async () => {
  await server?.stop();
});

const domain = 'demo.safehold.test';
const admin = `admin@${domain}`;

/** The customer admin generates a token in Settings → Reseller Settings and returns it as shown. */
async function generateToken(page: Page, shots: string): Promise<string> {
  await page.getByRole('link', { name: 'Settings', exact: true }).click();
  await waitForPath(page, '/customer/settings');
  await waitForVisible(page, page.getByRole('heading', { name: 'Reseller Settings' }), 'Reseller Settings');
  await page.getByRole('button', { name: 'Generate Transfer Token', exact: true }).click();
  const shown = page.getByText(/^sht_[A-Z2-7]{32}$/);
  await waitForVisible(page, shown, 'the new transfer token');
  await screenshot(page, shots);
  return ((await shown.textContent()) ?? '').trim();
}

/** In the Reseller Console: "Add a Customer" → token → "Preview" (checked) → "Add". */
async function addCustomer(page: Page, token: string, shots: string): Promise<void> {
  await page.getByRole('link', { name: 'Customers', exact: true }).click();
  await waitForPath(page, '/partner/customers');
  await page.getByRole('button', { name: 'Add a Customer', exact: true }).click();
  const dialog = page.getByRole('dialog');
  await waitForVisible(page, dialog.getByRole('textbox', { name: 'Transfer token' }), 'the Add a Customer dialog');
  await dialog.getByRole('textbox', { name: 'Transfer token' }).fill(token);
  await dialog.getByRole('button', { name: 'Preview', exact: true }).click();
  await waitForVisible(page, dialog.getByText(domain), 'the preview naming the domain');
  await screenshot(page, `${shots}-preview`);
  await dialog.getByRole('button', { name: 'Add', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
}

test('operator onboards a partner; a trial is installed, licensed and handed over with a copied transfer token; then moved to a second partner', async (t) => {
  assert.ok(server.setupLink, `a fresh installation prints a setup link; server output:\n${server.output()}`);
  if (!(await requireIdentityApi(t, server))) return;
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const newPage = async (options: Parameters<typeof browser.newContext>[0] = {}): Promise<[BrowserContext, Page]> => {
    const context = await browser.newContext({ baseURL: server.url, ...options });
    return [context, await context.newPage()];
  };
  const [, operator] = await newPage();
  const [, partnerA] = await newPage();
  // The customer admin's browser: the clipboard is readable so the test sees what "Copy" put there.
  const [customerContext, customer] = await newPage({ permissions: ['clipboard-read', 'clipboard-write'] });

  let inviteA = '';
  await withFailureScreenshot(operator, 'flow-operator', async () => {
    await signUpFromLink(operator, server.setupLink!, {
      email: 'ops@vendor.example',
      password: 'operator passphrase 1',
    });
    await waitForPath(operator, '/vendor');
    inviteA = await onboardPartner(operator, { name: 'Northwind MSP', ownerEmail: 'owner@northwind.example' });
  });

  await withFailureScreenshot(partnerA, 'flow-partner-signup', async () => {
    await signUpFromLink(partnerA, inviteA, { email: 'owner@northwind.example', password: 'partner passphrase 1' });
    await waitForPath(partnerA, '/partner');
  });

  let copied = '';
  await withFailureScreenshot(customer, 'flow-customer', async () => {
    await startTrialInstall(customer, admin);
    await customer.getByRole('button', { name: 'Verify', exact: true }).click();
    await waitForPath(customer, '/customer', 60_000);

    // License Manager: select themself, stage "Assign Standard license", "Save Changes".
    await customer.getByRole('link', { name: 'License Manager', exact: true }).click();
    await waitForPath(customer, '/customer/license-manager');
    const select = customer.getByRole('checkbox', { name: `Select ${admin}`, exact: true });
    await waitForVisible(customer, select, 'the admin in the users table');
    await select.check();
    await customer.getByRole('button', { name: 'Assign Standard license', exact: true }).click();
    await customer.getByRole('button', { name: 'Save Changes', exact: true }).click();
    const adminRow = customer.getByRole('row').filter({ hasText: admin });
    await waitForVisible(customer, adminRow.getByText('Standard', { exact: true }), 'the saved Standard license');
    await screenshot(customer, 'flow-license-manager');

    // Settings: generate, then "Copy" puts the token on the clipboard.
    const shown = await generateToken(customer, 'flow-settings-token');
    await customer.getByRole('button', { name: 'Copy', exact: true }).click();
    copied = await customer.evaluate<string>('navigator.clipboard.readText()');
    assert.equal(copied, shown, 'Copy puts the token shown on the clipboard');
  });

  await withFailureScreenshot(partnerA, 'flow-add-customer', async () => {
    // The partner pastes the token with stray spaces, as a person might.
    await addCustomer(partnerA, `  ${copied.toLowerCase()} `, 'flow-add-customer');
    const row = partnerA.getByRole('row').filter({ hasText: domain });
    await waitForVisible(partnerA, row, 'the new customer in the list');
    const cells = (await row.getByRole('cell').allTextContents()).map((cell) => cell.trim());
    assert.ok(
      cells.some((cell) => /^trial$/i.test(cell)),
      `the customer is in trial: ${cells.join(' | ')}`,
    );
    // The trial has no purchased seats: the one seat line says so (apps/web/src/seat-figures.ts).
    assert.ok(
      cells.some((cell) => /^Trial — unlimited seats until \w{3} \d{1,2}, \d{4}$/.test(cell)),
      `the seat line of a trial: ${cells.join(' | ')}`,
    );
    await screenshot(partnerA, 'flow-reseller-customers');
  });

  // The variant: the customer's admin generates a token and sends it (here: as text) to a
  // second partner, who has no access to the domain. The customer moves.
  let inviteB = '';
  await withFailureScreenshot(operator, 'flow-operator-b', async () => {
    inviteB = await onboardPartner(operator, { name: 'Contoso Partners', ownerEmail: 'owner@contoso.example' });
  });
  const [, partnerB] = await newPage();
  await withFailureScreenshot(partnerB, 'flow-partner-b', async () => {
    await signUpFromLink(partnerB, inviteB, { email: 'owner@contoso.example', password: 'partner passphrase 2' });
    await waitForPath(partnerB, '/partner');
  });
  let sent = '';
  await withFailureScreenshot(customer, 'flow-customer-send', async () => {
    await customer.reload();
    sent = await generateToken(customer, 'flow-settings-second-token');
  });
  await customerContext.clearPermissions();
  await withFailureScreenshot(partnerB, 'flow-partner-b-add', async () => {
    await addCustomer(partnerB, sent, 'flow-partner-b-add');
    await waitForVisible(partnerB, partnerB.getByRole('row').filter({ hasText: domain }), 'the moved customer');
  });
  await withFailureScreenshot(partnerA, 'flow-partner-a-after-move', async () => {
    await partnerA.reload();
    await waitForVisible(partnerA, partnerA.getByRole('button', { name: 'Add a Customer' }), 'the customers page');
    await partnerA.getByRole('row').filter({ hasText: domain }).waitFor({ state: 'detached' });
    await screenshot(partnerA, 'flow-partner-a-after-move');
  });
  await withFailureScreenshot(customer, 'flow-customer-after-move', async () => {
    await customer.reload();
    await waitForVisible(customer, customer.getByText('Contoso Partners'), 'the new partner named in Settings');
    // The customer's own audit log shows the token generated and both moves.
    await customer.getByRole('link', { name: 'Audit log', exact: true }).click();
    const log = customer.getByRole('table', { name: 'Audit log' });
    await waitForVisible(customer, log, 'the customer audit log');
    await log.getByRole('row').filter({ hasText: 'customer.transfer' }).first().waitFor();
    assert.ok((await log.getByRole('row').filter({ hasText: 'customer.transfer' }).count()) >= 2, 'both moves');
    await screenshot(customer, 'flow-customer-audit-log');
  });
});
