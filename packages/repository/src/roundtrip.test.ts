// Round-trip properties: any MIME message, file or JSON value comes back byte for byte, and
// shared attachments are stored once.
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { createMemoryIndex } from './blob-index.ts';
import { chunkLengths, FILE_CHUNKER } from './fastcdc.ts';
import { generateKeys } from './keys.ts';
import { splitMail } from './mail-split.ts';
import { BLOB_DATA, BLOB_DESCRIPTOR } from './pack.ts';
import { createRepository, type Repository } from './repository.ts';
import { createWorkerPool, type WorkerPool } from './worker-pool.ts';

const mimeMessage = fc
  .record({
    boundary: fc.stringMatching(/^[A-Za-z0-9'()+_,./:=?-]{1,40}$/),
    quoted: fc.boolean(),
    eol: fc.constantFrom('\r\n', '\n'),
    preamble: fc.string({ maxLength: 50 }),
    parts: fc.array(
      fc.record({
        headers: fc.array(fc.stringMatching(/^X-[A-Za-z]{1,8}: [ -~]{0,30}$/), { maxLength: 3 }),
        body: fc.oneof(
          fc.string({ maxLength: 200 }),
          fc.uint8Array({ minLength: 0, maxLength: 9000 }).map((bytes) => Buffer.from(bytes).toString('base64')),
          fc.uint8Array({ maxLength: 3000 }).map((bytes) => Buffer.from(bytes).toString('latin1')),
        ),
      }),
      { maxLength: 5 },
    ),
    epilogue: fc.string({ maxLength: 20 }),
    closed: fc.boolean(),
  })
  .map(({ boundary, quoted, eol, preamble, parts, epilogue, closed }) => {
    const lines = [
      'From: a@example.com',
      `Content-Type: multipart/mixed; boundary=${quoted ? `"${boundary}"` : boundary}`,
      '',
      preamble,
    ];
    for (const part of parts) lines.push(`--${boundary}`, ...part.headers, '', part.body);
    if (closed) lines.push(`--${boundary}--`, epilogue);
    return Buffer.from(lines.join(eol), 'latin1');
  });

// Every property holds with worker threads and with a command line's pool run on the calling
// thread alone (worker-pool.ts `inline`: buffers are not copied into a worker, so a task that
// frees one would show here).
const pools = [
  { name: 'two worker threads', start: () => createWorkerPool(2) },
  { name: 'the calling thread alone', start: () => createWorkerPool(0, { inline: true }) },
];

for (const kind of pools)
  describe(`round trips (${kind.name})`, () => {
    let dir: string;
    let pool: WorkerPool;
    let repo: Repository;
    before(async () => {
      dir = await mkdtemp(join(tmpdir(), 'safehold-roundtrip-'));
      pool = kind.start();
      repo = await createRepository({
        backend: createFilesystemBackend(dir),
        keys: generateKeys(),
        index: createMemoryIndex(),
        pool,
        packSize: 256 * 1024,
      });
    });
    after(async () => {
      await repo.close();
      await pool.close();
      await rm(dir, { recursive: true, force: true });
    });

    test('the mail splitter always returns segments that add up to the message', () => {
      fc.assert(
        fc.property(mimeMessage, (raw) => {
          const lengths = splitMail(raw);
          assert.equal(
            lengths.reduce((a, b) => a + b, 0),
            raw.length,
          );
        }),
        { numRuns: 300 },
      );
    });

    test('random MIME messages and arbitrary bytes come back byte for byte as mail', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.oneof(
            mimeMessage,
            fc.uint8Array({ maxLength: 5000 }).map((b) => Buffer.from(b)),
          ),
          async (raw) => {
            const id = await repo.putMail(raw);
            assert.deepEqual(await repo.readAll(id), raw);
            assert.equal(await repo.putMail(raw), id, 'the same message gets the same id');
          },
        ),
        { numRuns: 80 },
      );
      await repo.flush();
    });

    test('readMany gives each item whole and in order: split mail, files of many chunks, objects, empty, repeated ids', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.array(
            fc.oneof(
              mimeMessage.map((raw) => ({ kind: 'mail' as const, raw })),
              fc
                .integer({ min: 0, max: 2_500_000 })
                .map((size) => ({ kind: 'file' as const, raw: Buffer.alloc(size, size % 251) })),
              fc
                .jsonValue()
                .map((value) => ({ kind: 'object' as const, raw: Buffer.from(JSON.stringify(value ?? null)) })),
            ),
            { minLength: 1, maxLength: 6 },
          ),
          fc.boolean(),
          async (items, flushFirst) => {
            const ids: string[] = [];
            for (const item of items) {
              if (item.kind === 'mail') ids.push(await repo.putMail(item.raw));
              else if (item.kind === 'file')
                ids.push(
                  await repo.putFile(
                    (async function* () {
                      yield item.raw;
                    })(),
                  ),
                );
              else ids.push(await repo.putObject(JSON.parse(item.raw.toString())));
            }
            if (flushFirst) await repo.flush();
            const asked = [...ids, ids[0] as string];
            const back = await repo.readMany(asked);
            assert.equal(back.length, asked.length);
            for (const [i, id] of asked.entries()) assert.ok(back[i]?.equals(await repo.readAll(id)), `item ${i}`);
          },
        ),
        { numRuns: 15 },
      );
      await assert.rejects(repo.readMany(['0'.repeat(64)]), /not in the repository/);
    });

    test('random files streamed in random pieces come back byte for byte', async () => {
      await fc.assert(
        fc.asyncProperty(
          fc.integer({ min: 0, max: 3_000_000 }),
          fc.integer({ min: 1, max: 700_000 }),
          fc.integer(),
          async (size, pieceSize, seed) => {
            const data = Buffer.alloc(size);
            let x = seed | 1;
            for (let i = 0; i < size; i++) {
              x ^= x << 13;
              x ^= x >>> 17;
              x ^= x << 5;
              data[i] = x & 0xff;
            }
            const pieces = async function* () {
              for (let i = 0; i < size; i += pieceSize) yield data.subarray(i, i + pieceSize);
            };
            const id = await repo.putFile(pieces());
            const back: Buffer[] = [];
            for await (const chunk of repo.read(id)) back.push(chunk as Buffer);
            assert.ok(Buffer.concat(back).equals(data));
          },
        ),
        { numRuns: 12 },
      );
    });

    test('FastCDC chunks stay within bounds and cut at the same places after an insertion', () => {
      const data = Buffer.alloc(12 * 1024 * 1024);
      for (let i = 0; i < data.length; i++) data[i] = (i * 2654435761) >>> 24;
      const lengths = chunkLengths(data, FILE_CHUNKER, true);
      assert.equal(
        lengths.reduce((a, b) => a + b, 0),
        data.length,
      );
      for (const length of lengths.slice(0, -1)) {
        assert.ok(length >= FILE_CHUNKER.minSize && length <= FILE_CHUNKER.maxSize);
      }
      const shifted = chunkLengths(Buffer.concat([Buffer.from('inserted bytes'), data]), FILE_CHUNKER, true);
      const ends = (ls: number[], offset: number) => {
        let at = -offset;
        return new Set(ls.map((l) => (at += l)));
      };
      const original = ends(lengths, 0);
      const moved = ends(shifted, 14);
      const shared = [...moved].filter((end) => original.has(end)).length;
      assert.ok(shared >= original.size - 2, 'content-defined cut points survive an insertion at the start');
    });

    test('JSON objects round-trip and identical values share one id', async () => {
      await fc.assert(
        fc.asyncProperty(fc.jsonValue(), async (value) => {
          const id = await repo.putObject(value);
          assert.deepEqual(await repo.readObject(id), JSON.parse(JSON.stringify(value)));
          assert.equal(await repo.putObject(value), id);
          assert.equal(await repo.has(id), true);
        }),
        { numRuns: 50 },
      );
    });

    test('an attachment carried by many messages is stored once', async () => {
      const attachment = Buffer.alloc(300_000, 7)
        .toString('base64')
        .replace(/(.{76})/g, '$1\r\n');
      const message = (n: number) =>
        Buffer.from(
          `Subject: ${n}\r\nContent-Type: multipart/mixed; boundary="b${n}"\r\n\r\n--b${n}\r\nContent-Type: text/plain\r\n\r\nnote ${n}\r\n--b${n}\r\nContent-Type: application/pdf\r\nContent-Transfer-Encoding: base64\r\n\r\n${attachment}\r\n--b${n}--\r\n`,
        );
      await repo.flush();
      const before = await repo.stats();
      const ids = [];
      for (let n = 0; n < 10; n++) ids.push(await repo.putMail(message(n)));
      await repo.flush();
      const after_ = await repo.stats();
      // The attachment's compressed copy is stored once: ten messages add far less than one raw attachment.
      assert.ok(after_.storedBytes - before.storedBytes < attachment.length / 2);
      for (let n = 0; n < 10; n++) assert.deepEqual(await repo.readAll(ids[n]!), message(n));
    });

    test('a message of one segment is its data blob alone; a split one gets a descriptor', async () => {
      const plain = Buffer.from(`Subject: plain ${Date.now()}\r\nContent-Type: text/plain\r\n\r\nno parts here\r\n`);
      const attachment = Buffer.alloc(9_000, 3).toString('base64');
      const split = Buffer.from(
        `Subject: split ${Date.now()}\r\nContent-Type: multipart/mixed; boundary="q"\r\n\r\n--q\r\nContent-Type: application/pdf\r\n\r\n${attachment}\r\n--q--\r\n`,
      );
      const [viaBatch] = await repo.putMails([new Uint8Array(plain)]);
      const plainId = await repo.putMail(plain);
      const splitId = await repo.putMail(split);
      await repo.flush();
      const types = new Map<string, number>();
      for await (const blob of repo.list()) types.set(blob.id, blob.type);
      assert.equal(viaBatch!.id, plainId, 'putMails and putMail agree on the one-segment form');
      assert.equal(types.get(plainId), BLOB_DATA, 'the one-segment message is a data blob');
      assert.equal(types.get(splitId), BLOB_DESCRIPTOR, 'the split message has a descriptor');
      assert.deepEqual(await repo.readAll(plainId), plain);
      assert.deepEqual(await repo.readAll(splitId), split);
      const dir = await mkdtemp(join(tmpdir(), 'safehold-one-segment-'));
      try {
        const restored = await repo.restoreToFiles([{ target: join(dir, 'plain.eml'), ids: [plainId] }]);
        assert.deepEqual(restored, [{ ok: true, bytes: plain.length }]);
        assert.deepEqual(await readFile(join(dir, 'plain.eml')), plain);
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    });

    test('putMails stores a batch as putMail does, hands owned buffers over and hashes on the worker', async () => {
      await fc.assert(
        fc.asyncProperty(fc.array(mimeMessage, { minLength: 1, maxLength: 6 }), async (messages) => {
          // Owned buffers (transferred) and views of a larger buffer (copied) in one batch.
          const owned = messages.map((raw) => new Uint8Array(raw));
          const shared = Buffer.concat([Buffer.from('prefix'), ...messages]);
          let at = 6;
          const views = messages.map((raw) => {
            const view = shared.subarray(at, at + raw.length);
            at += raw.length;
            return view;
          });
          const batch = owned.map((raw, i) => (i % 2 === 0 ? raw : views[i]!));
          const stored = await repo.putMails(batch);
          assert.equal(stored.length, messages.length);
          for (const [i, raw] of messages.entries()) {
            const entry = stored[i]!;
            assert.equal(entry.id, await repo.putMail(raw), 'the same id as putMail');
            assert.equal(entry.size, raw.length);
            assert.deepEqual(await repo.readAll(entry.id), raw);
            // Transferred when it owned its memory (and is not empty), copied when it was a view.
            if (i % 2 === 0) assert.equal(owned[i]!.byteLength, 0, 'an owned buffer is handed over');
            else assert.deepEqual(Buffer.from(views[i]!), raw, 'a view stays readable');
          }
        }),
        { numRuns: 30 },
      );
      await repo.flush();
    });

    test('putObjects stores values as putObject does, ids in order, duplicates once', async () => {
      const values = [{ n: 1 }, { n: 2 }, { n: 1 }, [3]];
      const ids = await repo.putObjects(values);
      assert.equal(ids.length, 4);
      assert.equal(ids[0], ids[2]);
      assert.deepEqual(ids, await Promise.all(values.map((value) => repo.putObject(value))));
      await repo.flush();
      for (const [i, id] of ids.entries()) assert.deepEqual(JSON.parse((await repo.readAll(id)).toString()), values[i]);
      await assert.rejects(repo.putObjects([{ ok: 1 }, undefined]), /putObject needs a JSON value/);
    });
  });
