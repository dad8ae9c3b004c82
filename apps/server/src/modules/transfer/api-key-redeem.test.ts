// A partner API key with the manage_customers scope adds a customer by redeeming its transfer
// token over HTTP (Authorization: Bearer), under the same rules as the console's "Add a
// Customer", audited as the key and the person who created it.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser, seedPartner, seedStaffUser } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomer, signedInSession } from '../../testing/tenants.ts';
import { auditLog } from '../audit/tables.ts';
import { createIdentityModule, sessionCookieName } from '../identity/index.ts';
import { integrationsModule } from '../integrations/index.ts';
import { customers } from '../tenancy/tables.ts';
import { createTransferModule } from './routes.ts';
import { transferTokens } from './tables.ts';

forEachDatabase('redeeming a transfer token with an API key', (kind) => {
  let ctx: TestContext;
  let app: App;
  let partnerId: string;
  let otherPartnerId: string;
  let owner: Browser;

  const browserOf = async (session: Parameters<typeof signedInSession>[2]) => {
    const browser = createBrowser(app);
    browser.cookies.set(sessionCookieName, await signedInSession(ctx.db, ctx.clock, session));
    return browser;
  };

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-05-04T09:00:00Z') });
    app = await buildApp(ctx, { modules: [createIdentityModule(), integrationsModule, createTransferModule()] });
    partnerId = await seedPartner(ctx.db, { name: 'Acme IT' });
    otherPartnerId = await seedPartner(ctx.db, { name: 'Other IT' });
    const user = await seedStaffUser(ctx, { email: 'owner@acme.test', partnerId, role: 'owner' });
    owner = await browserOf({ kind: 'staff', staffUserId: user.id });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  async function createKey(name: string, scopes: string[]): Promise<string> {
    const response = await owner.post(`/api/partners/${partnerId}/api-keys`, { name, scopes });
    assert.equal(response.statusCode, 201, response.body);
    return response.json().token as string;
  }

  /** A customer with a super admin, and a fresh transfer token of it. */
  async function customerWithToken(domain: string): Promise<{ id: string; token: string }> {
    const customer = await seedCustomer(ctx.db, ctx.clock, {
      domain,
      partnerId: null,
      users: [{ email: `admin@${domain}`, license: 'standard', isAdmin: true }],
      members: [{ email: `admin@${domain}`, role: 'super_admin' }],
    });
    const admin = await browserOf({ kind: 'customer', customerMemberId: customer.members.get(`admin@${domain}`)! });
    const response = await admin.post(`/api/customers/${customer.id}/transfer-tokens`, {});
    assert.equal(response.statusCode, 201, response.body);
    return { id: customer.id, token: response.json().token as string };
  }

  const redeem = (key: string, toPartner: string, token: string) =>
    app.inject({
      method: 'POST',
      url: `/api/partners/${toPartner}/customers/transfer`,
      headers: { authorization: `Bearer ${key}`, 'content-type': 'application/json' },
      payload: JSON.stringify({ token }),
    });

  it('a manage_customers key adds the customer, audited as the key and the person who created it', async () => {
    const key = await createKey('PSA onboarding', ['manage_customers']);
    const customer = await customerWithToken('keyed.test');
    const response = await redeem(key, partnerId, customer.token);
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), { customerId: customer.id, domain: 'keyed.test' });
    const [moved] = await ctx.db.select().from(customers).where(eq(customers.id, customer.id));
    assert.equal(moved?.partnerId, partnerId);
    const [token] = await ctx.db.select().from(transferTokens).where(eq(transferTokens.customerId, customer.id));
    assert.ok(token?.usedAt, 'the token is spent');
    assert.equal(token?.usedByPartnerId, partnerId);
    const [entry] = await ctx.db.select().from(auditLog).where(eq(auditLog.action, 'customer.transfer'));
    assert.equal(entry?.actorKind, 'api_key');
    assert.match(entry?.actorLabel ?? '', /^API key "PSA onboarding" \(….{4}\), created by owner@acme\.test$/);

    // Single use, as in the console: the same token again is refused and changes nothing.
    const again = await redeem(key, partnerId, customer.token);
    assert.equal(again.statusCode, 400, again.body);
    assert.equal(again.json().error.code, 'invalid_transfer_token');
  });

  it('a key without manage_customers, or aimed at another partner, is refused and moves nothing', async () => {
    const reader = await createKey('RMM', ['read']);
    const manager = await createKey('PSA', ['manage_customers']);
    const customer = await customerWithToken('kept.test');
    const refused = await redeem(reader, partnerId, customer.token);
    assert.equal(refused.statusCode, 403, refused.body);
    const elsewhere = await redeem(manager, otherPartnerId, customer.token);
    assert.equal(elsewhere.statusCode, 404, elsewhere.body);
    const [kept] = await ctx.db.select().from(customers).where(eq(customers.id, customer.id));
    assert.equal(kept?.partnerId, null);
    const [token] = await ctx.db.select().from(transferTokens).where(eq(transferTokens.customerId, customer.id));
    assert.equal(token?.usedAt, null, 'the token is still live');
  });
});
