// Usage and billing (issue 18 #4): daily snapshots over a simulated month (injected clock), the
// monthly report's peak, average and days active worked out by hand, the CSV equal to the table,
// today from live counts, idempotency, 3-year retention, and who sees which customers.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { repositoryPacks } from '../backup/tables.ts';
import { directoryUsers } from '../customers/tables.ts';
import { identityModule } from '../identity/index.ts';
import { technicianAssignments } from '../identity/tables.ts';
import { customers } from '../tenancy/tables.ts';
import { runUsageSnapshot } from './jobs.ts';
import type { UsageReport } from './report.ts';
import { usageModule } from './routes.ts';
import { usageMonths, usageSnapshots } from './tables.ts';

const day = 24 * 3600_000;

async function addCustomer(db: Db, values: { domain: string; partnerId: string; createdAt: Date; users: number }) {
  const id = randomUUID();
  await db.insert(customers).values({
    id,
    domain: values.domain,
    name: `${values.domain} Ltd`,
    partnerId: values.partnerId,
    createdAt: values.createdAt,
  });
  await db.insert(directoryUsers).values(
    Array.from({ length: values.users }, (_, n) => ({
      id: randomUUID(),
      customerId: id,
      googleId: `g-${n}`,
      primaryEmail: `user${n}@${values.domain}`,
      fullName: `User ${n}`,
      firstSeenAt: values.createdAt,
      lastSyncedAt: values.createdAt,
    })),
  );
  return id;
}

/** Gives the customer's first `standard` users a Standard license, the next `archived` an Archived one, nobody else one. */
async function setLicenses(db: Db, customerId: string, standard: number, archived: number) {
  await db.execute(sql`
    update directory_users set license = case
      when substr(google_id, 3)::int < ${standard} then 'standard'
      when substr(google_id, 3)::int < ${standard + archived} then 'archived' end
    where customer_id = ${customerId}`);
}

/** Alpha's licenses on each day of March 2026: [Standard, Archived]. */
function alphaOn(dayOfMonth: number): [number, number] {
  if (dayOfMonth <= 10) return [3, 0];
  if (dayOfMonth <= 14) return [5, 0];
  if (dayOfMonth <= 20) return [5, 1];
  return [2, 1];
}

/** Parses the product's CSV (no field here needs quotes). */
const csvRows = (body: string) =>
  body
    .trimEnd()
    .split('\r\n')
    .map((line) => line.split(','));

