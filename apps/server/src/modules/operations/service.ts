// The vendor's Installation health page (issue 18 §7): job queues (depth per kind, oldest
// waiting), workers (processes holding a backup lease, alive or not, last heartbeat), failed jobs
// of the last 24 hours with their error and a retry, storage per tenant, database size.
// Everything is read from its owner: the queue (jobs/queue.ts), backup's leases and stored
// bytes, tenancy's customer rows, and the database itself.
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../http/errors.ts';
import type { AuditEntryInput } from '../audit/index.ts';
import { runningLeaseHolders, storedBytesByCustomer } from '../backup/index.ts';
import { type Actor, authorize } from '../policy/index.ts';
import { getCustomer, getPartner } from '../tenancy/index.ts';

export type OperationsDeps = Pick<AppContext, 'db' | 'database' | 'clock' | 'audit' | 'jobs'>;

const vendor = { kind: 'vendor' } as const;
/** The tenants listed by stored bytes, largest first. */
const STORAGE_ROWS = 200;

export interface InstallationHealth {
  checkedAt: Date;
  queues: { name: string; created: number; retry: number; active: number; oldestWaitingSince: Date | null }[];
  workers: { label: string; alive: boolean; runs: number; lastHeartbeatAt: Date | null; leaseExpiresAt: Date | null }[];
  failedJobs: { id: string; name: string; failedAt: Date; retryCount: number; error: string }[];
  storage: { customerId: string; customer: string; domain: string; partner: string | null; bytes: number }[];
  database: { kind: 'postgresql' | 'pglite'; bytes: number | null; note: string | null };
}

function workerLabel(holder: string, index: number): string {
  if (holder.startsWith('pglite:')) return 'Embedded server process';
  return `Worker ${index + 1}`;
}

async function databaseSize(deps: OperationsDeps): Promise<InstallationHealth['database']> {
  const kind = deps.database.pglite ? 'pglite' : 'postgresql';
  try {
    const result = await deps.db.execute(sql`select pg_database_size(current_database())::float8 as bytes`);
    const [row] = (result as unknown as { rows: { bytes: number }[] }).rows;
    const note =
      kind === 'pglite'
        ? 'Embedded database (PGlite): the size of its tables and indexes; the data directory on disk may be larger.'
        : null;
    return { kind, bytes: row ? Number(row.bytes) : null, note };
  } catch {
    return { kind, bytes: null, note: 'This database does not report its size (pg_database_size is not available).' };
  }
}

export async function installationHealth(deps: OperationsDeps, actor: Actor): Promise<InstallationHealth> {
  authorize(actor, 'vendor.health.read', vendor);
  const now = deps.clock.now();
  const [queues, failedJobs, active, holders, bytes, database] = await Promise.all([
    deps.jobs.depths(),
    deps.jobs.failedWithin(24),
    deps.jobs.activeJobs(),
    runningLeaseHolders(deps.db),
    storedBytesByCustomer(deps.db),
    databaseSize(deps),
  ]);
  const dead = await deps.database.leases.dead(holders.map((holder) => holder.holder));
  const heartbeats = new Map(active.map((job) => [job.id, job.heartbeatAt ?? job.startedAt]));
  const workers = holders.map((holder, index) => {
    const beats = holder.jobIds.flatMap((id) => heartbeats.get(id) ?? []);
    const last = beats.length ? new Date(Math.max(...beats.map((beat) => beat.getTime()))) : null;
    return {
      label: workerLabel(holder.holder, index),
      alive: !dead.has(holder.holder),
      runs: holder.runs,
      lastHeartbeatAt: last,
      leaseExpiresAt: holder.leaseExpiresAt,
    };
  });
  const largest = [...bytes.entries()].sort((a, b) => b[1] - a[1]).slice(0, STORAGE_ROWS);
  const storage = [];
  for (const [customerId, size] of largest) {
    const customer = await getCustomer(deps.db, customerId);
    if (!customer) continue;
    const partner = customer.partnerId ? ((await getPartner(deps.db, customer.partnerId))?.name ?? null) : null;
    storage.push({ customerId, customer: customer.name, domain: customer.domain, partner, bytes: size });
  }
  return { checkedAt: now, queues, workers, failedJobs, storage, database };
}

export async function retryFailedJob(
  deps: OperationsDeps,
  actor: Actor,
  audit: Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent'>,
  jobId: string,
): Promise<{ id: string; name: string }> {
  authorize(actor, 'vendor.jobs.retry', vendor);
  const retried = await deps.jobs.retryFailed(jobId);
  if (!retried) throw notFound('The failed job');
  await deps.audit.record({
    ...audit,
    tenants: ['vendor'],
    action: 'job.retry',
    target: retried.name,
    result: 'success',
    details: { jobId },
  });
  return { id: jobId, name: retried.name };
}
