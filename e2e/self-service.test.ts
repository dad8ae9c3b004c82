// End-user self-service and help-desk admins in Chromium (issue 17 item 4, PRODUCT.md §1): one
// emulator domain connected with `safehold tenant connect` before the server starts, three users
// licensed, one made a help-desk admin with `safehold tenant role`, and two mailboxes backed up
// (`safehold backup run --wait`), each holding a message the test then deletes in the emulator.
// An end user signs in with Google, lands on "My backups" (their navigation that link alone, no
// refused request anywhere) and restores their own message, which the emulator's Gmail API
// shows back byte for byte; the super admin turns "Allow users to access their backups" off in
// Settings → Access controls and the end user sees the sentence while the API answers 403
// `user_access_off`; with access back on and exports off, Export gives way to its sentence and
// the API answers 403 `user_export_off`; the help-desk admin cannot open Settings, opens another
// user's page from Users and restores that user's message, again checked through Gmail.
import assert from 'node:assert/strict';
import { createSign } from 'node:crypto';
import { after, before, test } from 'node:test';
import type { RunningEmulator } from '@safehold/emulator';
import type { Browser, Page, Response } from 'playwright-core';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { type ConnectedDomain, startConnectedDomain } from './support/connected-domain.ts';
import type { SafeholdServer } from './support/safehold-server.ts';

const domain = 'self.example.test';
const admin = `admin@${domain}`;

// What the pages say (apps/web/src/customer-roles.ts).
const accessOff = 'Your administrator has turned off access to your backups.';
const exportOff = 'Your administrator has turned off exports of your data.';

/** The message each mailbox loses after its backup, and what the restore must bring back. */
interface LostMessage {
  email: string;
  subject: string;
  raw: string;
}

let emulator: RunningEmulator;
let server: SafeholdServer;
let browser: Browser | null = null;
let connected: ConnectedDomain | undefined;
let endUser: string;
let helpdesk: string;
let colleague: string;
const lost = new Map<string, LostMessage>();

before(async () => {
  connected = await startConnectedDomain({
    seed: 'self-service-e2e',
    domain,
    users: 4,
    generate: { messagesPerUser: 2, filesPerUser: 1, eventsPerUser: 1, contactsPerUser: 1, sharedDrives: 0 },
    prepare: async (started) => {
      emulator = started;
      const others = emulator.control
        .listAccounts(domain)
        .map((account) => account.email)
        .filter((email) => email !== admin);
      [endUser, helpdesk, colleague] = others as [string, string, string];
      for (const email of [endUser, colleague]) {
        const subject = `Lost and found for ${email.split('@')[0]}`;
        const { id } = emulator.control.addMessage({ email, subject, body: `Keep this, ${email}.` });
        lost.set(email, { email, subject, raw: await rawMessage(email, id) });
      }
    },
    // What an operator does at the command line while the server is down (PGlite has one user).
    beforeStart: async (safehold) => {
      await safehold('licenses', 'assign', '--domain', domain, endUser, helpdesk, colleague);
      await safehold('tenant', 'role', '--domain', domain, '--email', helpdesk, '--role', 'helpdesk_admin');
      await safehold(
        'backup',
        'run',
        '--domain',
        domain,
        '--user',
        endUser,
        '--user',
        colleague,
        '--service',
        'gmail',
        '--wait',
      );
    },
  });
  ({ emulator, server } = connected);
  // Lost after the backup: only a restore can bring them back.
  for (const message of lost.values()) {
    const id = await findMessage(message.email, message.raw);
    assert.ok(id, `${message.subject} is in ${message.email}'s mailbox before the test deletes it`);
    emulator.control.deleteMessage({ email: message.email, id });
  }
});
after(async () => {
  await browser?.close();
  await connected?.stop();
});

// --- the emulator's Gmail API, as any Google client would call it -----------------------------

