// The customer notifications' jobs: every 15 minutes, each tenant's due status email and new
// failure alerts (tenant-notices.ts); and a check of one tenant's failure alerts, queued when
// one of its backup runs ends badly, so the alert goes out soon after (requestFailureCheck).
import { z } from 'zod';
import type { JobQueue } from '../../jobs/queue.ts';
import { checkFailureAlerts, type NoticeDeps, sendTenantNotices } from './tenant-notices.ts';

export const tenantNoticesJob = 'notifications.tenant-notices';
export const tenantNoticesCron = '4,19,34,49 * * * *';
export const failureCheckJob = 'notifications.failure-check';

export function defineNotificationJobs(jobs: JobQueue, deps: () => NoticeDeps): void {
  jobs.define(
    tenantNoticesJob,
    async (_payload, run) => {
      const report = await sendTenantNotices(deps());
      if (report.statusEmails + report.alertEmails > 0) run.logger.info(report, 'customer notifications sent');
    },
    { payload: z.object({}), retryLimit: 1 },
  );
  jobs.define(
    failureCheckJob,
    async ({ customerId }, run) => {
      const told = await checkFailureAlerts(deps(), customerId);
      if (told.length > 0) run.logger.info({ customerId, causes: told.length }, 'failure alerts sent');
    },
    { payload: z.object({ customerId: z.uuid() }), retryLimit: 2 },
  );
}

export async function scheduleNotificationJobs(jobs: JobQueue): Promise<void> {
  await jobs.schedule(tenantNoticesJob, tenantNoticesCron);
}

/** Queues a check of the tenant's failure alerts now (a run of it ended failed or partial). */
export async function requestFailureCheck(jobs: JobQueue, customerId: string): Promise<void> {
  await jobs.enqueue(failureCheckJob, { customerId });
}
