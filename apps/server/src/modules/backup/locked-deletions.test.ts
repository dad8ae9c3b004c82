// Deleting a tenant's repository under S3 Object Lock (issue 20 item 4): objects within their
// retention are skipped and counted rather than failing the deletion, the location is recorded,
// and the daily maintenance deletes them once the retention has passed — against the proxy in
// front of s3rver that refuses deletes before the retain-until date as AWS does.
import assert from 'node:assert/strict';
import type { ChildProcess } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createRepository, createS3Backend, generateKeys } from '@safehold/repository';
import {
  type ObjectLockProxy,
  s3rverCredentials,
  startObjectLockProxy,
  startS3rver,
} from '@safehold/repository/testing';
import { createTestContext, type TestContext } from '../../testing/context.ts';
import { deleteRepositoryObjects, retryLockedDeletions } from './locked-deletions.ts';
import { pendingRepositoryDeletions } from './tables.ts';
import { countRepositoryObjects } from './tenant-repository.ts';

const DAY = 24 * 60 * 60 * 1000;
const start = new Date('2026-03-01T10:00:00.000Z');
const location = 's3://locked/repositories/tenant-1';

describe('deleting a repository under S3 Object Lock', () => {
  let dir: string;
  let server: ChildProcess;
  let proxy: ObjectLockProxy;
  let ctx: TestContext;
  const saved: Record<string, string | undefined> = {};
  // The proxy decides "before the date" by the same clock as the context.
  const now = () => ctx.clock.now();

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-locked-deletion-'));
    const started = await startS3rver(dir, ['locked']);
    server = started.server;
    ctx = await createTestContext('pglite', { start });
    proxy = await startObjectLockProxy(started.endpoint, now);
    // What a worker configured for Object Lock has (backendFromUrl reads the environment).
    const env = {
      S3_ENDPOINT: proxy.endpoint,
      AWS_REGION: 'us-east-1',
      AWS_ACCESS_KEY_ID: s3rverCredentials.accessKeyId,
      AWS_SECRET_ACCESS_KEY: s3rverCredentials.secretAccessKey,
      S3_OBJECT_LOCK_MODE: 'governance',
      S3_OBJECT_LOCK_DAYS: '1',
    };
    for (const [name, value] of Object.entries(env)) {
      saved[name] = process.env[name];
      process.env[name] = value;
    }
    const backend = createS3Backend({
      bucket: 'locked',
      prefix: 'repositories/tenant-1',
      endpoint: proxy.endpoint,
      credentials: s3rverCredentials,
      objectLock: { mode: 'governance', days: 1 },
      clock: now,
    });
    const repository = await createRepository({ backend, keys: generateKeys(), workers: 1, clock: now });
    const mail = await repository.putMail(Buffer.from(`Subject: locked\r\n\r\n${'body\r\n'.repeat(100)}`));
    await repository.writeSnapshot({ kind: 'test', roots: [mail], data: {} });
    await repository.close();
  });
  after(async () => {
    for (const [name, value] of Object.entries(saved)) {
      if (value === undefined) delete process.env[name];
      else process.env[name] = value;
    }
    await proxy?.close();
    server?.kill();
    await ctx?.close();
    await rm(dir, { recursive: true, force: true });
  });

  const refusedDeletes = () => proxy.requests.filter((r) => r.method === 'DELETE' && r.status === 403);
  const pending = () => ctx.db.select().from(pendingRepositoryDeletions);

  it('skips and counts the locked objects, deletes the rest, sends no delete before the date, and records the location', async () => {
    const objects = await countRepositoryObjects(location);
    const result = await deleteRepositoryObjects(ctx, location);
    assert.ok(result.locked >= 3, `pack, manifest and config are locked (${result.locked})`);
    assert.ok(result.deleted > 0, 'the unlocked index and lock files went');
    assert.equal(result.deleted + result.locked, objects);
    assert.equal(result.lockedUntil?.toISOString(), new Date(start.getTime() + DAY).toISOString());
    assert.deepEqual(refusedDeletes(), [], 'no delete was tried on a locked object');
    assert.equal(await countRepositoryObjects(location), result.locked);
    assert.deepEqual(await pending(), [
      { location, lockedObjects: result.locked, retryAfter: result.lockedUntil, recordedAt: start },
    ]);
  });

  it('a store that hides retention refuses the deletes (403): counted as locked too, not a failure', async () => {
    proxy.hideRetention = true;
    try {
      const result = await deleteRepositoryObjects(ctx, location);
      assert.equal(result.deleted, 0);
      assert.ok(result.locked > 0);
      assert.equal(refusedDeletes().length, result.locked, 'each locked object refused once');
      const [row] = await pending();
      assert.equal(row?.lockedObjects, result.locked);
      assert.equal(row?.retryAfter.toISOString(), new Date(start.getTime() + DAY).toISOString(), 'retried in a day');
    } finally {
      proxy.hideRetention = false;
    }
  });

  it('the maintenance leaves them before their date and deletes them after it, then forgets the location', async () => {
    assert.deepEqual(await retryLockedDeletions(ctx), { tried: 0, deleted: 0, stillLocked: 0, failures: [] });
    assert.equal((await pending()).length, 1);
    ctx.clock.advance(DAY + 1000);
    const locked = await countRepositoryObjects(location);
    const report = await retryLockedDeletions(ctx);
    assert.deepEqual(report, { tried: 1, deleted: locked, stillLocked: 0, failures: [] });
    assert.equal(await countRepositoryObjects(location), 0);
    assert.deepEqual(await pending(), []);
  });
});
