// A SharedQuotaBudget in memory, on a given clock: what several QuotaManagers of one test share
// in place of the server's PostgreSQL tables (modules/customers/quota-budget.ts), with the same
// rules, so the manager's leasing can be tested on a simulated clock.
import type { GoogleClock } from '../clock.ts';
import type { SharedQuotaBudget, SharedQuotaKey } from '../quota/shared-budget.ts';

export function createMemorySharedBudget(clock: GoogleClock): SharedQuotaBudget & { backOffCalls: number } {
  const buckets = new Map<string, { tokens: number; updatedAt: number }>();
  const backoffs = new Map<string, number>();
  /** Per key: each caller and until when it counts. */
  const callers = new Map<string, Map<string, number>>();
  const id = (key: SharedQuotaKey) => `${key.scope}\n${key.api}\n${key.key}`;
  const budget = {
    backOffCalls: 0,
    async take(bucket, need, want) {
      const now = clock.now();
      const row = buckets.get(id(bucket)) ?? { tokens: bucket.capacity, updatedAt: now };
      const refilled = Math.min(bucket.capacity, row.tokens + Math.max(0, now - row.updatedAt) * bucket.refillPerMs);
      const granted = refilled >= Math.min(need, bucket.capacity) ? Math.max(need, Math.min(want, refilled)) : 0;
      buckets.set(id(bucket), { tokens: refilled - granted, updatedAt: now });
      if (granted > 0) return { granted };
      const missing = Math.min(need, bucket.capacity) - refilled;
      return { granted: 0, waitMs: bucket.refillPerMs > 0 ? Math.ceil(missing / bucket.refillPerMs) : 60_000 };
    },
    async giveBack(bucket, units) {
      const row = buckets.get(id(bucket));
      if (row) row.tokens = Math.min(bucket.capacity, row.tokens + units);
    },
    async backOff(key, ms) {
      budget.backOffCalls += 1;
      backoffs.set(id(key), Math.max(backoffs.get(id(key)) ?? 0, clock.now() + ms));
    },
    async backoffs(keys) {
      return keys.map((key) => Math.max(0, (backoffs.get(id(key)) ?? 0) - clock.now()));
    },
    async callers(key, caller, ttlMs) {
      const now = clock.now();
      const present = callers.get(id(key)) ?? new Map<string, number>();
      present.set(caller, now + ttlMs);
      callers.set(id(key), present);
      return [...present.values()].filter((until) => until > now).length;
    },
  } satisfies SharedQuotaBudget & { backOffCalls: number };
  return budget;
}
