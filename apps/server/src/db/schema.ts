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
    /** Daily backup window: scheduled runs start between this hour (UTC) and `backupWindowHours` later. */
    backupWindowStartHour: integer('backup_window_start_hour').notNull().default(1),
    backupWindowHours: integer('backup_window_hours').notNull().default(6),
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

// ---------------------------------------------------------------------------------------------
// Backups (issue 5): tenant repository keys, the PostgreSQL blob index of each tenant's
// repository, backup sources with their cursors, runs, per-item errors and item versions.
// Sources are keyed by (customer, subject kind, subject id, service) and do NOT reference the
// directory tables (they are built in parallel): the integrator connects licensed users.
// ---------------------------------------------------------------------------------------------

/**
 * Per-tenant repository keys (data key + id key) sealed with the installation's master key
 * (AES-256-GCM). Deleting the row (or the customer) crypto-shreds the tenant's backups.
 */
export const tenantRepositoryKeys = pgTable('tenant_repository_keys', {
  customerId: uuid('customer_id')
    .primaryKey()
    .references(() => customers.id, { onDelete: 'cascade' }),
  /** base64(nonce | AES-256-GCM(masterKey, dataKey | idKey, aad = 'safehold-tenant-keys-v1:<customerId>') | tag). */
  wrappedKeys: text('wrapped_keys').notNull(),
  /** Where the repository lives (storage URL + '/<customerId>'), fixed at creation. */
  location: text('location').notNull(),
  createdAt: createdAt(),
});

/** Packs of a tenant's repository (the server's BlobIndex; index files in the repository remain for recovery). */
export const repositoryPacks = pgTable(
  'repository_packs',
  {
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    name: text('name').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    createdAt: createdAt(),
  },
  (table) => [primaryKey({ columns: [table.customerId, table.name] })],
);

/** Blob id → location in a pack, per tenant. A blob may live in several packs (after a repack). */
export const repositoryBlobs = pgTable(
  'repository_blobs',
  {
    customerId: uuid('customer_id').notNull(),
    blobId: text('blob_id').notNull(),
    pack: text('pack').notNull(),
    type: integer('type').notNull(),
    offset: bigint('offset', { mode: 'number' }).notNull(),
    length: integer('length').notNull(),
    rawLength: integer('raw_length').notNull(),
  },
  (table) => [
    primaryKey({ columns: [table.customerId, table.blobId, table.pack] }),
    index('repository_blobs_pack_idx').on(table.customerId, table.pack),
  ],
);

/** One backup source: a user's (or shared drive's) Gmail, Drive, Calendar or Contacts. */
export const backupSources = pgTable(
  'backup_sources',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    subjectKind: text('subject_kind', { enum: ['user', 'shared_drive'] }).notNull(),
    /** Google user id or shared drive id. */
    subjectId: text('subject_id').notNull(),
    /** The user's primary email (for a shared drive: the member impersonated). */
    subjectEmail: text('subject_email').notNull(),
    service: text('service', { enum: ['gmail', 'drive', 'calendar', 'contacts'] }).notNull(),
    /** The service's cursor; written only together with the end of a run that committed every item. */
    cursor: jsonb('cursor').$type<Record<string, unknown>>(),
    cursorUpdatedAt: timestamp('cursor_updated_at', { withTimezone: true }),
    lastSuccessAt: timestamp('last_success_at', { withTimezone: true }),
    createdAt: createdAt(),
  },
  (table) => [
    uniqueIndex('backup_sources_subject_key').on(table.customerId, table.subjectKind, table.subjectId, table.service),
    index('backup_sources_customer_idx').on(table.customerId),
  ],
);

