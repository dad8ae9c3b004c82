// The customers module's tables: a customer's Google connection and directory.
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { sql } from 'drizzle-orm';
import {
  boolean,
  doublePrecision,
  index,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';
import { createdAt } from '../../db/columns.ts';
import { customers } from '../tenancy/tables.ts';

// Tenant connection, directory and licensing (modules/customers). A customer's link to its
// Google domain, the synced directory (users and org units) and each user's license.

/**
 * How Safehold reaches a customer's domain: the super admin impersonated for Directory calls,
 * whether domain-wide delegation still holds (one tenant-level condition), the last directory
 * sync, and the License Manager's "assign licenses to new users automatically".
 */
export const customerConnections = pgTable('customer_connections', {
  customerId: uuid('customer_id')
    .primaryKey()
    .references(() => customers.id, { onDelete: 'cascade' }),
  adminEmail: text('admin_email').notNull(),
  /** The service account's OAuth client id the domain authorised (or, while re-authorisation is required, must authorise). */
  clientId: text('client_id').notNull(),
  /**
   * The Cloud project (its key's project_id) every Google call for this customer goes through;
   * null: the installation's default (first) project (docs/deployment.md "Several Cloud projects").
   */
  googleProject: text('google_project'),
  /**
   * `reauthorization_required`: the vendor moved the customer to another project; backups wait
   * until "Check authorisation" finds the new client id authorised.
   */
  authorizationStatus: text('authorization_status', { enum: ['authorized', 'lost', 'reauthorization_required'] })
    .notNull()
    .default('authorized'),
  /** Scopes found missing when authorisation was lost (the fix names them). */
  missingScopes: text('missing_scopes').array().notNull().default(sql`'{}'::text[]`),
  authorizationChangedAt: timestamp('authorization_changed_at', { withTimezone: true }).notNull().defaultNow(),
  autoAssignLicenses: boolean('auto_assign_licenses').notNull().default(false),
  lastSyncStartedAt: timestamp('last_sync_started_at', { withTimezone: true }),
  lastSyncCompletedAt: timestamp('last_sync_completed_at', { withTimezone: true }),
  lastSyncError: text('last_sync_error'),
  createdAt: createdAt(),
});

/** Organisational units of a customer's domain, replaced at each sync. */
export const directoryOrgUnits = pgTable(
  'directory_org_units',
  {
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    orgUnitPath: text('org_unit_path').notNull(),
    name: text('name').notNull(),
    parentOrgUnitPath: text('parent_org_unit_path'),
    googleId: text('google_id'),
  },
  (table) => [primaryKey({ columns: [table.customerId, table.orgUnitPath] })],
);

/**
 * Users of a customer's domain as the last directory sync saw them, with their Safehold
 * license. Suspended and deleted Google users keep their row (and their data): deleted ones
 * carry deleted_at. An unlicensed user's data is purged after purge_after (60 days).
 */
export const directoryUsers = pgTable(
  'directory_users',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    /** Google's immutable user id. */
    googleId: text('google_id').notNull(),
    primaryEmail: text('primary_email').notNull(),
    fullName: text('full_name').notNull().default(''),
    isAdmin: boolean('is_admin').notNull().default(false),
    suspended: boolean('suspended').notNull().default(false),
    archived: boolean('archived').notNull().default(false),
    orgUnitPath: text('org_unit_path').notNull().default('/'),
    /** Google's deletionTime, or when the user vanished from the directory altogether. */
    deletedAt: timestamp('deleted_at', { withTimezone: true }),
    googleCreatedAt: timestamp('google_created_at', { withTimezone: true }),
    lastLoginAt: timestamp('last_login_at', { withTimezone: true }),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSyncedAt: timestamp('last_synced_at', { withTimezone: true }).notNull(),
    license: text('license', { enum: ['standard', 'archived'] }),
    licensedAt: timestamp('licensed_at', { withTimezone: true }),
    /** Set when a license is removed: the user's backups are purged after this date. */
    purgeAfter: timestamp('purge_after', { withTimezone: true }),
    /** When the purge job removed the user's backup data (the license row stays for history). */
    purgedAt: timestamp('purged_at', { withTimezone: true }),
    /** Legal hold (set by a super admin): no pruning of the user's backups, neither by age nor after the grace period. */
    legalHold: boolean('legal_hold').notNull().default(false),
  },
  (table) => [
    uniqueIndex('directory_users_google_id_key').on(table.customerId, table.googleId),
    // Listing (sorted by email), email search by prefix, and paging stay index scans per tenant.
    index('directory_users_email_idx').on(table.customerId, sql`lower(${table.primaryEmail})`, table.id),
    index('directory_users_license_idx').on(table.customerId, table.license),
    index('directory_users_org_unit_idx').on(table.customerId, table.orgUnitPath),
    index('directory_users_purge_idx')
      .on(table.purgeAfter)
      .where(sql`${table.purgeAfter} is not null and ${table.purgedAt} is null`),
  ],
);

// Google quota shared by every process of the installation (quota-budget.ts, docs/deployment.md
// "Quota across workers"): the token buckets per (project, API) and (user, API), and the backoffs
// a rate-limit answer recorded. Times are the database's clock, so process clocks never matter.

/** One token bucket; refilled by the time elapsed since `updated_at` when a process leases from it. */
export const googleQuotaBuckets = pgTable(
  'google_quota_buckets',
  {
    scope: text('scope', { enum: ['user', 'project'] }).notNull(),
    api: text('api').notNull(),
    /** The user's email or the Cloud project id. */
    key: text('key').notNull(),
    tokens: doublePrecision('tokens').notNull(),
    /** What the last lease got (0: refused), read back by the same UPDATE's RETURNING. */
    granted: doublePrecision('granted').notNull().default(0),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.scope, table.api, table.key] })],
);

/** Calls on (scope, api, key) wait until `until`: Google refused one for quota. */
export const googleQuotaBackoffs = pgTable(
  'google_quota_backoffs',
  {
    scope: text('scope', { enum: ['user', 'project'] }).notNull(),
    api: text('api').notNull(),
    key: text('key').notNull(),
    until: timestamp('until', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.scope, table.api, table.key] })],
);

/**
 * The processes calling a user's API now (a backup, a restore, an export in different workers):
 * each says so at most once a second while it calls, for a few seconds, and divides the user's
 * concurrency cap by how many there are (quota-manager.ts). `caller` is one process's quota
 * manager; rows expired for an hour are removed by the next caller of the same user and API.
 */
export const googleQuotaCallers = pgTable(
  'google_quota_callers',
  {
    api: text('api').notNull(),
    /** The user's email. */
    key: text('key').notNull(),
    caller: text('caller').notNull(),
    until: timestamp('until', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.api, table.key, table.caller] })],
);

/**
 * Units each Cloud project spent on each API per quota day (Google's: midnight to midnight
 * Pacific time), and in the current minute (issue 20:
 * Google's per-project daily thresholds): project-usage.ts adds every process's spending here
 * about once a second and refuses calls once a day's threshold is reached.
 */
export const googleProjectUsage = pgTable(
  'google_project_usage',
  {
    project: text('project').notNull(),
    api: text('api').notNull(),
    /** Google's quota day (the date in America/Los_Angeles, the processes' clock), as YYYY-MM-DD. */
    day: text('day').notNull(),
    units: doublePrecision('units').notNull().default(0),
    /** The minute `minute_units` counts (the database's clock, truncated to the minute). */
    minuteStart: timestamp('minute_start', { withTimezone: true }).notNull(),
    minuteUnits: doublePrecision('minute_units').notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.project, table.api, table.day] })],
);
