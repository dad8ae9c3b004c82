// The authorisation matrix (issue 16): every route the server registers — listed by Fastify's
// onRoute hook on the app built as `safehold start` builds it — is called by every principal
// of `authorization-matrix.ts` on its own tenant and on another partner's tenant, and the
// outcome class is compared with the table there. A route without a row fails the test with
// its name. One app, one database, seeded once (testing/matrix-world.ts); each call gets its own
// IP (so rate limits of one call never colour the next), and what a state-changing
// call may break for the calls after it (a removed partner, a suspended partner, a disabled
// user) is put back after it.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createTestContext, forEachDatabase, type TestContext } from '../testing/context.ts';
import {
  buildAppAsServed,
  concreteUrl,
  createCaller,
  repairWorld,
  seedWorld,
  type World,
} from '../testing/matrix-world.ts';
import type { App } from './app.ts';
import { authorizationMatrix, type Outcome, principals, type RouteKey, routeKey } from './authorization-matrix.ts';

/** Fastify answers HEAD with the GET route's handler; the matrix covers the GET. */
const coveredMethods = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** The outcome class of an answer: 401, 403 and 404 stop at authorisation; anything else got past it. */
function outcomeOf(status: number): Outcome | `unexpected ${number}` {
  if (status === 401 || status === 403 || status === 404) return String(status) as Outcome;
  if (status === 429 || status >= 500) return `unexpected ${status}`;
  return 'ok';
}

forEachDatabase('authorisation matrix', (kind) => {
  let ctx: TestContext;
  let app: App;
  let world: World;
  const registered: { method: string; url: string }[] = [];

  before(async () => {
    ctx = await createTestContext(kind, { start: new Date('2026-06-01T09:00:00Z') });
    app = await buildAppAsServed(ctx, (route) => {
      for (const method of [route.method].flat()) registered.push({ method, url: route.url });
    });
    world = await seedWorld(ctx);
  });
  after(async () => {
    await app.close();
    await ctx.close();
  });

  const routes = () =>
    registered.filter((route) => coveredMethods.has(route.method)).map((route) => routeKey(route.method, route.url));

  it('every registered route has a row in authorization-matrix.ts, and every row a route', () => {
    const keys = routes();
    const missing = keys.filter((key) => !(key in authorizationMatrix));
    assert.deepEqual(
      missing,
      [],
      `these routes have no row in apps/server/src/http/authorization-matrix.ts: ${missing.join(', ')}`,
    );
    const stale = Object.keys(authorizationMatrix).filter((key) => !keys.includes(key as RouteKey));
    assert.deepEqual(stale, [], `these rows of authorization-matrix.ts name no registered route: ${stale.join(', ')}`);
  });

  it('every route answers every principal, own tenant and other tenant, as the matrix says', async () => {
    const caller = createCaller(ctx, app, world);
    const mismatches: string[] = [];
    const observed: Record<string, Record<'own' | 'other', string[]>> = {};
    for (const key of routes()) {
      const row = authorizationMatrix[key];
      if (!row) continue; // reported by the test above
      const [method, pattern] = key.split(' ') as [string, string];
      for (const side of ['own', 'other'] as const) {
        const tenant = world.tenants[side];
        const expected: string[] = row[side].trim().split(/\s+/);
        assert.equal(expected.length, principals.length, `${key} ${side}: one outcome per principal`);
        const seen: string[] = [];
        for (const [index, principal] of principals.entries()) {
          const response = await caller.send(principal, {
            method,
            url: concreteUrl(pattern, tenant, row.query?.(tenant)),
            body: row.body?.(tenant, `call${caller.calls + 1}`),
          });
          const outcome = outcomeOf(response.statusCode);
          seen.push(outcome);
          if (outcome !== expected[index]) {
            mismatches.push(
              `${key} as ${principal} on the ${side} tenant: expected ${expected[index]}, got ${response.statusCode} ${response.body.slice(0, 160)}`,
            );
          }
          if (method !== 'GET' && outcome === 'ok') {
            await repairWorld(ctx, world);
            caller.newSessions();
          }
        }
        observed[key] = { ...observed[key], [side]: seen } as Record<'own' | 'other', string[]>;
      }
    }
    if (process.env.SAFEHOLD_MATRIX_PRINT) printObserved(observed);
    assert.deepEqual(mismatches, [], `${mismatches.length} of ${caller.calls} calls differ from the matrix`);
  });
});

/** SAFEHOLD_MATRIX_PRINT=1 prints what was observed in the table's layout (to review, never to paste blindly). */
function printObserved(observed: Record<string, Record<'own' | 'other', string[]>>): void {
  const cells = (list: string[]) => list.map((cell) => cell.padEnd(4)).join('');
  for (const [key, row] of Object.entries(observed)) {
    process.stdout.write(`${key}\n  own:   '${cells(row.own).trimEnd()}'\n  other: '${cells(row.other).trimEnd()}'\n`);
  }
}
