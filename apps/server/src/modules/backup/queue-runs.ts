// The queue side of backups, free of the Google client: register sources, create queued runs
// and enqueue one pg-boss job per run (on-demand before scheduled).
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { backupRuns, backupSources } from '../../db/schema.ts';
import {
  BACKUP_JOB,
  type BackupService,
  type BackupSubject,
  backupServices,
  type EnqueuedRun,
  ON_DEMAND_PRIORITY,
  SCHEDULED_PRIORITY,
} from './backup-types.ts';

/** Upserts the source rows of `subjects × services` and returns them. */
export async function ensureSources(
  ctx: AppContext,
  customerId: string,
  subjects: readonly BackupSubject[],
  services: readonly BackupService[],
): Promise<Array<{ id: string; subject: BackupSubject; service: BackupService }>> {
  const out: Array<{ id: string; subject: BackupSubject; service: BackupService }> = [];
  for (const subject of subjects) {
    for (const service of services) {
      if (subject.kind === 'shared_drive' && service !== 'drive') continue;
      const [row] = await ctx.db
        .insert(backupSources)
        .values({
          id: randomUUID(),
          customerId,
          subjectKind: subject.kind,
          subjectId: subject.id,
          subjectEmail: subject.email,
          service,
        })
        .onConflictDoUpdate({
          target: [backupSources.customerId, backupSources.subjectKind, backupSources.subjectId, backupSources.service],
          set: { subjectEmail: subject.email },
        })
        .returning({ id: backupSources.id });
      if (row) out.push({ id: row.id, subject, service });
    }
  }
  return out;
}

/** Creates a queued run per source of `subjects × services` (default: every registered source). */
export async function createQueuedRuns(
  ctx: AppContext,
  customerId: string,
  options: {
    subjects?: readonly BackupSubject[];
    services?: readonly BackupService[];
    trigger: 'scheduled' | 'on_demand';
  },
): Promise<EnqueuedRun[]> {
  const services = options.services && options.services.length > 0 ? options.services : backupServices;
  let sources: Array<{ id: string; subject: BackupSubject; service: BackupService }>;
  if (options.subjects) {
    sources = await ensureSources(ctx, customerId, options.subjects, services);
  } else {
    const rows = await ctx.db
      .select()
      .from(backupSources)
      .where(and(eq(backupSources.customerId, customerId), inArray(backupSources.service, [...services])));
    sources = rows.map((row) => ({
      id: row.id,
      subject: { kind: row.subjectKind, id: row.subjectId, email: row.subjectEmail },
      service: row.service,
    }));
  }
  const now = ctx.clock.now();
  const runs: EnqueuedRun[] = [];
  for (const source of sources) {
    const runId = randomUUID();
    await ctx.db.insert(backupRuns).values({
      id: runId,
      customerId,
      sourceId: source.id,
      trigger: options.trigger,
      status: 'queued',
      queuedAt: now,
    });
    runs.push({ runId, sourceId: source.id, subject: source.subject, service: source.service });
  }
  return runs;
}

/** One job per run; on-demand runs jump the queue. */
export async function enqueueRuns(
  ctx: AppContext,
  runs: readonly EnqueuedRun[],
  trigger: 'scheduled' | 'on_demand',
): Promise<void> {
  for (const run of runs) await enqueueRunJob(ctx, run.runId, trigger);
}

/**
 * Queues the job that runs `runId` and records its id on the run, so the stale-run sweep can
 * tell a run waiting for its job from one whose job is gone (stale-runs.ts).
 */
export async function enqueueRunJob(
  ctx: AppContext,
  runId: string,
  trigger: 'scheduled' | 'on_demand',
  startAfter?: Date,
): Promise<void> {
  const jobId = await ctx.jobs.enqueue(
    BACKUP_JOB,
    { runId },
    {
      priority: trigger === 'on_demand' ? ON_DEMAND_PRIORITY : SCHEDULED_PRIORITY,
      ...(startAfter ? { startAfter } : {}),
    },
  );
  if (jobId) await ctx.db.update(backupRuns).set({ jobId }).where(eq(backupRuns.id, runId));
}
