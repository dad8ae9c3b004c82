// The restore job: one pg-boss job per restore, carrying its id. `startRestore` creates the
// restore and enqueues it; with `wait` and no running worker (the CLI), it runs in this process
// instead. A job that dies (worker killed, process stopped) is retried by pg-boss and resumes
// from restore_items.
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { type RestoreResult, type RunRestoreOptions, runRestore } from './restore-run.ts';
import { createRestore, getRestore, type Restore, type RestoreRequest } from './restore-store.ts';

export const RESTORE_JOB = 'restore.run';
const payload = z.object({ restoreId: z.uuid() });

export function defineRestoreJobs(
  jobs: JobQueue,
  ctx: () => AppContext,
  options: () => RunRestoreOptions = () => ({}),
): void {
  jobs.define(
    RESTORE_JOB,
    async ({ restoreId }, job) => {
      await runRestore(ctx(), restoreId, { ...options(), signal: job.signal });
    },
    // Retries resume the restore where it stopped; nothing is created twice.
    { payload, retryLimit: 5, retryDelaySeconds: 30, expireInSeconds: 12 * 3600, concurrency: 2 },
  );
}

export interface StartRestoreOptions {
  /** Resolve only when the restore ended (in-process when no worker runs here). */
  wait?: boolean;
  runOptions?: RunRestoreOptions;
}

export async function startRestore(
  ctx: AppContext,
  customerId: string,
  request: RestoreRequest,
  options: StartRestoreOptions = {},
): Promise<{ restore: Restore; result?: RestoreResult }> {
  const restore = await createRestore(ctx, customerId, request);
  if (options.wait && !ctx.jobs.started) {
    return { restore, result: await runRestore(ctx, restore.id, options.runOptions) };
  }
  await ctx.jobs.enqueue(RESTORE_JOB, { restoreId: restore.id }, { singletonKey: restore.id });
  if (!options.wait) return { restore };
  for (;;) {
    const row = await getRestore(ctx.db, customerId, restore.id);
    if (!row) throw new Error(`restore ${restore.id} disappeared`);
    if (row.status !== 'queued' && row.status !== 'running') {
      return {
        restore: row,
        result: {
          restoreId: row.id,
          status: row.status,
          counts: { total: row.total, restored: row.restored, skipped: row.skipped, failed: row.failed, pending: 0 },
          error: row.error,
        },
      };
    }
    options.runOptions?.onProgress?.({
      total: row.total,
      restored: row.restored,
      skipped: row.skipped,
      failed: row.failed,
      pending: row.total - row.restored - row.skipped - row.failed,
    });
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
