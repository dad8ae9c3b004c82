// Every customer route authorises through the one authorizeCustomer: a customer the caller
// may not see answers exactly like a customer id that does not exist, on every route, so no
// route tells a stranger which customer ids are real.
import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import type { App } from '../../http/app.ts';
import { authorizationMatrix, type RouteKey, routeKey } from '../../http/authorization-matrix.ts';
import { createTestContext, forEachDatabase, type TestContext } from '../../testing/context.ts';
import { buildAppAsServed, concreteUrl, createCaller, seedWorld, type World } from '../../testing/matrix-world.ts';

forEachDatabase('customer routes and authorizeCustomer', (kind) => {
  let ctx: TestContext;
  let app: App;
  let world: World;
  const customerRoutes: RouteKey[] = [];

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-06-01T09:00:00Z') });
    app = await buildAppAsServed(ctx, (route) => {
      for (const method of [route.method].flat()) {
        if (method === 'GET' && route.url.startsWith('/api/customers/:customerId')) {
          customerRoutes.push(routeKey(method, route.url));
        }
      }
    });
    world = await seedWorld(ctx);
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it('answers another partner’s customer and an unknown customer id with the same 404 on every route', async () => {
    assert.ok(customerRoutes.length > 20, `only ${customerRoutes.length} customer routes registered`);
    const caller = createCaller(ctx, app, world);
    const other = world.tenants.other;
    const unknown = { ...other, customerId: randomUUID() };
    const differing: string[] = [];
    for (const key of customerRoutes) {
      const pattern = key.slice('GET '.length);
      const query = authorizationMatrix[key]?.query;
      const answer = async (tenant: typeof other) => {
        const response = await caller.send('partner_owner', {
          method: 'GET',
          url: concreteUrl(pattern, tenant, query?.(tenant)),
        });
        return `${response.statusCode} ${response.body}`;
      };
      const invisible = await answer(other);
      const missing = await answer(unknown);
      const expected = `404 ${JSON.stringify({ error: { code: 'not_found', message: 'The customer was not found.' } })}`;
      if (invisible !== expected || missing !== expected) {
        differing.push(`${key}: another partner's customer → ${invisible}; unknown id → ${missing}`);
      }
    }
    assert.deepEqual(differing, []);
  });
});
