import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type App, buildApp } from '../../http/app.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { identityModule } from '../identity/index.ts';
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
});
