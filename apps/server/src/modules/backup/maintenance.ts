// Daily maintenance of every tenant's backups (issue 5 §9, issue 19 item 1): the prune — the
// 60-day grace purge of unlicensed users (customers/purge.ts) and the retention's age limits
// (retention.ts), both suspended by a legal hold — then repository garbage
// collection with the live set taken from backup_item_versions (docs/repository-format.md §8:
// roots are read at the start and again before the sweep, so backups may run meanwhile), and a
// rolling verify of a few packs per tenant per day, whose damage becomes a tenant condition
// (backup status) and an error log line. The job `backup.maintenance` runs once a day.
import { type GcOptions, garbageCollect, verifyRepository } from '@safehold/repository';
import { and, asc, eq, gt, inArray } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import type { JobQueue } from '../../jobs/queue.ts';
import { createCustomersDeps, purgeExpiredLicenses, systemAuditActor } from '../customers/index.ts';
import { customerIdsWithStatus } from '../tenancy/index.ts';
import { backupCustomerHooks } from './customer-hooks.ts';
import { retryLockedDeletions } from './locked-deletions.ts';
import { pruneByAge } from './retention.ts';
import { backupItemVersions, type backupTenantState, repositoryPacks, tenantRepositoryKeys } from './tables.ts';
import { openTenantRepository, type TenantRepositoryDeps } from './tenant-repository.ts';
import { tenantState, upsertState } from './tenant-state.ts';

export const MAINTENANCE_JOB = 'backup.maintenance';
/** Once a day at 12:40 UTC, away from the default backup window (01:00–07:00). */
export const maintenanceCron = '40 12 * * *';
/** Packs verified per tenant per day by default. */
export const VERIFY_SAMPLE_PACKS = 3;

export type RepositoryDamage = NonNullable<typeof backupTenantState.$inferSelect.damage>;

/** What the maintenance steps use: the rows, the clock, the log and the tenants' repositories. */
export type MaintenanceDeps = Pick<AppContext, 'db' | 'clock' | 'logger'> & TenantRepositoryDeps;

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

/**
 * The daily job: the grace purge of every tenant's users unlicensed for more than 60 days, then
 * the deletion of deleted tenants' objects whose Object Lock retention has ended, then per tenant
 * with a repository the age prune, gc (which releases what both removed) and the verify sample.
 */
export async function runMaintenance(
  ctx: AppContext,
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
  const purge = await purgeExpiredLicenses(
    createCustomersDeps(ctx, { hooks: backupCustomerHooks(ctx) }),
    systemAuditActor('retention prune: 60-day grace'),
  );
  for (const failed of purge.failed) {
    report.failures.push({ customerId: failed.customerId, step: 'grace', error: failed.error });
  }
  // Deleted tenants' objects whose Object Lock retention has ended (their rows are gone: no customer id).
  const locked = await retryLockedDeletions(ctx);
  for (const failed of locked.failures) {
    report.failures.push({
      customerId: '',
      step: `deleted tenant's repository ${failed.location}`,
      error: failed.error,
    });
  }
  for (const { id } of tenants) {
    const steps: Array<[string, () => Promise<unknown>]> = [
      ['retention', () => pruneByAge(ctx, id)],
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
