// The Google quota budget shared through the database (issue 20 item 2): leases are all or
// nothing, never leave the bucket below what was granted, go into debt only for a cost above
// the capacity, come back on giveBack; backoffs keep the later of two and are per key.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import type { SharedQuotaBudget } from '@safehold/google';
import { openDatabase } from '../../db/database.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { createTestDatabase, type TestDatabase } from '../../testing/databases.ts';
import { createPostgresQuotaBudget } from './quota-budget.ts';

forEachDatabase('the shared Google quota budget', (kind) => {
  let database: TestDatabase;
  let budget: SharedQuotaBudget;
  before(async () => {
    database = await createTestDatabase(kind);
    budget = createPostgresQuotaBudget(database.db);
  });
  after(() => database?.close());

  // Refills 1 unit per hour: nothing the test does in between refills a measurable amount.
  const slow = { capacity: 10, refillPerMs: 1 / 3_600_000 };

  it('leases as much as asked while the bucket holds it, then refuses and says how long until it would', async () => {
    const bucket = { scope: 'user' as const, api: 'gmail' as const, key: 'ann@lease.test', ...slow };
    assert.deepEqual(await budget.take(bucket, 2, 4), { granted: 4 }, 'a new bucket starts full');
    assert.deepEqual(await budget.take(bucket, 2, 4), { granted: 4 });
    assert.ok(((await budget.take(bucket, 1, 4)) as { granted: number }).granted < 2.01, 'what is left, at most');
    const refused = await budget.take(bucket, 5, 5);
    assert.equal(refused.granted, 0);
    assert.ok('waitMs' in refused && refused.waitMs > 4 * 3_500_000 && refused.waitMs <= 5 * 3_600_000);
    await budget.giveBack(bucket, 8);
    assert.deepEqual(await budget.take(bucket, 8, 8), { granted: 8 }, 'units given back can be leased again');
  });

  it('buckets are per scope, API and key; a cost above capacity waits for a full bucket, then goes into debt', async () => {
    const user = { scope: 'user' as const, api: 'gmail' as const, key: 'bob@lease.test', ...slow };
    assert.deepEqual(await budget.take(user, 10, 10), { granted: 10 });
    assert.deepEqual(await budget.take({ ...user, api: 'drive' }, 10, 10), { granted: 10 }, 'another API');
    assert.deepEqual(await budget.take({ ...user, scope: 'project' }, 10, 10), { granted: 10 }, 'another scope');
    const big = { ...user, key: 'cat@lease.test' };
    assert.deepEqual(await budget.take(big, 25, 25), { granted: 25 }, 'a full bucket pays a cost above its capacity');
    const after = await budget.take(big, 1, 1);
    assert.ok('waitMs' in after && after.waitMs > 15 * 3_500_000, 'and owes the difference');
  });

  it('many leases at once from separate connections never grant more than the bucket held', async (t) => {
    const others = kind === 'postgres' ? await Promise.all([1, 2, 3].map(() => createTestDatabaseOn(database))) : [];
    t.after(() => Promise.all(others.map((other) => other.close())));
    const budgets = [budget, ...others.map((other) => createPostgresQuotaBudget(other.db))];
    const bucket = {
      scope: 'project' as const,
      api: 'gmail' as const,
      key: 'race-project',
      capacity: 50,
      refillPerMs: 0,
    };
    const answers = await Promise.all(
      Array.from({ length: 40 }, (_, index) => budgets[index % budgets.length]?.take(bucket, 3, 3)),
    );
    assert.equal(
      answers.reduce((sum, answer) => sum + (answer?.granted ?? 0), 0),
      48,
      '16 leases of 3 fit in 50',
    );
  });

  it('a backoff holds for its key only, and the later of two backoffs wins', async () => {
    const ann = { scope: 'user' as const, api: 'gmail' as const, key: 'ann@backoff.test' };
    const project = { scope: 'project' as const, api: 'gmail' as const, key: 'p' };
    assert.deepEqual(await budget.backoffs([ann, project]), [0, 0]);
    await budget.backOff(ann, 3_600_000);
    await budget.backOff(ann, 1000);
    const [annWait, projectWait, driveWait] = await budget.backoffs([ann, project, { ...ann, api: 'drive' }]);
    assert.ok(annWait !== undefined && annWait > 3_500_000, `the longer backoff stays (${annWait} ms)`);
    assert.deepEqual([projectWait, driveWait], [0, 0]);
  });

  it('callers of a user count while they last said so, each once, per API and user', async () => {
    const key = { scope: 'user' as const, api: 'gmail' as const, key: 'cat@callers.test' };
    assert.equal(await budget.callers(key, 'worker-1', 60_000), 1, 'the first caller alone');
    assert.equal(await budget.callers(key, 'worker-2', 60_000), 2);
    assert.equal(await budget.callers(key, 'worker-1', 60_000), 2, 'saying it again counts once');
    assert.equal(await budget.callers({ ...key, api: 'drive' }, 'worker-3', 60_000), 1, 'another API');
    assert.equal(await budget.callers({ ...key, key: 'dan@callers.test' }, 'worker-3', 60_000), 1, 'another user');
    // A caller whose time ran out no longer counts (a stopped or dead process).
    assert.equal(await budget.callers(key, 'worker-4', 2000), 3);
    await new Promise((resolve) => setTimeout(resolve, 2100));
    assert.equal(await budget.callers(key, 'worker-1', 60_000), 2);
  });
});

/** Another pool on the same PostgreSQL database: what another process would have. */
function createTestDatabaseOn(database: TestDatabase) {
  return openDatabase({ kind: 'postgres', url: database.testUrl as string }, { command: 'test other process' });
}
