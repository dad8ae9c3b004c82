import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { type LocalOidcProvider, startLocalOidcProvider } from '../../testing/local-oidc-provider.ts';
import { customers } from '../tenancy/tables.ts';
import { createIdentityModule } from './index.ts';
import { customerMembers } from './tables.ts';

const publicUrl = 'http://127.0.0.1:18080';

forEachDatabase('sign in with Google (OpenID Connect)', (kind) => {
  let ctx: TestContext;
  let app: App;
  let provider: LocalOidcProvider;
  let customerId: string;
  before(async () => {
    provider = await startLocalOidcProvider({ redirectUri: `${publicUrl}/api/auth/google/callback` });
    ctx = await createTestContext(kind, {
      env: {
        SAFEHOLD_PUBLIC_URL: publicUrl,
        GOOGLE_OIDC_ISSUER: provider.issuer,
        GOOGLE_OIDC_CLIENT_ID: provider.clientId,
        GOOGLE_OIDC_CLIENT_SECRET: provider.clientSecret,
      },
    });
    app = await buildApp(ctx, { modules: [createIdentityModule()] });
    customerId = randomUUID();
    await ctx.db.insert(customers).values({ id: customerId, domain: 'example.com', name: 'Example Inc.' });
  });
  after(async () => {
    await app.close();
    await ctx.close();
    await provider.close();
  });

  /** Start → provider → callback, as a browser would; returns the final redirect. */
  const googleSignIn = async (browser: Browser): Promise<string> => {
    const start = await browser.get('/api/auth/google/start');
    assert.equal(start.statusCode, 302);
    const location = start.headers.location as string;
    assert.ok(location.startsWith(`${provider.issuer}/`), location);
    const authorize = new URL(location);
    assert.equal(authorize.searchParams.get('code_challenge_method'), 'S256');
    assert.ok(authorize.searchParams.get('state') && authorize.searchParams.get('nonce'));
    const callback = await provider.follow(location);
    assert.equal(`${callback.origin}${callback.pathname}`, `${publicUrl}/api/auth/google/callback`);
    const done = await browser.get(`${callback.pathname}${callback.search}`);
    assert.equal(done.statusCode, 302);
    return done.headers.location as string;
  };

  it('a verified Workspace user of a customer domain signs in and becomes an end-user member', async () => {
    provider.signInAs({ sub: 'g-1001', email: 'Alice@Example.com', emailVerified: true, hd: 'example.com' });
    const browser = createBrowser(app);
    assert.equal(await googleSignIn(browser), '/customer');
    const session = (await browser.get('/api/auth/session')).json().session;
    assert.equal(session.stage, 'signed_in');
    assert.deepEqual(
      {
        console: session.user.console,
        email: session.user.email,
        role: session.user.role,
        customerId: session.user.customerId,
        domain: session.user.domain,
      },
      { console: 'customer', email: 'alice@example.com', role: 'end_user', customerId, domain: 'example.com' },
    );
    const [member] = await ctx.db.select().from(customerMembers).where(eq(customerMembers.customerId, customerId));
    assert.equal(member?.googleSubject, 'g-1001');
    const audit = await ctx.audit.query({ tenant: `customer:${customerId}`, action: 'auth.sign_in.google' });
    assert.equal(audit[0]?.result, 'success');
    // The one-time state cookie is gone after the callback.
    assert.equal(browser.cookies.has('__Host-safehold-oidc'), false);
  });

  it('an existing member keeps the role recorded for them', async () => {
    await ctx.db
      .insert(customerMembers)
      .values({ id: randomUUID(), customerId, email: 'boss@example.com', role: 'super_admin' });
    provider.signInAs({ sub: 'g-1002', email: 'boss@example.com', emailVerified: true, hd: 'example.com' });
    const browser = createBrowser(app);
    assert.equal(await googleSignIn(browser), '/customer');
    assert.equal((await browser.get('/api/auth/session')).json().session.user.role, 'super_admin');
    const [member] = await ctx.db.select().from(customerMembers).where(eq(customerMembers.email, 'boss@example.com'));
    assert.equal(member?.googleSubject, 'g-1002');
  });

  it('refuses an unverified email, a consumer account and a domain that is no customer, creating nobody', async () => {
    const cases = [
      {
        account: { sub: 'g-2001', email: 'eve@example.com', emailVerified: false, hd: 'example.com' },
        error: 'email_not_verified',
      },
      { account: { sub: 'g-2002', email: 'eve@example.com', emailVerified: true }, error: 'not_a_workspace_account' },
      {
        account: { sub: 'g-2003', email: 'eve@other.org', emailVerified: true, hd: 'other.org' },
        error: 'unknown_domain',
      },
      // Same email as an existing member but another Google account.
      {
        account: { sub: 'g-9999', email: 'alice@example.com', emailVerified: true, hd: 'example.com' },
        error: 'account_mismatch',
      },
    ];
    for (const { account, error } of cases) {
      provider.signInAs(account);
      const browser = createBrowser(app);
      assert.equal(await googleSignIn(browser), `/sign-in?error=${error}`);
      assert.equal((await browser.get('/api/auth/session')).json().session, null);
    }
    const members = await ctx.db.select().from(customerMembers);
    assert.ok(!members.some((member) => member.email.startsWith('eve@')));
    const failures = await ctx.audit.query({ tenant: 'vendor', action: 'auth.sign_in.google', result: 'failure' });
    assert.ok(failures.length >= 3);
  });

  it('a callback without the state cookie, or with a forged state, signs nobody in', async () => {
    provider.signInAs({ sub: 'g-3001', email: 'mallory@example.com', emailVerified: true, hd: 'example.com' });
    const browser = createBrowser(app);
    const start = await browser.get('/api/auth/google/start');
    const callback = await provider.follow(start.headers.location as string);
    const stranger = createBrowser(app);
    const noCookie = await stranger.get(`${callback.pathname}${callback.search}`);
    assert.equal(noCookie.headers.location, '/sign-in?error=google_failed');
    const forged = new URLSearchParams(callback.search);
    forged.set('state', 'forged');
    const wrongState = await browser.get(`${callback.pathname}?${forged}`);
    assert.equal(wrongState.headers.location, '/sign-in?error=google_failed');
    assert.equal((await browser.get('/api/auth/session')).json().session, null);
  });
});

forEachDatabase('sign in with Google when not configured', (kind) => {
  let ctx: TestContext;
  let app: App;
  before(async () => {
    ctx = await createTestContext(kind);
    app = await buildApp(ctx, { modules: [createIdentityModule()] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it('redirects back to the sign-in page with google_not_configured', async () => {
    const response = await createBrowser(app).get('/api/auth/google/start');
    assert.equal(response.statusCode, 302);
    assert.equal(response.headers.location, '/sign-in?error=google_not_configured');
  });
});
