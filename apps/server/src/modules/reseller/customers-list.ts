// The Reseller Console's customers (PRODUCT.md §4): the partner's list — search, status
// filter, sort on any column and paging, all in SQL over customers ⋈ customer_health — its
// CSV export, and one customer's detail (the same row, health per service, license counts).
// A partner sees the customers of its subtree only (technicians: their assigned ones); any
// other customer answers 404, by list or by id.
import { and, eq, getTableColumns, inArray, or, type SQL, sql } from 'drizzle-orm';
import type { AnyPgColumn } from 'drizzle-orm/pg-core';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { csvDocument } from '../../csv.ts';
import { notFound } from '../../http/errors.ts';
import { getBackupStatus } from '../backup/index.ts';
import { getConnection, seatSummary, subscriptionView } from '../customers/index.ts';
import { type Actor, authorize, customerScope } from '../policy/index.ts';
import {
  getCustomer,
  getPartner,
  loadCustomerTenant,
  loadPartnerTenant,
  partnerColumn,
  partnerSubtreeIds,
} from '../tenancy/index.ts';
import { healthOf, refreshCustomerHealth, refreshStaleHealth, staleHealth } from './health.ts';
import { customerHealth } from './tables.ts';

/** What the customers list reads: the database and the clock (the detail also asks backup for its status). */
export type ResellerDeps = Pick<AppContext, 'db' | 'clock'>;

export const sortKeys = [
  'domain',
  'status',
  'trialEndsAt',
  'seatsPurchased',
  'seatsAssigned',
  'coverage',
  'lastSuccessAt',
  'successRate24h',
  'failures24h',
  'storageBytes',
] as const;
export type SortKey = (typeof sortKeys)[number];
export const customerStatuses = ['trial', 'active', 'suspended', 'cancelled'] as const;

export const customersQuerySchema = z.strictObject({
  search: z.string().trim().max(200).optional(),
  status: z.enum(customerStatuses).optional(),
  /** A distributor's filter: the customers a partner of its subtree manages directly. */
  partner: z.uuid('must be a partner id').optional(),
  sort: z.enum(sortKeys).default('domain'),
  order: z.enum(['asc', 'desc']).default('asc'),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(25),
});
export type CustomersQuery = z.infer<typeof customersQuerySchema>;
/** The CSV takes the same filters and sort; without page it exports every matching row. */
export const customersCsvQuerySchema = customersQuerySchema.extend({
  page: z.coerce.number().int().min(1).max(100_000).optional(),
  pageSize: z.coerce.number().int().min(1).max(200).optional(),
});
export type CustomersCsvQuery = z.infer<typeof customersCsvQuerySchema>;

export const customerRowSchema = z.object({
  id: z.string(),
  domain: z.string(),
  name: z.string(),
  status: z.enum(customerStatuses),
  trialEndsAt: z.string().nullable(),
  seatsPurchased: z.number().int(),
  seatsAssigned: z.number().int(),
  /** A running trial: every user may be licensed (seatsPurchased means nothing yet). */
  seatsUnlimited: z.boolean(),
  /** Purchased − assigned; null while unlimited; negative when over-assigned. */
  seatsRemaining: z.number().int().nullable(),
  /** Licensed users with a successful backup of every service / licensed users; null without licensed users. */
  coverage: z.number().nullable(),
  lastSuccessAt: z.string().nullable(),
  successRate24h: z.number().nullable(),
  failures24h: z.number().int(),
  storageBytes: z.number(),
  /** The partner that manages the customer directly (a distributor's child, or the partner itself). */
  managedBy: z.object({ id: z.string(), name: z.string() }).nullable(),
});
export type CustomerRowView = z.infer<typeof customerRowSchema>;

export const customersPageSchema = z.object({
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  customers: z.array(customerRowSchema),
});

