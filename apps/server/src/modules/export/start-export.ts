// "Start an export" — the one place a zip export starts, whoever asks: the API (a person) and
// the CLI (the operator at the command line). It loads the tenant, asks the policy module
// whether the actor may export its data, checks the request (known services, a backup of the
// user or shared drive as of the time asked for, a selection of exactly one service it fits)
// before anything is written, then creates the queued export
// with its job and the audit entry of who asked, in one transaction, and returns it.
import type { AppContext } from '../../context.ts';
import { AppError } from '../../http/errors.ts';
import type { AuditEntryInput } from '../audit/index.ts';
import { isSharedDriveKey, type VersionSelection } from '../backup/index.ts';
import { type Actor, authorizeSharedDriveSubject, authorizeSubject } from '../policy/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import { type ExportService, exportServices } from './export-archive.ts';
import { type DataExport, EXPORT_JOB, exportAuditDetails, exportRowFor, insertExport } from './exports.ts';

export type StartExportDeps = Pick<AppContext, 'db' | 'clock' | 'jobs' | 'audit'>;

export interface StartExportInput {
  customerId: string;
  /** The backed-up user whose data is exported (email), or a shared drive (its id, as browse names it). */
  user: string;
  /** Default: every service (a shared drive: Drive). A selection needs exactly one. */
  services?: readonly string[];
  /** A label (Gmail), folder (Drive), items or query: only that of the one service is exported. */
  selection?: VersionSelection;
  /** The backup as of this time; default (null) the latest backup point of each service. */
  asOf?: Date | null;
  /** Who starts it: the policy actor and the audit actor (with the request's ip and agent). */
  by: {
    actor: Actor;
    audit: Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent' | 'onBehalfOf'> & {
      tenants?: AuditEntryInput['tenants'];
    };
  };
  /**
   * Default true: the export gets its job, for the workers. False: the caller builds it in its
   * own process (the CLI, runExport).
   */
  enqueue?: boolean;
}

/**
 * Validates, authorizes, queues and audits an export; returns the queued export. Bad input is a
 * `validation_failed` AppError naming the field, and changes nothing.
 */
export async function startExport(deps: StartExportDeps, input: StartExportInput): Promise<DataExport> {
  const { customerId } = input;
  await authorizeCustomer(deps.db, input.by.actor, 'customer.data.export', customerId);
  // A user is named by email; anything else names a shared drive (by id), never an end user's.
  const sharedDriveId = isSharedDriveKey(input.user) ? input.user : undefined;
  if (sharedDriveId) authorizeSharedDriveSubject(input.by.actor);
  else authorizeSubject(input.by.actor, input.user, `No backup of ${input.user} in this tenant.`);
  const values = await exportRowFor(deps, {
    customerId,
    subjectEmail: input.user.toLowerCase(),
    ...(sharedDriveId ? { sharedDriveId } : {}),
    ...(input.services ? { services: parseServices(input.services) } : {}),
    ...(input.selection ? { selection: input.selection } : {}),
    asOf: input.asOf ?? null,
    requestedBy: input.by.audit.actor.label,
  });
  return deps.db.transaction(async (tx) => {
    // Row, job and audit entry commit together: no export without its job or its record.
    const row = await insertExport(tx, values);
    if (input.enqueue ?? true) {
      await deps.jobs.enqueue(EXPORT_JOB, { exportId: row.id }, { singletonKey: row.id, transaction: tx });
    }
    await deps.audit.record(
      {
        ...input.by.audit,
        tenants: [...new Set([...(input.by.audit.tenants ?? []), `customer:${customerId}` as const])],
        action: 'export.create',
        target: customerId,
        result: 'success',
        details: exportAuditDetails(row),
      },
      tx,
    );
    return row;
  });
}

function parseServices(services: readonly string[]): ExportService[] {
  const unknown = services.filter((service) => !isExportService(service));
  if (unknown.length > 0) {
    throw new AppError(
      'validation_failed',
      `Unknown service "${unknown.join('", "')}": give one or more of ${exportServices.join(', ')}.`,
      { field: 'services' },
    );
  }
  return services.filter(isExportService);
}

const isExportService = (value: string): value is ExportService => exportServices.includes(value as ExportService);
