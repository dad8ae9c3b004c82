import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { it } from 'node:test';
import { idempotencyKeys } from '../modules/idempotency/tables.ts';
import { oneTimeTokens, sessions, staffUsers } from '../modules/identity/tables.ts';
import { rateLimitCounters } from '../modules/rate-limits/tables.ts';
import { createTestContext, forEachDatabase } from '../testing/context.ts';
import { defineHousekeeping, housekeepingCron, housekeepingJob, runHousekeeping } from './housekeeping.ts';

const hour = 3600_000;
const day = 24 * hour;

forEachDatabase('housekeeping job', (kind) => {
  it('deletes expired sessions, old rate-limit windows, Idempotency-Keys over 24 hours old and tokens used or expired over 7 days ago, and nothing else', async (t) => {
    const ctx = await createTestContext(kind, { start: new Date('2026-03-01T12:00:00Z') });
    t.after(() => ctx.close());
    const now = ctx.clock.now().getTime();
    const at = (offset: number) => new Date(now + offset);
    const userId = randomUUID();
    await ctx.db.insert(staffUsers).values({ id: userId, email: 'op@vendor.test', orgKind: 'vendor', role: 'admin' });
    const session = (idHash: string, absoluteExpiresAt: Date) => ({
      idHash,
      subjectKind: 'staff' as const,
      staffUserId: userId,
      stage: 'signed_in' as const,
      csrfToken: 'csrf',
      absoluteExpiresAt,
    });
    await ctx.db.insert(sessions).values([session('expired', at(-hour)), session('live', at(hour))]);
    await ctx.db.insert(rateLimitCounters).values([
      { key: 'sign-in:ip', windowStart: at(-2 * day), count: 5 },
      { key: 'sign-in:ip', windowStart: at(-10 * 60_000), count: 3 },
    ]);
    await ctx.db.insert(idempotencyKeys).values([
      { principal: 'customer:a', key: 'old', fingerprint: 'f', status: 202, body: {}, createdAt: at(-day - 60_000) },
      { principal: 'customer:a', key: 'recent', fingerprint: 'f', status: 202, body: {}, createdAt: at(-day + 60_000) },
    ]);
    const token = (id: string, expiresAt: Date, usedAt: Date | null) => ({
      id,
      purpose: 'invitation' as const,
      tokenHash: `hash-${id}`,
      email: 'x@partner.test',
      expiresAt,
      usedAt,
    });
    const ids = {
      usedLongAgo: randomUUID(),
      usedRecently: randomUUID(),
      expiredLongAgo: randomUUID(),
      expiredRecently: randomUUID(),
      open: randomUUID(),
    };
    await ctx.db
      .insert(oneTimeTokens)
      .values([
        token(ids.usedLongAgo, at(day), at(-8 * day)),
        token(ids.usedRecently, at(day), at(-6 * day)),
        token(ids.expiredLongAgo, at(-8 * day), null),
        token(ids.expiredRecently, at(-1 * day), null),
        token(ids.open, at(day), null),
      ]);

    const deleted = await runHousekeeping({ db: ctx.db, clock: ctx.clock });
    assert.deepEqual(deleted, { sessions: 1, rateLimitCounters: 1, oneTimeTokens: 2, idempotencyKeys: 1 });
    assert.deepEqual(
      (await ctx.db.select({ key: idempotencyKeys.key }).from(idempotencyKeys)).map((row) => row.key),
      ['recent'],
    );
    assert.deepEqual(
      (await ctx.db.select({ id: sessions.idHash }).from(sessions)).map((row) => row.id),
      ['live'],
    );
    assert.deepEqual(
      (await ctx.db.select({ count: rateLimitCounters.count }).from(rateLimitCounters)).map((row) => row.count),
      [3],
    );
    const left = (await ctx.db.select({ id: oneTimeTokens.id }).from(oneTimeTokens)).map((row) => row.id).sort();
    assert.deepEqual(left, [ids.usedRecently, ids.expiredRecently, ids.open].sort());

    // Idle sessions go too when an idle timeout is given.
    await ctx.db.insert(sessions).values({ ...session('idle', at(day)), lastSeenAt: at(-3 * hour) });
    const idle = await runHousekeeping({ db: ctx.db, clock: ctx.clock, sessionIdleTimeoutMs: 2 * hour });
    assert.equal(idle.sessions, 1);
    assert.deepEqual(
      (await ctx.db.select({ id: sessions.idHash }).from(sessions)).map((row) => row.id),
      ['live'],
    );
  });

  it("uses the identity module's session sweep when given one", async (t) => {
    const ctx = await createTestContext(kind);
    t.after(() => ctx.close());
    const calls: Date[] = [];
    const deleted = await runHousekeeping({
      db: ctx.db,
      clock: ctx.clock,
      deleteExpiredSessions: async (now) => {
        calls.push(now);
        return 4;
      },
    });
    assert.equal(deleted.sessions, 4);
    assert.deepEqual(calls, [ctx.clock.now()]);
  });

  it('runs as a job on the queue and is scheduled hourly', async (t) => {
    const ctx = await createTestContext(kind);
    t.after(() => ctx.close());
    defineHousekeeping(ctx.jobs, { db: ctx.db, clock: ctx.clock });
    await ctx.jobs.start();
    await ctx.db.insert(rateLimitCounters).values({
      key: 'old',
      windowStart: new Date(ctx.clock.now().getTime() - 2 * day),
      count: 1,
    });
    await ctx.jobs.schedule(housekeepingJob, housekeepingCron);
    assert.deepEqual(await ctx.jobs.schedules(), [{ name: housekeepingJob, cron: housekeepingCron }]);
    const id = await ctx.jobs.enqueue(housekeepingJob, {});
    assert.ok(id);
    for (;;) {
      const job = await ctx.jobs.get(housekeepingJob, id);
      if (job?.state === 'completed' || job?.state === 'failed') {
        assert.equal(job.state, 'completed');
        break;
      }
      await new Promise((resolve) => setTimeout(resolve, 50));
    }
    assert.equal((await ctx.db.select().from(rateLimitCounters)).length, 0);
  });
});
