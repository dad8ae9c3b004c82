// The notifications module's tables: the mail outbox, and the customer's notification settings
// (issue 19 item 3): what it is sent, to whom, who unsubscribed, and which failure causes were
// already told (so a cause is told once while it lasts).
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { sql } from 'drizzle-orm';
import { boolean, index, integer, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../../db/columns.ts';
import { customers } from '../tenancy/tables.ts';

/** Mail that would be sent: always recorded; sent over SMTP when configured. */
export const outbox = pgTable(
  'outbox',
  {
    id: uuid('id').primaryKey(),
    to: text('to').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html'),
    createdAt: createdAt(),
    sentAt: timestamp('sent_at', { withTimezone: true }),
    error: text('error'),
  },
  (table) => [index('outbox_created_idx').on(table.createdAt)],
);

/** Settings › Notifications of one customer; a customer without a row has the defaults. */
export const notificationSettings = pgTable('notification_settings', {
  customerId: uuid('customer_id')
    .primaryKey()
    .references(() => customers.id, { onDelete: 'cascade' }),
  statusEmail: text('status_email', { enum: ['off', 'daily', 'weekly'] })
    .notNull()
    .default('daily'),
  /** The weekly email's day, 0 = Sunday … 6 = Saturday (UTC). */
  statusWeekday: integer('status_weekday').notNull().default(1),
  failureAlerts: boolean('failure_alerts').notNull().default(true),
  /** The tenant's super admins receive them. */
  notifyAdmins: boolean('notify_admins').notNull().default(true),
  extraRecipients: text('extra_recipients').array().notNull().default(sql`'{}'::text[]`),
  /** When the last status email went out (one per period). */
  lastStatusSentAt: timestamp('last_status_sent_at', { withTimezone: true }),
});

/** A recipient who followed an email's unsubscribe link: no more mail of that kind. */
export const notificationUnsubscribes = pgTable(
  'notification_unsubscribes',
  {
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    kind: text('kind', { enum: ['status', 'alerts'] }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.customerId, table.email, table.kind] })],
);

/** Failure causes already told; a row goes when its cause ends, so a new occurrence is told again. */
export const notifiedCauses = pgTable(
  'notified_causes',
  {
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    causeKey: text('cause_key').notNull(),
    notifiedAt: timestamp('notified_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.customerId, table.causeKey] })],
);
