// `npm run bench -- search [--scale S] [--runs N] [--keep] [--quick] [--json]`: search (modules/search) and browse (modules/browse) over 1,000,000
// backup item versions on PostgreSQL (TEST_DATABASE_URL; a throwaway database is created and
// dropped). Four tenants (600k, 200k, 100k, 100k versions); the searched tenant has 6 users with
// ~100k items each (70% mail, 20% Drive, 6% events, 4% contacts), one version in seven deleted.
// Rows come from SQL generate_series with pseudo-words drawn from a skewed vocabulary, so some
// words are very common and most are rare, as in real mail. Reference, measured in the same run
// on the same connection pool: a primary-key lookup and an indexed equality query
// (source, item key, current) — the cheapest queries the table answers.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import type { Db } from '../apps/server/src/db/database.ts';
import {
  calendars,
  driveChildren,
  gmailLabels,
  gmailMessages,
  itemDetails,
} from '../apps/server/src/modules/browse/index.ts';
import { parseQuery, searchItems } from '../apps/server/src/modules/search/index.ts';
import { insertCustomer } from '../apps/server/src/modules/tenancy/index.ts';
import { insertRunRows, insertSourceRows } from '../apps/server/src/testing/backup.ts';
import { createTestDatabase } from '../apps/server/src/testing/databases.ts';
import { benchCommandLine, rounded } from './support/command-line.ts';

const { values, report } = benchCommandLine(
  'search',
  {
    scale: { type: 'string', default: '1' },
    runs: { type: 'string', default: '5' },
    /** Keep the generated database (its URL is printed) to EXPLAIN queries by hand. */
    keep: { type: 'boolean', default: false },
  },
  { scale: '0.05', runs: '1' },
);
const scale = Number(values.scale);
const runs = Number(values.runs);
const tenantSizes = [600_000, 200_000, 100_000, 100_000].map((size) => Math.round(size * scale));
const usersPerTenant = [6, 40, 20, 20];
const services = ['gmail', 'drive', 'calendar', 'contacts'] as const;
const shares = { gmail: 0.7, drive: 0.2, calendar: 0.06, contacts: 0.04 };

if (!process.env.TEST_DATABASE_URL) {
  process.stderr.write(
    'The search benchmark runs on PostgreSQL: set TEST_DATABASE_URL (a server it may create databases on).\n',
  );
  process.exit(2);
}

const syllables = `array['ka','lo','mi','ne','ru','sa','ti','vo','be','da','fe','gi','ho','ju','pe','qui','ra','so','tu','wa','xe','yo','ze','bri','cla','dro','fla','gre','pla','stu']`;
const endings = `array['n','r','s','t','l','m','x','d','k','p']`;

/** Helper SQL functions for generating rows (in the throwaway database only). */
const setupSql = `
create function bench_word(k int) returns text language sql immutable as $$
  select (${syllables})[1 + k % 30] || (${syllables})[1 + (k / 30) % 30] || (${endings})[1 + (k / 900) % 10]
$$;
-- Names (people, mail domains) come from other syllables than subject words.
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
create table bench_src (tenant int, user_idx int, service text, id uuid, customer_id uuid, email text, run_id uuid);
`;

