// Test support for tests that need backed-up data (the backup module's own and browse, search,
// export, restore, customers, bench): an emulator domain, a test context with a temporary
// storage directory, a customer with repository keys, the Google client pointed at the
// emulator, and `startTestBackup`, which starts a backup as the product does (startBackup, as the
// operator) rather than behind the policy's and the audit log's back.

import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type EmulatorOptions, type RunningEmulator, startEmulator } from '@safehold/emulator';
import { createGoogleClient, type GoogleClient } from '@safehold/google';
import { and, eq, gt, inArray, isNull, lte, or, sql } from 'drizzle-orm';
import type { AppContext } from '../context.ts';
import {
  type BackupService,
  type BackupSubject,
  backupServices,
  type ChosenSource,
  createTenantRepositoryKeys,
  type EnqueuedRun,
  ensureSources,
  type RunResult,
  type RunSourceOptions,
  runQueuedInProcess,
  startBackup,
} from '../modules/backup/index.ts';
import { backupItemVersions, backupRunErrors, backupRuns, backupSources } from '../modules/backup/tables.ts';
import { customers } from '../modules/tenancy/tables.ts';
import { createTestContext, type TestContext } from './context.ts';
import type { DatabaseKind } from './databases.ts';

export interface BackupFixture {
  ctx: TestContext;
  emulator: RunningEmulator;
  google: GoogleClient;
  customerId: string;
  domain: string;
  users: BackupSubject[];
  close(): Promise<void>;
}

export async function backupFixture(
  kind: DatabaseKind,
  options: {
    users?: number;
    generate?: EmulatorOptions['generate'];
    /** Where the context's log lines go (tests that read them). */
    logs?: NodeJS.WritableStream;
  } = {},
): Promise<BackupFixture> {
  const domain = `${kind}.backup.test`;
  // One seed per database kind: two emulators with the same seed in one process share
  // rendered-content caches, which mixes up their mutated mailboxes.
  const emulator = await startEmulator({
    seed: `backup-${kind}`,
    domain,
    users: options.users ?? 2,
    generate: {
      messagesPerUser: 12,
      filesPerUser: 6,
      eventsPerUser: 4,
      contactsPerUser: 4,
      sharedDrives: 0,
      ...options.generate,
    },
  });
  const storage = mkdtempSync(path.join(tmpdir(), 'safehold-backup-'));
  const ctx = await createTestContext(kind, {
    env: { SAFEHOLD_STORAGE_URL: storage },
    ...(options.logs ? { logs: options.logs } : {}),
  });
  const customerId = randomUUID();
  await ctx.db.insert(customers).values({ id: customerId, domain, name: 'Backup Test' });
  await createTenantRepositoryKeys(ctx, customerId);
  const google = createGoogleClient({
    serviceAccountKey: emulator.serviceAccountKey,
    retry: { baseDelayMs: 5, maxDelayMs: 50, maxRetryAfterMs: 2000 },
  });
  const users: BackupSubject[] = [];
  for await (const user of google.directory.listUsers(`admin@${domain}`, { domain })) {
    users.push({ kind: 'user', id: user.id, email: user.primaryEmail });
  }
  return {
    ctx,
    emulator,
    google,
    customerId,
    domain,
    users,
    async close() {
      await ctx.close();
      await emulator.stop();
      rmSync(storage, { recursive: true, force: true });
    },
  };
}

export interface BackUpOptions {
  /** Subjects to back up; default: every source already registered for the tenant. */
  subjects?: readonly BackupSubject[];
  /** Services; default: all four (shared drives: drive only). */
  services?: readonly BackupService[];
  trigger: 'scheduled' | 'on_demand';
  /** Resolve only when every run ended (in this process when no worker runs here, as the CLI's --wait). */
  wait?: boolean;
  /** Passed to in-process runs (tests inject the Google client and hooks). */
  runOptions?: RunSourceOptions;
  /** In-process runs at once. Default 4. */
  concurrency?: number;
  /** In-process runs: called as each run ends. */
  onRunFinished?(run: EnqueuedRun, result: RunResult): void;
}

/**
 * Backs up `subjects × services` of a tenant through startBackup, as the operator at the command
 * line (policy check and audit entry included). The subjects come from the emulator rather than
 * from licensed directory users, so their sources are registered here first (the scheduler's
 * way: a `sources` scope) and the tests need not license anyone.
 */
export async function startTestBackup(
  ctx: AppContext,
  customerId: string,
  options: BackUpOptions,
): Promise<{ runs: EnqueuedRun[]; results?: RunResult[] }> {
  const sources = await registerSources(ctx, customerId, options.subjects, options.services ?? backupServices);
  const inProcess = options.wait === true && !ctx.jobs.started;
  const runs = await startBackup(ctx, {
    customerId,
    scope: { kind: 'sources', sources },
    by: { actor: { kind: 'system' }, audit: { actor: { kind: 'system', label: 'test' } } },
    trigger: options.trigger,
    enqueue: !inProcess,
  });
  if (inProcess) return { runs, results: await runQueuedInProcess(ctx, customerId, runs, options) };
  if (!options.wait) return { runs };
  return { runs, results: await waitForRuns(ctx, runs) };
}

