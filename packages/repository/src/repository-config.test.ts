// The small named objects' shape checks (config, locks, plans, snapshots, index files), written by
// hand since zod left the engine's start-up: the shapes the schemas accepted pass, with their
// fields; the others are refused with the error the reader expects.
import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Backend } from './backend.ts';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { seal } from './blob-crypto.ts';
import { decodeIndexFile, encodeIndexFile, INDEX_AAD } from './blob-index.ts';
import { RepositoryError } from './errors.ts';
import { generateKeys } from './keys.ts';
import { decodeSnapshot, encodeSnapshot, listLocks, readConfig, readPlans } from './repository-config.ts';

const keys = generateKeys();
const root = 'a'.repeat(64);
const json = (value: unknown) => Buffer.from(JSON.stringify(value));
const damaged = (error: unknown) => error instanceof RepositoryError && error.code === 'damaged';

describe('shapes of the named objects', () => {
  let dir: string;
  let backend: Backend;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-config-'));
    backend = createFilesystemBackend(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a config passes with its five fields; anything else is not a repository', async () => {
    const config = { format: 'safehold-repository', version: 1, id: 'f'.repeat(32), created: 'c', keyCheck: 'k' };
    await backend.put('config', json({ ...config, extra: true }));
    assert.deepEqual(await readConfig(backend), config);
    for (const bad of [
      [],
      null,
      { ...config, version: 2 },
      { ...config, id: 'F'.repeat(32) },
      { ...config, keyCheck: 1 },
    ]) {
      await backend.put('config', json(bad));
      await assert.rejects(readConfig(backend), { code: 'not-a-repository' }, JSON.stringify(bad));
    }
  });

  test('a lock of the wrong shape is skipped; a good one is listed', async () => {
    const lock = { kind: 'gc', pid: 7, host: 'h', created: 'c', refreshed: 'r' };
    await backend.put('locks/a', json(lock));
    await backend.put('locks/b', json({ ...lock, kind: 'reader' }));
    await backend.put('locks/c', json({ ...lock, pid: '7' }));
    assert.deepEqual(await listLocks(backend), [{ name: 'locks/a', lock }]);
  });

  test('plans: a good one is read with its name; a bad one is damage', async () => {
    const sealed = (value: unknown) => seal(keys.dataKey, json(value), Buffer.from('safehold-plan-v1'));
    await backend.put('plans/a', sealed({ v: 1, created: 'c', packs: ['p'] }));
    assert.deepEqual(await readPlans(backend, keys.dataKey), [{ v: 1, created: 'c', packs: ['p'], name: 'plans/a' }]);
    await backend.put('plans/b', sealed({ v: 1, created: 'c', packs: [1] }));
    await assert.rejects(readPlans(backend, keys.dataKey), damaged);
  });

  test('snapshots: read back as written; a bad root or field is damage', () => {
    const snapshot = { v: 1 as const, id: 's', time: 't', kind: 'put-mail', roots: [root], data: { files: {} } };
    assert.deepEqual(decodeSnapshot(keys.dataKey, 'snapshots/s', encodeSnapshot(keys.dataKey, snapshot)), snapshot);
    const sealed = (value: unknown) => seal(keys.dataKey, json(value), Buffer.from('safehold-snapshot-v1'));
    for (const bad of [
      [snapshot],
      { ...snapshot, v: 2 },
      { ...snapshot, kind: 3 },
      { ...snapshot, roots: [root.toUpperCase()] },
      { ...snapshot, roots: root },
      { v: 1, id: 's', time: 't', kind: 'put-mail', roots: [root] },
    ]) {
      assert.throws(() => decodeSnapshot(keys.dataKey, 'snapshots/s', sealed(bad)), damaged, JSON.stringify(bad));
    }
  });

  test('index files: the packs come back; a bad pack name, size or blob list is refused', () => {
    const pack = {
      name: 'b'.repeat(32),
      size: 10,
      blobs: [{ id: root, type: 0 as const, offset: 0, length: 5, rawLength: 3 }],
    };
    assert.deepEqual(decodeIndexFile(keys.dataKey, 'i', encodeIndexFile(keys.dataKey, [pack])), [pack]);
    const sealed = (value: unknown) => seal(keys.dataKey, json(value), INDEX_AAD);
    const tuple = [root, 0, 0, 5, 3];
    for (const bad of [
      { v: 2, packs: [] },
      { v: 1, packs: {} },
      { v: 1, packs: [{ name: 'x', size: 1, blobs: [] }] },
      { v: 1, packs: [{ name: pack.name, size: -1, blobs: [] }] },
      { v: 1, packs: [{ name: pack.name, size: 1.5, blobs: [] }] },
      { v: 1, packs: [{ name: pack.name, size: 1, blobs: {} }] },
      { v: 1, packs: [{ name: pack.name, size: 1, blobs: [[...tuple.slice(0, 4)]] }] },
    ]) {
      assert.throws(
        () => decodeIndexFile(keys.dataKey, 'i', sealed(bad)),
        /not a version 1 index file|bad pack name|bad size|no blob list|not a blob entry/,
        JSON.stringify(bad),
      );
    }
  });
});
