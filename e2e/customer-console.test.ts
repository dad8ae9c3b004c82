// The customer console in Chromium against a real server: a Google Workspace domain on the
// emulator (60 users), connected with `safehold tenant connect` before the server starts; its
// super admin signs in with Google (the emulator's OpenID provider and account chooser), then
// in the License Manager searches, filters, selects two users, stages "Assign Standard
// license", pages, saves and sees the seat counters change, and turns on auto-assign; the
// Dashboard shows "not backed up yet", then after "Back up now" the last backup per service.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { type ConnectedDomain, startConnectedDomain } from './support/connected-domain.ts';
import type { SafeholdServer } from './support/safehold-server.ts';

const domain = 'console.example.test';
const admin = `admin@${domain}`;

let server: SafeholdServer;
let connected: ConnectedDomain | undefined;

before(async () => {
  // A domain that authorised Safehold, connected by the operator (trial tenant, directory synced).
  connected = await startConnectedDomain({
    seed: 'customer-console-e2e',
    domain,
    users: 60,
    generate: { messagesPerUser: 2, filesPerUser: 1, eventsPerUser: 1, contactsPerUser: 1, sharedDrives: 2 },
  });
  server = connected.server;
});
after(async () => {
  await connected?.stop();
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

/** A link of the console's navigation (pages may link to the same place in their text). */
function navLink(page: Page, name: string) {
  return page.getByRole('navigation').getByRole('link', { name, exact: true });
}

function userRow(page: Page, email: string) {
  return page.getByRole('row').filter({ hasText: email });
}

/**
 * Every date the console shows is written by format.ts in the page's locale (en-GB here:
 * "4 Dec 2026, 20:41"): no ISO stamp, no numeric day/month/year, no seconds, and no raw id.
 */
async function assertOneDateFormat(page: Page, where: string): Promise<void> {
  const text = await page.getByRole('main').innerText();
  assert.doesNotMatch(text, /\d{4}-\d{2}-\d{2}T\d{2}:\d{2}/, `${where} shows an ISO time`);
  assert.doesNotMatch(text, /\b\d{1,2}\/\d{1,2}\/\d{2,4}\b/, `${where} shows a numeric date`);
  assert.doesNotMatch(text, /\b\d{1,2}:\d{2}:\d{2}\b/, `${where} shows a time with seconds`);
  assert.doesNotMatch(text, /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/, `${where} shows a raw id`);
}
const formattedDateTime = /\b\d{1,2} [A-Z][a-z]{2} \d{4}, \d{2}:\d{2}\b/;

async function signInAsAdmin(page: Page): Promise<void> {
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Sign in with Google', exact: true }).click();
  await page.getByRole('button', { name: admin, exact: true }).click();
  await page.waitForURL((url) => url.pathname === '/customer');
}

async function counter(page: Page, name: string): Promise<string> {
  return (await page.getByLabel(name, { exact: true }).innerText()).replace(/\s+/g, ' ');
}

test('a customer admin licenses users in the License Manager and backs them up from the Dashboard', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const page = await browser.newPage({
    baseURL: server.url,
    viewport: { width: 1400, height: 1000 },
    locale: 'en-GB',
  });

  await withFailureScreenshot(page, 'customer-console', async () => {
    // Sign in with Google: the emulator's account chooser, then back to the customer console.
    await signInAsAdmin(page);
    await waitForVisible(page, page.getByRole('heading', { name: 'Dashboard' }), 'the Dashboard');
    await waitForVisible(page, page.getByText(/days? left in your trial/), 'the trial days left');
    await waitForVisible(page, page.getByText(/No licensed users yet/), 'the empty coverage table');
    // Nobody is licensed: nothing to back up, and the page says why.
    const backUpNow = page.getByRole('button', { name: 'Back up now', exact: true });
    // The button is also off while the figures load, before its reason is known: wait for the reason.
    const reason = async () => {
      const id = await backUpNow.getAttribute('aria-describedby');
      return id ? await page.locator(`#${id}`).innerText() : '';
    };
    await waitUntil(
      async () => /Nothing to back up yet: no user holds a Standard license/.test(await reason()),
      'Back up now saying why it is off',
    );
    assert.equal(await backUpNow.isDisabled(), true, 'Back up now disabled');

    // License Manager: 60 users, 50 per page, nobody licensed yet.
    await navLink(page, 'License Manager').click();
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
    await navLink(page, 'Dashboard').click();
    const adminBackups = userRow(page, admin);
    await waitForVisible(page, adminBackups, 'the last-backup table');
    assert.equal(await adminBackups.getByText('not backed up yet').count(), 4);
    assert.equal(
      await page.getByRole('table', { name: 'Last backup per user and service' }).getByRole('row').count(),
      3,
    );
    await waitForVisible(page, page.getByText('0 of 2 licensed users fully backed up'), 'coverage 0 of 2');

    // Back up now: progress while the runs are queued or running, then the last backup per service.
    await waitUntil(() => backUpNow.isEnabled(), 'Back up now enabled once users are licensed');
    await backUpNow.click();
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
    // When the runs are over, a notice says how they ended (2 users × 4 services, and the shared drives).
    // The shared drives, listed from Google by this whole-domain backup, may still be running.
    const finished = page.getByRole('status').filter({ hasText: 'Backup finished' });
    await finished.waitFor({ state: 'visible', timeout: 120_000 });
    const [, succeeded] =
      (await finished.innerText()).match(/Backup finished: (\d+) succeeded, 0 partial, 0 failed\./) ?? [];
    assert.ok(Number(succeeded) >= 8, `at least the 8 runs of the two users succeeded (${succeeded})`);
    assert.match(await counter(page, 'Last successful backup'), formattedDateTime);
    await assertOneDateFormat(page, 'the Dashboard');
    await screenshot(page, 'customer-dashboard');

    // Unassigning a license: saved, and the row shows when the user's backups will be purged (60 days).
    await navLink(page, 'License Manager').click();
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

test('the Users and Shared drives pages list, search and page on the server, and the audit log names its targets', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const page = await browser.newPage({ baseURL: server.url, viewport: { width: 1280, height: 900 }, locale: 'en-GB' });
  await signInAsAdmin(page);

  await t.test(
    'Users: every directory user, paged on the server with named pager buttons, searched, linked',
    async () => {
      await withFailureScreenshot(page, 'customer-users', async () => {
        await navLink(page, 'Users').click();
        await waitForVisible(page, page.getByRole('heading', { name: 'Users', exact: true }), 'the Users page');
        const table = page.getByRole('table', { name: 'Users' });
        await waitForVisible(page, page.getByText('1–25 of 60 users'), 'the first page of 60 users');
        assert.equal(await table.getByRole('row').count(), 26);
        // Licensed or not, every user is listed with the state of each service.
        await page.getByRole('button', { name: 'Next page', exact: true }).click();
        await waitForVisible(page, page.getByText('26–50 of 60 users'), 'the second page');
        await page.getByRole('button', { name: 'Page 1', exact: true }).click();
        await waitForVisible(page, page.getByText('1–25 of 60 users'), 'the first page again');
        assert.equal(await page.getByRole('button', { name: 'Previous page', exact: true }).isDisabled(), true);

        await page.getByRole('textbox', { name: 'Search users', exact: true }).fill('admin');
        await waitForVisible(page, page.getByText('1–1 of 1 user'), 'the search result');
        const adminRow = userRow(page, admin);
        assert.equal(await adminRow.getByText('Standard', { exact: true }).count(), 1);
        assert.equal(await adminRow.getByText('Success', { exact: true }).count(), 4);
        // The four services' last backups, and the next scheduled backup (the last column).
        assert.equal(await adminRow.getByText(formattedDateTime).count(), 5);
        assert.match((await adminRow.getByRole('cell').last().textContent()) ?? '', formattedDateTime);
        await assertOneDateFormat(page, 'the Users page');
        await page.getByRole('textbox', { name: 'Search users', exact: true }).fill('');
        await waitForVisible(page, page.getByText('1–25 of 60 users'), 'all users again');
        await screenshot(page, 'customer-users');
        await page.setViewportSize({ width: 390, height: 844 });
        await screenshot(page, 'customer-users-390');
        // The table scrolls inside its container: the page itself is no wider than the phone.
        assert.ok(
          (await page.evaluate<number>('document.documentElement.scrollWidth')) <= 390,
          'no page-wide overflow at 390 px',
        );
        await page.setViewportSize({ width: 1280, height: 900 });

        await page.getByRole('textbox', { name: 'Search users', exact: true }).fill('admin');
        await page.getByRole('link', { name: admin, exact: true }).click();
        await page.waitForURL((url) => decodeURIComponent(url.pathname) === `/customer/users/${admin}`);
        await waitForVisible(page, page.getByRole('heading', { name: admin, exact: true }), "the user's page");
      });
    },
  );

  await t.test('Shared drives: Protect per drive and Protect all new shared drives, kept after a reload', async () => {
    await withFailureScreenshot(page, 'customer-shared-drives', async () => {
      await navLink(page, 'Shared drives').click();
      await waitForVisible(page, page.getByRole('heading', { name: 'Shared drives', exact: true }), 'the page');
      const protect = page.getByRole('switch', { name: /^Protect (?!all)/ });
      await waitUntil(async () => (await protect.count()) === 2, 'the two shared drives of the domain');
      const first = protect.first();
      const name = (await first.getAttribute('aria-label')) ?? '';
      const wasProtected = await first.isChecked();
      await first.focus();
      await page.keyboard.press('Space');
      await waitUntil(async () => (await first.isChecked()) !== wasProtected, `${name} switched`);
      const protectNew = page.getByRole('switch', { name: 'Protect all new shared drives', exact: true });
      const protectedNew = await protectNew.isChecked();
      await protectNew.focus();
      await page.keyboard.press('Space');
      await waitUntil(async () => (await protectNew.isChecked()) !== protectedNew, 'protect all new switched');
      await page.reload();
      const again = page.getByRole('switch', { name, exact: true });
      await waitForVisible(page, again, 'the drive after a reload');
      assert.equal(await again.isChecked(), !wasProtected);
      assert.equal(await protectNew.isChecked(), !protectedNew);
      await assertOneDateFormat(page, 'the Shared drives page');
      await screenshot(page, 'customer-shared-drives');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'customer-shared-drives-390');
      await page.setViewportSize({ width: 1280, height: 900 });
    });
  });

  await t.test('the audit log shows targets by name and one date format', async () => {
    await withFailureScreenshot(page, 'customer-audit', async () => {
      await navLink(page, 'Audit log').click();
      const table = page.getByRole('table', { name: 'Audit log' });
      await waitForVisible(page, table.getByRole('cell', { name: 'backup.run', exact: true }).first(), 'backup.run');
      const backupRun = table.getByRole('row').filter({ hasText: 'backup.run' }).first();
      assert.equal(await backupRun.getByRole('cell', { name: domain, exact: true }).count(), 1);
      await assertOneDateFormat(page, 'the audit log');
    });
  });
});