function generateSql(tenant: number, service: (typeof services)[number], count: number, users: number): string {
  // Each user's rows are contiguous, as a backup run writes them.
  const rows = `(select i, now() - interval '2 days' - random() * interval '1095 days' as ts from generate_series(1, ${count}) i) g
    join bench_src s on s.tenant = ${tenant} and s.service = '${service}' and s.user_idx = ((g.i - 1)::bigint * ${users}) / ${count}`;
  const common = `s.customer_id, s.id, 1, 'obj-' || g.i, 'h-${service}-' || g.i,`;
  const validity = `g.ts + interval '1 day', case when g.i % 7 = 0 then g.ts + interval '31 days' end, s.run_id`;
  const columns =
    '(customer_id, source_id, version, object_id, content_hash, item_key, size, metadata, valid_from, valid_to, run_id)';
  const person = (k: string) => `initcap(bench_name(${k} % 300)) || ' ' || initcap(bench_name(300 + (${k} * 7) % 600))`;
  switch (service) {
    case 'gmail':
      return `insert into backup_item_versions ${columns}
        select ${common} lpad(to_hex(g.i), 16, '0'), 2000 + (g.i::bigint * 7919) % 200000,
          jsonb_build_object(
            'subject', initcap(bench_word(bench_pick())) || ' ' || bench_word(bench_pick()) || ' ' || bench_word(bench_pick()) || ' ' || bench_word(bench_pick()),
            'from', ${person('(g.i * 31 + 7)')} || ' <' || replace(lower(${person('(g.i * 31 + 7)')}), ' ', '.') || '@' || bench_name(900 + g.i % 50) || '.example>',
            'to', s.email,
            'date', to_char(g.ts, 'Dy, DD Mon YYYY HH24:MI:SS +0000'),
            'labelIds', (array['["INBOX"]','["INBOX"]','["INBOX"]','["INBOX"]','["INBOX"]','["INBOX"]','["INBOX","Label_1"]','["Label_2"]','["Label_3","IMPORTANT"]','["SENT"]'])[1 + g.i % 10]::jsonb,
            'labelNames', (array['["INBOX"]','["INBOX"]','["INBOX"]','["INBOX"]','["INBOX"]','["INBOX"]','["INBOX","Finance"]','["Work/Projects"]','["Travel","IMPORTANT"]','["SENT"]'])[1 + g.i % 10]::jsonb,
            'threadId', to_hex(g.i / 3), 'internalDate', ((extract(epoch from g.ts) * 1000)::bigint)::text,
            'messageIdHeader', g.i || '@mail.example'),
          ${validity}
        from ${rows}`;
    case 'drive':
      // One entry in twenty is a folder; a file's parent is an earlier folder (of the same user
      // but at the edges of a user's rows), or (one in three, and the first hundred) the root.
      return `insert into backup_item_versions ${columns}
        select ${common} 'd' || g.i, case when g.i % 20 = 0 then 0 else (g.i::bigint * 104729) % 5000000 end,
          jsonb_build_object(
            'name', bench_word(bench_pick()) || '-' || bench_word(bench_pick()) || case when g.i % 20 = 0 then '' else (array['.pdf','.docx','.xlsx','.png','.jpg','.txt','.pptx','.csv'])[1 + g.i % 8] end,
            'mimeType', case when g.i % 20 = 0 then 'application/vnd.google-apps.folder' else (array['application/pdf','application/vnd.openxmlformats-officedocument.wordprocessingml.document','application/vnd.openxmlformats-officedocument.spreadsheetml.sheet','image/png','image/jpeg','text/plain','application/vnd.openxmlformats-officedocument.presentationml.presentation','text/csv'])[1 + g.i % 8] end,
            'parents', jsonb_build_array(case when g.i % 3 = 0 or g.i / 20 - 1 - g.i % 5 < 1 then 'root-' || s.user_idx else 'd' || ((g.i / 20 - 1 - g.i % 5) * 20) end),
            'path', '/' || bench_word(g.i % 40), 'modifiedTime', bench_iso(g.ts), 'trashed', false,
            'contentKind', case when g.i % 20 = 0 then 'metadata' else 'file' end),
          ${validity}
        from ${rows}`;
    case 'calendar':
      return `insert into backup_item_versions ${columns}
        select ${common} s.email || '/' || 'ev' || g.i, 1500,
          jsonb_build_object('calendarId', s.email, 'summary', initcap(bench_word(bench_pick())) || ' ' || bench_word(bench_pick()),
            'iCalUID', 'ev' || g.i || '@google.com', 'updated', bench_iso(g.ts)),
          ${validity}
        from ${rows}`;
    case 'contacts':
      return `insert into backup_item_versions ${columns}
        select ${common} 'people/c' || g.i, 800,
          jsonb_build_object('displayName', ${person('g.i')}),
          ${validity}
        from ${rows}`;
  }
}

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function time(body: () => Promise<unknown>): Promise<number> {
  const started = performance.now();
  await body();
  return performance.now() - started;
}

