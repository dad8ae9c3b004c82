// "Start a backup" — the one place a backup starts, whoever asks: the API (a person), the CLI
// (the operator at the command line) and the scheduler (the daily tick). It loads the tenant,
// asks the policy module whether the actor may run backups there, resolves the scope to
// subjects (licensed users, shared drives, or sources the scheduler chose), refuses bad input
// before anything is written, creates the queued runs with their jobs, and records who did it.
import { randomUUID } from 'node:crypto';
import { and, eq, inArray } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { AppError } from '../../http/errors.ts';
import type { AuditEntryInput } from '../audit/index.ts';
import { refuseSpentProjectApis, serviceApi, usersToBackUp } from '../customers/index.ts';
import type { Actor } from '../policy/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import { type BackupService, type BackupSubject, backupServices, type EnqueuedRun } from './backup-types.ts';
import { createQueuedRuns, insertQueuedRun } from './queue-runs.ts';
import { sharedDriveSources, unprotectedSharedDrives } from './shared-drives.ts';
import { backupSources } from './tables.ts';

/** Given `config`, an on-demand backup of an API whose Cloud project spent its quota day is refused. */
export type StartBackupDeps = Pick<AppContext, 'db' | 'clock' | 'jobs' | 'audit'> & Partial<Pick<AppContext, 'config'>>;

/** A registered source (subject × service) the caller already picked: the scheduler's due ones. */
export interface ChosenSource {
  id: string;
  subject: BackupSubject;
  service: BackupService;
}

export type BackupScope =
  /**
   * Every licensed user, and with Drive the shared drives: those `sharedDrives` lists (the CLI
   * and the API ask Google; called only when there are users and Drive is in), else — without
   * it, or when it answers null because Google could not list them — the registered ones.
   */
  | { kind: 'domain'; sharedDrives?: () => Promise<readonly BackupSubject[] | null> }
  /** Some licensed users, by email. */
  | { kind: 'users'; emails: readonly string[] }
  /** Some registered shared drives, by Google id (Drive only). */
  | { kind: 'shared_drives'; ids: readonly string[] }
  /** Sources of this tenant chosen by the caller (the scheduler's fair share). */
  | { kind: 'sources'; sources: readonly ChosenSource[] };

export interface StartBackupInput {
  customerId: string;
  scope: BackupScope;
  /** Default: all four (shared drives: Drive only). Ignored for `sources`, which name theirs. */
  services?: readonly string[];
  /** Who starts it: the policy actor and the audit actor (with the request's ip and agent). */
  by: {
    actor: Actor;
    audit: Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent' | 'onBehalfOf'> & {
      tenants?: AuditEntryInput['tenants'];
    };
  };
  trigger: 'scheduled' | 'on_demand';
  /** Why, for the audit entry (e.g. "daily window"). */
  reason?: string;
  /**
   * Default true: each run gets its job, for the workers. False: the caller runs them in its own
   * process (the CLI's --wait, runQueuedInProcess).
   */
  enqueue?: boolean;
}

/** Validates, authorizes, queues and audits a backup; returns the queued runs. */
export async function startBackup(deps: StartBackupDeps, input: StartBackupInput): Promise<EnqueuedRun[]> {
  const { customerId } = input;
  await authorizeCustomer(deps.db, input.by.actor, 'customer.backup.run', customerId);
  const services = parseServices(input.services);
  if (input.trigger === 'on_demand' && input.scope.kind !== 'sources')
    await refuseSpentProject(deps, customerId, services);
  const enqueue = input.enqueue ?? true;
  let runs: EnqueuedRun[];
  if (input.scope.kind === 'sources') {
    runs = await queueChosenSources(deps, customerId, input.scope.sources, input.trigger, enqueue);
  } else {
    const subjects = await subjectsOf(deps, customerId, input.scope, services);
    runs = await createQueuedRuns(deps, customerId, { subjects, services, trigger: input.trigger, enqueue });
  }
  await deps.audit.record({
    ...input.by.audit,
    tenants: [...new Set([...(input.by.audit.tenants ?? []), `customer:${customerId}` as const])],
    action: 'backup.run',
    target: customerId,
    result: 'success',
    details: {
      trigger: input.trigger,
      scope: scopeSummary(input.scope),
      services: input.scope.kind === 'sources' ? [...new Set(runs.map((run) => run.service))] : services,
      runs: runs.length,
      ...(input.reason ? { reason: input.reason } : {}),
    },
  });
  return runs;
}

/**
 * An on-demand backup of a service whose API the customer's Cloud project spent today would be
 * refused call by call: it is refused here instead, with the reason and when backups resume
 * (503, Retry-After: midnight Pacific; the customers module's check, the restore's too). The
 * scheduler defers such runs the same way.
 */
async function refuseSpentProject(
  deps: StartBackupDeps,
  customerId: string,
  services: readonly BackupService[],
): Promise<void> {
  if (!deps.config) return;
  await refuseSpentProjectApis(
    { db: deps.db, clock: deps.clock, config: deps.config },
    customerId,
    services.map((service) => serviceApi[service]),
    'backups',
  );
}

