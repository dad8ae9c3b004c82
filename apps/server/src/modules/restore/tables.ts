// The restore module's tables: restores and their items.
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { boolean, index, integer, jsonb, pgTable, primaryKey, text, timestamp, uuid } from 'drizzle-orm/pg-core';
import { createdAt } from '../../db/columns.ts';
import { backupSources } from '../backup/tables.ts';
import { customers } from '../tenancy/tables.ts';

/**
 * A restore of backed-up items (one user's service, or a shared drive, as of a backup point)
 * into a user of the same domain (or the shared drive itself). Counts are kept up to date as items finish, for progress.
 */
export const restores = pgTable(
  'restores',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => backupSources.id, { onDelete: 'cascade' }),
    service: text('service', { enum: ['gmail', 'drive', 'calendar', 'contacts'] }).notNull(),
    /** The backed-up subject the items come from: a user's email, or a shared drive's id. */
    fromEmail: text('from_email').notNull(),
    /**
     * Where the items are restored: a user's email (the same user or another of the domain), or
     * the shared drive's id when a shared drive is restored into itself.
     */
    toEmail: text('to_email').notNull(),
    /** Set when the backup is a shared drive's: its id (the items' top-level parent). */
    sharedDriveId: text('shared_drive_id'),
    /**
     * A shared drive's restore: the member the backup read the drive as, through whom a
     * current organizer is found to write as when the drive is restored into itself.
     */
    driveMember: text('drive_member'),
    /** The backup point restored: the run and the moment items are read as of. */
    pointRunId: uuid('point_run_id').notNull(),
    asOf: timestamp('as_of', { withTimezone: true }).notNull(),
    /** What was chosen: { label?, folder?, items? } (nothing = the whole service). */
    selection: jsonb('selection').$type<Record<string, unknown>>().notNull(),
    inPlace: boolean('in_place').notNull().default(false),
    /** "Restored <date>": the label / folder everything goes under (unless in place). */
    containerName: text('container_name').notNull(),
    restorePermissions: boolean('restore_permissions').notNull().default(false),
    /** Set once every item to restore is in restore_items (a resumed job then only works). */
    planned: boolean('planned').notNull().default(false),
    status: text('status', { enum: ['queued', 'running', 'success', 'partial', 'failed'] })
      .notNull()
      .default('queued'),
    total: integer('total').notNull().default(0),
    restored: integer('restored').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    /** Restore-level failure (e.g. "authorisation lost"); item failures are on restore_items. */
    error: text('error'),
    /** Notes for the report (e.g. calendars restored into the primary calendar). */
    notes: jsonb('notes').$type<string[]>().notNull().default([]),
    requestedBy: text('requested_by').notNull(),
    createdAt: createdAt(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
  },
  (table) => [index('restores_customer_idx').on(table.customerId, table.createdAt)],
);

/**
 * Every item of a restore, written before anything is created: `creating` is recorded just
 * before the Google call, so after a crash the target is searched before creating again.
 */
export const restoreItems = pgTable(
  'restore_items',
  {
    restoreId: uuid('restore_id')
      .notNull()
      .references(() => restores.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id').notNull(),
    itemKey: text('item_key').notNull(),
    version: integer('version').notNull(),
    /** Processing order (Drive: folders by depth, then files, then shortcuts). */
    phase: integer('phase').notNull().default(0),
    status: text('status', { enum: ['pending', 'creating', 'restored', 'skipped', 'failed'] })
      .notNull()
      .default('pending'),
    /** The id of what was created (or found) in the target account. */
    targetId: text('target_id'),
    reason: text('reason'),
    updatedAt: timestamp('updated_at', { withTimezone: true }),
  },
  (table) => [
    primaryKey({ columns: [table.restoreId, table.itemKey] }),
    index('restore_items_status_idx').on(table.restoreId, table.status, table.phase),
    index('restore_items_target_idx').on(table.restoreId, table.targetId),
  ],
);
