// Retention (issue 19 item 1, PRODUCT.md §3): keep everything while licensed (the default), or
// an age limit per service group — mail (with calendar and contacts), Drive, shared drives — in
// days or years. The daily prune (maintenance.ts) removes from the index the versions that have
// not been current for longer than their group's limit; gc then releases their blobs. A version
// that is an item's current state is never pruned by age, and a user on legal hold is never
// pruned at all (neither by age nor after the 60-day grace period, customers/purge.ts).
import { and, count, eq, inArray, isNotNull, lt, notInArray, or, type SQL, sql, sum } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { directoryUserGoogleId, legalHoldGoogleIds } from '../customers/index.ts';
import { backupItemVersions, backupSources, backupTenantState } from './tables.ts';

export const retentionGroups = ['mail', 'drive', 'sharedDrives'] as const;
export type RetentionGroup = (typeof retentionGroups)[number];

const maxYears = 100;
const DAY_MS = 86_400_000;

export const ageLimitSchema = z
  .strictObject({
    value: z.number().int().min(1, 'must be at least 1'),
    unit: z.enum(['days', 'years']),
  })
  .refine((limit) => (limit.unit === 'years' ? limit.value : limit.value / 365) <= maxYears, {
    message: `must be at most ${maxYears} years`,
    path: ['value'],
  });
export type AgeLimit = z.infer<typeof ageLimitSchema>;

/** Per group: an age limit, or null to keep everything while licensed. Every group is named. */
export const retentionSchema = z.strictObject({
  mail: ageLimitSchema.nullable().describe('Gmail, and with it Calendar and Contacts'),
  drive: ageLimitSchema.nullable().describe("Users' Drive (My Drive)"),
  sharedDrives: ageLimitSchema.nullable().describe('Shared drives'),
});
export type Retention = z.infer<typeof retentionSchema>;

export const keepEverything: Retention = { mail: null, drive: null, sharedDrives: null };

export async function getRetention(ctx: Pick<AppContext, 'db'>, customerId: string): Promise<Retention> {
  const [row] = await ctx.db
    .select({ limits: backupTenantState.retentionLimits })
    .from(backupTenantState)
    .where(eq(backupTenantState.customerId, customerId));
  const stored = retentionSchema.safeParse({ ...keepEverything, ...(row?.limits ?? {}) });
  return stored.success ? stored.data : keepEverything;
}

export async function setRetention(ctx: Pick<AppContext, 'db'>, customerId: string, retention: Retention) {
  const limits = retentionSchema.parse(retention);
  await ctx.db
    .insert(backupTenantState)
    .values({ customerId, retentionLimits: limits })
    .onConflictDoUpdate({ target: backupTenantState.customerId, set: { retentionLimits: limits } });
}

/** The instant before which a version closed is past the limit (years are calendar years). */
export function cutoffOf(limit: AgeLimit, now: Date): Date {
  if (limit.unit === 'days') return new Date(now.getTime() - limit.value * DAY_MS);
  const cutoff = new Date(now);
  cutoff.setUTCFullYear(cutoff.getUTCFullYear() - limit.value);
  return cutoff;
}

/** The sources of one group, as a condition on backup_sources. */
function groupCondition(group: RetentionGroup): SQL | undefined {
  switch (group) {
    case 'mail':
      return and(
        eq(backupSources.subjectKind, 'user'),
        inArray(backupSources.service, ['gmail', 'calendar', 'contacts']),
      );
    case 'drive':
      return and(eq(backupSources.subjectKind, 'user'), eq(backupSources.service, 'drive'));
    case 'sharedDrives':
      return eq(backupSources.subjectKind, 'shared_drive');
  }
}

/** Versions of the group past its limit: closed (not current) before the cutoff, of no user on legal hold. */
function prunable(customerId: string, group: RetentionGroup, cutoff: Date): SQL | undefined {
  const sources = sql`(select ${backupSources.id} from ${backupSources} where ${and(
    eq(backupSources.customerId, customerId),
    groupCondition(group),
    or(
      eq(backupSources.subjectKind, 'shared_drive'),
      notInArray(backupSources.subjectId, legalHoldGoogleIds(customerId)),
    ),
  )})`;
  return and(
    eq(backupItemVersions.customerId, customerId),
    isNotNull(backupItemVersions.validTo),
    lt(backupItemVersions.validTo, cutoff),
    sql`${backupItemVersions.sourceId} in ${sources}`,
  );
}

export interface PruneCount {
  items: number;
  bytes: number;
}

function limitedGroups(retention: Retention): Array<[RetentionGroup, AgeLimit]> {
  return retentionGroups.flatMap((group) => {
    const limit = retention[group];
    return limit ? [[group, limit] as [RetentionGroup, AgeLimit]] : [];
  });
}

/**
 * What the next prune would remove under this retention, counted from the index without
 * deleting: versions and their bytes (content shared with kept versions stays stored, so the
 * space freed may be less: "about").
 */
export async function previewPrune(
  ctx: Pick<AppContext, 'db' | 'clock'>,
  customerId: string,
  retention: Retention,
): Promise<PruneCount> {
  const now = ctx.clock.now();
  const total: PruneCount = { items: 0, bytes: 0 };
  for (const [group, limit] of limitedGroups(retention)) {
    const [row] = await ctx.db
      .select({ items: count(), bytes: sum(backupItemVersions.size) })
      .from(backupItemVersions)
      .where(prunable(customerId, group, cutoffOf(limit, now)));
    total.items += row?.items ?? 0;
    total.bytes += Number(row?.bytes ?? 0);
  }
  return total;
}

/**
 * Removes from the index the versions past the tenant's limits (their blobs are left to gc),
 * counts them and audits the count as the system.
 */
export async function pruneByAge(
  ctx: Pick<AppContext, 'db' | 'clock' | 'logger' | 'audit'>,
  customerId: string,
): Promise<PruneCount> {
  const now = ctx.clock.now();
  const retention = await getRetention(ctx, customerId);
  const total: PruneCount = { items: 0, bytes: 0 };
  for (const [group, limit] of limitedGroups(retention)) {
    const deleted = await ctx.db
      .delete(backupItemVersions)
      .where(prunable(customerId, group, cutoffOf(limit, now)))
      .returning({ size: backupItemVersions.size });
    total.items += deleted.length;
    total.bytes += deleted.reduce((bytes, row) => bytes + row.size, 0);
  }
  await ctx.db
    .insert(backupTenantState)
    .values({ customerId, lastRetentionAt: now })
    .onConflictDoUpdate({ target: backupTenantState.customerId, set: { lastRetentionAt: now } });
  if (total.items > 0) {
    ctx.logger.info({ customerId, ...total }, 'backup retention pruned');
    await ctx.audit.record({
      actor: { kind: 'system', label: 'retention prune' },
      tenants: [`customer:${customerId}`],
      action: 'backup.retention.pruned',
      target: customerId,
      result: 'success',
      details: { items: total.items, bytes: total.bytes, retention },
    });
  }
  return total;
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
