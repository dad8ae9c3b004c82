// A partner user inside a partner session (identity/partner-session.ts) is still themselves in
// their own Reseller Console: its routes answer as before, and what they change there is their
// partner's business, audited without the session and out of the customer's log. The session
// opens one customer only: the data of the partner's other customers stays refused.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { App } from '../../http/app.ts';
import type { MatrixTenant, Principal } from '../../http/authorization-matrix.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { buildAppAsServed, createCaller, seedWorld, type World } from '../../testing/matrix-world.ts';
import { seedCustomer } from '../../testing/tenants.ts';
import { customers } from '../tenancy/tables.ts';
import { hashSessionId } from './sessions.ts';
import { sessions } from './tables.ts';

forEachDatabase('the partner console during a partner session', (kind) => {
  let ctx: TestContext;
  let app: App;
  let world: World;
  let caller: ReturnType<typeof createCaller>;
  let own: MatrixTenant;
  /** Another customer of the same partner, which allows partner sessions too. */
  let sibling: string;

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-06-01T09:00:00Z') });
    app = await buildAppAsServed(ctx, () => {});
    world = await seedWorld(ctx);
    caller = createCaller(ctx, app, world);
    own = world.tenants.own;
    sibling = (
      await seedCustomer(ctx.db, ctx.clock, {
        domain: 'sibling.test',
        partnerId: own.partnerId,
        users: [{ email: 'admin@sibling.test', license: 'standard', isAdmin: true }],
        members: [{ email: 'admin@sibling.test', role: 'super_admin' }],
      })
    ).id;
    await ctx.db.update(customers).set({ allowPartnerAccess: true }).where(eq(customers.id, sibling));
    for (const principal of ['partner_owner', 'technician_assigned'] as const) await openSession(principal);
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  /** Puts the principal's staff session into a partner session on the own customer. */
  async function openSession(principal: Principal) {
    const id = await caller.sessionId(principal);
    assert.ok(id);
    await ctx.db
      .update(sessions)
      .set({
        actingCustomerId: own.customerId,
        actingReason: 'Ticket 9: restore a folder',
        actingExpiresAt: new Date(ctx.clock.now().getTime() + 30 * 60_000),
      })
      .where(eq(sessions.idHash, hashSessionId(id)));
  }

  const get = (principal: Principal, url: string) => caller.send(principal, { method: 'GET', url });

  it("the session is live: the opened customer's data answers", async () => {
    const session = (await get('partner_owner', '/api/auth/session')).json().session.user.partnerSession;
    assert.equal(session?.customerId, own.customerId);
    assert.equal((await get('partner_owner', `/api/customers/${own.customerId}/browse/sources`)).statusCode, 200);
  });

  it("the person's own Reseller Console pages answer as outside the session", async () => {
    const pages = ['customers', 'team', 'alerts', 'usage', 'audit', 'api-keys', 'webhooks', `customers/${sibling}`];
    for (const page of pages) {
      const response = await get('partner_owner', `/api/partners/${own.partnerId}/${page}`);
      assert.equal(response.statusCode, 200, `${page}: ${response.body.slice(0, 200)}`);
    }
    const list = await get('technician_assigned', `/api/partners/${own.partnerId}/customers`);
    assert.equal(list.statusCode, 200, list.body);
  });

  it("a change in the partner console is the partner's: audited without the session, not in the customer's log", async () => {
    const created = await caller.send('partner_owner', {
      method: 'POST',
      url: `/api/partners/${own.partnerId}/api-keys`,
      body: { name: 'PSA', scopes: ['read'] },
    });
    assert.equal(created.statusCode, 201, created.body);
    const [entry] = await ctx.audit.query({ tenant: `partner:${own.partnerId}`, action: 'api_key.create' });
    assert.equal(entry?.actorLabel, 'owner@own-it.test');
    assert.equal(entry?.onBehalfOf ?? null, null);
    const inCustomerLog = await ctx.audit.query({ tenant: `customer:${own.customerId}`, action: 'api_key.create' });
    assert.deepEqual(inCustomerLog, []);
  });

  it("the partner's other customers keep their data closed: 403 partner_session_required, figures still shown", async () => {
    for (const url of [`/api/customers/${sibling}/browse/sources`, `/api/customers/${sibling}/search?q=invoice`]) {
      const refused = await get('partner_owner', url);
      assert.equal(refused.statusCode, 403, `${url}: ${refused.body}`);
      assert.equal(refused.json().error.code, 'partner_session_required');
    }
    const restore = await caller.send('partner_owner', {
      method: 'POST',
      url: `/api/customers/${sibling}/restores`,
      body: { user: 'admin@sibling.test', service: 'gmail' },
    });
    assert.equal(restore.statusCode, 403, restore.body);
    // The technician is not assigned the sibling: it does not exist for them.
    assert.equal((await get('technician_assigned', `/api/customers/${sibling}/browse/sources`)).statusCode, 404);
    // The other partner's customer is not even visible.
    assert.equal(
      (await get('partner_owner', `/api/customers/${world.tenants.other.customerId}/browse/sources`)).statusCode,
      404,
    );
  });
});
