// Browser steps shared by e2e tests of staff accounts: create an account from a one-time link
// (setup or invitation), enrol TOTP from the secret shown as text, read the recovery codes and
// press "Continue" (returning what a later sign-in needs); sign a seeded, enrolled user in.
import assert from 'node:assert/strict';
import type { Page } from 'playwright-core';
import { totpCode as serverTotpCode } from '../../apps/server/src/modules/identity/index.ts';
import type { SeededStaffUser } from '../../apps/server/src/testing/browser.ts';
import { screenshot, waitForVisible } from './browser.ts';
import { totpCode, totpStep } from './totp.ts';

export interface StaffAccount {
  email: string;
  password: string;
  /** The TOTP setup key (base32). */
  secret: string;
  /** The TOTP time step used at enrolment (a later sign-in needs a later one). */
  enrolStep: number;
}

/**
 * Opens `link` in `page`, creates the account (typing the email when the link asks for it),
 * enrols TOTP and continues past the recovery codes. Screenshots go to `<shots>-1-account`,
 * `-2-enrol`, `-3-recovery-codes` when `shots` is given.
 */
export async function signUpFromLink(
  page: Page,
  link: string,
  account: { email: string; password: string; shots?: string },
): Promise<StaffAccount> {
  await page.goto(link);
  const create = page.getByRole('button', { name: 'Create account', exact: true });
  await waitForVisible(page, create, 'the account form');
  const emailBox = page.getByRole('textbox', { name: 'Email', exact: true });
  if ((await emailBox.count()) > 0) await emailBox.fill(account.email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(account.password);
  await page.getByRole('textbox', { name: 'Confirm password', exact: true }).fill(account.password);
  if (account.shots) await screenshot(page, `${account.shots}-1-account`);
  await create.click();

  const secretText = page.getByTestId('totp-secret');
  await waitForVisible(page, secretText, 'the TOTP setup key');
  const secret = (await secretText.textContent())?.replace(/\s/g, '') ?? '';
  assert.match(secret, /^[A-Z2-7]{16,}=*$/, 'the setup key is base32 text');
  await waitForVisible(page, page.getByRole('img', { name: 'QR code for your authenticator app' }), 'the QR code');
  if (account.shots) await screenshot(page, `${account.shots}-2-enrol`);
  const enrolStep = totpStep();
  await page.getByRole('textbox', { name: 'Authentication code', exact: true }).fill(totpCode(secret, enrolStep));
  await page.getByRole('button', { name: 'Verify code', exact: true }).click();

  const continueButton = page.getByRole('button', { name: 'Continue', exact: true });
  await waitForVisible(page, continueButton, 'the recovery codes');
  const codes = await page.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').allTextContents();
  assert.equal(codes.length, 10, 'ten recovery codes');
  if (account.shots) await screenshot(page, `${account.shots}-3-recovery-codes`);
  await continueButton.click();
  return { email: account.email, password: account.password, secret, enrolStep };
}

/** Signs a seeded, enrolled staff user in through the sign-in page (password, then a TOTP code). */
export async function signInSeededStaff(page: Page, user: SeededStaffUser): Promise<void> {
  await page.goto('/sign-in');
  await waitForVisible(page, page.getByRole('button', { name: 'Sign in', exact: true }), 'the sign-in form');
  await page.getByRole('textbox', { name: 'Email', exact: true }).fill(user.email);
  await page.getByRole('textbox', { name: 'Password', exact: true }).fill(user.password);
  await page.getByRole('button', { name: 'Sign in', exact: true }).click();
  const codeBox = page.getByRole('textbox', { name: 'Authentication code', exact: true });
  await waitForVisible(page, codeBox, 'the second sign-in step');
  await codeBox.fill(serverTotpCode(user.totpSecret as Buffer, new Date()));
  await page.getByRole('button', { name: 'Verify code', exact: true }).click();
}
