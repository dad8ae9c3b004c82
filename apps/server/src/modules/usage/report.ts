// The monthly usage report (issue 18 #4, PRODUCT §4 "Usage and billing"): per customer of a
// partner's subtree, the month's peak and average licensed seats (Standard + Archived), the
// peak of each license type, the days it was active and its storage; the totals, and per
// partner for a distributor. Past days come from the monthly rollup of the daily snapshots;
// in the current month, today is added from the live counts, so a customer added a minute
// ago is already there. The CSV is the same report, every row, in the same order.
import { and, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AppContext } from '../../context.ts';
import { csvDocument } from '../../csv.ts';
import { AppError, notFound } from '../../http/errors.ts';
import { storedBytesByCustomer } from '../backup/index.ts';
import { licenseCountsByCustomer } from '../customers/index.ts';
import { type Actor, authorize, customerScope } from '../policy/index.ts';
import {
  type CustomerListing,
  getPartner,
  listCustomerListings,
  loadPartnerTenant,
  partnerSubtreeIds,
} from '../tenancy/index.ts';
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

interface Accumulated {
  customerId: string;
  partnerId: string;
  days: number;
  seatDays: number;
  peakSeats: number;
  peakStandard: number;
  peakArchived: number;
  storageBytes: number;
}

const round2 = (value: number): number => Math.round(value * 100) / 100;

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

/** Every row of the month's report, ordered by domain then partner, with the totals. */
async function buildReport(ctx: UsageDeps, actor: Actor, partnerId: string, requestedMonth: string | undefined) {
  const { partnerIds, only } = await reportScope(ctx, actor, partnerId);
  const now = ctx.clock.now();
  const months = reportMonths(utcDay(now));
  const month = chosenMonth(requestedMonth, months);
  const includesToday = month === utcMonth(now);
  const stored = await ctx.db
    .select()
    .from(usageMonths)
    .where(
      and(
        inArray(usageMonths.partnerId, partnerIds),
        eq(usageMonths.month, firstDay(month)),
        only === null ? undefined : only.length === 0 ? sql`false` : inArray(usageMonths.customerId, [...only]),
      ),
    );
  const rows = new Map<string, Accumulated>();
  for (const row of stored) {
    rows.set(`${row.partnerId}/${row.customerId}`, {
      customerId: row.customerId,
      partnerId: row.partnerId,
      days: row.days,
      seatDays: Number(row.seatDays),
      peakSeats: row.peakSeats,
      peakStandard: row.peakStandard,
      peakArchived: row.peakArchived,
      storageBytes: Number(row.lastStorageBytes),
    });
  }
  const listings = new Map<string, CustomerListing>();
  if (includesToday) {
    const current = await listCustomerListings(ctx.db, { partnerIds, onlyCustomerIds: only });
    for (const customer of current) listings.set(customer.id, customer);
    await addToday(ctx, rows, current);
  }
  const missing = [...new Set(stored.map((row) => row.customerId))].filter((id) => !listings.has(id));
  for (const customer of await listCustomerListings(ctx.db, { partnerIds: null, onlyCustomerIds: missing }))
    listings.set(customer.id, customer);
  const partnerNames = new Map<string, string>();
  for (const id of partnerIds) partnerNames.set(id, (await getPartner(ctx.db, id))?.name ?? '');
  const reportRows = [...rows.values()]
    .map((row): UsageRow => {
      const customer = listings.get(row.customerId);
      return {
        customerId: row.customerId,
        domain: customer?.domain ?? '',
        name: customer?.name ?? '',
        partnerId: row.partnerId,
        partnerName: partnerNames.get(row.partnerId) ?? '',
        peakStandard: row.peakStandard,
        peakArchived: row.peakArchived,
        peakSeats: row.peakSeats,
        averageSeats: round2(row.seatDays / row.days),
        daysActive: row.days,
        storageBytes: row.storageBytes,
      };
    })
    .sort((a, b) =>
      a.domain === b.domain ? a.partnerName.localeCompare(b.partnerName) : a.domain < b.domain ? -1 : 1,
    );
  const byPartner =
    partnerIds.length > 1
      ? partnerIds
          .map((id) => ({
            partnerId: id,
            name: partnerNames.get(id) ?? '',
            ...figures(reportRows.filter((row) => row.partnerId === id)),
          }))
          .filter((partner) => partner.customers > 0)
      : [];
  return {
    partnerId,
    month,
    months,
    includesToday,
    asOf: now,
    rows: reportRows,
    totals: figures(reportRows),
    byPartner,
  };
}

/** Today, from the live counts, for every customer that exists now (under its current partner). */
async function addToday(ctx: UsageDeps, rows: Map<string, Accumulated>, customers: readonly CustomerListing[]) {
  const ids = customers.map((customer) => customer.id);
  const seats = await licenseCountsByCustomer(ctx.db, ids);
  const bytes = await storedBytesByCustomer(ctx.db, ids);
  for (const customer of customers) {
    if (!customer.partnerId) continue;
    const standard = seats.get(customer.id)?.standard ?? 0;
    const archived = seats.get(customer.id)?.archived ?? 0;
    const key = `${customer.partnerId}/${customer.id}`;
    const row = rows.get(key) ?? {
      customerId: customer.id,
      partnerId: customer.partnerId,
      days: 0,
      seatDays: 0,
      peakSeats: 0,
      peakStandard: 0,
      peakArchived: 0,
      storageBytes: 0,
    };
    row.days += 1;
    row.seatDays += standard + archived;
    row.peakSeats = Math.max(row.peakSeats, standard + archived);
    row.peakStandard = Math.max(row.peakStandard, standard);
    row.peakArchived = Math.max(row.peakArchived, archived);
    row.storageBytes = bytes.get(customer.id) ?? 0;
    rows.set(key, row);
  }
}

function figures(rows: readonly UsageRow[]) {
  return {
    customers: rows.length,
    peakSeats: rows.reduce((sum, row) => sum + row.peakSeats, 0),
    averageSeats: round2(rows.reduce((sum, row) => sum + row.averageSeats, 0)),
    storageBytes: rows.reduce((sum, row) => sum + row.storageBytes, 0),
  };
}

export async function getUsageReport(
  ctx: UsageDeps,
  actor: Actor,
  partnerId: string,
  query: UsageQuery,
): Promise<UsageReport> {
  const report = await buildReport(ctx, actor, partnerId, query.month);
  const offset = (query.page - 1) * query.pageSize;
  return {
    partnerId: report.partnerId,
    month: report.month,
    months: report.months,
    includesToday: report.includesToday,
    asOf: report.asOf.toISOString(),
    total: report.rows.length,
    page: query.page,
    pageSize: query.pageSize,
    customers: report.rows.slice(offset, offset + query.pageSize),
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
  const report = await buildReport(ctx, actor, partnerId, query.month);
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
