import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { readdirSync, rmSync } from 'node:fs';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { AppContext } from '../../context.ts';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import { createTestContext, forEachDatabase } from '../../testing/context.ts';
import { collectGarbage } from './maintenance.ts';
import { exportTenantKeys, RecoverError, recoverTenant, rowsFromManifests } from './recover.ts';
import { pruneByAge, setRetention } from './retention.ts';
import type { RunSourceOptions } from './run-source.ts';
import {
  backupItemVersions,
  backupRunErrors,
  backupRuns,
  backupSources,
  repositoryBlobs,
  repositoryPacks,
} from './tables.ts';
import { openTenantRepository, tenantRepositoryLocation } from './tenant-repository.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

type Version = typeof backupItemVersions.$inferSelect;

/** Versions as of `at` for one source, without the database-assigned id, in a stable order. */
async function asOf(ctx: AppContext, sourceId: string, at: Date) {
  const rows = await ctx.db.select().from(backupItemVersions).where(eq(backupItemVersions.sourceId, sourceId));
  return rows
    .filter((row) => row.validFrom <= at && (row.validTo === null || row.validTo > at))
    .map(({ id: _id, ...rest }: Version) => rest)
    .sort((a, b) => a.itemKey.localeCompare(b.itemKey) || a.version - b.version);
}

async function allVersions(ctx: AppContext, customerId: string) {
  const rows = await ctx.db.select().from(backupItemVersions).where(eq(backupItemVersions.customerId, customerId));
  return rows
    .map(({ id: _id, ...rest }: Version) => rest)
    .sort(
      (a, b) => a.sourceId.localeCompare(b.sourceId) || a.itemKey.localeCompare(b.itemKey) || a.version - b.version,
    );
}

async function runsOf(ctx: AppContext, customerId: string) {
  const rows = await ctx.db.select().from(backupRuns).where(eq(backupRuns.customerId, customerId));
  return rows
    .map((row) => ({
      id: row.id,
      sourceId: row.sourceId,
      trigger: row.trigger,
      error: row.error,
      skipped: row.skipped,
      failed: row.failed,
      bytes: row.bytes,
      status: row.status,
      mode: row.mode,
      added: row.added,
      changed: row.changed,
      deleted: row.deleted,
      items: row.items,
      snapshotId: row.snapshotId,
      startedAt: row.startedAt,
      finishedAt: row.finishedAt,
    }))
    .sort((a, b) => a.id.localeCompare(b.id));
}

async function errorsOf(ctx: AppContext, customerId: string) {
  const rows = await ctx.db.select().from(backupRunErrors).where(eq(backupRunErrors.customerId, customerId));
  return rows
    .map((row) => ({ runId: row.runId, itemKey: row.itemKey, reason: row.reason }))
    .sort((a, b) => a.runId.localeCompare(b.runId) || a.itemKey.localeCompare(b.itemKey));
}

