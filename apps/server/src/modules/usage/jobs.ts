// The usage module's job: daily at 00:10 UTC, record the day that just ended for every
// customer, then delete what is older than 3 years. A missed run is caught up by running the
// job with that day (`{ day: 'YYYY-MM-DD' }`) while its counts still hold.
import { z } from 'zod';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { previousDay, utcDay } from './days.ts';
import { deleteExpiredSnapshots, takeDailySnapshot } from './snapshot.ts';

export const usageSnapshotJob = 'usage-snapshot';
export const usageSnapshotCron = '10 0 * * *';

/** One run of the job: yesterday's snapshot (or `day`'s), then retention. */
export async function runUsageSnapshot(deps: { db: Db; clock: Clock }, day?: string) {
  const now = deps.clock.now();
  const report = await takeDailySnapshot(deps.db, day ?? previousDay(utcDay(now)), now);
  const expired = await deleteExpiredSnapshots(deps.db, now);
  return { ...report, expired };
}

export function defineUsageJobs(jobs: JobQueue, deps: { db: Db; clock: Clock }): void {
  jobs.define(
    usageSnapshotJob,
    async (payload, run) => {
      const report = await runUsageSnapshot(deps, payload.day);
      run.logger.info(report, 'usage snapshot taken');
    },
    {
      payload: z.object({ day: z.iso.date().optional() }),
      retryLimit: 5,
      retryDelaySeconds: 600,
    },
  );
}

export async function scheduleUsageJobs(jobs: JobQueue): Promise<void> {
  await jobs.schedule(usageSnapshotJob, usageSnapshotCron);
}
