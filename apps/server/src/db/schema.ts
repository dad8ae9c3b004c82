// The relational schema (Drizzle). One SQL dialect, PostgreSQL, serves PGlite and a real
// server alike; migrations under apps/server/drizzle are generated from this file.
import { sql } from 'drizzle-orm';
import {
  type AnyPgColumn,
  bigint,
  bigserial,
  boolean,
  check,
  customType,
  doublePrecision,
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

/** PostgreSQL's full-text document type (drizzle has no built-in column for it). */
const tsvector = customType<{ data: string }>({
  dataType: () => 'tsvector',
});

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
    /** The role in effect: super_admin while Google says so, otherwise granted_role. */
    role: text('role', { enum: ['super_admin', 'helpdesk_admin', 'end_user'] }).notNull(),
    /** The role granted in Safehold, which the member falls back to when Google stops making them super admin. */
    grantedRole: text('granted_role', { enum: ['helpdesk_admin', 'end_user'] })
      .notNull()
      .default('end_user'),
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

/**
 * "Signed in with Google, but the domain is no Safehold customer yet": the state between
 * Sign in with Google and "Verify" of a trial install. The browser holds a random id in a
 * cookie; only its SHA-256 is stored. Short-lived (30 minutes) and single use.
 */
export const pendingInstalls = pgTable(
  'pending_installs',
  {
    idHash: text('id_hash').primaryKey(),
    email: text('email').notNull(),
    domain: text('domain').notNull(),
    googleSubject: text('google_subject').notNull(),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (table) => [index('pending_installs_expires_idx').on(table.expiresAt)],
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

/**
 * Transfer tokens (PRODUCT.md §2): a customer's single-use permission for a partner to take
 * it over. Only the SHA-256 of the token and its last 4 characters are kept. At most one live
 * token per customer (unused and unrevoked; generating a new one revokes the previous one).
 */
export const transferTokens = pgTable(
  'transfer_tokens',
  {
    id: uuid('id').primaryKey(),
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    tokenHash: text('token_hash').notNull(),
    last4: text('last4').notNull(),
    createdByMemberId: uuid('created_by_member_id').references(() => customerMembers.id, { onDelete: 'set null' }),
    createdAt: createdAt(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    usedAt: timestamp('used_at', { withTimezone: true }),
    usedByPartnerId: uuid('used_by_partner_id').references(() => partners.id, { onDelete: 'set null' }),
    usedByUserId: uuid('used_by_user_id').references(() => staffUsers.id, { onDelete: 'set null' }),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    /** 'revoked' by the admin, or 'replaced' by a newer token. */
    revokedReason: text('revoked_reason', { enum: ['revoked', 'replaced'] }),
  },
  (table) => [
    uniqueIndex('transfer_tokens_hash_key').on(table.tokenHash),
    uniqueIndex('transfer_tokens_one_live_key')
      .on(table.customerId)
      .where(sql`${table.usedAt} is null and ${table.revokedAt} is null`),
  ],
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
    /**
     * While `running`: the source's lease; a run whose lease expired is taken to be dead. While
     * `queued`: held by the process that runs it in-process (`backup run --wait`), see stale-runs.ts.
     */
    leaseExpiresAt: timestamp('lease_expires_at', { withTimezone: true }),
    /**
     * While `running`: the process holding the lease (db/lease-holders.ts). A holder known to be
     * dead loses the lease at once, before it expires.
     */
    leaseHolder: text('lease_holder'),
    /** The queue job that runs it (null: run in-process, or not queued yet); see stale-runs.ts. */
    jobId: text('job_id'),
    /** When the customer's admins were told about this failed/partial run (one digest per batch). */
    notifiedAt: timestamp('notified_at', { withTimezone: true }),
  },
  (table) => [
    index('backup_runs_customer_idx').on(table.customerId, table.queuedAt),
    index('backup_runs_source_idx').on(table.sourceId, table.queuedAt),
    // A tenant's runs finished in the last 24 hours (the Reseller Console's health figures).
    index('backup_runs_customer_finished_idx').on(table.customerId, table.finishedAt),
    // Runs queued or running (the stale-run sweep and the scheduler's in-flight count).
    index('backup_runs_open_idx').on(table.status, table.queuedAt).where(sql`${table.status} in ('queued', 'running')`),
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
    /**
     * Search document over the metadata (modules/search): title words (mail subject, file name,
     * event summary, contact name) weight A, sender B, recipients C, Gmail label names D.
     * '@._-/:+<>' become spaces so "from:example" finds <alice@example.com> (the parser would
     * take "<…>" for a tag and drop it); the query side splits its words the same way.
     */
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      sql`setweight(to_tsvector('simple', translate(coalesce(metadata->>'subject', '') || ' ' || coalesce(metadata->>'name', '') || ' ' || coalesce(metadata->>'summary', '') || ' ' || coalesce(metadata->>'displayName', ''), '@._-/:+<>', '         ')), 'A') || setweight(to_tsvector('simple', translate(coalesce(metadata->>'from', ''), '@._-/:+<>', '         ')), 'B') || setweight(to_tsvector('simple', translate(coalesce(metadata->>'to', '') || ' ' || coalesce(metadata->>'cc', ''), '@._-/:+<>', '         ')), 'C') || setweight(to_tsvector('simple', translate(coalesce(metadata->>'labelNames', ''), '@._-/:+<>', '         ')), 'D')`,
    ),
    /**
     * The item's own date, for search order and after:/before: — Gmail's internalDate, Drive's
     * modifiedTime, an event's updated time (Google's UTC "…Z" form), else when the version was
     * backed up; never later than valid_from (a mail dated in the future counts as of its
     * backup), so "valid at T" implies item_time <= T and as-of searches can walk the time
     * index from T. Parsed with immutable arithmetic only (a generated column cannot use the
     * stable ::timestamptz cast) and guarded by patterns, so odd metadata never fails a write.
     */
    itemTime: timestamp('item_time', { withTimezone: true })
      .notNull()
      .generatedAlwaysAs(
        sql`least(coalesce(case when metadata->>'internalDate' ~ '^[0-9]{1,15}$' then to_timestamp((metadata->>'internalDate')::double precision / 1000) end, case when coalesce(metadata->>'modifiedTime', metadata->>'updated') ~ '^[1-9][0-9]{3}-(0[1-9]|1[0-2])-[0-3][0-9]T[0-2][0-9]:[0-5][0-9]:[0-5][0-9]' then timezone('UTC', make_timestamp(substr(coalesce(metadata->>'modifiedTime', metadata->>'updated'), 1, 4)::integer, substr(coalesce(metadata->>'modifiedTime', metadata->>'updated'), 6, 2)::integer, 1, 0, 0, 0) + make_interval(0, 0, 0, substr(coalesce(metadata->>'modifiedTime', metadata->>'updated'), 9, 2)::integer - 1, substr(coalesce(metadata->>'modifiedTime', metadata->>'updated'), 12, 2)::integer, substr(coalesce(metadata->>'modifiedTime', metadata->>'updated'), 15, 2)::integer, substr(coalesce(metadata->>'modifiedTime', metadata->>'updated'), 18, 2)::double precision)) end, valid_from), valid_from)`,
      ),
  },
  (table) => [
    uniqueIndex('backup_item_versions_version_key').on(table.sourceId, table.itemKey, table.version),
    // At most one current version per item: a resumed run cannot duplicate an item.
    uniqueIndex('backup_item_versions_current_key')
      .on(table.sourceId, table.itemKey)
      .where(sql`${table.validTo} is null`),
    index('backup_item_versions_run_idx').on(table.runId),
    index('backup_item_versions_hash_idx').on(table.customerId, table.contentHash),
    // Search: words through the GIN index, newest first per tenant through the time index.
    index('backup_item_versions_search_idx').using('gin', table.searchVector),
    index('backup_item_versions_time_idx').on(table.customerId, table.itemTime, table.id),
    // Browse: the children of a Drive folder (first parent) without reading the whole source.
    index('backup_item_versions_parent_idx')
      .on(table.sourceId, sql`(${table.metadata}->'parents'->>0)`, table.itemKey)
      .where(sql`(${table.metadata}->'parents'->>0) is not null`),
  ],
);

/**
 * Zip exports of one user's backed-up services as of a point in time (modules/export). The
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
    subjectEmail: text('subject_email').notNull(),
    services: jsonb('services').$type<string[]>().notNull(),
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

// ---------------------------------------------------------------------------------------------
// Reseller Console (modules/reseller): one row of health figures per customer, so the partner's
// customers list sorts, filters and pages 10,000 customers in SQL without aggregating backup
// runs per request. Database triggers (migration reseller_health_triggers) bump change_seq
// whenever a row the figures come from changes; a reader recomputes rows whose clean_seq lags
// change_seq, or whose 24-hour window has moved past a run (window_expires_at), before reading.
// ---------------------------------------------------------------------------------------------

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

/**
 * A restore of backed-up items (one user's service as of a backup point) into a user of the
 * same domain. Counts are kept up to date as items finish, for progress.
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
    /** The backed-up user the items come from. */
    fromEmail: text('from_email').notNull(),
    /** The user the items are restored into (the same user or another of the domain). */
    toEmail: text('to_email').notNull(),
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
