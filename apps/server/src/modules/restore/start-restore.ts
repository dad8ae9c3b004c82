// "Start a restore" — the one place a restore starts, whoever asks: the API (a person) and the
// CLI (the operator at the command line). It loads the tenant, asks the policy module whether
// the actor may restore its data (a shared drive's: administrators only), resolves and checks
// the request (the user's or drive's backup, the backup point, the target, the selection)
// before anything is written, refuses it while the customer's Cloud project has spent its day
// of the service's API (503, as an on-demand backup: it would stop at its first call), then creates the queued restore with its job and the audit
// entry of who asked, in one transaction, and returns it.
import type { AppContext } from '../../context.ts';
import { AppError } from '../../http/errors.ts';
import type { AuditEntryInput } from '../audit/index.ts';
import { isSharedDriveKey } from '../backup/index.ts';
import { refuseSpentProjectApis, serviceApi } from '../customers/index.ts';
import { type Actor, authorizeRestoreTarget, authorizeSharedDriveSubject, authorizeSubject } from '../policy/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import { RESTORE_JOB } from './restore-jobs.ts';
import {
  insertRestore,
  type Restore,
  type RestoreRequest,
  RestoreRequestError,
  restoreRowFor,
} from './restore-store.ts';

/** `config`: the Cloud projects' daily thresholds, for the refusal of a spent project's restore. */
export type StartRestoreDeps = Pick<AppContext, 'db' | 'clock' | 'jobs' | 'audit' | 'config'>;

export interface StartRestoreInput {
  customerId: string;
  /** What to restore; who asked is `by` (recorded on the restore as its audit actor's label). */
  request: Omit<RestoreRequest, 'requestedBy'>;
  /** Who starts it: the policy actor and the audit actor (with the request's ip and agent). */
  by: {
    actor: Actor;
    audit: Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent' | 'onBehalfOf'> & {
      tenants?: AuditEntryInput['tenants'];
    };
  };
  /**
   * Default true: the restore gets its job, for the workers. False: the caller runs it in its
   * own process (the CLI's --wait, runRestore).
   */
  enqueue?: boolean;
}

/**
 * Validates, authorizes, queues and audits a restore; returns the queued restore. A request
 * it cannot honour is a `validation_failed` AppError naming the field, and changes nothing. One
 * of a service whose API the customer's Cloud project spent today is a ProjectQuotaSpentError
 * (503 `unavailable`, Retry-After: seconds to midnight Pacific), and changes nothing either.
 */
export async function startRestore(deps: StartRestoreDeps, input: StartRestoreInput): Promise<Restore> {
  const { customerId } = input;
  await authorizeCustomer(deps.db, input.by.actor, 'customer.data.restore', customerId);
  if (isSharedDriveKey(input.request.user)) {
    authorizeSharedDriveSubject(input.by.actor);
  } else {
    // End users: their own backup, into their own account only.
    authorizeSubject(input.by.actor, input.request.user, `No backup of ${input.request.user} in this tenant.`);
    authorizeRestoreTarget(input.by.actor, input.request.to ?? input.request.user);
  }
  const values = await restoreRowFor(deps, customerId, {
    ...input.request,
    requestedBy: input.by.audit.actor.label,
  }).catch(asValidationError);
  // Refused as the on-demand backup is (the customers module's one check): no row, job or audit entry.
  await refuseSpentProjectApis(deps, customerId, [serviceApi[values.service]], 'restore_start');
  return deps.db.transaction(async (tx) => {
    // Row, job and audit entry commit together: no restore without its job or its record.
    const restore = await insertRestore(tx, values);
    if (input.enqueue ?? true) {
      await deps.jobs.enqueue(RESTORE_JOB, { restoreId: restore.id }, { singletonKey: restore.id, transaction: tx });
    }
    await deps.audit.record(
      {
        ...input.by.audit,
        tenants: [...new Set([...(input.by.audit.tenants ?? []), `customer:${customerId}` as const])],
        action: 'restore.request',
        target: restore.id,
        result: 'success',
        details: requestDetails(input.request, restore),
      },
      tx,
    );
    return restore;
  });
}

function asValidationError(error: unknown): never {
  if (error instanceof RestoreRequestError) {
    throw new AppError('validation_failed', error.message, { field: error.field });
  }
  throw error;
}

/** The audit entry's details: what was asked, as resolved (the user, the target). */
function requestDetails(request: StartRestoreInput['request'], restore: Restore): Record<string, unknown> {
  const selection = request.selection ?? {};
  return {
    user: restore.fromEmail,
    service: restore.service,
    to: restore.toEmail,
    asOf: request.asOf?.toISOString() ?? 'latest',
    inPlace: restore.inPlace,
    ...(selection.label ? { label: selection.label } : {}),
    ...(selection.folder ? { folder: selection.folder } : {}),
    ...(selection.items ? { items: selection.items.length } : {}),
    ...(selection.query ? { query: selection.query } : {}),
    permissions: restore.restorePermissions,
  };
}
