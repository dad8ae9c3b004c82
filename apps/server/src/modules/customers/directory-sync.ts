// Directory sync (daily and on demand): copies a customer domain's users and org units from
// the Google Directory API. Suspended and deleted users keep their rows (marked), customer
// roles follow Google (every Google super admin is a Safehold super_admin of the tenant; one
// Google no longer calls super admin falls back to the role granted in Safehold), a suspended
// or deleted user's Safehold sessions end at once, new users get a Standard license
// when auto-assign is on (within the seats), and revoked delegation becomes the tenant's
// "authorisation lost" condition instead of a failure per user.
import { randomUUID } from 'node:crypto';
import {
  type DirectoryUser,
  GoogleApiError,
  type GoogleClient,
  type OrgUnit,
  TokenRequestError,
} from '@safehold/google';
import { and, asc, eq, inArray, isNull } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { AppError, notFound } from '../../http/errors.ts';
import {
  customerMembersOf,
  endCustomerMemberSessions,
  ensureSuperAdminMember,
  setMemberRole,
} from '../identity/index.ts';
import type { Actor } from '../policy/index.ts';
import { type CustomerRow, getCustomer, lockCustomer } from '../tenancy/index.ts';
import { isAuthorizationLost, recordAuthorizationLost } from './authorization.ts';
import { type AuditActor, type CustomersDeps, systemAuditActor } from './deps.ts';
import { applyResolvedChanges, auditTenantsFor, authorizedCustomerRow, trialRunning } from './licensing.ts';
import { countAssignedLicenses, type DirectoryUserRow, getConnection, updateConnection } from './store.ts';
import { directoryOrgUnits, directoryUsers } from './tables.ts';

export interface SyncReport {
  status: 'completed' | 'authorization_lost';
  users: { total: number; added: number; updated: number; suspended: number; deleted: number };
  orgUnits: number;
  /** Emails that became super_admin members of the tenant in this sync. */
  superAdminsAdded: string[];
  /** Emails of super_admin members Google no longer calls super admin, now back to their granted role. */
  superAdminsRemoved: string[];
  /** Emails of members Google suspended or deleted whose Safehold sessions this sync ended. */
  sessionsEnded: string[];
  /** New users given a Standard license by auto-assign. */
  autoAssigned: string[];
  /** New users auto-assign could not license for lack of seats. */
  autoAssignSkipped: string[];
  /** Set when status is authorization_lost. */
  authorization?: { clientId: string; missingScopes: string[]; fix: string };
}

const emptyReport = (): SyncReport => ({
  status: 'completed',
  users: { total: 0, added: 0, updated: 0, suspended: 0, deleted: 0 },
  orgUnits: 0,
  superAdminsAdded: [],
  superAdminsRemoved: [],
  sessionsEnded: [],
  autoAssigned: [],
  autoAssignSkipped: [],
});

/** On-demand sync from the API: the actor needs the License Manager's right. */
export async function requestDirectorySync(
  deps: CustomersDeps,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
): Promise<SyncReport> {
  await authorizedCustomerRow(deps, actor, 'customer.licenses.manage', customerId);
  return syncDirectory(deps, customerId, auditActor);
}

interface Fetched {
  active: DirectoryUser[];
  deleted: DirectoryUser[];
  orgUnits: OrgUnit[];
}

async function fetchDirectory(google: GoogleClient, admin: string, domain: string): Promise<Fetched> {
  const active: DirectoryUser[] = [];
  for await (const user of google.directory.listUsers(admin, { domain })) active.push(user);
  // Google lists deleted users (kept ~20 days) only with showDeleted=true, and only them.
  const deleted: DirectoryUser[] = [];
  for await (const user of google.directory.listUsers(admin, { domain, showDeleted: true })) deleted.push(user);
  const orgUnits = await google.directory.listOrgUnits(admin);
  return { active, deleted, orgUnits };
}