const services = ['gmail', 'drive', 'calendar', 'contacts'] as const;
export const customerDetailSchema = customerRowSchema.extend({
  partnerId: z.string().nullable(),
  licensedUsers: z.number().int(),
  protectedUsers: z.number().int(),
  services: z.array(
    z.object({
      service: z.enum(services),
      lastSuccessAt: z.string().nullable(),
      successRate24h: z.number().nullable(),
      failures24h: z.number().int(),
      items: z.number().int(),
      bytes: z.number(),
      sources: z.number().int(),
    }),
  ),
  licenses: z.object({
    users: z.number().int(),
    standard: z.number().int(),
    archived: z.number().int(),
    assigned: z.number().int(),
    purchased: z.number().int(),
    remaining: z.number().int().nullable(),
    unlimited: z.boolean(),
    trialDaysLeft: z.number().int().nullable(),
  }),
  subscription: z.object({
    statusChangedAt: z.string().nullable(),
    /** Suspended or cancelled: no scheduled backups, the customer's members signed out. */
    backupsStopped: z.boolean(),
    /** Cancelled: the backups are kept until then. */
    dataKeptUntil: z.string().nullable(),
    overAssigned: z.number().int(),
    /** "Automatically assign licenses to new users" (false until the domain is connected). */
    autoAssign: z.boolean(),
    /** Whether the domain is connected (auto-assign needs it). */
    connected: z.boolean(),
  }),
});
export type CustomerDetail = z.infer<typeof customerDetailSchema>;

type HealthRow = typeof customerHealth.$inferSelect;

function toRow(raw: HealthRow & { partnerName?: string | null }, now: Date): CustomerRowView {
  const unlimited = raw.status === 'trial' && raw.trialEndsAt !== null && raw.trialEndsAt > now;
  return {
    id: raw.customerId,
    domain: raw.domain,
    name: raw.name,
    status: raw.status,
    trialEndsAt: raw.trialEndsAt?.toISOString() ?? null,
    seatsPurchased: raw.seatsPurchased,
    seatsAssigned: raw.seatsAssigned,
    seatsUnlimited: unlimited,
    seatsRemaining: unlimited ? null : raw.seatsPurchased - raw.seatsAssigned,
    coverage: raw.coverage,
    lastSuccessAt: raw.lastSuccessAt?.toISOString() ?? null,
    successRate24h: raw.successRate24h,
    failures24h: raw.failures24h,
    storageBytes: Number(raw.storageBytes),
    managedBy: raw.partnerId && raw.partnerName ? { id: raw.partnerId, name: raw.partnerName } : null,
  };
}

const sortColumns: Record<SortKey, { column: AnyPgColumn; nullable: boolean }> = {
  domain: { column: customerHealth.domain, nullable: false },
  status: { column: customerHealth.status, nullable: false },
  trialEndsAt: { column: customerHealth.trialEndsAt, nullable: true },
  seatsPurchased: { column: customerHealth.seatsPurchased, nullable: false },
  seatsAssigned: { column: customerHealth.seatsAssigned, nullable: false },
  coverage: { column: customerHealth.coverage, nullable: true },
  lastSuccessAt: { column: customerHealth.lastSuccessAt, nullable: true },
  successRate24h: { column: customerHealth.successRate24h, nullable: true },
  failures24h: { column: customerHealth.failures24h, nullable: false },
  storageBytes: { column: customerHealth.storageBytes, nullable: false },
};

/**
 * ORDER BY for a sort, written to match the customer_health_sort_* indexes exactly: rows
 * without a figure last in both directions, ties by domain then id in the same direction.
 */
function orderBy(query: Pick<CustomersQuery, 'sort' | 'order'>): SQL[] {
  const { column, nullable } = sortColumns[query.sort];
  const { domain, customerId } = customerHealth;
  const keys = query.sort === 'domain' ? [domain, customerId] : [column, domain, customerId];
  if (query.order === 'asc') return keys.map((key) => sql`${key} asc nulls last`);
  // Descending: a nullable column has its own index (desc nulls last); the others are the
  // ascending index read backwards (desc nulls first: the same rows, as they hold no null).
  const nulls = nullable ? sql.raw('nulls last') : sql.raw('nulls first');
  return keys.map((key) => sql`${key} desc ${nulls}`);
}

const escapeLike = (text: string): string => text.replace(/[\\%_]/g, (char) => `\\${char}`);

