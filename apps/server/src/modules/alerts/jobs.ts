// The alerts' background jobs: every 15 minutes, evaluate every customer's conditions and keep
// the alerts table in step (evaluate.ts); every day at 07:00 UTC, send the email digests
// (digest.ts). `requestAlertEvaluation` queues an evaluation now (after backup runs).
import { z } from 'zod';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import type { MailService } from '../notifications/index.ts';
import { sendAlertDigests } from './digest.ts';
import { evaluateAlerts } from './evaluate.ts';
import type { AlertListener } from './events.ts';

export const alertEvaluationJob = 'alerts-evaluate';
export const alertEvaluationCron = '*/15 * * * *';
export const alertDigestJob = 'alerts-digest';
export const alertDigestCron = '0 7 * * *';

export function defineAlertJobs(
  jobs: JobQueue,
  deps: { db: Db; clock: Clock; mail: MailService; config: { publicUrl: string } },
  /** Each alert opened or resolved, after the evaluation commits (webhooks). */
  onChange?: AlertListener,
): void {
  jobs.define(
    alertEvaluationJob,
    async (_payload, run) => {
      const report = await evaluateAlerts(deps.db, deps.clock.now(), onChange);
      if (report.opened + report.resolved > 0) run.logger.info(report, 'alerts evaluated');
      for (const err of report.listenerErrors) run.logger.error({ err }, 'an alert change listener failed');
    },
    { payload: z.object({}), retryLimit: 1 },
  );
  jobs.define(
    alertDigestJob,
    async (_payload, run) => {
      const report = await sendAlertDigests({ ...deps, publicUrl: deps.config.publicUrl });
      run.logger.info(report, 'alert digests sent');
    },
    { payload: z.object({}), retryLimit: 2 },
  );
}

export async function scheduleAlertJobs(jobs: JobQueue): Promise<void> {
  await jobs.schedule(alertEvaluationJob, alertEvaluationCron);
  await jobs.schedule(alertDigestJob, alertDigestCron);
}

/** Queues an evaluation now (e.g. after backup runs finished). */
export async function requestAlertEvaluation(jobs: JobQueue): Promise<void> {
  await jobs.enqueue(alertEvaluationJob, {});
}
