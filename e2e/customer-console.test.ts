// The customer console in Chromium against a real server: a Google Workspace domain on the
// emulator (60 users), connected with `safehold tenant connect` before the server starts; its
// super admin signs in with Google (the emulator's OpenID provider and account chooser), then
// in the License Manager searches, filters, selects two users, stages "Assign Standard
// license", pages, saves and sees the seat counters change, and turns on auto-assign; the
// Dashboard shows "not backed up yet", then after "Back up now" the last backup per service.
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { promisify } from 'node:util';
import { OIDC_CLIENT_ID, type RunningEmulator, startEmulator } from '@safehold/emulator';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { type SafeholdServer, startSafehold } from './support/safehold-server.ts';

const domain = 'console.example.test';
const admin = `admin@${domain}`;
const cli = path.resolve(import.meta.dirname, '..', 'apps', 'server', 'src', 'cli', 'main.ts');

let emulator: RunningEmulator;
let server: SafeholdServer;
let keyDir: string;

before(async () => {
  emulator = await startEmulator({
    seed: 'customer-console-e2e',
    domain,
    users: 60,
    generate: { messagesPerUser: 2, filesPerUser: 1, eventsPerUser: 1, contactsPerUser: 1, sharedDrives: 0 },
  });
  keyDir = mkdtempSync(path.join(tmpdir(), 'safehold-e2e-key-'));
  const keyPath = path.join(keyDir, 'service-account.json');
  writeFileSync(keyPath, JSON.stringify(emulator.serviceAccountKey), { mode: 0o600 });
  server = await startSafehold({
    env: {
      GOOGLE_SERVICE_ACCOUNT_KEY: keyPath,
      GOOGLE_OIDC_ISSUER: emulator.url,
      GOOGLE_OIDC_CLIENT_ID: OIDC_CLIENT_ID,
    },
    // What an operator does for a domain that authorised Safehold: connect it (trial tenant, directory synced).
    beforeStart: async (_dataDir, env) => {
      await promisify(execFile)(process.execPath, [cli, 'tenant', 'connect', '--domain', domain, '--admin', admin], {
        env,
      });
    },
  });
});
after(async () => {
  await server?.stop();
  await emulator?.stop();
  if (keyDir) rmSync(keyDir, { recursive: true, force: true });
});

async function selectOption(page: Page, label: string, option: string): Promise<void> {
  await page.getByRole('combobox', { name: label, exact: true }).click();
  await page.getByRole('option', { name: option, exact: true }).click();
}

/** Polls `check` (every 100 ms, at most 15 s) until it holds. */
async function waitUntil(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 150; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  assert.fail(`timed out waiting for ${what}`);
}

function userRow(page: Page, email: string) {
  return page.getByRole('row').filter({ hasText: email });
}

async function counter(page: Page, name: string): Promise<string> {
  return (await page.getByLabel(name, { exact: true }).innerText()).replace(/\s+/g, ' ');
}

