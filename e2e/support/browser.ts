// The browser for e2e tests: Debian's Chromium (/usr/bin/chromium) driven by playwright-core
// (a browser download never works here). Without Chromium a test is skipped with the reason,
// except under CI=true, where a missing browser fails the run.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { type Browser, chromium, type Locator, type Page } from 'playwright-core';

export const chromiumPath = process.env.E2E_CHROMIUM ?? '/usr/bin/chromium';
export const screenshotDir = path.resolve(import.meta.dirname, '..', 'screenshots');

const chromiumArgs = [
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-quic',
  '--no-first-run',
  '--disable-component-update',
  '--disable-sync',
];

/**
 * Launches Chromium, or skips the test (returns null) when it is not installed. Under
 * CI=true a missing browser is a failure instead.
 */
export async function launchBrowser(t: TestContext): Promise<Browser | null> {
  if (!existsSync(chromiumPath)) {
    const reason = `${chromiumPath} is missing: install Debian's chromium package (apt-get install -y chromium)`;
    if (process.env.CI === 'true') assert.fail(`CI=true and ${reason}`);
    process.stdout.write(`[e2e] skipped: ${reason}\n`);
    t.skip(reason);
    return null;
  }
  return chromium.launch({ executablePath: chromiumPath, args: chromiumArgs, headless: true });
}

/** Saves a full-page screenshot as e2e/screenshots/<name>.png (the folder is gitignored). */
export async function screenshot(page: Page, name: string): Promise<string> {
  mkdirSync(screenshotDir, { recursive: true });
  const file = path.join(screenshotDir, `${name}.png`);
  await page.screenshot({ path: file, fullPage: true });
  return file;
}

/**
 * Waits until `target` is visible, failing at once with the page's message if an error
 * alert (role "alert") appears instead, so a failed step says what the user saw.
 */
export async function waitForVisible(page: Page, target: Locator, what: string): Promise<void> {
  // Only an alert that says something counts: the app may mount an empty one while routing.
  const alert = page.getByRole('alert').filter({ hasText: /\S/ });
  await target.or(alert).first().waitFor({ state: 'visible' });
  if (await target.first().isVisible()) return;
  // The element may have been re-mounted between the two checks (a route change): give it
  // a moment before reporting what the page shows instead.
  const appeared = await target
    .first()
    .waitFor({ state: 'visible', timeout: 3000 })
    .then(() => true)
    .catch(() => false);
  if (appeared) return;
  const message = (await alert.allTextContents()).join(' / ');
  assert.fail(`expected ${what} at ${page.url().split('#')[0]}, but the page shows: ${message}`);
}

/** Runs a browser test body; when it throws, a screenshot of the page goes to e2e/screenshots/<name>-failure.png. */
export async function withFailureScreenshot(page: Page, name: string, body: () => Promise<void>): Promise<void> {
  try {
    await body();
  } catch (error) {
    const file = await screenshot(page, `${name}-failure`).catch(() => null);
    if (file && error instanceof Error) error.message += `\n(screenshot: ${file})`;
    throw error;
  }
}
