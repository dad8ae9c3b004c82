// `npm run bench -- consoles [--customers N] [--users N] [--requests N] [--members N]
// [--only customers|usage|licenses|alerts|team] [--quick] [--json]`: the two console lists issue 6
// sets a speed target for (p95 < 100 ms), measured over HTTP (app.inject: session,
// CSRF-free GET, authorization, SQL, serialisation) with a signed-in partner owner.
//  1. Reseller Console customers list, GET /api/partners/:id/customers, on PostgreSQL
//     (TEST_DATABASE_URL; a throwaway database) with N customers under one partner (plus 10 %
//     under another partner), each with directory users, four backup sources per licensed user,
//     two days of runs and repository packs. Also: steady reads while backups keep finishing
//     (the on-read refresh of stale health rows), and the cold recompute of every row.
//     Then Usage and billing on the same database (`--only usage`: seeding and that alone).
//  2. License Manager first page, GET /api/customers/:id/users, on PGlite with a 10,000-user
//     tenant.
// Reference in the same run and database: a trivial indexed SELECT (one customer by primary
// key) through the same connection; the ratio says how far each list is from that floor.
import { randomUUID } from 'node:crypto';
import { cpus, loadavg } from 'node:os';
import { sql } from 'drizzle-orm';
import type { Db } from '../apps/server/src/db/database.ts';
import { type App, buildApp } from '../apps/server/src/http/app.ts';
import { alertsModule, evaluateAlerts } from '../apps/server/src/modules/alerts/index.ts';
import { backupCustomerHooks } from '../apps/server/src/modules/backup/index.ts';
import { createCustomersModule } from '../apps/server/src/modules/customers/index.ts';
import { identityModule } from '../apps/server/src/modules/identity/index.ts';
import { refreshCustomerHealth, resellerModule } from '../apps/server/src/modules/reseller/index.ts';
import { runUsageSnapshot, usageModule } from '../apps/server/src/modules/usage/index.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../apps/server/src/testing/browser.ts';
import { createTestContext, type TestContext } from '../apps/server/src/testing/context.ts';
import { benchCommandLine, rounded } from './support/command-line.ts';

const { values, report } = benchCommandLine(
  'consoles',
  {
    customers: { type: 'string', default: '10000' },
    users: { type: 'string', default: '10000' },
    requests: { type: 'string', default: '100' },
    /** Team page: partner members. */
    members: { type: 'string', default: '1000' },
    /** Run one part only: customers, usage (seeds the customers, skips their list), licenses, alerts or team. */
    only: { type: 'string' },
  },
  { customers: '500', users: '1000', requests: '20', members: '100' },
);
const customerCount = Number(values.customers);
const userCount = Number(values.users);
const requests = Number(values.requests);

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

/** Times `body` `count` times after a few warm-up calls; `prepare` runs before each call, untimed. */
async function time(
  count: number,
  body: (i: number) => Promise<void>,
  prepare: (i: number) => Promise<void> = async () => undefined,
  warmup = 3,
): Promise<Figures> {
  const samples: number[] = [];
  for (let i = 0; i < count + warmup; i++) {
    await prepare(i);
    const started = performance.now();
    await body(i);
    if (i >= warmup) samples.push(performance.now() - started);
  }
  return figures(samples);
}

const ms = (value: number) => value.toFixed(2);
/** For --json: each case's p95 (ms) and its ratio to the reference p95, by part (`table`) and case. */
const measured: Record<string, Record<string, { p95: number; toReference: number }>> = {};
let table = '';
const row = (name: string, f: Figures, reference: Figures) => {
  measured[table] = {
    ...measured[table],
    [name]: { p95: rounded(f.p95), toReference: rounded(f.p95 / reference.p95, 1) },
  };
  return `| ${name} | ${ms(f.p50)} | ${ms(f.p95)} | ${ms(f.max)} | ${(f.p95 / reference.p95).toFixed(1)}× |\n`;
};
const header = '| case | p50 | p95 | max | p95 / reference p95 |\n|---|---|---|---|---|\n';