test('a customer admin licenses users in the License Manager and backs them up from the Dashboard', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const page = await browser.newPage({ baseURL: server.url, viewport: { width: 1400, height: 1000 } });

  await withFailureScreenshot(page, 'customer-console', async () => {
    // Sign in with Google: the emulator's account chooser, then back to the customer console.
    await page.goto('/sign-in');
    await page.getByRole('button', { name: 'Sign in with Google', exact: true }).click();
    await page.getByRole('button', { name: admin, exact: true }).click();
    await page.waitForURL((url) => url.pathname === '/customer');
    await waitForVisible(page, page.getByRole('heading', { name: 'Dashboard' }), 'the Dashboard');
    await waitForVisible(page, page.getByText(/days? left in your trial/), 'the trial days left');
    await waitForVisible(page, page.getByText(/No licensed users yet/), 'the empty coverage table');

    // License Manager: 60 users, 50 per page, nobody licensed yet.
    await page.getByRole('link', { name: 'License Manager', exact: true }).click();
    await waitForVisible(page, userRow(page, admin), 'the users table');
    assert.match(await counter(page, 'Assigned'), /Assigned 0/);
    await waitForVisible(page, page.getByText('1–50 of 60 users'), 'the first page of 60 users');
    assert.equal(await page.getByRole('checkbox', { name: /^Select .+@/ }).count(), 50);

    // Search (on the server) → select the admin → stage a Standard license.
    await page.getByRole('textbox', { name: 'Search users', exact: true }).fill('admin');
    await waitForVisible(page, page.getByText('1–1 of 1 user'), 'the search result');
    await page.getByRole('checkbox', { name: `Select ${admin}`, exact: true }).check();
    await page.getByRole('button', { name: 'Assign Standard license', exact: true }).click();
    await waitForVisible(page, userRow(page, admin).getByText('→ Standard (pending)'), 'the staged change');
    await page.getByRole('textbox', { name: 'Search users', exact: true }).fill('');

    // Filter by org unit → select one user of /Sales → stage a Standard license too.
    await selectOption(page, 'Org unit', '/Sales');
    const dataRows = page
      .getByRole('table', { name: 'Users' })
      .getByRole('row')
      .filter({ has: page.getByRole('cell') });
    await waitUntil(async () => {
      const rows = await dataRows.allInnerTexts();
      return rows.length > 0 && rows.length < 50 && rows.every((row) => row.includes('/Sales'));
    }, 'only /Sales users listed');
    const salesCheckbox = page.getByRole('checkbox', { name: /^Select .+@/ }).first();
    const salesEmail = ((await salesCheckbox.getAttribute('aria-label')) ?? '').replace(/^Select /, '');
    assert.match(salesEmail, new RegExp(`@${domain.replaceAll('.', '\\.')}$`));
    await salesCheckbox.check();
    await page.getByRole('button', { name: 'Assign Standard license', exact: true }).click();
    await waitForVisible(page, page.getByText('2 pending changes, not saved yet'), 'two staged changes');
    await selectOption(page, 'Org unit', 'All org units');

    // Paging keeps the staged changes.
    await page.getByRole('button', { name: 'Page 2', exact: true }).click();
    await waitForVisible(page, page.getByText('51–60 of 60 users'), 'the second page');
    await waitForVisible(page, page.getByText('2 pending changes, not saved yet'), 'the staged changes after paging');
    await screenshot(page, 'customer-license-manager-staged');

    // Save Changes: applied at once, reported, counters updated.
    await page.getByRole('button', { name: 'Save Changes', exact: true }).click();
    const report = page.getByRole('status').filter({ hasText: 'Changes saved' });
    await waitForVisible(page, report, 'the save report');
    const reportText = await report.innerText();
    assert.match(reportText, /2 licenses changed/);
    assert.match(reportText, new RegExp(`${admin}: No license → Standard`));
    assert.match(reportText, new RegExp(`${salesEmail}: No license → Standard`));
    await waitForVisible(
      page,
      page.getByLabel('Assigned', { exact: true }).getByText('2', { exact: true }),
      'Assigned 2',
    );
    await page.getByRole('button', { name: 'Page 1', exact: true }).click();
    await waitForVisible(page, userRow(page, admin).getByText('Standard', { exact: true }), 'the admin licensed');

    // Auto-assign: switched on, and still on after a reload.
    const autoAssign = page.getByRole('switch', { name: 'Automatically assign licenses to new users' });
    assert.equal(await autoAssign.isChecked(), false);
    // With the keyboard: the page's fixed header may cover the switch after the scrolling above.
    await autoAssign.focus();
    await page.keyboard.press('Space');
    await waitUntil(async () => (await autoAssign.isChecked()) && (await autoAssign.isEnabled()), 'auto-assign on');
    await page.reload();
    await waitForVisible(page, userRow(page, admin), 'the users table after reload');
    await waitUntil(() => autoAssign.isChecked(), 'auto-assign still on after a reload');
    await screenshot(page, 'customer-license-manager');

    // Dashboard: the two licensed users, not backed up yet.
    await page.getByRole('link', { name: 'Dashboard', exact: true }).click();
    const adminBackups = userRow(page, admin);
    await waitForVisible(page, adminBackups, 'the last-backup table');
    assert.equal(await adminBackups.getByText('not backed up yet').count(), 4);
    assert.equal(
      await page.getByRole('table', { name: 'Last backup per user and service' }).getByRole('row').count(),
      3,
    );
    await waitForVisible(page, page.getByText('0 of 2 licensed users fully backed up'), 'coverage 0 of 2');

    // Back up now: progress while the runs are queued or running, then the last backup per service.
    await page.getByRole('button', { name: 'Back up now', exact: true }).click();
    await page
      .getByRole('progressbar', { name: 'Backup progress' })
      .waitFor({ state: 'visible', timeout: 5000 })
      .catch(() => {
        // The runs may already be over before the first poll; the result below is what counts.
      });
    await page.getByText('2 of 2 licensed users fully backed up').waitFor({ timeout: 120_000 });
    await page.getByText('not backed up yet').first().waitFor({ state: 'hidden', timeout: 30_000 });
    assert.match(await counter(page, 'Protection coverage'), /100%/);
    assert.match(await counter(page, 'Success rate (24 hours)'), /100%/);
    await screenshot(page, 'customer-dashboard');

    // Unassigning a license: saved, and the row shows when the user's backups will be purged (60 days).
    await page.getByRole('link', { name: 'License Manager', exact: true }).click();
    await page.getByRole('checkbox', { name: `Select ${salesEmail}`, exact: true }).check();
    await page.getByRole('button', { name: 'Unassign license', exact: true }).click();
    await waitForVisible(page, userRow(page, salesEmail).getByText('→ No license (pending)'), 'the staged removal');
    await page.getByRole('button', { name: 'Save Changes', exact: true }).click();
    await waitForVisible(page, report.filter({ hasText: '1 license changed' }), 'the removal report');
    assert.match(await report.innerText(), new RegExp(`${salesEmail}: Standard → No license \\(data purged on `));
    await waitForVisible(
      page,
      userRow(page, salesEmail).getByText(/^Data purged on .+ unless relicensed$/),
      'the purge date',
    );
    await waitForVisible(
      page,
      page.getByLabel('Assigned', { exact: true }).getByText('1', { exact: true }),
      'Assigned 1',
    );
  });
});
