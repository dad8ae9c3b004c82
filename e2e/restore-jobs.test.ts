// Restores and exports as jobs in the customer console (issue 17, item 3), in Chromium against
// a real server and the Google emulator: the admin's mailbox is backed up (CLI, before the
// server starts) and then wiped; a restore and an export are started through the API with the
// admin's browser session (as the console's dialogs do). The restore is held slow by emulator
// latency so that its page shows live progress, survives a reload and is found again on
// "Restores and exports"; once the latency is lifted it ends in "Restore finished" with its
// counts and a notification linking back to it. The export's page says "Export ready" and its
// "Download" link gives the zip, which unzip verifies.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, test } from 'node:test';
import type { RunningEmulator } from '@safehold/emulator';
import type { Page } from 'playwright-core';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { type ConnectedDomain, startConnectedDomain } from './support/connected-domain.ts';
import { waitForPath } from './support/console-steps.ts';
import type { SafeholdServer } from './support/safehold-server.ts';

const domain = 'jobs.example.test';
const admin = `admin@${domain}`;

let emulator: RunningEmulator;
let server: SafeholdServer;
let connected: ConnectedDomain | undefined;
/** Where the test writes the exported zip. */
let dir: string;

before(async () => {
  dir = mkdtempSync(path.join(tmpdir(), 'safehold-e2e-jobs-'));
  connected = await startConnectedDomain({
    seed: 'restore-jobs-e2e',
    domain,
    users: 3,
    generate: { messagesPerUser: 12, filesPerUser: 2, eventsPerUser: 1, contactsPerUser: 1, sharedDrives: 0 },
    // The admin licensed and backed up once, before the server starts.
    beforeStart: async (safehold) => {
      await safehold('licenses', 'assign', '--domain', domain, admin);
      await safehold('backup', 'run', '--domain', domain, '--user', admin, '--wait');
    },
  });
  ({ emulator, server } = connected);
});
after(async () => {
  await connected?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

/** A state-changing API call with the browser's session and CSRF header, as api/client.ts sends it. */
async function postJson(page: Page, url: string, body: unknown): Promise<Record<string, unknown>> {
  const session = await page.request.get('/api/auth/session');
  const { csrfToken } = (await session.json()) as { csrfToken: string };
  const response = await page.request.post(url, { data: body, headers: { 'x-csrf-token': csrfToken } });
  assert.equal(response.status(), 202, await response.text());
  return (await response.json()) as Record<string, unknown>;
}

/**
 * At 390 px nothing in the header (trial days, notifications bell) runs past the screen's
 * edges, and "Sign out" is in the navigation menu.
 */
async function assertHeaderFits(phone: Page): Promise<void> {
  await waitForVisible(phone, phone.getByRole('button', { name: 'Notifications' }), 'the bell on a phone');
  const width = phone.viewportSize()?.width ?? 390;
  const outside = await phone.getByRole('banner').evaluate(
    (header, right) =>
      [...header.querySelectorAll('*')]
        .map((element) => ({ text: element.textContent ?? element.tagName, box: element.getBoundingClientRect() }))
        .filter(({ box }) => box.width > 0 && (box.left < 0 || box.right > right))
        .map(({ text, box }) => `${text.trim().slice(0, 40)} (${Math.round(box.left)}–${Math.round(box.right)} px)`),
    width,
  );
  assert.deepEqual(outside, [], 'the header fits the phone’s width');
  await phone.getByRole('button', { name: 'Toggle navigation' }).click();
  await waitForVisible(phone, phone.getByRole('button', { name: 'Sign out', exact: true }), 'Sign out in the menu');
  await phone.getByRole('button', { name: 'Toggle navigation' }).click();
}

test('a restore and an export followed as jobs: progress, a reload, the list, the ending, the notification, the zip', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const context = await browser.newContext({ baseURL: server.url, viewport: { width: 1280, height: 900 } });
  const page = await context.newPage();
  /** The same screen on a phone (same session), freshly loaded at 390 px. */
  async function phoneScreenshot(name: string): Promise<void> {
    const phone = await context.newPage();
    await phone.setViewportSize({ width: 390, height: 844 });
    await phone.goto(new URL(page.url()).pathname);
    await waitForVisible(phone, phone.getByRole('heading', { level: 1 }), 'the page on a phone');
    await phone.getByRole('main').getByRole('table').first().waitFor();
    await assertHeaderFits(phone);
    await screenshot(phone, name);
    await phone.close();
  }
  const messages = emulator.control.digest({ email: admin, service: 'gmail' }).items;
  assert.ok(messages >= 12, 'the admin has mail to restore');
  let customerId = '';
  let restoreId = '';
  let exportId = '';
  const restoreStatus = page.getByRole('main').getByRole('status').filter({ hasText: 'Restore finished' });

  /**
   * One step of the flow; a failing step leaves e2e/screenshots/restore-jobs-failure.png, and
   * the steps after it are skipped (each builds on the one before).
   */
  let broken = false;
  const step = (name: string, body: () => Promise<void>) =>
    t.test(name, async (st) => {
      if (broken) return st.skip('an earlier step failed');
      try {
        await withFailureScreenshot(page, 'restore-jobs', body);
      } catch (error) {
        broken = true;
        throw error;
      }
    });
  await step('the admin signs in and starts a restore and an export', async () => {
    await page.goto('/sign-in');
    await page.getByRole('button', { name: 'Sign in with Google', exact: true }).click();
    await page.getByRole('button', { name: admin, exact: true }).click();
    await waitForPath(page, '/customer');
    const session = (await (await page.request.get('/api/auth/session')).json()) as {
      session: { user: { customerId: string } };
    };
    customerId = session.session.user.customerId;

    // The mailbox is lost; every Gmail call for the admin is held 8 s, so the restore is seen running.
    emulator.control.wipeUser({ email: admin });
    emulator.control.setFaults([{ endpoint: 'gmail.*', user: admin, latencyMs: 8000 }]);
    restoreId = String(
      (await postJson(page, `/api/customers/${customerId}/restores`, { user: admin, service: 'gmail' })).id,
    );
    exportId = String(
      (await postJson(page, `/api/customers/${customerId}/exports`, { user: admin, services: ['gmail', 'contacts'] }))
        .id,
    );
  });

  await step('the restore page shows live progress and finds the job again after a reload', async () => {
    await page.goto(`/customer/restores/${restoreId}`);
    await waitForVisible(page, page.getByRole('heading', { name: 'Restore', exact: true }), 'the restore page');
    const bar = page.getByRole('progressbar', { name: 'Restore progress' });
    await waitForVisible(page, bar, 'the restore progress bar');
    assert.equal(await restoreStatus.count(), 0, 'still running');
    await screenshot(page, 'restore-job-running');

    await page.reload();
    await waitForVisible(page, bar, 'the progress bar after a reload');
    await waitForVisible(page, page.getByText('Mail: everything'), 'what the restore took');
    // Preparing (counting the items), or so many done of the total: running either way.
    assert.match((await bar.getAttribute('aria-valuetext')) ?? '', /^(Preparing…|\d+ of \d+ items?)$/);
  });

  await step('"Restores and exports" lists the jobs, newest first, each linking to its page', async () => {
    await page.goto('/customer/restores');
    await waitForVisible(page, page.getByRole('heading', { name: 'Restores and exports' }), 'the jobs page');
    const table = page.getByRole('table', { name: 'Restores and exports' });
    const exportRow = table.getByRole('row').filter({ hasText: 'Export · Mail, Contacts' });
    await waitForVisible(page, exportRow, 'the export in the list');
    assert.match(await exportRow.innerText(), new RegExp(admin.replaceAll('.', '\\.')));
    const restoreRow = table.getByRole('row').filter({ hasText: 'Restore · Mail: everything' });
    await waitForVisible(page, restoreRow.getByRole('progressbar'), 'the running restore with its progress');
    // The export was started after the restore: it is listed above it.
    const rows = await table.getByRole('row').allInnerTexts();
    const exportAt = rows.findIndex((row) => row.includes('Export ·'));
    assert.ok(exportAt >= 0 && exportAt < rows.findIndex((row) => row.includes('Restore ·')));
    await screenshot(page, 'restores-and-exports');
    await phoneScreenshot('restores-and-exports-390');
    await exportRow.getByRole('link').click();
    await waitForPath(page, `/customer/exports/${exportId}`);
  });

  await step('the export page says "Export ready" and "Download" gives the zip', async () => {
    const ready = page.getByRole('main').getByRole('status').filter({ hasText: 'Export ready' });
    await waitForVisible(page, ready, 'the export ready');
    const status = (await (await page.request.get(`/api/customers/${customerId}/exports/${exportId}`)).json()) as {
      itemsDone: number;
      zipBytes: number;
    };
    assert.match(await ready.innerText(), new RegExp(`Export ready: ${status.itemsDone} items, .+, kept until `));
    await screenshot(page, 'export-job-ready');
    await phoneScreenshot('export-job-ready-390');
    const [download] = await Promise.all([
      page.waitForEvent('download'),
      page.getByRole('link', { name: 'Download', exact: true }).click(),
    ]);
    const zip = path.join(dir, 'export.zip');
    await download.saveAs(zip);
    assert.equal(statSync(zip).size, status.zipBytes);
    // Debian's unzip checks every entry's CRC and the central directory.
    execFileSync('/usr/bin/unzip', ['-tq', zip]);
    const listing = execFileSync('/usr/bin/unzip', ['-Z1', zip], { encoding: 'utf8' }).split('\n');
    assert.ok(listing.includes('manifest.json'));
    assert.ok(listing.includes('contacts/contacts.vcf'));
    assert.ok(listing.some((name) => name.startsWith('mail/') && name.endsWith('.mbox')));
  });

  await step('lifted latency: "Restore finished" with its counts, and a notification that links back', async () => {
    // Back to the restore in this page load (client-side), so the header sees its ending happen.
    await page.getByRole('link', { name: 'All restores and exports', exact: true }).click();
    await waitForPath(page, '/customer/restores');
    // Still running (each import is held 8 s): its ending is yet to come.
    const running = (await (await page.request.get(`/api/customers/${customerId}/restores/${restoreId}`)).json()) as {
      status: string;
    };
    assert.equal(running.status, 'running');
    await page.getByRole('button', { name: 'Notifications' }).click();
    const menuItem = page.locator(`[role="menuitem"][href="/customer/restores/${restoreId}"]`);
    await waitForVisible(page, menuItem, 'the running restore in the notifications menu');
    assert.match(await menuItem.innerText(), /In progress\s+Restore · Mail: everything/);
    await menuItem.click();
    await waitForPath(page, `/customer/restores/${restoreId}`);

    emulator.control.setFaults([]);
    await restoreStatus.waitFor({ timeout: 120_000 });
    assert.equal(await restoreStatus.innerText(), `Restore finished: ${messages} restored, 0 skipped, 0 failed.`);
    assert.equal(emulator.control.digest({ email: admin, service: 'gmail' }).items, messages);
    // The bar ends full: every backed-up message done of every one planned.
    const bar = page.getByRole('progressbar', { name: 'Restore progress' });
    assert.equal(await bar.getAttribute('aria-valuenow'), String(messages));
    assert.equal(await bar.getAttribute('aria-valuemax'), String(messages));

    const toast = page
      .getByRole('status')
      .filter({ hasText: 'Restore finished' })
      .filter({
        has: page.getByRole('link', { name: 'View the restore' }),
      });
    await waitForVisible(page, toast, 'the notification');
    assert.match(await toast.innerText(), new RegExp(`${messages} restored, 0 skipped, 0 failed`));
    const bell = page.getByRole('button', { name: 'Notifications' });
    assert.equal(await bell.getAttribute('aria-label'), 'Notifications');
    assert.match((await bell.evaluate((button) => button.getAttribute('aria-describedby'))) ?? '', /\S/);
    assert.equal(await page.getByText('1 unread').count(), 1);
    await screenshot(page, 'restore-job-finished');
    await phoneScreenshot('restore-job-finished-390');

    // The notification's link leads back to the job, from anywhere in the console.
    await page.getByRole('link', { name: 'All restores and exports', exact: true }).click();
    await waitForPath(page, '/customer/restores');
    await toast.getByRole('link', { name: 'View the restore' }).click();
    await waitForPath(page, `/customer/restores/${restoreId}`);
    await waitForVisible(page, restoreStatus, 'the finished restore again');

    // Opened, the menu lists the ending and marks it read; it stays after a reload.
    await bell.click();
    await waitForVisible(
      page,
      page.getByRole('menuitem').filter({ hasText: `Restore finished: ${messages} restored` }),
      'the ending in the menu',
    );
    await waitForVisible(page, page.getByText('0 unread'), 'no unread notification left');
    await page.keyboard.press('Escape');
    await page.reload();
    await bell.click();
    await waitForVisible(
      page,
      page.getByRole('menuitem').filter({ hasText: `Restore finished: ${messages} restored` }),
      'the ending remembered after a reload',
    );
  });

  await step('a restore of what is already there ends with every item skipped, each with its reason', async () => {
    const again = String(
      (
        await postJson(page, `/api/customers/${customerId}/restores`, {
          user: admin,
          service: 'gmail',
          inPlace: true,
        })
      ).id,
    );
    await page.goto(`/customer/restores/${again}`);
    const skippedAll = page
      .getByRole('main')
      .getByRole('status')
      .filter({ hasText: `Restore finished: 0 restored, ${messages} skipped, 0 failed.` });
    await skippedAll.waitFor({ timeout: 120_000 });
    const skipped = page.getByRole('table', { name: 'Skipped items' });
    await waitForVisible(page, page.getByRole('heading', { name: `Skipped items (${messages})` }), 'the skipped items');
    // The heading comes with the count; the rows with the page of items that follows it.
    await waitForVisible(page, skipped.getByRole('row').nth(messages), 'the last skipped item');
    const reasons = await skipped
      .getByRole('row')
      .filter({ has: page.getByRole('cell') })
      .allInnerTexts();
    assert.equal(reasons.length, messages);
    for (const row of reasons) assert.match(row, /\S+\s+\S/, 'an item and its reason');
    // Each item is named by its subject, not by its Gmail id.
    const report = (await (
      await page.request.get(`/api/customers/${customerId}/restores/${again}?status=skipped&limit=1`)
    ).json()) as { items: Array<{ itemKey: string; title: string }> };
    const first = report.items[0];
    assert.ok(first?.title, 'the first skipped message has a subject');
    const firstCell = skipped.getByRole('row').nth(1).getByRole('cell').first();
    assert.equal((await firstCell.innerText()).trim(), first.title);
    await screenshot(page, 'restore-job-skipped');
  });
});
