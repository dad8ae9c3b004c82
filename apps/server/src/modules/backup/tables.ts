// The backup module's tables: backup sources, runs, item versions and the tenant repositories' index.
// Other modules read them through this module's functions; db/schema.ts gathers every
// module's tables for the database client and drizzle-kit.
import { sql } from 'drizzle-orm';
import {
  bigint,
  bigserial,
  boolean,
  customType,
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
import { createdAt } from '../../db/columns.ts';
import { customers } from '../tenancy/tables.ts';

/**
 * `text` with each of the search document's word separators replaced by a space, as SQL: a chain
 * of replace() gives the same text as translate(text, '@._-/:+<>', '         ') at a fraction of
 * its CPU (translate() walks the pattern for every character: about a quarter of a version row's
 * insert, docs/benchmarks.md "Version rows, round three").
 */
function spaced(text: string): string {
  return [...'@._-/:+<>'].reduce((inner, separator) => `replace(${inner}, '${separator}', ' ')`, text);
}

/** PostgreSQL's full-text document type (drizzle has no built-in column for it). */
const tsvector = customType<{ data: string }>({
  dataType: () => 'tsvector',
});

// Backups (issue 5): tenant repository keys, the PostgreSQL blob index of each tenant's
// repository, backup sources with their cursors, runs, per-item errors and item versions.
// Sources are keyed by (customer, subject kind, subject id, service) and do NOT reference the
// directory tables (they are built in parallel): the integrator connects licensed users.

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
/**
 * Text compared byte by byte (`COLLATE "C"`), for the repository's names and blob ids: hex and
 * path characters, whose order and equality need no locale. The database's collation (e.g.
 * `C.UTF-8`, `en_US.UTF-8`) compares through `strcoll`; bytewise, the blob lookups' index probes
 * cost ≈ 25 % less and the blob-row inserts ≈ 8 % (docs/benchmarks.md "End-to-end backup, round
 * five"). A comparison with a column of the default collation (e.g. a version's `object_id`)
 * needs an explicit `COLLATE`.
 */
const bytewiseText = customType<{ data: string }>({
  dataType: () => 'text COLLATE "C"',
});

export const repositoryPacks = pgTable(
  'repository_packs',
  {
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    name: bytewiseText('name').notNull(),
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
    blobId: bytewiseText('blob_id').notNull(),
    pack: bytewiseText('pack').notNull(),
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
    /** Bytes of the source's items at this backup point (sizes of the current versions when the run ended), as `items` counts them. */
    storedBytes: bigint('stored_bytes', { mode: 'number' }).notNull().default(0),
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
    /**
     * While `running`: the attempt holding the lease — a random token set by each claim of the
     * run (run-source.ts), so two executions of one run in one process (a stalled attempt and
     * the retry that re-claimed the run) are told apart; every write of the run checks it.
     */
    leaseAttempt: uuid('lease_attempt'),
    /**
     * The process that ran it (its lease holder id, db/lease-holders.ts), kept after the run ends:
     * in the scale-out deployment it says which worker backed the source up.
     */
    ranBy: text('ran_by'),
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
    /**
     * The content's hash, to skip unchanged content: Drive Google's sha256/md5 when given (else
     * our sha256), Calendar and Contacts the sha256 of the item's JSON, Gmail the message's object
     * id (the tenant's keyed hash of its bytes; the plain sha256 in rows before 2026-12-05).
     */
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
     * '@._-/:+<>' become spaces (spaced()) so "from:example" finds <alice@example.com> (the
     * parser would take "<…>" for a tag and drop it); the query side splits its words the same way.
     */
    searchVector: tsvector('search_vector').generatedAlwaysAs(
      sql.raw(
        `setweight(to_tsvector('simple', ${spaced(`coalesce(metadata->>'subject', '') || ' ' || coalesce(metadata->>'name', '') || ' ' || coalesce(metadata->>'summary', '') || ' ' || coalesce(metadata->>'displayName', '')`)}), 'A') || setweight(to_tsvector('simple', ${spaced(`coalesce(metadata->>'from', '')`)}), 'B') || setweight(to_tsvector('simple', ${spaced(`coalesce(metadata->>'to', '') || ' ' || coalesce(metadata->>'cc', '')`)}), 'C') || setweight(to_tsvector('simple', ${spaced(`coalesce(metadata->>'labelNames', '')`)}), 'D')`,
      ),
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
    // Drive's lookup of stored content by Google's checksum ("sha256:…" / "md5:…"): only hashes
    // with an algorithm prefix are indexed — mail's (bare hex, most versions) can never match one.
    index('backup_item_versions_hash_idx')
      .on(table.customerId, table.contentHash)
      .where(sql`strpos(${table.contentHash}, ':') > 0`),
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
 * Backup settings and maintenance state per tenant (modules/backup/maintenance.ts). A tenant
 * without a row keeps everything forever and has not been collected or verified yet.
 */
export const backupTenantState = pgTable('backup_tenant_state', {
  customerId: uuid('customer_id')
    .primaryKey()
    .references(() => customers.id, { onDelete: 'cascade' }),
  /**
   * Age limits per service group (modules/backup/retention.ts): versions no longer current for
   * longer are pruned. Null (or a group's null) keeps everything while licensed.
   */
  retentionLimits: jsonb('retention_limits').$type<Record<string, { value: number; unit: 'days' | 'years' } | null>>(),
  lastRetentionAt: timestamp('last_retention_at', { withTimezone: true }),
  lastGcAt: timestamp('last_gc_at', { withTimezone: true }),
  lastGcReport: jsonb('last_gc_report').$type<Record<string, unknown>>(),
  /** The rolling verify's position: the last pack name verified (packs are taken in name order). */
  verifyCursor: text('verify_cursor'),
  lastVerifyAt: timestamp('last_verify_at', { withTimezone: true }),
  /** Damage found by the rolling verify (a tenant condition until a verify finds those packs sound). */
  damage: jsonb('damage').$type<Array<{ pack: string; blob?: string; problem: string }>>(),
  damageDetectedAt: timestamp('damage_detected_at', { withTimezone: true }),
  /** A shared drive first seen is protected (backed up) when true — the default, every drive backed up. */
  protectNewSharedDrives: boolean('protect_new_shared_drives').notNull().default(true),
});

/**
 * The domain's shared drives as the backup last listed them (PRODUCT §3: protected one by one,
 * or every new one). Only protected drives are backed up; a drive first seen gets the tenant's
 * `protect_new_shared_drives`. A drive's backups are its `backup_sources` row (subject_id = drive_id).
 */
export const sharedDrives = pgTable(
  'shared_drives',
  {
    customerId: uuid('customer_id')
      .notNull()
      .references(() => customers.id, { onDelete: 'cascade' }),
    driveId: text('drive_id').notNull(),
    name: text('name').notNull(),
    protected: boolean('protected').notNull(),
    firstSeenAt: timestamp('first_seen_at', { withTimezone: true }).notNull(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull(),
  },
  (table) => [primaryKey({ columns: [table.customerId, table.driveId] })],
);

/**
 * Repositories of deleted tenants that S3 Object Lock still holds objects of: tenant deletion
 * leaves what is within its retention (the store would refuse the delete) and records the
 * location here; the daily maintenance deletes the rest once `retry_after` (the latest
 * retain-until date seen) has passed, and drops the row when nothing is left. No customer_id
 * column (the tenant's rows are gone, so is the tenant; the location ends in its id); without
 * its keys the objects are unreadable.
 */
export const pendingRepositoryDeletions = pgTable('pending_repository_deletions', {
  location: text('location').primaryKey(),
  lockedObjects: integer('locked_objects').notNull(),
  retryAfter: timestamp('retry_after', { withTimezone: true }).notNull(),
  recordedAt: timestamp('recorded_at', { withTimezone: true }).notNull(),
});
