// Deleted tenants' repository objects that S3 Object Lock still retains (issue 20 item 4): tenant
// deletion removes what it may and records the rest's location; the daily maintenance deletes
// the rest once its retention has passed, and forgets the location when nothing is left.
import { eq, lte } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { pendingRepositoryDeletions } from './tables.ts';
import { deleteTenantRepository, type RepositoryDeletion } from './tenant-repository.ts';

/** When to try again when the store refused a delete without saying until when. */
const RETRY_UNKNOWN_MS = 24 * 60 * 60 * 1000;

type Deps = Pick<AppContext, 'db' | 'clock'>;

async function remember(ctx: Deps, location: string, result: RepositoryDeletion, now: Date): Promise<void> {
  if (result.locked === 0) {
    await ctx.db.delete(pendingRepositoryDeletions).where(eq(pendingRepositoryDeletions.location, location));
    return;
  }
  const retryAfter = result.lockedUntil ?? new Date(now.getTime() + RETRY_UNKNOWN_MS);
  await ctx.db
    .insert(pendingRepositoryDeletions)
    .values({ location, lockedObjects: result.locked, retryAfter, recordedAt: now })
    .onConflictDoUpdate({
      target: pendingRepositoryDeletions.location,
      set: { lockedObjects: result.locked, retryAfter },
    });
}

/** Deletes a deleted tenant's repository objects; those Object Lock keeps are recorded for later. */
export async function deleteRepositoryObjects(ctx: Deps, location: string): Promise<RepositoryDeletion> {
  const now = ctx.clock.now();
  const result = await deleteTenantRepository(location, now);
  await remember(ctx, location, result, now);
  return result;
}

export interface LockedDeletionsReport {
  /** Locations tried (their retention had passed). */
  tried: number;
  deleted: number;
  /** Objects still locked (their location stays recorded). */
  stillLocked: number;
  failures: Array<{ location: string; error: string }>;
}

/** Deletes what is left of deleted tenants' repositories whose retention has passed (daily maintenance). */
export async function retryLockedDeletions(ctx: Deps & Pick<AppContext, 'logger'>): Promise<LockedDeletionsReport> {
  const now = ctx.clock.now();
  const due = await ctx.db
    .select({ location: pendingRepositoryDeletions.location })
    .from(pendingRepositoryDeletions)
    .where(lte(pendingRepositoryDeletions.retryAfter, now))
    .orderBy(pendingRepositoryDeletions.location);
  const report: LockedDeletionsReport = { tried: due.length, deleted: 0, stillLocked: 0, failures: [] };
  for (const { location } of due) {
    try {
      const result = await deleteTenantRepository(location, now);
      await remember(ctx, location, result, now);
      report.deleted += result.deleted;
      report.stillLocked += result.locked;
    } catch (error) {
      // The store may be down: the location stays recorded and tomorrow's maintenance tries again.
      const message = error instanceof Error ? error.message : String(error);
      ctx.logger.error({ location, err: message }, "deleted tenant's repository objects not deleted");
      report.failures.push({ location, error: message });
    }
  }
  if (report.tried > 0)
    ctx.logger.info(
      { ...report, failures: report.failures.length },
      'locked repository objects of deleted tenants retried',
    );
  return report;
}
