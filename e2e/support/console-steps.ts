// Browser steps several e2e flows share: the operator onboarding a partner and reading the
// owner's invitation link from the Outbox (no SMTP in tests), and a Google Workspace admin
// starting a trial install up to the authorise page.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { screenshot, waitForVisible } from './browser.ts';

export async function waitForPath(page: Page, pathname: string, timeout?: number): Promise<void> {
  await page.waitForURL((url) => url.pathname === pathname, timeout === undefined ? {} : { timeout });
}

/**
 * In the vendor console: "Onboard a partner" → name and owner email → "Send invitation", then
 * the invitation link from the Outbox. `shots` prefixes screenshots when given.
 */
export async function onboardPartner(
  operatorPage: Page,
  partner: { name: string; ownerEmail: string; shots?: string },
): Promise<string> {
  await operatorPage.getByRole('link', { name: 'Partners', exact: true }).click();
  await waitForPath(operatorPage, '/vendor/partners');
  await operatorPage.getByRole('button', { name: 'Onboard a partner', exact: true }).click();
  const dialog = operatorPage.getByRole('dialog', { name: 'Onboard a partner' });
  await waitForVisible(operatorPage, dialog, 'the onboarding dialog');
  await dialog.getByRole('textbox', { name: 'Partner name', exact: true }).fill(partner.name);
  await dialog.getByRole('textbox', { name: 'Owner email', exact: true }).fill(partner.ownerEmail);
  if (partner.shots) await screenshot(operatorPage, `${partner.shots}-onboard-dialog`);
  await dialog.getByRole('button', { name: 'Send invitation', exact: true }).click();
  await dialog.waitFor({ state: 'hidden' });
  const row = operatorPage.getByRole('row').filter({ hasText: partner.name });
  await waitForVisible(operatorPage, row, 'the new partner in the table');
  await waitForVisible(operatorPage, row.getByText('Invitation pending'), 'the pending owner invitation');
  assert.ok((await row.textContent())?.includes(partner.ownerEmail));
  if (partner.shots) await screenshot(operatorPage, partner.shots);

  await operatorPage.getByRole('link', { name: 'Outbox', exact: true }).click();
  await waitForPath(operatorPage, '/vendor/outbox');
  const message = operatorPage.getByRole('button').filter({ hasText: `You are invited to ${partner.name}` });
  await waitForVisible(operatorPage, message, 'the invitation in the outbox');
  await message.click();
  // Earlier invitations may be open too: take the one naming this partner.
  // The link is a link (it was plain text to copy by hand).
  const invitation = operatorPage
    .locator('p')
    .filter({ hasText: partner.name })
    .getByRole('link', { name: /\/invite#token=/ });
  await waitForVisible(operatorPage, invitation, 'the invitation link');
  const link = await invitation.getAttribute('href');
  assert.match(link ?? '', /^https?:\/\/\S+\/invite#token=[A-Za-z0-9_-]+$/, 'the mail carries the invitation link');
  if (!link) throw new Error('the mail carries no invitation link');
  if (partner.shots) await screenshot(operatorPage, `${partner.shots}-outbox-invitation`);
  return link;
}

/**
 * From the sign-in page: "Start a free trial" → "Sign in with Google" → the emulator's account
 * chooser (one button per account, named by its email) → the authorise page with "Verify".
 */
export async function startTrialInstall(page: Page, email: string, shots?: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByRole('link', { name: 'Start a free trial', exact: true }).click();
  await waitForPath(page, '/trial');
  if (shots) await screenshot(page, `${shots}-start`);
  await page.getByRole('button', { name: 'Sign in with Google', exact: true }).click();
  const account = page.getByRole('button', { name: email, exact: true });
  await account.waitFor({ state: 'visible' });
  if (shots) await screenshot(page, `${shots}-account-chooser`);
  await account.click();
  await waitForPath(page, '/trial/authorise');
  await waitForVisible(page, page.getByRole('button', { name: 'Verify', exact: true }), 'the authorise page');
}
