// The monthly usage report (issue 18 #4, PRODUCT §4 "Usage and billing"): per customer of a
// partner's subtree, the month's peak and average licensed seats (Standard + Archived), the
// peak of each license type, the days it was active and its storage; the totals, and per
// partner for a distributor. Past days come from the monthly rollup of the daily snapshots;
// in the current month, today is added from the live counts, so a customer added a minute
// ago is already there. The CSV is the same report, every row, in the same order.
import { inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { csvDocument } from '../../csv.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { type Actor, authorize, customerScope } from '../policy/index.ts';
import { freshSeatFigures } from '../reseller/index.ts';
import { customerNamesSubquery, getPartner, loadPartnerTenant, partnerSubtreeIds } from '../tenancy/index.ts';
import { firstDay, reportMonths, utcDay, utcMonth } from './days.ts';
import { usageMonths } from './tables.ts';

export type UsageDeps = Pick<AppContext, 'db' | 'clock'>;

export const usageQuerySchema = z.strictObject({
  month: z
    .string()
    .regex(/^\d{4}-(0[1-9]|1[0-2])$/, 'must be a month as YYYY-MM')
    .optional(),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  pageSize: z.coerce.number().int().min(1).max(200).default(50),
});
export type UsageQuery = z.infer<typeof usageQuerySchema>;
export const usageCsvQuerySchema = usageQuerySchema.pick({ month: true });
export type UsageCsvQuery = z.infer<typeof usageCsvQuerySchema>;

const figuresSchema = z.object({
  customers: z.number().int(),
  /** Sum over the customers of each one's peak seats. */
  peakSeats: z.number().int(),
  /** Sum over the customers of each one's average seats. */
  averageSeats: z.number(),
  storageBytes: z.number(),
});
export const usageRowSchema = z.object({
  customerId: z.string(),
  domain: z.string(),
  name: z.string(),
  partnerId: z.string(),
  partnerName: z.string(),
  peakStandard: z.number().int(),
  peakArchived: z.number().int(),
  /** The most Standard + Archived licenses held on one day of the month. */
  peakSeats: z.number().int(),
  /** Standard + Archived licenses held, averaged over the days active (2 decimals). */
  averageSeats: z.number(),
  /** Days of the month the customer existed under this partner (today included). */
  daysActive: z.number().int(),
  /** Bytes stored on the last day of the month recorded (today: now). */
  storageBytes: z.number(),
});
export type UsageRow = z.infer<typeof usageRowSchema>;
export const usageReportSchema = z.object({
  partnerId: z.string(),
  partnerName: z.string(),
  month: z.string(),
  /** The months that can be asked for, newest first (3 years are kept). */
  months: z.array(z.string()),
  /** True for the current month: today's figures are the live counts at `asOf`. */
  includesToday: z.boolean(),
  asOf: z.string(),
  total: z.number().int(),
  page: z.number().int(),
  pageSize: z.number().int(),
  customers: z.array(usageRowSchema),
  totals: figuresSchema,
  /** Per partner of the subtree with customers in the month: a distributor's children (empty for a single partner). */
  partners: z.array(figuresSchema.extend({ partnerId: z.string(), name: z.string() })),
});
export type UsageReport = z.infer<typeof usageReportSchema>;

/** Which partners and customers the actor's report covers (after the policy check). */
async function reportScope(ctx: UsageDeps, actor: Actor, partnerId: string) {
  const tenant = await loadPartnerTenant(ctx.db, partnerId);
  if (!tenant) throw notFound('The partner');
  authorize(actor, 'partner.usage.read', tenant);
  const partnerIds = await partnerSubtreeIds(ctx.db, partnerId);
  const scope = customerScope(actor);
  const only = scope.kind === 'partnerSubtree' ? scope.onlyCustomerIds : null;
  return { partnerIds, only };
}

function chosenMonth(requested: string | undefined, months: readonly string[]): string {
  const month = requested ?? (months[0] as string);
  if (!months.includes(month)) {
    throw new AppError(
      'validation_failed',
      `month must be between ${months.at(-1)} and ${months[0]}: usage is kept for 3 years.`,
      { field: 'month' },
    );
  }
  return month;
}

/** A past month has no live day: the same columns, no row. */
const noLiveFigures = sql`(select null::uuid as customer_id, null::uuid as partner_id, null::text as domain,
  null::text as name, 0 as standard_seats, 0 as archived_seats, 0 as storage_bytes where false)`;

/**
 * The month's report in one statement: the month's rollup rows of the scope, merged (full outer
 * join) with today's live counts in the current month; `page` rows ordered by domain then
 * partner (every row when `page` is null), the totals over every row, and per partner.
 */
async function buildReport(
  ctx: UsageDeps,
  actor: Actor,
  partnerId: string,
  requestedMonth: string | undefined,
  page: { limit: number; offset: number } | null,
) {
  const { partnerIds, only } = await reportScope(ctx, actor, partnerId);
  const now = ctx.clock.now();
  const months = reportMonths(utcDay(now));
  const month = chosenMonth(requestedMonth, months);
  const includesToday = month === utcMonth(now);
  // Today: the customers' current figures, the ones the customers list shows (customer_health).
  const live = includesToday ? await freshSeatFigures(ctx.db, now, partnerIds, only) : null;
  const onlyStored =
    only === null ? sql`true` : only.length === 0 ? sql`false` : inArray(usageMonths.customerId, [...only]);
  const statement = sql`
    with live as (
      select customer_id, partner_id, domain, name, standard_seats as standard, archived_seats as archived,
        storage_bytes::float8 as bytes
      from ${live ?? noLiveFigures} figures
    ), stored as (
      select * from ${usageMonths}
      where ${inArray(usageMonths.partnerId, partnerIds)} and ${usageMonths.month} = ${firstDay(month)}::date
        and ${onlyStored}
    ), merged as (
      select coalesce(m.partner_id, l.partner_id) as partner_id, coalesce(m.customer_id, l.customer_id) as customer_id,
        coalesce(m.days, 0) + (case when l.customer_id is null then 0 else 1 end) as days,
        coalesce(m.seat_days, 0) + coalesce(l.standard + l.archived, 0) as seat_days,
        greatest(m.peak_seats, l.standard + l.archived) as peak_seats,
        greatest(m.peak_standard, l.standard) as peak_standard,
        greatest(m.peak_archived, l.archived) as peak_archived,
        case when l.customer_id is null then m.last_storage_bytes::float8 else l.bytes end as storage_bytes,
        l.domain as live_domain, l.name as live_name
      from stored m full outer join live l on l.customer_id = m.customer_id and l.partner_id = m.partner_id
    ), gone as (
      -- Names: today's row has them; a customer no longer under this partner is looked up alone,
      -- in one join over those few. (Not a subquery per row: its cost estimate, times 10,000 rows,
      -- crossed jit_above_cost and JIT compilation took 20 ms of every request.)
      select n.id, n.domain, n.name from ${customerNamesSubquery()} n
      where n.id in (select customer_id from merged where live_domain is null)
    ), report as materialized (
      select merged.*, round(merged.seat_days::numeric / merged.days, 2) as average_seats,
        coalesce(merged.live_domain, gone.domain, '') as domain, coalesce(merged.live_name, gone.name, '') as name
      from merged left join gone on gone.id = merged.customer_id
    )
    select
      (select coalesce(json_agg(p), '[]'::json) from (
        select customer_id, partner_id, domain, name, peak_standard, peak_archived, peak_seats,
          average_seats::float8 as average_seats, days, storage_bytes
        from report order by domain, partner_id, customer_id
        limit ${page?.limit ?? null} offset ${page?.offset ?? 0}) p) as rows,
      (select json_agg(t) from (
        select partner_id, count(*)::int as customers, sum(peak_seats)::int as peak_seats,
          sum(average_seats)::float8 as average_seats, sum(storage_bytes)::float8 as storage_bytes
        from report group by rollup (partner_id)) t) as totals`;
  const result = await ctx.db.execute(statement);
  const [raw] = (result as unknown as { rows: { rows: RawRow[]; totals: RawTotals[] | null }[] }).rows;
  const partnerNames = new Map<string, string>();
  for (const id of partnerIds) partnerNames.set(id, (await getPartner(ctx.db, id))?.name ?? '');
  const totals = raw?.totals ?? [];
  const toFigures = (row: RawTotals | undefined) => ({
    customers: row?.customers ?? 0,
    peakSeats: row?.peak_seats ?? 0,
    averageSeats: row?.average_seats ?? 0,
    storageBytes: row?.storage_bytes ?? 0,
  });
  return {
    partnerId,
    partnerName: partnerNames.get(partnerId) ?? '',
    month,
    months,
    includesToday,
    asOf: now,
    rows: (raw?.rows ?? []).map(
      (row): UsageRow => ({
        customerId: row.customer_id,
        domain: row.domain,
        name: row.name,
        partnerId: row.partner_id,
        partnerName: partnerNames.get(row.partner_id) ?? '',
        peakStandard: row.peak_standard,
        peakArchived: row.peak_archived,
        peakSeats: row.peak_seats,
        averageSeats: row.average_seats,
        daysActive: row.days,
        storageBytes: row.storage_bytes,
      }),
    ),
    totals: toFigures(totals.find((row) => row.partner_id === null)),
    // A distributor's figures per partner of its subtree, in the subtree's order.
    byPartner:
      partnerIds.length > 1
        ? partnerIds.flatMap((id) => {
            const row = totals.find((total) => total.partner_id === id);
            return row ? [{ partnerId: id, name: partnerNames.get(id) ?? '', ...toFigures(row) }] : [];
          })
        : [],
  };
}

interface RawRow {
  customer_id: string;
  partner_id: string;
  domain: string;
  name: string;
  peak_standard: number;
  peak_archived: number;
  peak_seats: number;
  average_seats: number;
  days: number;
  storage_bytes: number;
}
/** One per partner, and the grand total (partner_id null, from `group by rollup`). */
interface RawTotals {
  partner_id: string | null;
  customers: number;
  peak_seats: number;
  average_seats: number;
  storage_bytes: number;
}

export async function getUsageReport(
  ctx: UsageDeps,
  actor: Actor,
  partnerId: string,
  query: UsageQuery,
): Promise<UsageReport> {
  const offset = (query.page - 1) * query.pageSize;
  const report = await buildReport(ctx, actor, partnerId, query.month, { limit: query.pageSize, offset });
  return {
    partnerId: report.partnerId,
    partnerName: report.partnerName,
    month: report.month,
    months: report.months,
    includesToday: report.includesToday,
    asOf: report.asOf.toISOString(),
    total: report.totals.customers,
    page: query.page,
    pageSize: query.pageSize,
    customers: report.rows,
    totals: report.totals,
    partners: report.byPartner,
  };
}

/** The report's columns, in the order the page shows them. */
const csvColumns: { header: string; value: (row: UsageRow) => string | number }[] = [
  { header: 'domain', value: (row) => row.domain },
  { header: 'name', value: (row) => row.name },
  { header: 'partner', value: (row) => row.partnerName },
  { header: 'peak_standard', value: (row) => row.peakStandard },
  { header: 'peak_archived', value: (row) => row.peakArchived },
  { header: 'peak_seats', value: (row) => row.peakSeats },
  { header: 'average_seats', value: (row) => row.averageSeats },
  { header: 'days_active', value: (row) => row.daysActive },
  { header: 'storage_bytes', value: (row) => row.storageBytes },
];

/** The month's report as CSV: every customer row, then one `Total` record with the totals. */
export async function exportUsageCsv(
  ctx: UsageDeps,
  actor: Actor,
  partnerId: string,
  query: UsageCsvQuery,
): Promise<{ month: string; csv: string }> {
  const report = await buildReport(ctx, actor, partnerId, query.month, null);
  const { totals } = report;
  const csv = csvDocument(
    csvColumns.map((column) => column.header),
    [
      ...report.rows.map((row) => csvColumns.map((column) => column.value(row))),
      [
        'Total',
        `${totals.customers} customers`,
        '',
        '',
        '',
        totals.peakSeats,
        totals.averageSeats,
        '',
        totals.storageBytes,
      ],
    ],
  );
  return { month: report.month, csv };
}
