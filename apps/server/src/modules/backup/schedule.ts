// Daily scheduled backups (DESIGN.md §5 "Scheduling"). A pg-boss cron job (`backup.schedule`,
// every 15 minutes) looks at every tenant in trial or active with its Google authorisation
// intact and queues a `scheduled` run for each licensed user × service (and each known shared
// drive) that is due: no run queued in the last `dueAfterHours`, and the subject's slot in the
// tenant's daily backup window (hours in the tenant's time zone, backup-window.ts) has come.
// Slots spread the users and shared drives across the window by a hash of their id, so a
// tenant's load does not all land at the window's start and a user's backups start at the same
// time every day. On-demand runs (Back up now, the API, the CLI) do not pass through here.
// Fair share: the installation keeps at most `queueBudget` scheduled runs queued or running,
// handed out between the tenants by size with a minimum each (allocateFairShare), so one huge
// domain cannot fill the queue ahead of everyone else; on-demand runs keep their higher priority.
// A tenant whose Cloud project spent an API's daily threshold waits: its sources of that API are
// not due until Google's quota day resets at midnight Pacific (docs/deployment.md).
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import {
  authorizedCustomerIds,
  projectQuotaWaits,
  type SpentProjectQuota,
  serviceApi,
  usersToBackUp,
} from '../customers/index.ts';
import { getCustomerBackupWindow, inServiceBackupWindows, setCustomerBackupWindow } from '../tenancy/index.ts';
import { backupServices, type EnqueuedRun } from './backup-types.ts';
import {
  canonicalTimeZone,
  currentWindow,
  slotAt,
  timeZoneSchema,
  type WindowOccurrence,
  type ZonedWindow,
} from './backup-window.ts';
import { NOTIFY_JOB, notifyCron } from './failure-notices.ts';
import { MAINTENANCE_JOB, maintenanceCron } from './maintenance.ts';
import { ensureSources } from './queue-runs.ts';
import { unprotectedSharedDrives } from './shared-drives.ts';
import { sweepStaleRuns } from './stale-runs.ts';
import { startBackup } from './start-backup.ts';
import { backupRuns, backupSources } from './tables.ts';

export const SCHEDULE_JOB = 'backup.schedule';
/** Every 15 minutes (at :07, :22, :37, :52, off the busy quarter hours). */
export const scheduleCron = '7,22,37,52 * * * *';

const HOUR_MS = 3_600_000;

export interface ScheduleOptions {
  /**
   * Scheduled runs queued or running at once, installation-wide (the queue's depth; workers take
   * them in order). Default 200. Shared between the tenants in their window by size (below).
   */
  queueBudget?: number;
  /** Slots every tenant with due sources gets before the shares by size. Default 2. */
  minPerTenant?: number;
  /** Scheduled runs one tenant may have queued or running at once, whatever its size. Default: no cap. */
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
  /** Left out: the tenant's time zone stays as it is. */
  timeZone: timeZoneSchema.optional(),
});
export type BackupWindow = ZonedWindow;
export const defaultBackupWindow: BackupWindow = { startHour: 1, hours: 6, timeZone: 'UTC' };

/** Sets a tenant's daily backup window (hours in its time zone; the zone too when given). */
export async function setBackupWindow(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  window: z.input<typeof backupWindowSchema>,
): Promise<void> {
  const { timeZone, ...hours } = backupWindowSchema.parse(window);
  await setCustomerBackupWindow(ctx.db, customerId, {
    ...hours,
    ...(timeZone === undefined ? {} : { timeZone: canonicalTimeZone(timeZone) }),
  });
}

/** A tenant's daily backup window (hours in its time zone), null for an unknown tenant. */
export async function getBackupWindow(ctx: Pick<AppContext, 'db'>, customerId: string): Promise<BackupWindow | null> {
  return getCustomerBackupWindow(ctx.db, customerId);
}

