// Backup jobs: one pg-boss job per source (subject × service), queued by startBackup
// (start-backup.ts) — on-demand runs with a higher priority than scheduled ones. Without a
// running worker (the CLI's --wait), runQueuedInProcess runs them in this process instead.
import { and, eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import {
  BACKUP_JOB,
  type BackupEvents,
  type BackupService,
  backupJobPayload,
  type EnqueuedRun,
  type RunResult,
} from './backup-types.ts';
import { defineNotifyJob } from './failure-notices.ts';
import { defineMaintenanceJob } from './maintenance.ts';
import { enqueueRunJob, ensureSources } from './queue-runs.ts';
import { DEFAULT_LEASE_MS, type RunSourceOptions, runSourceBackup } from './run-source.ts';
import { defineScheduleJob } from './schedule.ts';
import { chunks, forEachLimited } from './service-context.ts';
import { backupRuns, backupSources } from './tables.ts';
import { openTenantRepository } from './tenant-repository.ts';

/** Usual share of a user's backup time by service, largest first: mail dominates, then files. */
const SERVICE_WEIGHT: Record<BackupService, number> = { gmail: 3, drive: 2, calendar: 1, contacts: 0 };

/**
 * The in-process runner's order: the long runs first (every mailbox, then every Drive, then the
 * small ones; subjects in their order within), so the lanes end together instead of one lane
 * finishing the last user's mailbox while the others idle.
 */
export function longestFirst(runs: readonly EnqueuedRun[]): EnqueuedRun[] {
  return [...runs].sort((a, b) => SERVICE_WEIGHT[b.service] - SERVICE_WEIGHT[a.service]);
}

/** How runQueuedInProcess runs the runs of one call. */
export interface InProcessRunOptions {
  /** Passed to each run (tests inject the Google client and hooks). */
  runOptions?: RunSourceOptions;
  /** Runs at once. Default 4. */
  concurrency?: number;
  /** Called as each run ends (CLI progress). */
  onRunFinished?(run: EnqueuedRun, result: RunResult): void;
}

async function tellRunEnded(context: AppContext, events: BackupEvents, result: RunResult): Promise<void> {
  const status = result.status;
  if (status !== 'success' && status !== 'failed' && status !== 'partial') return;
  const [source] = await context.db
    .select({
      customerId: backupSources.customerId,
      subjectEmail: backupSources.subjectEmail,
      service: backupSources.service,
    })
    .from(backupSources)
    .where(eq(backupSources.id, result.sourceId));
  if (!source) return;
  try {
    if (status !== 'success') await events.runEnded({ runId: result.runId, ...source, status, error: result.error });
  } catch (error) {
    // The run is recorded; a webhook that could not be queued must not make the job retry the backup.
    context.logger.warn({ err: error, runId: result.runId }, 'backup run event not published');
  }
  await events.runFinished?.({ runId: result.runId, customerId: source.customerId, status });
}

/** Declares the backup job; the handler runs the run whose id the job carries. */
export function defineBackupJobs(
  jobs: JobQueue,
  ctx: () => AppContext,
  options: () => RunSourceOptions = () => ({}),
  events: BackupEvents | null = null,
): void {
  jobs.define(
    BACKUP_JOB,
    async (payload, job) => {
      const context = ctx();
      const result = await runSourceBackup(context, payload.runId, {
        ...options(),
        signal: job.signal,
        onBusy: 'defer',
      });
      if (result.busyUntil) {
        // Another run of this source holds its lease: this one waits its turn (still queued).
        const [run] = await context.db
          .select({ trigger: backupRuns.trigger })
          .from(backupRuns)
          .where(eq(backupRuns.id, payload.runId));
        await enqueueRunJob(
          context,
          payload.runId,
          run?.trigger ?? 'scheduled',
          new Date(Math.max(result.busyUntil.getTime(), context.clock.now().getTime() + 30_000)),
        );
        job.logger.info({ runId: payload.runId, busyUntil: result.busyUntil }, 'source busy: backup run requeued');
      } else if (events) {
        await tellRunEnded(context, events, result);
      }
    },
    // A run records its own failure and the next run resumes: pg-boss retries only crashes.
    { payload: backupJobPayload, retryLimit: 2, expireInSeconds: 6 * 3600, concurrency: 4 },
  );
  defineScheduleJob(jobs, ctx);
  defineNotifyJob(jobs, ctx);
  defineMaintenanceJob(jobs, ctx);
}

/**
 * Runs queued runs (created without their jobs) in this process, `concurrency` at once, longest
 * first: what `--wait` does at the command line, where no worker runs.
 */
export async function runQueuedInProcess(
  ctx: AppContext,
  customerId: string,
  runs: readonly EnqueuedRun[],
  options: InProcessRunOptions = {},
): Promise<RunResult[]> {
  const results: RunResult[] = [];
  // This process holds its queued runs while it lives (renewed like a run's lease): the
  // stale-run sweep of a worker elsewhere leaves them alone, and sends them to the queue only
  // if this process dies before running them (stale-runs.ts).
  const holdQueued = async () => {
    for (const batch of chunks(runs, 5000)) {
      await ctx.db
        .update(backupRuns)
        .set({ leaseExpiresAt: new Date(ctx.clock.now().getTime() + DEFAULT_LEASE_MS) })
        .where(
          and(
            inArray(
              backupRuns.id,
              batch.map((run) => run.runId),
            ),
            eq(backupRuns.status, 'queued'),
          ),
        );
    }
  };
  if (runs.length > 0) await holdQueued();
  const renewal = setInterval(() => {
    holdQueued().catch((failure: unknown) => ctx.logger.warn({ err: failure }, 'queued backup runs not held'));
  }, DEFAULT_LEASE_MS / 5);
  renewal.unref();
  // One open repository (one lock, one worker pool) for every run of this call.
  const repository =
    options.runOptions?.repository ?? (runs.length > 0 ? await openTenantRepository(ctx, customerId) : undefined);
  try {
    await forEachLimited(longestFirst(runs), options.concurrency ?? 4, async (run) => {
      const result = await runSourceBackup(ctx, run.runId, {
        ...options.runOptions,
        ...(repository ? { repository } : {}),
      });
      results.push(result);
      options.onRunFinished?.(run, result);
    });
  } finally {
    clearInterval(renewal);
    if (repository && !options.runOptions?.repository) await repository.close();
  }
  return results;
}

export type { BackupSubject, EnqueuedRun } from './backup-types.ts';
export { BACKUP_JOB, ensureSources };