async function referenceSelect(db: Db, customerId: string): Promise<Figures> {
  return time(requests, async () => {
    await db.execute(sql`select * from customers where id = ${customerId}`);
  });
}

async function signedInOwner(ctx: TestContext, app: App, partnerId: string) {
  const owner = await seedStaffUser(ctx, { email: 'owner@bench.test', partnerId, role: 'owner' });
  const browser = createBrowser(app);
  await signInWithTotp(browser, ctx.clock, owner);
  return browser;
}

/** N customers of partner P (and N/10 of another), with users, sources, runs and packs, in bulk SQL. */
async function seedCustomers(ctx: TestContext, partnerId: string, otherId: string): Promise<void> {
  const now = ctx.clock.now().toISOString();
  const total = Math.ceil(customerCount * 1.1);
  const tables = ['backup_runs', 'backup_sources', 'directory_users', 'repository_packs'];
  // Seeding writes rows in bulk: the health triggers would only mark rows stale that do not exist yet.
  for (const table of tables) await ctx.db.execute(sql.raw(`alter table ${table} disable trigger user`));
  await ctx.db.execute(sql`
    insert into customers (id, domain, name, partner_id, status, trial_ends_at, seats_purchased)
    select md5('c' || n)::uuid, 'cust' || lpad(n::text, 6, '0') || '.bench', 'Customer ' || n,
      case when n <= ${customerCount} then ${partnerId}::uuid else ${otherId}::uuid end,
      case n % 10 when 0 then 'trial' when 1 then 'suspended' else 'active' end,
      case when n % 10 = 0 then ${now}::timestamptz + (n % 14) * interval '1 day' end,
      5 + n % 40
    from generate_series(1, ${total}) n`);
  // 1–20 users per customer (10.5 on average); 80 % hold a Standard license, 5 % an Archived one.
  await ctx.db.execute(sql`
    insert into directory_users (id, customer_id, google_id, primary_email, full_name, first_seen_at, last_synced_at, license)
    select md5('u' || n || '-' || u)::uuid, md5('c' || n)::uuid, 'g' || u, 'user' || u || '@cust' || n || '.bench',
      'User ' || u, ${now}::timestamptz, ${now}::timestamptz,
      case when u % 20 < 16 then 'standard' when u % 20 = 16 then 'archived' end
    from generate_series(1, ${total}) n, generate_series(0, (n * 7) % 20) u`);
  // Four sources per Standard user; 5 % never succeeded.
  await ctx.db.execute(sql`
    insert into backup_sources (id, customer_id, subject_kind, subject_id, subject_email, service, last_success_at)
    select md5('s' || d.id || s.service)::uuid, d.customer_id, 'user', d.google_id, d.primary_email, s.service,
      case when abs(hashtext(d.id::text || s.service)) % 20 = 0 then null
        else ${now}::timestamptz - (abs(hashtext(d.id::text)) % 20) * interval '1 hour' end
    from directory_users d, (values ('gmail'), ('drive'), ('calendar'), ('contacts')) s(service)
    where d.license = 'standard'`);
  // Two days of daily runs per source: yesterday's (outside the 24-hour window) and today's; 3 % failed.
  await ctx.db.execute(sql`
    insert into backup_runs (id, customer_id, source_id, trigger, status, queued_at, started_at, finished_at, items, bytes)
    select md5('r' || s.id || day)::uuid, s.customer_id, s.id, 'scheduled',
      case when abs(hashtext(s.id::text || day)) % 33 = 0 then 'failed' else 'success' end,
      t, t, t + interval '2 minutes', 100, 1000000
    from backup_sources s, generate_series(0, 1) day,
      lateral (select ${now}::timestamptz - day * interval '1 day' - (abs(hashtext(s.id::text)) % 20 + 1) * interval '1 hour' as t) x`);
  await ctx.db.execute(sql`
    insert into repository_packs (customer_id, name, size)
    select md5('c' || n)::uuid, 'pack-' || p, 1000000 * (1 + (n * p) % 50)
    from generate_series(1, ${total}) n, generate_series(1, 3) p`);
  for (const table of tables) await ctx.db.execute(sql.raw(`alter table ${table} enable trigger user`));
  await ctx.db.execute(sql`analyze`);
}

