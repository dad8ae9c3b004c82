// `npm run bench -- customer-dashboard [--users N] [--runs N] [--quick] [--json]`: how the customer Dashboard's backup API performs on a
// 10,000-user tenant (all licensed; 90% with every service backed up, a run per source, 1% of
// the latest runs failed with an item error), on PGlite and — with TEST_DATABASE_URL — on
// PostgreSQL. Measured: getBackupSummary (GET …/backup/summary) and listUserBackups
// (GET …/backup/users: first page, page at offset 9,000, a search). Reference, same run:
// getBackupStatus (GET …/backup/status), which reads every source of the tenant — what the
// Dashboard would need without the paged per-user read.
import { randomUUID } from 'node:crypto';
import { sql } from 'drizzle-orm';
import {
  backupServices,
  getBackupStatus,
  getBackupSummary,
  listUserBackups,
} from '../apps/server/src/modules/backup/index.ts';
import { insertDirectoryUsers } from '../apps/server/src/modules/customers/index.ts';
import { insertCustomer } from '../apps/server/src/modules/tenancy/index.ts';
import { insertRunErrorRows, insertRunRows, insertSourceRows } from '../apps/server/src/testing/backup.ts';
import { createTestContext } from '../apps/server/src/testing/context.ts';
import type { DatabaseKind } from '../apps/server/src/testing/databases.ts';
import { benchCommandLine, rounded } from './support/command-line.ts';

const { values, report } = benchCommandLine(
  'customer-dashboard',
  { users: { type: 'string', default: '10000' }, runs: { type: 'string', default: '20' } },
  { users: '1000', runs: '5' },
);
const users = Number(values.users);
const runs = Number(values.runs);

/** Median ms of the reference and of each call, and reference / call, by call. */
async function measure(kind: DatabaseKind): Promise<Record<string, unknown>> {
  const ctx = await createTestContext(kind);
  try {
    const customerId = randomUUID();
    const now = ctx.clock.now();
    await insertCustomer(ctx.db, { id: customerId, domain: 'dash.bench', name: 'Dash' });
    for (let start = 0; start < users; start += 500) {
      const batch = Array.from({ length: Math.min(500, users - start) }, (_, offset) => start + offset);
      await insertDirectoryUsers(
        ctx.db,
        batch.map((n) => ({
          id: randomUUID(),
          customerId,
          googleId: `g${n}`,
          primaryEmail: `user${String(n).padStart(5, '0')}@dash.bench`,
          fullName: `User ${n}`,
          license: 'standard' as const,
          licensedAt: now,
          firstSeenAt: now,
          lastSyncedAt: now,
        })),
      );
      const sources = batch.flatMap((n) =>
        backupServices.map((service) => ({
          id: randomUUID(),
          customerId,
          subjectKind: 'user' as const,
          subjectId: `g${n}`,
          subjectEmail: `user${String(n).padStart(5, '0')}@dash.bench`,
          service,
          lastSuccessAt: n % 10 === 9 ? null : now,
          n,
        })),
      );
      await insertSourceRows(
        ctx.db,
        sources.map(({ n: _n, ...source }) => source),
      );
      const runRows = sources.map((source) => {
        const failed = source.n % 100 === 9 && source.service === 'gmail';
        return {
          id: randomUUID(),
          customerId,
          sourceId: source.id,
          trigger: 'scheduled' as const,
          status: failed ? ('failed' as const) : source.lastSuccessAt ? ('success' as const) : ('queued' as const),
          error: failed ? 'Google answered 500' : null,
          // The figures the Users page sums (items and bytes at the backup point).
          items: source.lastSuccessAt ? 500 + source.n : 0,
          storedBytes: source.lastSuccessAt ? (500 + source.n) * 40_000 : 0,
          queuedAt: now,
          startedAt: source.lastSuccessAt || failed ? now : null,
          finishedAt: source.lastSuccessAt || failed ? now : null,
        };
      });
      await insertRunRows(ctx.db, runRows);
      const failedRuns = runRows.filter((run) => run.status === 'failed');
      await insertRunErrorRows(
        ctx.db,
        failedRuns.map((run) => ({ runId: run.id, customerId, itemKey: 'message 1', reason: 'HTTP 500' })),
      );
    }
    for (const table of ['directory_users', 'backup_sources', 'backup_runs', 'backup_run_errors']) {
      await ctx.db.execute(sql.raw(`analyze ${table}`));
    }
    const median = async (work: () => Promise<unknown>): Promise<number> => {
      const samples: number[] = [];
      for (let i = 0; i < runs + 2; i++) {
        const started = performance.now();
        await work();
        if (i >= 2) samples.push(performance.now() - started);
      }
      samples.sort((a, b) => a - b);
      return samples[Math.floor(samples.length / 2)] as number;
    };
    const reference = await median(() => getBackupStatus(ctx, customerId));
    const cases: [string, () => Promise<unknown>, string][] = [
      ['summary (coverage, 24 h, in progress, failures)', () => getBackupSummary(ctx, customerId), 'summary'],
      ['users: first page (25)', () => listUserBackups(ctx, customerId, { limit: 25, offset: 0 }), 'usersFirstPage'],
      [
        'users: all, first page (25)',
        () => listUserBackups(ctx, customerId, { users: 'all', limit: 25, offset: 0 }),
        'allUsersFirstPage',
      ],
      [
        'users: page at offset 9,000',
        () => listUserBackups(ctx, customerId, { limit: 25, offset: 9000 }),
        'usersPageAt9000',
      ],
      [
        'users: search "user0424"',
        () => listUserBackups(ctx, customerId, { q: 'user0424', limit: 25, offset: 0 }),
        'usersSearch',
      ],
    ];
    process.stdout.write(
      `\n${kind}: ${users} licensed users, ${users * 4} sources and runs, median of ${runs} runs (ms)\n` +
        `reference getBackupStatus (all sources): ${reference.toFixed(2)}\n` +
        '| call | ms | reference / call |\n|---|---|---|\n',
    );
    const figures: Record<string, unknown> = { referenceMs: rounded(reference) };
    for (const [name, work, key] of cases) {
      const ms = await median(work);
      process.stdout.write(`| ${name} | ${ms.toFixed(2)} | ${(reference / ms).toFixed(1)}× |\n`);
      figures[key] = { ms: rounded(ms), referenceRatio: rounded(reference / ms, 1) };
    }
    return figures;
  } finally {
    await ctx.close();
  }
}

const pglite = await measure('pglite');
const postgres = process.env.TEST_DATABASE_URL ? await measure('postgres') : undefined;
report({ users, runs, pglite, ...(postgres ? { postgres } : {}) });
