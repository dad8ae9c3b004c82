// Background jobs of the customers module: the daily directory sync of every connected
// tenant (fanned out into one job per tenant). The 60-day license purge (purge.ts) runs in the
// backup module's daily prune (backup.maintenance), with the retention's age limits.
import { z } from 'zod';
import type { JobQueue } from '../../jobs/queue.ts';
import { type CustomersDeps, systemAuditActor } from './deps.ts';
import { syncDirectory } from './directory-sync.ts';
import { connectedCustomerIds } from './store.ts';

export const directorySyncJob = 'directory-sync';
/** Daily at 02:17 UTC (off the hour, when other cron work lands). */
export const directorySyncCron = '17 2 * * *';

export function defineCustomerJobs(jobs: JobQueue, deps: CustomersDeps): void {
  jobs.define(
    directorySyncJob,
    async (payload, run) => {
      if (!payload.customerId) {
        // The daily run: one job per tenant, so one slow or failing domain holds up no other.
        const ids = await connectedCustomerIds(deps.db);
        for (const customerId of ids) {
          await jobs.enqueue(directorySyncJob, { customerId }, { singletonKey: customerId });
        }
        run.logger.info({ tenants: ids.length }, 'directory syncs enqueued');
        return;
      }
      const report = await syncDirectory(deps, payload.customerId, systemAuditActor('daily directory sync'));
      run.logger.info(
        { customerId: payload.customerId, status: report.status, users: report.users },
        'directory synced',
      );
    },
    { payload: z.object({ customerId: z.uuid().optional() }), retryLimit: 3, retryDelaySeconds: 300 },
  );
}

/** The former job of the 60-day purge, now part of backup.maintenance: its schedule is removed. */
const retiredLicensePurgeJob = 'license-purge';

export async function scheduleCustomerJobs(jobs: JobQueue): Promise<void> {
  await jobs.schedule(directorySyncJob, directorySyncCron);
  await jobs.unschedule(retiredLicensePurgeJob);
}
