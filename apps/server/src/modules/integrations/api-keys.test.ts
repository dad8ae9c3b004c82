import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { type App, buildApp } from '../../http/app.ts';
import { type Browser, createBrowser, seedPartner, seedStaffUser, signInWithTotp } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { seedCustomerWithBackups } from '../../testing/reseller-seed.ts';
import { auditLog } from '../audit/tables.ts';
import { backupCustomerHooks } from '../backup/index.ts';
import { browseModule } from '../browse/index.ts';
import { createCustomersModule } from '../customers/index.ts';
import { customerConnections } from '../customers/tables.ts';
import { identityModule } from '../identity/index.ts';
import { resellerModule } from '../reseller/index.ts';
import { integrationsModule, partnerEventTypes } from './index.ts';
import { apiKeys } from './tables.ts';

forEachDatabase('partner API keys', (kind) => {
  let ctx: TestContext;
  let app: App;
  let owner: Browser;
  let technician: Browser;
  let partnerId: string;
  let otherPartnerId: string;
  let customerId: string;

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-11-20T12:00:00Z') });
    app = await buildApp(ctx, {
      modules: [
        identityModule,
        integrationsModule,
        resellerModule,
        browseModule,
        createCustomersModule({ hooks: backupCustomerHooks }),
      ],
    });
    partnerId = await seedPartner(ctx.db, { name: 'Acme IT' });
    otherPartnerId = await seedPartner(ctx.db, { name: 'Other IT' });
    customerId = await seedCustomerWithBackups(ctx.db, ctx.clock.now(), {
      partnerId,
      domain: 'alpha.test',
      name: 'Alpha Corp',
      users: 3,
      licensed: 1,
      protectedUsers: 1,
      runsSucceeded: 1,
      storageBytes: 1000,
    });
    // Connected, so its licensing settings can change (what the licenses scope is for).
    await ctx.db.insert(customerConnections).values({ customerId, adminEmail: 'admin@alpha.test', clientId: '1' });
    owner = createBrowser(app);
    await signInWithTotp(
      owner,
      ctx.clock,
      await seedStaffUser(ctx, { email: 'o@acme.test', partnerId, role: 'owner' }),
    );
    technician = createBrowser(app);
    await signInWithTotp(
      technician,
      ctx.clock,
      await seedStaffUser(ctx, { email: 't@acme.test', partnerId, role: 'technician' }),
    );
  });
  after(async () => {
    await app?.close();
    await ctx?.close();
  });

  async function createKey(name: string, scopes: string[]): Promise<{ id: string; token: string }> {
    const response = await owner.post(`/api/partners/${partnerId}/api-keys`, { name, scopes });
    assert.equal(response.statusCode, 201, response.body);
    const body = response.json() as { key: { id: string }; token: string };
    return { id: body.key.id, token: body.token };
  }

  const bearer = (token: string, method: 'GET' | 'POST' | 'PUT' = 'GET', url = '', payload?: unknown) =>
    app.inject({
      method,
      url,
      headers: { authorization: `Bearer ${token}`, ...(payload ? { 'content-type': 'application/json' } : {}) },
      ...(payload ? { payload: JSON.stringify(payload) } : {}),
    });

  it('the token is shown once and only its SHA-256 is stored', async () => {
    const key = await createKey('PSA sync', ['read']);
    assert.match(key.token, /^sh_key_[A-Za-z0-9_-]{43}$/);
    const [row] = await ctx.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    assert.equal(row?.tokenHash, createHash('sha256').update(key.token).digest('hex'));
    assert.ok(!JSON.stringify(row).includes(key.token.slice(7)), 'the token itself is nowhere in the row');
    const listed = await owner.get(`/api/partners/${partnerId}/api-keys`);
    assert.equal(listed.statusCode, 200);
    assert.ok(!listed.body.includes(key.token.slice(7)), 'the list never shows it again');
  });

  it('a read key reads its partner\'s customers (no CSRF token needed) and records "last used"', async () => {
    const key = await createKey('RMM', ['read']);
    const list = await bearer(key.token, 'GET', `/api/partners/${partnerId}/customers`);
    assert.equal(list.statusCode, 200, list.body);
    assert.equal((list.json() as { customers: unknown[] }).customers.length, 1);
    const [row] = await ctx.db.select().from(apiKeys).where(eq(apiKeys.id, key.id));
    assert.equal(row?.lastUsedAt?.toISOString(), ctx.clock.now().toISOString());
    const other = await bearer(key.token, 'GET', `/api/partners/${otherPartnerId}/customers`);
    assert.equal(other.statusCode, 404, "another partner's customers are not visible");
  });

  it('no key reaches customer data, the team or integrations, whatever its scopes', async () => {
    const key = await createKey('Everything', ['read', 'manage_customers', 'manage_licenses']);
    const browse = await bearer(key.token, 'GET', `/api/customers/${customerId}/browse/sources`);
    assert.equal(browse.statusCode, 403, browse.body);
    const keys = await bearer(key.token, 'GET', `/api/partners/${partnerId}/api-keys`);
    assert.equal(keys.statusCode, 403);
    const newKey = await bearer(key.token, 'POST', `/api/partners/${partnerId}/api-keys`, {
      name: 'escalate',
      scopes: ['read'],
    });
    assert.equal(newKey.statusCode, 403, 'a key cannot make keys');
  });

  it('scopes decide: a read key may not change licensing, a licenses key may, and the audit entry names the key', async () => {
    const reader = await createKey('Reader', ['read']);
    const refused = await bearer(reader.token, 'PUT', `/api/customers/${customerId}/licensing`, { autoAssign: true });
    assert.equal(refused.statusCode, 403, refused.body);
    const manager = await createKey('Licenses', ['manage_licenses']);
    const changed = await bearer(manager.token, 'PUT', `/api/customers/${customerId}/licensing`, { autoAssign: true });
    assert.equal(changed.statusCode, 200, changed.body);
    const entries = await ctx.db.select().from(auditLog).where(eq(auditLog.actorId, manager.id));
    assert.equal(entries.length, 1);
    assert.equal(entries[0]?.actorKind, 'api_key');
    assert.match(entries[0]?.actorLabel ?? '', /API key "Licenses"/);
  });

  it('a revoked key answers 401 at its next request; an unknown key too', async () => {
    const key = await createKey('Short-lived', ['read']);
    const revoked = await owner.post(`/api/partners/${partnerId}/api-keys/${key.id}/revoke`);
    assert.equal(revoked.statusCode, 200, revoked.body);
    const after = await bearer(key.token, 'GET', `/api/partners/${partnerId}/customers`);
    assert.equal(after.statusCode, 401);
    const unknown = await bearer(`sh_key_${'A'.repeat(43)}`, 'GET', `/api/partners/${partnerId}/customers`);
    assert.equal(unknown.statusCode, 401);
    // A malformed Bearer header skips no check: it is refused, not treated as anonymous.
    const malformed = await app.inject({
      method: 'POST',
      url: '/api/auth/sign-out',
      headers: { authorization: `Bearer ${key.token} extra` },
    });
    assert.ok([401, 403].includes(malformed.statusCode), malformed.body);
    const malformedData = await app.inject({
      method: 'POST',
      url: `/api/partners/${partnerId}/api-keys`,
      headers: { authorization: 'Bearer two words', 'content-type': 'application/json' },
      payload: JSON.stringify({ name: 'x', scopes: ['read'] }),
    });
    assert.equal(malformedData.statusCode, 401, malformedData.body);
  });

  it('a session cookie and an API key together are refused', async () => {
    const key = await createKey('Mixed', ['read']);
    const response = await owner.get(`/api/partners/${partnerId}/customers`, {
      headers: { authorization: `Bearer ${key.token}` },
    });
    assert.equal(response.statusCode, 400, response.body);
  });

  it('the OpenAPI document lists every webhook payload and the bearer scheme', async () => {
    const document = (await app.inject({ method: 'GET', url: '/api/docs/json' })).json() as {
      openapi: string;
      webhooks: Record<string, unknown>;
      components: { securitySchemes: Record<string, { scheme?: string }> };
    };
    assert.match(document.openapi, /^3\.1/);
    for (const type of [...partnerEventTypes, 'webhook.test']) assert.ok(document.webhooks[type], type);
    assert.equal(document.components.securitySchemes.apiKey?.scheme, 'bearer');
  });

  it('only owners and admins manage keys; bad input is refused naming the field', async () => {
    const refused = await technician.post(`/api/partners/${partnerId}/api-keys`, { name: 'x', scopes: ['read'] });
    assert.equal(refused.statusCode, 403);
    const bad = await owner.post(`/api/partners/${partnerId}/api-keys`, { name: 'x', scopes: ['delete_everything'] });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /scopes/);
    const before = await ctx.db.select().from(apiKeys);
    const empty = await owner.post(`/api/partners/${partnerId}/api-keys`, { name: ' ', scopes: ['read'] });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /name/);
    assert.equal((await ctx.db.select().from(apiKeys)).length, before.length);
  });
});