export interface ScheduleReport {
  tenants: number;
  runs: EnqueuedRun[];
  /** Tenants in their window whose project spent a daily threshold: those APIs' runs wait. */
  deferred: Array<{ customerId: string; waits: SpentProjectQuota[] }>;
}

type Candidate = { id: string; subject: EnqueuedRun['subject']; service: EnqueuedRun['service'] };

export interface TenantDemand {
  customerId: string;
  /** Sources the tenant has (licensed users × services, shared drives): its weight. */
  size: number;
  /** Its scheduled runs queued or running now. */
  inFlight: number;
  /** Due sources, longest-waiting first. */
  due: Candidate[];
  /** Slots given this tick. */
  given: number;
}

/** Queues the scheduled runs that are due now (what the `backup.schedule` job does). */
export async function scheduleDueBackups(ctx: AppContext, options: ScheduleOptions = {}): Promise<ScheduleReport> {
  const budget = options.queueBudget ?? 200;
  const minPerTenant = options.minPerTenant ?? 2;
  const cap = options.perTenantCap ?? Number.POSITIVE_INFINITY;
  const dueAfterMs = (options.dueAfterHours ?? 20) * HOUR_MS;
  const now = ctx.clock.now();
  const tenants = await inServiceBackupWindows(ctx.db, authorizedCustomerIds());
  const report: ScheduleReport = { tenants: 0, runs: [], deferred: [] };
  const demands: TenantDemand[] = [];
  const open = tenants
    .map((tenant) => ({
      tenant,
      window: { startHour: tenant.startHour, hours: tenant.hours, timeZone: tenant.timeZone },
    }))
    .map((entry) => ({ ...entry, occurrence: currentWindow(now, entry.window) }));
  const waits = await projectQuotaWaits(
    ctx,
    open.filter((entry) => entry.occurrence !== null).map((entry) => entry.tenant.id),
  );
  for (const { tenant, window, occurrence } of open) {
    if (occurrence === null) continue;
    report.tenants += 1;
    const waiting = waits.get(tenant.id) ?? [];
    if (waiting.length > 0) report.deferred.push({ customerId: tenant.id, waits: waiting });
    const spentApis = new Set(waiting.map((wait) => wait.api));
    demands.push(await tenantDemand(ctx, tenant.id, window, occurrence, now, dueAfterMs, spentApis));
  }
  if (report.deferred.length > 0) {
    ctx.logger.info(
      {
        tenants: report.deferred.length,
        projects: [...new Set(report.deferred.flatMap((entry) => entry.waits.map((wait) => wait.project)))],
      },
      'scheduled backups wait: their Cloud project spent a daily quota (resets at midnight Pacific)',
    );
  }
  const [{ inFlight } = { inFlight: 0 }] = await ctx.db
    .select({ inFlight: sql<number>`count(*)::int` })
    .from(backupRuns)
    .where(and(eq(backupRuns.trigger, 'scheduled'), inArray(backupRuns.status, ['queued', 'running'])));
  allocateFairShare(demands, budget - inFlight, minPerTenant, cap);
  for (const demand of demands) {
    if (demand.given === 0) continue;
    report.runs.push(...(await queueScheduled(ctx, demand.customerId, demand.due.slice(0, demand.given))));
  }
  if (report.runs.length > 0) {
    ctx.logger.info({ tenants: report.tenants, runs: report.runs.length }, 'scheduled backup runs queued');
  }
  return report;
}

/**
 * Fair share (DESIGN.md §5): the free room of the queue is handed out one slot at a time, first
 * so that every tenant with due sources has `minPerTenant` runs in flight, then to the tenant
 * with the fewest runs in flight for its size (runs / sources). A tenant's share of the queue is
 * thus proportional to its size — a large domain has more to do in its window — but it can never
 * take the room a small tenant needs: as soon as the small tenant's runs end, it is the most
 * under-served and gets the next free slots. Mutates `given`.
 */