/** Syncs one tenant's directory (system use: the daily job, connect). */
export async function syncDirectory(
  deps: CustomersDeps,
  customerId: string,
  auditActor: AuditActor,
): Promise<SyncReport> {
  const customer = await getCustomer(deps.db, customerId);
  if (!customer) throw notFound('The customer');
  const connection = await getConnection(deps.db, customerId);
  if (!connection) throw new AppError('conflict', `${customer.domain} is not connected to Google yet.`);
  await updateConnection(deps.db, customerId, { lastSyncStartedAt: deps.clock.now() });
  const google = deps.google(connection.googleProject);
  // The connection's admin first; if Google no longer lets Safehold act as them (suspended,
  // deleted, no longer an admin), any other active super admin of the directory will do.
  const candidates = [
    connection.adminEmail,
    ...(await activeAdminEmails(deps.db, customerId)).filter((email) => email !== connection.adminEmail),
  ];
  let fetched: Fetched | null = null;
  let usedAdmin = connection.adminEmail;
  const refusals: string[] = [];
  for (const admin of candidates) {
    try {
      fetched = await fetchDirectory(google, admin, customer.domain);
      usedAdmin = admin;
      break;
    } catch (error) {
      if (isAuthorizationLost(error)) {
        const lost = await recordAuthorizationLost(deps, google, customer, error, auditActor);
        return {
          ...emptyReport(),
          status: 'authorization_lost',
          authorization: { clientId: lost.clientId, missingScopes: lost.missingScopes, fix: lost.fix },
        };
      }
      if (adminUnusable(error)) {
        refusals.push(`${admin}: ${(error as Error).message}`);
        continue;
      }
      const message = error instanceof Error ? error.message : String(error);
      await updateConnection(deps.db, customerId, { lastSyncError: message });
      throw error;
    }
  }
  if (!fetched) {
    const message =
      `No super admin of ${customer.domain} can be impersonated any more (${refusals.join('; ')}). ` +
      'Connect the domain again with an active super admin.';
    await updateConnection(deps.db, customerId, { lastSyncError: message });
    throw new AppError('conflict', message);
  }
  if (usedAdmin !== connection.adminEmail) {
    await deps.db.transaction(async (tx) => {
      await updateConnection(tx, customerId, { adminEmail: usedAdmin });
      await deps.audit.record(
        {
          ...auditActor,
          tenants: auditTenantsFor(customerId, auditActor),
          action: 'customer.connection.admin_changed',
          target: customer.domain,
          result: 'success',
          details: { from: connection.adminEmail, to: usedAdmin, reason: refusals[0] ?? null },
        },
        tx,
      );
    });
  }
  const directory = fetched;
  const report = await deps.db.transaction((tx) =>
    writeDirectory(deps, tx, customerId, directory, connection.autoAssignLicenses, auditActor),
  );
  const restored = connection.authorizationStatus === 'lost';
  await deps.db.transaction(async (tx) => {
    await updateConnection(tx, customerId, {
      lastSyncCompletedAt: deps.clock.now(),
      lastSyncError: null,
      ...(restored
        ? { authorizationStatus: 'authorized', missingScopes: [], authorizationChangedAt: deps.clock.now() }
        : {}),
    });
    if (restored) {
      await deps.audit.record(
        {
          ...auditActor,
          tenants: auditTenantsFor(customerId, auditActor),
          action: 'customer.authorization.restored',
          target: customer.domain,
          result: 'success',
        },
        tx,
      );
    }
    await deps.audit.record(
      {
        ...auditActor,
        tenants: auditTenantsFor(customerId, auditActor),
        action: 'directory.synced',
        target: customer.domain,
        result: 'success',
        details: {
          users: report.users,
          orgUnits: report.orgUnits,
          superAdminsAdded: report.superAdminsAdded,
          superAdminsRemoved: report.superAdminsRemoved,
          sessionsEnded: report.sessionsEnded,
          autoAssigned: report.autoAssigned.length,
          autoAssignSkipped: report.autoAssignSkipped.length,
        },
      },
      tx,
    );
  });
  if (deps.hooks.directorySynced) {
    await deps.hooks
      .directorySynced({ customerId, adminEmail: usedAdmin, google })
      .catch((error: unknown) =>
        deps.logger.warn({ err: error, customerId }, 'after the directory sync, the shared drives were not listed'),
      );
  }
  return report;
}

/** Google refused to act as this admin (unknown, suspended or deleted user; not an admin any more). */
function adminUnusable(error: unknown): boolean {
  if (error instanceof TokenRequestError) return true;
  return error instanceof GoogleApiError && error.status === 403 && error.classification === 'permanent';
}