/** An access token for `subject` from the emulator's /token (a service-account JWT, RS256). */
async function gmailToken(subject: string): Promise<string> {
  const key = emulator.serviceAccountKey;
  const now = Math.floor(Date.now() / 1000);
  const encode = (value: object) => Buffer.from(JSON.stringify(value)).toString('base64url');
  const unsigned = `${encode({ alg: 'RS256', typ: 'JWT', kid: key.private_key_id })}.${encode({
    iss: key.client_email,
    sub: subject,
    scope: 'https://www.googleapis.com/auth/gmail.modify',
    aud: `${emulator.url}/token`,
    iat: now,
    exp: now + 600,
  })}`;
  const signature = createSign('RSA-SHA256').update(unsigned).sign(key.private_key, 'base64url');
  const response = await fetch(`${emulator.url}/token`, {
    method: 'POST',
    body: new URLSearchParams({
      grant_type: 'urn:ietf:params:oauth:grant-type:jwt-bearer',
      assertion: `${unsigned}.${signature}`,
    }),
  });
  assert.equal(response.status, 200, await response.clone().text());
  return ((await response.json()) as { access_token: string }).access_token;
}

async function gmail<T>(email: string, pathAndQuery: string): Promise<T> {
  const response = await fetch(`${emulator.url}/gmail/v1/users/${encodeURIComponent(email)}/${pathAndQuery}`, {
    headers: { authorization: `Bearer ${await gmailToken(email)}` },
  });
  assert.equal(response.status, 200, await response.clone().text());
  return (await response.json()) as T;
}

async function rawMessage(email: string, id: string): Promise<string> {
  const message = await gmail<{ raw: string }>(email, `messages/${id}?format=raw`);
  return Buffer.from(message.raw, 'base64url').toString('latin1');
}

/** The id of the message in the mailbox whose raw bytes are exactly `raw`, or null. */
async function findMessage(email: string, raw: string): Promise<string | null> {
  const list = await gmail<{ messages?: { id: string }[] }>(email, 'messages?maxResults=500&includeSpamTrash=true');
  for (const { id } of list.messages ?? []) {
    if ((await rawMessage(email, id)) === raw) return id;
  }
  return null;
}

/** Polls (every 200 ms, at most 60 s) until `check` holds: jobs run on the server's workers. */
async function eventually(check: () => Promise<boolean>, what: string): Promise<void> {
  for (let attempt = 0; attempt < 300; attempt++) {
    if (await check()) return;
    await new Promise((resolve) => setTimeout(resolve, 200));
  }
  assert.fail(`timed out waiting for ${what}`);
}

// --- the browser ---------------------------------------------------------------------------------

/** A fresh browser context (its own cookies) signed in with Google as `email` through the account chooser. */
async function signInWithGoogle(email: string, width = 1280): Promise<{ page: Page; refused: string[] }> {
  assert.ok(browser);
  const context = await browser.newContext({ baseURL: server.url, viewport: { width, height: 900 } });
  const page = await context.newPage();
  // Every answer of 400 or more the person's browser gets in the console (the sign-in page's
  // own look-ups are not the console's): a role's pages must ask for nothing it refuses.
  const refused: string[] = [];
  page.on('response', (response: Response) => {
    if (response.status() < 400 || !new URL(page.url()).pathname.startsWith('/customer')) return;
    refused.push(`${response.status()} ${response.request().method()} ${response.url()}`);
  });
  await page.goto('/sign-in');
  await page.getByRole('button', { name: 'Sign in with Google', exact: true }).click();
  await page.getByRole('button', { name: email, exact: true }).click();
  await page.waitForURL((url) => url.origin === server.url && url.pathname.startsWith('/customer'));
  return { page, refused };
}

async function navLinks(page: Page): Promise<string[]> {
  return page.getByRole('navigation', { name: 'Customer console navigation' }).getByRole('link').allInnerTexts();
}

/**
 * Selects the lost message in the Mail tab and restores it into its own mailbox, the default
 * way. For an end user (`self`) "Restore into" is fixed to their own account.
 */
