// The write path on its own: deduplication against the index and against itself, the write
// order (pack first, then the index), durability after flush — also of an id whose blob a
// concurrent put had claimed — and blobs only found in condemned packs stored again.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { mkdtemp, readdir, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { Backend, ObjectWriter } from './backend.ts';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { type BlobIndex, createMemoryIndex, createRepositoryIndex } from './blob-index.ts';
import { BlobReader } from './blob-reader.ts';
import { BlobWriter, type BlobWriterDeps } from './blob-writer.ts';
import { parseDescriptor } from './descriptor.ts';
import { generateKeys, type RepositoryKeys } from './keys.ts';
import { BLOB_DATA, BLOB_DESCRIPTOR, type PackRecord, packNameFromPath } from './pack.ts';
import { createWorkerPool, type WorkerPool } from './worker-pool.ts';

const attachment = (seed: number, bytes = 6000) => {
  const data = Buffer.alloc(bytes);
  let x = seed * 7919 + 1;
  for (let i = 0; i < data.length; i++) {
    x = (x * 1103515245 + 12345) >>> 0;
    data[i] = x >>> 24;
  }
  return data.toString('base64');
};
const mail = (tag: string, body: string) =>
  Buffer.from(
    `Subject: ${tag}\r\nContent-Type: multipart/mixed; boundary=w\r\n\r\n--w\r\n\r\n${tag}\r\n--w\r\nContent-Type: application/pdf\r\n\r\n${body}\r\n--w--\r\n`,
  );

async function packFiles(backend: Backend): Promise<string[]> {
  const names: string[] = [];
  for await (const object of backend.list('data/')) names.push(packNameFromPath(object.name)!);
  return names.sort();
}

async function indexed(index: BlobIndex): Promise<PackRecord[]> {
  const packs: PackRecord[] = [];
  for await (const pack of index.packs()) packs.push(pack);
  return packs;
}