forEachDatabase('recover', (kind) => {
  let f: BackupFixture;
  /** Backup points (run end times) of every source, with the versions as of each. */
  const points: Array<{ sourceId: string; at: Date; versions: Awaited<ReturnType<typeof asOf>> }> = [];
  let versionsBefore: Awaited<ReturnType<typeof allVersions>>;
  let runsBefore: Awaited<ReturnType<typeof runsOf>>;
  let sourcesBefore: (typeof backupSources.$inferSelect)[];
  let errorsBefore: Awaited<ReturnType<typeof errorsOf>> = [];
  /** sha256 of each stored object's bytes, read before the loss. */
  const contentBefore = new Map<string, string>();

  before(async () => {
    f = await backupFixture(kind, { users: 1, generate: { messagesPerUser: 8, filesPerUser: 3 } });
    const user = f.users[0];
    assert.ok(user);
    const backUp = async (
      services: Array<'gmail' | 'drive'> = ['gmail', 'drive'],
      runOptions: RunSourceOptions = {},
    ) => {
      f.ctx.clock.advance(60_000);
      await startTestBackup(f.ctx, f.customerId, {
        subjects: [user],
        services,
        trigger: 'on_demand',
        wait: true,
        runOptions: { google: f.google, ...runOptions },
      });
    };
    await backUp();
    const [first, second] = await f.ctx.db
      .select()
      .from(backupItemVersions)
      .where(eq(backupItemVersions.customerId, f.customerId));
    assert.ok(first && second);
    // Changes between the two backup points: one mail deleted, one relabelled, one added.
    const mails = (await f.ctx.db.select().from(backupItemVersions)).filter((row) =>
      Array.isArray(row.metadata.labelIds),
    );
    f.emulator.control.deleteMessage({ email: user.email, id: (mails[0] as Version).itemKey });
    f.emulator.control.relabelMessage({ email: user.email, id: (mails[1] as Version).itemKey, add: ['STARRED'] });
    f.emulator.control.addMessage({ email: user.email, subject: 'Between the backups', body: 'hello' });
    await backUp();
    // A run that fails after committing one item (its manifest records a failed run with an
    // error), then the run that completes the source.
    f.emulator.control.addMessage({ email: user.email, subject: 'Third', body: 'a' });
    f.emulator.control.addMessage({ email: user.email, subject: 'Fourth', body: 'b' });
    await backUp(['gmail'], {
      groupSize: 1,
      hooks: {
        afterCommit() {
          throw new Error('worker killed');
        },
      },
    });
    await backUp(['gmail']);
    // A partial run: one new message cannot be read (its item error is in the manifest).
    f.emulator.control.addMessage({ email: user.email, subject: 'Unreadable', body: 'c' });
    f.emulator.control.setFaults([
      { endpoint: 'gmail.users.messages.get', errorRate: 1, status: 403, reason: 'forbidden', message: 'Forbidden' },
    ]);
    try {
      await backUp(['gmail']);
    } finally {
      f.emulator.control.setFaults([]);
    }

    sourcesBefore = await f.ctx.db.select().from(backupSources).where(eq(backupSources.customerId, f.customerId));
    runsBefore = await runsOf(f.ctx, f.customerId);
    assert.equal(runsBefore.length, 7);
    const statuses = runsBefore.map((run) => run.status).sort();
    assert.deepEqual(statuses, ['failed', 'partial', 'success', 'success', 'success', 'success', 'success']);
    errorsBefore = await errorsOf(f.ctx, f.customerId);
    assert.equal(errorsBefore.length, 1);
    assert.ok(runsBefore.every((run) => run.snapshotId));
    for (const run of runsBefore)
      points.push({
        sourceId: run.sourceId,
        at: run.finishedAt as Date,
        versions: await asOf(f.ctx, run.sourceId, run.finishedAt as Date),
      });
    versionsBefore = await allVersions(f.ctx, f.customerId);
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      for (const version of versionsBefore)
        contentBefore.set(version.objectId, sha256(await repository.readAll(version.objectId)));
    } finally {
      await repository.close();
    }
    assert.ok(
      versionsBefore.some((version) => version.validTo !== null),
      'some versions were closed',
    );
  });
  after(async () => {
    await f?.close();
  });

  /** The tenant's backup rows and blob index lost; its customer and keys rows survive. */
  async function loseBackupRows() {
    const db = f.ctx.db;
    await db.delete(backupRunErrors).where(eq(backupRunErrors.customerId, f.customerId));
    await db.delete(backupItemVersions).where(eq(backupItemVersions.customerId, f.customerId));
    await db.delete(backupRuns).where(eq(backupRuns.customerId, f.customerId));
    await db.delete(backupSources).where(eq(backupSources.customerId, f.customerId));
    await db.delete(repositoryBlobs).where(eq(repositoryBlobs.customerId, f.customerId));
    await db.delete(repositoryPacks).where(eq(repositoryPacks.customerId, f.customerId));
  }

  async function assertRecovered(ctx: AppContext) {
    assert.deepEqual(await allVersions(ctx, f.customerId), versionsBefore);
    for (const point of points) assert.deepEqual(await asOf(ctx, point.sourceId, point.at), point.versions);
    assert.deepEqual(await runsOf(ctx, f.customerId), runsBefore);
    assert.deepEqual(await errorsOf(ctx, f.customerId), errorsBefore);
    const sources = await ctx.db.select().from(backupSources).where(eq(backupSources.customerId, f.customerId));
    assert.deepEqual(
      sources.map(({ createdAt: _c, ...rest }) => rest).sort((a, b) => a.id.localeCompare(b.id)),
      sourcesBefore.map(({ createdAt: _c, ...rest }) => rest).sort((a, b) => a.id.localeCompare(b.id)),
      'sources come back with the cursor of their last successful run',
    );
    // Reads go through the rebuilt PostgreSQL blob index: byte-identical content.
    await assertContent(ctx, versionsBefore);
  }

  /** Every version's content reads back as it was before the rows were lost. */
  async function assertContent(ctx: AppContext, versions: ReadonlyArray<{ objectId: string }>) {
    const repository = await openTenantRepository(ctx, f.customerId);
    try {
      for (const version of versions)
        assert.equal(sha256(await repository.readAll(version.objectId)), contentBefore.get(version.objectId));
    } finally {
      await repository.close();
    }
  }

  it('refuses a tenant that still has its backup rows', async () => {
    await assert.rejects(recoverTenant(f.ctx, { domain: f.domain }), RecoverError);
  });

  it('rebuilds runs, item versions as of every backup point and the blob index when only the backup rows were lost', async () => {
    await loseBackupRows();

    const report = await recoverTenant(f.ctx, { domain: f.domain.toUpperCase() });
    assert.equal(report.ok, true, report.problems.join('; '));
    assert.equal(report.keys, 'database');
    assert.equal(report.runs, 7);
    assert.equal(report.versions, versionsBefore.length);
    assert.ok(report.packs > 0);
    await assertRecovered(f.ctx);
  });

  it('reads packs that no index file names from their headers and reports them', async () => {
    await loseBackupRows();
    const indexDir = path.join(tenantRepositoryLocation(f.ctx.config.storageUrl, f.customerId), 'index');
    for (const file of readdirSync(indexDir)) rmSync(path.join(indexDir, file));

    const report = await recoverTenant(f.ctx, { domain: f.domain });
    assert.equal(report.ok, true, report.problems.join('; '));
    assert.ok(report.packsFromHeaders > 0);
    assert.equal(report.packsFromHeaders, report.packs);
    await assertRecovered(f.ctx);
  });

  it('recreates the customer and keys rows from an exported key file when the whole database was lost', async () => {
    const exported = await exportTenantKeys(f.ctx, f.domain);
    assert.equal(exported.customerId, f.customerId);
    const fresh = await createTestContext(kind, { env: { SAFEHOLD_STORAGE_URL: f.ctx.config.storageUrl } });
    try {
      // Without the key file there is nothing to open the repository with.
      await assert.rejects(recoverTenant(fresh, { domain: f.domain }), /--keys FILE/);
      // A different master key cannot unwrap the exported keys.
      await assert.rejects(recoverTenant(fresh, { keys: exported }), /master key/);
      const ctx: AppContext = { ...fresh, masterKey: f.ctx.masterKey };
      const report = await recoverTenant(ctx, { keys: exported });
      assert.equal(report.ok, true, report.problems.join('; '));
      assert.equal(report.keys, 'file');
      assert.equal(report.domain, f.domain);
      await assertRecovered(ctx);
    } finally {
      await fresh.close();
    }
  });

  it('leaves out the versions that retention deleted and gc emptied, and recovers the rest readable', async () => {
    // Keep closed versions one day; two days later retention deletes them and gc (repacking any
    // pack with dead bytes) their content.
    const day = { value: 1, unit: 'days' } as const;
    await setRetention(f.ctx, f.customerId, { mail: day, drive: day, sharedDrives: day });
    f.ctx.clock.advance(2 * 24 * 3600_000);
    const { items: deleted } = await pruneByAge(f.ctx, f.customerId);
    assert.ok(deleted > 0, 'retention deleted closed versions');
    const gcReport = await collectGarbage(f.ctx, f.customerId, { repackBelow: 1 });
    assert.ok(gcReport.deletedPacks > 0, 'gc deleted packs');
    const kept = await allVersions(f.ctx, f.customerId);
    const keptObjects = new Set(kept.map((version) => version.objectId));
    const gone = versionsBefore.filter((version) => !keptObjects.has(version.objectId));
    const repository = await openTenantRepository(f.ctx, f.customerId);
    let unreadable = 0;
    try {
      for (const version of gone) await repository.readAll(version.objectId).catch(() => unreadable++);
    } finally {
      await repository.close();
    }
    assert.ok(
      unreadable > 0,
      `gc removed the content of some deleted versions: ${JSON.stringify({ deleted, gone: gone.length, gcReport })}`,
    );

    await loseBackupRows();
    const report = await recoverTenant(f.ctx, { domain: f.domain });
    assert.equal(report.ok, true, report.problems.join('; '));
    assert.equal(report.versionsWithoutContent, unreadable);
    assert.equal(report.versions, versionsBefore.length - unreadable);
    const recovered = await allVersions(f.ctx, f.customerId);
    const recoveredKeys = new Set(
      recovered.map((version) => `${version.sourceId} ${version.itemKey} ${version.version}`),
    );
    for (const version of kept)
      assert.ok(
        recoveredKeys.has(`${version.sourceId} ${version.itemKey} ${version.version}`),
        'what retention kept is back',
      );
    await assertContent(f.ctx, recovered);
  });

  it('reports a pack the index files name but the storage lost, and leaves out the versions it held', async () => {
    const versions = await allVersions(f.ctx, f.customerId);
    const [holder] = await f.ctx.db
      .select({ pack: repositoryBlobs.pack })
      .from(repositoryBlobs)
      .where(eq(repositoryBlobs.blobId, versions[0]!.objectId));
    assert.ok(holder);
    const location = tenantRepositoryLocation(f.ctx.config.storageUrl, f.customerId);
    rmSync(path.join(location, 'data', holder.pack.slice(0, 2), holder.pack));

    await loseBackupRows();
    const report = await recoverTenant(f.ctx, { domain: f.domain });
    assert.equal(report.ok, false);
    assert.ok(
      report.problems.some((problem) => problem.includes(holder.pack) && problem.includes('missing')),
      report.problems.join('; '),
    );
    assert.ok(report.versionsWithoutContent > 0, 'the versions whose content was in the lost pack are left out');
    const recovered = await allVersions(f.ctx, f.customerId);
    assert.ok(!recovered.some((version) => version.objectId === versions[0]!.objectId));
    assert.equal(recovered.length, report.versions);
    assert.equal(
      report.versions + report.versionsWithoutContent,
      versionsBefore.length,
      'every manifest version is counted',
    );
  });
});

