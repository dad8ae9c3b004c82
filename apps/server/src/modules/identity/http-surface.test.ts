import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type App, buildApp } from '../../http/app.ts';
import { apiModules } from '../../http/modules.ts';
import { createBrowser, seedStaffUser } from '../../testing/browser.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';

forEachDatabase('identity HTTP surface', (kind) => {
  let ctx: TestContext;
  let app: App;
  before(async () => {
    // As `safehold start` runs it: the server's module list, and one trusted proxy.
    ctx = await createTestContext(kind, { env: { SAFEHOLD_TRUSTED_PROXIES: '10.9.9.9' } });
    app = await buildApp(ctx, { modules: apiModules });
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it('the OpenAPI document lists every identity endpoint of the contract', async () => {
    const response = await app.inject({ method: 'GET', url: '/api/docs/json' });
    assert.equal(response.statusCode, 200);
    const paths = Object.keys(response.json().paths);
    for (const path of [
      '/api/auth/session',
      '/api/auth/sign-in',
      '/api/auth/second-factor',
      '/api/auth/enrolment/start',
      '/api/auth/enrolment/confirm',
      '/api/auth/sign-out',
      '/api/auth/links/inspect',
      '/api/auth/links/accept',
      '/api/auth/password-reset/request',
      '/api/auth/password-reset/complete',
      '/api/auth/google/start',
      '/api/auth/google/callback',
    ]) {
      assert.ok(paths.includes(path), path);
    }
  });

  it('the client IP comes from X-Forwarded-For only when the request comes from a trusted proxy', async () => {
    await seedStaffUser(ctx, { email: 'ip@vendor.test', role: 'admin' });
    const viaProxy = createBrowser(app, { ip: '10.9.9.9' });
    await viaProxy.post(
      '/api/auth/sign-in',
      { email: 'ip@vendor.test', password: 'wrong password!' },
      {
        headers: { 'x-forwarded-for': '198.51.100.23' },
      },
    );
    const direct = createBrowser(app, { ip: '203.0.113.50' });
    await direct.post(
      '/api/auth/sign-in',
      { email: 'ip@vendor.test', password: 'wrong password!' },
      {
        headers: { 'x-forwarded-for': '198.51.100.99' },
      },
    );
    const entries = await ctx.audit.query({ tenant: 'vendor', action: 'auth.sign_in', result: 'failure' });
    const ips = entries.map((entry) => entry.ip).sort();
    assert.deepEqual(ips, ['198.51.100.23', '203.0.113.50']);
  });
});