async function activeAdminEmails(db: Db, customerId: string): Promise<string[]> {
  const rows = await db
    .select({ email: directoryUsers.primaryEmail })
    .from(directoryUsers)
    .where(
      and(
        eq(directoryUsers.customerId, customerId),
        eq(directoryUsers.isAdmin, true),
        eq(directoryUsers.suspended, false),
        isNull(directoryUsers.deletedAt),
      ),
    )
    .orderBy(asc(directoryUsers.primaryEmail));
  return rows.map((row) => row.email);
}

function timestamp(value: string | undefined): Date | null {
  if (!value) return null;
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? null : date;
}

async function writeDirectory(
  deps: CustomersDeps,
  tx: Db,
  customerId: string,
  fetched: Fetched,
  autoAssign: boolean,
  auditActor: AuditActor,
): Promise<SyncReport> {
  const report = emptyReport();
  const now = deps.clock.now();
  // Serialises with license batches and other syncs of this tenant.
  const customer = (await lockCustomer(tx, customerId)) as CustomerRow;
  const existing = new Map(
    (await tx.select().from(directoryUsers).where(eq(directoryUsers.customerId, customerId))).map((row) => [
      row.googleId,
      row,
    ]),
  );
  const seen = new Set<string>();
  const inserts: (typeof directoryUsers.$inferInsert)[] = [];
  const added: DirectoryUserRow[] = [];
  const listed = [
    ...fetched.active.map((user) => ({ user, deleted: false })),
    ...fetched.deleted.map((user) => ({ user, deleted: true })),
  ];
  for (const { user, deleted } of listed) {
    if (seen.has(user.id)) continue;
    seen.add(user.id);
    const values = {
      primaryEmail: user.primaryEmail.toLowerCase(),
      fullName: user.name?.fullName ?? '',
      isAdmin: user.isAdmin === true,
      suspended: user.suspended === true,
      archived: user.archived === true,
      orgUnitPath: user.orgUnitPath ?? '/',
      deletedAt: deleted ? (timestamp(user.deletionTime) ?? now) : null,
      googleCreatedAt: timestamp(user.creationTime),
      lastLoginAt: timestamp(user.lastLoginTime),
    };
    if (values.suspended) report.users.suspended++;
    if (deleted) report.users.deleted++;
    const row = existing.get(user.id);
    if (!row) {
      const insert = {
        id: randomUUID(),
        customerId,
        googleId: user.id,
        ...values,
        firstSeenAt: now,
        lastSyncedAt: now,
      };
      inserts.push(insert);
      added.push({ ...insert, license: null, licensedAt: null, purgeAfter: null, purgedAt: null, legalHold: false });
      continue;
    }
    const changed =
      row.primaryEmail !== values.primaryEmail ||
      row.fullName !== values.fullName ||
      row.isAdmin !== values.isAdmin ||
      row.suspended !== values.suspended ||
      row.archived !== values.archived ||
      row.orgUnitPath !== values.orgUnitPath ||
      (row.deletedAt === null) !== (values.deletedAt === null) ||
      row.lastLoginAt?.getTime() !== values.lastLoginAt?.getTime();
    if (changed) {
      report.users.updated++;
      await tx
        .update(directoryUsers)
        .set({ ...values, lastSyncedAt: now })
        .where(eq(directoryUsers.id, row.id));
    }
  }
  for (let start = 0; start < inserts.length; start += 500) {
    await tx.insert(directoryUsers).values(inserts.slice(start, start + 500));
  }
  report.users.added = inserts.length;
  // Users Google no longer lists at all (deleted more than ~20 days ago): kept, marked deleted.
  const vanished = [...existing.values()].filter((row) => !seen.has(row.googleId) && row.deletedAt === null);
  if (vanished.length > 0) {
    report.users.updated += vanished.length;
    await tx
      .update(directoryUsers)
      .set({ deletedAt: now, lastSyncedAt: now })
      .where(
        and(
          eq(directoryUsers.customerId, customerId),
          inArray(
            directoryUsers.id,
            vanished.map((row) => row.id),
          ),
        ),
      );
  }
  report.users.total = seen.size + [...existing.values()].filter((row) => !seen.has(row.googleId)).length;

  await tx.delete(directoryOrgUnits).where(eq(directoryOrgUnits.customerId, customerId));
  const units = new Map(fetched.orgUnits.map((unit) => [unit.orgUnitPath, unit]));
  if (units.size > 0) {
    await tx.insert(directoryOrgUnits).values(
      [...units.values()].map((unit) => ({
        customerId,
        orgUnitPath: unit.orgUnitPath,
        name: unit.name,
        parentOrgUnitPath: unit.parentOrgUnitPath ?? null,
        googleId: unit.orgUnitId ?? null,
      })),
    );
  }
  report.orgUnits = units.size;

  await syncMemberRoles(deps, tx, customerId, report);

  if (autoAssign) {
    const candidates = added.filter((user) => !user.suspended && user.deletedAt === null);
    let allowed = candidates;
    if (!trialRunning(customer, now)) {
      const free = Math.max(0, customer.seatsPurchased - (await countAssignedLicenses(tx, customerId)));
      allowed = candidates.slice(0, free);
      report.autoAssignSkipped = candidates.slice(free).map((user) => user.primaryEmail);
    }
    if (allowed.length > 0) {
      await applyResolvedChanges(
        deps,
        tx,
        customer,
        allowed.map((user) => ({ user, to: 'standard' as const })),
        auditActor,
        'licenses.auto_assigned',
      );
      report.autoAssigned = allowed.map((user) => user.primaryEmail);
    }
  }
  return report;
}

