// The Reseller Console's background job: every minute, recompute the health rows that backups,
// license changes and the passing of time made stale, so a partner's list read rarely has to.
// (A read still recomputes whatever is stale when it runs: the job only takes the work off it.)
import { z } from 'zod';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { refreshAllStaleHealth } from './health.ts';

export const healthRefreshJob = 'reseller-health-refresh';
export const healthRefreshCron = '* * * * *';

export function defineResellerJobs(jobs: JobQueue, deps: { db: Db; clock: Clock }): void {
  jobs.define(
    healthRefreshJob,
    async (_payload, run) => {
      const refreshed = await refreshAllStaleHealth(deps.db, deps.clock.now());
      if (refreshed > 0) run.logger.info({ refreshed }, 'customer health refreshed');
    },
    { payload: z.object({}), retryLimit: 0 },
  );
}

export async function scheduleResellerJobs(jobs: JobQueue): Promise<void> {
  await jobs.schedule(healthRefreshJob, healthRefreshCron);
}
