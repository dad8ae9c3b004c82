// The built web app and the OpenAPI UI work in Chromium under the server's
// Content-Security-Policy (no inline script; Mantine's styles carry the page's nonce): the
// sign-in page, the first operator's setup and enrolment (a data: QR code) and the vendor
// console render without a single CSP violation, and so does /api/docs.
import assert from 'node:assert/strict';
import { after, before, test } from 'node:test';
import type { Page } from 'playwright-core';
import { launchBrowser, waitForVisible, withFailureScreenshot } from './support/browser.ts';
import { type SafeholdServer, startSafehold } from './support/safehold-server.ts';
import { signUpFromLink } from './support/staff-accounts.ts';

let server: SafeholdServer;
before(async () => {
  server = await startSafehold();
});
after(async () => {
  await server?.stop();
});

/** Every CSP violation the page reports, as Chromium's console words it. */
function recordViolations(page: Page): string[] {
  const violations: string[] = [];
  page.on('console', (message) => {
    if (/Content Security Policy|Refused to/i.test(message.text())) violations.push(message.text());
  });
  page.on('pageerror', (error) => violations.push(`page error: ${error.message}`));
  return violations;
}

test('the sign-in page, enrolment and the vendor console render under the CSP without a violation', async (t) => {
  assert.ok(server.setupLink, 'a fresh installation prints a setup link');
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const page = await browser.newPage({ baseURL: server.url });
  const violations = recordViolations(page);

  await withFailureScreenshot(page, 'csp', async () => {
    const response = await page.goto('/sign-in');
    assert.match(String(response?.headers()['content-security-policy']), /style-src 'self' 'nonce-/);
    await waitForVisible(page, page.getByRole('button', { name: 'Sign in', exact: true }), 'the sign-in form');
    // Mantine's own <style> elements are there, with the page's nonce (not blocked).
    assert.ok((await page.locator('style[data-mantine-styles]').count()) > 0, 'Mantine added its styles');
    assert.deepEqual(violations, [], 'sign-in page');

    await signUpFromLink(page, server.setupLink as string, {
      email: 'csp.operator@example.com',
      password: 'correct horse battery staple',
    });
    await page.waitForURL((url) => url.pathname.startsWith('/vendor'));
    await waitForVisible(page, page.getByRole('button', { name: 'Sign out' }), 'the vendor console');
    assert.deepEqual(violations, [], 'enrolment and vendor console');
  });
});

test('the OpenAPI UI at /api/docs renders the API under its own CSP without a violation', async (t) => {
  const browser = await launchBrowser(t);
  if (!browser) return;
  t.after(() => browser.close());
  const page = await browser.newPage({ baseURL: server.url });
  const violations = recordViolations(page);
  await withFailureScreenshot(page, 'csp-api-docs', async () => {
    await page.goto('/api/docs');
    await page.getByRole('heading', { name: /Safehold API/ }).waitFor();
    // Tags start folded; unfolding one shows its operations.
    await page.locator('.opblock-tag', { hasText: /^auth/ }).first().click();
    await page.getByText('/api/auth/sign-in', { exact: true }).first().waitFor();
    assert.deepEqual(violations, []);
  });
});
