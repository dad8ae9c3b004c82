import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomerWithBackups } from '../../testing/reseller-seed.ts';
import { auditLog } from '../audit/tables.ts';
import { identityModule } from '../identity/index.ts';
import { inServiceBackupWindows } from '../tenancy/index.ts';
import { customers } from '../tenancy/tables.ts';
import { resellerModule } from './routes.ts';

forEachDatabase('Reseller Console customer lifecycle API', (kind) => {
  let ctx: TestContext;
  let app: App;
  let partnerId: string;
  let otherId: string;
  const ids: Record<string, string> = {};
  let owner: Browser;
  let readOnly: Browser;
  const base = (customerId: string, partner = partnerId) => `/api/partners/${partner}/customers/${customerId}`;
  const put = (browser: Browser, url: string, body: unknown) => browser.request('PUT', url, { body });

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-11-20T12:00:00Z') });
    app = await buildApp(ctx, { modules: [identityModule, resellerModule] });
    partnerId = await seedPartner(ctx.db, { name: 'Acme IT' });
    otherId = await seedPartner(ctx.db, { name: 'Other IT' });
    const now = ctx.clock.now();
    ids.trial = await seedCustomerWithBackups(ctx.db, now, {
      partnerId,
      domain: 'trial.test',
      status: 'trial',
      trialEndsAt: new Date('2026-12-01T00:00:00Z'),
      seatsPurchased: 0,
      users: 8,
      licensed: 5,
      archived: 1,
      protectedUsers: 0,
    });
    ids.paid = await seedCustomerWithBackups(ctx.db, now, {
      partnerId,
      domain: 'paid.test',
      seatsPurchased: 10,
      users: 4,
      licensed: 4,
      protectedUsers: 0,
    });
    ids.other = await seedCustomerWithBackups(ctx.db, now, {
      partnerId: otherId,
      domain: 'other.test',
      status: 'trial',
      trialEndsAt: new Date('2026-12-01T00:00:00Z'),
      users: 1,
      licensed: 1,
      protectedUsers: 0,
    });
    owner = createBrowser(app);
    await signInWithTotp(
      owner,
      ctx.clock,
      await seedStaffUser(ctx, { email: 'owner@acme.test', partnerId, role: 'owner' }),
    );
    readOnly = createBrowser(app);
    await signInWithTotp(
      readOnly,
      ctx.clock,
      await seedStaffUser(ctx, { email: 'viewer@acme.test', partnerId, role: 'read_only' }),
    );
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  const row = async (customerId: string) => {
    const [found] = await ctx.db.select().from(customers).where(eq(customers.id, customerId));
    assert.ok(found);
    return found;
  };
  const auditActions = async (customerId: string) =>
    (
      await ctx.db
        .select({ action: auditLog.action, label: auditLog.actorLabel })
        .from(auditLog)
        .where(
          and(sql`${`customer:${customerId}`} = any(${auditLog.tenants})`, sql`${auditLog.action} like 'customer.%'`),
        )
        .orderBy(auditLog.id)
    ).map((entry) => `${entry.action} by ${entry.label}`);

  it('a running trial shows unlimited seats in the list and the detail, the same figures as the License Manager', async () => {
    const list = (await owner.get(`/api/partners/${partnerId}/customers?status=trial`)).json();
    const trial = list.customers[0];
    assert.equal(trial.seatsUnlimited, true);
    assert.equal(trial.seatsRemaining, null);
    assert.equal(trial.seatsAssigned, 6);
    const detail = (await owner.get(base(ids.trial as string))).json();
    assert.equal(detail.licenses.unlimited, true);
    assert.equal(detail.licenses.assigned, 6);
    assert.equal(detail.subscription.backupsStopped, false);
  });

  it('Convert to paid ends the trial with the seats given, shows the over-assignment, and is audited with the person', async () => {
    const at = ctx.clock.now().toISOString();
    const response = await owner.post(`${base(ids.trial as string)}/convert`, { seats: 4 });
    assert.equal(response.statusCode, 200, response.body);
    const view = response.json();
    assert.equal(view.status, 'active');
    assert.equal(view.seats.purchased, 4);
    assert.equal(view.seats.assigned, 6);
    assert.equal(view.seats.remaining, -2);
    assert.equal(view.seats.unlimited, false);
    assert.equal(view.overAssigned, 2);
    assert.equal(view.statusChangedAt, at);
    const after = await row(ids.trial as string);
    assert.equal(after.status, 'active');
    assert.equal(after.seatsPurchased, 4);
    const list = (await owner.get(`/api/partners/${partnerId}/customers?search=trial.test`)).json();
    assert.equal(list.customers[0].seatsUnlimited, false);
    assert.equal(list.customers[0].seatsRemaining, -2);
    assert.deepEqual(await auditActions(ids.trial as string), ['customer.convert by owner@acme.test']);
    const again = await owner.post(`${base(ids.trial as string)}/convert`, { seats: 4 });
    assert.equal(again.statusCode, 409);
    assert.match(again.json().error.message, /already paid/);
  });

  it('changes seats of a paid customer; a trial must be converted first; bad counts are 400 naming the field', async () => {
    const response = await put(owner, `${base(ids.trial as string)}/seats`, { seats: 6 });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().seats.remaining, 0);
    assert.equal(response.json().overAssigned, 0);
    assert.equal((await row(ids.trial as string)).seatsPurchased, 6);
    for (const seats of [0, 1.5, -3, '7', 2_000_000]) {
      const bad = await put(owner, `${base(ids.paid as string)}/seats`, { seats });
      assert.equal(bad.statusCode, 400, `seats ${seats}`);
      assert.match(bad.json().error.message, /seats/);
    }
    assert.equal((await row(ids.paid as string)).seatsPurchased, 10, 'a refused request changes nothing');
    const inTrial = await put(owner, `${base(ids.other as string, otherId)}/seats`, { seats: 3 });
    assert.equal(inTrial.statusCode, 404, "another partner's customer does not exist here");
  });

  it('suspending stops the scheduled backups and keeps the data; cancelling keeps it 60 days; reactivating resumes', async () => {
    const customerId = ids.paid as string;
    const inService = async () =>
      (await inServiceBackupWindows(ctx.db, sql`(select ${customers.id} from ${customers})`)).map((w) => w.id);
    assert.ok((await inService()).includes(customerId));
    const suspended = await put(owner, `${base(customerId)}/status`, { status: 'suspended' });
    assert.equal(suspended.statusCode, 200, suspended.body);
    assert.equal(suspended.json().backupsStopped, true);
    assert.equal(suspended.json().dataKeptUntil, null, 'kept as long as the suspension lasts');
    assert.ok(!(await inService()).includes(customerId), 'the scheduler skips a suspended customer');
    const cancelled = await put(owner, `${base(customerId)}/status`, { status: 'cancelled' });
    assert.equal(cancelled.statusCode, 200, cancelled.body);
    const keptUntil = new Date(Date.parse(cancelled.json().statusChangedAt) + 60 * 24 * 3600_000).toISOString();
    assert.equal(cancelled.json().dataKeptUntil, keptUntil);
    const detail = (await owner.get(base(customerId))).json();
    assert.equal(detail.status, 'cancelled');
    assert.equal(detail.subscription.dataKeptUntil, keptUntil);
    assert.equal((await put(owner, `${base(customerId)}/status`, { status: 'suspended' })).statusCode, 409);
    const reactivated = await put(owner, `${base(customerId)}/status`, { status: 'active' });
    assert.equal(reactivated.statusCode, 200, reactivated.body);
    assert.equal(reactivated.json().status, 'active', 'seats were purchased: back to paid');
    assert.ok((await inService()).includes(customerId));
    assert.deepEqual(await auditActions(customerId), [
      'customer.suspend by owner@acme.test',
      'customer.cancel by owner@acme.test',
      'customer.reactivate by owner@acme.test',
    ]);
    const bad = await put(owner, `${base(customerId)}/status`, { status: 'trial' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.json().error.message, /status/);
  });

  it('refuses read-only members (403), strangers (401) and requests without CSRF, changing nothing', async () => {
    const customerId = ids.other as string;
    const refused = await readOnly.post(`${base(ids.trial as string)}/convert`, { seats: 3 });
    assert.equal(refused.statusCode, 403);
    assert.equal((await createBrowser(app).post(`${base(ids.trial as string)}/convert`, { seats: 3 })).statusCode, 401);
    const noCsrf = await owner.request('POST', `${base(ids.trial as string)}/convert`, {
      body: { seats: 3 },
      csrf: false,
    });
    assert.equal(noCsrf.statusCode, 403);
    assert.equal((await owner.post(`${base(customerId, otherId)}/convert`, { seats: 3 })).statusCode, 404);
    assert.equal((await owner.post(`${base(customerId)}/convert`, { seats: 3 })).statusCode, 404);
    assert.equal((await row(customerId)).status, 'trial');
    assert.equal((await row(ids.trial as string)).seatsPurchased, 6);
  });
});
