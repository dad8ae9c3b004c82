import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { createSession, identityModule, sessionCookieName } from '../identity/index.ts';
import { customerMembers } from '../identity/tables.ts';
import { customers } from '../tenancy/tables.ts';
import { recipientsOf } from './settings.ts';
import { notificationSettingsModule } from './settings-routes.ts';
import { unsubscribeKey, unsubscribeToken } from './unsubscribe.ts';

forEachDatabase('Settings › Notifications over HTTP', (kind) => {
  let ctx: TestContext;
  let app: App;
  let tenantA: string;
  let tenantB: string;
  let bossA: Browser;
  let helpdeskA: Browser;
  let bossB: Browser;

  async function member(customerId: string, email: string, role: 'super_admin' | 'helpdesk_admin') {
    const id = randomUUID();
    await ctx.db.insert(customerMembers).values({ id, customerId, email, role });
    const session = await createSession(ctx.db, ctx.clock, { kind: 'customer', customerMemberId: id }, 'signed_in', {
      ip: '127.0.0.1',
      userAgent: 'test',
    });
    const browser = createBrowser(app);
    browser.cookies.set(sessionCookieName, session);
    return browser;
  }

  before(async () => {
    ctx = await createTestContext(kind);
    app = await buildApp(ctx, { modules: [identityModule, notificationSettingsModule] });
    tenantA = randomUUID();
    tenantB = randomUUID();
    await ctx.db.insert(customers).values([
      { id: tenantA, domain: 'a.example', name: 'A' },
      { id: tenantB, domain: 'b.example', name: 'B' },
    ]);
    bossA = await member(tenantA, 'boss@a.example', 'super_admin');
    helpdeskA = await member(tenantA, 'desk@a.example', 'helpdesk_admin');
    bossB = await member(tenantB, 'boss@b.example', 'super_admin');
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  const path = (id: string) => `/api/customers/${id}/notifications`;

  it('a new tenant has the defaults: a daily status email and failure alerts to its super admins', async () => {
    const response = await bossA.get(path(tenantA));
    assert.equal(response.statusCode, 200, response.body);
    assert.deepEqual(response.json(), {
      statusEmail: 'daily',
      statusWeekday: 1,
      failureAlerts: true,
      notifyAdmins: true,
      extraRecipients: [],
      admins: ['boss@a.example'],
      unsubscribed: [],
    });
    assert.equal((await helpdeskA.get(path(tenantA))).statusCode, 403);
    assert.equal((await bossB.get(path(tenantA))).statusCode, 404);
  });

  it('a change keeps the others, is audited with the person, and decides the recipients', async () => {
    const response = await bossA.request('PUT', path(tenantA), {
      body: { statusEmail: 'weekly', statusWeekday: 5, extraRecipients: ['Ops@Partner.test', 'ops@partner.test'] },
    });
    assert.equal(response.statusCode, 200, response.body);
    assert.equal(response.json().statusEmail, 'weekly');
    assert.equal(response.json().failureAlerts, true);
    assert.deepEqual(response.json().extraRecipients, ['ops@partner.test']);
    const [entry] = await ctx.audit.query({ tenant: `customer:${tenantA}`, action: 'customer.notifications.set' });
    assert.equal(entry?.actorLabel, 'boss@a.example');
    assert.equal(entry?.target, 'a.example');
    assert.deepEqual((entry?.details as { after?: unknown } | undefined)?.after, {
      statusEmail: 'weekly',
      statusWeekday: 5,
      failureAlerts: true,
      notifyAdmins: true,
      extraRecipients: ['ops@partner.test'],
    });
    assert.deepEqual(await recipientsOf(ctx.db, tenantA, 'alerts'), ['boss@a.example', 'ops@partner.test']);
    await bossA.request('PUT', path(tenantA), { body: { notifyAdmins: false } });
    assert.deepEqual(await recipientsOf(ctx.db, tenantA, 'alerts'), ['ops@partner.test']);
    await bossA.request('PUT', path(tenantA), { body: { notifyAdmins: true } });
  });

  it('bad input is a 400 naming the field and changes nothing', async () => {
    const before = (await bossA.get(path(tenantA))).json();
    const bad = await bossA.request('PUT', path(tenantA), { body: { extraRecipients: ['not an address'] } });
    assert.equal(bad.statusCode, 400, bad.body);
    assert.match(bad.json().error.field, /extraRecipients/);
    assert.match(bad.json().error.message, /"not an address" is not an email address/);
    for (const body of [{}, { statusEmail: 'hourly' }, { statusWeekday: 7 }, { failureAlerts: true, extra: 1 }]) {
      assert.equal((await bossA.request('PUT', path(tenantA), { body })).statusCode, 400, JSON.stringify(body));
    }
    assert.deepEqual((await bossA.get(path(tenantA))).json(), before);
    assert.equal((await helpdeskA.request('PUT', path(tenantA), { body: { failureAlerts: false } })).statusCode, 403);
    assert.equal((await bossB.request('PUT', path(tenantA), { body: { failureAlerts: false } })).statusCode, 404);
  });

  it('an unsubscribe link works without sign-in, says done, and an admin can resubscribe the recipient', async () => {
    const token = unsubscribeToken(unsubscribeKey(ctx.masterKey), {
      customerId: tenantA,
      email: 'ops@partner.test',
      kind: 'alerts',
    });
    const page = await createBrowser(app).get(`/api/notifications/unsubscribe?token=${token}`);
    assert.equal(page.statusCode, 200, page.body);
    assert.match(page.headers['content-type'] as string, /text\/html/);
    assert.match(page.body, /Unsubscribed/);
    assert.match(page.body, /ops@partner\.test gets no more Safehold failure alerts/);
    assert.deepEqual(await recipientsOf(ctx.db, tenantA, 'alerts'), ['boss@a.example']);
    assert.deepEqual(await recipientsOf(ctx.db, tenantA, 'status'), ['boss@a.example', 'ops@partner.test']);
    assert.deepEqual((await bossA.get(path(tenantA))).json().unsubscribed, [
      { email: 'ops@partner.test', kind: 'alerts' },
    ]);
    // One-click (RFC 8058): a POST, no cookies, no CSRF token; again is harmless.
    const oneClick = await createBrowser(app).request('POST', `/api/notifications/unsubscribe?token=${token}`);
    assert.equal(oneClick.statusCode, 200, oneClick.body);
    assert.deepEqual(oneClick.json(), { email: 'ops@partner.test', kind: 'alerts' });
    const forged = `${token.split('.')[0]}.${'A'.repeat(43)}`;
    const refused = await createBrowser(app).get(`/api/notifications/unsubscribe?token=${forged}`);
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /not valid/);
    const refusedPost = await createBrowser(app).request('POST', `/api/notifications/unsubscribe?token=${forged}`);
    assert.equal(refusedPost.statusCode, 400);
    assert.equal(refusedPost.json().error.field, 'querystring.token');
    const [entry] = await ctx.audit.query({
      tenant: `customer:${tenantA}`,
      action: 'customer.notifications.unsubscribe',
    });
    assert.equal(entry?.actorLabel, 'ops@partner.test');

    const back = await bossA.request('PUT', path(tenantA), {
      body: { resubscribe: [{ email: 'ops@partner.test', kind: 'alerts' }] },
    });
    assert.equal(back.statusCode, 200, back.body);
    assert.deepEqual(back.json().unsubscribed, []);
    assert.deepEqual(await recipientsOf(ctx.db, tenantA, 'alerts'), ['boss@a.example', 'ops@partner.test']);
  });
});