describe('write path (BlobWriter)', () => {
  let pool: WorkerPool;
  let dir: string;
  let backend: Backend;
  let keys: RepositoryKeys;
  let index: BlobIndex;
  let condemned: Set<string>;
  const writer = (overrides: Partial<BlobWriterDeps> = {}) =>
    new BlobWriter({ backend, keys, index, pool, condemned, packSize: 64 * 1024, zstdLevel: 1, ...overrides });
  const reader = (from: BlobWriter, over: BlobIndex = index) =>
    new BlobReader({ backend, keys, index: over, pool, condemned, unflushed: from });
  before(() => {
    pool = createWorkerPool(2);
  });
  after(() => pool.close());
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-writer-'));
    backend = createFilesystemBackend(dir);
    keys = generateKeys();
    index = createMemoryIndex();
    condemned = new Set();
  });
  afterEach(async () => {
    await backend.close?.();
    await rm(dir, { recursive: true, force: true });
  });

  test('puts are pending until flush, which writes the pack and then indexes it', async () => {
    const blobs = writer();
    const id = await blobs.putObject({ hello: 'world' });
    assert.equal(blobs.isPending(id), true);
    assert.deepEqual(await packFiles(backend), [], 'nothing written before flush (pack not full)');
    assert.deepEqual(await indexed(index), []);
    await blobs.flush();
    assert.equal(blobs.isPending(id), false);
    const packs = await indexed(index);
    assert.deepEqual(await packFiles(backend), [packs[0]!.name], 'the indexed pack is the one written');
    assert.deepEqual(
      packs[0]!.blobs.map((blob) => blob.id),
      [id],
    );
  });

  test('a file is stored as it streams in: never held whole, each worker round trip bounded (the path a 2 GB Drive file takes)', async () => {
    const MiB = 1024 * 1024;
    const pieces = 48;
    // The worker pool as the writer sees it, recording the bytes of every file split it is handed.
    const splits: number[] = [];
    const spy = Object.create(pool) as WorkerPool;
    spy.run = ((task: { op: string; split?: string; data?: Buffer }, ...rest: unknown[]) => {
      if (task.op === 'split-hash' && task.split === 'file') splits.push(task.data?.length ?? 0);
      return (pool.run as (...args: unknown[]) => Promise<unknown>)(task, ...rest);
    }) as WorkerPool['run'];
    const blobs = writer({ pool: spy, packSize: 8 * MiB });
    const content = (n: number) => Buffer.from(attachment(n + 1, 3 * (MiB / 4)), 'latin1').subarray(0, MiB);
    let splitsBeforeLastPiece = -1;
    async function* body() {
      for (let n = 0; n < pieces; n++) {
        if (n === pieces - 1) splitsBeforeLastPiece = splits.length;
        yield content(n);
      }
    }
    const id = await blobs.putFile(body());
    await blobs.flush();
    assert.ok(
      splitsBeforeLastPiece >= 2,
      `the file was split while it still arrived (${splitsBeforeLastPiece} splits)`,
    );
    // A split carries at most one batch (16 MiB) plus the piece that crossed it and the tail
    // carried over from the previous split (under one 4 MiB chunk).
    assert.ok(Math.max(...splits) <= 16 * MiB + MiB + 4 * MiB, `largest split ${Math.max(...splits)} bytes`);
    const read = await reader(blobs).readAll(id);
    assert.equal(read.length, pieces * MiB);
    assert.ok(read.subarray(5 * MiB, 6 * MiB).equals(content(5)), 'the content reads back');
  });

  test('a full pack is written without waiting for flush', async () => {
    const blobs = writer({ packSize: 20_000 });
    for (let n = 0; n < 8; n++) await blobs.putMail(mail(`m${n}`, attachment(n)));
    assert.ok((await packFiles(backend)).length >= 1, 'packs went out as they filled');
    await blobs.flush();
    assert.equal((await indexed(index)).length, (await packFiles(backend)).length);
  });

  test('a pack is streamed into the backend as blobs are sealed and appears only whole, after its header', async () => {
    const writes: number[] = [];
    let puts = 0;
    const spy = Object.create(backend) as Backend;
    spy.put = (name, data) => {
      if (name.startsWith('data/')) puts++;
      return backend.put(name, data);
    };
    spy.create = async (name) => {
      const inner = await backend.create!(name);
      const write: ObjectWriter['write'] = (parts) => {
        writes.push(parts.length);
        return inner.write(parts);
      };
      return { ...inner, write } satisfies ObjectWriter;
    };
    const blobs = writer({ backend: spy, packSize: 8 * 1024 * 1024 });
    for (let n = 0; n < 12; n++) await blobs.putMail(mail(`big${n}`, randomBytes(192 * 1024).toString('base64')));
    assert.ok(writes.length >= 1, 'sealed blobs went to the backend before the pack was finished');
    assert.deepEqual(await packFiles(backend), [], 'no pack is visible before it is complete');
    assert.equal((await readdir(join(dir, 'tmp'))).length, 1, 'the open pack is a temporary file');
    await blobs.flush();
    assert.equal(puts, 0, 'packs are not written whole from memory');
    const packs = await indexed(index);
    assert.deepEqual(await packFiles(backend), packs.map((pack) => pack.name).sort());
    assert.deepEqual(await readdir(join(dir, 'tmp')), [], 'the temporary file became the pack');
    const read = reader(blobs);
    for (const blob of packs[0]!.blobs) assert.equal((await read.readBlobs([blob.id]))[0]!.data.length, blob.rawLength);
  });

  test('a streamed pack whose write fails never appears: flush reports it, nothing is indexed, no temporary file is left', async () => {
    const failing = Object.create(backend) as Backend;
    failing.create = async (name) => {
      const inner = await backend.create!(name);
      let calls = 0;
      return {
        ...inner,
        write: async (parts) => {
          if (++calls === 2) throw Object.assign(new Error('ENOSPC: no space left on device'), { code: 'ENOSPC' });
          await inner.write(parts);
        },
      } satisfies ObjectWriter;
    };
    const blobs = writer({ backend: failing, packSize: 8 * 1024 * 1024 });
    const ids: string[] = [];
    for (let n = 0; n < 12; n++)
      ids.push(await blobs.putMail(mail(`full${n}`, randomBytes(192 * 1024).toString('base64'))));
    await assert.rejects(blobs.flush(), /ENOSPC/);
    assert.deepEqual(await packFiles(backend), []);
    assert.deepEqual(await indexed(index), []);
    assert.deepEqual(await readdir(join(dir, 'tmp')), []);
    assert.equal(blobs.isPending(ids[0]!), true, 'the blobs are not taken for stored');
  });

  test('the same content is stored once, within a writer and against the index', async () => {
    const first = writer();
    const message = mail('dup', attachment(1));
    const [a, b] = await Promise.all([first.putMail(message), first.putMail(message)]);
    assert.equal(a, b);
    await first.flush();
    const blobsBefore = (await indexed(index)).flatMap((pack) => pack.blobs).length;
    const second = writer();
    assert.equal(await second.putMail(message), a);
    const objectId = await second.putObject({ n: 1 });
    assert.deepEqual(await second.putObjects([{ n: 1 }, { n: 1 }]), [objectId, objectId]);
    await second.flush();
    const blobsAfter = (await indexed(index)).flatMap((pack) => pack.blobs);
    assert.equal(blobsAfter.length, blobsBefore + 1, 'only the new object was stored');
  });

  test('a split message is its segments plus a mail descriptor; a file is chunks plus a file descriptor', async () => {
    const blobs = writer();
    const message = mail('split', attachment(2));
    const mailId = await blobs.putMail(message);
    const fileBytes = Buffer.from(attachment(3, 900_000));
    const fileId = await blobs.putFile(
      (async function* () {
        for (let at = 0; at < fileBytes.length; at += 100_000) yield fileBytes.subarray(at, at + 100_000);
      })(),
    );
    await blobs.flush();
    const types = new Map((await indexed(index)).flatMap((pack) => pack.blobs.map((blob) => [blob.id, blob.type])));
    assert.equal(types.get(mailId), BLOB_DESCRIPTOR);
    assert.equal(types.get(fileId), BLOB_DESCRIPTOR);
    const read = reader(blobs);
    const [mailDescriptor, fileDescriptor] = await read.readBlobs([mailId, fileId]);
    const forMail = parseDescriptor(mailDescriptor!.data);
    assert.equal(forMail.kind, 'mail');
    assert.equal(forMail.size, message.length);
    assert.ok(forMail.chunks.length >= 2 && forMail.chunks.every((chunk) => types.get(chunk) === BLOB_DATA));
    const forFile = parseDescriptor(fileDescriptor!.data);
    assert.equal(forFile.kind, 'file');
    assert.equal(forFile.size, fileBytes.length);
    assert.deepEqual(await read.readAll(mailId), message);
    assert.deepEqual(await read.readAll(fileId), fileBytes);
  });

  test('putMails and putMailFiles give the ids putMail gives, with sizes', async () => {
    const blobs = writer();
    const messages = [mail('a', attachment(4)), Buffer.from('Subject: plain\r\n\r\nno parts\r\n')];
    const expected = await Promise.all(messages.map((raw) => blobs.putMail(raw)));
    const batch = await blobs.putMails(messages.map((raw) => Buffer.from(raw)));
    assert.deepEqual(
      batch.map((entry) => entry.id),
      expected,
    );
    assert.deepEqual(
      batch.map((entry) => entry.size),
      messages.map((raw) => raw.length),
    );
    assert.deepEqual(
      batch.map((entry) => entry.hasAttachments),
      [true, false],
      'the PDF part is an attachment',
    );
    await writeFile(join(dir, 'a.eml'), messages[0]!);
    const files = await blobs.putMailFiles([join(dir, 'a.eml'), join(dir, 'missing.eml')]);
    assert.deepEqual(files[0], { ok: true, id: expected[0], size: messages[0]!.length, hasAttachments: true });
    assert.equal(files[1]!.ok, false, 'an unreadable file is reported, not fatal');
    await blobs.flush();
  });

  test('an id returned by a put that found its blob claimed by a concurrent put is durable after flush', async () => {
    const indexFiles = createRepositoryIndex(backend, keys.dataKey);
    await indexFiles.load();
    const blobs = writer({ index: indexFiles, packSize: 16 * 1024 * 1024 });
    for (let round = 0; round < 5; round++) {
      const value = { round, text: `shared attachment ${round} `.repeat(50_000) };
      const first = blobs.putObject(value);
      const id = await blobs.putObject(value);
      await blobs.flush();
      // A fresh index sees only what is durable: packs and index files in the backend.
      const durable = createRepositoryIndex(backend, keys.dataKey);
      await durable.load();
      const fresh = new BlobReader({ backend, keys, index: durable, pool, condemned, unflushed: writer() });
      assert.deepEqual(await fresh.readObject(id), value, `round ${round}`);
      assert.equal(await first, id);
    }
  });

  test('a blob found only in a condemned pack is stored again instead of deduplicated', async () => {
    const first = writer();
    const id = await first.putObject({ doomed: true });
    await first.flush();
    const [old] = await indexed(index);
    condemned.add(old!.name);
    const second = writer();
    assert.equal(await second.putObject({ doomed: true }), id);
    assert.equal(second.isPending(id), true, 'claimed as new');
    await second.flush();
    const copies = (await index.lookup([id])).get(id)!;
    assert.equal(copies.length, 2);
    assert.ok(copies.some((location) => location.pack !== old!.name));
  });

  test('a closed writer refuses puts with a clear error; bad input changes nothing', async () => {
    const blobs = writer();
    await assert.rejects(blobs.putObjects([{ ok: 1 }, undefined]), /putObject needs a JSON value/);
    await blobs.flush();
    assert.deepEqual(await packFiles(backend), []);
    blobs.close();
    await assert.rejects(blobs.putObject({ late: true }), /the repository is closed/);
  });
});
