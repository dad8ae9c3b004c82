// The alerts module's tables: the alerts a partner sees across its customers (kept in step with
// the conditions by the evaluation job) and each partner member's daily-digest choice.
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { sql } from 'drizzle-orm';
import { boolean, date, index, jsonb, pgTable, text, timestamp, uniqueIndex, uuid } from 'drizzle-orm/pg-core';
import { staffUsers } from '../identity/tables.ts';
import { customers } from '../tenancy/tables.ts';

export const alertKinds = [
  'backup_overdue',
  'backup_partial',
  'authorization_lost',
  'trial_ending',
  'seats_over',
] as const;
export type AlertKind = (typeof alertKinds)[number];

/**
 * One alert: a condition on one customer, from when the evaluation found it (opened_at) until
 * it found it gone (resolved_at). At most one unresolved alert per customer and kind; a
 * condition that comes back after resolving is a new alert. `since` is when the cause began
 * (the last successful backup, the authorisation's loss), which can be before opened_at.
 */
export const alerts = pgTable(
  'alerts',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    kind: text('kind', { enum: alertKinds }).notNull(),
    since: timestamp('since', { withTimezone: true }).notNull(),
    /** What is wrong, in a sentence. */
    cause: text('cause').notNull(),
    /** What to do about it, in a sentence or two. */
    action: text('action').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>(),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull(),
    acknowledgedAt: timestamp('acknowledged_at', { withTimezone: true }),
    acknowledgedBy: uuid('acknowledged_by').references(() => staffUsers.id, { onDelete: 'set null' }),
    /** The acknowledging person's address, kept if the account is later removed. */
    acknowledgedByEmail: text('acknowledged_by_email'),
    resolvedAt: timestamp('resolved_at', { withTimezone: true }),
  },
  (table) => [
    uniqueIndex('alerts_one_open_key').on(table.customerId, table.kind).where(sql`${table.resolvedAt} is null`),
    // The page's order: open alerts, newest cause first.
    index('alerts_open_since_idx').on(table.since.desc(), table.id).where(sql`${table.resolvedAt} is null`),
  ],
);

/** A partner member's choice of the daily email digest of open alerts (opt-in; no row = off). */
export const alertDigestSubscriptions = pgTable('alert_digest_subscriptions', {
  userId: uuid('user_id')
    .primaryKey()
    .references(() => staffUsers.id, { onDelete: 'cascade' }),
  enabled: boolean('enabled').notNull().default(false),
  /** The UTC day of the last digest sent: the daily job sends at most one per day. */
  lastSentOn: date('last_sent_on', { mode: 'string' }),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
});
