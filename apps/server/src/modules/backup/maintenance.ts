// Daily maintenance of every tenant's backups (issue 5 §9): retention (item versions closed
// longer ago than the tenant's retention are deleted; default: keep forever), repository garbage
// collection with the live set taken from backup_item_versions (docs/repository-format.md §8:
// roots are read at the start and again before the sweep, so backups may run meanwhile), and a
// rolling verify of a few packs per tenant per day, whose damage becomes a tenant condition
// (backup status) and an error log line. The job `backup.maintenance` runs once a day.
import { type GcOptions, garbageCollect, verifyRepository } from '@safehold/repository';
import { and, asc, eq, gt, inArray, isNotNull, lt } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { directoryUserGoogleId } from '../customers/index.ts';
import { customerIdsWithStatus } from '../tenancy/index.ts';
import {
  backupItemVersions,
  backupSources,
  backupTenantState,
  repositoryPacks,
  tenantRepositoryKeys,
} from './tables.ts';
import { openTenantRepository, type TenantRepositoryDeps } from './tenant-repository.ts';

export const MAINTENANCE_JOB = 'backup.maintenance';
/** Once a day at 12:40 UTC, away from the default backup window (01:00–07:00). */
export const maintenanceCron = '40 12 * * *';
const DAY_MS = 86_400_000;
/** Packs verified per tenant per day by default. */
export const VERIFY_SAMPLE_PACKS = 3;

export type RepositoryDamage = NonNullable<typeof backupTenantState.$inferSelect.damage>;

export const retentionSchema = z.object({
  /** Days a closed (deleted or replaced) version is kept; null keeps every version forever. */
  days: z.number().int().min(1).max(36_500).nullable(),
});

/** What the maintenance steps use: the rows, the clock, the log and the tenants' repositories. */
export type MaintenanceDeps = Pick<AppContext, 'db' | 'clock' | 'logger'> & TenantRepositoryDeps;

export async function upsertState(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  values: Partial<typeof backupTenantState.$inferInsert>,
): Promise<void> {
  await ctx.db
    .insert(backupTenantState)
    .values({ customerId, ...values })
    .onConflictDoUpdate({ target: backupTenantState.customerId, set: values });
}

export async function tenantState(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
): Promise<typeof backupTenantState.$inferSelect | undefined> {
  const [row] = await ctx.db.select().from(backupTenantState).where(eq(backupTenantState.customerId, customerId));
  return row;
}

/** The tenant's retention in days (null: keep forever). */
export async function getRetention(ctx: Pick<AppContext, 'db'>, customerId: string): Promise<number | null> {
  return (await tenantState(ctx, customerId))?.retentionDays ?? null;
}

export async function setRetention(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  days: number | null,
): Promise<void> {
  const parsed = retentionSchema.parse({ days });
  await upsertState(ctx, customerId, { retentionDays: parsed.days });
}

/**
 * Deletes the versions closed more than the retention ago. Current versions are never deleted:
 * what a user has now stays restorable whatever the retention.
 */
export async function applyRetention(ctx: MaintenanceDeps, customerId: string): Promise<{ deleted: number }> {
  const now = ctx.clock.now();
  const days = await getRetention(ctx, customerId);
  if (days === null) return { deleted: 0 };
  const cutoff = new Date(now.getTime() - days * DAY_MS);
  const deleted = await ctx.db
    .delete(backupItemVersions)
    .where(
      and(
        eq(backupItemVersions.customerId, customerId),
        isNotNull(backupItemVersions.validTo),
        lt(backupItemVersions.validTo, cutoff),
      ),
    )
    .returning({ id: backupItemVersions.id });
  await upsertState(ctx, customerId, { lastRetentionAt: now });
  if (deleted.length > 0) {
    ctx.logger.info({ customerId, deleted: deleted.length, retentionDays: days }, 'backup retention applied');
  }
  return { deleted: deleted.length };
}

/**
 * The 60-day purge's hook (customers/purge.ts): deletes the user's backup sources, and with
 * them (cascade) their runs and item versions; the next gc reclaims the content no other
 * user shares. Returns the number of sources deleted.
 */
export async function deleteUserBackups(
  ctx: Pick<AppContext, 'db' | 'logger'>,
  user: { customerId: string; userId: string },
): Promise<{ sources: number }> {
  const googleId = await directoryUserGoogleId(ctx.db, user.customerId, user.userId);
  if (!googleId) return { sources: 0 };
  const deleted = await ctx.db
    .delete(backupSources)
    .where(
      and(
        eq(backupSources.customerId, user.customerId),
        eq(backupSources.subjectKind, 'user'),
        eq(backupSources.subjectId, googleId),
      ),
    )
    .returning({ id: backupSources.id });
  ctx.logger.info(
    { customerId: user.customerId, userId: user.userId, sources: deleted.length },
    'purged user backups deleted',
  );
  return { sources: deleted.length };
}

/** Every repository object an item version of the tenant names: gc's live set. */
async function liveObjectIds(ctx: Pick<AppContext, 'db'>, customerId: string): Promise<string[]> {
  const rows = await ctx.db
    .selectDistinct({ objectId: backupItemVersions.objectId })
    .from(backupItemVersions)
    .where(eq(backupItemVersions.customerId, customerId));
  return rows.map((row) => row.objectId);
}

