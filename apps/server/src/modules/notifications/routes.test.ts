import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type App, buildApp } from '../../http/app.ts';
import { createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { identityModule } from '../identity/index.ts';
import { outboxModule } from './routes.ts';

forEachDatabase('vendor outbox', (kind) => {
  let ctx: TestContext;
  let app: App;
  before(async () => {
    ctx = await createTestContext(kind);
    app = await buildApp(ctx, { modules: [identityModule, outboxModule] });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it('a vendor operator reads the outbox, newest first, filtered by recipient', async () => {
    await ctx.mail.send({ to: 'first@partner.test', subject: 'First', text: 'one' });
    ctx.clock.advance(1000);
    await ctx.mail.send({ to: 'second@partner.test', subject: 'Second', text: 'two' });
    const operator = await seedStaffUser(ctx, { email: 'ops@vendor.test', role: 'support' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, operator);
    const all = await browser.get('/api/vendor/outbox');
    assert.equal(all.statusCode, 200);
    const body = all.json();
    assert.equal(body.smtpConfigured, false);
    assert.deepEqual(
      body.messages.map((message: { subject: string }) => message.subject),
      ['Second', 'First'],
    );
    const filtered = (await browser.get('/api/vendor/outbox?to=FIRST@partner.test')).json();
    assert.deepEqual(
      filtered.messages.map((message: { to: string }) => message.to),
      ['first@partner.test'],
    );
  });

  it('partner users and anonymous visitors cannot read it; bad parameters are named', async () => {
    assert.equal((await createBrowser(app).get('/api/vendor/outbox')).statusCode, 401);
    const partnerId = await seedPartner(ctx.db);
    const owner = await seedStaffUser(ctx, { email: 'owner@partner.test', partnerId, role: 'owner' });
    const browser = createBrowser(app);
    await signInWithTotp(browser, ctx.clock, owner);
    assert.equal((await browser.get('/api/vendor/outbox')).statusCode, 404);
    const operator = await seedStaffUser(ctx, { email: 'admin@vendor.test', role: 'admin' });
    const vendor = createBrowser(app);
    await signInWithTotp(vendor, ctx.clock, operator);
    const bad = await vendor.get('/api/vendor/outbox?limit=9999');
    assert.equal(bad.statusCode, 400);
    assert.equal(bad.json().error.field, 'querystring.limit');
  });
});
