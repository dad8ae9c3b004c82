// Reading the backed-up history: a tenant's sources, their backup points (committed runs) and
// the item versions that existed "as of T" (valid_from <= T < valid_to). Browse, search,
// restore and export all read through here, and every query carries the customer id, so one
// tenant can never reach another's rows even with a guessed source id.
import type { Repository } from '@safehold/repository';
import { and, asc, desc, eq, getTableColumns, gt, inArray, isNull, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { backupItemVersions, backupRuns, backupSources } from './tables.ts';

export type BackupService = (typeof backupSources.$inferSelect)['service'];
export type BackupSource = typeof backupSources.$inferSelect;
/** A version row without its search document (generated for modules/search, never needed by readers). */
export type ItemVersion = Omit<typeof backupItemVersions.$inferSelect, 'searchVector'>;

const { searchVector: _searchVector, ...itemVersionColumns } = getTableColumns(backupItemVersions);

/** The columns of ItemVersion, for `db.select(itemVersionColumns)`. */
export { itemVersionColumns };

/** The source of `subject` (a user's email, a user's Google id or a shared drive id) and service, or null. */
export async function findSource(
  db: Db,
  customerId: string,
  subject: string,
  service: BackupService,
): Promise<BackupSource | null> {
  const [source] = await db
    .select()
    .from(backupSources)
    .where(
      and(
        eq(backupSources.customerId, customerId),
        eq(backupSources.service, service),
        // A shared drive's subject_email is the member it is read as: an email finds users only.
        or(
          and(eq(backupSources.subjectKind, 'user'), sql`lower(${backupSources.subjectEmail}) = lower(${subject})`),
          eq(backupSources.subjectId, subject),
        ),
      ),
    )
    .limit(1);
  return source ?? null;
}

export async function sourceById(db: Db, customerId: string, sourceId: string): Promise<BackupSource | null> {
  const [source] = await db
    .select()
    .from(backupSources)
    .where(and(eq(backupSources.customerId, customerId), eq(backupSources.id, sourceId)));
  return source ?? null;
}

export interface BackupPoint {
  runId: string;
  status: 'success' | 'partial';
  /** The moment the run committed its last item: "as of" this time shows the run's state. */
  at: Date;
}

/** Committed runs of a source, newest first; `options` narrows to runs at or before a time and a count. */
export async function backupPoints(
  db: Db,
  customerId: string,
  sourceId: string,
  options: { atOrBefore?: Date; limit?: number } = {},
): Promise<BackupPoint[]> {
  const query = db
    .select({ runId: backupRuns.id, status: backupRuns.status, at: backupRuns.finishedAt })
    .from(backupRuns)
    .where(
      and(
        eq(backupRuns.customerId, customerId),
        eq(backupRuns.sourceId, sourceId),
        inArray(backupRuns.status, ['success', 'partial']),
        options.atOrBefore ? lte(backupRuns.finishedAt, options.atOrBefore) : undefined,
      ),
    )
    .orderBy(desc(backupRuns.finishedAt));
  const rows = await (options.limit === undefined ? query : query.limit(options.limit));
  return rows.flatMap((row) =>
    row.at && (row.status === 'success' || row.status === 'partial')
      ? [{ runId: row.runId, status: row.status, at: row.at }]
      : [],
  );
}

/** The backup point run `runId` of the tenant made, or null when it is not a committed run of it. */
export async function backupPointOfRun(db: Db, customerId: string, runId: string): Promise<BackupPoint | null> {
  const [row] = await db
    .select({ runId: backupRuns.id, status: backupRuns.status, at: backupRuns.finishedAt })
    .from(backupRuns)
    .where(and(eq(backupRuns.customerId, customerId), eq(backupRuns.id, runId)));
  if (!row?.at || (row.status !== 'success' && row.status !== 'partial')) return null;
  return { runId: row.runId, status: row.status, at: row.at };
}

/**
 * The backup point a request for "as of `requested`" means: the newest committed run at or
 * before it (the newest overall when no time is given), or null when there is none.
 */
export async function resolveBackupPoint(
  db: Db,
  customerId: string,
  sourceId: string,
  requested?: Date,
): Promise<BackupPoint | null> {
  const [point] = await backupPoints(db, customerId, sourceId, {
    ...(requested ? { atOrBefore: requested } : {}),
    limit: 1,
  });
  return point ?? null;
}

/** Rows of backup_item_versions valid at `at` (for this module's queries; others pass a time). */
export function validAt(at: Date): SQL {
  return and(
    lte(backupItemVersions.validFrom, at),
    or(isNull(backupItemVersions.validTo), gt(backupItemVersions.validTo, at)),
  ) as SQL;
}

/** Narrows the versions read as of T; every field given must hold. */
export interface VersionFilter {
  /** These items only. */
  itemKeys?: readonly string[];
  /** Items whose key starts with this (a calendar's events: `<calendarId>/`). */
  keyPrefix?: string;
  /** Gmail messages carrying this label id. */
  labelId?: string;
  /** Calendar events of this calendar (the `calendarId` of their metadata). */
  calendarId?: string;
}

function filterConditions(filter: VersionFilter = {}): SQL | undefined {
  const v = backupItemVersions;
  return and(
    filter.itemKeys ? inArray(v.itemKey, filter.itemKeys.length > 0 ? [...filter.itemKeys] : ['']) : undefined,
    // starts_with keeps a key range exact under any collation.
    filter.keyPrefix === undefined ? undefined : sql`starts_with(${v.itemKey}, ${filter.keyPrefix})`,
    // jsonb_exists is the `?` operator as a function call: for the array labelIds always is, it
    // matches exactly what `@> '["<id>"]'` did. PostgreSQL has no statistics for either operator
    // on this expression and guessed a few dozen matches out of a whole source, so a label's
    // first page scanned every tenant's versions and sorted them (bench: browse, 1M versions:
    // about 1 s); a function gets the default estimate (a third of the rows) and the planner
    // walks the source's key index until the page is full (under 1 ms for the same page).
    filter.labelId === undefined ? undefined : sql`jsonb_exists(${v.metadata}->'labelIds', ${filter.labelId})`,
    filter.calendarId === undefined ? undefined : sql`${v.metadata}->>'calendarId' = ${filter.calendarId}`,
  );
}

/**
 * The source's items as of `at`, in item-key order, a page at a time (`afterKey` is the last
 * key of the previous page). `filter` narrows further (e.g. a label or a calendar).
 */
export async function versionsAsOf(
  db: Db,
  options: {
    customerId: string;
    sourceId: string;
    at: Date;
    afterKey?: string;
    limit?: number;
    filter?: VersionFilter;
  },
): Promise<ItemVersion[]> {
  return db
    .select(itemVersionColumns)
    .from(backupItemVersions)
    .where(
      and(
        eq(backupItemVersions.customerId, options.customerId),
        eq(backupItemVersions.sourceId, options.sourceId),
        validAt(options.at),
        options.afterKey === undefined ? undefined : gt(backupItemVersions.itemKey, options.afterKey),
        filterConditions(options.filter),
      ),
    )
    .orderBy(asc(backupItemVersions.itemKey))
    .limit(options.limit ?? 1000);
}

/** Every version of the source as of `at`, read page by page (for restores and exports). */
export async function* allVersionsAsOf(
  db: Db,
  options: { customerId: string; sourceId: string; at: Date; filter?: VersionFilter; pageSize?: number },
): AsyncGenerator<ItemVersion> {
  let afterKey: string | undefined;
  for (;;) {
    const page = await versionsAsOf(db, {
      ...options,
      ...(afterKey === undefined ? {} : { afterKey }),
      limit: options.pageSize ?? 1000,
    });
    yield* page;
    const last = page.at(-1);
    if (!last || page.length < (options.pageSize ?? 1000)) return;
    afterKey = last.itemKey;
  }
}

/** The version of one item valid at `at`, or null when the item did not exist then. */
export async function versionAsOf(
  db: Db,
  customerId: string,
  sourceId: string,
  itemKey: string,
  at: Date,
): Promise<ItemVersion | null> {
  const [row] = await db
    .select(itemVersionColumns)
    .from(backupItemVersions)
    .where(
      and(
        eq(backupItemVersions.customerId, customerId),
        eq(backupItemVersions.sourceId, sourceId),
        eq(backupItemVersions.itemKey, itemKey),
        validAt(at),
      ),
    )
    .limit(1);
  return row ?? null;
}

/** How many items the source had as of `at`. */
export async function countVersionsAsOf(db: Db, customerId: string, sourceId: string, at: Date): Promise<number> {
  const [row] = await db
    .select({ count: sql<number>`count(*)::int` })
    .from(backupItemVersions)
    .where(and(eq(backupItemVersions.customerId, customerId), eq(backupItemVersions.sourceId, sourceId), validAt(at)));
  return Number(row?.count ?? 0);
}

/**
 * Specific versions of the source's items (`itemKey` × `version`), e.g. the ones a restore
 * planned; keyed by `${itemKey}\u0000${version}` (versionKey).
 */
export async function versionsByKey(
  db: Db,
  customerId: string,
  sourceId: string,
  wanted: ReadonlyArray<{ itemKey: string; version: number }>,
): Promise<Map<string, ItemVersion>> {
  if (wanted.length === 0) return new Map();
  const v = backupItemVersions;
  const pairs = sql.join(
    wanted.map((entry) => sql`(${entry.itemKey}, ${entry.version}::int)`),
    sql`, `,
  );
  const rows = await db
    .select(itemVersionColumns)
    .from(v)
    .where(
      and(eq(v.customerId, customerId), eq(v.sourceId, sourceId), sql`(${v.itemKey}, ${v.version}) in (${pairs})`),
    );
  return new Map(rows.map((row) => [versionKey(row.itemKey, row.version), row]));
}

export const versionKey = (itemKey: string, version: number): string => `${itemKey}\u0000${version}`;

/** All versions of one item, oldest first (its history). */
export async function itemVersions(
  db: Db,
  customerId: string,
  sourceId: string,
  itemKey: string,
): Promise<ItemVersion[]> {
  return db
    .select(itemVersionColumns)
    .from(backupItemVersions)
    .where(
      and(
        eq(backupItemVersions.customerId, customerId),
        eq(backupItemVersions.sourceId, sourceId),
        eq(backupItemVersions.itemKey, itemKey),
      ),
    )
    .orderBy(asc(backupItemVersions.version));
}

/**
 * How a version's content is kept: Gmail messages as raw RFC 822 bytes, Drive files (and
 * Google files exported to Office formats) as file bytes, Drive folders/shortcuts and every
 * calendar event and contact as a JSON object.
 */
export function contentKind(service: BackupService, version: ItemVersion): 'mail' | 'file' | 'object' {
  if (service === 'gmail') return 'mail';
  if (service === 'drive') return version.metadata.contentKind === 'metadata' ? 'object' : 'file';
  return 'object';
}

/** The stored bytes of a mail or file version, streamed chunk by chunk. */
export function readVersionBytes(repository: Repository, version: ItemVersion): AsyncGenerator<Buffer> {
  return repository.readChunks(version.objectId);
}

/** The stored bytes of many mail or file versions (each small enough to hold), in order, with one repository call. */
export function readVersionsBytes(repository: Repository, versions: readonly ItemVersion[]): Promise<Buffer[]> {
  return repository.readMany(versions.map((version) => version.objectId));
}

/** The stored JSON of an object version (event, contact, Drive folder). */
export async function readVersionObject(
  repository: Repository,
  version: ItemVersion,
): Promise<Record<string, unknown>> {
  return asObject(await repository.readObject(version.objectId), version);
}

/** The stored JSON of many object versions, in order, with one repository call. */
export async function readVersionObjects(
  repository: Repository,
  versions: readonly ItemVersion[],
): Promise<Array<Record<string, unknown>>> {
  const contents = await readVersionsBytes(repository, versions);
  return contents.map((content, i) => asObject(JSON.parse(content.toString()), versions[i] as ItemVersion));
}

function asObject(value: unknown, version: ItemVersion): Record<string, unknown> {
  if (!value || typeof value !== 'object' || Array.isArray(value)) {
    throw new Error(`item ${version.itemKey} version ${version.version} is not a JSON object`);
  }
  return value as Record<string, unknown>;
}
