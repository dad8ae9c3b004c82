// `npm run bench -- license-manager [--users N] [--tenants N] [--runs N] [--quick] [--json]`: how the License Manager's user list (GET
// /api/customers/:id/users, via the same service call) performs on a 10,000-user tenant in a
// database of 40,000 directory users (four tenants), on PGlite and — with TEST_DATABASE_URL —
// on PostgreSQL. Reference, measured in the same run: the same queries after dropping the
// module's directory_users indexes (sequential scans), so the ratio shows what they buy.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import { backupCustomerHooks } from '../apps/server/src/modules/backup/index.ts';
import {
  createCustomersDeps,
  insertDirectoryUsers,
  listDirectoryUsers,
  type UsersQuery,
} from '../apps/server/src/modules/customers/index.ts';
import { insertCustomer } from '../apps/server/src/modules/tenancy/index.ts';
import { createTestContext } from '../apps/server/src/testing/context.ts';
import type { DatabaseKind } from '../apps/server/src/testing/databases.ts';
import { benchCommandLine, rounded } from './support/command-line.ts';

const { values, report } = benchCommandLine(
  'license-manager',
  {
    users: { type: 'string', default: '10000' },
    tenants: { type: 'string', default: '4' },
    runs: { type: 'string', default: '30' },
  },
  { users: '1000', tenants: '2', runs: '5' },
);
const usersPerTenant = Number(values.users);
const tenants = Number(values.tenants);
const runs = Number(values.runs);

const base = { limit: 50, offset: 0 };
const cases: { name: string; key: string; query: UsersQuery | ((cursor: string) => UsersQuery) }[] = [
  { name: 'first page (50, by email) + total', key: 'firstPage', query: base },
  { name: 'page at offset 9,000', key: 'pageAt9000', query: { ...base, offset: 9000 } },
  { name: 'search "user0424" (email or name)', key: 'search', query: { ...base, q: 'user0424' } },
  {
    name: 'org unit /Sales + Standard + not suspended',
    key: 'orgUnitLicenseActive',
    query: { ...base, orgUnit: '/Sales', license: 'standard', suspended: false },
  },
  { name: 'admins only', key: 'adminsOnly', query: { ...base, admin: true } },
];

/** Median ms with and without the indexes, and their ratio, by query. */
async function measure(kind: DatabaseKind): Promise<Record<string, unknown>> {
  const ctx = await createTestContext(kind);
  try {
    const deps = createCustomersDeps(ctx, { hooks: backupCustomerHooks(ctx) });
    const now = ctx.clock.now();
    const ids: string[] = [];
    for (let t = 0; t < tenants; t++) {
      const id = randomUUID();
      ids.push(id);
      await insertCustomer(ctx.db, { id, domain: `t${t}.bench`, name: `T${t}` });
      for (let start = 0; start < usersPerTenant; start += 1000) {
        await insertDirectoryUsers(
          ctx.db,
          Array.from({ length: Math.min(1000, usersPerTenant - start) }, (_, offset) => {
            const n = start + offset;
            return {
              id: randomUUID(),
              customerId: id,
              googleId: `g${n}`,
              primaryEmail: `user${String(n).padStart(5, '0')}@t${t}.bench`,
              fullName: `User ${n}`,
              isAdmin: n % 500 === 0,
              orgUnitPath: n % 10 === 0 ? '/Sales/EMEA' : n % 10 === 1 ? '/Sales' : '/Engineering',
              suspended: n % 100 === 7,
              license: n % 3 === 0 ? ('standard' as const) : null,
              firstSeenAt: now,
              lastSyncedAt: now,
            };
          }),
        );
      }
    }
    await ctx.db.execute(sql`analyze directory_users`);
    const target = ids[1] as string;
    const system = { kind: 'system' } as const;
    const timeCase = async (query: UsersQuery): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < runs + 3; i++) {
        const started = performance.now();
        await listDirectoryUsers(deps, system, target, query);
        if (i >= 3) samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      return samples[Math.floor(samples.length / 2)] as number;
    };
    const withIndexes: number[] = [];
    for (const item of cases) withIndexes.push(await timeCase(item.query as UsersQuery));
    for (const index of ['directory_users_email_idx', 'directory_users_license_idx', 'directory_users_org_unit_idx']) {
      await ctx.db.execute(sql.raw(`drop index ${index}`));
    }
    // The unique (customer_id, google_id) index would still narrow to the tenant: drop it too.
    await ctx.db.execute(sql.raw('drop index directory_users_google_id_key'));
    await ctx.db.execute(sql`analyze directory_users`);
    const without: number[] = [];
    for (const item of cases) without.push(await timeCase(item.query as UsersQuery));
    process.stdout.write(
      `\n${kind}: ${tenants} tenants × ${usersPerTenant} users, median of ${runs} runs (ms), listDirectoryUsers incl. count\n`,
    );
    process.stdout.write(`| query | with indexes | no indexes (reference) | speed-up |\n|---|---|---|---|\n`);
    const figures: Record<string, unknown> = {};
    cases.forEach((item, i) => {
      const a = withIndexes[i] as number;
      const b = without[i] as number;
      process.stdout.write(`| ${item.name} | ${a.toFixed(2)} | ${b.toFixed(2)} | ${(b / a).toFixed(1)}× |\n`);
      figures[item.key] = { ms: rounded(a), withoutIndexesMs: rounded(b), speedup: rounded(b / a, 1) };
    });
    return figures;
  } finally {
    await ctx.close();
  }
}

const pglite = await measure('pglite');
const postgres = process.env.TEST_DATABASE_URL ? await measure('postgres') : undefined;
report({ usersPerTenant, tenants, runs, pglite, ...(postgres ? { postgres } : {}) });
