// Hostile request bodies (issue 16): random JSON sent to every POST, PUT and PATCH route the
// server registers, by a random principal of the authorisation matrix — both arbitrary JSON and
// the route's valid body (its matrix row) with one field replaced, removed or added. Bad input
// answers 400 with a message (naming the field when the schema refused it); nothing answers 500.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import fc from 'fast-check';
import { createTestContext, forEachDatabase, type TestContext } from '../testing/context.ts';
import { fuzz, fuzzRuns } from '../testing/fuzz.ts';
import {
  buildAppAsServed,
  concreteUrl,
  createCaller,
  repairWorld,
  seedWorld,
  type World,
} from '../testing/matrix-world.ts';
import type { App } from './app.ts';
import { authorizationMatrix, principals, type RouteKey, routeKey } from './authorization-matrix.ts';

const bodyMethods = new Set(['POST', 'PUT', 'PATCH']);

/** A valid body with one field changed: replaced by random JSON, removed, or a key added. */
function mutated(valid: unknown): fc.Arbitrary<unknown> {
  const json = fc.jsonValue({ maxDepth: 3 });
  if (typeof valid !== 'object' || valid === null || Array.isArray(valid)) return json;
  const keys = Object.keys(valid);
  const object = valid as Record<string, unknown>;
  return fc.oneof(
    keys.length > 0
      ? fc.tuple(fc.constantFrom(...keys), json).map(([key, value]) => ({ ...object, [key]: value }))
      : json,
    keys.length > 0
      ? fc.constantFrom(...keys).map((key) => Object.fromEntries(Object.entries(object).filter(([k]) => k !== key)))
      : json,
    fc.tuple(fc.string({ minLength: 1, maxLength: 12 }), json).map(([key, value]) => ({ ...object, [key]: value })),
  );
}

forEachDatabase('API bodies, fuzzed', (kind) => {
  let ctx: TestContext;
  let app: App;
  let world: World;
  const routes: RouteKey[] = [];

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-06-01T09:00:00Z') });
    app = await buildAppAsServed(ctx, (route) => {
      for (const method of [route.method].flat()) if (bodyMethods.has(method)) routes.push(routeKey(method, route.url));
    });
    world = await seedWorld(ctx);
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  it('random JSON to every POST/PUT/PATCH route: a 400 with a message, or an answer of the route; never 500', async () => {
    assert.ok(routes.length > 20, `only ${routes.length} routes with a body`);
    const caller = createCaller(ctx, app, world);
    // Each case is an HTTP call on the real app: a fifteenth of the shared run count per route.
    const runsPerRoute = Math.max(5, Math.floor(fuzzRuns / 15));
    for (const key of routes) {
      const row = authorizationMatrix[key];
      const [method, pattern] = key.split(' ') as [string, string];
      const tenant = world.tenants.own;
      const valid = row?.body?.(tenant, 'fuzz');
      await fuzz(
        fc.asyncProperty(
          fc.constantFrom(...principals),
          fc.oneof(fc.jsonValue({ maxDepth: 4 }), mutated(valid)),
          async (principal, body) => {
            const response = await caller.send(principal, {
              method,
              url: concreteUrl(pattern, tenant, row?.query?.(tenant)),
              body,
            });
            const context = `${key} as ${principal} with ${JSON.stringify(body)}: ${response.statusCode} ${response.body.slice(0, 200)}`;
            assert.ok(response.statusCode < 500, context);
            if (response.statusCode === 400) {
              const error = response.json().error as { code: string; message: string; field?: string };
              assert.ok(error.message.length > 0, context);
              if (error.code === 'validation_failed') {
                // The schema's refusals name the field first ("body.role: …"); a service's carry it in `field`.
                assert.ok(error.field, context);
                if (/^(body|params|querystring)\b/.test(error.field))
                  assert.ok(error.message.startsWith(error.field), context);
              }
            }
            if (response.statusCode < 300) {
              await repairWorld(ctx, world);
              caller.newSessions();
            }
          },
        ),
        runsPerRoute,
      );
    }
  });
});
