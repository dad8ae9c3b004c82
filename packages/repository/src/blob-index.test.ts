// The blob index (docs/repository-format.md §5): the in-memory and the in-repository index
// (index files), which copy the engine uses when a blob is in several packs, and the totals.
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Backend } from './backend.ts';
import { createFilesystemBackend } from './backend-filesystem.ts';
import {
  type BlobIndex,
  createIndexFileWriter,
  createMemoryIndex,
  createRepositoryIndex,
  decodeIndexFile,
  distinctBlobs,
  encodeIndexFile,
  indexTotals,
  usableLocations,
} from './blob-index.ts';
import { generateKeys } from './keys.ts';
import type { PackRecord } from './pack.ts';

const id = (n: number) => n.toString(16).padStart(64, '0');
const packName = (n: number) => n.toString(16).padStart(32, '0');
const pack = (n: number, blobs: number[]): PackRecord => ({
  name: packName(n),
  size: 1000 * n,
  blobs: blobs.map((b, i) => ({
    id: id(b),
    type: b % 2 === 0 ? 0 : 1,
    offset: i * 100,
    length: 100,
    rawLength: 10 * b,
  })),
});

async function names(backend: Backend, prefix: string): Promise<string[]> {
  const found: string[] = [];
  for await (const object of backend.list(prefix)) found.push(object.name);
  return found.sort();
}

async function packNames(index: BlobIndex): Promise<string[]> {
  const found: string[] = [];
  for await (const record of index.packs()) found.push(record.name);
  return found.sort();
}

