// The tenancy module's tables: partners and customer tenants.
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import {
  type AnyPgColumn,
  boolean,
  index,
  integer,
  pgTable,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt } from '../../db/columns.ts';

/** Partner organisations (resellers, MSPs). A distributor is a partner with children. */
export const partners = pgTable(
  'partners',
  {
    id: uuid('id').primaryKey(),
    name: text('name').notNull(),
    parentPartnerId: uuid('parent_partner_id').references((): AnyPgColumn => partners.id),
    status: text('status', { enum: ['active', 'suspended'] })
      .notNull()
      .default('active'),
    createdAt: createdAt(),
  },
  (table) => [index('partners_parent_idx').on(table.parentPartnerId)],
);

/** Customer tenants: one Google Workspace domain each. */
export const customers = pgTable(
  'customers',
  {
    id: uuid('id').primaryKey(),
    domain: text('domain').notNull(),
    name: text('name').notNull(),
    partnerId: uuid('partner_id').references(() => partners.id),
    /**
     * When the current partner got the customer (set by every change of partner). A partner reads
     * the customer's audit log from here on; null: managed since the tenant was created.
     */
    partnerSince: timestamp('partner_since', { withTimezone: true }),
    status: text('status', { enum: ['trial', 'active', 'suspended', 'cancelled'] })
      .notNull()
      .default('trial'),
    trialEndsAt: timestamp('trial_ends_at', { withTimezone: true }),
    seatsPurchased: integer('seats_purchased').notNull().default(0),
    /** When the status last changed (converted, suspended, cancelled, reactivated); null: never since creation. */
    statusChangedAt: timestamp('status_changed_at', { withTimezone: true }),
    allowPartnerAccess: boolean('allow_partner_access').notNull().default(false),
    /** Settings › Access controls (PRODUCT §3): end users may browse and restore their own backups. */
    allowUserAccess: boolean('allow_user_access').notNull().default(true),
    /** End users may also export their own data (only while allowUserAccess is on). */
    allowUserExport: boolean('allow_user_export').notNull().default(true),
    /**
     * Daily backup window: scheduled runs start between this hour of the tenant's clocks
     * (`timeZone`) and `backupWindowHours` later.
     */
    backupWindowStartHour: integer('backup_window_start_hour').notNull().default(1),
    backupWindowHours: integer('backup_window_hours').notNull().default(6),
    /** The tenant's IANA time zone (Settings › Schedule): the backup window's hours are its hours. */
    timeZone: text('time_zone').notNull().default('UTC'),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('customers_domain_key').on(table.domain), index('customers_partner_idx').on(table.partnerId)],
);
