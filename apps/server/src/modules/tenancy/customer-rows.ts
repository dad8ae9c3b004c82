// The customer tenant rows (the `customers` table) for the modules that read or change them:
// other modules never query the table, they call these. Each function names the customer it is
// on; the subquery builders let another module's query keep to customers in some state in
// one statement, without a join on this module's table.
import { type AnyColumn, asc, eq, inArray, lt, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { customers } from './tables.ts';

export type CustomerRow = typeof customers.$inferSelect;
export type NewCustomer = Pick<typeof customers.$inferInsert, 'id' | 'domain' | 'name'> &
  Partial<typeof customers.$inferInsert>;
export type CustomerStatus = CustomerRow['status'];

/** The statuses in which a tenant is served: backed up on schedule, its directory synced. */
export const inServiceStatuses = ['trial', 'active'] as const satisfies readonly CustomerStatus[];

export async function getCustomer(db: Db, customerId: string): Promise<CustomerRow | null> {
  const [row] = await db.select().from(customers).where(eq(customers.id, customerId));
  return row ?? null;
}

/** The customer with exactly this domain (domains are stored lower-case). */
export async function findCustomerByDomain(db: Db, domain: string): Promise<CustomerRow | null> {
  const [row] = await db.select().from(customers).where(eq(customers.domain, domain));
  return row ?? null;
}

/** The customer with this domain in any letter case (what a person typed). */
export async function findCustomerByDomainAnyCase(db: Db, domain: string): Promise<CustomerRow | null> {
  const [row] = await db.select().from(customers).where(sql`lower(${customers.domain}) = ${domain.toLowerCase()}`);
  return row ?? null;
}

/** Every customer id, by domain (the operator's list). */
export async function customerIdsByDomain(db: Db): Promise<string[]> {
  const rows = await db.select({ id: customers.id }).from(customers).orderBy(asc(customers.domain));
  return rows.map((row) => row.id);
}

export async function insertCustomer(db: Db, values: NewCustomer): Promise<void> {
  await db.insert(customers).values(values);
}

/** Inserts the customer unless its domain is taken (by a concurrent connect); null then. */
export async function insertCustomerUnlessDomainTaken(db: Db, values: NewCustomer): Promise<CustomerRow | null> {
  const [inserted] = await db.insert(customers).values(values).onConflictDoNothing().returning();
  return inserted ?? null;
}

/** The customer row locked for the rest of the transaction (serialises seat changes). */
export async function lockCustomer(tx: Db, customerId: string): Promise<CustomerRow | null> {
  const [row] = await tx.select().from(customers).where(eq(customers.id, customerId)).for('update');
  return row ?? null;
}

/** Deletes the customer row (its dependent rows must be gone, or cascade); returns 1 or 0. */
export async function deleteCustomerRow(db: Db, customerId: string): Promise<number> {
  const deleted = await db.delete(customers).where(eq(customers.id, customerId)).returning({ id: customers.id });
  return deleted.length;
}

/**
 * Changes (or removes) the managing partner: the partner's view of the audit log starts at
 * `now`, and partner access starts over (the customer decides again for the new partner).
 */
export async function setCustomerPartner(db: Db, customerId: string, partnerId: string | null, now: Date) {
  await db
    .update(customers)
    .set({ partnerId, partnerSince: partnerId ? now : null, allowPartnerAccess: false })
    .where(eq(customers.id, customerId));
}

/** What the customer's subscription consists of (its lifecycle: trial, paid, suspended, cancelled). */
export type CustomerSubscription = Partial<
  Pick<CustomerRow, 'status' | 'trialEndsAt' | 'seatsPurchased' | 'statusChangedAt'>
>;

export async function setCustomerSubscription(db: Db, customerId: string, values: CustomerSubscription) {
  await db.update(customers).set(values).where(eq(customers.id, customerId));
}

export async function setAllowPartnerAccess(db: Db, customerId: string, allowed: boolean): Promise<void> {
  await db.update(customers).set({ allowPartnerAccess: allowed }).where(eq(customers.id, customerId));
}

/** Settings › Access controls: what end users may do with their own backups. */
export interface CustomerAccessControls {
  allowUserAccess: boolean;
  allowUserExport: boolean;
}

export async function setCustomerAccessControls(
  db: Db,
  customerId: string,
  controls: CustomerAccessControls,
): Promise<void> {
  await db.update(customers).set(controls).where(eq(customers.id, customerId));
}

/**
 * A tenant's daily backup window: scheduled runs start between `startHour` and `hours` later, as
 * the clocks of `timeZone` (IANA) show them.
 */
export interface CustomerBackupWindow {
  startHour: number;
  hours: number;
  timeZone: string;
}

const windowColumns = {
  startHour: customers.backupWindowStartHour,
  hours: customers.backupWindowHours,
  timeZone: customers.timeZone,
};

export async function getCustomerBackupWindow(db: Db, customerId: string): Promise<CustomerBackupWindow | null> {
  const [row] = await db.select(windowColumns).from(customers).where(eq(customers.id, customerId));
  return row ?? null;
}

/** Sets the window's hours, and its time zone when given (left out: unchanged). */
export async function setCustomerBackupWindow(
  db: Db,
  customerId: string,
  window: Omit<CustomerBackupWindow, 'timeZone'> & { timeZone?: string | undefined },
) {
  await db
    .update(customers)
    .set({
      backupWindowStartHour: window.startHour,
      backupWindowHours: window.hours,
      ...(window.timeZone === undefined ? {} : { timeZone: window.timeZone }),
    })
    .where(eq(customers.id, customerId));
}

/** The backup windows of the in-service customers among `customerIds` (a subquery), by customer id. */
export async function inServiceBackupWindows(
  db: Db,
  customerIds: SQL,
): Promise<Array<CustomerBackupWindow & { id: string }>> {
  return db
    .select({ id: customers.id, ...windowColumns })
    .from(customers)
    .where(sql`${inArray(customers.status, [...inServiceStatuses])} and ${customers.id} in ${customerIds}`)
    .orderBy(customers.id);
}

/**
 * `select id from customers where status in (...)`, for another module's
 * `inArray(table.customerId, customerIdsWithStatus(...))`: one statement, no join on this table.
 */
export function customerIdsWithStatus(statuses: readonly CustomerStatus[]): SQL {
  return sql`(select ${customers.id} from ${customers} where ${inArray(customers.status, [...statuses])})`;
}

/**
 * A column of the customer whose id is `customerId` (a column of the caller's query), as a
 * correlated subquery on the primary key: a caller that shows the domain or name beside its own
 * rows stays one statement without joining this module's table. The subquery is a nested SQL
 * chunk, so Drizzle writes its columns with their table names even in a single-table select.
 */
export function customerColumn<K extends 'domain' | 'name' | 'status'>(
  customerId: AnyColumn,
  column: K,
): SQL<CustomerRow[K] | null> {
  const subquery = sql`select ${customers[column]} from ${customers} where ${customers.id} = ${customerId}`;
  return sql<CustomerRow[K] | null>`(${subquery})`;
}

/** A tenant as the daily usage snapshot records it: which one, whose, since when. */
export interface CustomerListing {
  id: string;
  partnerId: string | null;
  createdAt: Date;
}

/** Every customer created before `createdBefore`. */
export async function listCustomersCreatedBefore(db: Db, createdBefore: Date): Promise<CustomerListing[]> {
  return db
    .select({ id: customers.id, partnerId: customers.partnerId, createdAt: customers.createdAt })
    .from(customers)
    .where(lt(customers.createdAt, createdBefore));
}

/** `(select id, domain, name from customers)`: names beside another module's rows, by a join. */
export function customerNamesSubquery(): SQL {
  return sql`(select ${customers.id} as id, ${customers.domain} as domain, ${customers.name} as name from ${customers})`;
}
