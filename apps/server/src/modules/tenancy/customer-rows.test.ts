import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { eq, inArray, sql } from 'drizzle-orm';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { customerMembers, staffUsers } from '../identity/tables.ts';
import { customerColumn, customerIdsWithStatus, inServiceBackupWindows, insertCustomer } from './customer-rows.ts';
import { partnerColumn } from './partner-rows.ts';
import { partners } from './tables.ts';

// Other modules read customer and partner fields through these subqueries instead of joining
// the tables; they must bind to the caller's row even in a single-table select, where Drizzle
// writes the caller's columns without their table name.
forEachDatabase('tenancy subqueries for other modules', (kind) => {
  let ctx: TestContext;
  const partnerId = randomUUID();
  const customer = { served: randomUUID(), suspended: randomUUID() };
  const memberId = randomUUID();
  const staffId = randomUUID();

  before(async () => {
    ctx = await createTestContext(kind);
    await ctx.db.insert(partners).values({ id: partnerId, name: 'Acme IT' });
    await insertCustomer(ctx.db, { id: customer.served, domain: 'served.test', name: 'Served', partnerId });
    await insertCustomer(ctx.db, {
      id: customer.suspended,
      domain: 'suspended.test',
      name: 'Suspended',
      status: 'suspended',
      backupWindowStartHour: 22,
    });
    await ctx.db
      .insert(customerMembers)
      .values({ id: memberId, customerId: customer.served, email: 'a@served.test', role: 'super_admin' });
    await ctx.db
      .insert(staffUsers)
      .values({ id: staffId, email: 'owner@acme.test', orgKind: 'partner', partnerId, role: 'owner' });
  });
  after(() => ctx.close());

  it("customerColumn reads the caller's customer in a single-table select", async () => {
    const [row] = await ctx.db
      .select({
        domain: customerColumn(customerMembers.customerId, 'domain'),
        name: customerColumn(customerMembers.customerId, 'name'),
        status: customerColumn(customerMembers.customerId, 'status'),
      })
      .from(customerMembers)
      .where(eq(customerMembers.id, memberId));
    assert.deepEqual(row, { domain: 'served.test', name: 'Served', status: 'trial' });
  });

  it("partnerColumn reads the caller's partner, null without one", async () => {
    const rows = await ctx.db
      .select({
        name: partnerColumn(staffUsers.partnerId, 'name'),
        status: partnerColumn(staffUsers.partnerId, 'status'),
      })
      .from(staffUsers)
      .where(eq(staffUsers.id, staffId));
    assert.deepEqual(rows, [{ name: 'Acme IT', status: 'active' }]);
  });

  it('customerIdsWithStatus and inServiceBackupWindows keep to customers in those states', async () => {
    const suspended = await ctx.db
      .select({ id: customerMembers.customerId })
      .from(customerMembers)
      .where(inArray(customerMembers.customerId, customerIdsWithStatus(['suspended'])));
    assert.deepEqual(suspended, []);
    const both = sqlIds([customer.served, customer.suspended]);
    assert.deepEqual(await inServiceBackupWindows(ctx.db, both), [
      { id: customer.served, startHour: 1, hours: 6, timeZone: 'UTC' },
    ]);
  });
});

/** A subquery naming these ids, as another module's would. */
function sqlIds(ids: string[]) {
  return sql`(select unnest(${`{${ids.join(',')}}`}::uuid[]))`;
}
