// Lists over the backed-up history that need more than "the versions as of T" (item-history.ts):
// a tenant's sources a page at a time, Gmail labels with their message counts, a Drive
// folder's entries, calendars with their event counts. Browse shows them; the SQL stays here,
// with the tables. Every query carries the customer id; pages are by key, so page N costs what
// page 1 costs.
import { and, asc, eq, type SQL, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import type { BackupService } from './backup-types.ts';
import { type BackupSource, type ItemVersion, itemVersionColumns, validAt } from './item-history.ts';
import { backupItemVersions, backupSources } from './tables.ts';

/** The MIME type of a Drive folder. */
export const FOLDER_MIME_TYPE = 'application/vnd.google-apps.folder';

/**
 * A tenant's sources, by lower-cased subject email then id, narrowed to one user (email or
 * shared drive id) and/or service; `after` is the last (email, id) of the previous page.
 */
export async function listSourcesPage(
  db: Db,
  customerId: string,
  options: { user?: string | undefined; service?: BackupService | undefined; after?: [string, string]; limit: number },
): Promise<BackupSource[]> {
  const s = backupSources;
  return db
    .select()
    .from(s)
    .where(
      and(
        eq(s.customerId, customerId),
        options.service ? eq(s.service, options.service) : undefined,
        options.user
          ? sql`(lower(${s.subjectEmail}) = lower(${options.user}) or ${s.subjectId} = ${options.user})`
          : undefined,
        options.after
          ? sql`(lower(${s.subjectEmail}), ${s.id}::text) > (${options.after[0]}, ${options.after[1]})`
          : undefined,
      ),
    )
    .orderBy(sql`lower(${s.subjectEmail})`, sql`${s.id}::text`)
    .limit(options.limit);
}

export interface LabelCount {
  id: string;
  name: string;
  messages: number;
}

/** Labels present on the messages as of `at`, with how many messages carry each. */
export async function gmailLabelCounts(db: Db, customerId: string, sourceId: string, at: Date): Promise<LabelCount[]> {
  const v = backupItemVersions;
  // Messages share few label combinations: count per combination, then unnest only those.
  const result = await db.execute<{ id: string; name: string; messages: number }>(sql`
    with combinations as (
      select ${v.metadata}->'labelIds' as ids, ${v.metadata}->'labelNames' as names, count(*)::int as n
      from ${v}
      where ${v.customerId} = ${customerId} and ${v.sourceId} = ${sourceId} and ${validAt(at)}
      group by 1, 2
    )
    select label.id, (array_agg(label.name order by combinations.n desc))[1] as name, sum(combinations.n)::int as messages
    from combinations
    cross join lateral rows from (
      jsonb_array_elements_text(case when jsonb_typeof(combinations.ids) = 'array' then combinations.ids else '[]'::jsonb end),
      jsonb_array_elements_text(case when jsonb_typeof(combinations.names) = 'array' then combinations.names else '[]'::jsonb end)
    ) as label(id, name)
    where label.id is not null
    group by label.id
    order by 2, 1`);
  return (result as unknown as { rows: LabelCount[] }).rows.map((row) => ({
    id: row.id,
    name: row.name ?? row.id,
    messages: Number(row.messages),
  }));
}

/**
 * The entries of a Drive folder as of `at` — or, without a folder, of the top level (entries
 * whose parent is not a folder of this backup: My Drive's or the shared drive's root) — folders
 * first, then by name, then key; `after` is the last (0 folder / 1 file, name, key) of the
 * previous page.
 */
export async function driveChildrenAsOf(
  db: Db,
  options: {
    customerId: string;
    sourceId: string;
    at: Date;
    folderId?: string | undefined;
    after?: [number, string, string];
    limit: number;
  },
): Promise<ItemVersion[]> {
  const v = backupItemVersions;
  const parent = sql`(${v.metadata}->'parents'->>0)`;
  const isFile = sql`(case when ${v.metadata}->>'mimeType' = ${FOLDER_MIME_TYPE} then 0 else 1 end)`;
  const name = sql`coalesce(${v.metadata}->>'name', '')`;
  const after = options.after;
  const at = options.at.toISOString();
  // The top level: entries whose parent is not an entry as of T. Parents are few, so they are
  // collected once and checked once, not per entry.
  const inFolder: SQL = options.folderId
    ? sql`${parent} = ${options.folderId}`
    : sql`(${parent} is null or ${parent} in (
        select candidate.id from (
          select distinct e.metadata->'parents'->>0 as id from ${v} as e
          where e.customer_id = ${options.customerId} and e.source_id = ${options.sourceId}
            and e.metadata->'parents'->>0 is not null and e.valid_from <= ${at}::timestamptz and (e.valid_to is null or e.valid_to > ${at}::timestamptz)
        ) as candidate
        where not exists (
          select 1 from ${v} as p
          where p.customer_id = ${options.customerId} and p.source_id = ${options.sourceId} and p.item_key = candidate.id
            and p.valid_from <= ${at}::timestamptz and (p.valid_to is null or p.valid_to > ${at}::timestamptz))))`;
  return db
    .select(itemVersionColumns)
    .from(v)
    .where(
      and(
        eq(v.customerId, options.customerId),
        eq(v.sourceId, options.sourceId),
        validAt(options.at),
        inFolder,
        after ? sql`(${isFile}, ${name}, ${v.itemKey}) > (${after[0]}, ${after[1]}, ${after[2]})` : undefined,
      ),
    )
    .orderBy(isFile, name, asc(v.itemKey))
    .limit(options.limit);
}

/**
 * The calendars with events as of `at` (their `calendarId`, '' for events without one), with
 * their event counts, by calendar id.
 */
export async function calendarsAsOf(
  db: Db,
  customerId: string,
  sourceId: string,
  at: Date,
): Promise<Array<{ calendarId: string; events: number }>> {
  const v = backupItemVersions;
  const calendarId = sql<string>`coalesce(${v.metadata}->>'calendarId', '')`;
  const rows = await db
    .select({ calendarId, events: sql<number>`count(*)::int` })
    .from(v)
    .where(and(eq(v.customerId, customerId), eq(v.sourceId, sourceId), validAt(at)))
    .groupBy(calendarId)
    .orderBy(calendarId);
  return rows.map((row) => ({ calendarId: row.calendarId, events: Number(row.events) }));
}
