// Backup jobs: one pg-boss job per source (subject × service). `enqueueTenantBackup` registers
// the sources, creates a queued run for each and enqueues it — on-demand runs with a higher
// priority than scheduled ones, one queued job per source (singleton key). With `wait` and no
// running worker (the CLI), the runs execute in this process instead.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { backupRuns, backupSources } from '../../db/schema.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import {
  type BackupService,
  backupServices,
  type RunResult,
  type RunSourceOptions,
  runSourceBackup,
} from './run-source.ts';
import { forEachLimited } from './service-context.ts';
import { openTenantRepository } from './tenant-repository.ts';

export const BACKUP_JOB = 'backup.source';
export const ON_DEMAND_PRIORITY = 10;
export const SCHEDULED_PRIORITY = 0;

export interface BackupSubject {
  kind: 'user' | 'shared_drive';
  /** Google user id or shared drive id. */
  id: string;
  /** The user's primary email (for a shared drive: a member to impersonate). */
  email: string;
}

export interface EnqueueTenantBackupOptions {
  /** Subjects to back up; default: every source already registered for the tenant. */
  subjects?: readonly BackupSubject[];
  /** Services; default: all four (shared drives: drive only). */
  services?: readonly BackupService[];
  trigger: 'scheduled' | 'on_demand';
  /** Resolve only when every run ended (in-process when no worker runs here). */
  wait?: boolean;
  /** Passed to in-process runs (tests inject the Google client and hooks). */
  runOptions?: RunSourceOptions;
  /** In-process runs at once. Default 4. */
  concurrency?: number;
  /** In-process runs: called as each run ends (CLI progress). */
  onRunFinished?(run: EnqueuedRun, result: RunResult): void;
}

export interface EnqueuedRun {
  runId: string;
  sourceId: string;
  subject: BackupSubject;
  service: BackupService;
}

export const backupJobPayload = z.object({ runId: z.uuid() });

/** Declares the backup job; the handler runs the run whose id the job carries. */
export function defineBackupJobs(
  jobs: JobQueue,
  ctx: () => AppContext,
  options: () => RunSourceOptions = () => ({}),
): void {
  jobs.define(
    BACKUP_JOB,
    async (payload, job) => {
      await runSourceBackup(ctx(), payload.runId, { ...options(), signal: job.signal });
    },
    // A run records its own failure and the next run resumes: pg-boss retries only crashes.
    { payload: backupJobPayload, retryLimit: 2, expireInSeconds: 6 * 3600, concurrency: 4 },
  );
}

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

export async function enqueueTenantBackup(
  ctx: AppContext,
  customerId: string,
  options: EnqueueTenantBackupOptions,
): Promise<{ runs: EnqueuedRun[]; results?: RunResult[] }> {
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
  const inProcess = options.wait === true && !ctx.jobs.started;
  if (inProcess) {
    const results: RunResult[] = [];
    // One open repository (one lock, one worker pool) for every run of this call.
    const repository =
      options.runOptions?.repository ?? (runs.length > 0 ? await openTenantRepository(ctx, customerId) : undefined);
    try {
      await forEachLimited(runs, options.concurrency ?? 4, async (run) => {
        const result = await runSourceBackup(ctx, run.runId, {
          ...options.runOptions,
          ...(repository ? { repository } : {}),
        });
        results.push(result);
        options.onRunFinished?.(run, result);
      });
    } finally {
      if (repository && !options.runOptions?.repository) await repository.close();
    }
    return { runs, results };
  }
  for (const run of runs) {
    await ctx.jobs.enqueue(
      BACKUP_JOB,
      { runId: run.runId },
      {
        priority: options.trigger === 'on_demand' ? ON_DEMAND_PRIORITY : SCHEDULED_PRIORITY,
        singletonKey: `${run.sourceId}:${run.runId}`,
      },
    );
  }
  if (!options.wait) return { runs };
  const ids = runs.map((run) => run.runId);
  for (;;) {
    const rows = await ctx.db
      .select({ id: backupRuns.id, sourceId: backupRuns.sourceId, status: backupRuns.status, error: backupRuns.error })
      .from(backupRuns)
      .where(inArray(backupRuns.id, ids));
    if (rows.every((row) => row.status !== 'queued' && row.status !== 'running')) {
      return {
        runs,
        results: rows.map((row) => ({ runId: row.id, sourceId: row.sourceId, status: row.status, error: row.error })),
      };
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}