async function customersList(listCases = true): Promise<void> {
  table = 'customers';
  if (!process.env.TEST_DATABASE_URL) {
    process.stdout.write('\nReseller Console list: skipped (set TEST_DATABASE_URL to a PostgreSQL server).\n');
    return;
  }
  const ctx = await createTestContext('postgres');
  const app = await buildApp(ctx, { modules: [identityModule, resellerModule, usageModule] });
  try {
    const partnerId = await seedPartner(ctx.db, { name: 'Bench Partner' });
    const otherId = await seedPartner(ctx.db, { name: 'Other Partner' });
    let started = performance.now();
    await seedCustomers(ctx, partnerId, otherId);
    const counts = (await ctx.db.execute(sql`
      select (select count(*) from customers)::int as customers, (select count(*) from directory_users)::int as users,
        (select count(*) from backup_sources)::int as sources, (select count(*) from backup_runs)::int as runs,
        (select count(*) from repository_packs)::int as packs`)) as unknown as { rows: Record<string, number>[] };
    process.stdout.write(
      `\nPostgreSQL: seeded ${JSON.stringify(counts.rows[0])} in ${((performance.now() - started) / 1000).toFixed(1)} s\n`,
    );
    const browser = await signedInOwner(ctx, app, partnerId);
    const base = `/api/partners/${partnerId}/customers`;
    const get = async (url: string) => {
      const response = await browser.get(url);
      if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
      return response.json() as { total: number; customers: { id: string }[] };
    };
    // Cold: no health row exists yet; the first read computes all of them.
    started = performance.now();
    const first = await get(base);
    const cold = performance.now() - started;
    if (first.total !== customerCount) throw new Error(`expected ${customerCount} customers, got ${first.total}`);
    const reference = await referenceSelect(ctx.db, first.customers[0]?.id as string);
    if (!listCases) {
      process.stdout.write(
        `\nreference: select one customer by primary key: p50 ${ms(reference.p50)} / p95 ${ms(reference.p95)} / max ${ms(reference.max)} ms\n`,
      );
      await usage(ctx, browser, partnerId, reference);
      return;
    }
    const cases: [string, (i: number) => string][] = [
      ['first page (25, by domain) + total', () => base],
      ['sort by coverage, ascending', () => `${base}?sort=coverage`],
      ['sort by storage, descending', () => `${base}?sort=storageBytes&order=desc`],
      ['sort by 24-hour success rate, page 200', () => `${base}?sort=successRate24h&page=200`],
      ['sort by failures, status = active', () => `${base}?sort=failures24h&order=desc&status=active`],
      ['search "cust00424" (domain or name)', () => `${base}?search=cust00424`],
    ];
    const results: [string, Figures][] = [];
    for (const [name, url] of cases)
      results.push([name, await time(requests, (i) => get(url(i)).then(() => undefined))]);
    // Backups keep finishing: before each read, 10 runs of random customers end (their rows go stale).
    const runIds = (await ctx.db.execute(
      sql`select id from backup_runs where customer_id in (select id from customers where partner_id = ${partnerId}) order by random() limit ${(requests + 3) * 10}`,
    )) as unknown as { rows: { id: string }[] };
    const busy = await time(
      requests,
      () => get(base).then(() => undefined),
      async (i) => {
        // Only the read is timed: the write belongs to the backup workers.
        const batch = runIds.rows.slice(i * 10, i * 10 + 10).map((r) => sql`${r.id}::uuid`);
        const at = new Date(ctx.clock.now().getTime() - 60_000).toISOString();
        await ctx.db.execute(
          sql`update backup_runs set status = 'failed', finished_at = ${at}::timestamptz where id in (${sql.join(batch, sql`, `)})`,
        );
      },
    );
    results.push(['first page, 10 customers changed since the last read', busy]);
    const ids = (await ctx.db.execute(sql`select id from customers`)) as unknown as { rows: { id: string }[] };
    started = performance.now();
    await refreshCustomerHealth(
      ctx.db,
      ctx.clock.now(),
      ids.rows.map((r) => r.id),
    );
    const recomputeAll = performance.now() - started;
    process.stdout.write(
      `\nPostgreSQL, Reseller Console customers list, ${customerCount} customers of one partner, ${requests} requests per case (ms):\n`,
    );
    process.stdout.write(header);
    process.stdout.write(
      `| reference: select one customer by primary key | ${ms(reference.p50)} | ${ms(reference.p95)} | ${ms(reference.max)} | 1.0× |\n`,
    );
    for (const [name, f] of results) process.stdout.write(row(name, f, reference));
    process.stdout.write(
      `\nCold first read (computes every health row): ${ms(cold)} ms. Recomputing all ${ids.rows.length} rows (what aggregating per request would cost): ${ms(recomputeAll)} ms.\n`,
    );
    await usage(ctx, browser, partnerId, reference);
  } finally {
    await app.close();
    await ctx.close();
  }
}