/** Garbage collection of the tenant's repository; what no version names any more is deleted. */
export async function collectGarbage(
  ctx: MaintenanceDeps,
  customerId: string,
  options: Pick<GcOptions, 'repackBelow'> = {},
): Promise<Awaited<ReturnType<typeof garbageCollect>>> {
  const repository = await openTenantRepository(ctx, customerId);
  try {
    const report = await garbageCollect(repository, { ...options, roots: () => liveObjectIds(ctx, customerId) });
    await upsertState(ctx, customerId, { lastGcAt: ctx.clock.now(), lastGcReport: { ...report } });
    ctx.logger.info({ customerId, ...report }, 'backup repository garbage collected');
    if (report.lockedPacks > 0) {
      // S3 Object Lock: dead packs within their retention stay condemned; a later gc deletes them.
      ctx.logger.info(
        { customerId, lockedPacks: report.lockedPacks },
        'packs under Object Lock retention skipped (locked, retried later)',
      );
    }
    return report;
  } finally {
    await repository.close();
  }
}

/**
 * Verifies the next `packs` packs of the tenant (in name order after the last one verified,
 * wrapping around), so every pack is read within (packs in the repository / packs) days.
 * Damage found is kept as the tenant's condition until those packs verify sound.
 */
export async function verifySample(
  ctx: MaintenanceDeps,
  customerId: string,
  options: { packs?: number } = {},
): Promise<{ verified: string[]; damage: RepositoryDamage }> {
  const count = options.packs ?? VERIFY_SAMPLE_PACKS;
  const state = await tenantState(ctx, customerId);
  const after = state?.verifyCursor ?? '';
  const next = (from: string, limit: number) =>
    ctx.db
      .select({ name: repositoryPacks.name })
      .from(repositoryPacks)
      .where(and(eq(repositoryPacks.customerId, customerId), gt(repositoryPacks.name, from)))
      .orderBy(asc(repositoryPacks.name))
      .limit(limit);
  const names = (await next(after, count)).map((row) => row.name);
  if (names.length < count && after !== '') {
    for (const row of await next('', count - names.length)) if (!names.includes(row.name)) names.push(row.name);
  }
  const now = ctx.clock.now();
  if (names.length === 0) {
    await upsertState(ctx, customerId, { lastVerifyAt: now });
    return { verified: [], damage: state?.damage ?? [] };
  }
  const repository = await openTenantRepository(ctx, customerId);
  let found: RepositoryDamage;
  try {
    const report = await verifyRepository(repository, { packs: names });
    found = report.damage.map((entry) => ({
      pack: entry.pack,
      problem: entry.problem,
      ...(entry.blob ? { blob: entry.blob } : {}),
    }));
  } finally {
    await repository.close();
  }
  const sampled = new Set(names);
  const damage = [...(state?.damage ?? []).filter((entry) => !sampled.has(entry.pack)), ...found];
  await upsertState(ctx, customerId, {
    verifyCursor: names.at(-1) ?? null,
    lastVerifyAt: now,
    damage: damage.length > 0 ? damage : null,
    damageDetectedAt: damage.length === 0 ? null : found.length > 0 ? now : (state?.damageDetectedAt ?? now),
  });
  if (found.length > 0) {
    ctx.logger.error({ customerId, damage: found }, 'backup repository damage found by the rolling verify');
  }
  return { verified: names, damage };
}

export interface MaintenanceReport {
  tenants: number;
  failures: Array<{ customerId: string; step: string; error: string }>;
}

/** Retention, gc and the verify sample for every tenant with a repository (the daily job). */
export async function runMaintenance(
  ctx: MaintenanceDeps,
  options: { verifyPacks?: number } = {},
): Promise<MaintenanceReport> {
  const tenants = await ctx.db
    .select({ id: tenantRepositoryKeys.customerId })
    .from(tenantRepositoryKeys)
    .where(
      inArray(tenantRepositoryKeys.customerId, customerIdsWithStatus(['trial', 'active', 'suspended', 'cancelled'])),
    )
    .orderBy(tenantRepositoryKeys.customerId);
  const report: MaintenanceReport = { tenants: tenants.length, failures: [] };
  for (const { id } of tenants) {
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['retention', () => applyRetention(ctx, id)],
      ['gc', () => collectGarbage(ctx, id)],
      ['verify', () => verifySample(ctx, id, { packs: options.verifyPacks })],
    ];
    for (const [step, work] of steps) {
      try {
        await work();
      } catch (error) {
        // One tenant's problem must not stop the others' maintenance; it is logged and reported.
        const message = error instanceof Error ? error.message : String(error);
        ctx.logger.error({ customerId: id, step, err: message }, 'backup maintenance step failed');
        report.failures.push({ customerId: id, step, error: message });
      }
    }
  }
  return report;
}

/** Declares the `backup.maintenance` job. */
export function defineMaintenanceJob(jobs: JobQueue, ctx: () => AppContext): void {
  jobs.define(
    MAINTENANCE_JOB,
    async () => {
      await runMaintenance(ctx());
    },
    { payload: z.object({}), retryLimit: 1, expireInSeconds: 6 * 3600 },
  );
}
