// The vendor's Installation health page (issue 18 §7): job queues (depth per kind, oldest
// waiting), workers (every process that ran jobs in the last 7 days — the job runner's
// heartbeats, jobs/worker-heartbeats.ts — alive or not, with the backups each runs), failed jobs
// of the last 24 hours with their error and a retry, storage per tenant, database size.
// Everything is read from its owner: the queue (jobs/queue.ts), backup's leases and stored
// bytes, tenancy's customer rows, and the database itself.
import { sql } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { notFound } from '../../http/errors.ts';
import type { WorkerProcess } from '../../jobs/worker-heartbeats.ts';
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
  workers: {
    label: string;
    /** `alive`: beaten within 2 minutes; `stopped`: stopped cleanly; `gone`: stopped beating. */
    state: 'alive' | 'stopped' | 'gone';
    alive: boolean;
    runs: number;
    startedAt: Date | null;
    lastHeartbeatAt: Date | null;
    leaseExpiresAt: Date | null;
  }[];
  failedJobs: { id: string; name: string; failedAt: Date; retryCount: number; error: string }[];
  storage: { customerId: string; customer: string; domain: string; partner: string | null; bytes: number }[];
  database: { kind: 'postgresql' | 'pglite'; bytes: number | null; note: string | null };
}

function processLabel(worker: WorkerProcess): string {
  // The runtime names its command "safehold start"; a bare "worker" gets the binary's name.
  const command = worker.command.startsWith('safehold') ? worker.command : `safehold ${worker.command}`;
  return `${command} on ${worker.hostname} (pid ${worker.pid})`;
}

/** A process holding backup leases that runs no job runner (a command-line `backup --wait`). */
function leaseHolderLabel(holder: string): string {
  return holder.startsWith('pglite:') ? 'Embedded command-line process' : 'Command-line process';
}

/**
 * The job runners (alive or not) with the backups their process runs, then any other process
 * holding backup leases (the command line's in-process runs).
 */
async function workersOf(deps: OperationsDeps): Promise<InstallationHealth['workers']> {
  const [processes, holders, active] = await Promise.all([
    deps.jobs.workers(),
    runningLeaseHolders(deps.db),
    deps.jobs.activeJobs(),
  ]);
  const byHolder = new Map(holders.map((holder) => [holder.holder, holder]));
  const workers: InstallationHealth['workers'] = processes.map((worker) => {
    // A process's runs belong to its live runner (one per process; an older row is a past one).
    const holder = worker.stoppedAt === null ? byHolder.get(worker.leaseHolder) : undefined;
    if (holder) byHolder.delete(worker.leaseHolder);
    return {
      label: processLabel(worker),
      state: worker.alive ? 'alive' : worker.stoppedAt ? 'stopped' : 'gone',
      alive: worker.alive,
      runs: holder?.runs ?? 0,
      startedAt: worker.startedAt,
      lastHeartbeatAt: worker.lastHeartbeatAt,
      leaseExpiresAt: holder?.leaseExpiresAt ?? null,
    };
  });
  const others = [...byHolder.values()];
  const dead = await deps.database.leases.dead(others.map((holder) => holder.holder));
  const heartbeats = new Map(active.map((job) => [job.id, job.heartbeatAt ?? job.startedAt]));
  for (const holder of others) {
    const beats = holder.jobIds.flatMap((id) => heartbeats.get(id) ?? []);
    const alive = !dead.has(holder.holder);
    workers.push({
      label: leaseHolderLabel(holder.holder),
      state: alive ? 'alive' : 'gone',
      alive,
      runs: holder.runs,
      startedAt: null,
      lastHeartbeatAt: beats.length ? new Date(Math.max(...beats.map((beat) => beat.getTime()))) : null,
      leaseExpiresAt: holder.leaseExpiresAt,
    });
  }
  return workers;
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
  const [queues, failedJobs, workers, bytes, database] = await Promise.all([
    deps.jobs.depths(),
    deps.jobs.failedWithin(24),
    workersOf(deps),
    storedBytesByCustomer(deps.db),
    databaseSize(deps),
  ]);
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