/**
 * The condition on customer_health for "customers of this partner's subtree that this actor
 * may see", after checking the actor may read the partner's customers at all (else 404/403).
 * The subtree's ids are resolved first, so a partner without children is an equality on
 * partner_id and every sort is an index range.
 */
async function partnerCustomersScope(ctx: ResellerDeps, actor: Actor, partnerId: string): Promise<SQL> {
  const tenant = await loadPartnerTenant(ctx.db, partnerId);
  if (!tenant) throw notFound('The partner');
  authorize(actor, 'partner.customers.read', tenant);
  const partnerIds = await partnerSubtreeIds(ctx.db, partnerId);
  const scope = customerScope(actor);
  const only = scope.kind === 'partnerSubtree' ? scope.onlyCustomerIds : null;
  return and(
    inArray(customerHealth.partnerId, partnerIds),
    only === null ? undefined : only.length === 0 ? sql`false` : inArray(customerHealth.customerId, [...only]),
  ) as SQL;
}

async function filterCondition(
  ctx: ResellerDeps,
  listPartnerId: string,
  query: Pick<CustomersQuery, 'search' | 'status' | 'partner'>,
): Promise<SQL | undefined> {
  const conditions: (SQL | undefined)[] = [];
  if (query.search) {
    const pattern = `%${escapeLike(query.search.toLowerCase())}%`;
    conditions.push(
      or(sql`lower(${customerHealth.domain}) like ${pattern}`, sql`lower(${customerHealth.name}) like ${pattern}`),
    );
  }
  if (query.status) conditions.push(eq(customerHealth.status, query.status));
  // The list's own partner: the customers it manages directly ("Managed by you"). Another: its
  // subtree (a child's customers and its own partners', as its row on the Partners page counts
  // them). Inside the actor's scope only (the scope condition is always and-ed): another
  // subtree's partner id matches nothing.
  if (query.partner === listPartnerId) {
    conditions.push(eq(customerHealth.partnerId, query.partner));
  } else if (query.partner) {
    const ids = await partnerSubtreeIds(ctx.db, query.partner);
    conditions.push(ids.length === 0 ? sql`false` : inArray(customerHealth.partnerId, ids));
  }
  return and(...conditions);
}

async function selectRows(
  ctx: ResellerDeps,
  where: SQL | undefined,
  query: Pick<CustomersQuery, 'sort' | 'order'>,
  page: { limit: number; offset: number } | null,
): Promise<CustomerRowView[]> {
  const base = ctx.db
    .select({ ...getTableColumns(customerHealth), partnerName: partnerColumn(customerHealth.partnerId, 'name') })
    .from(customerHealth)
    .where(where)
    .orderBy(...orderBy(query));
  const rows = page ? await base.limit(page.limit).offset(page.offset) : await base.limit(100_000);
  const now = ctx.clock.now();
  return rows.map((row) => toRow(row, now));
}

export async function listPartnerCustomers(
  ctx: ResellerDeps,
  actor: Actor,
  partnerId: string,
  query: CustomersQuery,
): Promise<z.infer<typeof customersPageSchema>> {
  const scope = await partnerCustomersScope(ctx, actor, partnerId);
  const now = ctx.clock.now();
  const filters = (await filterCondition(ctx, partnerId, query)) ?? sql`true`;
  // One pass over the partner's rows: the filtered total, and which rows are stale.
  const [scan] = await ctx.db
    .select({
      total: sql<number>`(count(*) filter (where ${filters}))::int`,
      stale: sql<string[]>`coalesce(array_agg(${customerHealth.customerId}) filter (where ${staleHealth(now)}), '{}')`,
    })
    .from(customerHealth)
    .where(scope);
  if (scan && scan.stale.length > 0) await refreshCustomerHealth(ctx.db, now, scan.stale);
  const where = and(scope, filters);
  const rows = await selectRows(ctx, where, query, {
    limit: query.pageSize,
    offset: (query.page - 1) * query.pageSize,
  });
  return { total: scan?.total ?? 0, page: query.page, pageSize: query.pageSize, customers: rows };
}