async function restoreLostMessage(page: Page, message: LostMessage, self: boolean): Promise<void> {
  await page.getByRole('tab', { name: 'Mail', exact: true }).click();
  const checkbox = page.getByRole('checkbox', { name: `Select ${message.subject}`, exact: true });
  await waitForVisible(page, checkbox, `the message "${message.subject}"`);
  await checkbox.check();
  await page.getByRole('button', { name: 'Restore', exact: true }).click();
  const dialog = page.getByRole('dialog', { name: 'Restore' });
  await waitForVisible(page, dialog, 'the Restore dialog');
  assert.equal(await dialog.getByRole('radio', { name: 'Into a Restored folder' }).isChecked(), true);
  const into = dialog.getByRole('combobox', { name: 'Restore into' });
  assert.equal(await into.inputValue(), message.email);
  assert.equal(await into.isDisabled(), self, self ? 'an end user restores into their own account only' : 'any user');
  await dialog.getByRole('button', { name: 'Start restore', exact: true }).click();
  await eventually(async () => (await findMessage(message.email, message.raw)) !== null, `${message.subject} back`);
  await waitForVisible(
    page,
    dialog.getByRole('status').filter({ hasText: 'Restore finished' }),
    'the restore finished in the dialog',
  );
  await dialog.getByRole('button', { name: 'Close' }).click();
  // Gone, overlay and all, before anything else is looked at (or a screenshot catches it fading).
  await dialog.waitFor({ state: 'hidden' });
}

/** Calls the API as the page's signed-in person (the context's session cookie, its CSRF token). */
async function postAs(page: Page, apiPath: string, body: object): Promise<{ status: number; code: unknown }> {
  const session = (await (await page.request.get('/api/auth/session')).json()) as { csrfToken: string };
  const response = await page.request.post(apiPath, { data: body, headers: { 'x-csrf-token': session.csrfToken } });
  const answer = (await response.json().catch(() => null)) as { error?: { code?: unknown } } | null;
  return { status: response.status(), code: answer?.error?.code };
}

async function customerIdOf(page: Page): Promise<string> {
  return ((await (await page.request.get('/api/customer')).json()) as { id: string }).id;
}

/** The super admin's Access controls: sets one switch and waits for the notice that it is saved. */
async function setSwitch(page: Page, name: string, on: boolean, saved: string): Promise<void> {
  const control = page.getByRole('switch', { name });
  if ((await control.isChecked()) !== on) await control.click({ force: true });
  await waitForVisible(page, page.getByRole('status').filter({ hasText: saved }), `"${saved}"`);
  assert.equal(await control.isChecked(), on);
}

