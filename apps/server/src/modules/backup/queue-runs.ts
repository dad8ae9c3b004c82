// The queue side of backups, free of the Google client: register sources, create queued runs,
// each with its pg-boss job in the same transaction (on-demand before scheduled).
import { randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import {
  BACKUP_JOB,
  type BackupService,
  type BackupSubject,
  backupServices,
  type EnqueuedRun,
  ON_DEMAND_PRIORITY,
  SCHEDULED_PRIORITY,
} from './backup-types.ts';
import { backupRuns, backupSources } from './tables.ts';

/** What queuing needs of the context (the start-backup use case passes no more). */
export type QueueDeps = Pick<AppContext, 'db' | 'clock' | 'jobs'>;

/** Source rows upserted per statement (6 parameters each, well under PostgreSQL's 65,535). */
const SOURCES_PER_STATEMENT = 1000;

/**
 * Upserts the source rows of `subjects × services` and returns them, in that order: one
 * statement per SOURCES_PER_STATEMENT sources (a backup of every user queued one per source).
 * A subject listed twice gets one row, with the email listed last.
 */
export async function ensureSources(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  subjects: readonly BackupSubject[],
  services: readonly BackupService[],
): Promise<Array<{ id: string; subject: BackupSubject; service: BackupService }>> {
  const wanted: Array<{ key: string; subject: BackupSubject; service: BackupService }> = [];
  for (const subject of subjects) {
    for (const service of services) {
      if (subject.kind === 'shared_drive' && service !== 'drive') continue;
      wanted.push({ key: sourceKey(subject.kind, subject.id, service), subject, service });
    }
  }
  // One row per key (a statement may not upsert the same row twice), the last email winning.
  const rows = new Map(
    wanted.map(({ key, subject, service }) => [
      key,
      {
        id: randomUUID(),
        customerId,
        subjectKind: subject.kind,
        subjectId: subject.id,
        subjectEmail: subject.email,
        service,
      },
    ]),
  );
  const ids = new Map<string, string>();
  // In one order whatever the caller's (its subjects' and services' order): a statement locks
  // its rows in the order of its VALUES, and two callers locking the same rows in opposite
  // orders (an on-demand backup beside a scheduler tick) could deadlock.
  const unique = [...rows.entries()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0)).map(([, row]) => row);
  for (let i = 0; i < unique.length; i += SOURCES_PER_STATEMENT) {
    const upserted = await ctx.db
      .insert(backupSources)
      .values(unique.slice(i, i + SOURCES_PER_STATEMENT))
      .onConflictDoUpdate({
        target: [backupSources.customerId, backupSources.subjectKind, backupSources.subjectId, backupSources.service],
        set: { subjectEmail: sql.raw(`excluded.${backupSources.subjectEmail.name}`) },
      })
      .returning({
        id: backupSources.id,
        subjectKind: backupSources.subjectKind,
        subjectId: backupSources.subjectId,
        service: backupSources.service,
      });
    for (const row of upserted) ids.set(sourceKey(row.subjectKind, row.subjectId, row.service), row.id);
  }
  return wanted.flatMap(({ key, subject, service }) => {
    const id = ids.get(key);
    return id ? [{ id, subject, service }] : [];
  });
}

const sourceKey = (kind: string, subjectId: string, service: string) => JSON.stringify([kind, subjectId, service]);

/**
 * Records a queued run and, with `enqueue`, the job that runs it, in one transaction: a crash
 * leaves both or neither (a run left without its job would wait for the stale-run sweep).
 * Without `enqueue` the caller runs it in its own process (runQueuedInProcess).
 */
export async function insertQueuedRun(
  ctx: QueueDeps,
  run: { id: string; customerId: string; sourceId: string; trigger: 'scheduled' | 'on_demand'; queuedAt: Date },
  enqueue: boolean,
): Promise<void> {
  const row = { ...run, status: 'queued' as const };
  if (!enqueue) {
    await ctx.db.insert(backupRuns).values(row);
    return;
  }
  await ctx.db.transaction(async (tx) => {
    // The job first, so the run row carries its id; neither is visible before the commit.
    const jobId = await ctx.jobs.enqueue(
      BACKUP_JOB,
      { runId: run.id },
      { priority: jobPriority(run.trigger), transaction: tx },
    );
    await tx.insert(backupRuns).values({ ...row, jobId });
  });
}

const jobPriority = (trigger: 'scheduled' | 'on_demand') =>
  trigger === 'on_demand' ? ON_DEMAND_PRIORITY : SCHEDULED_PRIORITY;

/**
 * Creates a queued run per source of `subjects × services` (default: every registered source),
 * each with its job when `enqueue` (see insertQueuedRun).
 */
export async function createQueuedRuns(
  ctx: QueueDeps,
  customerId: string,
  options: {
    subjects?: readonly BackupSubject[];
    services?: readonly BackupService[];
    trigger: 'scheduled' | 'on_demand';
    enqueue: boolean;
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
    await insertQueuedRun(
      ctx,
      { id: runId, customerId, sourceId: source.id, trigger: options.trigger, queuedAt: now },
      options.enqueue,
    );
    runs.push({ runId, sourceId: source.id, subject: source.subject, service: source.service });
  }
  return runs;
}

/**
 * Queues the job that runs an existing run (again: a lost job, a busy source) and records its
 * id on the run, so the stale-run sweep can tell a run waiting for its job from one whose job
 * is gone (stale-runs.ts).
 */
export async function enqueueRunJob(
  ctx: Pick<AppContext, 'db' | 'jobs'>,
  runId: string,
  trigger: 'scheduled' | 'on_demand',
  startAfter?: Date,
): Promise<void> {
  const jobId = await ctx.jobs.enqueue(
    BACKUP_JOB,
    { runId },
    { priority: jobPriority(trigger), ...(startAfter ? { startAfter } : {}) },
  );
  if (jobId) await ctx.db.update(backupRuns).set({ jobId }).where(eq(backupRuns.id, runId));
}