/** What Google says of an address now, from the directory rows this sync just wrote. */
type GoogleStanding = 'super_admin' | 'user' | 'suspended' | 'deleted' | 'unknown';

function standingOf(user: DirectoryUserRow | undefined): GoogleStanding {
  if (!user) return 'unknown';
  if (user.deletedAt) return 'deleted';
  if (user.suspended) return 'suspended';
  return user.isAdmin ? 'super_admin' : 'user';
}

/**
 * Makes the tenant's console roles follow Google: super_admin exactly while Google says so
 * (a member Google demoted, suspended, deleted or no longer lists falls back to the role
 * granted in Safehold), and a suspended or deleted user signed out of Safehold at once.
 * The changes are Google's, so the audit entries name the directory sync as the actor.
 */
async function syncMemberRoles(deps: CustomersDeps, tx: Db, customerId: string, report: SyncReport): Promise<void> {
  const directory = new Map(
    (await tx.select().from(directoryUsers).where(eq(directoryUsers.customerId, customerId))).map((user) => [
      user.primaryEmail.toLowerCase(),
      user,
    ]),
  );
  const record = (action: string, email: string, details: Record<string, unknown>) =>
    deps.audit.record(
      {
        ...systemAuditActor('directory sync'),
        tenants: [`customer:${customerId}`],
        action,
        target: email,
        result: 'success',
        details,
      },
      tx,
    );
  const before = new Map(
    (await customerMembersOf(tx, customerId)).map((member) => [member.email.toLowerCase(), member]),
  );
  for (const [email, user] of directory) {
    if (standingOf(user) !== 'super_admin' || before.get(email)?.role === 'super_admin') continue;
    await ensureSuperAdminMember(tx, customerId, email, randomUUID);
    report.superAdminsAdded.push(email);
    await record('customer.member.role_changed', email, {
      from: before.get(email)?.role ?? null,
      to: 'super_admin',
      reason: 'google_super_admin',
    });
  }
  for (const member of await customerMembersOf(tx, customerId)) {
    const email = member.email.toLowerCase();
    const standing = standingOf(directory.get(email));
    if (member.role === 'super_admin' && standing !== 'super_admin') {
      await setMemberRole(tx, member.id, member.grantedRole);
      report.superAdminsRemoved.push(email);
      await record('customer.member.role_changed', email, {
        from: 'super_admin',
        to: member.grantedRole,
        reason: `google_${standing}`,
      });
    }
    if (standing === 'suspended' || standing === 'deleted') {
      const ended = await endCustomerMemberSessions(tx, member.id);
      if (ended === 0) continue;
      report.sessionsEnded.push(email);
      await record('customer.member.sessions_ended', email, { sessions: ended, reason: `google_${standing}` });
    }
  }
}
