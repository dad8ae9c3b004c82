// The restore job: one pg-boss job per restore, carrying its id (startRestore queues it). A job
// that dies (worker killed, process stopped) is retried by pg-boss and resumes from
// restore_items. `waitForRestore` follows a queued restore to its end.
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { type RestoreResult, type RunRestoreOptions, runRestore } from './restore-run.ts';
import { getRestore, type RestoreCounts } from './restore-store.ts';

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

/**
 * Waits for a queued restore a worker runs (in this process or another) to end, reporting its
 * counts as they move; returns its result. The CLI's --wait without workers runs the restore
 * itself instead (startRestore without a job, then runRestore).
 */
export async function waitForRestore(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  restoreId: string,
  onProgress?: (counts: RestoreCounts) => void,
): Promise<RestoreResult> {
  for (;;) {
    const row = await getRestore(ctx.db, customerId, restoreId);
    if (!row) throw new Error(`restore ${restoreId} disappeared`);
    const counts = { total: row.total, restored: row.restored, skipped: row.skipped, failed: row.failed };
    if (row.status !== 'queued' && row.status !== 'running') {
      return { restoreId: row.id, status: row.status, counts: { ...counts, pending: 0 }, error: row.error };
    }
    onProgress?.({ ...counts, pending: row.total - row.restored - row.skipped - row.failed });
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