/** One run of one source; a committed run (success or partial) is a backup point. */
export const backupRuns = pgTable(
  'backup_runs',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => backupSources.id, { onDelete: 'cascade' }),
    trigger: text('trigger', { enum: ['scheduled', 'on_demand'] }).notNull(),
    status: text('status', { enum: ['queued', 'running', 'success', 'partial', 'failed'] })
      .notNull()
      .default('queued'),
    /** full | incremental | resync (cursor expired), set when the run starts. */
    mode: text('mode'),
    added: integer('added').notNull().default(0),
    changed: integer('changed').notNull().default(0),
    deleted: integer('deleted').notNull().default(0),
    skipped: integer('skipped').notNull().default(0),
    failed: integer('failed').notNull().default(0),
    /** Items of the source at this backup point (current versions when the run ended). */
    items: integer('items').notNull().default(0),
    /** Content bytes fetched and stored by the run. */
    bytes: bigint('bytes', { mode: 'number' }).notNull().default(0),
    /** Run-level failure (e.g. "authorisation lost"); item failures are in backup_run_errors. */
    error: text('error'),
    snapshotId: text('snapshot_id'),
    queuedAt: timestamp('queued_at', { withTimezone: true }).notNull().defaultNow(),
    startedAt: timestamp('started_at', { withTimezone: true }),
    finishedAt: timestamp('finished_at', { withTimezone: true }),
    durationMs: integer('duration_ms'),
    /** While `running`: the source's lease; a run whose lease expired is taken to be dead. */
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    /** When the customer's admins were told about this failed/partial run (one digest per batch). */
    notifiedAt: timestamp('notified_at', { withTimezone: true }),
  },
  (table) => [
    index('backup_runs_customer_idx').on(table.customerId, table.queuedAt),
    index('backup_runs_source_idx').on(table.sourceId, table.queuedAt),
  ],
);

/** Items a run could not back up, with the reason (the run is then `partial`). */
export const backupRunErrors = pgTable(
  'backup_run_errors',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    runId: uuid('run_id')
      .notNull()
      .references(() => backupRuns.id, { onDelete: 'cascade' }),
    customerId: uuid('customer_id').notNull(),
    itemKey: text('item_key').notNull(),
    reason: text('reason').notNull(),
    createdAt: createdAt(),
  },
  (table) => [index('backup_run_errors_run_idx').on(table.runId)],
);

/**
 * Temporal item versions: the state "as of T" is every row with valid_from <= T and
 * (valid_to is null or valid_to > T). Deleted and overwritten items keep their rows.
 */
export const backupItemVersions = pgTable(
  'backup_item_versions',
  {
    id: bigserial('id', { mode: 'number' }).primaryKey(),
    customerId: uuid('customer_id').notNull(),
    sourceId: uuid('source_id')
      .notNull()
      .references(() => backupSources.id, { onDelete: 'cascade' }),
    itemKey: text('item_key').notNull(),
    version: integer('version').notNull(),
    /** Repository id of the content (mail/file descriptor or object blob). */
    objectId: text('object_id').notNull(),
    /** sha256 of the content (Drive: Google's sha256/md5 when given), to skip unchanged content. */
    contentHash: text('content_hash').notNull(),
    size: bigint('size', { mode: 'number' }).notNull(),
    metadata: jsonb('metadata').$type<Record<string, unknown>>().notNull(),
    validFrom: timestamp('valid_from', { withTimezone: true }).notNull(),
    validTo: timestamp('valid_to', { withTimezone: true }),
    runId: uuid('run_id').notNull(),
    closedByRunId: uuid('closed_by_run_id'),
  },
  (table) => [
    uniqueIndex('backup_item_versions_version_key').on(table.sourceId, table.itemKey, table.version),
    // At most one current version per item: a resumed run cannot duplicate an item.
    uniqueIndex('backup_item_versions_current_key')
      .on(table.sourceId, table.itemKey)
      .where(sql`${table.validTo} is null`),
    index('backup_item_versions_run_idx').on(table.runId),
    index('backup_item_versions_hash_idx').on(table.customerId, table.contentHash),
  ],
);

/**
 * Backup settings and maintenance state per tenant (modules/backup/maintenance.ts). A tenant
 * without a row keeps everything forever and has not been collected or verified yet.
 */
export const backupTenantState = pgTable('backup_tenant_state', {
  customerId: uuid('customer_id')
    .primaryKey()
    .references(() => customers.id, { onDelete: 'cascade' }),
  /** Versions closed longer ago than this many days are deleted; null keeps every version. */
  retentionDays: integer('retention_days'),
  lastRetentionAt: timestamp('last_retention_at', { withTimezone: true }),
  lastGcAt: timestamp('last_gc_at', { withTimezone: true }),
  lastGcReport: jsonb('last_gc_report').$type<Record<string, unknown>>(),
  /** The rolling verify's position: the last pack name verified (packs are taken in name order). */
  verifyCursor: text('verify_cursor'),
  lastVerifyAt: timestamp('last_verify_at', { withTimezone: true }),
  /** Damage found by the rolling verify (a tenant condition until a verify finds those packs sound). */
  damage: jsonb('damage').$type<Array<{ pack: string; blob?: string; problem: string }>>(),
  damageDetectedAt: timestamp('damage_detected_at', { withTimezone: true }),
});
