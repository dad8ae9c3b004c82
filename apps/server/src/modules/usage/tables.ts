// The usage module's tables: one seat snapshot per customer per day, and their monthly rollup
// per partner, from which the Usage and billing report reads. Other modules read them through
// this module's functions; db/schema.ts gathers every module's tables for the database client.
import { bigint, date, index, integer, pgTable, primaryKey, timestamp, uuid } from 'drizzle-orm/pg-core';
import { customers } from '../tenancy/tables.ts';

/**
 * A customer's licensed seats and storage on one UTC day, taken by the daily job just after the
 * day ends. One row per customer and day (the primary key makes the job idempotent); kept 3
 * years; deleted with the tenant.
 */
export const usageSnapshots = pgTable(
  'usage_snapshots',
  {
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    day: date('day', { mode: 'string' }).notNull(),
    /** The partner that managed the customer that day (who bills it); null for a direct customer. */
    partnerId: uuid('partner_id'),
    standardSeats: integer('standard_seats').notNull(),
    archivedSeats: integer('archived_seats').notNull(),
    /** Bytes stored in the customer's repository (after dedup and compression). */
    storageBytes: bigint('storage_bytes', { mode: 'number' }).notNull(),
    takenAt: timestamp('taken_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.customerId, table.day] }), index('usage_snapshots_day_idx').on(table.day)],
);

/**
 * The snapshots of one month, per partner and customer, summed as each snapshot is inserted
 * (in the same statement): the monthly report of 10,000 customers reads 10,000 rows, not 300,000.
 */
export const usageMonths = pgTable(
  'usage_months',
  {
    partnerId: uuid('partner_id').notNull(),
    /** The first day of the month. */
    month: date('month', { mode: 'string' }).notNull(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    days: integer('days').notNull(),
    /** Sum over the days of Standard + Archived seats. */
    seatDays: bigint('seat_days', { mode: 'number' }).notNull(),
    peakSeats: integer('peak_seats').notNull(),
    peakStandard: integer('peak_standard').notNull(),
    peakArchived: integer('peak_archived').notNull(),
    lastDay: date('last_day', { mode: 'string' }).notNull(),
    /** Storage on lastDay. */
    lastStorageBytes: bigint('last_storage_bytes', { mode: 'number' }).notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.partnerId, table.month, table.customerId] }),
    // Deleting a tenant deletes its rows (cascade) without scanning the table.
    index('usage_months_customer_idx').on(table.customerId),
  ],
);
