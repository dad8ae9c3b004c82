// The read path on its own: blobs come back in order with their types, a pending blob is
// flushed before it is read, a missing or damaged blob is an error naming it (never garbage),
// condemned copies stay readable, and restoreToFiles gives the same files on a local backend
// (worker threads read the packs) as on one without local files.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { Backend } from './backend.ts';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { type BlobIndex, createMemoryIndex } from './blob-index.ts';
import { BlobReader, restoreColumns } from './blob-reader.ts';
import { BlobWriter } from './blob-writer.ts';
import { parseDescriptor } from './descriptor.ts';
import { generateKeys, type RepositoryKeys } from './keys.ts';
import { BLOB_DATA, BLOB_DESCRIPTOR, packPath } from './pack.ts';
import { createWorkerPool, type WorkerPool } from './worker-pool.ts';

const message = (n: number) =>
  Buffer.from(
    `Subject: ${n}\r\nContent-Type: multipart/mixed; boundary=r\r\n\r\n--r\r\n\r\nhello ${n}\r\n--r\r\nContent-Type: image/png\r\n\r\n${Buffer.alloc(5000, n).toString('base64')}\r\n--r--\r\n`,
  );

/** The same backend without `localPath`: restores then pass the bytes through the main thread. */
function remoteLike(backend: Backend): Backend {
  return {
    location: backend.location,
    put: (name, data) => backend.put(name, data),
    get: (name, range) => backend.get(name, range),
    list: (prefix) => backend.list(prefix),
    delete: (name) => backend.delete(name),
  };
}

