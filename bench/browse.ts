// `npm run bench -- browse [--versions N] [--runs N] [--json]`: the browse screens' paged lists and
// search (issue 17), measured server side over HTTP (app.inject: session, authorization, SQL,
// serialisation) with a signed-in partner owner, on PostgreSQL (TEST_DATABASE_URL; a throwaway
// database) or PGlite without it. One tenant's user has a Gmail label of 50,000 messages (and a
// label of 1,000, and 19,000 other messages: 70,000 in all) and a Drive folder of 20,000 files (and
// a folder of 1,000, and 1,000 top-level files); other users of that tenant and of a second tenant
// fill the table to N item versions (default 1,000,000 on PostgreSQL), one filler version in seven
// deleted. Measured: first page and next page (cursor) of the label's messages and of the
// folder's entries, and search (words, from:, label:, after:) in the tenant.
// References in the same run: the same calls on the 1,000-message label and the 1,000-file folder;
// a plain indexed SELECT of a page of the same source (the current-version index, in key order);
// and the HTTP floor, GET …/points (session, authorization, one small indexed query).
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import { type App, buildApp } from '../apps/server/src/http/app.ts';
import { browseModule } from '../apps/server/src/modules/browse/index.ts';
import { createIdentityModule } from '../apps/server/src/modules/identity/index.ts';
import { searchModule } from '../apps/server/src/modules/search/index.ts';
import { insertCustomer } from '../apps/server/src/modules/tenancy/index.ts';
import {
  type Browser,
  createBrowser,
  openPartnerSessionAs,
  seedPartner,
  seedStaffUser,
  signInWithTotp,
} from '../apps/server/src/testing/browser.ts';
import { createTestContext, type TestContext } from '../apps/server/src/testing/context.ts';
import type { DatabaseKind } from '../apps/server/src/testing/databases.ts';
import {
  type BenchSource,
  benchWord,
  createSource,
  insertFiles,
  insertFolder,
  insertMessages,
  setUpGenerators,
} from './browse-support/generate.ts';
import { benchCommandLine } from './support/command-line.ts';

const usage = `Usage: npm run bench -- browse [--versions N] [--runs N] [--quick] [--json]
  --versions N  item versions in the database (default 1000000 on PostgreSQL, 200000 on PGlite; at least 100000)
  --runs N      timed requests per case (default 30, 1 to 10000)
  --quick       --versions 100000 --runs 5 unless given
  --json        print one JSON object with the figures as the last line
Runs on PostgreSQL when TEST_DATABASE_URL is set (a throwaway database is created there), else on PGlite.
`;

function fail(message: string): never {
  process.stderr.write(`${message}\n${usage}`);
  process.exit(2);
}

function integerOption(name: string, value: string, min: number, max: number): number {
  const number = Number(value);
  if (!/^\d+$/.test(value) || number < min || number > max) {
    fail(`--${name} must be a whole number from ${min} to ${max}; got "${value}".`);
  }
  return number;
}

const { values, report } = benchCommandLine(
  'browse',
  { versions: { type: 'string' }, runs: { type: 'string', default: '30' }, help: { type: 'boolean', default: false } },
  { versions: '100000', runs: '5' },
  { usage },
);
if (values.help) {
  process.stdout.write(usage);
  process.exit(0);
}
const kind: DatabaseKind = process.env.TEST_DATABASE_URL ? 'postgres' : 'pglite';
const versions = integerOption(
  'versions',
  values.versions ?? (kind === 'postgres' ? '1000000' : '200000'),
  100_000,
  20_000_000,
);
const runs = integerOption('runs', values.runs, 1, 10_000);

const LABEL_SIZE = 50_000;
const FOLDER_SIZE = 20_000;
const SMALL = 1_000;
/** The measured user's Gmail: 70,000 messages, 50,000 in Label_Big, 1,000 in Label_Small. */
const USER_MESSAGES = 70_000;
const USER_VERSIONS = USER_MESSAGES + FOLDER_SIZE + SMALL + SMALL + 2;
const OTHER_USERS = { measured: 10, other: 20 };

interface Figures {
  p50: number;
  p95: number;
  max: number;
}

function figures(samples: number[]): Figures {
  const sorted = [...samples].sort((a, b) => a - b);
  const at = (q: number) => sorted[Math.min(sorted.length - 1, Math.ceil(q * sorted.length) - 1)] as number;
  return { p50: at(0.5), p95: at(0.95), max: sorted.at(-1) as number };
}

