// SQL of the customers module: tenants, their Google connection, the synced directory and
// license state. Every query on tenant data filters by the customer id it is given.
import { and, asc, count, eq, inArray, isNotNull, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { customerIdsWithStatus, inServiceStatuses } from '../tenancy/index.ts';
import { customerConnections, directoryUsers } from './tables.ts';

export type ConnectionRow = typeof customerConnections.$inferSelect;
export type DirectoryUserRow = typeof directoryUsers.$inferSelect;
export type LicenseType = 'standard' | 'archived';

export async function getConnection(db: Db, customerId: string): Promise<ConnectionRow | null> {
  const [row] = await db.select().from(customerConnections).where(eq(customerConnections.customerId, customerId));
  return row ?? null;
}

export async function updateConnection(
  db: Db,
  customerId: string,
  values: Partial<Omit<ConnectionRow, 'customerId'>>,
): Promise<void> {
  await db.update(customerConnections).set(values).where(eq(customerConnections.customerId, customerId));
}

/** Licenses held (Standard and Archived both take a seat). */
export async function countAssignedLicenses(db: Db, customerId: string): Promise<number> {
  const [row] = await db
    .select({ n: count() })
    .from(directoryUsers)
    .where(and(eq(directoryUsers.customerId, customerId), isNotNull(directoryUsers.license)));
  return row?.n ?? 0;
}

export async function countLicensesByType(
  db: Db,
  customerId: string,
): Promise<{ standard: number; archived: number; users: number }> {
  const [row] = await db
    .select({
      users: count(),
      standard: sql<number>`count(*) filter (where ${directoryUsers.license} = 'standard')::int`,
      archived: sql<number>`count(*) filter (where ${directoryUsers.license} = 'archived')::int`,
    })
    .from(directoryUsers)
    .where(eq(directoryUsers.customerId, customerId));
  return { users: row?.users ?? 0, standard: row?.standard ?? 0, archived: row?.archived ?? 0 };
}

export async function directoryUsersByIds(db: Db, customerId: string, ids: string[]): Promise<DirectoryUserRow[]> {
  if (ids.length === 0) return [];
  return db
    .select()
    .from(directoryUsers)
    .where(and(eq(directoryUsers.customerId, customerId), inArray(directoryUsers.id, ids)));
}

export async function directoryUsersByEmails(
  db: Db,
  customerId: string,
  emails: string[],
): Promise<DirectoryUserRow[]> {
  if (emails.length === 0) return [];
  return db
    .select()
    .from(directoryUsers)
    .where(
      and(
        eq(directoryUsers.customerId, customerId),
        inArray(
          sql`lower(${directoryUsers.primaryEmail})`,
          emails.map((email) => email.toLowerCase()),
        ),
      ),
    );
}

export async function allDirectoryUsers(db: Db, customerId: string): Promise<DirectoryUserRow[]> {
  return db.select().from(directoryUsers).where(eq(directoryUsers.customerId, customerId));
}

/** Users whose grace period ended and whose data has not been purged yet (a legal hold suspends the purge). */
export async function usersDueForPurge(db: Db, now: Date, limit: number): Promise<DirectoryUserRow[]> {
  return db
    .select()
    .from(directoryUsers)
    .where(
      and(
        isNull(directoryUsers.license),
        isNotNull(directoryUsers.purgeAfter),
        isNull(directoryUsers.purgedAt),
        lte(directoryUsers.purgeAfter, now),
        eq(directoryUsers.legalHold, false),
      ),
    )
    .limit(limit);
}

/** The in-service customers' ids (a subquery) whose Google authorisation holds, for the scheduler. */
export function authorizedCustomerIds(): SQL {
  return sql`(select ${customerConnections.customerId} from ${customerConnections}
    where ${customerConnections.authorizationStatus} = 'authorized')`;
}

export async function connectedCustomerIds(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: customerConnections.customerId })
    .from(customerConnections)
    .where(inArray(customerConnections.customerId, customerIdsWithStatus(inServiceStatuses)));
  return rows.map((row) => row.id);
}

/** Whether the tenant's directory has been synced at least once (has any user row). */
export async function hasDirectoryUsers(db: Db, customerId: string): Promise<boolean> {
  const [row] = await db
    .select({ id: directoryUsers.id })
    .from(directoryUsers)
    .where(eq(directoryUsers.customerId, customerId))
    .limit(1);
  return row !== undefined;
}

