// `npm run bench -- api [--users N] [--size N] [--bulk N] [--quick] [--json]`: the Spanning-compatible API over real HTTP on a 10,000-user tenant —
// GET /api/v1/users walked page by page to the end (p95 per page, target < 50 ms) and a bulk
// assign of 1,000 users (target < 2 s), on PGlite and — with TEST_DATABASE_URL — on PostgreSQL.
// Reference, measured in the same run on the same server: the console's own routes for the same
// work (GET /api/customers/:id/users by cursor, as the License Manager pages; POST
// /api/customers/:id/licenses with 1,000 changes, "Save Changes"), so the ratio shows what the
// compatible layer (Basic auth, token lookup, rate limit, the Spanning shape) costs.
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { sql } from 'drizzle-orm';
import { buildApp } from '../apps/server/src/http/app.ts';
import { backupCustomerHooks } from '../apps/server/src/modules/backup/index.ts';
import { createCustomersModule, insertDirectoryUsers } from '../apps/server/src/modules/customers/index.ts';
import { identityModule } from '../apps/server/src/modules/identity/index.ts';
import { createApiToken, createSpanningApiModule } from '../apps/server/src/modules/spanning-api/index.ts';
import { createTestContext } from '../apps/server/src/testing/context.ts';
import type { DatabaseKind } from '../apps/server/src/testing/databases.ts';
import { seedCustomer, signedInSession } from '../apps/server/src/testing/tenants.ts';
import { benchCommandLine, rounded } from './support/command-line.ts';

const { values, report } = benchCommandLine(
  'api',
  {
    users: { type: 'string', default: '10000' },
    size: { type: 'string', default: '100' },
    bulk: { type: 'string', default: '1000' },
  },
  { users: '1000', bulk: '100' },
);
const userCount = Number(values.users);
const pageSize = Number(values.size);
const bulkCount = Number(values.bulk);
const plenty = { limit: 1_000_000, windowMs: 60_000 };

function percentile(samples: number[], p: number): number {
  const sorted = [...samples].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] as number;
}

async function timed<T>(work: () => Promise<T>): Promise<{ ms: number; value: T }> {
  const started = performance.now();
  const value = await work();
  return { ms: performance.now() - started, value };
}

