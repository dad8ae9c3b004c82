import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { type Backend, backendFromUrl, createRepositoryIndex } from '@safehold/repository';
import { eq } from 'drizzle-orm';
import { createMetrics } from '../../metrics/metrics.ts';
import { type BackupFixture, backupFixture, runRow, startTestBackup } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { BACKUP_JOB, defineBackupJobs } from './backup-jobs.ts';
import { backupItemVersions, backupRuns, repositoryPacks, tenantRepositoryKeys } from './tables.ts';
import {
  countingPackWrites,
  openTenantRepository,
  TenantRepositoryMissingError,
  tenantKeys,
  unwrapTenantKeys,
  wrapTenantKeys,
} from './tenant-repository.ts';

forEachDatabase('tenant repository, manifests and jobs', (kind) => {
  let f: BackupFixture;
  let runId: string;
  before(async () => {
    f = await backupFixture(kind, { users: 2, generate: { messagesPerUser: 6 } });
    const { runs } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [f.users[1] as (typeof f.users)[number]],
      services: ['gmail'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    runId = runs[0]?.runId as string;
  });
  after(async () => {
    await f?.close();
  });

  it('keeps the tenant keys sealed by the master key, bound to the customer', async () => {
    const [row] = await f.ctx.db
      .select()
      .from(tenantRepositoryKeys)
      .where(eq(tenantRepositoryKeys.customerId, f.customerId));
    assert.ok(row);
    const { keys } = await tenantKeys(f.ctx, f.customerId);
    const wrapped = Buffer.from(row.wrappedKeys, 'base64');
    assert.equal(wrapped.indexOf(Buffer.from(keys.dataKey)), -1, 'the raw data key is not stored');
    assert.throws(
      () => unwrapTenantKeys(randomBytes(32), f.customerId, row.wrappedKeys),
      'another master key cannot open them',
    );
    const other = wrapTenantKeys(f.ctx.masterKey, f.customerId, keys);
    assert.throws(
      () => unwrapTenantKeys(f.ctx.masterKey, crypto.randomUUID(), other),
      'keys are bound to their customer',
    );
  });

  it('writes a manifest per run from which the item history can be rebuilt, and index files for recovery', async () => {
    const run = await runRow(f, runId);
    assert.equal(run.status, 'success');
    const versions = await f.ctx.db.select().from(backupItemVersions).where(eq(backupItemVersions.runId, runId));
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      const snapshot = await repository.readSnapshot(run.snapshotId as string);
      assert.equal(snapshot.kind, 'backup-run');
      const data = snapshot.data as {
        run: { id: string };
        cursor: { historyId: string };
        versions: Array<{ key: string; objectId: string }>;
      };
      assert.equal(data.run.id, runId);
      assert.ok(data.cursor.historyId);
      assert.deepEqual(
        data.versions.map((version) => `${version.key}:${version.objectId}`).sort(),
        versions.map((version) => `${version.itemKey}:${version.objectId}`).sort(),
      );
    } finally {
      await repository.close();
    }
    // The in-repository index files name the same packs as the database.
    const { keys, location } = await tenantKeys(f.ctx, f.customerId);
    const files = createRepositoryIndex(await backendFromUrl(location), keys.dataKey);
    await files.load();
    const fromFiles: string[] = [];
    for await (const pack of files.packs()) fromFiles.push(pack.name);
    const fromDb = await f.ctx.db.select().from(repositoryPacks).where(eq(repositoryPacks.customerId, f.customerId));
    assert.ok(fromDb.length > 0);
    assert.deepEqual(fromFiles.sort(), fromDb.map((pack) => pack.name).sort());
  });

  it('runs queued backups in a pg-boss worker', async () => {
    defineBackupJobs(
      f.ctx.jobs,
      () => f.ctx,
      () => ({ google: f.google }),
    );
    await f.ctx.jobs.start({ work: true });
    try {
      const { results } = await startTestBackup(f.ctx, f.customerId, {
        subjects: [f.users[1] as (typeof f.users)[number]],
        services: ['gmail'],
        trigger: 'on_demand',
        wait: true,
      });
      assert.equal(results?.[0]?.status, 'success');
      const [row] = await f.ctx.db
        .select()
        .from(backupRuns)
        .where(eq(backupRuns.id, results?.[0]?.runId as string));
      assert.equal(row?.mode, 'incremental');
    } finally {
      await f.ctx.jobs.stop({ graceMs: 1000 });
    }
    assert.equal(BACKUP_JOB, 'backup.source');
  });

  it('shares one pool of worker threads among the repositories a process opens', async () => {
    const first = await openTenantRepository(f.ctx, f.customerId);
    const second = await openTenantRepository(f.ctx, f.customerId);
    try {
      assert.equal(first.core.pool, second.core.pool, 'no threads of its own per repository');
      assert.equal(first.core.pool.broken, false);
    } finally {
      await first.close();
      await second.close();
    }
    // Closing a repository leaves the process's pool working for the next one.
    const third = await openTenantRepository(f.ctx, f.customerId);
    try {
      assert.equal(third.core.pool, first.core.pool);
      const run = await runRow(f, runId);
      assert.equal((await third.readSnapshot(run.snapshotId as string)).kind, 'backup-run');
    } finally {
      await third.close();
    }
  });

  it('crypto-shreds the tenant: without its key row the repository cannot be opened', async () => {
    await f.ctx.db.delete(tenantRepositoryKeys).where(eq(tenantRepositoryKeys.customerId, f.customerId));
    await assert.rejects(openTenantRepository(f.ctx, f.customerId), TenantRepositoryMissingError);
  });
});

describe('the pack-counting backend', () => {
  it('counts pack writes and keeps every other member of the backend, Object Lock dates included', async () => {
    const lockedUntil = new Date('2027-01-01T00:00:00Z');
    const stored = new Map<string, Uint8Array>();
    const backend: Backend = {
      location: 'memory://test',
      put: async (name, data) => {
        stored.set(name, data);
      },
      get: async (name) => Buffer.from(stored.get(name) ?? new Uint8Array()),
      list: async function* () {},
      delete: async (name) => {
        stored.delete(name);
      },
      retainedUntil: async (name) => (name.startsWith('data/') ? lockedUntil : null),
    };
    const metrics = createMetrics();
    const counted = countingPackWrites(backend, metrics);
    assert.equal(counted.location, 'memory://test');
    assert.equal(counted.create, undefined, 'no streaming writes where the backend has none');
    assert.deepEqual(await counted.retainedUntil?.(`data/ab/${'ab'.repeat(16)}`), lockedUntil);
    await counted.put(`data/ab/${'ab'.repeat(16)}`, new Uint8Array(10));
    await counted.put('index/x', new Uint8Array(7));
    assert.equal(stored.size, 2);
    const text = await metrics.render();
    assert.match(text, /^safehold_repository_pack_writes_total 1$/m);
    assert.match(text, /^safehold_repository_pack_bytes_total 10$/m);
  });
});
