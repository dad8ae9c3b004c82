// The 60-day purge (PRODUCT.md §3): a user whose license was removed and not given back
// within the grace period has their backup data deleted. Deleting the data belongs to the
// backup engine, reached through the `userPurgeDue` hook; this marks the user purged once
// the hook succeeded (or at once when no backup engine is wired in, as nothing is stored).
import { and, eq, isNull } from 'drizzle-orm';
import type { AuditActor, CustomersDeps } from './deps.ts';
import { auditTenantsFor } from './licensing.ts';
import { usersDueForPurge } from './store.ts';
import { directoryUsers } from './tables.ts';

export interface PurgeReport {
  purged: { customerId: string; userId: string; email: string }[];
  failed: { customerId: string; userId: string; email: string; error: string }[];
}

export async function purgeExpiredLicenses(
  deps: CustomersDeps,
  auditActor: AuditActor,
  options: { batchSize?: number } = {},
): Promise<PurgeReport> {
  const report: PurgeReport = { purged: [], failed: [] };
  const now = deps.clock.now();
  const due = await usersDueForPurge(deps.db, now, options.batchSize ?? 1000);
  for (const user of due) {
    const subject = { customerId: user.customerId, userId: user.id, email: user.primaryEmail };
    try {
      await deps.hooks.userPurgeDue?.(subject);
    } catch (error) {
      const message = error instanceof Error ? error.message : String(error);
      deps.logger.error({ customerId: user.customerId, userId: user.id, err: message }, 'purging a user failed');
      report.failed.push({ ...subject, error: message });
      continue;
    }
    await deps.db.transaction(async (tx) => {
      // Re-licensed in the meantime (the purge date was cleared): leave the user alone.
      const marked = await tx
        .update(directoryUsers)
        .set({ purgedAt: now })
        .where(and(eq(directoryUsers.id, user.id), isNull(directoryUsers.license), isNull(directoryUsers.purgedAt)))
        .returning({ id: directoryUsers.id });
      if (marked.length === 0) return;
      await deps.audit.record(
        {
          ...auditActor,
          tenants: auditTenantsFor(user.customerId, auditActor),
          action: 'licenses.user_purged',
          target: user.primaryEmail,
          result: 'success',
          details: {
            userId: user.id,
            purgeAfter: user.purgeAfter?.toISOString() ?? null,
            backupDataDeleted: deps.hooks.userPurgeDue ? 'by the backup engine' : 'no backup engine hook wired',
          },
        },
        tx,
      );
      report.purged.push(subject);
    });
  }
  return report;
}