/**
 * Usage and billing (issue 18 #4) on the same database: the daily snapshot job over every
 * customer (timed per day, for the days of this month before today, at least one), then the
 * report's first page and a middle page (the month's rollup plus today's live counts) and the
 * whole month as CSV.
 */
async function usage(
  ctx: TestContext,
  browser: ReturnType<typeof createBrowser>,
  partnerId: string,
  reference: Figures,
) {
  table = 'usage';
  const today = ctx.clock.now();
  const days = Math.max(1, today.getUTCDate() - 1);
  // The seed's customers are created now; a snapshot records the customers that existed on its
  // day, so they are moved back before the month (else every snapshot, and the rollup, is empty).
  await ctx.db.execute(
    sql`update customers set created_at = ${today.toISOString()}::timestamptz - ${days + 1} * interval '1 day'`,
  );
  const jobTimes: number[] = [];
  for (let back = days; back >= 1; back--) {
    const day = new Date(today.getTime() - back * 24 * 3600_000).toISOString().slice(0, 10);
    const started = performance.now();
    const report = await runUsageSnapshot(ctx, day);
    jobTimes.push(performance.now() - started);
    if (report.inserted !== report.customers || report.customers === 0)
      throw new Error(`snapshot of ${day}: ${JSON.stringify(report)}`);
  }
  const get = async (url: string) => {
    const response = await browser.get(url);
    if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    return response;
  };
  await ctx.db.execute(sql`analyze usage_months`);
  const base = `/api/partners/${partnerId}/usage`;
  const first = (await get(base)).json() as { total: number };
  if (first.total !== customerCount) throw new Error(`usage: expected ${customerCount} customers, got ${first.total}`);
  const cases: [string, string, number][] = [
    ['this month, first page (50) + totals, today live', base, requests],
    ['this month, page 100', `${base}?page=100`, requests],
    ['this month as CSV (every row)', `${base}.csv`, Math.max(10, Math.floor(requests / 10))],
  ];
  process.stdout.write(
    `\nPostgreSQL, Usage and billing, ${customerCount} customers of one partner (+10 % of another), ${days} day(s) recorded this month (ms):\n`,
  );
  process.stdout.write(header);
  for (const [name, url, count] of cases)
    process.stdout.write(row(name, await time(count, () => get(url).then(() => undefined)), reference));
  process.stdout.write(
    `\nDaily snapshot job, ${Math.ceil(customerCount * 1.1)} customers: ${jobTimes.map((t) => `${(t / 1000).toFixed(2)} s`).join(', ')} per day.\n`,
  );
}

