// The customer Dashboard's read model: protection coverage (licensed users with a successful
// backup of every service / licensed users), the 24-hour success rate, runs in progress, the
// failures that need attention (each source whose latest finished run failed or skipped items,
// with the reasons), and the last backup per user and service, paged over the directory so a
// 10,000-user domain is never loaded whole.

import { and, asc, count, desc, eq, gt, gte, inArray, isNotNull, notExists, or, sql } from 'drizzle-orm';
import { alias } from 'drizzle-orm/pg-core';
import type { AppContext } from '../../context.ts';
import {
  backedUpUserGoogleIds,
  countUsersToBackUp,
  directoryUsersPage,
  usersToBackUpAmong,
} from '../customers/index.ts';
import { getCustomerBackupWindow } from '../tenancy/index.ts';
import { type BackupService, backupServices, type RunStatus } from './backup-types.ts';
import { nextSlotAt } from './backup-window.ts';
import { itemAdvice } from './item-advice.ts';
import { backupRunErrors, backupRuns, backupSources } from './tables.ts';

const dayMs = 24 * 3600_000;
/** How far back the summary looks at runs (failures, runs in progress). */
const windowDays = 7;
/** Reasons shown per failed run on the dashboard (the run's page lists them all). */
const reasonsPerFailure = 5;

export interface DashboardFailure {
  runId: string;
  subjectEmail: string;
  service: BackupService;
  status: 'failed' | 'partial';
  finishedAt: string | null;
  /** The run-level cause (e.g. authorisation lost), or null when only items failed. */
  error: string | null;
  failedItems: number;
  skippedItems: number;
  /** Up to five item problems, each with what to do about it (item-advice.ts). */
  reasons: { item: string; reason: string; advice: string }[];
}

export interface BackupSummary {
  coverage: {
    /** Users the engine backs up: Standard license, not suspended, not deleted (Archived users are not backed up). */
    licensed: number;
    /** Of those, the users with a successful backup of every service. */
    protected: number;
    /** protected / licensed; null when nobody is licensed. */
    ratio: number | null;
  };
  /** Runs finished in the last 24 hours, by outcome. */
  last24h: { success: number; partial: number; failed: number; successRate: number | null };
  inProgress: { queued: number; running: number };
  lastSuccessAt: string | null;
  /**
   * Sources whose latest finished run (queued in the last 7 days) failed or was partial: the
   * newest `limit`, and how many there are.
   */
  failures: { total: number; items: DashboardFailure[] };
}