it('replays v1 manifests (versions only): a version closed by a later manifest ends closed and run counters are derived', () => {
  const customerId = '00000000-0000-4000-8000-000000000001';
  const source = {
    id: '00000000-0000-4000-8000-000000000002',
    subjectKind: 'user' as const,
    subjectId: 'u1',
    subjectEmail: 'a@example.com',
    service: 'gmail' as const,
  };
  const first = '00000000-0000-4000-8000-000000000003';
  const second = '00000000-0000-4000-8000-000000000004';
  const version = (key: string, n: number, runId: string, validFrom: string, close?: [string, string]) => ({
    key,
    version: n,
    objectId: 'a'.repeat(64),
    contentHash: 'h',
    size: 1,
    metadata: {},
    validFrom,
    validTo: close?.[0] ?? null,
    runId,
    closedByRunId: close?.[1] ?? null,
  });
  const t1 = '2026-01-01T00:00:00.000Z';
  const t2 = '2026-01-02T00:00:00.000Z';
  const manifests = [
    {
      v: 1 as const,
      customerId,
      source,
      run: { id: first, status: 'success' as const, mode: 'full', startedAt: t1, finishedAt: t1 },
      cursor: { historyId: '1' },
      versions: [version('m1', 1, first, t1), version('m2', 1, first, t1)],
    },
    {
      v: 1 as const,
      customerId,
      source,
      run: { id: second, status: 'success' as const, mode: 'incremental', startedAt: t2, finishedAt: t2 },
      cursor: { historyId: '2' },
      versions: [
        version('m1', 1, first, t1, [t2, second]),
        version('m1', 2, second, t2),
        version('m2', 1, first, t1, [t2, second]),
      ],
    },
  ];
  // Replayed newest first on purpose: the closing must win whatever the order.
  const rows = rowsFromManifests(customerId, [...manifests].reverse(), new Map());
  assert.equal(rows.versions.length, 3);
  assert.ok(rows.versions.filter((row) => row.version === 1).every((row) => row.validTo?.toISOString() === t2));
  const run = (id: string) => rows.runs.find((row) => row.id === id);
  assert.deepEqual(
    [run(first)?.added, run(first)?.changed, run(first)?.deleted, run(first)?.items, run(first)?.trigger],
    [2, 0, 0, 2, 'scheduled'],
  );
  assert.deepEqual([run(second)?.added, run(second)?.changed, run(second)?.deleted, run(second)?.items], [0, 1, 1, 1]);
  assert.deepEqual(rows.sources[0]?.cursor, { historyId: '2' }, 'the cursor of the latest successful run');
});