/** Times `body` `runs` times after three untimed warm-up calls; `body(i)` gets the run number. */
async function time(body: (i: number) => Promise<unknown>): Promise<{ figures: Figures; samples: number[] }> {
  const samples: number[] = [];
  for (let i = 0; i < runs + 3; i++) {
    const started = performance.now();
    await body(i);
    if (i >= 3) samples.push(performance.now() - started);
  }
  return { figures: figures(samples), samples };
}

const load = () =>
  `load average ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ')} on ${cpus().length} cores`;
const log = (line: string) => process.stderr.write(`${line}\n`);

/** The measured user's sources, the filler users' and the second tenant's. */
async function seed(ctx: TestContext, customerId: string, otherCustomerId: string) {
  const db = ctx.db;
  await setUpGenerators(db);
  const gmail = await createSource(db, customerId, 'user0@browse.bench', 'gmail');
  await insertMessages(
    db,
    gmail,
    USER_MESSAGES,
    `case when g.i % 70 < 50 then array['["INBOX","Label_Big"]', '["INBOX","Projects"]']
      when g.i % 70 = 50 then array['["Label_Small"]', '["Receipts"]'] else array['["INBOX"]', '["INBOX"]'] end`,
  );
  const drive = await createSource(db, customerId, 'user0@browse.bench', 'drive');
  await insertFolder(db, drive, 'fbig', 'Big folder');
  await insertFolder(db, drive, 'fsmall', 'Small folder');
  await insertFiles(db, drive, FOLDER_SIZE, `'fbig'`, { prefix: 'b' });
  await insertFiles(db, drive, SMALL, `'fsmall'`, { prefix: 's' });
  await insertFiles(db, drive, SMALL, `'root'`, { prefix: 'r' });
  log(`measured user: ${USER_VERSIONS} versions`);
  const fillerUsers: Array<{ customerId: string; email: string }> = [
    ...Array.from({ length: OTHER_USERS.measured }, (_, u) => ({ customerId, email: `user${u + 1}@browse.bench` })),
    ...Array.from({ length: OTHER_USERS.other }, (_, u) => ({
      customerId: otherCustomerId,
      email: `user${u}@other.bench`,
    })),
  ];
  const perUser = Math.floor((versions - USER_VERSIONS) / fillerUsers.length);
  const fillerLabels = `case g.i % 10 when 6 then array['["INBOX","Label_1"]', '["INBOX","Finance"]']
    when 7 then array['["Label_2"]', '["Work/Projects"]'] when 8 then array['["Label_3","IMPORTANT"]', '["Travel","IMPORTANT"]']
    when 9 then array['["SENT"]', '["SENT"]'] else array['["INBOX"]', '["INBOX"]'] end`;
  for (const [n, user] of fillerUsers.entries()) {
    const messages = Math.round(perUser * 0.75);
    const userGmail: BenchSource = await createSource(db, user.customerId, user.email, 'gmail');
    await insertMessages(db, userGmail, messages, fillerLabels, { deleted: true });
    const userDrive = await createSource(db, user.customerId, user.email, 'drive');
    await insertFiles(
      db,
      userDrive,
      perUser - messages,
      `case when g.i % 3 = 0 then 'root' else 'fd' || (g.i % 50) end`,
      {
        prefix: 'd',
        deleted: true,
      },
    );
    if (n % 5 === 4) log(`filler: ${n + 1} of ${fillerUsers.length} users`);
  }
  await db.execute(sql`analyze`);
  return { gmail, drive };
}

/** The partner's owner, signed in and inside a partner session on the customer (issue 18 §2). */
async function signedInOwner(ctx: TestContext, app: App, partnerId: string, customerId: string): Promise<Browser> {
  const owner = await seedStaffUser(ctx, { email: 'owner@browse.bench', partnerId, role: 'owner' });
  const browser = createBrowser(app);
  await signInWithTotp(browser, ctx.clock, owner);
  await openPartnerSessionAs(browser, ctx, owner, customerId);
  return browser;
}