const database = await createTestDatabase('postgres');
const db: Db = database.db;
try {
  const loadStarted = performance.now();
  await db.execute(sql.raw(setupSql));
  const tenantIds: string[] = [];
  for (let t = 0; t < tenantSizes.length; t++) {
    const customerId = randomUUID();
    tenantIds.push(customerId);
    await insertCustomer(db, { id: customerId, domain: `t${t}.bench.test`, name: `Tenant ${t}` });
    for (let u = 0; u < (usersPerTenant[t] as number); u++) {
      for (const service of services) {
        const id = randomUUID();
        const runId = randomUUID();
        const email = `user${u}@t${t}.bench.test`;
        await insertSourceRows(db, [
          {
            id,
            customerId,
            subjectKind: 'user',
            subjectId: `g${t}-${u}`,
            subjectEmail: email,
            service,
          },
        ]);
        await insertRunRows(db, [
          {
            id: runId,
            customerId,
            sourceId: id,
            trigger: 'scheduled',
            status: 'success',
            startedAt: new Date(),
            finishedAt: new Date(),
          },
        ]);
        await db.execute(
          sql`insert into bench_src values (${t}, ${u}, ${service}, ${id}, ${customerId}, ${email}, ${runId})`,
        );
      }
    }
    for (const service of services) {
      const count = Math.round((tenantSizes[t] as number) * shares[service]);
      await db.execute(sql.raw(generateSql(t, service, count, usersPerTenant[t] as number)));
    }
    process.stderr.write(`tenant ${t}: ${tenantSizes[t]} versions loaded\n`);
  }
  await db.execute(sql`vacuum analyze`);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const total = Number(
    (
      (await db.execute(sql`select count(*)::int as n from backup_item_versions`)) as unknown as {
        rows: { n: number }[];
      }
    ).rows[0]?.n,
  );
  const target = tenantIds[0] as string;

  // Query values drawn from the data itself.
  type Sample = { subject: string; from: string; email: string };
  const samples = (
    (await db.execute(sql`
      select v.metadata->>'subject' as subject, v.metadata->>'from' as "from", s.subject_email as email
      from backup_item_versions v join backup_sources s on s.id = v.source_id
      where v.customer_id = ${target} and s.service = 'gmail' and v.id % 997 = 0 limit 20`)) as unknown as {
      rows: Sample[];
    }
  ).rows;
  const driveNames = (
    (await db.execute(sql`
      select v.metadata->>'name' as name from backup_item_versions v join backup_sources s on s.id = v.source_id
      where v.customer_id = ${target} and s.service = 'drive' and v.id % 991 = 0 limit 20`)) as unknown as {
      rows: { name: string }[];
    }
  ).rows.map((row) => row.name);
  const word = (k: number) => {
    const s = [
      'ka',
      'lo',
      'mi',
      'ne',
      'ru',
      'sa',
      'ti',
      'vo',
      'be',
      'da',
      'fe',
      'gi',
      'ho',
      'ju',
      'pe',
      'qui',
      'ra',
      'so',
      'tu',
      'wa',
      'xe',
      'yo',
      'ze',
      'bri',
      'cla',
      'dro',
      'fla',
      'gre',
      'pla',
      'stu',
    ];
    const e = ['n', 'r', 's', 't', 'l', 'm', 'x', 'd', 'k', 'p'];
    return `${s[k % 30]}${s[Math.floor(k / 30) % 30]}${e[Math.floor(k / 900) % 10]}`;
  };
  const words = (text: string) => text.split(/\s+/).filter(Boolean);
  const lastName = (from: string) => words(from)[1] ?? 'x';
  const templates: Array<{ name: string; query: (s: Sample, i: number) => string; asOf?: boolean; page2?: boolean }> = [
    { name: 'one common word (top of the vocabulary)', query: (_s, i) => word(i % 3) },
    { name: 'one rare word', query: (_s, i) => word(2500 + i * 17) },
    { name: 'two words from a real subject', query: (s) => words(s.subject).slice(0, 2).join(' ') },
    {
      name: 'subject:"phrase" (two adjacent words)',
      query: (s) => `subject:"${words(s.subject).slice(1, 3).join(' ')}"`,
    },
    { name: 'from:<last name>', query: (s) => `from:${lastName(s.from)}` },
    { name: 'from:<domain> + word', query: (s, i) => `from:${s.from.split('@')[1]?.replace('>', '')} ${word(i % 10)}` },
    { name: 'label:finance', query: () => 'label:finance' },
    { name: 'label:work-projects + word', query: (_s, i) => `label:work-projects ${word(i % 20)}` },
    { name: 'type:pdf', query: () => 'type:pdf' },
    {
      name: 'name:<word> type:drive',
      query: (_s, i) => `name:${(driveNames[i % driveNames.length] ?? 'kalon').split('-')[0]} type:drive`,
    },
    { name: 'user:<email> + common word', query: (s, i) => `user:${s.email} ${word(i % 5)}` },
    { name: 'after:/before: one month + type:gmail', query: () => 'after:2025/03/01 before:2025/04/01 type:gmail' },
    { name: 'after: one month + word', query: (_s, i) => `after:2025/03/01 before:2025/04/01 ${word(i % 30)}` },
    { name: 'word* prefix', query: (_s, i) => `${word(i % 30).slice(0, 3)}*` },
    { name: 'everything, newest first (empty query)', query: () => '' },
    { name: 'common word, second page (cursor)', query: (_s, i) => word(i % 3), page2: true },
    { name: 'common word as of a year ago', query: (_s, i) => word(i % 3), asOf: true },
  ];
  const yearAgo = new Date(Date.now() - 365 * 86_400_000);
  const searchSamples: number[] = [];
  const perTemplate: Array<{ name: string; p50: number; p95: number; hits: number }> = [];
  for (const template of templates) {
    const own: number[] = [];
    let hits = 0;
    for (let run = 0; run < runs; run++) {
      for (let i = 0; i < samples.length; i++) {
        const sample = samples[i] as Sample;
        const query = parseQuery(template.query(sample, i));
        const options = template.asOf ? { asOf: yearAgo } : {};
        let cursor: string | null = null;
        if (template.page2) cursor = (await searchItems(db, target, query, { ...options, limit: 50 })).nextCursor;
        const ms = await time(async () => {
          const page = await searchItems(db, target, query, { ...options, limit: 50, cursor });
          hits += page.items.length;
        });
        own.push(ms);
        searchSamples.push(ms);
      }
    }
    perTemplate.push({
      name: template.name,
      p50: percentile(own, 50),
      p95: percentile(own, 95),
      hits: hits / own.length,
    });
  }

  // Reference: the cheapest lookups of the same table through the same pool.
  const referenceSamples: number[] = [];
  const ids = (
    (await db.execute(
      sql`select id, source_id, item_key from backup_item_versions where customer_id = ${target} and id % 4999 = 0 limit 50`,
    )) as unknown as {
      rows: { id: number; source_id: string; item_key: string }[];
    }
  ).rows;
  for (let run = 0; run < runs * 4; run++) {
    for (const row of ids) {
      referenceSamples.push(await time(() => db.execute(sql`select * from backup_item_versions where id = ${row.id}`)));
      referenceSamples.push(
        await time(() =>
          db.execute(
            sql`select id, item_key, metadata from backup_item_versions where source_id = ${row.source_id} and item_key = ${row.item_key} and valid_to is null`,
          ),
        ),
      );
    }
  }

  // Browse on the largest user (~70k messages, ~20k Drive entries).
  const sourceOf = async (service: string) =>
    (
      (await db.execute(
        sql`select id from backup_sources where customer_id = ${target} and service = ${service} and subject_email = ${'user0@t0.bench.test'}`,
      )) as unknown as { rows: { id: string }[] }
    ).rows[0]?.id as string;
  const gmail = await sourceOf('gmail');
  const drive = await sourceOf('drive');
  const calendar = await sourceOf('calendar');
  const items = Number(
    (
      (await db.execute(
        sql`select count(*)::int as n from backup_item_versions where source_id in (select id from backup_sources where customer_id = ${target} and subject_email = 'user0@t0.bench.test')`,
      )) as unknown as { rows: { n: number }[] }
    ).rows[0]?.n,
  );
  const now = new Date();
  const folder = (
    (await db.execute(
      sql`select v.metadata->'parents'->>0 as folder from backup_item_versions v where source_id = ${drive} and v.metadata->'parents'->>0 like 'd%' group by 1 order by count(*) desc limit 1`,
    )) as unknown as { rows: { folder: string }[] }
  ).rows[0]?.folder as string;
  const someMessage = (
    (await db.execute(
      sql`select item_key from backup_item_versions where source_id = ${gmail} and valid_to is null limit 1 offset 100`,
    )) as unknown as { rows: { item_key: string }[] }
  ).rows[0]?.item_key as string;
  const messagesPage2 =
    (await gmailMessages(db, { customerId: target, sourceId: gmail, at: now, labelId: 'INBOX', limit: 100 }))
      .nextCursor ?? undefined;
  const browseCases: Array<{ name: string; run: () => Promise<unknown> }> = [
    { name: 'Gmail labels with message counts', run: () => gmailLabels(db, target, gmail, now) },
    {
      name: 'messages of INBOX, first page (100)',
      run: () => gmailMessages(db, { customerId: target, sourceId: gmail, at: now, labelId: 'INBOX', limit: 100 }),
    },
    {
      name: 'messages of INBOX, next page',
      run: () =>
        gmailMessages(db, {
          customerId: target,
          sourceId: gmail,
          at: now,
          labelId: 'INBOX',
          limit: 100,
          cursor: messagesPage2,
        }),
    },
    {
      name: 'messages of a rare label (Travel ids Label_3)',
      run: () => gmailMessages(db, { customerId: target, sourceId: gmail, at: now, labelId: 'Label_3', limit: 100 }),
    },
    {
      name: 'Drive top level (100)',
      run: () => driveChildren(db, { customerId: target, sourceId: drive, at: now, limit: 100 }),
    },
    {
      name: 'Drive folder children (100)',
      run: () => driveChildren(db, { customerId: target, sourceId: drive, at: now, folderId: folder, limit: 100 }),
    },
    { name: 'calendars with event counts', run: () => calendars(db, target, calendar, now) },
    {
      name: 'item details + history',
      run: () => itemDetails(db, { customerId: target, sourceId: gmail, itemKey: someMessage, at: now }),
    },
  ];
  const browseResults: Array<{ name: string; p50: number; p95: number }> = [];
  for (const item of browseCases) {
    const own: number[] = [];
    for (let i = 0; i < runs * 4 + 2; i++) {
      const ms = await time(item.run);
      if (i >= 2) own.push(ms);
    }
    browseResults.push({ name: item.name, p50: percentile(own, 50), p95: percentile(own, 95) });
  }

  const searchP95 = percentile(searchSamples, 95);
  const referenceP95 = percentile(referenceSamples, 95);
  const out = process.stdout;
  out.write(
    `\npostgres: ${total.toLocaleString('en')} item versions in ${tenantSizes.length} tenants (loaded in ${loadSeconds.toFixed(0)} s); searched tenant: ${tenantSizes[0]?.toLocaleString('en')} versions, ${usersPerTenant[0]} users\n`,
  );
  out.write(
    `search: ${searchSamples.length} queries (${templates.length} kinds × ${samples.length} values × ${runs} runs), first page of 50, current versions unless noted\n\n`,
  );
  out.write('| query | p50 ms | p95 ms | results/page |\n|---|---|---|---|\n');
  for (const row of perTemplate)
    out.write(`| ${row.name} | ${row.p50.toFixed(1)} | ${row.p95.toFixed(1)} | ${row.hits.toFixed(0)} |\n`);
  out.write(`\n| mix | p50 ms | p95 ms |\n|---|---|---|\n`);
  out.write(`| search (all kinds above) | ${percentile(searchSamples, 50).toFixed(1)} | ${searchP95.toFixed(1)} |\n`);
  out.write(
    `| reference: primary-key lookup + indexed (source, item key) lookup | ${percentile(referenceSamples, 50).toFixed(2)} | ${referenceP95.toFixed(2)} |\n`,
  );
  out.write(
    `\nsearch p95 ${searchP95.toFixed(1)} ms (target < 100 ms): ${(searchP95 / referenceP95).toFixed(1)}× the reference p95\n`,
  );
  out.write(
    `\nbrowse, largest user (${items.toLocaleString('en')} items in its four sources), ${runs * 4} runs each\n\n| browse call | p50 ms | p95 ms |\n|---|---|---|\n`,
  );
  for (const row of browseResults) out.write(`| ${row.name} | ${row.p50.toFixed(1)} | ${row.p95.toFixed(1)} |\n`);
  report({
    versions: total,
    searchP50Ms: rounded(percentile(searchSamples, 50), 1),
    searchP95Ms: rounded(searchP95, 1),
    referenceP95Ms: rounded(referenceP95),
    searchToReference: rounded(searchP95 / referenceP95, 1),
    queryP95Ms: Object.fromEntries(perTemplate.map((row) => [row.name, rounded(row.p95, 1)])),
    browseP95Ms: Object.fromEntries(browseResults.map((row) => [row.name, rounded(row.p95, 1)])),
  });
} finally {
  if (values.keep) {
    process.stderr.write(`kept: ${database.testUrl}\n`);
    process.exit(0);
  }
  await database.close();
}