function parseServices(services: readonly string[] | undefined): BackupService[] {
  if (services === undefined) return [...backupServices];
  const known = services.filter(isBackupService);
  const unknown = services.filter((service) => !isBackupService(service));
  if (known.length === 0 || unknown.length > 0) {
    const what = unknown.length > 0 ? `Unknown service "${unknown.join('", "')}"` : 'No service given';
    throw new AppError('validation_failed', `${what}: give one or more of ${backupServices.join(', ')}.`, {
      field: 'services',
    });
  }
  return [...new Set(known)];
}

const isBackupService = (value: string): value is BackupService => backupServices.includes(value as BackupService);

/**
 * The subjects of a scope. Licensed users as the scheduler takes them (Standard, not suspended
 * or deleted; none while the tenant's authorisation is lost or it is not in trial/active).
 */
async function subjectsOf(
  deps: StartBackupDeps,
  customerId: string,
  scope: Exclude<BackupScope, { kind: 'sources' }>,
  services: readonly BackupService[],
): Promise<BackupSubject[]> {
  if (scope.kind === 'shared_drives') return chosenSharedDrives(deps, customerId, scope.ids, services);
  const licensed: BackupSubject[] = (await usersToBackUp(deps.db, customerId)).map((user) => ({
    kind: 'user',
    id: user.googleId,
    email: user.email,
  }));
  let subjects: BackupSubject[];
  if (scope.kind === 'users') {
    const wanted = scope.emails.map((email) => email.toLowerCase());
    const known = new Set(licensed.map((subject) => subject.email.toLowerCase()));
    const unknown = wanted.filter((email) => !known.has(email));
    if (unknown.length > 0) {
      throw new AppError(
        'validation_failed',
        `Not a licensed user of this domain (a Standard license is needed for backup): ${unknown.join(', ')}.`,
        { field: 'users' },
      );
    }
    subjects = licensed.filter((subject) => wanted.includes(subject.email.toLowerCase()));
  } else {
    subjects = licensed;
    // A whole-domain backup also covers the shared drives.
    if (subjects.length > 0 && services.includes('drive')) {
      subjects.push(...((await scope.sharedDrives?.()) ?? (await registeredSharedDrives(deps, customerId))));
    }
  }
  if (subjects.length === 0) {
    throw new AppError(
      'conflict',
      'This domain has no users to back up: license users first (and check that its Google authorisation is intact).',
    );
  }
  return subjects;
}

async function registeredSharedDrives(deps: StartBackupDeps, customerId: string): Promise<BackupSubject[]> {
  const rows = await deps.db.select().from(backupSources).where(sharedDriveSources(customerId));
  // A drive the tenant stopped protecting keeps its backups but is not backed up again.
  const unprotected = await unprotectedSharedDrives(deps.db, customerId);
  return rows
    .filter((row) => !unprotected.has(row.subjectId))
    .map((row) => ({ kind: 'shared_drive', id: row.subjectId, email: row.subjectEmail }));
}

async function chosenSharedDrives(
  deps: StartBackupDeps,
  customerId: string,
  ids: readonly string[],
  services: readonly BackupService[],
): Promise<BackupSubject[]> {
  if (!services.includes('drive')) {
    throw new AppError('validation_failed', 'A shared drive is backed up by the drive service only.', {
      field: 'services',
    });
  }
  const registered = await registeredSharedDrives(deps, customerId);
  const unknown = ids.filter((id) => !registered.some((drive) => drive.id === id));
  if (ids.length === 0 || unknown.length > 0) {
    throw new AppError(
      'validation_failed',
      `Not a known shared drive of this domain, or not protected: ${unknown.join(', ') || '(none given)'}.`,
      {
        field: 'sharedDrives',
      },
    );
  }
  return registered.filter((drive) => ids.includes(drive.id));
}

/** Queues one run per chosen source, after checking every source is this tenant's. */
async function queueChosenSources(
  deps: StartBackupDeps,
  customerId: string,
  sources: readonly ChosenSource[],
  trigger: 'scheduled' | 'on_demand',
  enqueue: boolean,
): Promise<EnqueuedRun[]> {
  const ids = sources.map((source) => source.id);
  const owned =
    ids.length === 0
      ? []
      : await deps.db
          .select({ id: backupSources.id })
          .from(backupSources)
          .where(and(eq(backupSources.customerId, customerId), inArray(backupSources.id, ids)));
  const ownedIds = new Set(owned.map((row) => row.id));
  const foreign = ids.filter((id) => !ownedIds.has(id));
  if (foreign.length > 0) {
    throw new AppError('validation_failed', `Not a backup source of this domain: ${foreign.join(', ')}.`, {
      field: 'sources',
    });
  }
  const now = deps.clock.now();
  const runs: EnqueuedRun[] = [];
  for (const source of sources) {
    const runId = randomUUID();
    await insertQueuedRun(deps, { id: runId, customerId, sourceId: source.id, trigger, queuedAt: now }, enqueue);
    runs.push({ runId, sourceId: source.id, subject: source.subject, service: source.service });
  }
  return runs;
}

function scopeSummary(scope: BackupScope): Record<string, unknown> {
  switch (scope.kind) {
    case 'domain':
      return { kind: 'domain' };
    case 'users':
      return { kind: 'users', users: scope.emails.map((email) => email.toLowerCase()) };
    case 'shared_drives':
      return { kind: 'shared_drives', ids: [...scope.ids] };
    case 'sources':
      return { kind: 'sources', sources: scope.sources.length };
  }
}
