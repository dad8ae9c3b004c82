import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomerWithBackups } from '../../testing/reseller-seed.ts';
import { backupRuns, backupSources } from '../backup/tables.ts';
import { customerConnections } from '../customers/tables.ts';
import { identityModule } from '../identity/index.ts';
import { technicianAssignments } from '../identity/tables.ts';
import { customers } from '../tenancy/tables.ts';
import { sendAlertDigests } from './digest.ts';
import { evaluateAlerts } from './evaluate.ts';
import type { AlertEvent } from './events.ts';
import { alertsModule } from './routes.ts';
import { alerts } from './tables.ts';

const hour = 3600_000;

forEachDatabase('alerts', (kind) => {
  let ctx: TestContext;
  let app: App;
  let partnerId: string;
  let otherPartnerId: string;
  const ids: Record<string, string> = {};
  const events: AlertEvent[] = [];
  const listen = (event: AlertEvent) => {
    events.push(event);
  };

  const open = async () =>
    (await ctx.db.select().from(alerts))
      .filter((row) => row.resolvedAt === null)
      .map((row) => ({
        customer: Object.keys(ids).find((name) => ids[name] === row.customerId),
        kind: row.kind,
      }));
  const connect = (customerId: string, at: Date) =>
    ctx.db.insert(customerConnections).values({
      customerId,
      adminEmail: 'admin@x.test',
      clientId: '1234567890',
      createdAt: at,
      authorizationChangedAt: at,
    });

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-11-20T12:00:00Z') });
    app = await buildApp(ctx, { modules: [identityModule, alertsModule] });
    partnerId = await seedPartner(ctx.db, { name: 'Acme IT' });
    otherPartnerId = await seedPartner(ctx.db, { name: 'Other IT' });
    const now = ctx.clock.now();
    const base = { users: 3, licensed: 2, protectedUsers: 2, runsSucceeded: 1 };
    ids.healthy = await seedCustomerWithBackups(ctx.db, now, { partnerId, domain: 'healthy.test', ...base });
    ids.trial = await seedCustomerWithBackups(ctx.db, now, {
      partnerId,
      domain: 'trial.test',
      status: 'trial',
      trialEndsAt: new Date(now.getTime() + 50 * hour),
      ...base,
    });
    ids.over = await seedCustomerWithBackups(ctx.db, now, {
      partnerId,
      domain: 'over.test',
      seatsPurchased: 1,
      ...base,
    });
    ids.suspended = await seedCustomerWithBackups(ctx.db, now, {
      partnerId,
      domain: 'suspended.test',
      status: 'suspended',
      users: 2,
      licensed: 2,
      protectedUsers: 0,
      seatsPurchased: 0,
    });
    ids.other = await seedCustomerWithBackups(ctx.db, now, {
      partnerId: otherPartnerId,
      domain: 'other.test',
      seatsPurchased: 1,
      ...base,
    });
    for (const name of ['healthy', 'trial', 'over', 'suspended', 'other'])
      await connect(ids[name] as string, new Date(now.getTime() - 72 * hour));
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it('opens an alert per true condition, with its cause and what to do, and nothing for a suspended customer', async () => {
    const report = await evaluateAlerts(ctx.db, ctx.clock.now(), listen);
    assert.deepEqual(
      (await open()).sort((a, b) => `${a.customer}${a.kind}`.localeCompare(`${b.customer}${b.kind}`)),
      [
        { customer: 'other', kind: 'seats_over' },
        { customer: 'over', kind: 'seats_over' },
        { customer: 'trial', kind: 'trial_ending' },
      ],
    );
    assert.equal(report.opened, 3);
    const [over] = await ctx.db
      .select()
      .from(alerts)
      .where(eq(alerts.customerId, ids.over as string));
    assert.equal(over?.cause, '2 seats assigned, 1 purchased: 1 over.');
    assert.match(over?.action ?? '', /Raise the purchased seats/);
    assert.deepEqual(
      events
        .filter((e) => e.type === 'alert.opened')
        .map((e) => e.alert.kind)
        .sort(),
      ['seats_over', 'seats_over', 'trial_ending'],
    );
  });

  it('a second evaluation with nothing changed opens and resolves nothing', async () => {
    const report = await evaluateAlerts(ctx.db, ctx.clock.now(), listen);
    assert.deepEqual([report.opened, report.resolved, report.updated], [0, 0, 0]);
  });

  it('no successful backup for more than 26 hours opens "backups failed or not run", a success resolves it', async () => {
    ctx.clock.advance(26 * hour + 1000);
    await evaluateAlerts(ctx.db, ctx.clock.now(), listen);
    const overdue = (await open()).filter((row) => row.kind === 'backup_overdue').map((row) => row.customer);
    assert.deepEqual(overdue.sort(), ['healthy', 'other', 'over', 'trial']);
    const [row] = await ctx.db
      .select()
      .from(alerts)
      .where(eq(alerts.customerId, ids.healthy as string));
    assert.match(row?.cause ?? '', /No backup has run successfully for more than 26 hours/);
    // Since: the last successful backup (seeded an hour before the start).
    assert.equal(row?.since.toISOString(), '2026-11-20T11:00:00.000Z');

    await ctx.db
      .update(backupSources)
      .set({ lastSuccessAt: ctx.clock.now() })
      .where(eq(backupSources.customerId, ids.healthy as string));
    events.length = 0;
    await evaluateAlerts(ctx.db, ctx.clock.now(), listen);
    assert.ok(!(await open()).some((a) => a.customer === 'healthy'));
    assert.deepEqual(
      events.map((e) => [e.type, e.alert.kind]),
      [['alert.resolved', 'backup_overdue']],
    );
  });

  it('a partial latest run opens "partial runs"; the next successful run of that source resolves it', async () => {
    const [source] = await ctx.db
      .select()
      .from(backupSources)
      .where(eq(backupSources.customerId, ids.healthy as string));
    const run = (status: 'partial' | 'success', finishedAt: Date) =>
      ctx.db.insert(backupRuns).values({
        id: randomUUID(),
        customerId: ids.healthy as string,
        sourceId: source?.id as string,
        trigger: 'scheduled',
        status,
        failed: status === 'partial' ? 3 : 0,
        finishedAt,
      });
    await run('partial', ctx.clock.now());
    await evaluateAlerts(ctx.db, ctx.clock.now(), listen);
    const [partial] = await ctx.db.select().from(alerts).where(eq(alerts.kind, 'backup_partial'));
    assert.equal(partial?.cause, '1 source finished partly: 3 items not backed up.');
    ctx.clock.advance(hour);
    await run('success', ctx.clock.now());
    await evaluateAlerts(ctx.db, ctx.clock.now(), listen);
    assert.ok(!(await open()).some((a) => a.kind === 'backup_partial'));
  });

  it('lost Google authorisation opens an alert naming the missing scopes and the fix, and replaces the overdue one', async () => {
    await ctx.db
      .update(customerConnections)
      .set({
        authorizationStatus: 'lost',
        missingScopes: ['https://www.googleapis.com/auth/gmail.readonly'],
        authorizationChangedAt: ctx.clock.now(),
      })
      .where(eq(customerConnections.customerId, ids.over as string));
    await evaluateAlerts(ctx.db, ctx.clock.now(), listen);
    const kinds = (await open()).filter((a) => a.customer === 'over').map((a) => a.kind);
    assert.deepEqual(kinds.sort(), ['authorization_lost', 'seats_over']);
    const [lost] = await ctx.db.select().from(alerts).where(eq(alerts.kind, 'authorization_lost'));
    assert.match(lost?.cause ?? '', /missing 1 scope: https:\/\/www.googleapis.com\/auth\/gmail.readonly/);
    assert.match(lost?.action ?? '', /client ID 1234567890/);
    await ctx.db
      .update(customerConnections)
      .set({ authorizationStatus: 'authorized', missingScopes: [] })
      .where(eq(customerConnections.customerId, ids.over as string));
    await evaluateAlerts(ctx.db, ctx.clock.now(), listen);
    assert.ok(!(await open()).some((a) => a.kind === 'authorization_lost'));
  });

  it('converting a trial and buying enough seats resolve their alerts', async () => {
    await ctx.db
      .update(customers)
      .set({ status: 'active', trialEndsAt: null, seatsPurchased: 5 })
      .where(eq(customers.id, ids.trial as string));
    await ctx.db
      .update(customers)
      .set({ seatsPurchased: 5 })
      .where(eq(customers.id, ids.over as string));
    await evaluateAlerts(ctx.db, ctx.clock.now(), listen);
    const left = (await open()).filter((a) => a.customer === 'trial' || a.customer === 'over').map((a) => a.kind);
    assert.deepEqual(left, ['backup_overdue', 'backup_overdue']);
  });

  describe('over HTTP', () => {
    it('lists open alerts of the partner only; acknowledging records who, moves it to Acknowledged, and is audited', async () => {
      const owner = await seedStaffUser(ctx, { email: 'owner@acme.test', partnerId, role: 'owner' });
      const browser = createBrowser(app);
      await signInWithTotp(browser, ctx.clock, owner);
      const listed = await browser.get(`/api/partners/${partnerId}/alerts`);
      assert.equal(listed.statusCode, 200, listed.body);
      const page = listed.json();
      assert.ok(page.alerts.every((a: { customerDomain: string }) => a.customerDomain !== 'other.test'));
      assert.equal(page.counts.acknowledged, 0);
      const first = page.alerts[0];
      assert.ok(first.cause.length > 0 && first.action.length > 0 && first.since);

      const acked = await browser.post(`/api/partners/${partnerId}/alerts/${first.id}/acknowledge`);
      assert.equal(acked.statusCode, 200, acked.body);
      assert.equal(acked.json().acknowledgedBy, 'owner@acme.test');
      const after = (await browser.get(`/api/partners/${partnerId}/alerts?state=acknowledged`)).json();
      assert.deepEqual(
        after.alerts.map((a: { id: string }) => a.id),
        [first.id],
      );
      assert.equal(after.counts.open, page.counts.open - 1);
      const entries = await ctx.audit.query({ tenant: `customer:${first.customerId}`, action: 'alert.acknowledged' });
      assert.equal(entries.length, 1);
      assert.equal(entries[0]?.actorLabel, 'owner@acme.test');

      const bad = await browser.get(`/api/partners/${partnerId}/alerts?state=closed`);
      assert.equal(bad.statusCode, 400);
      assert.match(bad.body, /state/);

      // Another partner's alert is not found through this partner.
      const [foreign] = await ctx.db
        .select()
        .from(alerts)
        .where(eq(alerts.customerId, ids.other as string));
      const refused = await browser.post(`/api/partners/${partnerId}/alerts/${foreign?.id}/acknowledge`);
      assert.equal(refused.statusCode, 404);
    });

    it('a resolved alert cannot be acknowledged', async () => {
      const owner = await seedStaffUser(ctx, { email: 'owner2@acme.test', partnerId, role: 'admin' });
      const browser = createBrowser(app);
      await signInWithTotp(browser, ctx.clock, owner);
      const [resolved] = await ctx.db.select().from(alerts).where(eq(alerts.kind, 'trial_ending'));
      assert.ok(resolved?.resolvedAt);
      const answer = await browser.post(`/api/partners/${partnerId}/alerts/${resolved.id}/acknowledge`);
      assert.equal(answer.statusCode, 409);
    });

    it('a technician sees only the alerts of assigned customers', async () => {
      const tech = await seedStaffUser(ctx, { email: 'tech@acme.test', partnerId, role: 'technician' });
      await ctx.db.insert(technicianAssignments).values({ userId: tech.id, customerId: ids.trial as string });
      const browser = createBrowser(app);
      await signInWithTotp(browser, ctx.clock, tech);
      const seen: { customerDomain: string }[] = [];
      for (const state of ['open', 'acknowledged']) {
        seen.push(...(await browser.get(`/api/partners/${partnerId}/alerts?state=${state}`)).json().alerts);
      }
      assert.deepEqual(
        seen.map((a) => a.customerDomain),
        ['trial.test'],
      );
    });
  });

  describe('daily digest', () => {
    it('goes only to members who turned it on, lists what they may see, once a day', async () => {
      const subscriber = await seedStaffUser(ctx, { email: 'digest@acme.test', partnerId, role: 'read_only' });
      const tech = await seedStaffUser(ctx, { email: 'digest-tech@acme.test', partnerId, role: 'technician' });
      await ctx.db.insert(technicianAssignments).values({ userId: tech.id, customerId: ids.trial as string });
      await seedStaffUser(ctx, { email: 'quiet@acme.test', partnerId, role: 'admin' });
      for (const user of [subscriber, tech]) {
        const browser = createBrowser(app);
        await signInWithTotp(browser, ctx.clock, user);
        assert.deepEqual((await browser.get(`/api/partners/${partnerId}/alerts/digest`)).json(), { enabled: false });
        const set = await browser.request('PUT', `/api/partners/${partnerId}/alerts/digest`, {
          body: { enabled: true },
        });
        assert.equal(set.statusCode, 200, set.body);
      }
      const deps = { ...ctx, publicUrl: 'https://safehold.example' };
      const report = await sendAlertDigests(deps);
      assert.equal(report.sent, 2);
      const [mail] = await ctx.mail.outbox({ to: 'digest@acme.test' });
      assert.match(mail?.subject ?? '', /open alerts across your customers/);
      assert.match(mail?.text ?? '', /over\.test: Backups failed or not run for more than 26 hours/);
      assert.match(mail?.text ?? '', /What to do: /);
      assert.match(mail?.text ?? '', /https:\/\/safehold.example\/partner\/alerts/);
      assert.doesNotMatch(mail?.text ?? '', /other\.test/);
      const [techMail] = await ctx.mail.outbox({ to: 'digest-tech@acme.test' });
      assert.match(techMail?.text ?? '', /trial\.test/);
      assert.doesNotMatch(techMail?.text ?? '', /over\.test|healthy\.test/);
      assert.deepEqual(await ctx.mail.outbox({ to: 'quiet@acme.test' }), []);
      // Same day: nothing more.
      assert.equal((await sendAlertDigests(deps)).sent, 0);
      ctx.clock.advance(24 * hour);
      assert.equal((await sendAlertDigests(deps)).sent, 2);
    });
  });
});
