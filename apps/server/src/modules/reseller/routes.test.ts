import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import {
  type Browser,
  createBrowser,
  type SeededStaffUser,
  seedPartner,
  seedStaffUser,
  signInWithTotp,
} from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomerWithBackups } from '../../testing/reseller-seed.ts';
import { backupRuns } from '../backup/tables.ts';
import { identityModule } from '../identity/index.ts';
import { technicianAssignments } from '../identity/tables.ts';
import { customers } from '../tenancy/tables.ts';
import { resellerModule } from './routes.ts';

interface Row {
  id: string;
  domain: string;
  status: string;
  seatsAssigned: number;
  coverage: number | null;
  successRate24h: number | null;
  failures24h: number;
  storageBytes: number;
  lastSuccessAt: string | null;
}

forEachDatabase('Reseller Console customers API', (kind) => {
  let ctx: TestContext;
  let app: App;
  let partnerId: string;
  let childId: string;
  let otherId: string;
  const ids: Record<string, string> = {};
  let owner: Browser;
  let ownerUser: SeededStaffUser;

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-11-20T12:00:00Z') });
    app = await buildApp(ctx, { modules: [identityModule, resellerModule] });
    partnerId = await seedPartner(ctx.db, { name: 'Acme IT' });
    childId = await seedPartner(ctx.db, { name: 'Acme Child', parentPartnerId: partnerId });
    otherId = await seedPartner(ctx.db, { name: 'Other IT' });
    const now = ctx.clock.now();
    ids.alpha = await seedCustomerWithBackups(ctx.db, now, {
      partnerId,
      domain: 'alpha.test',
      name: 'Alpha Corp',
      users: 10,
      licensed: 4,
      archived: 1,
      protectedUsers: 3,
      runsSucceeded: 3,
      runsFailed: 1,
      storageBytes: 5_000,
    });
    ids.bravo = await seedCustomerWithBackups(ctx.db, now, {
      partnerId,
      domain: 'bravo.test',
      name: 'Bravo Ltd',
      status: 'trial',
      trialEndsAt: new Date('2026-12-01T00:00:00Z'),
      users: 3,
      licensed: 2,
      protectedUsers: 2,
      runsSucceeded: 2,
      storageBytes: 9_000,
    });
    ids.charlie = await seedCustomerWithBackups(ctx.db, now, {
      partnerId,
      domain: 'charlie.test',
      name: '=HYPERLINK("x")',
      status: 'suspended',
      users: 2,
      licensed: 0,
      protectedUsers: 0,
    });
    ids.child = await seedCustomerWithBackups(ctx.db, now, {
      partnerId: childId,
      domain: 'delta-child.test',
      users: 1,
      licensed: 1,
      protectedUsers: 0,
      runsFailed: 2,
      storageBytes: 100,
    });
    ids.other = await seedCustomerWithBackups(ctx.db, now, {
      partnerId: otherId,
      domain: 'other.test',
      users: 1,
      licensed: 1,
      protectedUsers: 1,
    });
    ownerUser = await seedStaffUser(ctx, { email: 'owner@acme.test', partnerId, role: 'owner' });
    owner = createBrowser(app);
    await signInWithTotp(owner, ctx.clock, ownerUser);
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  const list = async (browser: Browser, query = '', partner = partnerId) => {
    const response = await browser.get(`/api/partners/${partner}/customers${query}`);
    assert.equal(response.statusCode, 200, response.body);
    return response.json() as { total: number; page: number; pageSize: number; customers: Row[] };
  };
  const domains = (page: { customers: Row[] }) => page.customers.map((row) => row.domain);

  it("lists the partner's subtree (its own and its child partner's customers) with every figure", async () => {
    const page = await list(owner);
    assert.equal(page.total, 4);
    assert.deepEqual(domains(page), ['alpha.test', 'bravo.test', 'charlie.test', 'delta-child.test']);
    const alpha = page.customers[0] as Row & Record<string, unknown>;
    assert.equal(alpha.name, 'Alpha Corp');
    assert.equal(alpha.status, 'active');
    assert.equal(alpha.seatsPurchased, 10);
    assert.equal(alpha.seatsAssigned, 5, 'Standard and Archived licenses both take a seat');
    assert.equal(alpha.coverage, 3 / 4);
    assert.equal(alpha.successRate24h, 3 / 4);
    assert.equal(alpha.failures24h, 1);
    assert.equal(alpha.storageBytes, 5_000);
    assert.equal(alpha.lastSuccessAt, '2026-11-20T11:00:00.000Z');
    const bravo = page.customers[1] as Row & Record<string, unknown>;
    assert.equal(bravo.trialEndsAt, '2026-12-01T00:00:00.000Z');
    assert.equal(bravo.coverage, 1);
    const charlie = page.customers[2] as Row;
    assert.equal(charlie.coverage, null, 'no licensed users: no coverage figure');
    assert.equal(charlie.successRate24h, null, 'no run in 24 hours: no rate');
    assert.equal(charlie.lastSuccessAt, null);
  });

  it('sorts on the server by any column in both directions, figures without a value last', async () => {
    assert.deepEqual(domains(await list(owner, '?sort=storageBytes&order=desc')), [
      'bravo.test',
      'alpha.test',
      'delta-child.test',
      'charlie.test',
    ]);
    // Ties (bravo and charlie: no failure) go by domain in the same direction.
    assert.deepEqual(domains(await list(owner, '?sort=failures24h&order=desc')), [
      'delta-child.test',
      'alpha.test',
      'charlie.test',
      'bravo.test',
    ]);
    assert.deepEqual(domains(await list(owner, '?sort=coverage&order=asc')), [
      'delta-child.test',
      'alpha.test',
      'bravo.test',
      'charlie.test',
    ]);
    assert.deepEqual(domains(await list(owner, '?sort=successRate24h&order=desc')), [
      'bravo.test',
      'alpha.test',
      'delta-child.test',
      'charlie.test',
    ]);
    assert.deepEqual(domains(await list(owner, '?sort=domain&order=desc')), [
      'delta-child.test',
      'charlie.test',
      'bravo.test',
      'alpha.test',
    ]);
    for (const sort of ['status', 'trialEndsAt', 'seatsPurchased', 'seatsAssigned', 'lastSuccessAt']) {
      assert.equal((await list(owner, `?sort=${sort}&order=desc`)).total, 4);
    }
    const bad = await owner.get(`/api/partners/${partnerId}/customers?sort=password`);
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'querystring.sort');
  });

  it('searches domain and name, filters by status and pages, with the total of the filtered list', async () => {
    assert.deepEqual(domains(await list(owner, '?search=BRAVO')), ['bravo.test']);
    assert.deepEqual(domains(await list(owner, '?search=alpha%20corp')), ['alpha.test']);
    assert.deepEqual(domains(await list(owner, '?search=%25')), [], 'LIKE wildcards are literal');
    assert.deepEqual(domains(await list(owner, '?status=trial')), ['bravo.test']);
    const second = await list(owner, '?pageSize=3&page=2');
    assert.equal(second.total, 4);
    assert.deepEqual(domains(second), ['delta-child.test']);
  });

  it("answers 404 for another partner's list and for another partner's customer by id", async () => {
    assert.equal((await owner.get(`/api/partners/${otherId}/customers`)).statusCode, 404);
    assert.equal((await owner.get(`/api/partners/${otherId}/customers.csv`)).statusCode, 404);
    assert.equal((await owner.get(`/api/partners/${partnerId}/customers/${ids.other}`)).statusCode, 404);
    assert.equal((await owner.get(`/api/partners/${otherId}/customers/${ids.other}`)).statusCode, 404);
    // The child's customer through the child's URL is visible to the parent; the child's list excludes the parent's.
    assert.deepEqual(domains(await list(owner, '', childId)), ['delta-child.test']);
    assert.equal((await owner.get(`/api/partners/${childId}/customers/${ids.alpha}`)).statusCode, 404);
    assert.equal((await createBrowser(app).get(`/api/partners/${partnerId}/customers`)).statusCode, 401);
  });

  it('shows a technician only the customers assigned to them', async () => {
    const tech = await seedStaffUser(ctx, { email: 'tech@acme.test', partnerId, role: 'technician' });
    await ctx.db.insert(technicianAssignments).values({ userId: tech.id, customerId: ids.bravo as string });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, tech);
    assert.deepEqual(domains(await list(browser)), ['bravo.test']);
    assert.equal((await browser.get(`/api/partners/${partnerId}/customers/${ids.bravo}`)).statusCode, 200);
    assert.equal((await browser.get(`/api/partners/${partnerId}/customers/${ids.alpha}`)).statusCode, 404);
  });

  it('exports the filtered, sorted list as formula-safe CSV', async () => {
    const response = await owner.get(
      `/api/partners/${partnerId}/customers.csv?sort=domain&order=desc&status=suspended`,
    );
    assert.equal(response.statusCode, 200, response.body);
    assert.match(String(response.headers['content-type']), /^text\/csv/);
    const lines = response.body.trimEnd().split('\r\n');
    assert.equal(
      lines[0],
      'domain,name,status,trial_ends_at,seats_purchased,seats_assigned,coverage,last_successful_backup,success_rate_24h,failures_24h,storage_bytes,partner',
    );
    assert.deepEqual(lines.slice(1), [`charlie.test,"'=HYPERLINK(""x"")",suspended,,2,0,,,,0,0,Acme IT`]);
    const all = await owner.get(`/api/partners/${partnerId}/customers.csv`);
    assert.equal(all.body.trimEnd().split('\r\n').length, 5, 'every matching row without a page');
    const onePage = await owner.get(`/api/partners/${partnerId}/customers.csv?page=2&pageSize=3`);
    assert.equal(onePage.body.trimEnd().split('\r\n').length, 2, 'the page shown when a page is given');
  });

  it('keeps the figures current: a run that ends, and a run leaving the 24-hour window', async () => {
    const [run] = await ctx.db
      .select()
      .from(backupRuns)
      .where(eq(backupRuns.customerId, ids.bravo as string));
    assert.ok(run);
    await ctx.db.update(backupRuns).set({ status: 'failed' }).where(eq(backupRuns.id, run.id));
    const bravo = (await list(owner, '?search=bravo')).customers[0];
    assert.equal(bravo?.successRate24h, 1 / 2);
    assert.equal(bravo?.failures24h, 1);
    ctx.clock.advance(24 * 3600_000);
    // A day of idling ends the session: sign in again.
    owner = createBrowser(app);
    await signInWithTotp(owner, ctx.clock, ownerUser);
    const later = (await list(owner, '?search=bravo')).customers[0];
    assert.equal(later?.successRate24h, null, 'the runs are older than 24 hours now');
    assert.equal(later?.failures24h, 0);
    assert.equal(later?.coverage, 1, 'coverage does not age');
  });

  it('shows one customer: its figures, health per service and license counts', async () => {
    const response = await owner.get(`/api/partners/${partnerId}/customers/${ids.alpha}`);
    assert.equal(response.statusCode, 200, response.body);
    const detail = response.json();
    assert.equal(detail.domain, 'alpha.test');
    assert.equal(detail.seatsAssigned, 5);
    assert.equal(detail.licensedUsers, 4);
    assert.equal(detail.protectedUsers, 3);
    assert.deepEqual(
      detail.services.map((service: { service: string; sources: number }) => [service.service, service.sources]),
      [
        ['gmail', 3],
        ['drive', 3],
        ['calendar', 3],
        ['contacts', 3],
      ],
    );
    assert.equal(detail.services[0].lastSuccessAt, '2026-11-20T11:00:00.000Z');
    assert.deepEqual(detail.licenses, {
      users: 10,
      standard: 4,
      archived: 1,
      assigned: 5,
      purchased: 10,
      remaining: 5,
      unlimited: false,
      trialDaysLeft: null,
    });
    assert.equal((await owner.get(`/api/partners/${partnerId}/customers/${crypto.randomUUID()}`)).statusCode, 404);
  });

  it('a customer moved to another partner (a transfer) leaves the old list and joins the new one at once', async () => {
    await ctx.db
      .update(customers)
      .set({ partnerId })
      .where(eq(customers.id, ids.other as string));
    assert.ok(domains(await list(owner)).includes('other.test'));
    assert.equal((await owner.get(`/api/partners/${partnerId}/customers/${ids.other}`)).statusCode, 200);
    await ctx.db
      .update(customers)
      .set({ partnerId: otherId })
      .where(eq(customers.id, ids.other as string));
    assert.ok(!domains(await list(owner)).includes('other.test'));
    assert.equal((await owner.get(`/api/partners/${partnerId}/customers/${ids.other}`)).statusCode, 404);
  });

  it('deleting a customer with backup data still cascades (the health triggers never block it)', async () => {
    await ctx.db.delete(customers).where(eq(customers.id, ids.child as string));
    assert.deepEqual(domains(await list(owner, '', childId)), []);
  });
});
