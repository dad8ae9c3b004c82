import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { AppError } from '../../http/errors.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import type { Actor } from '../policy/index.ts';
import { authorizeCustomer } from './authorize-customer.ts';
import { customers, partners } from './tables.ts';

forEachDatabase('authorizeCustomer', (kind) => {
  let ctx: TestContext;
  const partnerId = { own: randomUUID(), other: randomUUID() };
  const customerId = { managed: randomUUID(), foreign: randomUUID() };
  const technician: Actor = {
    kind: 'partner',
    userId: 'u',
    partnerId: partnerId.own,
    role: 'technician',
    assignedCustomerIds: [customerId.managed],
  };

  before(async () => {
    ctx = await createTestContext(kind);
    await ctx.db.insert(partners).values([
      { id: partnerId.own, name: 'Own reseller' },
      { id: partnerId.other, name: 'Other reseller' },
    ]);
    await ctx.db.insert(customers).values([
      { id: customerId.managed, domain: 'managed.test', name: 'Managed', partnerId: partnerId.own },
      { id: customerId.foreign, domain: 'foreign.test', name: 'Foreign', partnerId: partnerId.other },
    ]);
  });
  after(() => ctx.close());

  /** The error authorizeCustomer throws, as the HTTP layer would answer it. */
  const refusal = async (action: Parameters<typeof authorizeCustomer>[2], id: string) => {
    const error = await authorizeCustomer(ctx.db, technician, action, id).then(
      () => assert.fail('expected a refusal'),
      (thrown: unknown) => thrown,
    );
    assert.ok(error instanceof AppError);
    return { code: error.code, message: error.message };
  };

  it('returns the tenant with its partner chain when the action is allowed', async () => {
    const tenant = await authorizeCustomer(ctx.db, technician, 'customer.read', customerId.managed);
    assert.deepEqual(tenant, {
      kind: 'customer',
      customerId: customerId.managed,
      partnerPath: [partnerId.own],
      allowPartnerAccess: false,
      allowUserAccess: true,
      allowUserExport: true,
    });
  });

  it('answers an invisible customer exactly as an unknown one, so ids cannot be probed', async () => {
    const unknown = await refusal('customer.read', randomUUID());
    assert.deepEqual(unknown, { code: 'not_found', message: 'The customer was not found.' });
    assert.deepEqual(await refusal('customer.read', customerId.foreign), unknown);
  });

  it('refuses a visible customer with 403 when the role does not allow the action', async () => {
    const { code } = await refusal('customer.delete', customerId.managed);
    assert.equal(code, 'forbidden');
  });
});