forEachDatabase('usage and billing', (kind) => {
  let ctx: TestContext;
  let app: App;
  let partnerId: string;
  let childId: string;
  let otherId: string;
  const ids: Record<string, string> = {};
  let owner: Browser;

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-03-01T00:00:00Z') });
    app = await buildApp(ctx, { modules: [identityModule, usageModule] });
    partnerId = await seedPartner(ctx.db, { name: 'Acme IT' });
    childId = await seedPartner(ctx.db, { name: 'Acme Child', parentPartnerId: partnerId });
    otherId = await seedPartner(ctx.db, { name: 'Other IT' });
    const february = new Date('2026-02-20T09:00:00Z');
    ids.alpha = await addCustomer(ctx.db, { domain: 'alpha.test', partnerId, createdAt: february, users: 8 });
    ids.other = await addCustomer(ctx.db, { domain: 'other.test', partnerId: otherId, createdAt: february, users: 4 });
    await setLicenses(ctx.db, ids.other, 4, 0);
    await ctx.db.insert(repositoryPacks).values({ customerId: ids.alpha, name: 'pack-1', size: 7_000 });
    // March 2026, a day at a time: the day's licenses, then the job just after the day ends.
    for (let dayOfMonth = 1; dayOfMonth <= 31; dayOfMonth++) {
      const [standard, archived] = alphaOn(dayOfMonth);
      await setLicenses(ctx.db, ids.alpha, standard, archived);
      if (dayOfMonth === 16) {
        // Bravo joins the child partner at noon on the 16th: 16 days active, 2 seats each.
        ids.bravo = await addCustomer(ctx.db, {
          domain: 'bravo.test',
          partnerId: childId,
          createdAt: new Date('2026-03-16T12:00:00Z'),
          users: 3,
        });
        await setLicenses(ctx.db, ids.bravo, 2, 0);
      }
      ctx.clock.advance(day);
      const clockNow = ctx.clock.now();
      ctx.clock.advance(10 * 60_000);
      const report = await runUsageSnapshot(ctx);
      assert.equal(report.day, new Date(clockNow.getTime() - day).toISOString().slice(0, 10));
      ctx.clock.advance(-10 * 60_000);
    }
    ctx.clock.advance(10 * 60_000); // 2026-04-01T00:10Z
    owner = createBrowser(app);
    await signInWithTotp(
      owner,
      ctx.clock,
      await seedStaffUser(ctx, { email: 'owner@acme.test', partnerId, role: 'owner' }),
    );
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  const report = async (browser: Browser, query: string, partner = partnerId): Promise<UsageReport> => {
    const response = await browser.get(`/api/partners/${partner}/usage${query}`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as UsageReport;
  };
  const signIn = async (role: 'billing' | 'technician' | 'owner' | 'admin', organisation: string) => {
    const browser = createBrowser(app);
    const user = await seedStaffUser(ctx, { email: `${randomUUID()}@acme.test`, partnerId: organisation, role });
    await signInWithTotp(browser, ctx.clock, user);
    return { browser, user };
  };

  it("a month's report gives each customer's peak and average seats and days active, exactly", async () => {
    const march = await report(owner, '?month=2026-03');
    assert.equal(march.includesToday, false);
    // Alpha: 10 days × 3, 4 × 5, 6 × 6, 11 × 3 = 119 seat-days over 31 days.
    assert.deepEqual(
      march.customers.map((row) => [
        row.domain,
        row.partnerName,
        row.peakStandard,
        row.peakArchived,
        row.peakSeats,
        row.averageSeats,
        row.daysActive,
      ]),
      [
        ['alpha.test', 'Acme IT', 5, 1, 6, 3.84, 31],
        ['bravo.test', 'Acme Child', 2, 0, 2, 2, 16],
      ],
    );
    assert.equal(march.customers[0]?.storageBytes, 7_000);
    assert.deepEqual(march.totals, { customers: 2, peakSeats: 8, averageSeats: 5.84, storageBytes: 7_000 });
    // A distributor sees its child's totals beside its own.
    assert.deepEqual(
      march.partners.map((p) => [p.name, p.customers, p.peakSeats, p.averageSeats]),
      [
        ['Acme IT', 1, 6, 3.84],
        ['Acme Child', 1, 2, 2],
      ],
    );
  });

  it('the CSV is the table: the same rows, columns and totals', async () => {
    const march = await report(owner, '?month=2026-03');
    const response = await owner.get(`/api/partners/${partnerId}/usage.csv?month=2026-03`);
    assert.equal(response.statusCode, 200);
    assert.match(String(response.headers['content-disposition']), /usage-2026-03\.csv/);
    const [header, ...rows] = csvRows(response.body);
    assert.deepEqual(header, [
      'domain',
      'name',
      'partner',
      'peak_standard',
      'peak_archived',
      'peak_seats',
      'average_seats',
      'days_active',
      'storage_bytes',
    ]);
    const table = march.customers.map((row) =>
      [
        row.domain,
        row.name,
        row.partnerName,
        row.peakStandard,
        row.peakArchived,
        row.peakSeats,
        row.averageSeats,
        row.daysActive,
        row.storageBytes,
      ].map(String),
    );
    const { totals } = march;
    table.push(['Total', '2 customers', '', '', '', String(totals.peakSeats), String(totals.averageSeats), '', '7000']);
    assert.deepEqual(rows, table);
  });

  it('the current month includes today from live counts: a customer added a minute ago is there', async () => {
    const added = await addCustomer(ctx.db, {
      domain: 'charlie.test',
      partnerId,
      createdAt: ctx.clock.now(),
      users: 5,
    });
    await setLicenses(ctx.db, added, 4, 1);
    ctx.clock.advance(60_000);
    const april = await report(owner, '');
    assert.equal(april.month, '2026-04');
    assert.equal(april.includesToday, true);
    assert.equal(april.months[0], '2026-04');
    assert.deepEqual(
      april.customers.map((row) => [row.domain, row.peakSeats, row.averageSeats, row.daysActive]),
      [
        ['alpha.test', 3, 3, 1],
        ['bravo.test', 2, 2, 1],
        ['charlie.test', 5, 5, 1],
      ],
    );
    await ctx.db.delete(customers).where(eq(customers.id, added));
  });

  it('running the job twice for a day records it once', async () => {
    const before = await report(owner, '?month=2026-03');
    const again = await runUsageSnapshot(ctx, '2026-03-31');
    assert.deepEqual([again.customers, again.inserted], [3, 0]);
    assert.deepEqual(await report(owner, '?month=2026-03'), before);
    const [count] = await ctx.db
      .select({ n: sql<number>`count(*)::int` })
      .from(usageSnapshots)
      .where(and(eq(usageSnapshots.customerId, ids.alpha as string), eq(usageSnapshots.day, '2026-03-31')));
    assert.equal(count?.n, 1);
    // Today cannot be recorded: it has not ended (the report reads it live).
    await assert.rejects(runUsageSnapshot(ctx, '2026-04-01'), /has ended/);
  });

  it('snapshots older than 3 years are deleted by the job, and such a month is refused naming the field', async () => {
    const alpha = ids.alpha as string;
    const row = {
      customerId: alpha,
      partnerId,
      standardSeats: 1,
      archivedSeats: 0,
      storageBytes: 0,
      takenAt: new Date(),
    };
    await ctx.db.insert(usageSnapshots).values([
      { ...row, day: '2023-03-31' },
      { ...row, day: '2023-04-01' },
    ]);
    await ctx.db.insert(usageMonths).values({
      partnerId,
      month: '2023-03-01',
      customerId: alpha,
      days: 1,
      seatDays: 1,
      peakSeats: 1,
      peakStandard: 1,
      peakArchived: 0,
      lastDay: '2023-03-31',
      lastStorageBytes: 0,
    });
    const result = await runUsageSnapshot(ctx, '2026-03-30');
    assert.equal(result.expired, 1);
    const kept = await ctx.db
      .select({ day: usageSnapshots.day })
      .from(usageSnapshots)
      .where(and(eq(usageSnapshots.customerId, alpha), sql`${usageSnapshots.day} < '2024-01-01'`));
    assert.deepEqual(
      kept.map((r) => r.day),
      ['2023-04-01'],
    );
    assert.equal((await ctx.db.select().from(usageMonths).where(eq(usageMonths.month, '2023-03-01'))).length, 0);
    const refused = await owner.get(`/api/partners/${partnerId}/usage?month=2023-03`);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /month/);
    assert.equal((await owner.get(`/api/partners/${partnerId}/usage?month=2026-13`)).statusCode, 400);
  });

  it('every partner sees its own subtree only; technicians their assigned customers; billing and the vendor read it', async () => {
    const child = await signIn('owner', childId);
    assert.deepEqual(
      (await report(child.browser, '?month=2026-03', childId)).customers.map((r) => r.domain),
      ['bravo.test'],
    );
    assert.equal((await child.browser.get(`/api/partners/${partnerId}/usage`)).statusCode, 404);
    const other = await signIn('owner', otherId);
    const otherMarch = await report(other.browser, '?month=2026-03', otherId);
    assert.deepEqual(
      otherMarch.customers.map((r) => [r.domain, r.peakSeats, r.daysActive]),
      [['other.test', 4, 31]],
    );
    assert.equal((await other.browser.get(`/api/partners/${partnerId}/usage.csv`)).statusCode, 404);
    const technician = await signIn('technician', partnerId);
    await ctx.db.insert(technicianAssignments).values({ userId: technician.user.id, customerId: ids.bravo as string });
    assert.deepEqual(
      (await report(technician.browser, '?month=2026-03')).customers.map((r) => r.domain),
      ['bravo.test'],
    );
    const billing = await signIn('billing', partnerId);
    assert.equal((await report(billing.browser, '?month=2026-03')).total, 2);
    const vendor = createBrowser(app);
    await signInWithTotp(vendor, ctx.clock, await seedStaffUser(ctx, { email: 'ops@vendor.test', role: 'support' }));
    const seenByVendor = await report(vendor, '?month=2026-03', otherId);
    assert.deepEqual([seenByVendor.partnerName, seenByVendor.total], ['Other IT', 1]);
  });

  it('pages the rows and keeps the totals of the whole month', async () => {
    const page = await report(owner, '?month=2026-03&page=2&pageSize=1');
    assert.deepEqual(
      page.customers.map((r) => r.domain),
      ['bravo.test'],
    );
    assert.equal(page.total, 2);
    assert.equal(page.totals.peakSeats, 8);
  });

  // Last: it moves the clock into April's second day.
  it('this month, a customer moved to another partner since its last snapshot keeps its row, named, beside the live ones', async () => {
    ctx.clock.advance(day);
    await runUsageSnapshot(ctx, '2026-04-01');
    await ctx.db
      .update(customers)
      .set({ partnerId: otherId })
      .where(eq(customers.id, ids.alpha as string));
    const acme = await signIn('admin', partnerId); // the day also ended the owner's session
    const april = await report(acme.browser, '');
    assert.equal(april.includesToday, true);
    assert.deepEqual(
      april.customers.map((row) => [row.domain, row.name, row.partnerName, row.daysActive]),
      [
        ['alpha.test', 'alpha.test Ltd', 'Acme IT', 1],
        ['bravo.test', 'bravo.test Ltd', 'Acme Child', 2],
      ],
    );
    assert.equal(april.total, 2);
    const other = await signIn('admin', otherId);
    const otherApril = await report(other.browser, '', otherId);
    assert.deepEqual(
      otherApril.customers.map((row) => [row.domain, row.daysActive]),
      [
        ['alpha.test', 1],
        ['other.test', 2],
      ],
    );
  });
});
