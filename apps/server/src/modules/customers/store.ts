// SQL of the customers module: tenants, their Google connection, the synced directory and
// license state. Every query on tenant data filters by the customer id it is given.
import { and, count, eq, inArray, isNotNull, isNull, lte, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { customers } from '../tenancy/tables.ts';
import { customerConnections, directoryUsers } from './tables.ts';

export type CustomerRow = typeof customers.$inferSelect;
export type ConnectionRow = typeof customerConnections.$inferSelect;
export type DirectoryUserRow = typeof directoryUsers.$inferSelect;
export type LicenseType = 'standard' | 'archived';

export async function findCustomerByDomain(db: Db, domain: string): Promise<CustomerRow | null> {
  const [row] = await db.select().from(customers).where(eq(customers.domain, domain));
  return row ?? null;
}

export async function getCustomer(db: Db, customerId: string): Promise<CustomerRow | null> {
  const [row] = await db.select().from(customers).where(eq(customers.id, customerId));
  return row ?? null;
}

/** Deletes the customer row (its dependent rows must be gone, or cascade); returns 1 or 0. */
export async function deleteCustomerRow(db: Db, customerId: string): Promise<number> {
  const deleted = await db.delete(customers).where(eq(customers.id, customerId)).returning({ id: customers.id });
  return deleted.length;
}

/** The customer row locked for the rest of the transaction (serialises seat changes). */
export async function lockCustomer(tx: Db, customerId: string): Promise<CustomerRow | null> {
  const [row] = await tx.select().from(customers).where(eq(customers.id, customerId)).for('update');
  return row ?? null;
}

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

/** Users whose grace period ended and whose data has not been purged yet. */
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
      ),
    )
    .limit(limit);
}

export async function connectedCustomerIds(db: Db): Promise<string[]> {
  const rows = await db
    .select({ id: customerConnections.customerId })
    .from(customerConnections)
    .innerJoin(customers, eq(customers.id, customerConnections.customerId))
    .where(inArray(customers.status, ['trial', 'active']));
  return rows.map((row) => row.id);
}
