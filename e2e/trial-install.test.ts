// The trial install in the browser against the demo emulator that `safehold start` runs
// in-process: sign-in → "Start a free trial" → "Sign in with Google" → the emulator's account
// chooser → the authorise page (client id and scopes) → "Verify" names a scope the domain has
// not delegated (revoked through the emulator's control API) → granted again, "Verify" opens
// the customer console, which shows the trial's 14 days.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { startTrialInstall } from './support/console-steps.ts';
import { requireIdentityApi, type SafeholdServer, startSafehold } from './support/safehold-server.ts';

let server: SafeholdServer;
before(async () => {
  server = await startSafehold();
});
after(async () => {
  await server?.stop();
});

const domain = 'demo.safehold.test';
const admin = `admin@${domain}`;
const revokedScope = 'https://www.googleapis.com/auth/calendar';

/** Calls the demo emulator's control API (`POST /_emulator/<method>`). */
async function emulatorControl(emulatorUrl: string, method: string, body: unknown): Promise<void> {
  const response = await fetch(`${emulatorUrl}/_emulator/${method}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify(body),
  });
  assert.equal(response.status, 200, await response.text());
}

test('a demo domain super admin installs a trial: authorise, Verify names a missing scope, then the console shows 14 trial days', async (t) => {
  if (!(await requireIdentityApi(t, server))) return;
  const emulatorUrl = /demo domain \S+ .* at (http:\/\/[^\s]+?)\.?$/m.exec(server.output())?.[1];
  assert.ok(emulatorUrl, `the server names its demo emulator; output:\n${server.output()}`);
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const page = await browser.newPage({ baseURL: server.url });

  await withFailureScreenshot(page, 'trial-install', async () => {
    await startTrialInstall(page, admin, 'trial');
    const verify = page.getByRole('button', { name: 'Verify', exact: true });
    const clientId = (await page.getByTestId('client-id').textContent())?.trim() ?? '';
    assert.match(clientId, /^\d{10,}$/, 'a numeric OAuth client id');
    const scopes = await page
      .getByRole('list', { name: 'Scopes to authorise' })
      .getByRole('listitem')
      .allTextContents();
    assert.equal(scopes.length, 7);
    assert.ok(scopes.includes(revokedScope));
    await screenshot(page, 'trial-authorise');

    // With one scope not delegated, Verify names it.
    await emulatorControl(emulatorUrl, 'revokeDelegation', { domain, scopes: [revokedScope] });
    await verify.click();
    const missing = page.getByRole('list', { name: 'Missing scopes' });
    await missing.waitFor({ state: 'visible' });
    assert.deepEqual(await missing.getByRole('listitem').allTextContents(), [revokedScope]);
    await screenshot(page, 'trial-authorise-missing-scope');

    // Granted again: the tenant is created in trial and the customer console opens.
    await emulatorControl(emulatorUrl, 'grantDelegation', { domain });
    await verify.click();
    await page.waitForURL((url) => url.pathname === '/customer', { timeout: 60_000 });
    await waitForVisible(
      page,
      page.getByRole('link', { name: 'License Manager', exact: true }),
      'the customer console',
    );
    const trialDays = page.getByTestId('trial-days-left');
    await trialDays.waitFor({ state: 'visible' });
    assert.equal((await trialDays.textContent())?.trim(), 'Trial: 14 days left');
    assert.ok((await page.getByRole('banner').textContent())?.includes(domain));
    await screenshot(page, 'trial-customer-console');
  });
});
