// The read path on its own: blobs come back in order with their types, a pending blob is
// flushed before it is read, a missing or damaged blob is an error naming it (never garbage),
// condemned copies stay readable, and restoreToFiles gives the same files on a local backend
// (worker threads read the packs) as on one without local files.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { Backend } from './backend.ts';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { type BlobIndex, createMemoryIndex } from './blob-index.ts';
import { BlobReader } from './blob-reader.ts';
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
