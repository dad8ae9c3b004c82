// The trial install against a real emulator over HTTP (its OpenID provider and its token
// endpoint with per-scope delegation): Start a free trial → Sign in with Google → the scopes
// to authorise → Verify names each missing scope, refuses a non-super-admin, and creates the
// tenant in trial (14 days) with the person signed in as its super admin. Also: a suspended
// or cancelled tenant's people cannot sign in, and their sessions end.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { OIDC_CLIENT_ID } from '@safehold/emulator';
import { GOOGLE_SCOPES } from '@safehold/google';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser } from '../../testing/browser.ts';
import { chooseEmulatorAccount } from '../../testing/emulator-account-chooser.ts';
import { type GoogleTestbed, startGoogleTestbed } from '../../testing/google-testbed.ts';
import { backupCustomerHooks } from '../backup/index.ts';
import { createCustomersModule } from '../customers/index.ts';
import { createIdentityModule } from '../identity/index.ts';
import { customers } from '../tenancy/tables.ts';
import { createTrialModule } from './routes.ts';

const publicUrl = 'http://127.0.0.1:18083';
const domain = 'trial.example.test';
const admin = `admin@${domain}`;

describe('trial install over HTTP against the emulator', () => {
  let bed: GoogleTestbed;
  let app: App;
  let endUser: string;

  before(async () => {
    bed = await startGoogleTestbed('pglite', { domain, users: 3, env: { SAFEHOLD_PUBLIC_URL: publicUrl } });
    bed.ctx.config = {
      ...bed.ctx.config,
      google: { ...bed.ctx.config.google, oidcIssuer: bed.emulator.url, oidcClientId: OIDC_CLIENT_ID },
    };
    app = await buildApp(bed.ctx, {
      modules: [
        createIdentityModule(),
        createCustomersModule({ hooks: backupCustomerHooks }),
        createTrialModule({ hooks: backupCustomerHooks }),
      ],
    });
    const accounts = await bed.emulator.control.listAccounts(domain);
    const other = accounts.find((account) => !account.isAdmin);
    assert.ok(other);
    endUser = other.email;
  });
  after(async () => {
    await app.close();
    await bed.close();
  });

  /** Sign in with Google as `email`; returns where Safehold sent the browser afterwards. */
  async function signInWithGoogle(browser: Browser, email: string, intent?: 'trial'): Promise<string> {
    const start = await browser.get(`/api/auth/google/start${intent ? `?intent=${intent}` : ''}`);
    assert.equal(start.statusCode, 302, start.body);
    const callback = await chooseEmulatorAccount(String(start.headers.location), email, publicUrl);
    const done = await browser.get(`${callback.pathname}${callback.search}`);
    assert.equal(done.statusCode, 302, done.body);
    return String(done.headers.location);
  }

  const tenantCount = async () => (await bed.ctx.db.select().from(customers)).length;

  it('plain Sign in with Google for a domain that is no customer is refused, with no install started', async () => {
    const browser = createBrowser(app);
    assert.equal(await signInWithGoogle(browser, admin), '/sign-in?error=unknown_domain');
    assert.equal((await browser.get('/api/trial/installation')).statusCode, 404);
  });

  it('without a pending install, or with a forged cookie, the install pages answer 404', async () => {
    const browser = createBrowser(app);
    assert.equal((await browser.get('/api/trial/installation')).statusCode, 404);
    browser.cookies.set('__Host-safehold-install', 'A'.repeat(43));
    assert.equal((await browser.get('/api/trial/installation')).statusCode, 404);
    const verify = await browser.post('/api/trial/installation/verify');
    assert.equal(verify.statusCode, 404);
    assert.match(verify.json().error.message, /Sign in with Google/);
  });

  it('Start a free trial: after Google, the page lists the client id and every scope; Verify names each missing scope', async () => {
    const missing = [GOOGLE_SCOPES[1], GOOGLE_SCOPES[4]] as string[];
    await bed.emulator.control.revokeDelegation({ domain, scopes: missing });
    try {
      const browser = createBrowser(app);
      assert.equal(await signInWithGoogle(browser, admin, 'trial'), '/trial/authorise');
      // Not signed in to any console: the pending install is a state of its own.
      assert.equal((await browser.get('/api/auth/session')).json().session, null);
      const instructions = (await browser.get('/api/trial/installation')).json();
      assert.equal(instructions.email, admin);
      assert.equal(instructions.domain, domain);
      assert.equal(instructions.clientId, bed.clientId);
      assert.deepEqual(instructions.scopes, [...GOOGLE_SCOPES]);
      assert.match(instructions.consolePath, /Domain-wide delegation/);

      const verify = await browser.post('/api/trial/installation/verify');
      assert.equal(verify.statusCode, 200, verify.body);
      const body = verify.json();
      assert.equal(body.installed, false);
      assert.equal(body.reason, 'delegation_missing');
      assert.deepEqual(body.missingScopes.sort(), [...missing].sort());
      assert.equal(body.customer, null);
      assert.equal(await tenantCount(), 0);
      const [refused] = await bed.ctx.audit.query({ tenant: 'vendor', action: 'customer.connect', result: 'failure' });
      assert.deepEqual(refused?.details?.missingScopes, body.missingScopes);
    } finally {
      await bed.emulator.control.grantDelegation({ domain });
    }
  });

  it('a person who is not a super admin of the domain cannot install it', async () => {
    const browser = createBrowser(app);
    assert.equal(await signInWithGoogle(browser, endUser, 'trial'), '/trial/authorise');
    const body = (await browser.post('/api/trial/installation/verify')).json();
    assert.equal(body.installed, false);
    assert.equal(body.reason, 'not_super_admin');
    assert.match(body.message, /not a super admin/);
    assert.equal(await tenantCount(), 0);
    assert.equal((await browser.get('/api/auth/session')).json().session, null);
  });

  describe('once authorised', () => {
    let adminBrowser: Browser;
    let customerId: string;

    it('Verify creates the tenant in trial for 14 days and signs the super admin in to its console', async () => {
      adminBrowser = createBrowser(app);
      assert.equal(await signInWithGoogle(adminBrowser, admin, 'trial'), '/trial/authorise');
      const verify = await adminBrowser.post('/api/trial/installation/verify');
      assert.equal(verify.statusCode, 200, verify.body);
      const body = verify.json();
      assert.equal(body.installed, true, body.message);
      assert.equal(body.customer.domain, domain);
      customerId = body.customer.id;

      const session = (await adminBrowser.get('/api/auth/session')).json().session;
      assert.equal(session.stage, 'signed_in');
      assert.equal(session.user.console, 'customer');
      assert.equal(session.user.role, 'super_admin');
      assert.equal(session.user.customerId, customerId);

      const overview = (await adminBrowser.get('/api/customer')).json();
      assert.equal(overview.status, 'trial');
      assert.equal(new Date(overview.trialEndsAt).getTime(), bed.ctx.clock.now().getTime() + 14 * 24 * 3600_000);
      const licensing = (await adminBrowser.get(`/api/customers/${customerId}/licensing`)).json();
      assert.equal(licensing.trialDaysLeft, 14);

      const actions = (await bed.ctx.audit.query({ tenant: `customer:${customerId}` })).map((entry) => entry.action);
      assert.ok(actions.includes('customer.connect'), actions.join());
      assert.ok(actions.includes('customer.trial.start'), actions.join());
      // The pending install is used up.
      assert.equal((await adminBrowser.get('/api/trial/installation')).statusCode, 404);
    });

    it('the installed domain signs in with Google as usual afterwards', async () => {
      const browser = createBrowser(app);
      assert.equal(await signInWithGoogle(browser, admin), '/customer');
      assert.equal((await browser.get('/api/auth/session')).json().session.user.role, 'super_admin');
    });

    for (const status of ['suspended', 'cancelled'] as const) {
      it(`a ${status} tenant's people are signed out and cannot sign in, with the reason`, async () => {
        const browser = createBrowser(app);
        assert.equal(await signInWithGoogle(browser, admin), '/customer');
        await bed.ctx.db.update(customers).set({ status }).where(eq(customers.id, customerId));
        try {
          assert.equal((await browser.get('/api/auth/session')).json().session, null);
          assert.equal((await browser.get('/api/customer')).statusCode, 401);
          const again = createBrowser(app);
          assert.equal(await signInWithGoogle(again, admin), `/sign-in?error=tenant_${status}`);
          assert.equal(await signInWithGoogle(again, admin, 'trial'), `/sign-in?error=tenant_${status}`);
          const [refused] = await bed.ctx.audit.query({
            tenant: `customer:${customerId}`,
            action: 'auth.sign_in.google',
            result: 'failure',
          });
          assert.equal(refused?.details?.reason, `tenant_${status}`);
        } finally {
          await bed.ctx.db.update(customers).set({ status: 'trial' }).where(eq(customers.id, customerId));
        }
      });
    }
  });
});
