// The domain's shared drives and their protection (PRODUCT §3: "protected one by one or protect
// all new shared drives"). The backup remembers every drive it lists (id, name); a drive first
// seen is protected when the tenant protects new drives (the default: every drive backed up, as
// before this setting existed). Only protected drives are backed up — by the scheduler, a
// whole-domain "Back up now" and the CLI alike. A drive's backups are its `backup_sources` row.
import { and, asc, count, eq, ilike, inArray, or, sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { type LastRun, lastRunsBySource, latestPointFigures } from './dashboard.ts';
import { backupSources, sharedDrives } from './tables.ts';
import { tenantState, upsertState } from './tenant-state.ts';

export type SharedDrive = typeof sharedDrives.$inferSelect;

/** Whether a drive first seen is protected (true unless the tenant turned it off). */
export async function protectsNewSharedDrives(ctx: Pick<AppContext, 'db'>, customerId: string): Promise<boolean> {
  return (await tenantState(ctx, customerId))?.protectNewSharedDrives ?? true;
}

export async function setProtectNewSharedDrives(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  protectNew: boolean,
): Promise<void> {
  await upsertState(ctx, customerId, { protectNewSharedDrives: protectNew });
}

/**
 * Records the drives a listing found (new ones protected as the tenant says, known ones renamed
 * and seen again) and answers the ids of those protected.
 */
export async function rememberSharedDrives(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  customerId: string,
  drives: ReadonlyArray<{ id: string; name: string }>,
): Promise<Set<string>> {
  if (drives.length === 0) return new Set();
  const now = ctx.clock.now();
  const protectNew = await protectsNewSharedDrives(ctx, customerId);
  await ctx.db
    .insert(sharedDrives)
    .values(
      drives.map((drive) => ({
        customerId,
        driveId: drive.id,
        name: drive.name,
        protected: protectNew,
        firstSeenAt: now,
        lastSeenAt: now,
      })),
    )
    .onConflictDoUpdate({
      target: [sharedDrives.customerId, sharedDrives.driveId],
      set: { name: sql`excluded.name`, lastSeenAt: now },
    });
  const rows = await ctx.db
    .select({ driveId: sharedDrives.driveId })
    .from(sharedDrives)
    .where(
      and(
        eq(sharedDrives.customerId, customerId),
        eq(sharedDrives.protected, true),
        inArray(
          sharedDrives.driveId,
          drives.map((drive) => drive.id),
        ),
      ),
    );
  return new Set(rows.map((row) => row.driveId));
}

/** Ids of the tenant's drives that are not protected (skipped by every backup). */
/** The tenant's shared drives' backup sources (a shared drive is backed up as one Drive source). */
export function sharedDriveSources(customerId: string) {
  return and(
    eq(backupSources.customerId, customerId),
    eq(backupSources.subjectKind, 'shared_drive'),
    eq(backupSources.service, 'drive'),
  );
}

/** The names the domain's shared drives had when the backup last listed them, by drive id (unknown ids left out). */
export async function sharedDriveNames(
  db: Db,
  customerId: string,
  driveIds: readonly string[],
): Promise<Map<string, string>> {
  if (driveIds.length === 0) return new Map();
  const rows = await db
    .select({ driveId: sharedDrives.driveId, name: sharedDrives.name })
    .from(sharedDrives)
    .where(and(eq(sharedDrives.customerId, customerId), inArray(sharedDrives.driveId, [...new Set(driveIds)])));
  return new Map(rows.map((row) => [row.driveId, row.name]));
}

export async function unprotectedSharedDrives(db: Db, customerId: string): Promise<Set<string>> {
  const rows = await db
    .select({ driveId: sharedDrives.driveId })
    .from(sharedDrives)
    .where(and(eq(sharedDrives.customerId, customerId), eq(sharedDrives.protected, false)));
  return new Set(rows.map((row) => row.driveId));
}

/** Protects a drive or stops protecting it; null when the tenant has no such drive. */
export async function setSharedDriveProtection(
  db: Db,
  customerId: string,
  driveId: string,
  protect: boolean,
): Promise<SharedDrive | null> {
  const [row] = await db
    .update(sharedDrives)
    .set({ protected: protect })
    .where(and(eq(sharedDrives.customerId, customerId), eq(sharedDrives.driveId, driveId)))
    .returning();
  return row ?? null;
}

/** The drive's name as the last listing saw it (null: never listed, e.g. backed up before names were kept). */
export async function sharedDriveName(db: Db, customerId: string, driveId: string): Promise<string | null> {
  return (await sharedDriveNames(db, customerId, [driveId])).get(driveId) ?? null;
}

export interface SharedDriveEntry {
  driveId: string;
  name: string;
  protected: boolean;
  lastBackup: {
    lastSuccessAt: string | null;
    lastRun: LastRun | null;
  };
  items: number;
  bytes: number;
}

/** One page of the tenant's shared drives by name (searched by name or id), with their last backup and figures. */
export async function listSharedDrives(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  query: { q?: string | undefined; limit: number; offset: number },
): Promise<{ drives: SharedDriveEntry[]; total: number }> {
  const pattern = query.q ? `%${query.q.replace(/[\\%_]/g, (char) => `\\${char}`)}%` : null;
  const where = and(
    eq(sharedDrives.customerId, customerId),
    pattern ? or(ilike(sharedDrives.name, pattern), ilike(sharedDrives.driveId, pattern)) : undefined,
  );
  const page = await ctx.db
    .select()
    .from(sharedDrives)
    .where(where)
    .orderBy(asc(sharedDrives.name), asc(sharedDrives.driveId))
    .limit(query.limit)
    .offset(query.offset);
  const [total] = await ctx.db.select({ n: count() }).from(sharedDrives).where(where);
  const sources =
    page.length === 0
      ? []
      : await ctx.db
          .select({
            id: backupSources.id,
            driveId: backupSources.subjectId,
            lastSuccessAt: backupSources.lastSuccessAt,
          })
          .from(backupSources)
          .where(
            and(
              sharedDriveSources(customerId),
              inArray(
                backupSources.subjectId,
                page.map((drive) => drive.driveId),
              ),
            ),
          );
  const sourceIds = sources.map((source) => source.id);
  const runOf = await lastRunsBySource(ctx, sourceIds);
  const figures = await latestPointFigures(ctx, sourceIds);
  const sourceOf = new Map(sources.map((source) => [source.driveId, source]));
  return {
    total: total?.n ?? 0,
    drives: page.map((drive) => {
      const source = sourceOf.get(drive.driveId);
      const run = source ? runOf.get(source.id) : undefined;
      const point = source ? figures.get(source.id) : undefined;
      return {
        driveId: drive.driveId,
        name: drive.name,
        protected: drive.protected,
        lastBackup: {
          lastSuccessAt: source?.lastSuccessAt?.toISOString() ?? null,
          lastRun: run ?? null,
        },
        items: point?.items ?? 0,
        bytes: point?.bytes ?? 0,
      };
    }),
  };
}