export async function getBackupSummary(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  customerId: string,
  options: { failureLimit?: number } = {},
): Promise<BackupSummary> {
  const db = ctx.db;
  // Users (of those backed up, which customers decides) with a successful backup of every
  // service: each user's sources grouped, kept to the backed-up users by customers' subquery.
  const succeeded = db
    .select({ subjectId: backupSources.subjectId })
    .from(backupSources)
    .where(
      and(
        eq(backupSources.customerId, customerId),
        eq(backupSources.subjectKind, 'user'),
        isNotNull(backupSources.lastSuccessAt),
        inArray(backupSources.subjectId, backedUpUserGoogleIds(customerId)),
      ),
    )
    .groupBy(backupSources.subjectId)
    .having(sql`count(*) >= ${backupServices.length}`)
    .as('succeeded');
  const [coverage] = await db.select({ protected: count() }).from(succeeded);
  const licensed = await countUsersToBackUp(db, customerId);
  const protectedUsers = Number(coverage?.protected ?? 0);

  const now = ctx.clock.now().getTime();
  const since = new Date(now - dayMs);
  // Runs older than this are not looked at (an index range on (customer_id, queued_at)), so the
  // summary does not slow down as history grows: daily backups make any older failure stale.
  const window = new Date(now - windowDays * dayMs);
  const recentRuns = and(eq(backupRuns.customerId, customerId), gte(backupRuns.queuedAt, window));
  const byStatus = await db
    .select({ status: backupRuns.status, n: count() })
    .from(backupRuns)
    .where(
      and(
        recentRuns,
        or(
          inArray(backupRuns.status, ['queued', 'running']),
          and(inArray(backupRuns.status, ['success', 'partial', 'failed']), sql`${backupRuns.finishedAt} >= ${since}`),
        ),
      ),
    )
    .groupBy(backupRuns.status);
  const countOf = (status: RunStatus) => Number(byStatus.find((row) => row.status === status)?.n ?? 0);
  const finished = countOf('success') + countOf('partial') + countOf('failed');

  const [last] = await db
    .select({ at: sql<string | null>`max(${backupSources.lastSuccessAt})` })
    .from(backupSources)
    .where(eq(backupSources.customerId, customerId));

  // Failed or partial runs with no later finished run of their source: what still needs attention.
  const later = alias(backupRuns, 'later');
  const failing = and(
    recentRuns,
    inArray(backupRuns.status, ['failed', 'partial']),
    notExists(
      db
        .select({ one: sql`1` })
        .from(later)
        .where(
          and(
            eq(later.sourceId, backupRuns.sourceId),
            inArray(later.status, ['success', 'partial', 'failed']),
            gt(later.queuedAt, backupRuns.queuedAt),
          ),
        ),
    ),
  );
  const [failureCount] = await db.select({ n: count() }).from(backupRuns).where(failing);
  const failedRuns = await db
    .select({
      runId: backupRuns.id,
      run: backupRuns,
      email: backupSources.subjectEmail,
      service: backupSources.service,
    })
    .from(backupRuns)
    .innerJoin(backupSources, eq(backupSources.id, backupRuns.sourceId))
    .where(failing)
    .orderBy(sql`${backupRuns.finishedAt} desc nulls last`, asc(backupSources.subjectEmail))
    .limit(options.failureLimit ?? 20);
  const reasons =
    failedRuns.length === 0
      ? []
      : await db
          .select({
            runId: backupRunErrors.runId,
            item: backupRunErrors.itemKey,
            reason: backupRunErrors.reason,
            rank: sql<number>`row_number() over (partition by ${backupRunErrors.runId} order by ${backupRunErrors.id})`,
          })
          .from(backupRunErrors)
          .where(
            inArray(
              backupRunErrors.runId,
              failedRuns.map((row) => row.runId),
            ),
          );

  return {
    coverage: { licensed, protected: protectedUsers, ratio: licensed === 0 ? null : protectedUsers / licensed },
    last24h: {
      success: countOf('success'),
      partial: countOf('partial'),
      failed: countOf('failed'),
      successRate: finished === 0 ? null : countOf('success') / finished,
    },
    inProgress: { queued: countOf('queued'), running: countOf('running') },
    lastSuccessAt: last?.at ? new Date(last.at).toISOString() : null,
    failures: {
      total: Number(failureCount?.n ?? 0),
      items: failedRuns.map(({ run, email, service }) => ({
        runId: run.id,
        subjectEmail: email,
        service,
        status: run.status as 'failed' | 'partial',
        finishedAt: run.finishedAt?.toISOString() ?? null,
        error: run.error,
        failedItems: run.failed,
        skippedItems: run.skipped,
        reasons: reasons
          .filter((row) => row.runId === run.id && Number(row.rank) <= reasonsPerFailure)
          .map(({ item, reason }) => ({ item, reason, advice: itemAdvice(reason) })),
      })),
    },
  };
}

/** A source's newest run, as the Users page, the Dashboard and the Shared drives page show it. */
export interface LastRun {
  status: RunStatus;
  queuedAt: string;
  finishedAt: string | null;
  error: string | null;
}

export interface UserServiceBackup {
  /** When the service was last backed up successfully; null: not backed up yet. */
  lastSuccessAt: string | null;
  lastRun: LastRun | null;
  /** Items and their bytes at the latest backup point (0 when there is none). */
  items: number;
  bytes: number;
}

export interface UserBackupRow {
  userId: string;
  email: string;
  name: string;
  license: 'standard' | 'archived' | 'none';
  services: Record<BackupService, UserServiceBackup>;
  /** Protected: the services' items and bytes at their latest backup points, summed. */
  items: number;
  bytes: number;
  /** When the user's slot in the daily backup window next opens; null: not backed up on schedule. */
  nextBackupAt: string | null;
}

export interface UserBackupsQuery {
  q?: string | undefined;
  /** licensed (default): users holding a license; all: every directory user. */
  users?: 'licensed' | 'all' | undefined;
  limit: number;
  offset: number;
}

/**
 * Items and bytes of each source at its latest backup point (its newest committed run), for
 * some sources: one read of one run per source through the source index, whatever the
 * number of items (the run recorded both figures when it ended).
 */
