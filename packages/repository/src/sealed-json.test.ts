// Sealed JSON written in pieces (sealed-json.ts): the pieces are JSON.stringify's bytes, the
// object on disk opens as a whole sealed one did, and a write that fails or never commits leaves
// nothing under its name.
import assert from 'node:assert/strict';
import { createCipheriv } from 'node:crypto';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import fc from 'fast-check';
import type { Backend, ObjectWriter } from './backend.ts';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { createSealer, open, SEAL_OVERHEAD, seal } from './blob-crypto.ts';
import { createIndexFileWriter, decodeIndexFile, encodeIndexFile, INDEX_AAD, indexFilePieces } from './blob-index.ts';
import { RepositoryError } from './errors.ts';
import { generateKeys } from './keys.ts';
import type { PackRecord } from './pack.ts';
import { jsonPieces, putSealed } from './sealed-json.ts';
import { SnapshotStore } from './snapshots.ts';

const keys = generateKeys();
const AAD = Buffer.from('test-aad');
const joined = (pieces: Buffer[]): string => Buffer.concat(pieces).toString();
const hex = (n: number): string => n.toString(16).padStart(64, '0');

/** A put-mail snapshot's data for `files` messages (≈ 100 bytes of JSON each). */
function mailData(files: number): { files: Record<string, { eml: string }> } {
  const entries: Record<string, { eml: string }> = {};
  for (let i = 0; i < files; i++) entries[`mailbox-${i % 7}/folder ü/${i}.eml`] = { eml: hex(i) };
  return { files: entries };
}

function packs(count: number, blobsEach: number): PackRecord[] {
  return Array.from({ length: count }, (_, p) => ({
    name: hex(p).slice(32),
    size: 16_000_000 + p,
    blobs: Array.from({ length: blobsEach }, (_, b) => ({
      id: hex(p * 100_000 + b),
      type: (b % 2) as 0 | 1,
      offset: b * 1000,
      length: 900 + b,
      rawLength: 2000 + b,
    })),
  }));
}

/** `backend` whose streamed objects go through `wrap`'s writer (to fail a write or a commit). */
function withWriters(backend: Backend, wrap: (writer: ObjectWriter) => ObjectWriter): Backend {
  return new Proxy(backend, {
    get(target, property) {
      if (property !== 'create') {
        const value = Reflect.get(target, property, target);
        return typeof value === 'function' ? value.bind(target) : value;
      }
      return async (name: string): Promise<ObjectWriter> => wrap(await target.create!(name));
    },
  });
}