const csvColumns: { header: string; value: (row: CustomerRowView) => string | number | null }[] = [
  { header: 'domain', value: (row) => row.domain },
  { header: 'name', value: (row) => row.name },
  { header: 'status', value: (row) => row.status },
  { header: 'trial_ends_at', value: (row) => row.trialEndsAt },
  { header: 'seats_purchased', value: (row) => row.seatsPurchased },
  { header: 'seats_assigned', value: (row) => row.seatsAssigned },
  { header: 'coverage', value: (row) => row.coverage },
  { header: 'last_successful_backup', value: (row) => row.lastSuccessAt },
  { header: 'success_rate_24h', value: (row) => row.successRate24h },
  { header: 'failures_24h', value: (row) => row.failures24h },
  { header: 'storage_bytes', value: (row) => row.storageBytes },
  { header: 'partner', value: (row) => row.managedBy?.name ?? null },
];

/** The list as CSV: the same filters and order; one page when `page` is given, else every row. */
export async function exportPartnerCustomersCsv(
  ctx: ResellerDeps,
  actor: Actor,
  partnerId: string,
  query: CustomersCsvQuery,
): Promise<string> {
  const scope = await partnerCustomersScope(ctx, actor, partnerId);
  await refreshStaleHealth(ctx.db, ctx.clock.now(), scope);
  const pageSize = query.pageSize ?? 25;
  const rows = await selectRows(
    ctx,
    and(scope, await filterCondition(ctx, partnerId, query)),
    query,
    query.page ? { limit: pageSize, offset: (query.page - 1) * pageSize } : null,
  );
  return csvDocument(
    csvColumns.map((column) => column.header),
    rows.map((row) => csvColumns.map((column) => column.value(row))),
  );
}

/** One customer of the partner's subtree: its list row, health per service and license counts. */
export async function getPartnerCustomer(
  ctx: AppContext,
  actor: Actor,
  partnerId: string,
  customerId: string,
): Promise<CustomerDetail> {
  const partner = await loadPartnerTenant(ctx.db, partnerId);
  const tenant = await loadCustomerTenant(ctx.db, customerId);
  // A customer outside this partner's subtree does not exist as far as this URL is concerned.
  if (!partner || tenant?.kind !== 'customer' || !tenant.partnerPath.includes(partnerId))
    throw notFound('The customer');
  authorize(actor, 'partner.customers.read', partner);
  authorize(actor, 'customer.read', tenant);
  const customer = await getCustomer(ctx.db, customerId);
  if (!customer) throw notFound('The customer');
  const now = ctx.clock.now();
  const [health] = await healthOf(ctx.db, now, [customerId]);
  if (!health) throw notFound('The customer');
  const status = await getBackupStatus(ctx, customerId);
  const seats = await seatSummary(ctx.db, customer, now);
  const { seats: _seats, status: _status, ...subscription } = subscriptionView(customer, seats);
  const connection = await getConnection(ctx.db, customerId);
  const managedBy = customer.partnerId ? await getPartner(ctx.db, customer.partnerId) : null;
  return {
    ...toRow({ ...health, partnerName: managedBy?.name ?? null }, now),
    partnerId: customer.partnerId,
    licensedUsers: health.licensedUsers,
    protectedUsers: health.protectedUsers,
    services: services.map((service) => {
      const of = status.services[service];
      return {
        service,
        lastSuccessAt: of?.lastSuccessAt ?? null,
        successRate24h: of?.successRate24h ?? null,
        failures24h: of?.failures24h ?? 0,
        items: of?.items ?? 0,
        bytes: of?.bytes ?? 0,
        sources: of?.sources ?? 0,
      };
    }),
    licenses: {
      users: seats.users,
      standard: seats.standard,
      archived: seats.archived,
      assigned: seats.assigned,
      purchased: seats.purchased,
      remaining: seats.remaining,
      unlimited: seats.unlimited,
      trialDaysLeft: seats.trialDaysLeft,
    },
    subscription: {
      ...subscription,
      autoAssign: connection?.autoAssignLicenses ?? false,
      connected: connection !== null,
    },
  };
}
