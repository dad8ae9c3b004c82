// A customer's API token (Settings › API) on the REST API, as a script sends it:
// `Authorization: Bearer sh_tok_…`, over real HTTP with plain fetch. It acts within its own
// tenant with the token's rights (the policy's apiTokenActions): data work yes, settings and
// tokens no, another tenant invisible; a revoked token answers 401; every change it makes is
// audited as "API token <name>".
import assert from 'node:assert/strict';
import type { AddressInfo } from 'node:net';
import { after, before, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { auditLog } from '../modules/audit/tables.ts';
import { directoryUsers } from '../modules/customers/tables.ts';
import { sessionCookieName } from '../modules/identity/index.ts';
import { createBrowser } from '../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../testing/context.ts';
import { seedCustomer, signedInSession } from '../testing/tenants.ts';
import { type App, buildApp } from './app.ts';
import { apiModules } from './modules.ts';

forEachDatabase('a customer API token as a Bearer token on the REST API', (kind) => {
  let ctx: TestContext;
  let app: App;
  let base: string;
  let alphaId: string;
  let betaId: string;
  let token: string;
  let tokenId: string;
  let adminCookie: string;

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-12-01T10:00:00Z') });
    app = await buildApp(ctx, { modules: apiModules });
    await app.listen({ host: '127.0.0.1', port: 0 });
    base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const alpha = await seedCustomer(ctx.db, ctx.clock, {
      domain: 'alpha.test',
      status: 'active',
      trialEndsAt: null,
      seatsPurchased: 3,
      users: [{ email: 'ada@alpha.test', license: 'standard' }, { email: 'bob@alpha.test' }],
      members: [{ email: 'admin@alpha.test', role: 'super_admin' }],
    });
    const beta = await seedCustomer(ctx.db, ctx.clock, { domain: 'beta.test', users: [{ email: 'zed@beta.test' }] });
    alphaId = alpha.id;
    betaId = beta.id;
    adminCookie = await signedInSession(ctx.db, ctx.clock, {
      kind: 'customer',
      customerMemberId: alpha.members.get('admin@alpha.test') as string,
    });
    const admin = createBrowser(app);
    admin.cookies.set(sessionCookieName, adminCookie);
    const created = await admin.post(`/api/customers/${alphaId}/api-tokens`, { name: 'HR sync' });
    assert.equal(created.statusCode, 201, created.body);
    const answer = created.json() as { token: string; apiToken: { id: string } };
    token = answer.token;
    tokenId = answer.apiToken.id;
  });
  after(async () => {
    await app?.close();
    await ctx?.close();
  });

  async function call(
    method: string,
    path: string,
    options: { body?: unknown; bearer?: string; cookie?: string } = {},
  ) {
    const headers: Record<string, string> = { authorization: `Bearer ${options.bearer ?? token}` };
    if (options.cookie) headers.cookie = `${sessionCookieName}=${options.cookie}`;
    if (options.body !== undefined) headers['content-type'] = 'application/json';
    const response = await fetch(`${base}${path}`, {
      method,
      headers,
      ...(options.body !== undefined ? { body: JSON.stringify(options.body) } : {}),
    });
    const text = await response.text();
    return { status: response.status, body: text ? JSON.parse(text) : null };
  }

  it("reads its own tenant's users and licenses one, audited as the token", async () => {
    const users = await call('GET', `/api/customers/${alphaId}/backup/users?users=all`);
    assert.equal(users.status, 200, JSON.stringify(users.body));
    const licensed = await call('POST', `/api/customers/${alphaId}/licenses`, {
      body: { changes: [{ email: 'bob@alpha.test', license: 'standard' }] },
    });
    assert.equal(licensed.status, 200, JSON.stringify(licensed.body));
    const [bob] = await ctx.db
      .select({ license: directoryUsers.license })
      .from(directoryUsers)
      .where(and(eq(directoryUsers.customerId, alphaId), eq(directoryUsers.primaryEmail, 'bob@alpha.test')));
    assert.equal(bob?.license, 'standard');
    const entries = await ctx.db.select().from(auditLog).where(eq(auditLog.actorId, tokenId));
    assert.ok(entries.length > 0, 'the licence change is audited under the token');
    assert.ok(entries.every((entry) => entry.actorLabel === 'API token HR sync'));
  });

  it('is refused settings and tokens (403), and another tenant is invisible (404)', async () => {
    const retention = await call('PUT', `/api/customers/${alphaId}/backup/retention`, {
      body: { mail: null, drive: null, sharedDrives: null },
    });
    assert.equal(retention.status, 403);
    assert.equal((await call('POST', `/api/customers/${alphaId}/api-tokens`, { body: { name: 'more' } })).status, 403);
    assert.equal((await call('GET', `/api/customers/${betaId}/backup/users`)).status, 404);
  });

  it('a session cookie with a bearer token is a 400; an unknown token a 401', async () => {
    const both = await call('GET', `/api/customers/${alphaId}/backup/users`, { cookie: adminCookie });
    assert.equal(both.status, 400);
    const unknown = await call('GET', `/api/customers/${alphaId}/backup/users`, {
      bearer: `${token.slice(0, -4)}AAAA`,
    });
    assert.equal(unknown.status, 401);
    assert.equal(unknown.body.error.code, 'unauthenticated');
  });

  it('once revoked it answers 401', async () => {
    const admin = createBrowser(app);
    admin.cookies.set(sessionCookieName, adminCookie);
    const revoked = await admin.post(`/api/customers/${alphaId}/api-tokens/${tokenId}/revoke`, {});
    assert.ok([200, 204].includes(revoked.statusCode), revoked.body);
    assert.equal((await call('GET', `/api/customers/${alphaId}/backup/users`)).status, 401);
  });
});
