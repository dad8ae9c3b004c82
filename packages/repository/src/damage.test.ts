// Wrong keys and passwords are refused before anything changes; damage in a pack is named by
// verify (pack and blob); the index can be rebuilt from the packs alone.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Backend } from './backend.ts';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { RepositoryError } from './errors.ts';
import { generateKeys } from './keys.ts';
import { packPath } from './pack.ts';
import { rebuildIndex } from './rebuild-index.ts';
import { createRepository, openRepository } from './repository.ts';
import { verifyRepository } from './verify.ts';

async function listing(backend: Backend): Promise<string[]> {
  const names: string[] = [];
  for await (const object of backend.list('')) names.push(`${object.name}:${object.size}`);
  return names.sort();
}

const message = (n: number) =>
  Buffer.from(
    `Subject: ${n}\r\nContent-Type: multipart/mixed; boundary=x\r\n\r\n--x\r\n\r\nhello ${n}\r\n--x\r\nContent-Type: image/png\r\n\r\n${Buffer.alloc(5000, n).toString('base64')}\r\n--x--\r\n`,
  );

describe('keys, damage and recovery', () => {
  let dir: string;
  let backend: Backend;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-damage-'));
    backend = createFilesystemBackend(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('a wrong password is refused with a clear error and changes nothing', async () => {
    const repo = await createRepository({ backend, password: 'right', scryptN: 1024, workers: 1 });
    await repo.putMail(message(1));
    await repo.close();
    const before = await listing(backend);
    await assert.rejects(openRepository({ backend, password: 'wrong', workers: 1 }), (error: unknown) => {
      assert.ok(error instanceof RepositoryError);
      assert.equal(error.code, 'wrong-password');
      assert.match(error.message, /wrong password/);
      return true;
    });
    assert.deepEqual(await listing(backend), before);
  });

  test('raw keys of another repository are refused before anything is read or written', async () => {
    const repo = await createRepository({ backend, keys: generateKeys(), workers: 1 });
    await repo.close();
    const before = await listing(backend);
    await assert.rejects(openRepository({ backend, keys: generateKeys(), workers: 1 }), { code: 'wrong-keys' });
    assert.deepEqual(await listing(backend), before);
  });

  test('a directory without a repository is reported as not a repository and stays empty', async () => {
    await assert.rejects(openRepository({ backend, password: 'x', workers: 1 }), { code: 'not-a-repository' });
    assert.deepEqual(await readdir(dir), []);
  });

  test('a flipped byte in a pack is reported by verify naming the pack and the blob', async () => {
    const keys = generateKeys();
    const repo = await createRepository({ backend, keys, workers: 1 });
    const ids = [];
    for (let n = 0; n < 5; n++) ids.push(await repo.putMail(message(n)));
    await repo.flush();
    const clean = await verifyRepository(repo);
    assert.deepEqual(clean.damage, []);
    const packs = [];
    for await (const each of repo.indexedPacks()) packs.push(each);
    const [pack] = packs;
    const target = pack!.blobs[3]!;
    const path = join(dir, packPath(pack!.name));
    const bytes = await readFile(path);
    bytes[target.offset + 20]! ^= 0x01;
    await writeFile(path, bytes);
    const report = await verifyRepository(repo);
    assert.equal(report.damage.length, 1);
    assert.equal(report.damage[0]!.pack, pack!.name);
    assert.equal(report.damage[0]!.blob, target.id);
    await repo.close();
  });

  test('reading a damaged blob fails with an error instead of returning garbage', async () => {
    const repo = await createRepository({ backend, keys: generateKeys(), workers: 1 });
    const id = await repo.putMail(message(9));
    await repo.close();
    const files = (await readdir(join(dir, 'data'), { recursive: true })).filter((f) => /[0-9a-f]{32}$/.test(f));
    const path = join(dir, 'data', files[0]!);
    const bytes = await readFile(path);
    for (let i = 0; i < (await stat(path)).size - 100; i += 50) bytes[i]! ^= 0xff;
    await writeFile(path, bytes);
    const reopened = await openRepository({ backend, keys: repo.core.keys, workers: 1 });
    await assert.rejects(reopened.readAll(id), { code: 'damaged' });
    await reopened.close();
  });

  test('rebuild-index reconstructs the index from the packs alone', async () => {
    const keys = generateKeys();
    const repo = await createRepository({ backend, keys, workers: 1, packSize: 4096 });
    const ids = [];
    for (let n = 0; n < 8; n++) ids.push(await repo.putMail(message(n)));
    await repo.close();
    await rm(join(dir, 'index'), { recursive: true });
    const lost = await openRepository({ backend, keys, workers: 1 });
    assert.equal(await lost.has(ids[0]!), false);
    const report = await rebuildIndex(lost);
    assert.ok(report.packs >= 1);
    assert.deepEqual(report.unreadable, []);
    for (let n = 0; n < 8; n++) assert.deepEqual(await lost.readAll(ids[n]!), message(n));
    await lost.close();
    const reopened = await openRepository({ backend, keys, workers: 1 });
    assert.deepEqual(await reopened.readAll(ids[7]!), message(7));
    assert.deepEqual((await verifyRepository(reopened)).damage, []);
    await reopened.close();
  });
});
