// Random corruption of a real repository (issue 16): whatever happens to a pack file or an
// index file — bytes flipped, a range overwritten, the file cut short or grown — every read
// returns the exact bytes that were put or fails with a RepositoryError that names the pack;
// nothing crashes, hangs or hands back wrong data. Uses only the package's public exports.
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import {
  type Backend,
  createFilesystemBackend,
  createRepository,
  createWorkerPool,
  generateKeys,
  openRepository,
  RepositoryError,
  type RepositoryKeys,
  verifyRepository,
  type WorkerPool,
} from './index.ts';

const runs = Number(process.env.SAFEHOLD_FUZZ_RUNS ?? 300);
// Each case opens the repository and reads everything back: a tenth of the shared run count.
const corruptionRuns = Math.max(20, Math.floor(runs / 10));

/** Incompressible but repeatable bytes (so the messages fill several small packs). */
const noise = (size: number) => {
  const chunks: Buffer[] = [];
  for (let i = 0; chunks.length * 32 < size; i++) chunks.push(createHash('sha256').update(`${size}:${i}`).digest());
  return Buffer.concat(chunks).subarray(0, size);
};

const mail = (n: number) =>
  Buffer.from(
    `Subject: message ${n}\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n\r\nhello ${n}\r\n--b\r\nContent-Type: application/octet-stream\r\n\r\n${noise(3000 + n * 97).toString('base64')}\r\n--b--\r\n`,
  );

/** A corruption of a file of `size` bytes. */
const corruption = fc.oneof(
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.array(fc.nat(), { minLength: 1, maxLength: 8 }),
    mask: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({
    kind: fc.constant('overwrite' as const),
    at: fc.nat(),
    bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }),
  }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat() }),
  fc.record({ kind: fc.constant('append' as const), bytes: fc.uint8Array({ minLength: 1, maxLength: 64 }) }),
);
type Corruption = typeof corruption extends fc.Arbitrary<infer T> ? T : never;

function corrupt(original: Buffer, change: Corruption): Buffer {
  const bytes = Buffer.from(original);
  switch (change.kind) {
    case 'flip':
      for (const at of change.at) bytes[at % bytes.length]! ^= change.mask;
      return bytes;
    case 'overwrite':
      Buffer.from(change.bytes).copy(bytes, change.at % bytes.length);
      return bytes;
    case 'truncate':
      return bytes.subarray(0, change.at % bytes.length);
    case 'append':
      return Buffer.concat([bytes, change.bytes]);
  }
}

async function objectNames(backend: Backend): Promise<string[]> {
  const names: string[] = [];
  for await (const object of backend.list('')) names.push(object.name);
  return names.sort();
}

describe('repository readers under random corruption', () => {
  let dir: string;
  let backend: Backend;
  let keys: RepositoryKeys;
  let pool: WorkerPool;
  const originals = new Map<string, Buffer>();
  let packFiles: Array<{ file: string; pack: string }> = [];
  let indexFiles: string[] = [];

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-corruption-'));
    backend = createFilesystemBackend(dir);
    keys = generateKeys();
    pool = createWorkerPool(1);
    // Small packs, so the messages spread over several.
    const repo = await createRepository({ backend, keys, pool, packSize: 8 * 1024 });
    for (let n = 0; n < 12; n++) originals.set(await repo.putMail(mail(n)), mail(n));
    await repo.flush();
    const packs: string[] = [];
    for await (const pack of repo.indexedPacks()) packs.push(pack.name);
    await repo.close();
    const names = await objectNames(backend);
    packFiles = packs.map((pack) => ({ pack, file: names.find((name) => name.endsWith(pack)) ?? '' }));
    assert.ok(packFiles.length >= 2 && packFiles.every((entry) => entry.file), JSON.stringify({ packs, names }));
    indexFiles = names.filter((name) => name.startsWith('index/'));
    assert.ok(indexFiles.length >= 1, JSON.stringify(names));
  });
  after(async () => {
    await pool.close();
    await rm(dir, { recursive: true, force: true });
  });

  /** Reads every message back: the exact bytes, or a RepositoryError; the errors' messages. */
  async function readEverything(): Promise<string[]> {
    const errors: string[] = [];
    let repo: Awaited<ReturnType<typeof openRepository>>;
    try {
      repo = await openRepository({ backend, keys, pool });
    } catch (error) {
      assert.ok(error instanceof RepositoryError, `opening failed with a non-repository error: ${String(error)}`);
      return [error.message];
    }
    try {
      for (const [id, bytes] of originals) {
        try {
          const read = await repo.readAll(id);
          assert.ok(read.equals(bytes), `message ${id} read back different bytes`);
        } catch (error) {
          if (error instanceof assert.AssertionError) throw error;
          assert.ok(error instanceof RepositoryError, `reading failed with a non-repository error: ${String(error)}`);
          errors.push(error.message);
        }
      }
    } finally {
      await repo.close();
    }
    return errors;
  }

  test('a corrupted pack: exact bytes or an error naming the pack; verify names it too', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), corruption, async (which, change) => {
        const { file, pack } = packFiles[which % packFiles.length]!;
        const path = join(dir, file);
        const original = await readFile(path);
        const damaged = corrupt(original, change);
        fc.pre(!damaged.equals(original));
        await writeFile(path, damaged);
        try {
          const errors = await readEverything();
          for (const message of errors)
            assert.ok(message.includes(pack), `the error does not name pack ${pack}: ${message}`);
          const repo = await openRepository({ backend, keys, pool });
          try {
            const report = await verifyRepository(repo);
            // Appended bytes past the last blob are harmless; everything else is damage.
            if (errors.length > 0)
              assert.ok(
                report.damage.some((damage) => damage.pack === pack),
                JSON.stringify(report.damage),
              );
          } finally {
            await repo.close();
          }
        } finally {
          await writeFile(path, original);
        }
      }),
      { numRuns: corruptionRuns },
    );
  });

  test('a corrupted index file: exact bytes or a RepositoryError, never a crash or wrong data', {
    timeout: 120_000,
  }, async () => {
    await fc.assert(
      fc.asyncProperty(fc.nat(), corruption, async (which, change) => {
        const file = indexFiles[which % indexFiles.length]!;
        const path = join(dir, file);
        const original = await readFile(path);
        const damaged = corrupt(original, change);
        fc.pre(!damaged.equals(original));
        await writeFile(path, damaged);
        try {
          await readEverything();
        } finally {
          await writeFile(path, original);
        }
      }),
      { numRuns: corruptionRuns },
    );
  });
});
