// The browser for e2e tests: Debian's Chromium (/usr/bin/chromium) driven by playwright-core
// (a browser download never works here). Without Chromium a test is skipped with the reason,
// except under CI=true, where a missing browser fails the run.
import assert from 'node:assert/strict';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import type { TestContext } from 'node:test';
import { type Browser, chromium, type Page } from 'playwright-core';

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
