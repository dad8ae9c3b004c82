// The relational schema (Drizzle). One SQL dialect, PostgreSQL, serves PGlite and a real
// server alike; migrations under apps/server/drizzle are generated from this file.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from 'drizzle-orm/pg-core';

const createdAt = () => timestamp('created_at', { withTimezone: true }).notNull().defaultNow();

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
    status: text('status', { enum: ['trial', 'active', 'suspended', 'cancelled'] })
      .notNull()
      .default('trial'),
    trialEndsAt: timestamp('trial_ends_at', { withTimezone: true }),
    seatsPurchased: integer('seats_purchased').notNull().default(0),
    allowPartnerAccess: boolean('allow_partner_access').notNull().default(false),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('customers_domain_key').on(table.domain), index('customers_partner_idx').on(table.partnerId)],
);

/**
 * Vendor operators and partner users: the people who sign in with email, password and TOTP.
 * org_kind says which console they belong to; partner users carry their partner id.
 */
export const staffUsers = pgTable(
  'staff_users',
  {
    id: uuid('id').primaryKey(),
    email: text('email').notNull(),
    name: text('name').notNull().default(''),
    orgKind: text('org_kind', { enum: ['vendor', 'partner'] }).notNull(),
    partnerId: uuid('partner_id').references(() => partners.id),
    role: text('role', { enum: ['admin', 'support', 'owner', 'technician', 'read_only', 'billing'] }).notNull(),
    passwordHash: text('password_hash'),
    /** TOTP secret, encrypted with the master key (AES-256-GCM), base64. */
    totpSecretEncrypted: text('totp_secret_encrypted'),
    totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
    /** The last accepted TOTP time step: a code is usable once. */
    totpLastStep: bigint('totp_last_step', { mode: 'number' }),
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('staff_users_email_key').on(sql`lower(${table.email})`),
    index('staff_users_partner_idx').on(table.partnerId),
    // Exactly one owner per partner (PRODUCT.md §1).
    uniqueIndex('staff_users_one_owner_key').on(table.partnerId).where(sql`${table.role} = 'owner'`),
    check(
      'staff_users_org_role',
      sql`(${table.orgKind} = 'vendor' and ${table.partnerId} is null and ${table.role} in ('admin','support'))
       or (${table.orgKind} = 'partner' and ${table.partnerId} is not null and ${table.role} in ('owner','admin','technician','read_only','billing'))`,
    ),
  ],
);

/** Second-factor recovery codes: ten per user, stored hashed, each usable once. */
export const recoveryCodes = pgTable(
  'recovery_codes',
  {
    id: uuid('id').primaryKey(),
    userId: uuid('user_id')
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    codeHash: text('code_hash').notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [index('recovery_codes_user_idx').on(table.userId)],
);

/** Technicians see only the customers assigned to them. */
export const technicianAssignments = pgTable(
  'technician_assignments',
  {
    userId: uuid('user_id')
      .notNull()
      .references(() => staffUsers.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.userId, table.customerId] })],
);

/** People of a customer domain who sign in with Google, and their Safehold role there. */
export const customerMembers = pgTable(
  'customer_members',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    email: text('email').notNull(),
    role: text('role', { enum: ['super_admin', 'helpdesk_admin', 'end_user'] }).notNull(),
    googleSubject: text('google_subject'),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('customer_members_email_key').on(table.customerId, sql`lower(${table.email})`)],
);

/**
 * Server-side sessions. The cookie carries a random id; only its SHA-256 is stored. A
 * session that has passed the password but not the second factor has stage 'second_factor'.
 */
export const sessions = pgTable(
  'sessions',
  {
    idHash: text('id_hash').primaryKey(),
    subjectKind: text('subject_kind', { enum: ['staff', 'customer'] }).notNull(),
    staffUserId: uuid('staff_user_id').references(() => staffUsers.id, { onDelete: 'cascade' }),
    customerMemberId: uuid('customer_member_id').references(() => customerMembers.id, { onDelete: 'cascade' }),
    stage: text('stage', { enum: ['second_factor', 'enrol_second_factor', 'signed_in'] }).notNull(),
    csrfToken: text('csrf_token').notNull(),
    ip: text('ip'),
    userAgent: text('user_agent'),
    createdAt: createdAt(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    absoluteExpiresAt: timestamp('absolute_expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [
    index('sessions_staff_idx').on(table.staffUserId),
    index('sessions_member_idx').on(table.customerMemberId),
  ],
);

/**
 * Single-use links: operator setup, partner invitations, password resets. Only the hash of
 * the token is stored.
 */
export const oneTimeTokens = pgTable(
  'one_time_tokens',
  {
    id: uuid('id').primaryKey(),
    purpose: text('purpose', { enum: ['operator_setup', 'invitation', 'password_reset'] }).notNull(),
    tokenHash: text('token_hash').notNull(),
    email: text('email').notNull(),
    staffUserId: uuid('staff_user_id').references(() => staffUsers.id, { onDelete: 'cascade' }),
    partnerId: uuid('partner_id').references(() => partners.id),
    role: text('role'),
    createdBy: uuid('created_by'),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [uniqueIndex('one_time_tokens_hash_key').on(table.tokenHash)],
);

/** Append-only audit log. The application has no update or delete path for it. */
export const auditLog = pgTable(
  'audit_log',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    actorKind: text('actor_kind', { enum: ['staff', 'customer', 'system', 'anonymous', 'api_key'] }).notNull(),
    actorId: text('actor_id'),
    actorLabel: text('actor_label').notNull(),
    onBehalfOf: text('on_behalf_of'),
    /** Every tenant whose log shows the entry: 'vendor', 'partner:<id>', 'customer:<id>'. */
    tenants: text('tenants').array().notNull(),
    action: text('action').notNull(),
    target: text('target'),
    ip: text('ip'),
    userAgent: text('user_agent'),
    result: text('result', { enum: ['success', 'failure', 'denied'] }).notNull(),
    details: jsonb('details').$type<Record<string, unknown>>(),
  },
  (table) => [index('audit_log_tenants_idx').using('gin', table.tenants), index('audit_log_at_idx').on(table.at)],
);

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

/** Fixed-window counters for rate limits shared by every process on the database. */
export const rateLimitCounters = pgTable(
  'rate_limit_counters',
  {
    key: text('key').notNull(),
    windowStart: timestamp('window_start', { withTimezone: true }).notNull(),
    count: integer('count').notNull().default(0),
  },
  (table) => [primaryKey({ columns: [table.key, table.windowStart] })],
);

/** Installation-wide settings and secrets (encrypted) such as the OIDC cookie key. */
export const installationSettings = pgTable('installation_settings', {
  key: text('key').primaryKey(),
  value: jsonb('value').notNull(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

// ---------------------------------------------------------------------------------------------
// Tenant connection, directory and licensing (modules/customers). A customer's link to its
// Google domain, the synced directory (users and org units) and each user's license.
// ---------------------------------------------------------------------------------------------

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
  /** The service account's OAuth client id the domain authorised. */
  clientId: text('client_id').notNull(),
  authorizationStatus: text('authorization_status', { enum: ['authorized', 'lost'] })
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