describe('read path (BlobReader)', () => {
  let pool: WorkerPool;
  let dir: string;
  let backend: Backend;
  let keys: RepositoryKeys;
  let index: BlobIndex;
  let condemned: Set<string>;
  let writer: BlobWriter;
  const reader = (over: Backend = backend) =>
    new BlobReader({ backend: over, keys, index, pool, condemned, unflushed: writer });
  before(() => {
    pool = createWorkerPool(2);
  });
  after(() => pool.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-reader-'));
    backend = createFilesystemBackend(dir);
    keys = generateKeys();
    index = createMemoryIndex();
    condemned = new Set();
    writer = new BlobWriter({ backend, keys, index, pool, condemned, packSize: 1024 * 1024, zstdLevel: 1 });
  });
  afterEach(async () => {
    await backend.close?.();
    await rm(dir, { recursive: true, force: true });
  });

  test('readBlobs returns plaintexts in the order asked, with their types, repeats included', async () => {
    const objectId = await writer.putObject({ a: 1 });
    const mailId = await writer.putMail(message(1));
    await writer.flush();
    const blobs = await reader().readBlobs([mailId, objectId, objectId]);
    assert.deepEqual(
      blobs.map((blob) => blob.type),
      [BLOB_DESCRIPTOR, BLOB_DATA, BLOB_DATA],
    );
    assert.deepEqual(JSON.parse(blobs[1]!.data.toString()), { a: 1 });
    assert.deepEqual(blobs[2], blobs[1]);
  });

  test('a blob still pending in the writer is flushed, then read', async () => {
    const id = await writer.putObject({ pending: true });
    assert.equal(writer.isPending(id), true);
    assert.deepEqual(await reader().readObject(id), { pending: true });
    assert.equal(writer.isPending(id), false, 'the read flushed the writer');
  });

  test('read, readAll and readChunks give the content of a split item in order', async () => {
    const raw = message(2);
    const id = await writer.putMail(raw);
    await writer.flush();
    const read = reader();
    assert.deepEqual(await read.readAll(id), raw);
    const chunks: Buffer[] = [];
    for await (const chunk of read.readChunks(id)) chunks.push(chunk);
    assert.ok(chunks.length >= 2, 'a split message comes back as its segments');
    assert.deepEqual(Buffer.concat(chunks), raw);
    const streamed: Buffer[] = [];
    for await (const chunk of read.read(id)) streamed.push(chunk as Buffer);
    assert.deepEqual(Buffer.concat(streamed), raw);
  });

  test('an unknown blob is not-found and a damaged one is damaged, naming the blob', async () => {
    const id = await writer.putObject({ text: 'x'.repeat(2000) });
    await writer.flush();
    await assert.rejects(reader().readBlobs(['0'.repeat(64)]), { code: 'not-found', message: /blob 0{64} is not/ });
    const [location] = (await index.lookup([id])).get(id)!;
    const file = join(dir, packPath(location!.pack));
    const bytes = await readFile(file);
    bytes[location!.offset + 20]! ^= 0xff;
    await writeFile(file, bytes);
    await backend.close?.();
    await assert.rejects(reader().readBlobs([id]), { code: 'damaged', message: new RegExp(`blob ${id}`) });
  });

  test('blobs read with one range around a large unwanted one come back whole, and that range is freed', async () => {
    const a = await writer.putObject({ n: 'a' });
    const between = await writer.putObject({ filler: randomBytes(40_000).toString('base64') });
    const c = await writer.putObject({ n: 'c' });
    await writer.flush();
    const found = await index.lookup([a, between, c]);
    const [la, lb, lc] = [a, between, c].map((id) => found.get(id)![0]!);
    assert.ok(la!.pack === lc!.pack && lb!.pack === la!.pack, 'the three blobs share a pack');
    assert.ok(lb!.length > 20_000 && lb!.offset > la!.offset && lc!.offset > lb!.offset, 'the large one lies between');
    const ranges: Array<{ bytes: Buffer; length: number }> = [];
    const recording: Backend = {
      ...remoteLike(backend),
      get: async (name, range) => {
        const bytes = await backend.get(name, range);
        ranges.push({ bytes, length: bytes.length });
        return bytes;
      },
    };
    const blobs = await reader(recording).readBlobs([a, c]);
    assert.deepEqual(
      blobs.map((blob) => JSON.parse(blob.data.toString())),
      [{ n: 'a' }, { n: 'c' }],
    );
    assert.equal(ranges.length, 1, 'one read for both');
    assert.ok(ranges[0]!.length > lb!.length, 'the read spans the unwanted blob');
    assert.equal(
      (ranges[0]!.bytes.buffer as ArrayBuffer).detached,
      true,
      'the range is freed once its blobs are copied out',
    );
    const again = await reader(recording).readBlobs([a, between, c]);
    assert.equal(again.length, 3);
    assert.equal(
      (ranges[1]!.bytes.buffer as ArrayBuffer).detached,
      false,
      'a range read for (nearly) all of its bytes is used as it is',
    );
  });

  test('a blob only in a condemned pack is still read (it exists until the sweep)', async () => {
    const id = await writer.putObject({ condemned: true });
    await writer.flush();
    const [location] = (await index.lookup([id])).get(id)!;
    condemned.add(location!.pack);
    assert.deepEqual(await reader().readObject(id), { condemned: true });
  });

  test('restoreToFiles writes the same files with and without local pack files, and reports a missing blob per item', async () => {
    const first = await writer.putMail(message(3));
    const second = await writer.putMail(message(4));
    await writer.flush();
    const items = (root: string) => [
      { target: join(root, 'a.eml'), ids: [first] },
      { target: join(root, 'box', 'b.mbox'), ids: [first, second] },
      { target: join(root, 'gone.eml'), ids: ['f'.repeat(64)] },
    ];
    for (const [name, over] of [
      ['local', backend],
      ['remote', remoteLike(backend)],
    ] as const) {
      const out = join(dir, `out-${name}`);
      const results = await reader(over).restoreToFiles(items(out));
      assert.deepEqual(results[0], { ok: true, bytes: message(3).length }, name);
      assert.deepEqual(results[1], { ok: true, bytes: message(3).length + message(4).length }, name);
      assert.equal(results[2]!.ok, false, name);
      assert.match((results[2] as { error: string }).error, /f{64}/);
      assert.deepEqual(await readFile(join(out, 'a.eml')), message(3));
      assert.deepEqual(await readFile(join(out, 'box', 'b.mbox')), Buffer.concat([message(3), message(4)]));
      assert.deepEqual((await readdir(out)).sort(), ['a.eml', 'box'], `${name}: nothing written for the missing item`);
    }
  });
  test('restoreToFiles: a damaged chunk fails its item alone, leaves no file for it, and the items after it are written', async () => {
    const ids: string[] = [];
    for (let n = 0; n < 40; n++) ids.push(await writer.putMail(message(n)));
    await writer.flush();
    // The attachment of message 17 (its largest chunk, carried by no other message) is damaged.
    const [descriptor] = await reader().readBlobs([ids[17]!]);
    const chunks = parseDescriptor(descriptor!.data).chunks;
    const locations = await index.lookup(chunks);
    const largest = chunks
      .map((chunk) => ({ chunk, location: locations.get(chunk)![0]! }))
      .sort((a, b) => b.location.length - a.location.length)[0]!;
    const file = join(dir, packPath(largest.location.pack));
    const bytes = await readFile(file);
    bytes[largest.location.offset + 40]! ^= 0xff;
    await writeFile(file, bytes);
    await backend.close?.();
    const out = join(dir, 'out');
    const results = await reader().restoreToFiles(ids.map((id, n) => ({ target: join(out, `${n}.eml`), ids: [id] })));
    results.forEach((result, n) => {
      if (n === 17) {
        assert.equal(result.ok, false);
        assert.match((result as { error: string }).error, new RegExp(`blob ${largest.chunk}`));
      } else assert.deepEqual(result, { ok: true, bytes: message(n).length }, `item ${n}`);
    });
    const written = await readdir(out);
    assert.equal(written.length, 39);
    assert.ok(!written.includes('17.eml'), 'no file for the damaged item');
    for (const n of [0, 16, 18, 39]) assert.deepEqual(await readFile(join(out, `${n}.eml`)), message(n));
  });

  test('a restore writes a message shared by several items (read once per thread, cached) into each', async () => {
    const id = await writer.putMail(message(6));
    const other = await writer.putMail(message(7));
    await writer.flush();
    const out = join(dir, 'shared');
    const items = [
      { target: join(out, '1.eml'), ids: [id] },
      { target: join(out, 'box.mbox'), ids: [id, other, id] },
      { target: join(out, '2.eml'), ids: [id] },
    ];
    const results = await reader().restoreToFiles(items);
    assert.deepEqual(
      results.map((result) => result.ok),
      [true, true, true],
    );
    assert.deepEqual(await readFile(join(out, '1.eml')), message(6));
    assert.deepEqual(await readFile(join(out, '2.eml')), message(6));
    assert.deepEqual(await readFile(join(out, 'box.mbox')), Buffer.concat([message(6), message(7), message(6)]));
  });

  test('restore edge cases give the bytes readAll gives, on threads and inline: empty items, an mbox across more packs than a thread keeps open, a multi-chunk file twice', async () => {
    const ids: string[] = [];
    // One pack per message: 70 packs, more than the 64 descriptors a thread keeps open.
    for (let n = 0; n < 70; n++) {
      ids.push(await writer.putMail(message(n)));
      await writer.flush();
    }
    const emptyMail = await writer.putMail(Buffer.alloc(0));
    const emptyFile = await writer.putFile((async function* () {})());
    const big = randomBytes(5 * 1024 * 1024);
    const bigFile = await writer.putFile(
      (async function* () {
        for (let at = 0; at < big.length; at += 100_000) yield big.subarray(at, at + 100_000);
      })(),
    );
    await writer.flush();
    const items = (root: string) => [
      { target: join(root, 'all.mbox'), ids },
      { target: join(root, 'reversed.mbox'), ids: [...ids].reverse() },
      { target: join(root, 'empty.eml'), ids: [emptyMail] },
      { target: join(root, 'empty-file'), ids: [emptyFile] },
      { target: join(root, 'no-messages.mbox'), ids: [] },
      { target: join(root, 'big-twice'), ids: [bigFile, bigFile] },
      ...ids.map((id, n) => ({ target: join(root, 'm', `${n}.eml`), ids: [id, ids[(n * 7) % ids.length]!] })),
    ];
    const inline = createWorkerPool(0, { inline: true });
    try {
      for (const [name, onPool] of [
        ['threads', pool],
        ['inline', inline],
      ] as const) {
        const root = join(dir, `out-${name}`);
        const restored = new BlobReader({ backend, keys, index, pool: onPool, condemned, unflushed: writer });
        const list = items(root);
        const results = await restored.restoreToFiles(list);
        for (const [i, item] of list.entries()) {
          const expected = Buffer.concat(await Promise.all(item.ids.map((id) => reader().readAll(id))));
          assert.deepEqual(results[i], { ok: true, bytes: expected.length }, `${name}: ${item.target}`);
          assert.ok((await readFile(item.target)).equals(expected), `${name}: ${item.target}`);
        }
        assert.ok((await readFile(join(root, 'big-twice'))).equals(Buffer.concat([big, big])), name);
        assert.equal((await readFile(join(root, 'empty.eml'))).length, 0, name);
      }
    } finally {
      await inline.close();
    }
  });

  test('a restore into a directory deleted since an earlier restore on the same threads writes its files', async () => {
    // A thread outlives a restore (a server's workers; a command line's own thread, inline): what
    // it remembers of the directories it made must not outlive the task.
    const inline = createWorkerPool(0, { inline: true });
    try {
      const id = await writer.putMail(message(5));
      await writer.flush();
      const onThreads = new BlobReader({ backend, keys, index, pool: inline, condemned, unflushed: writer });
      const target = join(dir, 'again', 'box', 'a.eml');
      for (let round = 0; round < 2; round++) {
        assert.deepEqual(await onThreads.restoreToFiles([{ target, ids: [id] }]), [
          { ok: true, bytes: message(5).length },
        ]);
        assert.deepEqual(await readFile(target), message(5));
        await rm(join(dir, 'again'), { recursive: true });
      }
    } finally {
      await inline.close();
    }
  });
});

