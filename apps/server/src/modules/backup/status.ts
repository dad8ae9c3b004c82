// Backup status of a tenant for the console and the CLI: per service the last success, the
// 24-hour success rate, items and bytes at the latest backup point; per source the same plus
// its last run; and the paged list of runs.
import { and, desc, eq, gte, inArray, isNull, or, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { type BackupService, backupServices, type RunStatus } from './backup-types.ts';
import { itemAdvice } from './item-advice.ts';
import { backupItemVersions, backupRunErrors, backupRuns, backupSources } from './tables.ts';
import { tenantState } from './tenant-state.ts';

export interface SourceStatus {
  sourceId: string;
  subjectKind: 'user' | 'shared_drive';
  subjectId: string;
  subjectEmail: string;
  service: BackupService;
  lastSuccessAt: string | null;
  lastRun: { id: string; status: RunStatus; finishedAt: string | null; error: string | null } | null;
  items: number;
  bytes: number;
}

export interface ServiceStatus {
  lastSuccessAt: string | null;
  /** Share of runs finished in the last 24 hours that succeeded (null: none finished). */
  successRate24h: number | null;
  /** Runs finished in the last 24 hours that did not succeed (failed or partial). */
  failures24h: number;
  items: number;
  bytes: number;
  sources: number;
}

export interface BackupStatus {
  services: Partial<Record<BackupService, ServiceStatus>>;
  sources: SourceStatus[];
  /** Damage the rolling verify found in the tenant's repository (a tenant condition), or null. */
  repositoryDamage: {
    detectedAt: string;
    packs: string[];
    problems: Array<{ pack: string; blob?: string; problem: string }>;
  } | null;
}

export async function getBackupStatus(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  customerId: string,
): Promise<BackupStatus> {
  const sources = await ctx.db.select().from(backupSources).where(eq(backupSources.customerId, customerId));
  const totals = await ctx.db
    .select({
      sourceId: backupItemVersions.sourceId,
      items: sql<number>`count(*)::int`,
      bytes: sql<number>`coalesce(sum(${backupItemVersions.size}), 0)::bigint`,
    })
    .from(backupItemVersions)
    .where(and(eq(backupItemVersions.customerId, customerId), isNull(backupItemVersions.validTo)))
    .groupBy(backupItemVersions.sourceId);
  const totalBySource = new Map(
    totals.map((row) => [row.sourceId, { items: Number(row.items), bytes: Number(row.bytes) }]),
  );
  const lastRuns = await ctx.db
    .selectDistinctOn([backupRuns.sourceId], {
      sourceId: backupRuns.sourceId,
      id: backupRuns.id,
      status: backupRuns.status,
      finishedAt: backupRuns.finishedAt,
      error: backupRuns.error,
    })
    .from(backupRuns)
    .where(eq(backupRuns.customerId, customerId))
    .orderBy(backupRuns.sourceId, desc(backupRuns.queuedAt));
  const lastRunBySource = new Map(lastRuns.map((row) => [row.sourceId, row]));
  const since = new Date(ctx.clock.now().getTime() - 24 * 3600_000);
  const recent = await ctx.db
    .select({ sourceId: backupRuns.sourceId, status: backupRuns.status })
    .from(backupRuns)
    .where(
      and(
        eq(backupRuns.customerId, customerId),
        gte(backupRuns.finishedAt, since),
        inArray(backupRuns.status, ['success', 'partial', 'failed']),
      ),
    );
  const serviceOf = new Map(sources.map((source) => [source.id, source.service]));
  const services: Partial<Record<BackupService, ServiceStatus>> = {};
  const rate = new Map<BackupService, { ok: number; all: number }>();
  for (const run of recent) {
    const service = serviceOf.get(run.sourceId);
    if (!service) continue;
    const entry = rate.get(service) ?? { ok: 0, all: 0 };
    entry.all += 1;
    if (run.status === 'success') entry.ok += 1;
    rate.set(service, entry);
  }
  const rows: SourceStatus[] = sources.map((source) => {
    const total = totalBySource.get(source.id) ?? { items: 0, bytes: 0 };
    const last = lastRunBySource.get(source.id);
    return {
      sourceId: source.id,
      subjectKind: source.subjectKind,
      subjectId: source.subjectId,
      subjectEmail: source.subjectEmail,
      service: source.service,
      lastSuccessAt: source.lastSuccessAt?.toISOString() ?? null,
      lastRun: last
        ? { id: last.id, status: last.status, finishedAt: last.finishedAt?.toISOString() ?? null, error: last.error }
        : null,
      items: total.items,
      bytes: total.bytes,
    };
  });
  for (const service of backupServices) {
    const of = rows.filter((row) => row.service === service);
    if (of.length === 0) continue;
    const successes = of.map((row) => row.lastSuccessAt).filter((at): at is string => at !== null);
    const counts = rate.get(service);
    services[service] = {
      lastSuccessAt: successes.sort().at(-1) ?? null,
      successRate24h: counts ? counts.ok / counts.all : null,
      failures24h: counts ? counts.all - counts.ok : 0,
      items: of.reduce((sum, row) => sum + row.items, 0),
      bytes: of.reduce((sum, row) => sum + row.bytes, 0),
      sources: of.length,
    };
  }
  rows.sort((a, b) => a.subjectEmail.localeCompare(b.subjectEmail) || a.service.localeCompare(b.service));
  const state = await tenantState(ctx, customerId);
  const damage = state?.damage ?? [];
  const repositoryDamage =
    damage.length > 0
      ? {
          detectedAt: (state?.damageDetectedAt ?? ctx.clock.now()).toISOString(),
          packs: [...new Set(damage.map((entry) => entry.pack))],
          problems: damage,
        }
      : null;
  return { services, sources: rows, repositoryDamage };
}

export interface RunListEntry {
  id: string;
  sourceId: string;
  subjectEmail: string;
  service: BackupService;
  trigger: 'scheduled' | 'on_demand';
  status: RunStatus;
  mode: string | null;
  added: number;
  changed: number;
  deleted: number;
  skipped: number;
  failed: number;
  items: number;
  bytes: number;
  error: string | null;
  queuedAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  durationMs: number | null;
  /** The first 100 item problems, each with what to do about it (item-advice.ts). */
  errors: Array<{ item: string; reason: string; advice: string }>;
}

/** Narrowing of the run list: some runs, one subject's history, one service. */
export interface RunFilter {
  runIds?: readonly string[];
  /** A user's email (their own sources, not shared drives read as them) or a shared drive id. */
  subject?: string;
  service?: BackupService;
}

/** The source condition of a subject: a user by email, or a shared drive by its id. */
function subjectIs(subject: string) {
  return or(
    and(eq(backupSources.subjectKind, 'user'), eq(backupSources.subjectEmail, subject.toLowerCase())),
    and(eq(backupSources.subjectKind, 'shared_drive'), eq(backupSources.subjectId, subject)),
  );
}

export async function listBackupRuns(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  page: { limit: number; offset: number } & RunFilter,
): Promise<{ runs: RunListEntry[]; total: number }> {
  const where = and(
    eq(backupRuns.customerId, customerId),
    page.runIds ? inArray(backupRuns.id, [...page.runIds]) : undefined,
    page.subject !== undefined ? subjectIs(page.subject) : undefined,
    page.service ? eq(backupSources.service, page.service) : undefined,
  );
  const [{ total } = { total: 0 }] = await ctx.db
    .select({ total: sql<number>`count(*)::int` })
    .from(backupRuns)
    .innerJoin(backupSources, eq(backupSources.id, backupRuns.sourceId))
    .where(where);
  const rows = await ctx.db
    .select({ run: backupRuns, email: backupSources.subjectEmail, service: backupSources.service })
    .from(backupRuns)
    .innerJoin(backupSources, eq(backupSources.id, backupRuns.sourceId))
    .where(where)
    .orderBy(desc(backupRuns.queuedAt), desc(backupRuns.id))
    .limit(page.limit)
    .offset(page.offset);
  const ids = rows.map((row) => row.run.id);
  const errors =
    ids.length === 0
      ? []
      : await ctx.db
          .select()
          .from(backupRunErrors)
          .where(inArray(backupRunErrors.runId, ids))
          .orderBy(backupRunErrors.id);
  return {
    total: Number(total),
    runs: rows.map(({ run, email, service }) => ({
      id: run.id,
      sourceId: run.sourceId,
      subjectEmail: email,
      service,
      trigger: run.trigger,
      status: run.status,
      mode: run.mode,
      added: run.added,
      changed: run.changed,
      deleted: run.deleted,
      skipped: run.skipped,
      failed: run.failed,
      items: run.items,
      bytes: Number(run.bytes),
      error: run.error,
      queuedAt: run.queuedAt.toISOString(),
      startedAt: run.startedAt?.toISOString() ?? null,
      finishedAt: run.finishedAt?.toISOString() ?? null,
      durationMs: run.durationMs,
      errors: errors
        .filter((error) => error.runId === run.id)
        .slice(0, 100)
        .map((error) => ({ item: error.itemKey, reason: error.reason, advice: itemAdvice(error.reason) })),
    })),
  };
}
