// Read models of a customer tenant: the signed-in customer's own overview (GET /api/customer),
// the installation's tenant list (CLI), and the users the backup engine should back up.
import { and, asc, count, eq, inArray, isNull, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { type Actor, type CustomerRole, canSee, partnerSessionConsoleRole } from '../policy/index.ts';
import {
  authorizeCustomer,
  type CustomerRow,
  type CustomerStatus,
  customerColumn,
  customerIdsByDomain,
  getCustomer,
  inServiceStatuses,
  loadCustomerTenant,
} from '../tenancy/index.ts';
import { type AccessControls, accessControlsOf } from './access-controls.ts';
import { delegationFix } from './authorization.ts';
import { projectQuotaWaits } from './cloud-projects.ts';
import type { CustomersDeps } from './deps.ts';
import { type SeatSummary, seatSummary } from './licensing.ts';
import { getConnection } from './store.ts';
import { customerConnections, directoryUsers } from './tables.ts';

export interface CustomerOverview {
  id: string;
  domain: string;
  name: string;
  status: CustomerRow['status'];
  trialEndsAt: string | null;
  seats: SeatSummary;
  autoAssign: boolean;
  authorization: {
    status: 'authorized' | 'lost' | 'reauthorization_required' | 'not_connected';
    missingScopes: string[];
    /** What to do about a lost authorisation, in words. */
    fix: string | null;
    changedAt: string | null;
  };
  lastSync: { startedAt: string | null; completedAt: string | null; error: string | null };
  /** Settings › Access controls: what end users may do with their own backups. */
  accessControls: AccessControls;
  /** Daily quotas its Cloud project spent today: those backups wait until `resetsAt` (midnight Pacific). */
  projectQuota: Array<{ api: string; resetsAt: string; reason: string }>;
}

/** GET /api/customer: the tenant as its signed-in member sees it, with the member's own role. */
export interface OwnCustomerOverview extends CustomerOverview {
  role: CustomerRole;
}

type OverviewDeps = Pick<CustomersDeps, 'db' | 'clock'> & Partial<Pick<CustomersDeps, 'googleSettings'>>;

export async function customerOverview(deps: OverviewDeps, customerId: string): Promise<CustomerOverview> {
  const customer = await getCustomer(deps.db, customerId);
  if (!customer) throw notFound('The customer');
  const connection = await getConnection(deps.db, customerId);
  const waits = deps.googleSettings
    ? ((
        await projectQuotaWaits({ db: deps.db, clock: deps.clock, config: { google: deps.googleSettings() } }, [
          customerId,
        ])
      ).get(customerId) ?? [])
    : [];
  return {
    id: customer.id,
    domain: customer.domain,
    name: customer.name,
    status: customer.status,
    trialEndsAt: customer.trialEndsAt?.toISOString() ?? null,
    seats: await seatSummary(deps.db, customer, deps.clock.now()),
    autoAssign: connection?.autoAssignLicenses ?? false,
    authorization: {
      status: connection?.authorizationStatus ?? 'not_connected',
      missingScopes: connection?.missingScopes ?? [],
      fix:
        connection?.authorizationStatus === 'lost' || connection?.authorizationStatus === 'reauthorization_required'
          ? delegationFix(connection.clientId, connection.missingScopes)
          : null,
      changedAt: connection?.authorizationChangedAt.toISOString() ?? null,
    },
    lastSync: {
      startedAt: connection?.lastSyncStartedAt?.toISOString() ?? null,
      completedAt: connection?.lastSyncCompletedAt?.toISOString() ?? null,
      error: connection?.lastSyncError ?? null,
    },
    accessControls: accessControlsOf(customer),
    projectQuota: waits.map((wait) => ({
      api: wait.api,
      resetsAt: wait.resetsAt.toISOString(),
      reason: wait.reason,
    })),
  };
}

/**
 * The signed-in customer member's own tenant, for every role: the end user's "My backups"
 * needs the domain, the status and the access controls. Nothing in it names another person
 * (seat counts, the Google connection's state), so every member gets the same overview, and
 * their own role to choose the console they see.
 */
export async function ownCustomerOverview(deps: OverviewDeps, actor: Actor): Promise<OwnCustomerOverview> {
  // A partner user in a partner session sees the console of the customer it opened (issue 18 §2).
  if (actor.kind === 'partner' && actor.partnerSession) {
    const { customerId } = actor.partnerSession;
    await authorizeCustomer(deps.db, actor, 'customer.read', customerId);
    return { ...(await customerOverview(deps, customerId)), role: partnerSessionConsoleRole(actor.role) };
  }
  if (actor.kind !== 'customer') throw new AppError('not_found', 'Only a customer member has an own customer.');
  const tenant = await loadCustomerTenant(deps.db, actor.customerId);
  if (!tenant || !canSee(actor, tenant)) throw notFound('The customer');
  return { ...(await customerOverview(deps, actor.customerId)), role: actor.role };
}

/** Every tenant of the installation, for operators at the command line. */
export async function listCustomers(deps: OverviewDeps): Promise<CustomerOverview[]> {
  const result: CustomerOverview[] = [];
  for (const id of await customerIdsByDomain(deps.db)) result.push(await customerOverview(deps, id));
  return result;
}

export interface UserToBackUp {
  userId: string;
  googleId: string;
  email: string;
}

/**
 * Directory users the backup engine backs up daily: Standard license (Archived keeps data but
 * takes no new backups), present in Google (not deleted) and not suspended (Google refuses
 * tokens for suspended users). Coverage figures count these users too.
 */
export function backedUpUserCondition(customerId: string): SQL {
  return and(
    eq(directoryUsers.customerId, customerId),
    eq(directoryUsers.license, 'standard'),
    eq(directoryUsers.suspended, false),
    isNull(directoryUsers.deletedAt),
  ) as SQL;
}

/**
 * The Google ids of the users the backup engine backs up (backedUpUserCondition), as a
 * subquery for the backup engine's own queries: `inArray(backupSources.subjectId, ...)`.
 */
export function backedUpUserGoogleIds(customerId: string): SQL {
  return sql`(select ${directoryUsers.googleId} from ${directoryUsers} where ${backedUpUserCondition(customerId)})`;
}

/** How many users the backup engine backs up (coverage's denominator). */
export async function countUsersToBackUp(db: Db, customerId: string): Promise<number> {
  const [row] = await db.select({ n: count() }).from(directoryUsers).where(backedUpUserCondition(customerId));
  return Number(row?.n ?? 0);
}

/**
 * The users the backup engine backs up daily (backedUpUserCondition). Empty while the
 * tenant's authorisation is lost or the tenant is not in trial/active.
 */
export async function usersToBackUp(db: Db, customerId: string): Promise<UserToBackUp[]> {
  return backedUpUsersWhere(db, customerId);
}

/** Those of `googleIds` (one page of users) the backup engine backs up daily, as usersToBackUp. */
export async function usersToBackUpAmong(
  db: Db,
  customerId: string,
  googleIds: readonly string[],
): Promise<UserToBackUp[]> {
  if (googleIds.length === 0) return [];
  return backedUpUsersWhere(db, customerId, inArray(directoryUsers.googleId, [...googleIds]));
}

async function backedUpUsersWhere(db: Db, customerId: string, narrowed?: SQL): Promise<UserToBackUp[]> {
  const [state] = await db
    .select({
      status: customerColumn(customerConnections.customerId, 'status'),
      authorization: customerConnections.authorizationStatus,
    })
    .from(customerConnections)
    .where(eq(customerConnections.customerId, customerId));
  if (state?.authorization !== 'authorized' || !isInService(state.status)) return [];
  const rows = await db
    .select({ userId: directoryUsers.id, googleId: directoryUsers.googleId, email: directoryUsers.primaryEmail })
    .from(directoryUsers)
    .where(narrowed ? and(backedUpUserCondition(customerId), narrowed) : backedUpUserCondition(customerId))
    .orderBy(asc(directoryUsers.primaryEmail));
  return rows;
}

function isInService(status: CustomerStatus | null): boolean {
  return (inServiceStatuses as readonly (CustomerStatus | null)[]).includes(status);
}
