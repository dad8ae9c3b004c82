import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { customerScope } from '../policy/index.ts';
import { customerScopeCondition, loadCustomerTenant, partnerPath } from './store.ts';
import { customers, partners } from './tables.ts';

forEachDatabase('tenancy queries', (kind) => {
  let ctx: TestContext;
  const id = { distributor: randomUUID(), child: randomUUID(), other: randomUUID() };
  const customer = { direct: randomUUID(), viaChild: randomUUID(), foreign: randomUUID(), unmanaged: randomUUID() };

  before(async () => {
    ctx = await createTestContext(kind);
    await ctx.db.insert(partners).values([
      { id: id.distributor, name: 'Distributor' },
      { id: id.child, name: 'Child reseller', parentPartnerId: id.distributor },
      { id: id.other, name: 'Other reseller' },
    ]);
    await ctx.db.insert(customers).values([
      { id: customer.direct, domain: 'direct.test', name: 'Direct', partnerId: id.distributor },
      { id: customer.viaChild, domain: 'child.test', name: 'Via child', partnerId: id.child },
      { id: customer.foreign, domain: 'foreign.test', name: 'Foreign', partnerId: id.other },
      { id: customer.unmanaged, domain: 'unmanaged.test', name: 'Unmanaged' },
    ]);
  });
  after(() => ctx.close());

  const visibleTo = async (actor: Parameters<typeof customerScope>[0]) =>
    (
      await ctx.db
        .select({ domain: customers.domain })
        .from(customers)
        .where(customerScopeCondition(customerScope(actor)))
    )
      .map((row) => row.domain)
      .sort();

  it('a distributor sees its own and its child partners’ customers, never another partner’s', async () => {
    const actor = {
      kind: 'partner' as const,
      userId: 'u',
      partnerId: id.distributor,
      role: 'admin' as const,
      assignedCustomerIds: [],
    };
    assert.deepEqual(await visibleTo(actor), ['child.test', 'direct.test']);
  });

  it('a child partner sees only its own customers, not its parent’s', async () => {
    const actor = {
      kind: 'partner' as const,
      userId: 'u',
      partnerId: id.child,
      role: 'owner' as const,
      assignedCustomerIds: [],
    };
    assert.deepEqual(await visibleTo(actor), ['child.test']);
  });

  it('a technician sees only assigned customers inside the subtree', async () => {
    const actor = {
      kind: 'partner' as const,
      userId: 'u',
      partnerId: id.distributor,
      role: 'technician' as const,
      assignedCustomerIds: [customer.viaChild, customer.foreign],
    };
    assert.deepEqual(await visibleTo(actor), ['child.test']);
    assert.deepEqual(await visibleTo({ ...actor, assignedCustomerIds: [] }), []);
  });

  it('a customer admin sees only its own tenant; the vendor sees all', async () => {
    const admin = {
      kind: 'customer' as const,
      memberId: 'm',
      customerId: customer.foreign,
      role: 'super_admin' as const,
      email: 'a@foreign.test',
    };
    assert.deepEqual(await visibleTo(admin), ['foreign.test']);
    assert.equal((await visibleTo({ kind: 'vendor', userId: 'v', role: 'support' })).length, 4);
  });

  it('loads a customer tenant with its chain of managing partners, nearest first', async () => {
    assert.deepEqual(await partnerPath(ctx.db, id.child), [id.child, id.distributor]);
    const tenant = await loadCustomerTenant(ctx.db, customer.viaChild);
    assert.deepEqual(tenant, {
      kind: 'customer',
      customerId: customer.viaChild,
      partnerPath: [id.child, id.distributor],
      allowPartnerAccess: false,
      allowUserAccess: true,
      allowUserExport: true,
    });
    assert.equal(await loadCustomerTenant(ctx.db, randomUUID()), null);
  });
});