describe('JSON in pieces', () => {
  test('the pieces are JSON.stringify’s bytes for any JSON value, whatever the piece size', () => {
    fc.assert(
      fc.property(fc.jsonValue({ stringUnit: 'binary' }), fc.integer({ min: 1, max: 200 }), (value, pieceChars) => {
        assert.equal(joined(jsonPieces(value, pieceChars)), JSON.stringify(value));
      }),
      { numRuns: 500 },
    );
  });

  test('values JSON.stringify leaves out, turns to null or converts are handled as it does', () => {
    const value = {
      a: undefined,
      b: () => 1,
      c: Symbol('s'),
      d: [undefined, () => 1, Symbol('s'), 1],
      e: new Date(0),
      f: { toJSON: () => undefined },
      g: { toJSON: () => ({ nested: [1, 'two'] }) },
      h: Object.assign(Object.create(null) as object, { x: 1 }),
      'quoted "key"\n': 'ü – \u2028 \ud800',
      i: [Number.NaN, Number.POSITIVE_INFINITY, -0, 1e21, null, true],
      j: new Map([[1, 2]]),
      k: [[], {}, [[]]],
      // toJSON is given its key (an object's member name, an array's index), as JSON.stringify does.
      l: { toJSON: (key: string) => `key=${key}` },
      m: [{ toJSON: (key: string) => `index=${key}` }],
      ...(typeof (JSON as { rawJSON?: unknown }).rawJSON === 'function'
        ? { n: (JSON as unknown as { rawJSON: (text: string) => unknown }).rawJSON('12345678901234567890') }
        : {}),
    };
    for (const pieceChars of [1, 3, 64 * 1024])
      assert.equal(joined(jsonPieces(value, pieceChars)), JSON.stringify(value));
    assert.equal(joined(jsonPieces([undefined])), '[null]');
  });

  test('a cycle or a BigInt throws, as JSON.stringify does', () => {
    const cyclic: Record<string, unknown> = { a: [1] };
    (cyclic.a as unknown[]).push(cyclic);
    assert.throws(() => jsonPieces(cyclic), TypeError);
    assert.throws(() => jsonPieces({ n: 1n }), TypeError);
    assert.throws(() => jsonPieces(undefined), TypeError);
    // The same object twice (not a cycle) is fine.
    const shared = { x: 1 };
    assert.equal(
      joined(jsonPieces({ a: shared, b: [shared, shared] })),
      JSON.stringify({ a: shared, b: [shared, shared] }),
    );
  });

  test('a large value comes in many pieces of bounded size', () => {
    const value = mailData(5_000);
    const pieces = jsonPieces(value, 4096);
    assert.ok(pieces.length > 100);
    // A piece ends at the first text added after it reached its size: one entry's worth more at most.
    for (const piece of pieces) assert.ok(piece.length < 4096 + 400, `piece of ${piece.length} bytes`);
    assert.equal(joined(pieces), JSON.stringify(value));
  });

  test('an index file’s pieces are the JSON text of its packs as written before', () => {
    for (const records of [[], packs(1, 0), packs(3, 700)]) {
      const before = JSON.stringify({
        v: 1,
        packs: records.map((pack) => ({
          name: pack.name,
          size: pack.size,
          blobs: pack.blobs.map((blob) => [blob.id, blob.type, blob.offset, blob.length, blob.rawLength]),
        })),
      });
      assert.equal(joined(indexFilePieces(records)), before);
      assert.deepEqual(decodeIndexFile(keys.dataKey, 'i', encodeIndexFile(keys.dataKey, records)), records);
    }
  });
});

