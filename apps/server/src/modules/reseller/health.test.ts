import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { seedPartner } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomerWithBackups } from '../../testing/reseller-seed.ts';
import { repositoryPacks } from '../backup/tables.ts';
import { directoryUsers } from '../customers/tables.ts';
import { refreshAllStaleHealth } from './health.ts';
import { customerHealth } from './tables.ts';

forEachDatabase('customer health rows', (kind) => {
  let ctx: TestContext;
  before(async () => {
    ctx = await createTestContext(kind);
  });
  after(async () => {
    await ctx.close();
  });

  it('are created with the customer, recomputed once, and marked stale only by writes the figures read', async () => {
    const partnerId = await seedPartner(ctx.db);
    const customerId = await seedCustomerWithBackups(ctx.db, ctx.clock.now(), {
      partnerId,
      domain: 'health.test',
      users: 3,
      licensed: 2,
      protectedUsers: 1,
      runsSucceeded: 1,
    });
    assert.equal(await refreshAllStaleHealth(ctx.db, ctx.clock.now()), 1);
    assert.equal(await refreshAllStaleHealth(ctx.db, ctx.clock.now()), 0, 'nothing changed since');
    const [row] = await ctx.db.select().from(customerHealth).where(eq(customerHealth.customerId, customerId));
    assert.equal(row?.seatsAssigned, 2);
    assert.equal(row?.protectedUsers, 1);

    // A write the figures do not read (a user's name) leaves the row clean.
    await ctx.db.update(directoryUsers).set({ fullName: 'Renamed' }).where(eq(directoryUsers.customerId, customerId));
    assert.equal(await refreshAllStaleHealth(ctx.db, ctx.clock.now()), 0);
    // A license change and a new pack do not.
    await ctx.db.update(directoryUsers).set({ license: 'archived' }).where(eq(directoryUsers.googleId, 'g-2'));
    assert.equal(await refreshAllStaleHealth(ctx.db, ctx.clock.now()), 1);
    await ctx.db.insert(repositoryPacks).values({ customerId, name: 'p2', size: 7 });
    assert.equal(await refreshAllStaleHealth(ctx.db, ctx.clock.now()), 1);
    const [after] = await ctx.db.select().from(customerHealth).where(eq(customerHealth.customerId, customerId));
    assert.equal(after?.seatsAssigned, 3);
    assert.equal(after?.storageBytes, 7);
  });
});
