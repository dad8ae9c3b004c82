// Google's quota day starts at midnight Pacific time (America/Los_Angeles), DST included: the
// day key of google_project_usage and "resets at" follow it, with an injected clock.
import assert from 'node:assert/strict';
import { it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { createTestContext, forEachDatabase } from '../../testing/context.ts';
import {
  createProjectUsage,
  defaultDailyThresholds,
  ProjectQuotaSpentError,
  quotaDay,
  quotaDayResetsAt,
} from './project-usage.ts';
import { googleProjectUsage } from './tables.ts';

const at = (iso: string) => Date.parse(iso);

it('the quota day follows Pacific time across the spring-forward change (a 23-hour day)', () => {
  // 2026-03-08 02:00 PST becomes 03:00 PDT.
  assert.equal(quotaDay(at('2026-03-08T07:59:59Z')), '2026-03-07'); // 23:59:59 PST
  assert.equal(quotaDayResetsAt(at('2026-03-08T07:59:59Z')).toISOString(), '2026-03-08T08:00:00.000Z');
  assert.equal(quotaDay(at('2026-03-08T08:00:00Z')), '2026-03-08'); // 00:00 PST
  assert.equal(quotaDayResetsAt(at('2026-03-08T08:00:00Z')).toISOString(), '2026-03-09T07:00:00.000Z');
  // UTC midnight is not a reset: 16:00 Pacific the day before.
  assert.equal(quotaDay(at('2026-03-09T00:30:00Z')), '2026-03-08');
});

it('the quota day follows Pacific time across the fall-back change (a 25-hour day)', () => {
  // 2026-11-01 02:00 PDT becomes 01:00 PST.
  assert.equal(quotaDay(at('2026-11-01T06:59:59Z')), '2026-10-31'); // 23:59:59 PDT
  assert.equal(quotaDayResetsAt(at('2026-11-01T06:59:59Z')).toISOString(), '2026-11-01T07:00:00.000Z');
  assert.equal(quotaDay(at('2026-11-01T07:00:00Z')), '2026-11-01');
  assert.equal(quotaDayResetsAt(at('2026-11-01T07:00:00Z')).toISOString(), '2026-11-02T08:00:00.000Z');
  // The repeated hour 01:00-02:00 belongs to the same day.
  assert.equal(quotaDay(at('2026-11-01T09:30:00Z')), '2026-11-01');
  assert.equal(quotaDayResetsAt(at('2026-11-01T09:30:00Z')).toISOString(), '2026-11-02T08:00:00.000Z');
});

forEachDatabase('daily counters on the Pacific quota day', (kind) => {
  it('a spent project is refused until midnight Pacific, then counts from zero under the new day', async () => {
    const ctx = await createTestContext(kind);
    try {
      let now = at('2026-03-08T07:58:00Z'); // 23:58 PST, 2026-03-07
      const usage = createProjectUsage(ctx.db, { ...defaultDailyThresholds, gmail: 10 }, () => now);
      await usage.spend('p1', 'gmail', 8);
      await usage.flush();
      await assert.rejects(usage.spend('p1', 'gmail', 5), (error: unknown) => {
        assert.ok(error instanceof ProjectQuotaSpentError);
        assert.equal(error.resetsAt.toISOString(), '2026-03-08T08:00:00.000Z');
        assert.equal(error.headers['retry-after'], '120');
        return true;
      });
      now = at('2026-03-08T08:00:01Z'); // 00:00:01 PST, the new quota day
      await usage.spend('p1', 'gmail', 5);
      await usage.flush();
      const rows = await ctx.db
        .select({ day: googleProjectUsage.day, units: googleProjectUsage.units })
        .from(googleProjectUsage)
        .where(and(eq(googleProjectUsage.project, 'p1'), eq(googleProjectUsage.api, 'gmail')))
        .orderBy(googleProjectUsage.day);
      // The refused call marked the old day spent (its count raised to the threshold).
      assert.deepEqual(rows, [
        { day: '2026-03-07', units: 10 },
        { day: '2026-03-08', units: 5 },
      ]);
    } finally {
      await ctx.close();
    }
  });
});
