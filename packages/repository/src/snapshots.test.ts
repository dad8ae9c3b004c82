// Snapshots on their own: written sealed under `snapshots/<id>` after the roots are durable,
// listed oldest first, read back, deleted; bad input refused without writing anything.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { Backend } from './backend.ts';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { createMemoryIndex } from './blob-index.ts';
import { BlobWriter } from './blob-writer.ts';
import { generateKeys, type RepositoryKeys } from './keys.ts';
import { SnapshotStore } from './snapshots.ts';
import { createWorkerPool, type WorkerPool } from './worker-pool.ts';

async function count(backend: Backend, prefix: string): Promise<number> {
  let n = 0;
  for await (const _ of backend.list(prefix)) n++;
  return n;
}

describe('snapshots (SnapshotStore)', () => {
  let pool: WorkerPool;
  let dir: string;
  let backend: Backend;
  let keys: RepositoryKeys;
  let writer: BlobWriter;
  let now: Date;
  let store: SnapshotStore;
  before(() => {
    pool = createWorkerPool(1);
  });
  after(() => pool.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-snapshots-'));
    backend = createFilesystemBackend(dir);
    keys = generateKeys();
    now = new Date('2026-12-01T10:00:00.000Z');
    const index = createMemoryIndex();
    writer = new BlobWriter({ backend, keys, index, pool, condemned: new Set(), packSize: 1 << 20, zstdLevel: 1 });
    store = new SnapshotStore({ backend, dataKey: keys.dataKey, clock: () => now, unflushed: writer });
  });
  afterEach(async () => {
    await backend.close?.();
    await rm(dir, { recursive: true, force: true });
  });

  test('reading a snapshot frees the sealed bytes read once it is decoded', async () => {
    const root = await writer.putObject({ item: 2 });
    const written = await store.write({ kind: 'test', roots: [root], data: { note: 'x'.repeat(10_000) } });
    const read: Buffer[] = [];
    const recording: Backend = {
      ...backend,
      get: async (name, range) => {
        const bytes = await backend.get(name, range);
        read.push(bytes);
        return bytes;
      },
    };
    const reader = new SnapshotStore({
      backend: recording,
      dataKey: keys.dataKey,
      clock: () => now,
      unflushed: writer,
    });
    assert.deepEqual(await reader.read(written.id), written);
    assert.equal(read.length, 1);
    assert.equal((read[0]!.buffer as ArrayBuffer).detached, true);
  });

  test('a snapshot is written after a flush, read back as written, and listed oldest first', async () => {
    const root = await writer.putObject({ item: 1 });
    const first = await store.write({ kind: 'test', roots: [root], data: { note: 'first' } });
    assert.equal(writer.isPending(root), false, 'the root was flushed before the snapshot was written');
    assert.match(first.id, /^20261201T100000Z-[0-9a-f]{16}$/);
    assert.deepEqual(first, {
      v: 1,
      id: first.id,
      time: now.toISOString(),
      kind: 'test',
      roots: [root],
      data: { note: 'first' },
    });
    now = new Date('2026-12-01T11:00:00.000Z');
    const second = await store.write({ kind: 'test', roots: [], data: null });
    assert.deepEqual(await store.listIds(), [first.id, second.id]);
    assert.deepEqual(await store.read(first.id), first);
    assert.deepEqual(await store.list(), [first, second]);
    assert.equal(await store.count(), 2);
    await store.delete(first.id);
    assert.deepEqual(await store.listIds(), [second.id]);
  });

  test('a snapshot of durable roots does not flush the open pack; a pending root is flushed all the same', async () => {
    const durable = await writer.putObject({ snapshot: 'durable root' });
    await writer.flush();
    const packsBefore = await count(backend, 'data/');
    const pending = await writer.putObject({ snapshot: 'still in the open pack' });
    await store.write({ kind: 'test', roots: [durable], data: null, rootsDurable: true });
    assert.equal(await count(backend, 'data/'), packsBefore, 'the open pack stays open');
    assert.equal(writer.isPending(pending), true);
    await store.write({ kind: 'test', roots: [pending], data: null, rootsDurable: true });
    assert.equal(await count(backend, 'data/'), packsBefore + 1, 'a root awaiting its pack is flushed first');
  });

  test('bad roots and bad ids are refused with a clear error, and nothing is written', async () => {
    await assert.rejects(store.write({ kind: 'test', roots: ['nope'], data: null }), {
      code: 'bad-input',
      message: /snapshot root nope is not a blob id/,
    });
    assert.equal(await count(backend, ''), 0);
    await assert.rejects(store.read('../config'), { code: 'bad-input', message: /"..\/config" is not a snapshot id/ });
    await assert.rejects(store.read('20261201T100000Z-0000000000000000'), { code: 'not-found' });
  });

  test('a snapshot sealed with other keys does not open', async () => {
    const written = await store.write({ kind: 'test', roots: [], data: null });
    const other = new SnapshotStore({ backend, dataKey: generateKeys().dataKey, clock: () => now, unflushed: writer });
    await assert.rejects(other.read(written.id), { code: 'damaged' });
  });
});
