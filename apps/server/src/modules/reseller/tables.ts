// The reseller module's tables: the per-customer health figures.
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { sql } from 'drizzle-orm';
import { bigint, doublePrecision, index, integer, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../tenancy/tables.ts';

// Reseller Console (modules/reseller): one row of health figures per customer, so the partner's
// customers list sorts, filters and pages 10,000 customers in SQL without aggregating backup
// runs per request. Database triggers (migration reseller_health_triggers) bump change_seq
// whenever a row the figures come from changes; a reader recomputes rows whose clean_seq lags
// change_seq, or whose 24-hour window has moved past a run (window_expires_at), before reading.

export const customerHealth = pgTable(
  'customer_health',
  {
    customerId: uuid('customer_id')
      .primaryKey()
      .references(() => customers.id, { onDelete: 'cascade' }),
    // Copies of the customer's own columns (kept by a trigger on customers), so the list is one
    // table and each sort is an index range of the partner's rows.
    partnerId: uuid('partner_id'),
    domain: text('domain').notNull().default(''),
    name: text('name').notNull().default(''),
    status: text('status', { enum: ['trial', 'active', 'suspended', 'cancelled'] })
      .notNull()
      .default('trial'),
    trialEndsAt: timestamp('trial_ends_at', { withTimezone: true }),
    seatsPurchased: integer('seats_purchased').notNull().default(0),
    /** Standard + Archived licenses held. */
    seatsAssigned: integer('seats_assigned').notNull().default(0),
    /** Of those, Standard and Archived licenses (Usage and billing counts each). */
    standardSeats: integer('standard_seats').notNull().default(0),
    archivedSeats: integer('archived_seats').notNull().default(0),
    /** Users who should be backed up: Standard license, not suspended, not deleted. */
    licensedUsers: integer('licensed_users').notNull().default(0),
    /** Of those, users with a successful backup of every service. */
    protectedUsers: integer('protected_users').notNull().default(0),
    /** protected / licensed users; null without licensed users. */
    coverage: doublePrecision('coverage'),
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
    /** Runs finished (success, partial, failed) in the 24 hours before refreshed_at. */
    finished24h: integer('finished_24h').notNull().default(0),
    succeeded24h: integer('succeeded_24h').notNull().default(0),
    /** succeeded / finished in 24 hours; null when none finished. */
    successRate24h: doublePrecision('success_rate_24h'),
    /** Runs finished in 24 hours that did not succeed (failed or partial). */
    failures24h: integer('failures_24h').notNull().default(0),
    storageBytes: bigint('storage_bytes', { mode: 'number' }).notNull().default(0),
    /** When the oldest run in the 24-hour window leaves it (the figures change with no new write). */
    windowExpiresAt: timestamp('window_expires_at', { withTimezone: true }),
    /** Bumped by triggers on every change to the figures' sources. */
    changeSeq: bigint('change_seq', { mode: 'number' }).notNull().default(0),
    /** The change_seq the stored figures were computed at: equal means up to date. */
    cleanSeq: bigint('clean_seq', { mode: 'number' }).notNull().default(-1),
    refreshedAt: timestamp('refreshed_at', { withTimezone: true }),
  },
  (table) => [
    // The reader's "which rows are stale" is two small index scans, not a scan of every customer.
    index('customer_health_changed_idx').on(table.customerId).where(sql`${table.changeSeq} <> ${table.cleanSeq}`),
    index('customer_health_window_idx').on(table.windowExpiresAt),
    // One ordered index per sort of the list (ties by domain, then id), so a page is a range
    // scan of the partner's rows. Columns without nulls serve both directions (backward scan);
    // nullable ones have a second index, because nulls sort last in either direction.
    index('customer_health_sort_domain_idx').on(table.partnerId, table.domain, table.customerId),
    index('customer_health_sort_status_idx').on(table.partnerId, table.status, table.domain, table.customerId),
    index('customer_health_sort_seats_purchased_idx').on(
      table.partnerId,
      table.seatsPurchased,
      table.domain,
      table.customerId,
    ),
    index('customer_health_sort_seats_assigned_idx').on(
      table.partnerId,
      table.seatsAssigned,
      table.domain,
      table.customerId,
    ),
    index('customer_health_sort_failures_24h_idx').on(
      table.partnerId,
      table.failures24h,
      table.domain,
      table.customerId,
    ),
    index('customer_health_sort_storage_bytes_idx').on(
      table.partnerId,
      table.storageBytes,
      table.domain,
      table.customerId,
    ),
    index('customer_health_sort_trial_ends_at_idx').on(
      table.partnerId,
      table.trialEndsAt.asc().nullsLast(),
      table.domain,
      table.customerId,
    ),
    index('customer_health_sort_trial_ends_at_desc_idx').on(
      table.partnerId,
      table.trialEndsAt.desc().nullsLast(),
      table.domain.desc(),
      table.customerId.desc(),
    ),
    index('customer_health_sort_coverage_idx').on(
      table.partnerId,
      table.coverage.asc().nullsLast(),
      table.domain,
      table.customerId,
    ),
    index('customer_health_sort_coverage_desc_idx').on(
      table.partnerId,
      table.coverage.desc().nullsLast(),
      table.domain.desc(),
      table.customerId.desc(),
    ),
    index('customer_health_sort_last_success_at_idx').on(
      table.partnerId,
      table.lastSuccessAt.asc().nullsLast(),
      table.domain,
      table.customerId,
    ),
    index('customer_health_sort_last_success_at_desc_idx').on(
      table.partnerId,
      table.lastSuccessAt.desc().nullsLast(),
      table.domain.desc(),
      table.customerId.desc(),
    ),
    index('customer_health_sort_success_rate_24h_idx').on(
      table.partnerId,
      table.successRate24h.asc().nullsLast(),
      table.domain,
      table.customerId,
    ),
    index('customer_health_sort_success_rate_24h_desc_idx').on(
      table.partnerId,
      table.successRate24h.desc().nullsLast(),
      table.domain.desc(),
      table.customerId.desc(),
    ),
  ],
);
