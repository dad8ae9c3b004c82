// Daily scheduled backups (DESIGN.md §5 "Scheduling"). A pg-boss cron job (`backup.schedule`,
// every 15 minutes) looks at every tenant in trial or active with its Google authorisation
// intact and queues a `scheduled` run for each licensed user × service (and each known shared
// drive) that is due: no run queued in the last `dueAfterHours`, and the source's slot in the
// tenant's daily backup window has come. Slots spread the sources across the window by a hash
// of the source id, so a tenant's load does not all land at the window's start. Fair share: a
// tenant never has more than `perTenantCap` scheduled runs queued or running, so one huge
// domain cannot fill the queue ahead of everyone else; on-demand runs keep their higher priority.
import { createHash, randomUUID } from 'node:crypto';
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { backupRuns, backupSources, customerConnections, customers } from '../../db/schema.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { usersToBackUp } from '../customers/overview.ts';
import { backupServices, type EnqueuedRun } from './backup-types.ts';
import { NOTIFY_JOB, notifyCron } from './failure-notices.ts';
import { MAINTENANCE_JOB, maintenanceCron } from './maintenance.ts';
import { enqueueRuns, ensureSources } from './queue-runs.ts';

export const SCHEDULE_JOB = 'backup.schedule';
/** Every 15 minutes (at :07, :22, :37, :52, off the busy quarter hours). */
export const scheduleCron = '7,22,37,52 * * * *';

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;

export interface ScheduleOptions {
  /** Scheduled runs one tenant may have queued or running at once. Default 50. */
  perTenantCap?: number;
  /**
   * A source whose last run was queued less than this many hours ago is not due. Default 20: a
   * bit under a day, so a source's daily slot does not drift later when a run starts late.
   */
  dueAfterHours?: number;
}

export const backupWindowSchema = z.object({
  startHour: z.number().int().min(0).max(23),
  hours: z.number().int().min(1).max(24),
});
export type BackupWindow = z.infer<typeof backupWindowSchema>;
export const defaultBackupWindow: BackupWindow = { startHour: 1, hours: 6 };

/** Sets a tenant's daily backup window (hours in UTC). */
export async function setBackupWindow(ctx: AppContext, customerId: string, window: BackupWindow): Promise<void> {
  const parsed = backupWindowSchema.parse(window);
  await ctx.db
    .update(customers)
    .set({ backupWindowStartHour: parsed.startHour, backupWindowHours: parsed.hours })
    .where(eq(customers.id, customerId));
}

/** Minutes into the window at which a source's slot opens: a stable hash of its id. */
export function slotOffsetMinutes(sourceId: string, window: BackupWindow): number {
  const hash = createHash('sha256').update(sourceId).digest();
  return hash.readUInt32BE(0) % (window.hours * 60);
}

/**
 * How far `now` is into the tenant's current window, in minutes, or null outside it. A window
 * may cross midnight (start 22, 6 hours): the current occurrence may have begun yesterday.
 */
export function minutesIntoWindow(now: Date, window: BackupWindow): number | null {
  const dayStart = Date.UTC(now.getUTCFullYear(), now.getUTCMonth(), now.getUTCDate());
  let start = dayStart + window.startHour * HOUR_MS;
  if (start > now.getTime()) start -= DAY_MS;
  const elapsed = now.getTime() - start;
  return elapsed < window.hours * HOUR_MS ? Math.floor(elapsed / 60_000) : null;
}

export interface ScheduleReport {
  tenants: number;
  runs: EnqueuedRun[];
}

/** Queues the scheduled runs that are due now (what the `backup.schedule` job does). */
export async function scheduleDueBackups(ctx: AppContext, options: ScheduleOptions = {}): Promise<ScheduleReport> {
  const cap = options.perTenantCap ?? 50;
  const dueAfterMs = (options.dueAfterHours ?? 20) * HOUR_MS;
  const now = ctx.clock.now();
  const tenants = await ctx.db
    .select({
      id: customers.id,
      startHour: customers.backupWindowStartHour,
      hours: customers.backupWindowHours,
    })
    .from(customers)
    .innerJoin(customerConnections, eq(customerConnections.customerId, customers.id))
    .where(
      and(inArray(customers.status, ['trial', 'active']), eq(customerConnections.authorizationStatus, 'authorized')),
    )
    .orderBy(customers.id);
  const report: ScheduleReport = { tenants: 0, runs: [] };
  for (const tenant of tenants) {
    const window = { startHour: tenant.startHour, hours: tenant.hours };
    const minutes = minutesIntoWindow(now, window);
    if (minutes === null) continue;
    report.tenants += 1;
    const runs = await scheduleTenant(ctx, tenant.id, window, minutes, now, cap, dueAfterMs);
    report.runs.push(...runs);
  }
  if (report.runs.length > 0) {
    ctx.logger.info({ tenants: report.tenants, runs: report.runs.length }, 'scheduled backup runs queued');
  }
  return report;
}

