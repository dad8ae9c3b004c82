// Deleting a customer tenant with everything Safehold holds of it (PRODUCT §6, issue 16 #11).
// Crypto-shredding alone (deleting the tenant's keys) leaves the item metadata — subjects, file
// names, addresses — readable in SQL, so one transaction deletes the keys and every row of
// every table with a customer_id column (found in the catalog), the tenant's audit log, its
// mail and jobs, and checks that no row is left before it commits. Then the repository's
// objects and the export files are removed, and the result is checked again and audited in
// the vendor's log (the tenant's own log is gone with it).
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import { AppError, notFound } from '../../http/errors.ts';
import type { Actor } from '../policy/index.ts';
import {
  authorizeCustomer,
  deleteCustomerRow,
  findCustomerByDomain,
  getCustomer,
  lockCustomer,
} from '../tenancy/index.ts';
import type { AuditActor } from './deps.ts';
import {
  countTenantAuditEntries,
  countTenantRows,
  deleteTenantAuditLog,
  deleteTenantJobs,
  deleteTenantMail,
  deleteTenantRows,
  tenantTables,
} from './tenant-tables.ts';

export interface TenantDeletionReport {
  customerId: string;
  domain: string;
  /** Rows deleted per table (the customers row itself included). */
  rows: Record<string, number>;
  auditEntries: { deleted: number; redacted: number };
  mails: number;
  jobs: number;
  repositoryObjects: number;
  /**
   * Repository objects S3 Object Lock retains past the deletion: left in place (unreadable without
   * the keys) and deleted by the daily maintenance once their retention ends. Not counted as
   * remaining.
   */
  repositoryLocked: number;
  /** What the verification found left afterwards, per place; empty when the deletion is complete. */
  remaining: Record<string, number>;
}

/** The tenant's backup repository, which the backup engine owns (backup's tenantRepositoryStorage). */
export interface TenantRepositoryStorage {
  /** Where the tenant's repository is, or null when it has none yet. */
  locationOf(db: Db, customerId: string): Promise<string | null>;
  /**
   * Removes every object of the repository at `location` it may: how many, and how many Object
   * Lock retains (their deletion is retried later).
   */
  deleteObjects(ctx: Pick<AppContext, 'db' | 'clock'>, location: string): Promise<{ deleted: number; locked: number }>;
  countObjects(location: string): Promise<number>;
}

/**
 * The files other modules keep of a tenant, passed in by the composition root (the CLI): backup
 * and export import customers, so customers imports neither.
 */
export interface TenantFiles {
  repository: TenantRepositoryStorage;
  /** Removes the tenant's export files (export's deleteTenantExportFiles). */
  deleteExportFiles(customerId: string): Promise<void>;
}

export async function deleteTenant(
  ctx: Pick<AppContext, 'db' | 'audit' | 'clock'>,
  files: TenantFiles,
  actor: Actor,
  auditActor: AuditActor,
  input: { domain: string; confirm: string },
): Promise<TenantDeletionReport> {
  const domain = input.domain.trim().toLowerCase();
  if (input.confirm.trim().toLowerCase() !== domain) {
    throw new AppError('validation_failed', `--confirm must repeat the domain (${domain}) to delete it.`, {
      field: 'confirm',
    });
  }
  const customer = await findCustomerByDomain(ctx.db, domain);
  if (!customer) throw notFound(`The customer ${domain}`);
  await authorizeCustomer(ctx.db, actor, 'customer.delete', customer.id);
  const customerId = customer.id;
  const location = await files.repository.locationOf(ctx.db, customerId);

  const deleted = await ctx.db.transaction(async (tx) => {
    await lockCustomer(tx, customerId);
    const rows: Record<string, number> = {};
    for (const table of await tenantTables(tx)) rows[table] = await deleteTenantRows(tx, table, customerId);
    const auditEntries = await deleteTenantAuditLog(tx, customerId, domain);
    const mails = await deleteTenantMail(tx, domain);
    const jobs = await deleteTenantJobs(tx, customerId);
    rows.customers = await deleteCustomerRow(tx, customerId);
    // Checked before the commit: a table the catalog query missed would roll everything back.
    const remaining = await remainingInDatabase(tx, customerId);
    if (Object.keys(remaining).length > 0) {
      throw new Error(`${domain} still has rows after its deletion: ${JSON.stringify(remaining)}`);
    }
    await ctx.audit.record(
      {
        ...auditActor,
        tenants: ['vendor'],
        action: 'customer.delete',
        target: domain,
        result: 'success',
        details: { customerId, rows, auditEntries, mails, jobs, repository: location },
      },
      tx,
    );
    return { rows, auditEntries, mails, jobs };
  });

  // The keys are gone with the commit, so the repository is unreadable; now it goes too.
  const repository = location ? await files.repository.deleteObjects(ctx, location) : { deleted: 0, locked: 0 };
  await files.deleteExportFiles(customerId);
  const remaining = await remainingInDatabase(ctx.db, customerId);
  const leftInRepository = location ? await files.repository.countObjects(location) : 0;
  if (leftInRepository > repository.locked) remaining.repository = leftInRepository - repository.locked;
  const complete = Object.keys(remaining).length === 0;
  await ctx.audit.record({
    ...auditActor,
    tenants: ['vendor'],
    action: 'customer.delete.verified',
    target: domain,
    result: complete ? 'success' : 'failure',
    details: { customerId, repositoryObjects: repository.deleted, repositoryLocked: repository.locked, remaining },
  });
  return {
    customerId,
    domain,
    ...deleted,
    repositoryObjects: repository.deleted,
    repositoryLocked: repository.locked,
    remaining,
  };
}

/** Rows of the tenant still anywhere in the database, per table (only tables with some). */
async function remainingInDatabase(db: Db, customerId: string): Promise<Record<string, number>> {
  const counts: Record<string, number> = {};
  for (const table of await tenantTables(db)) counts[table] = await countTenantRows(db, table, customerId);
  counts.customers = (await getCustomer(db, customerId)) ? 1 : 0;
  counts.audit_log = await countTenantAuditEntries(db, customerId);
  return Object.fromEntries(Object.entries(counts).filter(([, count]) => count > 0));
}
