// Garbage collection: dead packs go, sparse packs are repacked, live blobs always survive —
// also when a backup writing at the same time deduplicates against blobs gc thinks are dead.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Backend } from './backend.ts';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { garbageCollect } from './gc.ts';
import { generateKeys, type RepositoryKeys } from './keys.ts';
import { createRepository, openRepository, type Repository } from './repository.ts';
import { verifyRepository } from './verify.ts';
import { createWorkerPool, type WorkerPool } from './worker-pool.ts';

const mail = (tag: string, attachment: string) =>
  Buffer.from(
    `Subject: ${tag}\r\nContent-Type: multipart/mixed; boundary=gc\r\n\r\n--gc\r\n\r\n${tag}\r\n--gc\r\nContent-Type: application/pdf\r\n\r\n${attachment}\r\n--gc--\r\n`,
  );
const attachment = (seed: number) => {
  const bytes = Buffer.alloc(6000);
  let x = seed * 7919 + 1;
  for (let i = 0; i < bytes.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    bytes[i] = x >>> 24;
  }
  return bytes.toString('base64');
};

async function snapshotRoots(repo: Repository): Promise<string[]> {
  return (await repo.listSnapshots()).flatMap((snapshot) => snapshot.roots);
}

describe('garbage collection', () => {
  let dir: string;
  let backend: Backend;
  let keys: RepositoryKeys;
  let pool: WorkerPool;
  const open = () => openRepository({ backend, keys, pool, packSize: 20_000 });
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-gc-'));
    backend = createFilesystemBackend(dir);
    keys = generateKeys();
    pool = createWorkerPool(2);
    await (await createRepository({ backend, keys, pool })).close();
  });
  afterEach(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('gc deletes what no snapshot reaches, repacks sparse packs and keeps every live message', async () => {
    const repo = await open();
    const live: Array<[string, Buffer]> = [];
    const dead: string[] = [];
    for (let n = 0; n < 12; n++) {
      const message = mail(`m${n}`, attachment(n));
      const id = await repo.putMail(message);
      if (n % 3 === 0) live.push([id, message]);
      else dead.push(id);
    }
    await repo.writeSnapshot({ kind: 'test', roots: live.map(([id]) => id), data: null });
    const before = await repo.stats();
    const report = await garbageCollect(repo, { roots: () => snapshotRoots(repo) });
    assert.ok(report.deletedPacks > 0);
    assert.equal(report.waitingPlans, 0);
    const after_ = await repo.stats();
    assert.ok(after_.storedBytes < before.storedBytes / 2, `${after_.storedBytes} < ${before.storedBytes} / 2`);
    await repo.close();
    const reopened = await open();
    for (const [id, message] of live) assert.deepEqual(await reopened.readAll(id), message);
    for (const id of dead) assert.equal(await reopened.has(id), false);
    assert.deepEqual((await verifyRepository(reopened)).damage, []);
    assert.deepEqual((await verifyRepository(reopened)).unindexedPacks, []);
    await reopened.close();
  });

  test('gc never deletes a blob that a backup running at the same time deduplicated against', async () => {
    // A blob that is dead when gc marks (no snapshot reaches it yet)...
    const setup = await open();
    const orphanMessage = mail('orphan', attachment(99));
    const orphan = await setup.putMail(orphanMessage);
    await setup.close();

    // ...a backup that opened before gc stores the same message (deduplicated, nothing written)...
    const backup = await open();
    assert.equal(await backup.putMail(orphanMessage), orphan);

    const gcRepo = await open();
    const first = await garbageCollect(gcRepo, { roots: () => snapshotRoots(gcRepo) });
    assert.equal(first.deletedPacks, 0, 'the sweep waits for the older writer');
    assert.equal(first.waitingPlans, 1);

    // ...and commits its snapshot after gc condemned the pack.
    await backup.writeSnapshot({ kind: 'backup', roots: [orphan], data: null });
    await backup.close();

    const second = await garbageCollect(gcRepo, { roots: () => snapshotRoots(gcRepo) });
    assert.equal(second.waitingPlans, 0);
    assert.ok(second.sparedPacks >= 1);
    await gcRepo.close();

    const check = await open();
    assert.deepEqual(await check.readAll(orphan), orphanMessage);
    assert.deepEqual((await verifyRepository(check)).damage, []);
    await check.close();
  });

  test('a writer opened after gc condemned a pack stores the blob again instead of deduplicating', async () => {
    const setup = await open();
    const message = mail('late', attachment(5));
    const id = await setup.putMail(message);
    await setup.close();
    const blocker = await open();
    const gcRepo = await open();
    const first = await garbageCollect(gcRepo, { roots: () => snapshotRoots(gcRepo) });
    assert.equal(first.waitingPlans, 1);
    await blocker.close();

    const late = await open();
    const before = (await late.stats()).storedBytes;
    assert.equal(await late.putMail(message), id);
    await late.writeSnapshot({ kind: 'backup', roots: [id], data: null });
    assert.ok((await late.stats()).storedBytes > before, 'stored again, outside the condemned pack');
    // `late` is still open, but opened after the plan: with no clock-skew margin (one clock
    // here) its lock does not hold the sweep back.
    const second = await garbageCollect(gcRepo, { roots: () => snapshotRoots(gcRepo), lockMarginMs: 0 });
    assert.ok(second.deletedPacks >= 1, 'the old copy can go');
    await late.close();
    await gcRepo.close();
    const check = await open();
    assert.deepEqual(await check.readAll(id), message);
    assert.deepEqual((await verifyRepository(check)).damage, []);
    await check.close();
  });

  test('gc interrupted after writing its plan is completed by the next gc without losing live data', async () => {
    const repo = await open();
    const keep = mail('keep', attachment(1));
    const keepId = await repo.putMail(keep);
    await repo.putMail(mail('drop', attachment(2)));
    await repo.writeSnapshot({ kind: 't', roots: [keepId], data: null });
    const blocker = await open();
    const first = await garbageCollect(repo, { roots: () => snapshotRoots(repo) });
    assert.equal(first.waitingPlans, 1);
    await blocker.close();
    await repo.close();
    const next = await open();
    const second = await garbageCollect(next, { roots: () => snapshotRoots(next) });
    assert.ok(second.deletedPacks >= 1);
    assert.deepEqual(await next.readAll(keepId), keep);
    await next.close();
  });
});