async function licenseManager(): Promise<void> {
  table = 'licenses';
  const ctx = await createTestContext('pglite');
  const app = await buildApp(ctx, { modules: [identityModule, createCustomersModule({ hooks: backupCustomerHooks })] });
  try {
    const partnerId = await seedPartner(ctx.db, { name: 'Bench Partner' });
    const now = ctx.clock.now().toISOString();
    const customerId = randomUUID();
    const otherTenantId = randomUUID();
    await ctx.db.execute(sql`
      insert into customers (id, domain, name, partner_id, status) values
        (${customerId}::uuid, 'lm.bench', 'LM', ${partnerId}::uuid, 'active'),
        (${otherTenantId}::uuid, 'lm2.bench', 'LM2', ${partnerId}::uuid, 'active')`);
    // The tenant measured, and a second one as large so the indexes must narrow to the tenant.
    await ctx.db.execute(sql`
      insert into directory_users (id, customer_id, google_id, primary_email, full_name, org_unit_path, is_admin,
        suspended, first_seen_at, last_synced_at, license)
      select md5(t || '-' || n)::uuid, tenant, 'g' || n, 'user' || lpad(n::text, 5, '0') || '@' || t || '.bench',
        'User ' || n, case n % 3 when 0 then '/Sales' else '/Engineering' end, n % 500 = 0, n % 100 = 7,
        ${now}::timestamptz, ${now}::timestamptz, case when n % 3 = 0 then 'standard' end
      from (values ('lm', ${customerId}::uuid), ('lm2', ${otherTenantId}::uuid)) tenants(t, tenant),
        generate_series(1, ${userCount}) n`);
    await ctx.db.execute(sql`analyze`);
    const browser = await signedInOwner(ctx, app, partnerId);
    const reference = await referenceSelect(ctx.db, customerId);
    const get = async (url: string) => {
      const response = await browser.get(url);
      if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
    };
    const cases: [string, string][] = [
      ['first page (50, by email) + total', `/api/customers/${customerId}/users?limit=50`],
      ['first page, Standard licenses only', `/api/customers/${customerId}/users?limit=50&license=standard`],
      ['search "user0424"', `/api/customers/${customerId}/users?limit=50&q=user0424`],
    ];
    process.stdout.write(
      `\nPGlite, License Manager (GET /api/customers/:id/users), ${userCount} users in the tenant (+${userCount} in another), ${requests} requests per case (ms):\n`,
    );
    process.stdout.write(header);
    process.stdout.write(
      `| reference: select one customer by primary key | ${ms(reference.p50)} | ${ms(reference.p95)} | ${ms(reference.max)} | 1.0× |\n`,
    );
    for (const [name, url] of cases) process.stdout.write(row(name, await time(requests, () => get(url)), reference));
  } finally {
    await app.close();
    await ctx.close();
  }
}

/**
 * Issue 18: the Alerts page, GET /api/partners/:id/alerts, on PostgreSQL with the same N
 * customers, every one connected to Google, 2 % with authorisation lost, 10 % without a
 * successful backup for 30 hours (plus the seed's trials ending and seats over), after one
 * evaluation (itself timed: the 15-minute job's cost at this size).
 */
