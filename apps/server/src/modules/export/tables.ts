// The export module's tables: data exports.
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { bigint, index, integer, jsonb, pgTable, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../../db/columns.ts';
import { customers } from '../tenancy/tables.ts';

/**
 * Zip exports of one user's (or shared drive's) backed-up services, or of a selection of one, as of a point in time (modules/export). The
 * zip is a file under the export directory; the download link is an HMAC of the id and
 * `expires_at`, so nothing secret is stored here. Expired exports lose their file (housekeeping).
 */
export const dataExports = pgTable(
  'data_exports',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** The backed-up user's email; for a shared drive, the drive's id (never a member's email). */
    subjectEmail: text('subject_email').notNull(),
    /** A shared drive's export: the drive (its id and its name when the export was asked for). */
    sharedDriveId: text('shared_drive_id'),
    sharedDriveName: text('shared_drive_name'),
    services: jsonb('services').$type<string[]>().notNull(),
    /** What of the one service is exported (label, folder, items; a query kept with its items); null: all. */
    selection: jsonb('selection').$type<{ label?: string; folder?: string; items?: string[]; query?: string }>(),
    /** The "as of" time asked for (null: the latest backup point of each service). */
    asOf: timestamp('as_of', { withTimezone: true }),
    status: text('status', { enum: ['queued', 'running', 'success', 'failed', 'expired'] })
      .notNull()
      .default('queued'),
    itemsTotal: integer('items_total').notNull().default(0),
    itemsDone: integer('items_done').notNull().default(0),
    /** Content bytes written into the zip so far. */
    bytesDone: bigint('bytes_done', { mode: 'number' }).notNull().default(0),
    /** Size of the finished zip file. */
    zipBytes: bigint('zip_bytes', { mode: 'number' }),
    fileName: text('file_name'),
    error: text('error'),
    requestedBy: text('requested_by').notNull(),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    expiresAt: timestamp('expires_at', { withTimezone: true }),
  },
  (table) => [
    index('data_exports_customer_idx').on(table.customerId, table.createdAt),
    index('data_exports_expires_idx').on(table.expiresAt),
  ],
);
