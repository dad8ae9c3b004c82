// The partner program in the browser: the operator onboards a partner ("Onboard a partner" →
// "Send invitation"); the invitation link is read from the vendor Outbox (no SMTP here); the
// partner owner creates the account, enrols TOTP, sees the recovery codes and lands in the
// Reseller Console. Then the operator suspends the partner: the owner's open console closes
// (sessions end at once) and sign-in is refused; reactivating lets them in again.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { onboardPartner, waitForPath } from './support/console-steps.ts';
import { requireIdentityApi, type SafeholdServer, startSafehold } from './support/safehold-server.ts';
import { signUpFromLink } from './support/staff-accounts.ts';
import { totpCode, waitForStepAfter } from './support/totp.ts';

let server: SafeholdServer;
before(async () => {
  server = await startSafehold();
});
after(async () => {
  await server?.stop();
});

const partnerName = 'Northwind MSP';
const ownerEmail = 'owner@northwind.example';

test('an operator onboards a partner whose owner signs up with TOTP from the emailed link; suspension locks them out', async (t) => {
  assert.ok(server.setupLink, `a fresh installation prints a setup link; server output:\n${server.output()}`);
  if (!(await requireIdentityApi(t, server))) return;
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const operatorPage = await (await browser.newContext({ baseURL: server.url })).newPage();
  const ownerPage = await (await browser.newContext({ baseURL: server.url })).newPage();

  let link = '';
  await withFailureScreenshot(operatorPage, 'vendor-partners', async () => {
    await signUpFromLink(operatorPage, server.setupLink!, {
      email: 'operator@vendor.example',
      password: 'correct horse battery staple',
    });
    await waitForPath(operatorPage, '/vendor');

    // 1. Onboard a partner; 2. the invitation in the Outbox (no SMTP configured).
    link = await onboardPartner(operatorPage, { name: partnerName, ownerEmail, shots: 'vendor-partners' });
    // The overview now names the owner invitation that is not accepted yet.
    await operatorPage.getByRole('link', { name: 'Overview', exact: true }).click();
    const pending = operatorPage.getByRole('region', { name: 'Owner invitations not accepted (1)' });
    await waitForVisible(operatorPage, pending, 'the pending invitation on the overview');
    assert.match((await pending.textContent()) ?? '', new RegExp(`${partnerName} — ${ownerEmail}: invitation pending`));
    await screenshot(operatorPage, 'vendor-overview');
  });

  let owner: Awaited<ReturnType<typeof signUpFromLink>> | null = null;
  await withFailureScreenshot(ownerPage, 'partner-signup', async () => {
    // 3. The owner opens the link: the page names the organisation, then account, TOTP, recovery codes.
    await ownerPage.goto(link);
    await waitForVisible(ownerPage, ownerPage.getByText(partnerName), 'the organisation named on the invitation');
    owner = await signUpFromLink(ownerPage, link, {
      email: ownerEmail,
      password: 'a partner owner passphrase',
      shots: 'partner-signup',
    });

    // 4. The Reseller Console of the new partner.
    await waitForPath(ownerPage, '/partner');
    await waitForVisible(
      ownerPage,
      ownerPage.getByRole('link', { name: 'Customers', exact: true }),
      'the Reseller Console',
    );
    assert.ok((await ownerPage.getByRole('banner').textContent())?.includes(`Reseller Console · ${partnerName}`));
    await screenshot(ownerPage, 'partner-signup-4-reseller-console');
  });

  await withFailureScreenshot(operatorPage, 'vendor-partners-suspend', async () => {
    // 5. Suspend: the owner's console closes at its next request, and sign-in is refused.
    await operatorPage.getByRole('link', { name: 'Partners', exact: true }).click();
    const row = operatorPage.getByRole('row').filter({ hasText: partnerName });
    await waitForVisible(operatorPage, row.getByText('Active', { exact: true }), 'the owner accepted; partner active');
    // The table may first show the cached list from before the owner signed up: wait for the refetch.
    await row.getByText('Invitation pending').waitFor({ state: 'detached' });
    await row.getByRole('button', { name: 'Suspend', exact: true }).click();
    await operatorPage.getByRole('dialog').getByRole('button', { name: 'Suspend partner', exact: true }).click();
    await waitForVisible(operatorPage, row.getByText('Suspended', { exact: true }), 'the partner suspended');
    await screenshot(operatorPage, 'vendor-partners-suspended');
  });

  await withFailureScreenshot(ownerPage, 'partner-suspended', async () => {
    assert.ok(owner);
    await ownerPage.goto('/partner/customers');
    await waitForPath(ownerPage, '/sign-in');
    await ownerPage.getByRole('textbox', { name: 'Email', exact: true }).fill(owner.email);
    await ownerPage.getByRole('textbox', { name: 'Password', exact: true }).fill(owner.password);
    await ownerPage.getByRole('button', { name: 'Sign in', exact: true }).click();
    const refused = ownerPage.getByRole('alert').filter({ hasText: 'The email or password is not correct.' });
    await refused.waitFor({ state: 'visible' });
  });

  await withFailureScreenshot(operatorPage, 'vendor-partners-reactivate', async () => {
    const row = operatorPage.getByRole('row').filter({ hasText: partnerName });
    await row.getByRole('button', { name: 'Reactivate', exact: true }).click();
    await waitForVisible(operatorPage, row.getByText('Active', { exact: true }), 'the partner active again');
  });

  await withFailureScreenshot(ownerPage, 'partner-reactivated', async () => {
    assert.ok(owner);
    await ownerPage.getByRole('button', { name: 'Sign in', exact: true }).click();
    const codeBox = ownerPage.getByRole('textbox', { name: 'Authentication code', exact: true });
    await waitForVisible(ownerPage, codeBox, 'the second sign-in step');
    await codeBox.fill(totpCode(owner.secret, await waitForStepAfter(owner.enrolStep)));
    await ownerPage.getByRole('button', { name: 'Verify code', exact: true }).click();
    await waitForPath(ownerPage, '/partner');
  });
});
