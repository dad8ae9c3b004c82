import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type App, buildApp } from '../../http/app.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomer, signedInSession } from '../../testing/tenants.ts';
import { identityModule, sessionCookieName } from '../identity/index.ts';
import { setCustomerPartner } from '../tenancy/index.ts';
import { auditModule } from './routes.ts';

forEachDatabase('audit log API', (kind) => {
  let ctx: TestContext;
  let app: App;
  before(async () => {
    ctx = await createTestContext(kind);
    app = await buildApp(ctx, { modules: [identityModule, auditModule] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it("a partner owner reads its own log, filtered and paged, and exports it; another partner's log answers 404", async () => {
    const partnerId = await seedPartner(ctx.db);
    const otherId = await seedPartner(ctx.db, { name: 'Other' });
    for (let i = 0; i < 3; i++) {
      await ctx.audit.record({
        actor: { kind: 'system', label: 'test' },
        tenants: [`partner:${partnerId}`],
        action: `test.event.${i}`,
        target: `item ${i}`,
        result: i === 2 ? 'failure' : 'success',
      });
    }
    await ctx.audit.record({
      actor: { kind: 'system', label: 'test' },
      tenants: [`partner:${otherId}`],
      action: 'test.secret',
      result: 'success',
    });
    const owner = await seedStaffUser(ctx, { email: 'owner@audit.test', partnerId, role: 'owner' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, owner);

    // Page through the whole log, two entries at a time (sign-ins are in it too).
    const actions: string[] = [];
    let before: number | null = null;
    let pages = 0;
    do {
      const url: string = `/api/partners/${partnerId}/audit?limit=2${before ? `&before=${before}` : ''}`;
      const page = (await browser.get(url)).json();
      assert.ok(page.entries.length <= 2);
      actions.push(...page.entries.map((entry: { action: string }) => entry.action));
      before = page.nextBefore;
      pages++;
    } while (before !== null && pages < 50);
    assert.ok(pages >= 2, 'the log spans several pages');
    assert.deepEqual(
      actions.filter((action) => action.startsWith('test.')),
      ['test.event.2', 'test.event.1', 'test.event.0'],
    );

    const failures = (await browser.get(`/api/partners/${partnerId}/audit?result=failure`)).json();
    assert.deepEqual(
      failures.entries.map((entry: { action: string }) => entry.action),
      ['test.event.2'],
    );

    const csv = await browser.get(`/api/partners/${partnerId}/audit.csv?action=test.event.1`);
    assert.equal(csv.statusCode, 200);
    assert.match(String(csv.headers['content-type']), /^text\/csv/);
    const lines = csv.body.trimEnd().split('\r\n');
    assert.equal(lines.length, 2);
    assert.match(lines[1] ?? '', /test\.event\.1/);

    // A target recorded as a customer's id is named in the CSV as on the page: by its domain.
    const named = await seedCustomer(ctx.db, ctx.clock, { domain: 'named-in-csv.test', partnerId });
    await ctx.audit.record({
      actor: { kind: 'system', label: 'test' },
      tenants: [`partner:${partnerId}`],
      action: 'test.customer',
      target: named.id,
      result: 'success',
    });
    const customerCsv = (await browser.get(`/api/partners/${partnerId}/audit.csv?action=test.customer`)).body;
    const [header, row] = customerCsv.trimEnd().split('\r\n');
    const columns = header?.split(',') ?? [];
    const cells = row?.split(',') ?? [];
    assert.equal(cells[columns.indexOf('target')], named.id);
    assert.equal(cells[columns.indexOf('target_name')], 'named-in-csv.test');

    assert.equal((await browser.get(`/api/partners/${otherId}/audit`)).statusCode, 404);
    assert.equal((await browser.get(`/api/partners/${otherId}/audit.csv`)).statusCode, 404);
    assert.equal((await browser.get('/api/vendor/audit')).statusCode, 404);
  });

  it('the vendor log needs a vendor operator; bad filters are named', async () => {
    assert.equal((await createBrowser(app).get('/api/vendor/audit')).statusCode, 401);
    const operator = await seedStaffUser(ctx, { email: 'ops@audit.test', role: 'support' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, operator);
    const log = await browser.get('/api/vendor/audit');
    assert.equal(log.statusCode, 200);
    assert.ok(
      log.json().entries.some((entry: { action: string }) => entry.action.startsWith('auth.')),
      'sign-ins are in the vendor log',
    );
    const bad = await browser.get('/api/vendor/audit?result=maybe');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'querystring.result');
    const unknown = await browser.get('/api/vendor/audit?colour=red');
    assert.equal(unknown.statusCode, 400);
    assert.equal(unknown.json().error.field, 'querystring.colour');
  });

  it("after a transfer the new partner reads only its own period, and other organisations' staff appear as their organisation", async () => {
    const oldPartner = await seedPartner(ctx.db, { name: 'Old MSP' });
    const newPartner = await seedPartner(ctx.db, { name: 'New MSP' });
    const oldOwner = await seedStaffUser(ctx, { email: 'owner@old-msp.test', partnerId: oldPartner, role: 'owner' });
    const newOwner = await seedStaffUser(ctx, { email: 'owner@new-msp.test', partnerId: newPartner, role: 'owner' });
    const operator = await seedStaffUser(ctx, { email: 'support@vendor.test', role: 'support' });
    const customer = await seedCustomer(ctx.db, ctx.clock, {
      domain: 'moved.test',
      partnerId: oldPartner,
      members: [{ email: 'boss@moved.test', role: 'super_admin' }],
    });
    const log = `customer:${customer.id}` as const;
    const byStaff = (user: { id: string; email: string }, action: string, ip: string) =>
      ctx.audit.record({
        actor: { kind: 'staff', id: user.id, label: user.email },
        tenants: [log],
        action,
        ip,
        userAgent: 'Staff Browser',
        result: 'success',
      });
    await byStaff(oldOwner, 'test.old_partner.restore', '203.0.113.7');
    ctx.clock.advance(60_000);
    await setCustomerPartner(ctx.db, customer.id, newPartner, ctx.clock.now());
    ctx.clock.advance(60_000);
    await byStaff(newOwner, 'test.new_partner.restore', '198.51.100.9');
    await byStaff(operator, 'test.vendor.look', '192.0.2.4');
    await ctx.audit.record({
      actor: { kind: 'customer', id: customer.members.get('boss@moved.test') ?? null, label: 'boss@moved.test' },
      tenants: [log],
      action: 'test.customer.settings',
      ip: '192.0.2.200',
      result: 'success',
    });
    type Entry = { action: string; actorLabel: string; actorId: string | null; ip: string | null };
    const testEntries = (body: { entries: Entry[] }) =>
      body.entries
        .filter((entry) => entry.action.startsWith('test.'))
        .map((entry) => [entry.action, entry.actorLabel, entry.actorId, entry.ip]);

    const newPartnerBrowser = createBrowser(app);
    await signInWithTotp(newPartnerBrowser, ctx.clock, newOwner);
    const seenByNewPartner = await newPartnerBrowser.get(`/api/customers/${customer.id}/audit`);
    assert.equal(seenByNewPartner.statusCode, 200);
    assert.deepEqual(testEntries(seenByNewPartner.json()), [
      ['test.customer.settings', 'boss@moved.test', customer.members.get('boss@moved.test'), '192.0.2.200'],
      ['test.vendor.look', 'Safehold operator', null, null],
      ['test.new_partner.restore', 'owner@new-msp.test', newOwner.id, '198.51.100.9'],
    ]);
    const newPartnerCsv = await newPartnerBrowser.get(`/api/customers/${customer.id}/audit.csv`);
    assert.equal(newPartnerCsv.statusCode, 200);
    assert.doesNotMatch(newPartnerCsv.body, /old-msp|203\.0\.113\.7|test\.old_partner|support@vendor|192\.0\.2\.4/);
    assert.match(newPartnerCsv.body, /Safehold operator/);
    // Asking for entries from before the transfer does not widen the period.
    const earlier = await newPartnerBrowser.get(
      `/api/customers/${customer.id}/audit?from=${encodeURIComponent(new Date(0).toISOString())}`,
    );
    assert.ok(!earlier.body.includes('test.old_partner'));

    const customerBrowser = createBrowser(app);
    customerBrowser.cookies.set(
      sessionCookieName,
      await signedInSession(ctx.db, ctx.clock, {
        kind: 'customer',
        customerMemberId: customer.members.get('boss@moved.test') ?? '',
      }),
    );
    const seenByCustomer = await customerBrowser.get(`/api/customers/${customer.id}/audit`);
    assert.equal(seenByCustomer.statusCode, 200);
    assert.deepEqual(testEntries(seenByCustomer.json()), [
      ['test.customer.settings', 'boss@moved.test', customer.members.get('boss@moved.test'), '192.0.2.200'],
      ['test.vendor.look', 'Safehold operator', null, null],
      ['test.new_partner.restore', 'Partner: New MSP', null, null],
      ['test.old_partner.restore', 'Partner: Old MSP', null, null],
    ]);
    const customerCsv = (await customerBrowser.get(`/api/customers/${customer.id}/audit.csv`)).body;
    assert.match(customerCsv, /Partner: Old MSP/);
    assert.doesNotMatch(customerCsv, /@old-msp|@new-msp|@vendor|203\.0\.113\.7|198\.51\.100\.9|Staff Browser/);

    const vendorBrowser = createBrowser(app);
    await signInWithTotp(vendorBrowser, ctx.clock, operator);
    const seenByVendor = testEntries((await vendorBrowser.get(`/api/customers/${customer.id}/audit`)).json());
    assert.deepEqual(seenByVendor.at(-1), [
      'test.old_partner.restore',
      'owner@old-msp.test',
      oldOwner.id,
      '203.0.113.7',
    ]);
  });

  it('every target is shown by name with the object it is: a domain for a customer id, "Restore of …" for a restore id', async () => {
    const customer = await seedCustomer(ctx.db, ctx.clock, {
      domain: 'named.test',
      members: [{ email: 'boss@named.test', role: 'super_admin' }],
    });
    const log = `customer:${customer.id}` as const;
    const restoreId = '6d7e3f1a-0000-4000-8000-000000000001';
    const exportId = '6d7e3f1a-0000-4000-8000-000000000002';
    const record = (action: string, target: string, details?: Record<string, unknown>) =>
      ctx.audit.record({
        actor: { kind: 'system', label: 'test' },
        tenants: [log],
        action,
        target,
        result: 'success',
        ...(details ? { details } : {}),
      });
    await record('backup.run', customer.id);
    await record('restore.request', restoreId, { user: 'ann@named.test', service: 'gmail', to: 'ann@named.test' });
    await record('export.create', customer.id, { exportId, user: 'bob@named.test' });
    await record('licenses.assign', 'cid@named.test');

    const browser = createBrowser(app);
    browser.cookies.set(
      sessionCookieName,
      await signedInSession(ctx.db, ctx.clock, {
        kind: 'customer',
        customerMemberId: customer.members.get('boss@named.test') ?? '',
      }),
    );
    const answer = await browser.get(`/api/customers/${customer.id}/audit?limit=4`);
    assert.equal(answer.statusCode, 200);
    type Named = { action: string; targetName: string | null; targetObject: { kind: string; id: string } | null };
    assert.deepEqual(
      answer.json().entries.map((entry: Named) => [entry.action, entry.targetName, entry.targetObject]),
      [
        ['licenses.assign', 'cid@named.test', { kind: 'user', id: 'cid@named.test' }],
        ['export.create', 'Export of bob@named.test', { kind: 'export', id: exportId }],
        ['restore.request', "Restore of ann@named.test's Mail", { kind: 'restore', id: restoreId }],
        ['backup.run', 'named.test', { kind: 'customer', id: customer.id }],
      ],
    );
  });
});
