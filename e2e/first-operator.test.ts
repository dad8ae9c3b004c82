// The way into a new installation: the first-operator link printed by `safehold start` →
// create the account → enrol an authenticator (TOTP) → recovery codes → the vendor console;
// then sign out and sign in again with password and a fresh code.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { requireIdentityApi, type SafeholdServer, startSafehold } from './support/safehold-server.ts';
import { totpCode, totpStep, waitForStepAfter } from './support/totp.ts';

let server: SafeholdServer;
before(async () => {
  server = await startSafehold();
});
after(async () => {
  await server?.stop();
});

const email = 'first.operator@example.com';
const password = 'correct horse battery staple';

async function waitForPath(page: Page, pathname: string): Promise<void> {
  await page.waitForURL((url) => url.pathname === pathname);
}

test('the first operator creates an account from the setup link, enrols TOTP and signs in again', async (t) => {
  assert.ok(server.setupLink, `a fresh installation prints a setup link; server output:\n${server.output()}`);
  if (!(await requireIdentityApi(t, server))) return;
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const page = await browser.newPage({ baseURL: server.url });

  await withFailureScreenshot(page, 'first-operator', async () => {
    // 1. The setup link: the first operator's link carries no email, so the page asks for it.
    await page.goto(server.setupLink!);
    await waitForVisible(page, page.getByRole('button', { name: 'Create account', exact: true }), 'the setup form');
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
    await page.getByRole('textbox', { name: 'Confirm password', exact: true }).fill(password);
    await screenshot(page, 'first-operator-1-setup');
    await page.getByRole('button', { name: 'Create account', exact: true }).click();

    // 2. TOTP enrolment: the secret is shown as text beside the QR code.
    const secretText = page.getByTestId('totp-secret');
    await waitForVisible(page, secretText, 'the TOTP setup key');
    assert.equal(new URL(page.url()).pathname, '/enrol');
    const secret = (await secretText.textContent())?.replace(/\s/g, '') ?? '';
    assert.match(secret, /^[A-Z2-7]{16,}=*$/, 'the setup key is base32');
    // The whole key is on screen (it was cut off at 1280 px): its box does not scroll sideways.
    assert.equal(
      await secretText.evaluate((element) => element.scrollWidth <= element.clientWidth),
      true,
      'the setup key fits its box',
    );
    await waitForVisible(page, page.getByRole('img', { name: 'QR code for your authenticator app' }), 'the QR code');
    await screenshot(page, 'first-operator-2-enrol');
    const enrolStep = totpStep();
    await page.getByRole('textbox', { name: 'Authentication code', exact: true }).fill(totpCode(secret, enrolStep));
    await page.getByRole('button', { name: 'Verify code', exact: true }).click();

    // 3. The ten recovery codes, shown once.
    const continueButton = page.getByRole('button', { name: 'Continue', exact: true });
    await waitForVisible(page, continueButton, 'the recovery codes');
    const recoveryCodes = await page
      .getByRole('list', { name: 'Recovery codes' })
      .getByRole('listitem')
      .allTextContents();
    assert.equal(recoveryCodes.length, 10);
    assert.equal(new Set(recoveryCodes).size, 10, 'the recovery codes differ');
    await screenshot(page, 'first-operator-3-recovery-codes');
    await continueButton.click();

    // 4. The vendor console.
    await waitForVisible(page, page.getByRole('link', { name: 'Outbox', exact: true }), 'the vendor console');
    assert.equal(new URL(page.url()).pathname, '/vendor');
    assert.equal(await page.getByRole('link', { name: 'Partners', exact: true }).count(), 1);
    // Its overview starts with what needs attention: nothing yet, and it says so.
    await waitForVisible(page, page.getByText('Nothing needs attention'), 'the overview');
    await screenshot(page, 'first-operator-4-vendor-console');

    // The outbox: without SMTP, mail is kept there and the page says so.
    await page.getByRole('link', { name: 'Outbox', exact: true }).click();
    await waitForVisible(page, page.getByText(/No SMTP server is configured/), 'the outbox');
    await waitForPath(page, '/vendor/outbox');
    await screenshot(page, 'first-operator-4b-outbox');

    // Installation health: queues, workers, failed jobs, storage, database size — at desktop and
    // phone width (nothing clipped).
    await page.getByRole('link', { name: 'Installation health', exact: true }).click();
    await waitForPath(page, '/vendor/health');
    await waitForVisible(page, page.getByRole('heading', { name: 'Job queues', exact: true }), 'installation health');
    await waitForVisible(page, page.getByRole('heading', { name: 'Database', exact: true }), 'the database size');
    assert.equal(await page.getByText(/size not available/).count(), 0, 'the database reports its size');
    // The server's own job runner is listed as a worker, alive.
    const workers = page.getByRole('table', { name: 'Workers', exact: true });
    await waitForVisible(
      page,
      workers.getByRole('row', { name: /^safehold start on .+ \(pid \d+\) Alive/ }),
      'the running worker',
    );
    // Cloud projects (issue 20): the demo's one project, its client id, customers bound and usage.
    const projects = page.getByRole('table', { name: 'Cloud projects', exact: true });
    await waitForVisible(page, projects.getByRole('row', { name: /^safehold-emu-\S+ \d+ \d+$/ }), 'the Cloud project');
    await waitForVisible(
      page,
      page.getByRole('table', { name: /^Usage of safehold-emu-/ }).getByRole('row', { name: /^Gmail / }),
      "the project's Gmail usage",
    );
    await page.setViewportSize({ width: 1280, height: 900 });
    await screenshot(page, 'first-operator-4c-health-1280');
    await page.setViewportSize({ width: 390, height: 844 });
    await screenshot(page, 'first-operator-4c-health-390');
    await page.setViewportSize({ width: 1280, height: 900 });

    // 5. Sign out, and the console is closed.
    await page.getByRole('button', { name: 'Sign out', exact: true }).click();
    await waitForPath(page, '/sign-in');
    await page.goto('/vendor');
    await waitForPath(page, '/sign-in');

    // 6. Sign in again: password, then a code of a later time step (each code works once).
    await waitForVisible(page, page.getByRole('button', { name: 'Sign in', exact: true }), 'the sign-in form');
    await page.getByRole('textbox', { name: 'Email', exact: true }).fill(email);
    await page.getByRole('textbox', { name: 'Password', exact: true }).fill(password);
    await page.getByRole('button', { name: 'Sign in', exact: true }).click();
    const codeBox = page.getByRole('textbox', { name: 'Authentication code', exact: true });
    await waitForVisible(page, codeBox, 'the second sign-in step');
    await screenshot(page, 'first-operator-5-second-factor');
    const step = await waitForStepAfter(enrolStep);
    await codeBox.fill(totpCode(secret, step));
    await page.getByRole('button', { name: 'Verify code', exact: true }).click();
    await waitForVisible(page, page.getByRole('link', { name: 'Outbox', exact: true }), 'the vendor console');
    assert.equal(new URL(page.url()).pathname, '/vendor');
    await screenshot(page, 'first-operator-6-signed-in-again');
  });
});