async function scheduleTenant(
  ctx: AppContext,
  customerId: string,
  window: BackupWindow,
  minutes: number,
  now: Date,
  cap: number,
  dueAfterMs: number,
): Promise<EnqueuedRun[]> {
  const [{ inFlight } = { inFlight: 0 }] = await ctx.db
    .select({ inFlight: sql<number>`count(*)::int` })
    .from(backupRuns)
    .where(
      and(
        eq(backupRuns.customerId, customerId),
        eq(backupRuns.trigger, 'scheduled'),
        inArray(backupRuns.status, ['queued', 'running']),
      ),
    );
  const room = cap - inFlight;
  if (room <= 0) return [];
  // Licensed users get their sources registered here; shared drives already known stay in.
  const users = await usersToBackUp(ctx.db, customerId);
  const userSources = await ensureSources(
    ctx,
    customerId,
    users.map((user) => ({ kind: 'user' as const, id: user.googleId, email: user.email })),
    backupServices,
  );
  const driveSources = await ctx.db
    .select()
    .from(backupSources)
    .where(and(eq(backupSources.customerId, customerId), eq(backupSources.subjectKind, 'shared_drive')));
  const candidates = [
    ...userSources,
    ...driveSources.map((row) => ({
      id: row.id,
      subject: { kind: row.subjectKind, id: row.subjectId, email: row.subjectEmail },
      service: row.service,
    })),
  ].filter((source) => slotOffsetMinutes(source.id, window) <= minutes);
  if (candidates.length === 0) return [];
  // The latest run of each candidate (any trigger, any outcome): queued, running or recent → not due.
  const latest = await ctx.db
    .select({
      sourceId: backupRuns.sourceId,
      lastQueuedAt: sql<string>`max(${backupRuns.queuedAt})`,
      open: sql<number>`count(*) filter (where ${backupRuns.status} in ('queued', 'running'))::int`,
    })
    .from(backupRuns)
    .where(
      inArray(
        backupRuns.sourceId,
        candidates.map((source) => source.id),
      ),
    )
    .groupBy(backupRuns.sourceId);
  const bySource = new Map(latest.map((row) => [row.sourceId, row]));
  const due = candidates
    .map((source) => {
      const last = bySource.get(source.id);
      return { source, last: last ? new Date(last.lastQueuedAt).getTime() : 0, open: last?.open ?? 0 };
    })
    .filter((entry) => entry.open === 0 && now.getTime() - entry.last >= dueAfterMs)
    // Longest-waiting first (never-run sources before all others), then a stable order.
    .sort((a, b) => a.last - b.last || a.source.id.localeCompare(b.source.id))
    .slice(0, room);
  const runs: EnqueuedRun[] = [];
  for (const { source } of due) {
    const runId = randomUUID();
    await ctx.db.insert(backupRuns).values({
      id: runId,
      customerId,
      sourceId: source.id,
      trigger: 'scheduled',
      status: 'queued',
      queuedAt: now,
    });
    runs.push({ runId, sourceId: source.id, subject: source.subject, service: source.service });
  }
  await enqueueRuns(ctx, runs, 'scheduled');
  return runs;
}

/** Declares the `backup.schedule` job (the cron tick). */
export function defineScheduleJob(jobs: JobQueue, ctx: () => AppContext, options: ScheduleOptions = {}): void {
  jobs.define(
    SCHEDULE_JOB,
    async () => {
      await scheduleDueBackups(ctx(), options);
    },
    { payload: z.object({}), retryLimit: 1, expireInSeconds: 600 },
  );
}

/**
 * Puts the backup module's recurring jobs on their cron schedules (done by `start` and `worker`
 * through startWorkers): the schedule tick, the failure digests and the daily maintenance.
 */
export async function scheduleBackupJobs(jobs: JobQueue): Promise<void> {
  await jobs.schedule(SCHEDULE_JOB, scheduleCron);
  await jobs.schedule(NOTIFY_JOB, notifyCron);
  await jobs.schedule(MAINTENANCE_JOB, maintenanceCron);
}
