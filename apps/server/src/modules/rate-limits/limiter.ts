// Rate limits shared by every process on the database: fixed-window counters in table
// rate_limit_counters. Used for sign-in, second-factor and password-reset attempts, and
// reusable by any module that must slow down guessing (transfer tokens, API keys).
import { createHash } from 'node:crypto';
import { and, eq, lt, sql } from 'drizzle-orm';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import { rateLimitCounters } from './tables.ts';

export interface RateLimitRule {
  /** Names the counter family, e.g. 'sign-in:account'. */
  name: string;
  /** Attempts allowed per window. */
  limit: number;
  windowMs: number;
}

export interface RateLimitCheck {
  rule: RateLimitRule;
  /** Who or what is limited: an account, an IP address, a token prefix. Stored hashed. */
  subject: string;
}

export interface RateLimiter {
  /**
   * Counts one attempt against every check; throws `rate_limited` (429 with Retry-After,
   * the longest wait of the exceeded checks) when any of them is over its limit.
   */
  consume(checks: RateLimitCheck[]): Promise<void>;
  /**
   * Throws `rate_limited` like consume() when any check has already used its whole window,
   * without counting an attempt: for limits on failures only (count them with consume()
   * after a failure, refuse with this before even trying).
   */
  ensureAllowed(checks: RateLimitCheck[]): Promise<void>;
  /** Forgets the current window of one check (e.g. after an administrator's reset). */
  reset(check: RateLimitCheck): Promise<void>;
}

export function counterKey(check: RateLimitCheck): string {
  // Subjects may be email addresses: the table keeps only a digest of them.
  const digest = createHash('sha256').update(check.subject).digest('base64url').slice(0, 32);
  return `${check.rule.name}:${digest}`;
}

export function createRateLimiter({ db, clock }: { db: Db; clock: Clock }): RateLimiter {
  return {
    async consume(checks) {
      let retryAfterMs = 0;
      const now = clock.now().getTime();
      for (const check of checks) {
        const windowStartMs = Math.floor(now / check.rule.windowMs) * check.rule.windowMs;
        const windowStart = new Date(windowStartMs);
        const key = counterKey(check);
        // One atomic statement per counter, so concurrent attempts in other processes count too.
        const [row] = await db
          .insert(rateLimitCounters)
          .values({ key, windowStart, count: 1 })
          .onConflictDoUpdate({
            target: [rateLimitCounters.key, rateLimitCounters.windowStart],
            set: { count: sql`${rateLimitCounters.count} + 1` },
          })
          .returning({ count: rateLimitCounters.count });
        // Earlier windows of this key are dead weight.
        await db
          .delete(rateLimitCounters)
          .where(and(eq(rateLimitCounters.key, key), lt(rateLimitCounters.windowStart, windowStart)));
        if ((row?.count ?? 0) > check.rule.limit) {
          retryAfterMs = Math.max(retryAfterMs, windowStartMs + check.rule.windowMs - now);
        }
      }
      if (retryAfterMs > 0) throw rateLimited(retryAfterMs);
    },
    async ensureAllowed(checks) {
      let retryAfterMs = 0;
      const now = clock.now().getTime();
      for (const check of checks) {
        const windowStartMs = Math.floor(now / check.rule.windowMs) * check.rule.windowMs;
        const [row] = await db
          .select({ count: rateLimitCounters.count })
          .from(rateLimitCounters)
          .where(
            and(
              eq(rateLimitCounters.key, counterKey(check)),
              eq(rateLimitCounters.windowStart, new Date(windowStartMs)),
            ),
          );
        if ((row?.count ?? 0) >= check.rule.limit) {
          retryAfterMs = Math.max(retryAfterMs, windowStartMs + check.rule.windowMs - now);
        }
      }
      if (retryAfterMs > 0) throw rateLimited(retryAfterMs);
    },
    async reset(check) {
      await db.delete(rateLimitCounters).where(eq(rateLimitCounters.key, counterKey(check)));
    },
  };
}

/** Deletes the counters of windows that started before `before` (for the housekeeping job); returns how many. */
export async function deleteRateLimitWindowsBefore(db: Db, before: Date): Promise<number> {
  const deleted = await db
    .delete(rateLimitCounters)
    .where(lt(rateLimitCounters.windowStart, before))
    .returning({ key: rateLimitCounters.key });
  return deleted.length;
}

function rateLimited(retryAfterMs: number): AppError {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new AppError('rate_limited', `Too many attempts. Try again in ${formatWait(seconds)}.`, {
    headers: { 'retry-after': String(seconds) },
  });
}

function formatWait(seconds: number): string {
  if (seconds < 60) return `${seconds} seconds`;
  const minutes = Math.ceil(seconds / 60);
  return minutes === 1 ? '1 minute' : `${minutes} minutes`;
}
