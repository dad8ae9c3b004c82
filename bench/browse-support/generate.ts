// Bulk rows for `npm run bench -- browse`: backup item versions made by SQL generate_series in the
// bench's throwaway database, as bench/search.ts makes its 1M versions (the backup module has no
// bulk writer: its run writer stores real content in a repository, far too slow for 1M rows).
// Sources and runs go through the testing helpers; only item versions are written here.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../../apps/server/src/db/database.ts';
import { insertRunRows, insertSourceRows } from '../../apps/server/src/testing/backup.ts';

/** Helper SQL functions for generating rows (in the throwaway database only). */
const setupSql = `
create function bench_word(k int) returns text language sql immutable as $$
  select (array['ka','lo','mi','ne','ru','sa','ti','vo','be','da','fe','gi','ho','ju','pe','qui','ra','so','tu','wa','xe','yo','ze','bri','cla','dro','fla','gre','pla','stu'])[1 + k % 30]
    || (array['ka','lo','mi','ne','ru','sa','ti','vo','be','da','fe','gi','ho','ju','pe','qui','ra','so','tu','wa','xe','yo','ze','bri','cla','dro','fla','gre','pla','stu'])[1 + (k / 30) % 30]
    || (array['n','r','s','t','l','m','x','d','k','p'])[1 + (k / 900) % 10]
$$;
create function bench_name(k int) returns text language sql immutable as $$
  select (array['an','el','or','is','ab','ed','ul','om','ar','in','ev','ot','ur','id','ax','ig','on','es','am','ol'])[1 + k % 20]
    || (array['bert','dan','mond','son','ric','ley','ton','wen','mer','ford'])[1 + (k / 20) % 10]
    || (array['','a','o','e','i'])[1 + (k / 200) % 5]
$$;
-- A vocabulary of 3,000 words, skewed: word 0 is the most common, most words are rare.
create function bench_pick() returns int language sql volatile as $$ select floor(power(random(), 3) * 3000)::int $$;
create function bench_iso(t timestamptz) returns text language sql stable as $$
  select to_char(t at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')
$$;
`;

/** The word `k` of the vocabulary, as bench_word computes it (for queries). */
export function benchWord(k: number): string {
  const syllables =
    'ka lo mi ne ru sa ti vo be da fe gi ho ju pe qui ra so tu wa xe yo ze bri cla dro fla gre pla stu'.split(' ');
  const endings = 'n r s t l m x d k p'.split(' ');
  return `${syllables[k % 30]}${syllables[Math.floor(k / 30) % 30]}${endings[Math.floor(k / 900) % 10]}`;
}

export interface BenchSource {
  id: string;
  customerId: string;
  runId: string;
  email: string;
}

/** A source with one successful run (its backup point, an hour ago). */
export async function createSource(
  db: Db,
  customerId: string,
  email: string,
  service: 'gmail' | 'drive',
): Promise<BenchSource> {
  const id = randomUUID();
  const runId = randomUUID();
  const finished = new Date(Date.now() - 3_600_000);
  await insertSourceRows(db, [
    { id, customerId, subjectKind: 'user', subjectId: `g-${email}`, subjectEmail: email, service },
  ]);
  await insertRunRows(db, [
    {
      id: runId,
      customerId,
      sourceId: id,
      trigger: 'scheduled',
      status: 'success',
      startedAt: finished,
      finishedAt: finished,
    },
  ]);
  return { id, customerId, runId, email };
}

const columns =
  '(customer_id, source_id, version, object_id, content_hash, item_key, size, metadata, valid_from, valid_to, run_id)';

/** `count` rows from generate_series as `g(i, ts)`, item dates over the last three years. */
const series = (count: number) =>
  `(select i, now() - interval '2 days' - random() * interval '1095 days' as ts from generate_series(1, ${count}) i) g`;

const person = (k: string) => `initcap(bench_name(${k} % 300)) || ' ' || initcap(bench_name(300 + (${k} * 7) % 600))`;

/**
 * Gmail messages of one source: keys `<prefix><hex i>`; `labels` is an SQL expression over `g.i`
 * giving `array[labelIds json, labelNames json]`. `deleted`: one version in seven ended a month in.
 */
