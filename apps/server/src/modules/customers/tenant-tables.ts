// SQL over the catalog for deleting a tenant: every table with a customer_id column, found in
// the database itself (so a table added later is covered without touching this file), in an
// order that deletes rows before the rows they reference.
import { type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';

function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}

/** Tables of the public schema with a customer_id column, children before their parents. */
export async function tenantTables(db: Db): Promise<string[]> {
  const tables = rowsOf<{ name: string }>(
    await db.execute(sql`
      select c.table_name as name
      from information_schema.columns c
      join information_schema.tables t on t.table_schema = c.table_schema and t.table_name = c.table_name
      where c.table_schema = 'public' and c.column_name = 'customer_id' and t.table_type = 'BASE TABLE'
      order by c.table_name`),
  ).map((row) => row.name);
  const references = rowsOf<{ child: string; parent: string }>(
    await db.execute(sql`
      select child.relname as child, parent.relname as parent
      from pg_constraint k
      join pg_class child on child.oid = k.conrelid
      join pg_class parent on parent.oid = k.confrelid
      join pg_namespace n on n.oid = k.connamespace
      where k.contype = 'f' and n.nspname = 'public' and k.conrelid <> k.confrelid`),
  );
  return childrenFirst(tables, references);
}

/** Orders tables so that every table comes before the tables it references. */
export function childrenFirst(tables: string[], references: { child: string; parent: string }[]): string[] {
  const remaining = new Set(tables);
  const ordered: string[] = [];
  while (remaining.size > 0) {
    const ready = [...remaining].filter(
      (table) => !references.some((ref) => ref.parent === table && ref.child !== table && remaining.has(ref.child)),
    );
    // A reference cycle cannot be ordered; take the rest as they are (cascades resolve them).
    const next = ready.length > 0 ? ready : [...remaining];
    for (const table of next) {
      remaining.delete(table);
      ordered.push(table);
    }
  }
  return ordered;
}

const ofTenant = (table: string, customerId: string): SQL =>
  sql`${sql.identifier(table)} where customer_id = ${customerId}`;

export async function deleteTenantRows(db: Db, table: string, customerId: string): Promise<number> {
  const result = await db.execute(sql`with gone as (delete from ${ofTenant(table, customerId)} returning 1)
    select count(*)::int as n from gone`);
  return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
}

export async function countTenantRows(db: Db, table: string, customerId: string): Promise<number> {
  const result = await db.execute(sql`select count(*)::int as n from ${ofTenant(table, customerId)}`);
  return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
}

/**
 * The tenant's own audit log goes with it; entries it shares with a partner's or the vendor's
 * log stay there without the tenant, its target and its details (which may name its items).
 */
export async function deleteTenantAuditLog(
  db: Db,
  customerId: string,
  domain: string,
): Promise<{ deleted: number; redacted: number }> {
  const log = `customer:${customerId}`;
  const deleted = rowsOf<{ n: number }>(
    await db.execute(sql`with gone as (
        delete from audit_log where tenants @> array[${log}]::text[] and cardinality(tenants) = 1 returning 1)
      select count(*)::int as n from gone`),
  )[0]?.n;
  const redacted = rowsOf<{ n: number }>(
    await db.execute(sql`with changed as (
        update audit_log set tenants = array_remove(tenants, ${log}), target = ${domain}, details = null
        where tenants @> array[${log}]::text[] returning 1)
      select count(*)::int as n from changed`),
  )[0]?.n;
  return { deleted: deleted ?? 0, redacted: redacted ?? 0 };
}

export async function countTenantAuditEntries(db: Db, customerId: string): Promise<number> {
  const result = await db.execute(
    sql`select count(*)::int as n from audit_log where tenants @> array[${`customer:${customerId}`}]::text[]`,
  );
  return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
}

/** Mail Safehold wrote to the tenant's addresses (it names its people and, at times, its items). */
export async function deleteTenantMail(db: Db, domain: string): Promise<number> {
  const result = await db.execute(sql`with gone as (
      delete from outbox where lower("to") like ${`%@${domain.toLowerCase()}`} returning 1)
    select count(*)::int as n from gone`);
  return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
}

/** Queued and finished jobs about the tenant (their payloads carry its ids). */
export async function deleteTenantJobs(db: Db, customerId: string): Promise<number> {
  const exists = rowsOf<{ present: boolean }>(
    await db.execute(sql`select to_regclass('pgboss.job') is not null as present`),
  )[0]?.present;
  if (!exists) return 0;
  const result = await db.execute(sql`with gone as (
      delete from pgboss.job where data::text like ${`%${customerId}%`} and state <> 'active' returning 1)
    select count(*)::int as n from gone`);
  return rowsOf<{ n: number }>(result)[0]?.n ?? 0;
}
