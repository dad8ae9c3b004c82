// "Change password" in Chromium: a signed-in partner user opens it from the console header
// (on a phone, from the menu),
// is told why a common password is refused, then changes the password with the current one
// and an authenticator code; their other session ends. Screenshots of the dialog at 1280 and
// 390 px wide. The server runs in this process (the full module list and the built web app)
// on a test database, so the test can seed the user and sessions directly.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { eq } from 'drizzle-orm';
import { getStaffUser, totpCode, verifyPassword } from '../apps/server/src/modules/identity/index.ts';
import { sessions } from '../apps/server/src/modules/identity/tables.ts';
import { seedPartner, seedStaffUser } from '../apps/server/src/testing/browser.ts';
import { signedInSession } from '../apps/server/src/testing/tenants.ts';
import { launchBrowser, screenshot, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { inProcessServer, signIn } from './support/in-process-server.ts';

const server = inProcessServer();

test('a partner user changes their password from the console header; a common one is refused with the reason', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());

  const partnerId = await seedPartner(server.ctx.db, { name: 'Contoso IT' });
  const user = await seedStaffUser(server.ctx, { email: 'ada@contoso.test', partnerId, role: 'technician' });
  const sessionId = await signedInSession(server.ctx.db, server.ctx.clock, { kind: 'staff', staffUserId: user.id });
  // A second session of the same person (another browser): it must end.
  await signedInSession(server.ctx.db, server.ctx.clock, { kind: 'staff', staffUserId: user.id });

  for (const width of [1280, 390]) {
    const context = await browser.newContext({ baseURL: server.url, viewport: { width, height: 800 } });
    const page = await context.newPage();
    // The session cookie arrives the way a sign-in sets it: in a Set-Cookie answer from the
    // server's origin (a `__Host-` cookie cannot be added for a plain-http URL through CDP).
    await signIn(page, server, sessionId);
    await withFailureScreenshot(page, `change-password-${width}`, async () => {
      await page.goto('/partner');
      // On a phone it is in the menu behind the burger, not in the header.
      if (width < 768) await page.getByRole('button', { name: 'Toggle navigation', exact: true }).click();
      await page.getByRole('button', { name: 'Change password', exact: true }).click();
      const dialog = page.getByRole('dialog', { name: 'Change password' });
      await waitForVisible(page, dialog, 'the dialog');
      for (const name of ['Current password', 'New password', 'Authentication code']) {
        await waitForVisible(page, dialog.getByRole('textbox', { name, exact: true }), name);
      }
      await screenshot(page, `change-password-${width}`);
      await dialog.getByRole('button', { name: 'Cancel', exact: true }).click();
      await dialog.waitFor({ state: 'hidden' });
    });
    await context.close();
  }

  const context = await browser.newContext({ baseURL: server.url });
  const page = await context.newPage();
  await signIn(page, server, sessionId);
  await withFailureScreenshot(page, 'change-password', async () => {
    await page.goto('/partner');
    await page.getByRole('button', { name: 'Change password', exact: true }).click();
    const dialog = page.getByRole('dialog', { name: 'Change password' });
    await dialog.getByRole('textbox', { name: 'Current password', exact: true }).fill(user.password);
    await dialog.getByRole('textbox', { name: 'New password', exact: true }).fill('Password2024!');
    const code = dialog.getByRole('textbox', { name: 'Authentication code', exact: true });
    await code.fill(totpCode(user.totpSecret as Buffer, server.ctx.clock.now()));
    await dialog.getByRole('button', { name: 'Change password', exact: true }).click();
    await waitForVisible(page, dialog.getByText(/one of the most common passwords/), 'the refusal on the field');
    await screenshot(page, 'change-password-refused');

    await dialog.getByRole('textbox', { name: 'New password', exact: true }).fill('a quieter passphrase');
    // The refused attempt used no code; the same one still works.
    await dialog.getByRole('button', { name: 'Change password', exact: true }).click();
    await waitForVisible(page, dialog.getByText(/Your password is changed/), 'the confirmation');
    await screenshot(page, 'change-password-done');
  });
  await context.close();

  const stored = await getStaffUser(server.ctx.db, user.id);
  assert.equal(await verifyPassword(stored?.user.passwordHash ?? null, 'a quieter passphrase'), true);
  const left = await server.ctx.db.select().from(sessions).where(eq(sessions.staffUserId, user.id));
  assert.equal(left.length, 1, 'only the session that changed the password is left');
});