const ctx = await createTestContext(kind);
const app = await buildApp(ctx, { modules: [createIdentityModule(), browseModule, searchModule] });
try {
  log(`browse bench on ${kind}, ${versions} versions, ${runs} runs per case; ${load()}`);
  const partnerId = await seedPartner(ctx.db, { name: 'Bench Partner' });
  const otherPartnerId = await seedPartner(ctx.db, { name: 'Other Partner' });
  const customerId = randomUUID();
  const otherCustomerId = randomUUID();
  await insertCustomer(ctx.db, { id: customerId, domain: 'browse.bench', name: 'Browse', partnerId });
  await insertCustomer(ctx.db, {
    id: otherCustomerId,
    domain: 'other.bench',
    name: 'Other',
    partnerId: otherPartnerId,
  });
  const loadStarted = performance.now();
  const { gmail, drive } = await seed(ctx, customerId, otherCustomerId);
  const loadSeconds = (performance.now() - loadStarted) / 1000;
  const counted = (await ctx.db.execute(sql`select count(*)::int as n from backup_item_versions`)) as unknown as {
    rows: { n: number }[];
  };
  const total = Number(counted.rows[0]?.n);
  const browser = await signedInOwner(ctx, app, partnerId, customerId);
  const get = async <T>(url: string): Promise<T> => {
    const response = await browser.get(url);
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return response.json() as T;
  };

  const base = `/api/customers/${customerId}/browse/sources`;
  type MessagesPage = { messages: unknown[]; nextCursor: string | null };
  type EntriesPage = { entries: unknown[]; nextCursor: string | null };
  const labelUrl = (label: string) => `${base}/${gmail.id}/gmail/messages?label=${label}&limit=100`;
  const folderUrl = (folder: string) => `${base}/${drive.id}/drive/children?folder=${folder}&limit=100`;
  /** A page's next page URL (checked to hold a full page and a cursor). */
  const nextOf = async (url: string, key: 'messages' | 'entries') => {
    const page = await get<MessagesPage & EntriesPage>(url);
    if (page[key].length !== 100 || !page.nextCursor) throw new Error(`${url}: expected a full page and a cursor`);
    return `${url}&cursor=${encodeURIComponent(page.nextCursor)}`;
  };
  const cases: Array<[string, string]> = [
    [`label of ${LABEL_SIZE.toLocaleString('en')} messages, first page (100)`, labelUrl('Label_Big')],
    [
      `label of ${LABEL_SIZE.toLocaleString('en')} messages, next page (cursor)`,
      await nextOf(labelUrl('Label_Big'), 'messages'),
    ],
    [`reference: label of ${SMALL.toLocaleString('en')} messages, first page`, labelUrl('Label_Small')],
    [
      `reference: label of ${SMALL.toLocaleString('en')} messages, next page`,
      await nextOf(labelUrl('Label_Small'), 'messages'),
    ],
    [`folder of ${FOLDER_SIZE.toLocaleString('en')} files, first page (100)`, folderUrl('fbig')],
    [
      `folder of ${FOLDER_SIZE.toLocaleString('en')} files, next page (cursor)`,
      await nextOf(folderUrl('fbig'), 'entries'),
    ],
    [`reference: folder of ${SMALL.toLocaleString('en')} files, first page`, folderUrl('fsmall')],
    [
      `reference: folder of ${SMALL.toLocaleString('en')} files, next page`,
      await nextOf(folderUrl('fsmall'), 'entries'),
    ],
    ['reference: HTTP floor, GET …/points (one small indexed query)', `${base}/${gmail.id}/points`],
  ];
  const browse: Record<string, Figures> = {};
  for (const [name, url] of cases) {
    browse[name] = (await time(() => get(url))).figures;
    log(`${name}: p95 ${browse[name]?.p95.toFixed(1)} ms`);
  }
  // The same page read by hand: the current versions of the source in key order (the
  // current-version index), no label or as-of condition, no HTTP.
  const plainSelect = (
    await time(() =>
      ctx.db.execute(
        sql`select id, item_key, version, size, metadata from backup_item_versions
          where source_id = ${gmail.id} and valid_to is null order by item_key limit 101`,
      ),
    )
  ).figures;

  // Search in the tenant: first page of 50, newest first, current versions.
  const subjects = (await ctx.db.execute(
    sql`select metadata->>'subject' as subject, metadata->>'from' as "from" from backup_item_versions
      where source_id = ${gmail.id} and id % 97 = 0 limit 20`,
  )) as unknown as { rows: Array<{ subject: string; from: string }> };
  const samples = subjects.rows;
  const words = (text: string) => text.split(/\s+/).filter(Boolean);
  const pick = (i: number) => samples[i % samples.length] as { subject: string; from: string };
  const queries: Array<[string, (i: number) => string]> = [
    ['one common word', (i) => benchWord(i % 3)],
    ['one rare word', (i) => benchWord(2500 + i * 17)],
    ['two words of a real subject', (i) => words(pick(i).subject).slice(0, 2).join(' ')],
    ['from:<last name>', (i) => `from:${words(pick(i).from)[1] ?? 'x'}`],
    ['from:<domain> + word', (i) => `from:${pick(i).from.split('@')[1]?.replace('>', '')} ${benchWord(i % 10)}`],
    ['label:projects + word', (i) => `label:projects ${benchWord(i % 20)}`],
    ['label:receipts', () => 'label:receipts'],
    ['after:/before: one month + word', (i) => `after:2025/03/01 before:2025/04/01 ${benchWord(i % 30)}`],
    [
      'word + from: + label: + after:',
      (i) => `${benchWord(i % 5)} from:${words(pick(i).from)[1] ?? 'x'} label:inbox after:2024/06/01`,
    ],
  ];
  const search: Record<string, Figures> = {};
  const allSearch: number[] = [];
  for (const [name, query] of queries) {
    const measured = await time((i) =>
      get(`/api/customers/${customerId}/search?q=${encodeURIComponent(query(i))}&limit=50`),
    );
    search[name] = measured.figures;
    allSearch.push(...measured.samples);
    log(`search ${name}: p95 ${measured.figures.p95.toFixed(1)} ms`);
  }
  const searchAll = figures(allSearch);

  const floor = browse['reference: HTTP floor, GET …/points (one small indexed query)'] as Figures;
  const ms = (value: number) => value.toFixed(1);
  const out = process.stdout;
  out.write(
    `\nbrowse bench on ${kind === 'postgres' ? 'PostgreSQL' : 'PGlite'}, ${new Date().toISOString()}, ${load()}\n`,
  );
  out.write(
    `${total.toLocaleString('en')} item versions (loaded in ${loadSeconds.toFixed(0)} s); ${runs} timed requests per case after 3 warm-ups; server side (app.inject), ms\n\n`,
  );
  out.write('| case | p50 | p95 | max | p95 / HTTP floor p95 |\n|---|---|---|---|---|\n');
  for (const [name, f] of Object.entries(browse)) {
    out.write(`| ${name} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.max)} | ${(f.p95 / floor.p95).toFixed(1)}× |\n`);
  }
  out.write(
    `| reference: plain indexed SELECT of a page (101 current versions of the source, key order; no HTTP) | ${ms(plainSelect.p50)} | ${ms(plainSelect.p95)} | ${ms(plainSelect.max)} | ${(plainSelect.p95 / floor.p95).toFixed(1)}× |\n`,
  );
  out.write(`\nsearch in the tenant (first page of 50), ${runs} requests per kind, ms\n\n`);
  out.write('| query | p50 | p95 | max |\n|---|---|---|---|\n');
  for (const [name, f] of Object.entries(search))
    out.write(`| ${name} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.max)} |\n`);
  out.write(`| all kinds | ${ms(searchAll.p50)} | ${ms(searchAll.p95)} | ${ms(searchAll.max)} |\n`);
  const ratio = (a: string, b: string) => (browse[a] as Figures).p95 / (browse[b] as Figures).p95;
  const [labelFirst, labelNext, smallLabelFirst, , folderFirst, folderNext, smallFolderFirst] = cases.map(
    ([n]) => n,
  ) as string[];
  const firstPageP95 = Math.max(
    (browse[labelFirst as string] as Figures).p95,
    (browse[folderFirst as string] as Figures).p95,
  );
  const summary = {
    database: kind,
    versions: total,
    runs,
    loadSeconds: Math.round(loadSeconds),
    loadAverage: loadavg()[0],
    cores: cpus().length,
    labelFirst: browse[labelFirst as string],
    labelNext: browse[labelNext as string],
    smallLabelFirst: browse[smallLabelFirst as string],
    folderFirst: browse[folderFirst as string],
    folderNext: browse[folderNext as string],
    smallFolderFirst: browse[smallFolderFirst as string],
    httpFloor: floor,
    plainSelect,
    search: searchAll,
    ratios: {
      labelFirstToSmallLabel: ratio(labelFirst as string, smallLabelFirst as string),
      folderFirstToSmallFolder: ratio(folderFirst as string, smallFolderFirst as string),
      labelFirstToFloor: (browse[labelFirst as string] as Figures).p95 / floor.p95,
      folderFirstToFloor: (browse[folderFirst as string] as Figures).p95 / floor.p95,
      searchToFloor: searchAll.p95 / floor.p95,
    },
    targets: { firstPageP95Under300: firstPageP95 < 300, searchP95Under100: searchAll.p95 < 100 },
  };
  out.write(
    `\nfirst page p95 (worst of label and folder) ${ms(firstPageP95)} ms (target < 300 ms); label ${summary.ratios.labelFirstToSmallLabel.toFixed(1)}× and folder ${summary.ratios.folderFirstToSmallFolder.toFixed(1)}× their 1,000-item reference\n`,
  );
  out.write(
    `search p95 ${ms(searchAll.p95)} ms at ${total.toLocaleString('en')} versions (target < 100 ms): ${summary.ratios.searchToFloor.toFixed(1)}× the HTTP floor p95\n`,
  );
  report(summary);
} finally {
  await app.close();
  await ctx.close();
}