export async function insertMessages(
  db: Db,
  source: BenchSource,
  count: number,
  labels: string,
  options: { prefix?: string; deleted?: boolean } = {},
): Promise<void> {
  const validTo = options.deleted ? `case when g.i % 7 = 0 then g.ts + interval '31 days' end` : 'null::timestamptz';
  await db.execute(
    sql.raw(`insert into backup_item_versions ${columns}
    select '${source.customerId}', '${source.id}', 1, 'obj-' || g.i, 'h-' || g.i, '${options.prefix ?? ''}' || lpad(to_hex(g.i), 12, '0'),
      2000 + (g.i::bigint * 7919) % 200000,
      jsonb_build_object(
        'subject', initcap(bench_word(bench_pick())) || ' ' || bench_word(bench_pick()) || ' ' || bench_word(bench_pick()) || ' ' || bench_word(bench_pick()),
        'from', ${person('(g.i * 31 + 7)')} || ' <' || replace(lower(${person('(g.i * 31 + 7)')}), ' ', '.') || '@' || bench_name(900 + g.i % 50) || '.example>',
        'to', '${source.email}',
        'date', to_char(g.ts, 'Dy, DD Mon YYYY HH24:MI:SS +0000'),
        'labelIds', l.v[1]::jsonb, 'labelNames', l.v[2]::jsonb,
        'threadId', to_hex(g.i / 3), 'internalDate', ((extract(epoch from g.ts) * 1000)::bigint)::text,
        'messageIdHeader', g.i || '@mail.example'),
      g.ts + interval '1 day', ${validTo}, '${source.runId}'
    from ${series(count)}, lateral (select ${labels} as v) l`),
  );
}

/**
 * Drive files of one source: keys `<prefix><i>`; `parent` is an SQL expression over `g.i` (the
 * first parent's id). Folders are written separately with insertFolder.
 */
export async function insertFiles(
  db: Db,
  source: BenchSource,
  count: number,
  parent: string,
  options: { prefix: string; deleted?: boolean },
): Promise<void> {
  const validTo = options.deleted ? `case when g.i % 7 = 0 then g.ts + interval '31 days' end` : 'null::timestamptz';
  await db.execute(
    sql.raw(`insert into backup_item_versions ${columns}
    select '${source.customerId}', '${source.id}', 1, 'obj-' || g.i, 'h-' || g.i, '${options.prefix}' || g.i,
      (g.i::bigint * 104729) % 5000000,
      jsonb_build_object(
        'name', bench_word(bench_pick()) || '-' || bench_word(bench_pick()) || (array['.pdf','.docx','.xlsx','.png','.jpg','.txt','.pptx','.csv'])[1 + g.i % 8],
        'mimeType', (array['application/pdf','application/vnd.openxmlformats-officedocument.wordprocessingml.document','application/vnd.openxmlformats-officedocument.spreadsheetml.sheet','image/png','image/jpeg','text/plain','application/vnd.openxmlformats-officedocument.presentationml.presentation','text/csv'])[1 + g.i % 8],
        'parents', jsonb_build_array(${parent}), 'modifiedTime', bench_iso(g.ts), 'trashed', false, 'contentKind', 'file'),
      g.ts + interval '1 day', ${validTo}, '${source.runId}'
    from ${series(count)}`),
  );
}

/** One Drive folder (at the top level unless `parent` is given). */
export async function insertFolder(
  db: Db,
  source: BenchSource,
  itemKey: string,
  name: string,
  parent = 'root',
): Promise<void> {
  const metadata = JSON.stringify({
    name,
    mimeType: 'application/vnd.google-apps.folder',
    parents: [parent],
    path: '/',
    modifiedTime: new Date(Date.now() - 30 * 86_400_000).toISOString(),
    trashed: false,
    contentKind: 'metadata',
  });
  await db.execute(sql`insert into backup_item_versions
    (customer_id, source_id, version, object_id, content_hash, item_key, size, metadata, valid_from, valid_to, run_id)
    values (${source.customerId}, ${source.id}, 1, ${`obj-${itemKey}`}, ${`h-${itemKey}`}, ${itemKey}, 0, ${metadata}::jsonb,
      now() - interval '30 days', null, ${source.runId})`);
}

export async function setUpGenerators(db: Db): Promise<void> {
  // One statement at a time: PGlite runs a query as one prepared statement.
  for (const statement of setupSql.split(/;\n/).filter((text) => text.trim() !== '')) {
    await db.execute(sql.raw(statement));
  }
}
