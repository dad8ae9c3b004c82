// The processes holding a running backup run's lease (db/lease-holders.ts), for the vendor's
// Installation health page: which workers are at work now and on how many runs.
import { and, eq, isNotNull, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { backupRuns } from './tables.ts';

export interface RunningLeaseHolder {
  holder: string;
  runs: number;
  /** The queue jobs running those runs (their pg-boss heartbeat says when the holder last lived). */
  jobIds: string[];
  /** The latest lease expiry among its runs. */
  leaseExpiresAt: Date | null;
}

export async function runningLeaseHolders(db: Db): Promise<RunningLeaseHolder[]> {
  const rows = await db
    .select({ holder: backupRuns.leaseHolder, jobId: backupRuns.jobId, leaseExpiresAt: backupRuns.leaseExpiresAt })
    .from(backupRuns)
    .where(and(eq(backupRuns.status, 'running'), isNotNull(backupRuns.leaseHolder)))
    .orderBy(sql`${backupRuns.leaseHolder}`);
  const holders = new Map<string, RunningLeaseHolder>();
  for (const row of rows) {
    if (!row.holder) continue;
    const entry = holders.get(row.holder) ?? { holder: row.holder, runs: 0, jobIds: [], leaseExpiresAt: null };
    entry.runs += 1;
    if (row.jobId) entry.jobIds.push(row.jobId);
    if (row.leaseExpiresAt && (!entry.leaseExpiresAt || row.leaseExpiresAt > entry.leaseExpiresAt)) {
      entry.leaseExpiresAt = row.leaseExpiresAt;
    }
    holders.set(row.holder, entry);
  }
  return [...holders.values()];
}
