// "Sign in with Google" against the Google Workspace emulator's OpenID provider (the one
// demo mode uses), over real HTTP: account chooser, PKCE, id_token with hd.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { OIDC_CLIENT_ID, type RunningEmulator, startEmulator } from '@safehold/emulator';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser } from '../../testing/browser.ts';
import { createTestContext, type TestContext } from '../../testing/context.ts';
import { chooseEmulatorAccount } from '../../testing/emulator-account-chooser.ts';
import { customers } from '../tenancy/tables.ts';
import { createIdentityModule } from './index.ts';

const publicUrl = 'http://127.0.0.1:18081';
const domain = 'oidc.example.test';

let emulator: RunningEmulator;
let ctx: TestContext;
let app: App;
let customerId: string;

before(async () => {
  emulator = await startEmulator({ domain, users: 3, seed: 'oidc-test', generate: { messagesPerUser: 0 } });
  ctx = await createTestContext('pglite', {
    env: { SAFEHOLD_PUBLIC_URL: publicUrl, GOOGLE_OIDC_ISSUER: emulator.url, GOOGLE_OIDC_CLIENT_ID: OIDC_CLIENT_ID },
  });
  app = await buildApp(ctx, { modules: [createIdentityModule()] });
  customerId = randomUUID();
  await ctx.db.insert(customers).values({ id: customerId, domain, name: 'OIDC Example' });
});
after(async () => {
  await app.close();
  await ctx.close();
  await emulator.stop();
});

async function signInWithGoogle(browser: Browser, email: string): Promise<string> {
  const start = await browser.get('/api/auth/google/start');
  assert.equal(start.statusCode, 302);
  const location = String(start.headers.location);
  assert.ok(location.startsWith(emulator.url), location);
  const callback = await chooseEmulatorAccount(location, email, publicUrl);
  const done = await browser.get(`${callback.pathname}${callback.search}`);
  assert.equal(done.statusCode, 302);
  return String(done.headers.location);
}

it("the domain's admin signs in through the emulator's account chooser and lands in the customer console", async () => {
  const browser = createBrowser(app);
  assert.equal(await signInWithGoogle(browser, `admin@${domain}`), '/customer');
  const session = (await browser.get('/api/auth/session')).json().session;
  assert.equal(session.stage, 'signed_in');
  assert.equal(session.user.email, `admin@${domain}`);
  assert.equal(session.user.customerId, customerId);
  assert.equal(session.user.domain, domain);
});

it('a user of a domain that is no Safehold customer is sent back to sign-in with the reason', async () => {
  await ctx.db.update(customers).set({ domain: 'renamed.example.test' });
  try {
    const browser = createBrowser(app);
    assert.equal(await signInWithGoogle(browser, `admin@${domain}`), '/sign-in?error=unknown_domain');
    assert.equal((await browser.get('/api/auth/session')).json().session, null);
  } finally {
    await ctx.db.update(customers).set({ domain });
  }
});