/** The Google id of a directory user of the tenant; null when the user is not the tenant's. */
export async function directoryUserGoogleId(db: Db, customerId: string, userId: string): Promise<string | null> {
  const [row] = await db
    .select({ googleId: directoryUsers.googleId })
    .from(directoryUsers)
    .where(and(eq(directoryUsers.id, userId), eq(directoryUsers.customerId, customerId)));
  return row?.googleId ?? null;
}

/** The Google ids of the tenant's users on legal hold, as a subquery (their backups are never pruned). */
export function legalHoldGoogleIds(customerId: string): SQL {
  return sql`(select ${directoryUsers.googleId} from ${directoryUsers}
    where ${directoryUsers.customerId} = ${customerId} and ${directoryUsers.legalHold})`;
}

/**
 * The lower-cased addresses holding a license in the tenant's directory (not deleted), as a
 * subquery for another module's query (an address `in` it holds a license).
 */
export function licensedEmails(customerId: string): SQL {
  return sql`(select lower(${directoryUsers.primaryEmail}) from ${directoryUsers}
    where ${directoryUsers.customerId} = ${customerId} and ${directoryUsers.license} is not null
      and ${directoryUsers.deletedAt} is null)`;
}

export interface DirectoryPageQuery {
  q?: string | undefined;
  /** licensed (default): users holding a license; all: every directory user. */
  users?: 'licensed' | 'all' | undefined;
  limit: number;
  offset: number;
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/** One page of the tenant's directory users by address (search on address and name), and the total. */
export async function directoryUsersPage(
  db: Db,
  customerId: string,
  query: DirectoryPageQuery,
): Promise<{ rows: DirectoryUserRow[]; total: number }> {
  const email = sql`lower(${directoryUsers.primaryEmail})`;
  const conditions = [eq(directoryUsers.customerId, customerId)];
  if ((query.users ?? 'licensed') === 'licensed') conditions.push(isNotNull(directoryUsers.license));
  if (query.q) {
    const pattern = `%${escapeLike(query.q.toLowerCase())}%`;
    const matches = or(sql`${email} like ${pattern}`, sql`lower(${directoryUsers.fullName}) like ${pattern}`);
    if (matches) conditions.push(matches);
  }
  const where = and(...conditions);
  const [total] = await db.select({ n: count() }).from(directoryUsers).where(where);
  const rows = await db
    .select()
    .from(directoryUsers)
    .where(where)
    .orderBy(asc(email), asc(directoryUsers.id))
    .limit(query.limit)
    .offset(query.offset);
  return { rows, total: Number(total?.n ?? 0) };
}

/** Seeds directory users (bench: a synced directory without Google). */
export async function insertDirectoryUsers(db: Db, rows: (typeof directoryUsers.$inferInsert)[]): Promise<void> {
  if (rows.length > 0) await db.insert(directoryUsers).values(rows);
}

/** A customer's Google connection as the alerts see it: whether delegation holds, and since when. */
export interface ConnectionState {
  customerId: string;
  clientId: string;
  authorizationStatus: 'authorized' | 'lost' | 'reauthorization_required';
  missingScopes: string[];
  authorizationChangedAt: Date;
  connectedAt: Date;
}

/**
 * Every connected customer's connection state (one statement; the alerts' evaluation), or
 * only those of `onlyCustomerIds` when given.
 */
export async function connectionStates(
  db: Db,
  onlyCustomerIds: readonly string[] | null = null,
): Promise<ConnectionState[]> {
  if (onlyCustomerIds?.length === 0) return [];
  return db
    .select({
      customerId: customerConnections.customerId,
      clientId: customerConnections.clientId,
      authorizationStatus: customerConnections.authorizationStatus,
      missingScopes: customerConnections.missingScopes,
      authorizationChangedAt: customerConnections.authorizationChangedAt,
      connectedAt: customerConnections.createdAt,
    })
    .from(customerConnections)
    .where(onlyCustomerIds === null ? undefined : inArray(customerConnections.customerId, [...onlyCustomerIds]));
}

/** Standard and Archived licenses held by every customer (customers without a license are absent). */
export async function licenseCountsByCustomer(db: Db): Promise<Map<string, { standard: number; archived: number }>> {
  const counts = new Map<string, { standard: number; archived: number }>();
  const rows = await db
    .select({
      customerId: directoryUsers.customerId,
      standard: sql<number>`count(*) filter (where ${directoryUsers.license} = 'standard')::int`,
      archived: sql<number>`count(*) filter (where ${directoryUsers.license} = 'archived')::int`,
    })
    .from(directoryUsers)
    .where(isNotNull(directoryUsers.license))
    .groupBy(directoryUsers.customerId);
  for (const row of rows) counts.set(row.customerId, { standard: row.standard, archived: row.archived });
  return counts;
}
