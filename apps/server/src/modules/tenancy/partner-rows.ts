// The partner rows (the `partners` table): the vendor's partner program — the partners list
// (with each partner's owner, or the address its owner invitation went to, and its number of
// customers), new partners and status changes — and the partner lookups other modules make.
import { type AnyColumn, and, asc, count, eq, ilike, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { customers, partners } from './tables.ts';

export type PartnerStatus = (typeof partners.$inferSelect)['status'];

export interface PartnerSummary {
  id: string;
  name: string;
  status: PartnerStatus;
  /** The owner's address, or the address the owner invitation went to while it is pending. */
  ownerEmail: string | null;
  /** True while nobody has accepted the owner invitation yet. */
  ownerInvitationPending: boolean;
  /** When the pending owner invitation's link expires (it may have already). */
  ownerInvitationExpiresAt: Date | null;
  customers: number;
  createdAt: Date;
}

export interface PartnerListQuery {
  search?: string | undefined;
  status?: PartnerStatus | undefined;
  page: number;
  pageSize: number;
}

// Drizzle writes a column of the selected table without its table name, which inside a
// subquery would bind to the subquery's own table: name the outer row explicitly.
const partnerIdRef = sql.raw('"partners"."id"');
const customerCount = sql<number>`(select count(*)::int from ${customers} where ${customers.partnerId} = ${partnerIdRef})`;

function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (match) => `\\${match}`);
}

/**
 * The owner's address and pending owner invitation of the partner whose id is `partnerId`, as
 * subqueries: identity's `partnerOwnerColumns`, passed in by the partners module, because
 * identity builds on this module (its tables are identity's).
 */
export type PartnerOwnerColumns = (partnerId: SQL) => {
  ownerEmail: SQL<string | null>;
  invitedOwnerEmail: SQL<string | null>;
  invitedOwnerExpiresAt: SQL<Date | null>;
};

function listCondition(query: PartnerListQuery, owner: ReturnType<PartnerOwnerColumns>): SQL | undefined {
  const { ownerEmail, invitedOwnerEmail } = owner;
  const search = query.search?.trim();
  return and(
    query.status ? eq(partners.status, query.status) : undefined,
    search
      ? or(
          ilike(partners.name, `%${escapeLike(search)}%`),
          sql`coalesce(${ownerEmail}, ${invitedOwnerEmail}) ilike ${`%${escapeLike(search)}%`}`,
        )
      : undefined,
  );
}

function toSummary(row: {
  id: string;
  name: string;
  status: PartnerStatus;
  createdAt: Date;
  ownerEmail: string | null;
  invitedOwnerEmail: string | null;
  invitedOwnerExpiresAt: Date | null;
  customers: number;
}): PartnerSummary {
  const pending = row.ownerEmail === null && row.invitedOwnerEmail !== null;
  return {
    id: row.id,
    name: row.name,
    status: row.status,
    ownerEmail: row.ownerEmail ?? row.invitedOwnerEmail,
    ownerInvitationPending: pending,
    ownerInvitationExpiresAt: pending ? row.invitedOwnerExpiresAt : null,
    customers: Number(row.customers),
    createdAt: row.createdAt,
  };
}

const summaryColumns = (owner: ReturnType<PartnerOwnerColumns>) => ({
  id: partners.id,
  name: partners.name,
  status: partners.status,
  createdAt: partners.createdAt,
  ...owner,
  customers: customerCount,
});

export async function listPartners(
  db: Db,
  query: PartnerListQuery,
  ownerColumns: PartnerOwnerColumns,
): Promise<{ total: number; partners: PartnerSummary[] }> {
  const owner = ownerColumns(partnerIdRef);
  const where = listCondition(query, owner);
  const [totalRow] = await db.select({ n: count() }).from(partners).where(where);
  const rows = await db
    .select(summaryColumns(owner))
    .from(partners)
    .where(where)
    .orderBy(asc(sql`lower(${partners.name})`), asc(partners.id))
    .limit(query.pageSize)
    .offset((query.page - 1) * query.pageSize);
  return { total: totalRow?.n ?? 0, partners: rows.map(toSummary) };
}

export async function getPartnerSummary(
  db: Db,
  partnerId: string,
  ownerColumns: PartnerOwnerColumns,
): Promise<PartnerSummary | null> {
  const [row] = await db
    .select(summaryColumns(ownerColumns(partnerIdRef)))
    .from(partners)
    .where(eq(partners.id, partnerId));
  return row ? toSummary(row) : null;
}

export async function insertPartner(
  db: Db,
  values: { id: string; name: string; createdAt: Date; parentPartnerId?: string | null },
): Promise<void> {
  await db.insert(partners).values({ ...values, status: 'active' });
}

/** A distributor's direct child partners (issue 18 #8), by name. */
export async function listChildPartners(
  db: Db,
  parentPartnerId: string,
  ownerColumns: PartnerOwnerColumns,
): Promise<PartnerSummary[]> {
  const rows = await db
    .select(summaryColumns(ownerColumns(partnerIdRef)))
    .from(partners)
    .where(eq(partners.parentPartnerId, parentPartnerId))
    .orderBy(asc(sql`lower(${partners.name})`), asc(partners.id))
    .limit(1000);
  return rows.map(toSummary);
}

/** Sets the status; false when the partner was already in it (nothing changed). */
export async function setPartnerStatus(db: Db, partnerId: string, status: PartnerStatus): Promise<boolean> {
  const changed = await db
    .update(partners)
    .set({ status })
    .where(and(eq(partners.id, partnerId), sql`${partners.status} <> ${status}`))
    .returning({ id: partners.id });
  return changed.length === 1;
}

export async function getPartner(db: Db, partnerId: string): Promise<{ id: string; name: string } | null> {
  const [row] = await db
    .select({ id: partners.id, name: partners.name })
    .from(partners)
    .where(eq(partners.id, partnerId));
  return row ?? null;
}

/**
 * A column of the partner whose id is `partnerId` (a column of the caller's query), as a
 * correlated subquery on the primary key, so a caller showing the partner's name or status
 * beside its own rows stays one statement without joining this module's table. The subquery is
 * a nested SQL chunk, so Drizzle writes its columns with their table names even in a
 * single-table select.
 */
export function partnerColumn<K extends 'name' | 'status'>(
  partnerId: AnyColumn,
  column: K,
): SQL<(typeof partners.$inferSelect)[K] | null> {
  const subquery = sql`select ${partners[column]} from ${partners} where ${partners.id} = ${partnerId}`;
  return sql<(typeof partners.$inferSelect)[K] | null>`(${subquery})`;
}
