// Search across a tenant's backups: a parsed query (query-parser.ts) becomes one SQL query over
// backup_item_versions — PostgreSQL full-text search on the generated search document plus
// filters on service, user, date, label and MIME type — newest item first, paged by key
// (item time, version id). Current versions by default, or as of a moment, or every version.
// Every query carries the customer id: one tenant never sees another's items.
import { and, desc, eq, gte, inArray, isNull, lt, lte, or, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import { type BackupService, validAt } from '../backup/index.ts';
import { backupItemVersions, backupSources } from '../backup/tables.ts';
import type { SearchQuery, TextTerm } from './query-parser.ts';

export interface SearchOptions {
  /** Results per page (1–500, default 50). */
  limit?: number;
  /** `nextCursor` of the previous page. */
  cursor?: string | null;
  /** Search the state as of this moment instead of the current versions. */
  asOf?: Date;
  /** Search every version ever backed up (each version is a result). */
  allVersions?: boolean;
}

export interface SearchHit {
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

export interface SearchPage {
  items: SearchHit[];
  /** Pass as `cursor` for the next page; null on the last page. */
  nextCursor: string | null;
}

const weights: Record<Exclude<TextTerm['field'], null>, string> = { title: 'A', from: 'B', to: 'C', label: 'D' };

/**
 * The tsquery text for the query's words (null when it has none). Words contain only letters
 * and digits (query-parser's searchWords), so quoting them is enough to make them literal.
 */
export function tsqueryText(terms: readonly TextTerm[]): string | null {
  const parts = terms.map((term) => {
    const weight = term.field === null ? '' : (weights[term.field] ?? '');
    const words = term.words.map((word, index) => {
      const last = index === term.words.length - 1;
      const marks = `${last && term.prefix ? '*' : ''}${weight}`;
      return `'${word}'${marks ? `:${marks}` : ''}`;
    });
    const phrase = words.length === 1 ? (words[0] as string) : `(${words.join(' <-> ')})`;
    return term.negated ? `!${phrase}` : phrase;
  });
  return parts.length === 0 ? null : parts.join(' & ');
}

function encodeCursor(hit: SearchHit): string {
  return Buffer.from(JSON.stringify([hit.itemTime.toISOString(), hit.id])).toString('base64url');
}

function decodeCursor(cursor: string): { time: Date; id: number } {
  try {
    const [time, id] = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as [unknown, unknown];
    if (typeof time === 'string' && Number.isSafeInteger(id) && !Number.isNaN(Date.parse(time))) {
      return { time: new Date(time), id: id as number };
    }
  } catch {
    // Falls through to the error below: a cursor is opaque and only ever one we handed out.
  }
  throw new AppError('validation_failed', 'The page cursor is not valid.', { field: 'cursor' });
}

/** Conditions on backup_sources for type: (services) and user: terms, or undefined when none. */
function sourceConditions(query: SearchQuery): SQL | undefined {
  const s = backupSources;
  const conditions: SQL[] = [];
  if (query.services.length > 0) conditions.push(inArray(s.service, query.services));
  if (query.users.length > 0) {
    conditions.push(
      or(
        ...query.users.map((user) =>
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

/** The SQL conditions on backup_item_versions of a query (without the tenant and version scope). */
function versionConditions(query: SearchQuery): SQL[] {
  const v = backupItemVersions;
  const conditions: SQL[] = [];
  const text = tsqueryText(query.text);
  if (text !== null) conditions.push(sql`${v.searchVector} @@ to_tsquery('simple', ${text})`);
  for (const label of query.labels) {
    conditions.push(
      sql`exists (select 1 from jsonb_array_elements_text(case when jsonb_typeof(${v.metadata}->'labelNames') = 'array' then ${v.metadata}->'labelNames' else '[]'::jsonb end) as label(name) where lower(regexp_replace(label.name, '[[:space:]/]+', '-', 'g')) = ${label})`,
    );
  }
  const mime = query.mimeTypes;
  if (mime.exact.length > 0 || mime.prefixes.length > 0) {
    const type = sql`lower(${v.metadata}->>'mimeType')`;
    conditions.push(
      or(
        ...(mime.exact.length > 0 ? [sql`${type} in (${sql.join(mime.exact, sql`, `)})`] : []),
        ...mime.prefixes.map((prefix) => sql`starts_with(${type}, ${prefix})`),
      ) as SQL,
    );
  }
  if (query.after) conditions.push(gte(v.itemTime, query.after));
  if (query.before) conditions.push(lt(v.itemTime, query.before));
  return conditions;
}

/** One page of the tenant's items matching `query`, newest item first. */
export async function searchItems(
  db: Db,
  customerId: string,
  query: SearchQuery,
  options: SearchOptions = {},
): Promise<SearchPage> {
  const v = backupItemVersions;
  const s = backupSources;
  const limit = Math.min(Math.max(options.limit ?? 50, 1), 500);
  const scope = options.asOf ? validAt(options.asOf) : options.allVersions ? undefined : isNull(v.validTo);
  const after = options.cursor ? decodeCursor(options.cursor) : null;
  // type: (service) and user: terms pick sources first: a literal id list gives PostgreSQL
  // row estimates per source (a subquery does not, and big sources then get bad plans).
  const sourceFilter = sourceConditions(query);
  let sourceIds: string[] | null = null;
  if (sourceFilter) {
    sourceIds = (
      await db
        .select({ id: s.id })
        .from(s)
        .where(and(eq(s.customerId, customerId), sourceFilter))
    ).map((row) => row.id);
    if (sourceIds.length === 0) return { items: [], nextCursor: null };
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
        ...versionConditions(query),
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
  const items = page.flatMap((row) => {
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
  const last = items.at(-1);
  return { items, nextCursor: rows.length > limit && last ? encodeCursor(last) : null };
}

/** Every match, page by page (for restore --query and exports of a search). */
export async function* searchAll(
  db: Db,
  customerId: string,
  query: SearchQuery,
  options: Omit<SearchOptions, 'cursor' | 'limit'> = {},
): AsyncGenerator<SearchHit> {
  let cursor: string | null = null;
  do {
    const page: SearchPage = await searchItems(db, customerId, query, { ...options, cursor, limit: 500 });
    yield* page.items;
    cursor = page.nextCursor;
  } while (cursor);
}