async function measure(kind: DatabaseKind): Promise<Record<string, number>> {
  const ctx = await createTestContext(kind);
  const app = await buildApp(ctx, {
    modules: [
      identityModule,
      createCustomersModule({ hooks: backupCustomerHooks }),
      createSpanningApiModule({
        hooks: backupCustomerHooks,
        limits: { failures: { name: 'bench:failures', ...plenty }, requests: { name: 'bench:requests', ...plenty } },
      }),
    ],
  });
  try {
    await app.listen({ host: '127.0.0.1', port: 0 });
    const base = `http://127.0.0.1:${(app.server.address() as AddressInfo).port}`;
    const domain = 'api.bench';
    const customer = await seedCustomer(ctx.db, ctx.clock, {
      domain,
      status: 'active',
      trialEndsAt: null,
      seatsPurchased: userCount,
      members: [{ email: `admin@${domain}`, role: 'super_admin' }],
    });
    const now = ctx.clock.now();
    for (let start = 0; start < userCount; start += 1000) {
      await insertDirectoryUsers(
        ctx.db,
        Array.from({ length: Math.min(1000, userCount - start) }, (_, offset) => {
          const n = start + offset;
          return {
            id: randomUUID(),
            customerId: customer.id,
            googleId: `g${n}`,
            primaryEmail: `user${String(n).padStart(5, '0')}@${domain}`,
            fullName: `User ${n}`,
            license: n % 3 === 0 ? ('standard' as const) : null,
            firstSeenAt: now,
            lastSyncedAt: now,
          };
        }),
      );
    }
    await ctx.db.execute(sql`analyze directory_users`);
    const { token } = await createApiToken(
      ctx,
      { actor: { kind: 'system' }, audit: { actor: { kind: 'system', label: 'bench' } } },
      customer.id,
      { name: 'bench' },
    );
    const basic = { authorization: `Basic ${Buffer.from(`${domain}:${token}`).toString('base64')}` };
    const session = await signedInSession(ctx.db, ctx.clock, {
      kind: 'customer',
      customerMemberId: customer.members.get(`admin@${domain}`) as string,
    });
    const sessionAnswer = await fetch(`${base}/api/auth/session`, {
      headers: { cookie: `__Host-safehold-session=${session}` },
    });
    const csrfNonce = /__Host-safehold-csrf=([^;]+)/.exec(sessionAnswer.headers.get('set-cookie') ?? '')?.[1];
    const { csrfToken } = (await sessionAnswer.json()) as { csrfToken: string };
    const console = {
      cookie: `__Host-safehold-session=${session}; __Host-safehold-csrf=${csrfNonce}`,
      'x-csrf-token': csrfToken,
    };

    const getJson = async (url: string, headers: Record<string, string>) => {
      const answer = await fetch(`${base}${url}`, { headers });
      if (answer.status !== 200) throw new Error(`${url}: ${answer.status} ${await answer.text()}`);
      return answer.json() as Promise<Record<string, unknown>>;
    };

    // Warm both paths (JIT, plans, caches) before measuring.
    await getJson(`/api/v1/users?size=${pageSize}`, basic);
    await getJson(`/api/customers/${customer.id}/users?limit=${pageSize}`, console);

    const apiPages: number[] = [];
    let seen = 0;
    let next: string | null = `/api/v1/users?size=${pageSize}`;
    while (next) {
      const url: string = next;
      const { ms, value } = await timed(() => getJson(url, basic));
      apiPages.push(ms);
      seen += (value.users as unknown[]).length;
      next = value.nextLink as string | null;
    }
    if (seen !== userCount) throw new Error(`the API walk reached ${seen} users, not ${userCount}`);

    const consolePages: number[] = [];
    let cursor: string | null = null;
    do {
      const query: string = cursor ? `&cursor=${encodeURIComponent(cursor)}` : '';
      const { ms, value } = await timed(() =>
        getJson(`/api/customers/${customer.id}/users?limit=${pageSize}${query}`, console),
      );
      consolePages.push(ms);
      cursor = (value.nextCursor as string | null | undefined) ?? null;
    } while (cursor);

    // Bulk: 1,000 unlicensed users through each path (different users, same shape of change).
    const unlicensed = Array.from({ length: userCount }, (_, n) => n).filter((n) => n % 3 !== 0);
    const emailOf = (n: number) => `user${String(n).padStart(5, '0')}@${domain}`;
    const apiBatch = unlicensed.slice(0, bulkCount).map(emailOf);
    const consoleBatch = unlicensed.slice(bulkCount, 2 * bulkCount).map(emailOf);
    const apiBulk = await timed(async () => {
      const answer = await fetch(`${base}/api/v1/users/assign`, {
        method: 'POST',
        headers: { ...basic, 'content-type': 'application/json' },
        body: JSON.stringify({ emails: apiBatch, licenseType: 'STANDARD' }),
      });
      if (answer.status !== 200) throw new Error(`bulk assign: ${answer.status} ${await answer.text()}`);
    });
    const consoleBulk = await timed(async () => {
      const answer = await fetch(`${base}/api/customers/${customer.id}/licenses`, {
        method: 'POST',
        headers: { ...console, 'content-type': 'application/json' },
        body: JSON.stringify({ changes: consoleBatch.map((email) => ({ email, license: 'standard' })) }),
      });
      if (answer.status !== 200) throw new Error(`console licenses: ${answer.status} ${await answer.text()}`);
    });

    const apiP95 = percentile(apiPages, 95);
    const consoleP95 = percentile(consolePages, 95);
    process.stdout.write(
      `\n${kind}: ${userCount} users, pages of ${pageSize} over HTTP (ms)\n` +
        '| measure | /api/v1 | console route (reference) | ratio | target |\n|---|---|---|---|---|\n' +
        `| GET users, p95 per page (${apiPages.length} pages) | ${apiP95.toFixed(1)} | ${consoleP95.toFixed(1)} | ${(apiP95 / consoleP95).toFixed(2)} | < 50 ${apiP95 < 50 ? '✓' : '✗'} |\n` +
        `| GET users, median per page | ${percentile(apiPages, 50).toFixed(1)} | ${percentile(consolePages, 50).toFixed(1)} | ${(percentile(apiPages, 50) / percentile(consolePages, 50)).toFixed(2)} | |\n` +
        `| bulk assign ${bulkCount} users | ${apiBulk.ms.toFixed(0)} | ${consoleBulk.ms.toFixed(0)} | ${(apiBulk.ms / consoleBulk.ms).toFixed(2)} | < 2000 ${apiBulk.ms < 2000 ? '✓' : '✗'} |\n`,
    );
    return {
      pageP95Ms: rounded(apiP95, 1),
      consolePageP95Ms: rounded(consoleP95, 1),
      pageP95Ratio: rounded(apiP95 / consoleP95),
      bulkMs: Math.round(apiBulk.ms),
      consoleBulkMs: Math.round(consoleBulk.ms),
      bulkRatio: rounded(apiBulk.ms / consoleBulk.ms),
    };
  } finally {
    await app.close();
    await ctx.close();
  }
}

const pglite = await measure('pglite');
const postgres = process.env.TEST_DATABASE_URL ? await measure('postgres') : undefined;
report({ users: userCount, pglite, ...(postgres ? { postgres } : {}) });