export function allocateFairShare(demands: TenantDemand[], room: number, minPerTenant: number, cap: number): void {
  let free = room;
  const load = (demand: TenantDemand) => demand.inFlight + demand.given;
  const wants = (demand: TenantDemand) => demand.given < demand.due.length && load(demand) < cap;
  while (free > 0) {
    let best: TenantDemand | undefined;
    for (const demand of demands) {
      if (!wants(demand)) continue;
      if (!best) {
        best = demand;
        continue;
      }
      const belowMin = load(demand) < minPerTenant;
      const bestBelowMin = load(best) < minPerTenant;
      if (belowMin !== bestBelowMin) {
        if (belowMin) best = demand;
        continue;
      }
      const a = belowMin ? load(demand) : load(demand) / Math.max(1, demand.size);
      const b = bestBelowMin ? load(best) : load(best) / Math.max(1, best.size);
      if (a < b) best = demand;
    }
    if (!best) break;
    best.given += 1;
    free -= 1;
  }
}

async function tenantDemand(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  window: BackupWindow,
  occurrence: WindowOccurrence,
  now: Date,
  dueAfterMs: number,
  spentApis: ReadonlySet<string> = new Set(),
): Promise<TenantDemand> {
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
  // Licensed users get their sources registered here; shared drives already known stay in.
  const users = await usersToBackUp(ctx.db, customerId);
  const userSources = await ensureSources(
    ctx,
    customerId,
    users.map((user) => ({ kind: 'user' as const, id: user.googleId, email: user.email })),
    backupServices,
  );
  const unprotected = await unprotectedSharedDrives(ctx.db, customerId);
  const driveSources = (
    await ctx.db
      .select()
      .from(backupSources)
      .where(and(eq(backupSources.customerId, customerId), eq(backupSources.subjectKind, 'shared_drive')))
  ).filter((row) => !unprotected.has(row.subjectId));
  const all: Candidate[] = [
    ...userSources,
    ...driveSources.map((row) => ({
      id: row.id,
      subject: { kind: row.subjectKind, id: row.subjectId, email: row.subjectEmail },
      service: row.service,
    })),
  ];
  const demand: TenantDemand = { customerId, size: all.length, inFlight, due: [], given: 0 };
  // A user's four services share the user's slot; a shared drive has its own.
  // Sources of an API the tenant's project spent today wait for the quota day's reset.
  const candidates = all.filter(
    (source) => !spentApis.has(serviceApi[source.service]) && slotAt(source.subject.id, window, occurrence.day) <= now,
  );
  if (candidates.length === 0) return demand;
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
  demand.due = candidates
    .map((source) => {
      const last = bySource.get(source.id);
      return { source, last: last ? new Date(last.lastQueuedAt).getTime() : 0, open: last?.open ?? 0 };
    })
    .filter((entry) => entry.open === 0 && now.getTime() - entry.last >= dueAfterMs)
    // Longest-waiting first (never-run sources before all others), then a stable order.
    .sort((a, b) => a.last - b.last || a.source.id.localeCompare(b.source.id))
    .map((entry) => entry.source);
  return demand;
}

/** The tick's due sources of one tenant, queued (and audited) through the one backup use case. */
function queueScheduled(ctx: AppContext, customerId: string, sources: readonly Candidate[]): Promise<EnqueuedRun[]> {
  return startBackup(ctx, {
    customerId,
    scope: { kind: 'sources', sources },
    by: { actor: { kind: 'system' }, audit: { actor: { kind: 'system', label: 'scheduler' } } },
    trigger: 'scheduled',
    reason: 'due in the daily backup window',
  });
}

/** Declares the `backup.schedule` job (the cron tick). */
export function defineScheduleJob(jobs: JobQueue, ctx: () => AppContext, options: ScheduleOptions = {}): void {
  jobs.define(
    SCHEDULE_JOB,
    async () => {
      // Runs nobody will finish first: they block their sources (stale-runs.ts).
      await sweepStaleRuns(ctx());
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