test('end-user self-service, the Access controls and a help-desk admin', async (t) => {
  browser = await launchBrowser(t);
  if (!browser) return;

  const user = await signInWithGoogle(endUser);
  const superAdmin = await signInWithGoogle(admin);
  const customerId = await customerIdOf(user.page);
  const ownMessage = lost.get(endUser) as LostMessage;

  await t.test('an end user lands on My backups, sees only it, and restores their own message', async () => {
    const { page, refused } = user;
    await withFailureScreenshot(page, 'self-service-end-user', async () => {
      await waitForVisible(page, page.getByRole('heading', { name: 'My backups', exact: true }), 'My backups');
      assert.equal(new URL(page.url()).pathname, '/customer/my-backups');
      assert.deepEqual(await navLinks(page), ['My backups']);
      // Any other page of the console sends them back.
      await page.goto('/customer/users');
      await page.waitForURL((url) => url.pathname === '/customer/my-backups');
      await restoreLostMessage(page, ownMessage, true);
      assert.equal(await page.getByRole('button', { name: 'Back up now' }).count(), 0, 'not offered to an end user');
      await screenshot(page, 'my-backups-1280');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'my-backups-390');
      await page.setViewportSize({ width: 1280, height: 900 });
      assert.deepEqual(refused, [], 'no request of the end user was refused');
    });
  });

  await t.test('with access off the end user reads the sentence and the API refuses with user_access_off', async () => {
    await withFailureScreenshot(superAdmin.page, 'self-service-access-controls', async () => {
      const page = superAdmin.page;
      await page.getByRole('link', { name: 'Settings', exact: true }).click();
      await waitForVisible(
        page,
        page.getByRole('heading', { name: 'Access controls', exact: true }),
        'Access controls',
      );
      const exportSwitch = page.getByRole('switch', { name: 'Allow users to export their data' });
      assert.equal(await exportSwitch.isChecked(), true, 'exports are on by default');
      await setSwitch(page, 'Allow users to access their backups', false, 'Users cannot access their backups.');
      assert.equal(await exportSwitch.isDisabled(), true, 'no export switch while access is off');
      await screenshot(page, 'access-controls-1280');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'access-controls-390');
      await page.setViewportSize({ width: 1280, height: 900 });
    });

    const { page } = user;
    await withFailureScreenshot(page, 'self-service-access-off', async () => {
      await page.reload();
      await waitForVisible(page, page.getByText(accessOff, { exact: true }), 'the refusal sentence');
      assert.equal(await page.getByRole('tab').count(), 0, 'nothing but the sentence');
      assert.equal(await page.getByRole('button', { name: 'Restore' }).count(), 0);
      await screenshot(page, 'my-backups-off-1280');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'my-backups-off-390');
      await page.setViewportSize({ width: 1280, height: 900 });
      const answer = await postAs(page, `/api/customers/${customerId}/restores`, {
        user: endUser,
        service: 'gmail',
      });
      assert.deepEqual(answer, { status: 403, code: 'user_access_off' });
    });
  });

  await t.test('with exports off the end user restores but Export gives way to the sentence', async () => {
    await setSwitch(
      superAdmin.page,
      'Allow users to access their backups',
      true,
      'Users can access their backups and export their data.',
    );
    await setSwitch(
      superAdmin.page,
      'Allow users to export their data',
      false,
      'Users can access their backups but not export their data.',
    );
    const { page } = user;
    await page.reload();
    await waitForVisible(page, page.getByText(exportOff, { exact: true }), 'the export sentence');
    const restore = page.getByRole('button', { name: 'Restore', exact: true });
    await eventually(() => restore.isEnabled(), 'Restore offered once the backup point is read');
    assert.equal(await page.getByRole('button', { name: 'Export', exact: true }).isEnabled(), false);
    const answer = await postAs(page, `/api/customers/${customerId}/exports`, {
      user: endUser,
      services: ['gmail'],
    });
    assert.deepEqual(answer, { status: 403, code: 'user_export_off' });
  });

  await t.test("a help-desk admin cannot open Settings, and restores another user's message", async () => {
    const { page, refused } = await signInWithGoogle(helpdesk);
    await withFailureScreenshot(page, 'self-service-helpdesk', async () => {
      await waitForVisible(page, page.getByRole('heading', { name: 'Dashboard', exact: true }), 'the Dashboard');
      const links = await navLinks(page);
      for (const hidden of ['Settings', 'License Manager', 'Audit log']) assert.ok(!links.includes(hidden), hidden);
      assert.ok(links.includes('Users'));
      await page.goto('/customer/settings');
      await page.waitForURL((url) => url.pathname === '/customer');
      await waitForVisible(page, page.getByRole('heading', { name: 'Dashboard', exact: true }), 'the Dashboard again');

      // Their own page: never backed up, which is said in one sentence with no failed request.
      await page.getByRole('link', { name: 'Users', exact: true }).click();
      await page.getByRole('link', { name: helpdesk, exact: true }).click();
      await waitForVisible(page, page.getByText(`No backup of ${helpdesk} yet`, { exact: true }), 'the empty state');
      assert.equal(await page.getByRole('tab').count(), 0, 'no empty tabs');
      assert.equal(await page.getByRole('button', { name: 'Back up now', exact: true }).isVisible(), true);
      await screenshot(page, 'never-backed-up-1280');
      await page.setViewportSize({ width: 390, height: 844 });
      await screenshot(page, 'never-backed-up-390');
      await page.setViewportSize({ width: 1280, height: 900 });

      await page.getByRole('link', { name: 'Users', exact: true }).click();
      await page.getByRole('link', { name: colleague, exact: true }).click();
      await waitForVisible(page, page.getByRole('heading', { name: colleague, exact: true }), `${colleague}'s page`);
      await restoreLostMessage(page, lost.get(colleague) as LostMessage, false);
      assert.deepEqual(refused, [], 'no request of the help-desk admin was refused');
    });
  });
});