async function alertsPage(): Promise<void> {
  table = 'alerts';
  if (!process.env.TEST_DATABASE_URL) {
    process.stdout.write('\nAlerts page: skipped (set TEST_DATABASE_URL to a PostgreSQL server).\n');
    return;
  }
  const ctx = await createTestContext('postgres');
  const app = await buildApp(ctx, { modules: [identityModule, alertsModule] });
  try {
    const partnerId = await seedPartner(ctx.db, { name: 'Bench Partner' });
    const otherId = await seedPartner(ctx.db, { name: 'Other Partner' });
    await seedCustomers(ctx, partnerId, otherId);
    await ctx.db.execute(sql`
      insert into customer_connections (customer_id, admin_email, client_id, authorization_status, missing_scopes,
        authorization_changed_at, created_at)
      select id, 'admin@' || domain, '1234567890',
        case when abs(hashtext(id::text)) % 50 = 0 then 'lost' else 'authorized' end,
        case when abs(hashtext(id::text)) % 50 = 0 then array['https://www.googleapis.com/auth/gmail.readonly'] else '{}' end,
        now() - interval '2 days', now() - interval '10 days'
      from customers`);
    await ctx.db.execute(sql`
      update backup_sources set last_success_at = ${ctx.clock.now().toISOString()}::timestamptz - interval '30 hours'
      where abs(hashtext(customer_id::text)) % 10 = 3`);
    let started = performance.now();
    const firstEvaluation = await evaluateAlerts(ctx.db, ctx.clock.now());
    const evaluationMs = performance.now() - started;
    started = performance.now();
    const steady = await evaluateAlerts(ctx.db, ctx.clock.now());
    const steadyMs = performance.now() - started;
    await ctx.db.execute(sql`analyze`);
    const browser = await signedInOwner(ctx, app, partnerId);
    const technician = await seedStaffUser(ctx, { email: 'tech@bench.test', partnerId, role: 'technician' });
    await ctx.db.execute(sql`
      insert into technician_assignments (user_id, customer_id)
      select ${technician.id}::uuid, id from customers where partner_id = ${partnerId}::uuid order by id limit 100`);
    const techBrowser = createBrowser(app);
    await signInWithTotp(techBrowser, ctx.clock, technician);
    const base = `/api/partners/${partnerId}/alerts`;
    const get = (who: typeof browser) => async (url: string) => {
      const response = await who.get(url);
      if (response.statusCode !== 200) throw new Error(`${url}: ${response.statusCode} ${response.body}`);
      return response.json() as { total: number; alerts: { id: string }[] };
    };
    const first = await get(browser)(base);
    // A tenth of the open alerts acknowledged, so both filters have rows.
    for (const alert of first.alerts.slice(0, 5)) await browser.post(`${base}/${alert.id}/acknowledge`);
    const one = (await ctx.db.execute(sql`select id from customers limit 1`)) as unknown as { rows: { id: string }[] };
    const reference = await referenceSelect(ctx.db, one.rows[0]?.id as string);
    const cases: [string, typeof browser, string][] = [
      ['open alerts, first page (50) + counts', browser, base],
      ['open alerts, page 20', browser, `${base}?page=20`],
      ['acknowledged alerts', browser, `${base}?state=acknowledged`],
      ['technician with 100 assigned customers', techBrowser, base],
    ];
    process.stdout.write(
      `\nPostgreSQL, Alerts page, ${customerCount} customers of one partner, ${first.total} open alerts; evaluation of every customer: first ${ms(evaluationMs)} ms (${firstEvaluation.opened} opened), steady ${ms(steadyMs)} ms (${steady.opened + steady.resolved} changes); ${requests} requests per case (ms):\n`,
    );
    process.stdout.write(header);
    process.stdout.write(
      `| reference: select one customer by primary key | ${ms(reference.p50)} | ${ms(reference.p95)} | ${ms(reference.max)} | 1.0× |\n`,
    );
    for (const [name, who, url] of cases)
      process.stdout.write(row(name, await time(requests, () => get(who)(url).then(() => undefined)), reference));
  } finally {
    await app.close();
    await ctx.close();
  }
}

/**
 * Issue 18: the Team page, GET /api/partners/:id/team (every member with role, last sign-in,
 * second factor and assigned customers; pending invitations), on PostgreSQL with M partner
 * members (`--members`, 1,000 by default): a tenth technicians with 10 assigned customers each,
 * 20 pending invitations (through the API), beside another partner's 100 members. Target: p95 < 50 ms.
 */