export async function latestPointFigures(
  ctx: Pick<AppContext, 'db'>,
  sourceIds: readonly string[],
): Promise<Map<string, { items: number; bytes: number }>> {
  if (sourceIds.length === 0) return new Map();
  const rows = await ctx.db
    .selectDistinctOn([backupRuns.sourceId], {
      sourceId: backupRuns.sourceId,
      items: backupRuns.items,
      bytes: backupRuns.storedBytes,
    })
    .from(backupRuns)
    .where(and(inArray(backupRuns.sourceId, [...sourceIds]), inArray(backupRuns.status, ['success', 'partial'])))
    .orderBy(backupRuns.sourceId, desc(backupRuns.queuedAt), desc(backupRuns.id));
  return new Map(rows.map((row) => [row.sourceId, { items: row.items, bytes: Number(row.bytes) }]));
}

/** The newest run of each of some sources (one read through the source index), by source id. */
export async function lastRunsBySource(
  ctx: Pick<AppContext, 'db'>,
  sourceIds: readonly string[],
): Promise<Map<string, LastRun>> {
  if (sourceIds.length === 0) return new Map();
  const rows = await ctx.db
    .selectDistinctOn([backupRuns.sourceId], {
      sourceId: backupRuns.sourceId,
      status: backupRuns.status,
      queuedAt: backupRuns.queuedAt,
      finishedAt: backupRuns.finishedAt,
      error: backupRuns.error,
    })
    .from(backupRuns)
    .where(inArray(backupRuns.sourceId, [...sourceIds]))
    .orderBy(backupRuns.sourceId, desc(backupRuns.queuedAt), desc(backupRuns.id));
  return new Map(
    rows.map((run) => [
      run.sourceId,
      {
        status: run.status,
        queuedAt: run.queuedAt.toISOString(),
        finishedAt: run.finishedAt?.toISOString() ?? null,
        error: run.error,
      },
    ]),
  );
}

/** The last backup of each service for one page of the directory's users, ordered by email. */
export async function listUserBackups(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  customerId: string,
  query: UserBackupsQuery,
): Promise<{ users: UserBackupRow[]; total: number; limit: number; offset: number }> {
  const db = ctx.db;
  const { rows: page, total } = await directoryUsersPage(db, customerId, query);
  const googleIds = page.map((user) => user.googleId);
  const sources =
    googleIds.length === 0
      ? []
      : await db
          .select()
          .from(backupSources)
          .where(
            and(
              eq(backupSources.customerId, customerId),
              eq(backupSources.subjectKind, 'user'),
              inArray(backupSources.subjectId, googleIds),
            ),
          );
  const runBySource = await lastRunsBySource(
    ctx,
    sources.map((source) => source.id),
  );
  const pointBySource = await latestPointFigures(
    ctx,
    sources.map((source) => source.id),
  );
  const sourceOf = new Map(sources.map((source) => [`${source.subjectId}/${source.service}`, source]));
  const nextBackupAt = await nextBackups(ctx, customerId, googleIds);
  return {
    total,
    limit: query.limit,
    offset: query.offset,
    users: page.map((user) => {
      const services = {} as Record<BackupService, UserServiceBackup>;
      for (const service of backupServices) {
        const source = sourceOf.get(`${user.googleId}/${service}`);
        const run = source ? runBySource.get(source.id) : undefined;
        const point = source ? pointBySource.get(source.id) : undefined;
        services[service] = {
          items: point?.items ?? 0,
          bytes: point?.bytes ?? 0,
          lastSuccessAt: source?.lastSuccessAt?.toISOString() ?? null,
          lastRun: run ?? null,
        };
      }
      return {
        userId: user.id,
        email: user.primaryEmail,
        name: user.fullName,
        license: user.license ?? 'none',
        services,
        items: backupServices.reduce((sum, service) => sum + services[service].items, 0),
        bytes: backupServices.reduce((sum, service) => sum + services[service].bytes, 0),
        nextBackupAt: nextBackupAt(user.googleId),
      };
    }),
  };
}

/** When each user's next scheduled backup starts (their slot in the window), null if they have none. */
async function nextBackups(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  customerId: string,
  googleIds: readonly string[],
): Promise<(googleId: string) => string | null> {
  const window = await getCustomerBackupWindow(ctx.db, customerId);
  const scheduled = new Set((await usersToBackUpAmong(ctx.db, customerId, googleIds)).map((user) => user.googleId));
  const now = ctx.clock.now();
  return (googleId) => (window && scheduled.has(googleId) ? nextSlotAt(googleId, window, now).toISOString() : null);
}
