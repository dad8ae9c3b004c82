// "Sign in with Google" against the Google Workspace emulator's OpenID provider (the one
// demo mode uses), over real HTTP: account chooser, PKCE, id_token with hd.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { OIDC_CLIENT_ID, type RunningEmulator, startEmulator } from '@safehold/emulator';
import { customers } from '../../db/schema.ts';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser } from '../../testing/browser.ts';
import { createTestContext, type TestContext } from '../../testing/context.ts';
import { createIdentityModule } from './index.ts';

const publicUrl = 'http://127.0.0.1:18081';
const domain = 'oidc.example.test';

/** Follows the provider's redirects like a browser (with the provider's cookies), choosing `email`. */
async function chooseAccount(authorizeUrl: string, email: string): Promise<URL> {
  const jar = new Map<string, string>();
  const cookieHeader = () => [...jar].map(([name, value]) => `${name}=${value}`).join('; ');
  const remember = (response: Response) => {
    for (const line of response.headers.getSetCookie()) {
      const [pair] = line.split(';');
      const index = pair?.indexOf('=') ?? -1;
      if (pair && index > 0) jar.set(pair.slice(0, index), pair.slice(index + 1));
    }
  };
  let url = authorizeUrl;
  let body: string | undefined;
  for (let hop = 0; hop < 12; hop++) {
    const response = await fetch(url, {
      method: body ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: cookieHeader(),
        ...(body ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body,
    });
    remember(response);
    body = undefined;
    const location = response.headers.get('location');
    if (location) {
      const next = new URL(location, url);
      if (next.href.startsWith(publicUrl)) return next;
      url = next.href;
      continue;
    }
    const page = await response.text();
    assert.equal(response.status, 200, page.slice(0, 300));
    // The account chooser: one submit button per account, named by its email.
    const action = /<form method="post" action="([^"]+)"/.exec(page)?.[1];
    assert.ok(action, 'the account chooser has a form');
    assert.ok(page.includes(`>${email}</button>`), `the chooser offers ${email}`);
    url = new URL(action.replaceAll('&amp;', '&'), url).href;
    body = new URLSearchParams({ email }).toString();
  }
  throw new Error('too many redirects');
}

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
  const callback = await chooseAccount(location, email);
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