describe('restore task columns (restoreColumns)', () => {
  const id = (n: number) => n.toString(16).padStart(2, '0').repeat(32);
  const at = (pack: string, offset: number, length: number) => ({
    pack,
    type: BLOB_DATA,
    offset,
    length,
    rawLength: length,
  });

  test('each part keeps its pack, offset, length, id and how often the task reads it; each pack path once', () => {
    const locations = new Map([
      [id(1), at('p1', 10, 100)],
      [id(2), at('p2', 20, 200)],
      [id(3), at('p1', 300, 30)],
    ]);
    const columns = restoreColumns(
      [
        { target: '/out/a.eml', chunks: [id(1), id(2)] },
        { target: '/out/b.eml', chunks: [id(2)] },
        { target: '/out/empty.eml', chunks: [] },
        { target: '/out/c.mbox', chunks: [id(3), id(2)] },
      ],
      locations,
      (path) => `/repo/${path}`,
    );
    assert.deepEqual(columns.targets, ['/out/a.eml', '/out/b.eml', '/out/empty.eml', '/out/c.mbox']);
    assert.deepEqual([...columns.partCounts], [2, 1, 0, 2]);
    assert.deepEqual(columns.packs, [`/repo/${packPath('p1')}`, `/repo/${packPath('p2')}`]);
    assert.deepEqual([...columns.partPacks], [0, 1, 1, 0, 1]);
    assert.deepEqual([...columns.offsets], [10, 20, 20, 300, 20]);
    assert.deepEqual([...columns.lengths], [100, 200, 200, 30, 200]);
    assert.equal(Buffer.from(columns.ids).toString('hex'), [1, 2, 2, 3, 2].map(id).join(''));
    assert.deepEqual([...columns.uses], [1, 3, 3, 1, 3]);
  });

  test('no items make empty columns', () => {
    const columns = restoreColumns([], new Map(), (path) => path);
    assert.deepEqual(columns.targets, []);
    assert.equal(columns.partCounts.length, 0);
    assert.equal(columns.ids.length, 0);
    assert.deepEqual(columns.packs, []);
  });
});
