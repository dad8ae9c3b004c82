// The Google quota budget every process of an installation shares (SharedQuotaBudget of
// @safehold/google), in the tables google_quota_buckets, google_quota_backoffs and
// google_quota_callers. Each lease is one UPDATE … RETURNING that refills the bucket by the
// database clock and takes the units, so processes never read-then-write a stale balance and
// their own clocks never count.
import type { SharedQuotaBudget, SharedQuotaKey } from '@safehold/google';
import { and, eq, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { googleQuotaBackoffs, googleQuotaBuckets, googleQuotaCallers } from './tables.ts';

function keyIs(table: typeof googleQuotaBuckets | typeof googleQuotaBackoffs, key: SharedQuotaKey): SQL {
  return and(eq(table.scope, key.scope), eq(table.api, key.api), eq(table.key, key.key)) as SQL;
}

const now = sql`clock_timestamp()`;

export function createPostgresQuotaBudget(db: Db): SharedQuotaBudget {
  return {
    async take(bucket, need, want) {
      const capacity = sql`${bucket.capacity}::float8`;
      const elapsedMs = sql`greatest(0, extract(epoch from ${now} - ${googleQuotaBuckets.updatedAt})::float8 * 1000)`;
      const refilled = sql`least(${capacity}, ${googleQuotaBuckets.tokens} + ${elapsedMs} * ${bucket.refillPerMs}::float8)`;
      // A cost above capacity waits for a full bucket, then goes into debt (quota-manager.ts).
      const grant = sql`case when ${refilled} >= least(${need}::float8, ${capacity})
        then greatest(${need}::float8, least(${want}::float8, ${refilled})) else 0 end`;
      const lease = () =>
        db
          .update(googleQuotaBuckets)
          .set({ tokens: sql`${refilled} - ${grant}`, granted: grant, updatedAt: now })
          .where(keyIs(googleQuotaBuckets, bucket))
          .returning({ tokens: googleQuotaBuckets.tokens, granted: googleQuotaBuckets.granted });
      let [row] = await lease();
      if (!row) {
        await db
          .insert(googleQuotaBuckets)
          .values({ scope: bucket.scope, api: bucket.api, key: bucket.key, tokens: bucket.capacity, updatedAt: now })
          .onConflictDoNothing();
        [row] = await lease();
      }
      if (!row) throw new Error(`quota bucket ${bucket.scope}/${bucket.api}/${bucket.key} vanished while leasing`);
      if (row.granted > 0) return { granted: row.granted };
      const missing = Math.min(need, bucket.capacity) - row.tokens;
      return { granted: 0, waitMs: bucket.refillPerMs > 0 ? Math.ceil(missing / bucket.refillPerMs) : 60_000 };
    },

    async giveBack(bucket, units) {
      await db
        .update(googleQuotaBuckets)
        .set({ tokens: sql`least(${bucket.capacity}::float8, ${googleQuotaBuckets.tokens} + ${units}::float8)` })
        .where(keyIs(googleQuotaBuckets, bucket));
    },

    async backOff(key, ms) {
      const until = sql`${now} + ${Math.ceil(ms)} * interval '1 millisecond'`;
      await db
        .insert(googleQuotaBackoffs)
        .values({ ...key, until })
        .onConflictDoUpdate({
          target: [googleQuotaBackoffs.scope, googleQuotaBackoffs.api, googleQuotaBackoffs.key],
          set: { until: sql`greatest(${googleQuotaBackoffs.until}, excluded.until)` },
        });
    },

    async callers(key, caller, ttlMs) {
      const until = sql`${now} + ${Math.ceil(ttlMs)} * interval '1 millisecond'`;
      const sameKey = and(eq(googleQuotaCallers.api, key.api), eq(googleQuotaCallers.key, key.key)) as SQL;
      await db
        .insert(googleQuotaCallers)
        .values({ api: key.api, key: key.key, caller, until })
        .onConflictDoUpdate({
          target: [googleQuotaCallers.api, googleQuotaCallers.key, googleQuotaCallers.caller],
          set: { until: sql`excluded.until` },
        });
      const [row] = await db
        .select({ callers: sql<number>`count(*) filter (where ${googleQuotaCallers.until} > ${now})::int` })
        .from(googleQuotaCallers)
        .where(sameKey);
      // Callers long gone (a process that stopped, or died) go now, a few at a time.
      await db
        .delete(googleQuotaCallers)
        .where(and(sameKey, sql`${googleQuotaCallers.until} < ${now} - interval '1 hour'`));
      return Math.max(1, Number(row?.callers ?? 1));
    },

    async backoffs(keys) {
      if (keys.length === 0) return [];
      const rows = await db
        .select({
          scope: googleQuotaBackoffs.scope,
          api: googleQuotaBackoffs.api,
          key: googleQuotaBackoffs.key,
          remainingMs: sql<number>`greatest(0, extract(epoch from ${googleQuotaBackoffs.until} - ${now})::float8 * 1000)`,
        })
        .from(googleQuotaBackoffs)
        .where(or(...keys.map((key) => keyIs(googleQuotaBackoffs, key))));
      return keys.map((key) => {
        const row = rows.find((r) => r.scope === key.scope && r.api === key.api && r.key === key.key);
        return row ? Math.ceil(Number(row.remainingMs)) : 0;
      });
    },
  };
}
