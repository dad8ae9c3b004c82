// The hourly housekeeping job: deletes rows that can no longer matter — sessions past their
// absolute lifetime (or idle too long, when an idle timeout is given), rate-limit windows long
// over, Idempotency-Key claims past their 24 hours, and one-time tokens used or expired more
// than 7 days ago (kept that long so a person who opens an old link is told it was used or
// expired rather than that it never existed) — and zip exports whose download link expired
// (their files).
import { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Db } from '../db/database.ts';
import { deleteIdempotencyKeysBefore, idempotencyWindowMs } from '../modules/idempotency/index.ts';
import { deleteExpiredSessions, deleteSpentOneTimeTokens } from '../modules/identity/index.ts';
import { deleteRateLimitWindowsBefore } from '../modules/rate-limits/index.ts';
import type { JobQueue } from './queue.ts';

export const housekeepingJob = 'housekeeping';
/** Every hour at minute 7 (UTC): away from the top of the hour, when other cron work lands. */
export const housekeepingCron = '7 * * * *';

const dayMs = 24 * 3600_000;
export const tokenRetentionMs = 7 * dayMs;
/** Rate-limit windows are minutes to an hour long; a day later none can still be counting. */
export const rateLimitRetentionMs = dayMs;

export interface HousekeepingResult {
  sessions: number;
  rateLimitCounters: number;
  oneTimeTokens: number;
  idempotencyKeys: number;
  /** Expired exports whose zip was deleted (when the export module's sweep is given). */
  exports?: number;
}

export interface HousekeepingDependencies {
  db: Db;
  clock: Clock;
  /**
   * The identity module's own sweep of timed-out sessions (it knows the idle timeout). Without
   * it, sessions past their absolute lifetime — or idle longer than `sessionIdleTimeoutMs`,
   * when given — are deleted here.
   */
  deleteExpiredSessions?: (now: Date) => Promise<number>;
  sessionIdleTimeoutMs?: number;
  /** The export module's sweep of zips past their link's expiry. */
  deleteExpiredExports?: (now: Date) => Promise<number>;
}

export async function runHousekeeping(deps: HousekeepingDependencies): Promise<HousekeepingResult> {
  const now = deps.clock.now().getTime();
  const deletedSessions = deps.deleteExpiredSessions
    ? await deps.deleteExpiredSessions(new Date(now))
    : await deleteExpiredSessions(deps.db, new Date(now), deps.sessionIdleTimeoutMs || null);
  const deletedCounters = await deleteRateLimitWindowsBefore(deps.db, new Date(now - rateLimitRetentionMs));
  const deletedTokens = await deleteSpentOneTimeTokens(deps.db, new Date(now - tokenRetentionMs));
  const deletedIdempotencyKeys = await deleteIdempotencyKeysBefore(deps.db, new Date(now - idempotencyWindowMs));
  return {
    sessions: deletedSessions,
    rateLimitCounters: deletedCounters,
    oneTimeTokens: deletedTokens,
    idempotencyKeys: deletedIdempotencyKeys,
    ...(deps.deleteExpiredExports ? { exports: await deps.deleteExpiredExports(new Date(now)) } : {}),
  };
}

/** Defines the housekeeping job on a queue; `scheduleHousekeeping` makes it hourly. */
export function defineHousekeeping(jobs: JobQueue, deps: HousekeepingDependencies): void {
  jobs.define(
    housekeepingJob,
    async (_payload, run) => {
      const deleted = await runHousekeeping(deps);
      run.logger.info({ deleted }, 'housekeeping done');
    },
    { payload: z.object({}), retryLimit: 3, retryDelaySeconds: 60, expireInSeconds: 600 },
  );
}

export async function scheduleHousekeeping(jobs: JobQueue): Promise<void> {
  await jobs.schedule(housekeepingJob, housekeepingCron);
}