describe('blob index', () => {
  let dir: string;
  let backend: Backend;
  const { dataKey } = generateKeys();
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-index-'));
    backend = createFilesystemBackend(dir);
  });
  afterEach(() => rm(dir, { recursive: true, force: true }));

  test('the memory index finds every copy of a blob and forgets removed packs', async () => {
    const index = createMemoryIndex();
    await index.addPacks([pack(1, [1, 2]), pack(2, [2, 3])]);
    const found = await index.lookup([id(1), id(2), id(9)]);
    assert.deepEqual([...found.keys()], [id(1), id(2)], 'an unknown id is absent');
    assert.deepEqual(
      found.get(id(2))!.map((location) => location.pack),
      [packName(1), packName(2)],
    );
    assert.deepEqual(found.get(id(1)), [{ pack: packName(1), type: 1, offset: 0, length: 100, rawLength: 10 }]);
    await index.removePacks([packName(1)]);
    assert.deepEqual([...(await index.lookup([id(1), id(2)])).keys()], [id(2)]);
    assert.deepEqual(await packNames(index), [packName(2)]);
  });

  test('usableLocations skips condemned copies, and takes one anyway with anyCopy', async () => {
    const index = createMemoryIndex();
    await index.addPacks([pack(1, [2, 4]), pack(2, [2])]);
    const condemned = new Set([packName(1)]);
    const usable = await usableLocations(index, condemned, [id(2), id(4), id(6)]);
    assert.equal(usable.get(id(2))!.pack, packName(2), 'the copy outside the condemned pack');
    assert.equal(usable.has(id(4)), false, 'only in a condemned pack: absent for deduplication');
    const readable = await usableLocations(index, condemned, [id(4)], true);
    assert.equal(readable.get(id(4))!.pack, packName(1), 'readers still find it until the sweep');
  });

  test('distinctBlobs and indexTotals count a blob stored in two packs once', async () => {
    const index = createMemoryIndex();
    await index.addPacks([pack(1, [1, 2]), pack(2, [2, 3])]);
    const blobs: string[] = [];
    for await (const blob of distinctBlobs(index)) blobs.push(blob.id);
    assert.deepEqual(blobs, [id(1), id(2), id(3)]);
    assert.deepEqual(await indexTotals(index), { packs: 2, blobs: 3, storedBytes: 3000, rawBytes: 60 });
  });

  test('an index file opens only with its key and gives back the packs it was made of', () => {
    const packs = [pack(1, [1, 2]), pack(2, [])];
    const sealed = encodeIndexFile(dataKey, packs);
    assert.deepEqual(decodeIndexFile(dataKey, 'x', sealed), packs);
    assert.throws(() => decodeIndexFile(generateKeys().dataKey, 'x', sealed), /authentication failed/);
  });

  test('the file writer writes one index file per flush naming the packs added since the last', async () => {
    const writer = createIndexFileWriter(backend, dataKey);
    assert.equal(await writer.flush(), undefined, 'nothing added: no file');
    writer.add([pack(1, [1])]);
    writer.add([pack(2, [2])]);
    const name = await writer.flush();
    assert.deepEqual(await names(backend, 'index/'), [name]);
    assert.deepEqual(decodeIndexFile(dataKey, name!, await backend.get(name!)), [pack(1, [1]), pack(2, [2])]);
    writer.add([pack(3, [3])]);
    writer.clear();
    assert.equal(await writer.flush(), undefined, 'cleared packs are not written');
  });

  test('the repository index is the union of the index files; removePacks rewrites them', async () => {
    const first = createRepositoryIndex(backend, dataKey);
    await first.load();
    await first.addPacks([pack(1, [1])]);
    assert.deepEqual(await names(backend, 'index/'), [], 'nothing is written before flush');
    await first.flush();
    await first.addPacks([pack(2, [2])]);
    await first.flush();
    assert.equal((await names(backend, 'index/')).length, 2);

    const second = createRepositoryIndex(backend, dataKey);
    await second.load();
    assert.deepEqual(await packNames(second), [packName(1), packName(2)]);
    await second.removePacks([packName(1)]);
    assert.equal((await names(backend, 'index/')).length, 1, 'one new file replaces the old ones');
    const third = createRepositoryIndex(backend, dataKey);
    await third.load();
    assert.deepEqual(await packNames(third), [packName(2)]);
  });

  test('loading frees each index file read once it is decoded, damaged ones too', async () => {
    const writer = createRepositoryIndex(backend, dataKey);
    await writer.load();
    await writer.addPacks([pack(1, [1, 2])]);
    await writer.flush();
    await writeFile(join(dir, 'index', 'f'.repeat(32)), 'not an index file');
    const read: Array<{ bytes: Buffer; length: number }> = [];
    const recording: Backend = {
      ...backend,
      get: async (name, range) => {
        const bytes = await backend.get(name, range);
        read.push({ bytes, length: bytes.length });
        return bytes;
      },
    };
    const loaded = createRepositoryIndex(recording, dataKey);
    await loaded.load();
    assert.deepEqual(await packNames(loaded), [packName(1)]);
    assert.equal(loaded.unreadable.length, 1);
    assert.equal(read.length, 2);
    for (const { bytes, length } of read) {
      assert.ok(length > 0);
      assert.equal((bytes.buffer as ArrayBuffer).detached, true, 'freed');
    }
  });

  test('a damaged index file is listed as unreadable, not fatal, and replaceAll removes it', async () => {
    const index = createRepositoryIndex(backend, dataKey);
    await index.addPacks([pack(1, [1])]);
    await index.flush();
    await writeFile(join(dir, 'index', 'f'.repeat(32)), 'not sealed');
    const reader = createRepositoryIndex(backend, dataKey);
    await reader.load();
    assert.equal(reader.unreadable.length, 1);
    assert.match(reader.unreadable[0]!, /^index\/f{32}: /);
    assert.deepEqual(await packNames(reader), [packName(1)]);
    await reader.replaceAll([pack(1, [1]), pack(2, [2])]);
    assert.deepEqual(reader.unreadable, []);
    const after = createRepositoryIndex(backend, dataKey);
    await after.load();
    assert.deepEqual(after.unreadable, []);
    assert.deepEqual(await packNames(after), [packName(1), packName(2)]);
  });

  test('an index file the backend cannot read at all is listed as unreadable too, not fatal', async () => {
    // An I/O error, a permission refused, an S3 object moved to an archive class: loading must
    // go on (the repository stays usable, and rebuild-index, which opens it first, can run).
    const index = createRepositoryIndex(backend, dataKey);
    await index.addPacks([pack(1, [1])]);
    await index.flush();
    const broken = `index/${'e'.repeat(32)}`;
    await writeFile(join(dir, broken), 'whatever');
    const failing: Backend = {
      ...backend,
      get: async (name, range) => {
        if (name === broken) throw new Error('EIO: i/o error, read');
        return backend.get(name, range);
      },
    };
    const reader = createRepositoryIndex(failing, dataKey);
    await reader.load();
    assert.deepEqual(reader.unreadable, [`${broken}: EIO: i/o error, read`]);
    assert.deepEqual(await packNames(reader), [packName(1)]);
  });
});
