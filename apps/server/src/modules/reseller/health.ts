// Each customer's health figures for the Reseller Console (seats assigned, coverage, last
// successful backup, 24-hour success rate and failures, storage), kept in customer_health so
// the partner's list sorts and pages 10,000 customers in SQL without aggregating backup runs
// per request. Triggers (migration 0005) bump a row's change_seq on every write its figures
// come from (and create the row with the customer); `refreshStaleHealth` recomputes, before a
// read, exactly the rows that are stale: changed since computed (clean_seq <> change_seq), or
// whose 24-hour window has since dropped a run (window_expires_at passed). The figures a
// reader sees are therefore current.
import { and, inArray, lte, ne, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { backupServices } from '../backup/index.ts';
import { customerHealth } from './tables.ts';

const dayMs = 24 * 3600_000;
/** Rows recomputed per statement: keeps one statement's locks and memory small. */
const refreshBatch = 500;

/**
 * Recomputes the figures of the given customers in one statement per batch. The copies of the
 * customer's own columns are written only when the row is new: afterwards the trigger on
 * customers keeps them, and a refresh working from an older snapshot must not undo a
 * partner change committed meanwhile (a transfer). Rows are written
 * in customer id order (two concurrent refreshes lock them in the same order), and each row
 * records the change_seq its snapshot saw: a change committed meanwhile leaves it stale.
 */
export async function refreshCustomerHealth(db: Db, now: Date, customerIds: readonly string[]): Promise<void> {
  const since = new Date(now.getTime() - dayMs);
  const sorted = [...customerIds].sort();
  for (let start = 0; start < sorted.length; start += refreshBatch) {
    const ids = sorted.slice(start, start + refreshBatch);
    await db.execute(sql`
      insert into customer_health as h (customer_id, partner_id, domain, name, status, trial_ends_at,
        seats_purchased, seats_assigned, standard_seats, archived_seats, licensed_users, protected_users, coverage, last_success_at,
        finished_24h, succeeded_24h, success_rate_24h, failures_24h, storage_bytes, window_expires_at,
        change_seq, clean_seq, refreshed_at)
      select c.id, c.partner_id, c.domain, c.name, c.status, c.trial_ends_at, c.seats_purchased,
        lic.assigned, lic.standard, lic.archived, lic.licensed, prot.n, prot.n::float8 / nullif(lic.licensed, 0), src.last_success_at,
        runs.finished, runs.succeeded, runs.succeeded::float8 / nullif(runs.finished, 0),
        runs.finished - runs.succeeded, packs.bytes, runs.oldest + interval '24 hours',
        coalesce(old.change_seq, 0), coalesce(old.change_seq, 0), ${now.toISOString()}::timestamptz
      from customers c
      left join customer_health old on old.customer_id = c.id
      cross join lateral (
        select count(*) filter (where u.license is not null)::int as assigned,
          count(*) filter (where u.license = 'standard')::int as standard,
          count(*) filter (where u.license = 'archived')::int as archived,
          count(*) filter (where u.license = 'standard' and not u.suspended and u.deleted_at is null)::int as licensed
        from directory_users u where u.customer_id = c.id) lic
      cross join lateral (
        select count(*)::int as n from directory_users u
        join (
          select s.subject_id from backup_sources s
          where s.customer_id = c.id and s.subject_kind = 'user' and s.last_success_at is not null
          group by s.subject_id having count(distinct s.service) = ${backupServices.length}
        ) ok on ok.subject_id = u.google_id
        where u.customer_id = c.id and u.license = 'standard' and not u.suspended and u.deleted_at is null) prot
      cross join lateral (
        select max(s.last_success_at) as last_success_at from backup_sources s where s.customer_id = c.id) src
      cross join lateral (
        select count(*)::int as finished, count(*) filter (where r.status = 'success')::int as succeeded,
          min(r.finished_at) as oldest
        from backup_runs r
        where r.customer_id = c.id and r.finished_at > ${since.toISOString()}::timestamptz
          and r.status in ('success', 'partial', 'failed')) runs
      cross join lateral (
        select coalesce(sum(p.size), 0)::bigint as bytes from repository_packs p where p.customer_id = c.id) packs
      where c.id in (${sql.join(
        ids.map((id) => sql`${id}::uuid`),
        sql`, `,
      )})
      order by c.id
      on conflict (customer_id) do update set
        seats_assigned = excluded.seats_assigned, standard_seats = excluded.standard_seats,
        archived_seats = excluded.archived_seats, licensed_users = excluded.licensed_users,
        protected_users = excluded.protected_users, coverage = excluded.coverage,
        last_success_at = excluded.last_success_at, finished_24h = excluded.finished_24h,
        succeeded_24h = excluded.succeeded_24h, success_rate_24h = excluded.success_rate_24h,
        failures_24h = excluded.failures_24h, storage_bytes = excluded.storage_bytes,
        window_expires_at = excluded.window_expires_at, clean_seq = excluded.clean_seq,
        refreshed_at = excluded.refreshed_at`);
  }
}

/**
 * The condition on customer_health for a row that must be recomputed: changed since computed,
 * or its 24-hour window has dropped a run. Both are index scans (customer_health_changed_idx,
 * customer_health_window_idx); every customer has a row from its creation on (trigger).
 */
export function staleHealth(now: Date): SQL {
  return or(ne(customerHealth.changeSeq, customerHealth.cleanSeq), lte(customerHealth.windowExpiresAt, now)) as SQL;
}

/**
 * Recomputes the stale rows among those matching `scope` (a condition on customer_health);
 * returns how many were recomputed. A steady-state read recomputes none.
 */
export async function refreshStaleHealth(db: Db, now: Date, scope: SQL | undefined): Promise<number> {
  const stale = await db
    .select({ id: customerHealth.customerId })
    .from(customerHealth)
    .where(and(staleHealth(now), scope));
  if (stale.length > 0)
    await refreshCustomerHealth(
      db,
      now,
      stale.map((row) => row.id),
    );
  return stale.length;
}

/** Recomputes every stale row of the installation (for a periodic job or the CLI). */
export async function refreshAllStaleHealth(db: Db, now: Date): Promise<number> {
  return refreshStaleHealth(db, now, undefined);
}

/** The health rows of some customers, recomputed first where stale. */
export async function healthOf(db: Db, now: Date, customerIds: readonly string[]) {
  if (customerIds.length === 0) return [];
  await refreshStaleHealth(db, now, inArray(customerHealth.customerId, [...customerIds]));
  return db
    .select()
    .from(customerHealth)
    .where(inArray(customerHealth.customerId, [...customerIds]));
}

/** The figures the alerts evaluate, per customer (after recomputing every stale row). */
export interface HealthFacts {
  customerId: string;
  partnerId: string | null;
  status: 'trial' | 'active' | 'suspended' | 'cancelled';
  trialEndsAt: Date | null;
  seatsPurchased: number;
  seatsAssigned: number;
  lastSuccessAt: Date | null;
  /** Runs finished in the last 24 hours that did not succeed (failed or partial). */
  failures24h: number;
}

/**
 * Every customer's current health facts (or only those of `onlyCustomerIds`), stale rows
 * recomputed first.
 */
export async function allHealthFacts(
  db: Db,
  now: Date,
  onlyCustomerIds: readonly string[] | null = null,
): Promise<HealthFacts[]> {
  if (onlyCustomerIds?.length === 0) return [];
  const scope = onlyCustomerIds === null ? undefined : inArray(customerHealth.customerId, [...onlyCustomerIds]);
  await refreshStaleHealth(db, now, scope);
  return db
    .select({
      customerId: customerHealth.customerId,
      partnerId: customerHealth.partnerId,
      status: customerHealth.status,
      trialEndsAt: customerHealth.trialEndsAt,
      seatsPurchased: customerHealth.seatsPurchased,
      seatsAssigned: customerHealth.seatsAssigned,
      lastSuccessAt: customerHealth.lastSuccessAt,
      failures24h: customerHealth.failures24h,
    })
    .from(customerHealth)
    .where(scope);
}

/**
 * `(select customer_id, partner_id, domain, name, standard_seats, archived_seats, storage_bytes from
 * customer_health where …)` for the customers of some partners (narrowed to `onlyCustomerIds`),
 * after recomputing the stale ones among them: their current seats and storage for another
 * module's statement to join (Usage and billing reads today from it).
 */
export async function freshSeatFigures(
  db: Db,
  now: Date,
  partnerIds: readonly string[],
  onlyCustomerIds: readonly string[] | null,
): Promise<SQL> {
  const scope = and(
    partnerIds.length === 0 ? sql`false` : inArray(customerHealth.partnerId, [...partnerIds]),
    onlyCustomerIds === null
      ? undefined
      : onlyCustomerIds.length === 0
        ? sql`false`
        : inArray(customerHealth.customerId, [...onlyCustomerIds]),
  );
  await refreshStaleHealth(db, now, scope);
  return sql`(select ${customerHealth.customerId} as customer_id, ${customerHealth.partnerId} as partner_id,
    ${customerHealth.domain} as domain, ${customerHealth.name} as name, ${customerHealth.standardSeats} as standard_seats, ${customerHealth.archivedSeats} as archived_seats,
    ${customerHealth.storageBytes} as storage_bytes from ${customerHealth} where ${scope})`;
}

/** The totals of the customers managed by these partners (a child partner's subtree): for the distributor's Partners page. */
export async function partnerHealthTotals(
  db: Db,
  now: Date,
  partnerIds: readonly string[],
): Promise<{ customers: number; seatsAssigned: number; seatsPurchased: number; storageBytes: number }> {
  if (partnerIds.length === 0) return { customers: 0, seatsAssigned: 0, seatsPurchased: 0, storageBytes: 0 };
  const scope = inArray(customerHealth.partnerId, [...partnerIds]);
  await refreshStaleHealth(db, now, scope);
  const [row] = await db
    .select({
      customers: sql<number>`count(*)::int`,
      seatsAssigned: sql<number>`coalesce(sum(${customerHealth.seatsAssigned}), 0)::int`,
      seatsPurchased: sql<number>`coalesce(sum(${customerHealth.seatsPurchased}), 0)::int`,
      storageBytes: sql<string>`coalesce(sum(${customerHealth.storageBytes}), 0)::text`,
    })
    .from(customerHealth)
    .where(scope);
  return {
    customers: Number(row?.customers ?? 0),
    seatsAssigned: Number(row?.seatsAssigned ?? 0),
    seatsPurchased: Number(row?.seatsPurchased ?? 0),
    storageBytes: Number(row?.storageBytes ?? 0),
  };
}
