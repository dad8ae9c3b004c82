// Test support for the Reseller Console: a customer tenant with directory users, licenses and
// backup figures (sources, runs, packs) written straight into the tables the figures come
// from, so tests (and the browser test's seeding) can check every column against known values.
import { randomUUID } from 'node:crypto';
import type { Db } from '../db/database.ts';
import { backupServices } from '../modules/backup/index.ts';
import { backupRuns, backupSources, repositoryPacks } from '../modules/backup/tables.ts';
import { directoryUsers } from '../modules/customers/tables.ts';
import { customers } from '../modules/tenancy/tables.ts';

export interface SeededCustomer {
  partnerId: string | null;
  domain: string;
  name?: string;
  status?: 'trial' | 'active' | 'suspended' | 'cancelled';
  trialEndsAt?: Date | null;
  seatsPurchased?: number;
  /** Directory users; the first `licensed` hold a Standard license, the next `archived` an Archived one. */
  users: number;
  licensed: number;
  archived?: number;
  /** Of the licensed users, how many have a successful backup of every service. */
  protectedUsers: number;
  /** Runs finished in the last 24 hours: succeeded and failed. */
  runsSucceeded?: number;
  runsFailed?: number;
  storageBytes?: number;
  /** When the protected users' last backups succeeded. */
  lastSuccessAt?: Date;
}

export async function seedCustomerWithBackups(db: Db, now: Date, spec: SeededCustomer): Promise<string> {
  const id = randomUUID();
  await db.insert(customers).values({
    id,
    domain: spec.domain,
    name: spec.name ?? spec.domain,
    partnerId: spec.partnerId,
    status: spec.status ?? 'active',
    trialEndsAt: spec.trialEndsAt ?? null,
    seatsPurchased: spec.seatsPurchased ?? spec.users,
  });
  const archived = spec.archived ?? 0;
  if (spec.users > 0) {
    await db.insert(directoryUsers).values(
      Array.from({ length: spec.users }, (_, n) => ({
        id: randomUUID(),
        customerId: id,
        googleId: `g-${n}`,
        primaryEmail: `user${n}@${spec.domain}`,
        fullName: `User ${n}`,
        firstSeenAt: now,
        lastSyncedAt: now,
        license:
          n < spec.licensed ? ('standard' as const) : n < spec.licensed + archived ? ('archived' as const) : null,
        licensedAt: n < spec.licensed + archived ? now : null,
      })),
    );
  }
  const lastSuccessAt = spec.lastSuccessAt ?? new Date(now.getTime() - 3600_000);
  const sources: (typeof backupSources.$inferInsert)[] = [];
  for (let n = 0; n < spec.protectedUsers; n++) {
    for (const service of backupServices) {
      sources.push({
        id: randomUUID(),
        customerId: id,
        subjectKind: 'user',
        subjectId: `g-${n}`,
        subjectEmail: `user${n}@${spec.domain}`,
        service,
        lastSuccessAt,
      });
    }
  }
  if (sources.length > 0) await db.insert(backupSources).values(sources);
  const runs = (spec.runsSucceeded ?? 0) + (spec.runsFailed ?? 0);
  if (runs > 0) {
    // Runs need a source: the first protected user's (or one created for them).
    let sourceId = sources[0]?.id;
    if (!sourceId) {
      sourceId = randomUUID();
      await db.insert(backupSources).values({
        id: sourceId,
        customerId: id,
        subjectKind: 'user',
        subjectId: 'g-0',
        subjectEmail: `user0@${spec.domain}`,
        service: 'gmail',
      });
    }
    await db.insert(backupRuns).values(
      Array.from({ length: runs }, (_, n) => ({
        id: randomUUID(),
        customerId: id,
        sourceId: sourceId as string,
        trigger: 'scheduled' as const,
        status: n < (spec.runsSucceeded ?? 0) ? ('success' as const) : ('failed' as const),
        queuedAt: new Date(now.getTime() - 2 * 3600_000),
        finishedAt: new Date(now.getTime() - 3600_000 + n * 1000),
      })),
    );
  }
  if (spec.storageBytes) {
    await db.insert(repositoryPacks).values({ customerId: id, name: `pack-${id}`, size: spec.storageBytes });
  }
  return id;
}
