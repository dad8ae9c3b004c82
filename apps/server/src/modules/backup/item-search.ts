// The SQL behind search (modules/search): one query over backup_item_versions — PostgreSQL
// full-text search on the generated search document plus filters on service, user, date, label
// and MIME type — newest item first, paged by key (item time, version id). Current versions, or
// as of a moment, or every version. Search parses the query and keeps the cursor; the tables
// stay here. Every query carries the customer id: one tenant never sees another's items.
import { and, desc, eq, gte, inArray, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import type { BackupService } from './backup-types.ts';
import { validAt } from './item-history.ts';
import { backupItemVersions, backupSources } from './tables.ts';

/** What to look for (search's parsed query, with its words as tsquery text). */
export interface VersionSearchFilter {
  /** A `to_tsquery('simple', …)` text over the search document, or null for no words. */
  tsquery: string | null;
  /** Gmail label names normalised as Gmail writes them; all must be present. */
  labels: readonly string[];
  /** Any of these services; empty = every service. */
  services: readonly BackupService[];
  /** Any of these MIME types (exact, or by prefix); both empty = no MIME filter. */
  mimeTypes: { exact: readonly string[]; prefixes: readonly string[] };
  /** Any of these users (email, local part, or shared drive id); empty = every user. */
  users: readonly string[];
  /** The item's date is on or after this moment. */
  after: Date | null;
  /** The item's date is before this moment. */
  before: Date | null;
}

export interface VersionSearchOptions {
  /** Results wanted (one more is read to tell whether there is a next page). */
  limit: number;
  /** The (item time, id) of the last hit of the previous page. */
  after?: { time: Date; id: number } | null;
  /** The state as of this moment instead of the current versions. */
  asOf?: Date;
  /** Every version ever backed up (each version is a hit). */
  allVersions?: boolean;
}

export interface VersionSearchHit {
  /** The version row's id. */
  id: number;
  sourceId: string;
  service: BackupService;
  subjectKind: 'user' | 'shared_drive';
  subjectId: string;
  subjectEmail: string;
  itemKey: string;
  version: number;
  size: number;
  /** The item's own date (mail date, file modified time, event updated time, else backed-up time). */
  itemTime: Date;
  validFrom: Date;
  validTo: Date | null;
  metadata: Record<string, unknown>;
}

/** Conditions on backup_sources for the services and users wanted, or undefined when none. */
function sourceConditions(filter: VersionSearchFilter): SQL | undefined {
  const s = backupSources;
  const conditions: SQL[] = [];
  if (filter.services.length > 0) conditions.push(inArray(s.service, [...filter.services]));
  if (filter.users.length > 0) {
    conditions.push(
      or(
        ...filter.users.map((user) =>
          user.includes('@')
            ? sql`lower(${s.subjectEmail}) = ${user.toLowerCase()}`
            : or(
                sql`starts_with(lower(${s.subjectEmail}), ${`${user.toLowerCase()}@`})`,
                and(eq(s.subjectKind, 'shared_drive'), eq(s.subjectId, user)),
              ),
        ),
      ) as SQL,
    );
  }
  return conditions.length > 0 ? and(...conditions) : undefined;
}

/** The SQL conditions on backup_item_versions of a filter (without the tenant and version scope). */
function versionConditions(filter: VersionSearchFilter): SQL[] {
  const v = backupItemVersions;
  const conditions: SQL[] = [];
  if (filter.tsquery !== null) conditions.push(sql`${v.searchVector} @@ to_tsquery('simple', ${filter.tsquery})`);
  for (const label of filter.labels) {
    conditions.push(
      sql`exists (select 1 from jsonb_array_elements_text(case when jsonb_typeof(${v.metadata}->'labelNames') = 'array' then ${v.metadata}->'labelNames' else '[]'::jsonb end) as label(name) where lower(regexp_replace(label.name, '[[:space:]/]+', '-', 'g')) = ${label})`,
    );
  }
  const mime = filter.mimeTypes;
  if (mime.exact.length > 0 || mime.prefixes.length > 0) {
    const type = sql`lower(${v.metadata}->>'mimeType')`;
    conditions.push(
      or(
        ...(mime.exact.length > 0 ? [sql`${type} in (${sql.join([...mime.exact], sql`, `)})`] : []),
        ...mime.prefixes.map((prefix) => sql`starts_with(${type}, ${prefix})`),
      ) as SQL,
    );
  }
  if (filter.after) conditions.push(gte(v.itemTime, filter.after));
  if (filter.before) conditions.push(lt(v.itemTime, filter.before));
  return conditions;
}

/**
 * One page of the tenant's versions matching `filter`, newest item first: up to `limit` hits,
 * and whether more follow.
 */
export async function searchVersions(
  db: Db,
  customerId: string,
  filter: VersionSearchFilter,
  options: VersionSearchOptions,
): Promise<{ hits: VersionSearchHit[]; more: boolean }> {
  const v = backupItemVersions;
  const s = backupSources;
  const limit = options.limit;
  const scope = options.asOf ? validAt(options.asOf) : options.allVersions ? undefined : isNull(v.validTo);
  const after = options.after ?? null;
  // Services and users pick sources first: a literal id list gives PostgreSQL row estimates per
  // source (a subquery does not, and big sources then get bad plans).
  const sourceFilter = sourceConditions(filter);
  let sourceIds: string[] | null = null;
  if (sourceFilter) {
    sourceIds = (
      await db
        .select({ id: s.id })
        .from(s)
        .where(and(eq(s.customerId, customerId), sourceFilter))
    ).map((row) => row.id);
    if (sourceIds.length === 0) return { hits: [], more: false };
  }
  const rows = await db
    .select({
      id: v.id,
      sourceId: v.sourceId,
      itemKey: v.itemKey,
      version: v.version,
      size: v.size,
      itemTime: v.itemTime,
      validFrom: v.validFrom,
      validTo: v.validTo,
      metadata: v.metadata,
    })
    .from(v)
    .where(
      and(
        eq(v.customerId, customerId),
        scope,
        // Implied by "valid at asOf" (item_time <= valid_from), stated so the time index starts at asOf.
        options.asOf ? lte(v.itemTime, options.asOf) : undefined,
        sourceIds ? inArray(v.sourceId, sourceIds) : undefined,
        after ? sql`(${v.itemTime}, ${v.id}) < (${after.time.toISOString()}::timestamptz, ${after.id})` : undefined,
        ...versionConditions(filter),
      ),
    )
    .orderBy(desc(v.itemTime), desc(v.id))
    .limit(limit + 1);
  const page = rows.slice(0, limit);
  const pageSources = [...new Set(page.map((row) => row.sourceId))];
  const sources = new Map(
    pageSources.length === 0
      ? []
      : (
          await db
            .select({
              id: s.id,
              service: s.service,
              subjectKind: s.subjectKind,
              subjectId: s.subjectId,
              subjectEmail: s.subjectEmail,
            })
            .from(s)
            .where(and(eq(s.customerId, customerId), inArray(s.id, pageSources)))
        ).map((source) => [source.id, source]),
  );
  const hits = page.flatMap((row) => {
    const source = sources.get(row.sourceId);
    if (!source) return [];
    return [
      {
        ...row,
        service: source.service,
        subjectKind: source.subjectKind,
        subjectId: source.subjectId,
        subjectEmail: source.subjectEmail,
      },
    ];
  });
  return { hits, more: rows.length > limit };
}
