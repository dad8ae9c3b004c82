// Loads tenants as the policy module sees them (with the chain of managing partners) and
// turns a CustomerScope into the SQL condition every tenant-data list query must apply.
import { and, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import type { CustomerScope, Tenant } from '../policy/index.ts';
import { customers, partners } from './tables.ts';

/** The partner and its ancestors, nearest first (a distributor chain is short). */
export async function partnerPath(db: Db, partnerId: string): Promise<string[]> {
  const result = await db.execute<{ id: string }>(sql`
    with recursive chain(id, parent_partner_id, depth) as (
      select id, parent_partner_id, 0 from ${partners} where id = ${partnerId}
      union all
      select p.id, p.parent_partner_id, chain.depth + 1
      from ${partners} p join chain on p.id = chain.parent_partner_id
      where chain.depth < 16
    )
    select id from chain order by depth`);
  return rowsOf<{ id: string }>(result).map((row) => row.id);
}

/** The partner and its descendants (a distributor's subtree), the partner first. */
export async function partnerSubtreeIds(db: Db, partnerId: string): Promise<string[]> {
  const result = await db.execute<{ id: string }>(sql`
    with recursive subtree(id, depth) as (
      select id, 0 from ${partners} where id = ${partnerId}
      union all
      select p.id, subtree.depth + 1 from ${partners} p join subtree on p.parent_partner_id = subtree.id
      where subtree.depth < 16
    )
    select id from subtree order by depth`);
  return rowsOf<{ id: string }>(result).map((row) => row.id);
}

export async function loadCustomerTenant(db: Db, customerId: string): Promise<Tenant | null> {
  const [customer] = await db
    .select({
      id: customers.id,
      partnerId: customers.partnerId,
      allowPartnerAccess: customers.allowPartnerAccess,
      allowUserAccess: customers.allowUserAccess,
      allowUserExport: customers.allowUserExport,
    })
    .from(customers)
    .where(eq(customers.id, customerId));
  if (!customer) return null;
  return {
    kind: 'customer',
    customerId: customer.id,
    partnerPath: customer.partnerId ? await partnerPath(db, customer.partnerId) : [],
    allowPartnerAccess: customer.allowPartnerAccess,
    allowUserAccess: customer.allowUserAccess,
    allowUserExport: customer.allowUserExport,
  };
}

/** When the customer's current partner got it; null when it has been managed so since it was created. */
export async function customerPartnerSince(db: Db, customerId: string): Promise<Date | null> {
  const [row] = await db.select({ since: customers.partnerSince }).from(customers).where(eq(customers.id, customerId));
  return row?.since ?? null;
}

export async function loadPartnerTenant(db: Db, partnerId: string): Promise<Tenant | null> {
  const path = await partnerPath(db, partnerId);
  return path.length === 0 ? null : { kind: 'partner', partnerId, partnerPath: path };
}

/**
 * The SQL condition on `customers` for a scope: a partner sees the customers of its whole
 * subtree (itself and its descendants), narrowed to assigned customers for technicians.
 */
export function customerScopeCondition(scope: CustomerScope): SQL | undefined {
  switch (scope.kind) {
    case 'all':
      return undefined;
    case 'customer':
      return eq(customers.id, scope.customerId);
    case 'partnerSubtree': {
      const subtree = sql`${customers.partnerId} in (
        with recursive subtree(id, depth) as (
          select id, 0 from ${partners} where id = ${scope.partnerId}
          union all
          select p.id, subtree.depth + 1 from ${partners} p join subtree on p.parent_partner_id = subtree.id
          where subtree.depth < 16
        )
        select id from subtree)`;
      if (scope.onlyCustomerIds === null) return subtree;
      if (scope.onlyCustomerIds.length === 0) return sql`false`;
      return and(subtree, inArray(customers.id, [...scope.onlyCustomerIds]));
    }
  }
}

/**
 * The ids of the customers a scope allows, as a subquery for another module's
 * `customer_id in (...)` (one statement, no join on this module's table).
 */
export function customerIdsInScope(scope: CustomerScope): SQL {
  const condition = customerScopeCondition(scope) ?? sql`true`;
  return sql`(select ${customers.id} from ${customers} where ${condition})`;
}

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