async function teamPage(): Promise<void> {
  table = 'team';
  if (!process.env.TEST_DATABASE_URL) {
    process.stdout.write('\nTeam page: skipped (set TEST_DATABASE_URL to a PostgreSQL server).\n');
    return;
  }
  const members = Number(values.members);
  const ctx = await createTestContext('postgres');
  const app = await buildApp(ctx, { modules: [identityModule] });
  try {
    const partnerId = await seedPartner(ctx.db, { name: 'Bench Partner' });
    const otherId = await seedPartner(ctx.db, { name: 'Other Partner' });
    const browser = await signedInOwner(ctx, app, partnerId);
    const now = ctx.clock.now().toISOString();
    await ctx.db.execute(sql`
      insert into customers (id, domain, name, partner_id, status)
      select md5('tc' || n)::uuid, 'team' || lpad(n::text, 4, '0') || '.bench', 'Customer ' || n, ${partnerId}::uuid, 'active'
      from generate_series(1, 500) n`);
    // Members 2..M (the owner is the first), another partner's 100; every one enrolled, most signed in.
    await ctx.db.execute(sql`
      insert into staff_users (id, email, name, org_kind, partner_id, role, password_hash, totp_enabled_at, last_sign_in_at)
      select md5('m' || p || '-' || n)::uuid, 'member' || lpad(n::text, 5, '0') || '@' || p || '.bench', 'Member ' || n,
        'partner', case p when 'bench' then ${partnerId}::uuid else ${otherId}::uuid end,
        case n % 10 when 0 then 'technician' when 1 then 'admin' when 2 then 'billing' else 'read_only' end,
        (select password_hash from staff_users where email = 'owner@bench.test'),
        ${now}::timestamptz, case when n % 4 = 0 then null else ${now}::timestamptz - n * interval '1 hour' end
      from (values ('bench', ${members - 1}), ('other', 100)) parts(p, size), generate_series(1, size) n`);
    await ctx.db.execute(sql`
      insert into technician_assignments (user_id, customer_id)
      select s.id, md5('tc' || (1 + (abs(hashtext(s.id::text)) + k) % 500))::uuid
      from staff_users s, generate_series(0, 9) k
      where s.partner_id = ${partnerId}::uuid and s.role = 'technician'
      on conflict do nothing`);
    for (let n = 0; n < 20; n++) {
      const response = await browser.post(`/api/partners/${partnerId}/invitations`, {
        email: `invited${n}@bench.test`,
        role: 'read_only',
      });
      if (response.statusCode >= 300) {
        process.stdout.write(`(invitations: ${response.statusCode} ${response.body}; measuring without them)\n`);
        break;
      }
    }
    await ctx.db.execute(sql`analyze`);
    const reference = await referenceSelect(ctx.db, partnerId);
    const base = `/api/partners/${partnerId}/team`;
    const get = async () => {
      const response = await browser.get(base);
      if (response.statusCode !== 200) throw new Error(`${base}: ${response.statusCode} ${response.body}`);
      return response.json() as { members: unknown[]; invitations: unknown[] };
    };
    const first = await get();
    if (first.members.length !== members)
      throw new Error(`team: expected ${members} members, got ${first.members.length}`);
    process.stdout.write(
      `\nPostgreSQL, Team page, ${first.members.length} members (+100 of another partner), ${first.invitations.length} pending invitations, ${requests} requests (ms):\n`,
    );
    process.stdout.write(header);
    process.stdout.write(
      `| reference: select one row by primary key | ${ms(reference.p50)} | ${ms(reference.p95)} | ${ms(reference.max)} | 1.0× |\n`,
    );
    process.stdout.write(
      row('the team (every member) + invitations', await time(requests, () => get().then(() => undefined)), reference),
    );
  } finally {
    await app.close();
    await ctx.close();
  }
}

const load = () =>
  `load average ${loadavg()
    .map((value) => value.toFixed(1))
    .join(' / ')} on ${cpus().length} cores`;
process.stdout.write(`consoles bench, ${new Date().toISOString()}, ${load()}\n`);
const only = values.only;
if (!only || only === 'customers') {
  await customersList();
  process.stdout.write(`(${load()})\n`);
}
if (only === 'usage') {
  await customersList(false);
  process.stdout.write(`(${load()})\n`);
}
if (!only || only === 'licenses') {
  await licenseManager();
  process.stdout.write(`(${load()})\n`);
}
if (!only || only === 'alerts') {
  await alertsPage();
  process.stdout.write(`(${load()})\n`);
}
if (!only || only === 'team') {
  await teamPage();
  process.stdout.write(`(${load()})\n`);
}
report({ customerCount, userCount, requests, ...measured });