/** Upserts the source rows of `subjects × services` (shared drives: Drive only), or lists the registered ones. */
async function registerSources(
  ctx: Pick<AppContext, 'db'>,
  customerId: string,
  subjects: readonly BackupSubject[] | undefined,
  services: readonly BackupService[],
): Promise<ChosenSource[]> {
  if (!subjects) {
    const rows = await ctx.db
      .select()
      .from(backupSources)
      .where(and(eq(backupSources.customerId, customerId), inArray(backupSources.service, [...services])));
    return rows.map((row) => ({
      id: row.id,
      subject: { kind: row.subjectKind, id: row.subjectId, email: row.subjectEmail },
      service: row.service,
    }));
  }
  return ensureSources(ctx, customerId, subjects, services);
}

/** Polls until every run has ended (a worker of this process runs them). */
async function waitForRuns(ctx: Pick<AppContext, 'db'>, runs: readonly EnqueuedRun[]): Promise<RunResult[]> {
  const ids = runs.map((run) => run.runId);
  for (;;) {
    const rows =
      ids.length === 0
        ? []
        : await ctx.db
            .select({
              id: backupRuns.id,
              sourceId: backupRuns.sourceId,
              status: backupRuns.status,
              error: backupRuns.error,
            })
            .from(backupRuns)
            .where(inArray(backupRuns.id, ids));
    if (rows.every((row) => row.status !== 'queued' && row.status !== 'running')) {
      return rows.map((row) => ({ runId: row.id, sourceId: row.sourceId, status: row.status, error: row.error }));
    }
    await new Promise((resolve) => setTimeout(resolve, 500));
  }
}

/** Current (or as-of `at`) versions of one user's service. */
export async function versionsOf(
  fixture: BackupFixture,
  email: string,
  service: string,
  at?: Date,
): Promise<(typeof backupItemVersions.$inferSelect)[]> {
  const [source] = await fixture.ctx.db
    .select()
    .from(backupSources)
    .where(and(eq(backupSources.subjectEmail, email), eq(backupSources.service, service as 'gmail')));
  if (!source) return [];
  const v = backupItemVersions;
  const condition = at
    ? and(lte(v.validFrom, at), or(isNull(v.validTo), gt(v.validTo, at)))
    : isNull(backupItemVersions.validTo);
  return fixture.ctx.db
    .select()
    .from(backupItemVersions)
    .where(and(eq(backupItemVersions.sourceId, source.id), condition));
}

export async function runRow(fixture: BackupFixture, runId: string): Promise<typeof backupRuns.$inferSelect> {
  const [row] = await fixture.ctx.db.select().from(backupRuns).where(eq(backupRuns.id, runId));
  if (!row) throw new Error(`no run ${runId}`);
  return row;
}

/** Requests the emulator counted per endpoint for one user (since the last reset). */
export function requestCounts(emulator: RunningEmulator, email: string): Record<string, number> {
  const counts: Record<string, number> = {};
  for (const entry of emulator.control.counters()) {
    if (entry.user === email) counts[entry.endpoint] = (counts[entry.endpoint] ?? 0) + entry.count;
  }
  return counts;
}

// ---- rows for bench and tests that build a backup history without running backups ----------

/** Inserts source rows as they are (bench's synthetic tenants). */
export async function insertSourceRows(
  db: AppContext['db'],
  rows: Array<typeof backupSources.$inferInsert>,
): Promise<void> {
  if (rows.length > 0) await db.insert(backupSources).values(rows);
}

/** Inserts run rows as they are. */
export async function insertRunRows(db: AppContext['db'], rows: Array<typeof backupRuns.$inferInsert>): Promise<void> {
  if (rows.length > 0) await db.insert(backupRuns).values(rows);
}

/** Inserts item-level run errors as they are. */
export async function insertRunErrorRows(
  db: AppContext['db'],
  rows: Array<typeof backupRunErrors.$inferInsert>,
): Promise<void> {
  if (rows.length > 0) await db.insert(backupRunErrors).values(rows);
}

/** How many runs of the installation are queued or running (any tenant). */
export async function openRunCount(db: AppContext['db']): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(backupRuns)
    .where(inArray(backupRuns.status, ['queued', 'running']));
  return Number(row?.n ?? 0);
}

/** How many runs of the installation ended failed. */
export async function failedRunCount(db: AppContext['db']): Promise<number> {
  const [row] = await db
    .select({ n: sql<number>`count(*)::int` })
    .from(backupRuns)
    .where(eq(backupRuns.status, 'failed'));
  return Number(row?.n ?? 0);
}

/** The tenant's sources of one service with their last success. */
export async function sourcesOfService(
  db: AppContext['db'],
  customerId: string,
  service: BackupService,
): Promise<Array<{ id: string; lastSuccessAt: Date | null }>> {
  return db
    .select({ id: backupSources.id, lastSuccessAt: backupSources.lastSuccessAt })
    .from(backupSources)
    .where(and(eq(backupSources.customerId, customerId), eq(backupSources.service, service)));
}

/** The current versions (object id and key) of one subject's service. */
export async function currentVersionsOf(
  db: AppContext['db'],
  email: string,
  service: BackupService,
): Promise<Array<{ objectId: string; itemKey: string }>> {
  return db
    .select({ objectId: backupItemVersions.objectId, itemKey: backupItemVersions.itemKey })
    .from(backupItemVersions)
    .innerJoin(backupSources, eq(backupSources.id, backupItemVersions.sourceId))
    .where(
      and(
        eq(backupSources.subjectEmail, email),
        eq(backupSources.service, service),
        isNull(backupItemVersions.validTo),
      ),
    );
}
