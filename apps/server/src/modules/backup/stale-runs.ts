// Runs that no process will finish. A backup that silently stops is the worst failure a backup
// product can have, and a run left open blocks its source: the scheduler never queues a source
// with a run queued or running. Swept before each schedule tick (backup.schedule job):
// - `running` with a lease that ran out STALE_AFTER_MS ago: its worker died (and its job is not
//   bringing it back) → failed, "interrupted"; what it committed stays, the next run resumes;
// - `queued` for STALE_AFTER_MS without a live job: the process that queued it died before the
//   job was sent, an interrupted `safehold backup run --wait` left the runs it meant to run
//   itself (while that process lives it holds them with a lease), or the job failed for good
//   before the run started → its job is sent again;
// - `queued` for GIVE_UP_AFTER_MS: failed, "never started" (a run that cannot start must not be
//   requeued forever; the source is then due again and the failure is reported).
import { and, eq, isNotNull, isNull, lt, or } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { BACKUP_JOB, INTERRUPTED_REASON } from './backup-types.ts';
import { enqueueRunJob } from './queue-runs.ts';
import { LEASE_GIVEN_UP } from './run-writer.ts';
import { backupRuns } from './tables.ts';

export const STALE_AFTER_MS = 15 * 60_000;
export const GIVE_UP_AFTER_MS = 24 * 3_600_000;
export const NEVER_STARTED_REASON = 'never started: its queue job was lost or failed';

export interface StaleRunsReport {
  interrupted: number;
  requeued: number;
  abandoned: number;
}

export async function sweepStaleRuns(
  ctx: Pick<AppContext, 'db' | 'clock' | 'jobs' | 'logger'>,
): Promise<StaleRunsReport> {
  const now = ctx.clock.now();
  const staleBefore = new Date(now.getTime() - STALE_AFTER_MS);
  const interrupted = await ctx.db
    .update(backupRuns)
    // The whole lease given up (expiry, holder, attempt), as a claim closing a left run does.
    .set({ status: 'failed', error: INTERRUPTED_REASON, finishedAt: now, ...LEASE_GIVEN_UP })
    .where(
      and(
        eq(backupRuns.status, 'running'),
        isNotNull(backupRuns.leaseExpiresAt),
        lt(backupRuns.leaseExpiresAt, staleBefore),
      ),
    )
    .returning({ id: backupRuns.id });
  // A queued run held by a live process (an in-process `backup run --wait`) is not stale.
  const notHeld = or(isNull(backupRuns.leaseExpiresAt), lt(backupRuns.leaseExpiresAt, staleBefore));
  const abandoned = await ctx.db
    .update(backupRuns)
    .set({ status: 'failed', error: NEVER_STARTED_REASON, finishedAt: now, leaseExpiresAt: null })
    .where(
      and(
        eq(backupRuns.status, 'queued'),
        lt(backupRuns.queuedAt, new Date(now.getTime() - GIVE_UP_AFTER_MS)),
        notHeld,
      ),
    )
    .returning({ id: backupRuns.id });
  const waiting = await ctx.db
    .select({ id: backupRuns.id, trigger: backupRuns.trigger, jobId: backupRuns.jobId })
    .from(backupRuns)
    .where(and(eq(backupRuns.status, 'queued'), lt(backupRuns.queuedAt, staleBefore), notHeld));
  let requeued = 0;
  for (const run of waiting) {
    const job = run.jobId ? await ctx.jobs.get(BACKUP_JOB, run.jobId) : null;
    if (job && (job.state === 'created' || job.state === 'retry' || job.state === 'active')) continue;
    // Re-check under the condition that made it stale: it may have started meanwhile.
    const [still] = await ctx.db
      .select({ id: backupRuns.id })
      .from(backupRuns)
      .where(and(eq(backupRuns.id, run.id), eq(backupRuns.status, 'queued')));
    if (!still) continue;
    await enqueueRunJob(ctx, run.id, run.trigger);
    requeued += 1;
  }
  const report = { interrupted: interrupted.length, requeued, abandoned: abandoned.length };
  if (report.interrupted + report.requeued + report.abandoned > 0) {
    ctx.logger.warn(
      {
        ...report,
        interruptedRuns: interrupted.map((run) => run.id),
        abandonedRuns: abandoned.map((run) => run.id),
      },
      'stale backup runs swept',
    );
  }
  return report;
}