describe('sealed objects written in pieces', () => {
  let dir: string;
  let backend: Backend;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-sealed-json-'));
    backend = createFilesystemBackend(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  const names = async (prefix: string): Promise<string[]> => {
    const found: string[] = [];
    for await (const object of backend.list(prefix)) found.push(object.name);
    return found;
  };

  test('the sealer gives what seal() gives for the whole plaintext, nonce apart', () => {
    const plaintext = Buffer.from(JSON.stringify(mailData(3_000)));
    const sealer = createSealer(keys.dataKey, AAD);
    const sealed = Buffer.concat([
      sealer.head,
      sealer.update(plaintext.subarray(0, 1000)),
      sealer.update(plaintext.subarray(1000)),
      sealer.final(),
    ]);
    assert.equal(sealed.length, plaintext.length + SEAL_OVERHEAD);
    assert.deepEqual(open(keys.dataKey, sealed, AAD, 'x'), plaintext);
    assert.equal(seal(keys.dataKey, plaintext, AAD).length, sealed.length);
    assert.throws(() => open(keys.dataKey, sealed, Buffer.from('other'), 'x'), /authentication failed/);
  });

  test('a snapshot written in pieces (several writes) reads back identical and is the one-shot seal of its JSON.stringify', async () => {
    const store = new SnapshotStore({
      backend,
      dataKey: keys.dataKey,
      clock: () => new Date('2026-12-05T12:00:00Z'),
      unflushed: { isPending: () => false, flush: async () => undefined },
    });
    const roots = Array.from({ length: 100 }, (_, i) => hex(i));
    const data = mailData(20_000);
    const written = await store.write({ kind: 'put-mail', roots, data });
    assert.deepEqual(await names('snapshots/'), [`snapshots/${written.id}`]);
    const stored = await backend.get(`snapshots/${written.id}`);
    assert.ok(stored.length > 2 * 1024 * 1024, 'large enough for several pieces and writes');
    assert.deepEqual(await store.read(written.id), written);
    assert.deepEqual(written.data, data);
    // Byte for byte what one JSON.stringify sealed in one AES-GCM pass (same nonce) gives.
    const nonce = stored.subarray(0, 12);
    const cipher = createCipheriv('aes-256-gcm', keys.dataKey, nonce);
    cipher.setAAD(Buffer.from('safehold-snapshot-v1'));
    const plaintext = Buffer.from(JSON.stringify(written));
    assert.ok(
      Buffer.concat([nonce, cipher.update(plaintext), cipher.final(), cipher.getAuthTag()]).equals(stored),
      'the stored object is the one-shot seal of JSON.stringify',
    );
    assert.deepEqual(await backend.temporaryFiles!(), [], 'no temporary file left');
  });

  test('an index file writer’s file names every pack added, in order, across adds', async () => {
    const writer = createIndexFileWriter(backend, keys.dataKey);
    const records = packs(4, 3_000);
    writer.add(records.slice(0, 1));
    writer.add(records.slice(1));
    const name = await writer.flush();
    assert.deepEqual(decodeIndexFile(keys.dataKey, name!, await backend.get(name!)), records);
    assert.equal(await writer.flush(), undefined);
  });

  test('nothing is visible before the commit; a failed write aborts and leaves nothing', async () => {
    const seen: string[][] = [];
    let writes = 0;
    const failing = withWriters(backend, (writer) => ({
      write: async (parts) => {
        await writer.write(parts);
        seen.push(await names('snapshots/'));
        if (++writes === 2) throw new Error('disk full');
      },
      commit: () => writer.commit(),
      abort: () => writer.abort(),
    }));
    const pieces = jsonPieces(mailData(30_000));
    await assert.rejects(putSealed(failing, 'snapshots/s', keys.dataKey, pieces, AAD), /disk full/);
    assert.deepEqual(seen, [[], []], 'not visible while being written');
    assert.deepEqual(await names('snapshots/'), []);
    await assert.rejects(backend.get('snapshots/s'), (error) => error instanceof RepositoryError);
    assert.deepEqual(await backend.temporaryFiles!(), [], 'the partial bytes are removed');
  });

  test('a commit that fails aborts the object: nothing visible, no temporary file', async () => {
    const failing = withWriters(backend, (writer) => ({
      write: (parts) => writer.write(parts),
      commit: async () => {
        throw new Error('rename refused');
      },
      abort: () => writer.abort(),
    }));
    await assert.rejects(
      putSealed(failing, 'snapshots/s', keys.dataKey, jsonPieces(mailData(3_000)), AAD),
      /rename refused/,
    );
    assert.deepEqual(await names('snapshots/'), []);
    assert.deepEqual(await backend.temporaryFiles!(), []);
  });

  test('a write cut short (a crash: never committed nor aborted) leaves no object, only a temporary file', async () => {
    const writer = await backend.create!('snapshots/s');
    const sealer = createSealer(keys.dataKey, AAD);
    await writer.write([sealer.head, sealer.update(Buffer.from('{"v":1,'))]);
    assert.deepEqual(await names('snapshots/'), []);
    assert.equal((await backend.temporaryFiles!()).length, 1, 'a later open removes it as it does a cut-short put');
    await writer.abort();
  });

  test('a backend without streamed objects gets the same sealed object through put', async () => {
    const puts: string[] = [];
    const plain: Backend = {
      put: async (name, data) => {
        puts.push(name);
        await backend.put(name, data);
      },
      get: (name, range) => backend.get(name, range),
      list: (prefix) => backend.list(prefix),
      delete: (name) => backend.delete(name),
    } as Backend;
    const value = mailData(2_000);
    await putSealed(plain, 'snapshots/s', keys.dataKey, jsonPieces(value, 1000), AAD);
    assert.deepEqual(puts, ['snapshots/s']);
    assert.deepEqual(JSON.parse(open(keys.dataKey, await backend.get('snapshots/s'), AAD, 's').toString()), value);
  });

  test('an index file written in pieces opens with INDEX_AAD only', async () => {
    const records = packs(2, 10);
    await putSealed(backend, 'index/i', keys.dataKey, indexFilePieces(records), INDEX_AAD);
    assert.deepEqual(decodeIndexFile(keys.dataKey, 'index/i', await backend.get('index/i')), records);
    await putSealed(backend, 'index/j', keys.dataKey, indexFilePieces(records), AAD);
    const other = await backend.get('index/j');
    assert.throws(() => decodeIndexFile(keys.dataKey, 'index/j', other), /authentication failed/);
  });
});
