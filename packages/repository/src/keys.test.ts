// Key files: their shape check (by hand since the zod schema went, the same shapes accepted) and
// the key derivation started ahead of an open (deriveKeysAhead: the command line starts scrypt
// before it loads the engine), which an open with the same password takes and any other ignores.
import assert from 'node:assert/strict';
import { mkdtemp, readdir, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, test } from 'node:test';
import type { Backend } from './backend.ts';
import { createFilesystemBackend } from './backend-filesystem.ts';
import { deriveKeysAhead, generateKeys, keyDerivationsAhead, parseKeyFile, unwrapKeys, wrapKeys } from './keys.ts';
import { createRepository, openRepository } from './repository.ts';

const valid = { kdf: 'scrypt', N: 1024, r: 8, p: 1, salt: 'c2FsdA==', sealed: 'c2VhbGVk' };

describe('key files', () => {
  test('a key file is parsed to its six fields; other shapes are refused', async () => {
    assert.deepEqual(parseKeyFile({ ...valid, extra: 1 }), valid);
    const file = await wrapKeys(generateKeys(), 'pw', 1024);
    assert.deepEqual(parseKeyFile(JSON.parse(JSON.stringify(file))), file);
    for (const bad of [
      null,
      [],
      'scrypt',
      { ...valid, kdf: 'argon2' },
      { ...valid, N: 512 },
      { ...valid, N: 1024.5 },
      { ...valid, N: '1024' },
      { ...valid, r: 0 },
      { ...valid, p: 0 },
      { ...valid, salt: 1 },
      { ...valid, sealed: undefined },
    ]) {
      assert.equal(parseKeyFile(bad), undefined, JSON.stringify(bad));
    }
  });

  test('unwrapping takes a derivation started ahead only with the same password', async () => {
    const keys = generateKeys();
    const file = await wrapKeys(keys, 'right', 1024);
    const dir = await mkdtemp(join(tmpdir(), 'safehold-keys-'));
    try {
      const backend = createFilesystemBackend(dir);
      await backend.put('keys/a', Buffer.from(JSON.stringify(file)));
      await deriveKeysAhead(backend, 'wrong');
      assert.equal(keyDerivationsAhead(), 1);
      // The wrong password's derivation is dropped, not used for the right one.
      const unwrapped = await unwrapKeys(file, 'right');
      assert.deepEqual(unwrapped?.dataKey, keys.dataKey);
      assert.equal(keyDerivationsAhead(), 0);
      await deriveKeysAhead(backend, 'wrong');
      assert.equal(await unwrapKeys(file, 'wrong'), undefined);
      assert.equal(keyDerivationsAhead(), 0);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });
});

describe('opening with the key derivation started ahead', () => {
  let dir: string;
  let backend: Backend;
  beforeEach(async () => {
    dir = await mkdtemp(join(tmpdir(), 'safehold-keys-'));
    backend = createFilesystemBackend(dir);
  });
  afterEach(async () => {
    await rm(dir, { recursive: true, force: true });
  });

  test('an open with the same password takes the early derivation and reads the same data', async () => {
    const repo = await createRepository({ backend, password: 'pw', scryptN: 1024, workers: 1 });
    const id = await repo.putMail(Buffer.from('Subject: ahead\r\n\r\nbody\r\n'));
    await repo.close();
    await deriveKeysAhead(backend, 'pw');
    assert.equal(keyDerivationsAhead(), 1);
    const again = await openRepository({ backend, password: 'pw', workers: 1 });
    try {
      assert.equal(keyDerivationsAhead(), 0);
      assert.equal((await again.readAll(id)).toString(), 'Subject: ahead\r\n\r\nbody\r\n');
    } finally {
      await again.close();
    }
  });

  test('a wrong password started ahead is still refused, and nothing is written', async () => {
    const repo = await createRepository({ backend, password: 'pw', scryptN: 1024, workers: 1 });
    await repo.close();
    const before = (await readdir(dir, { recursive: true })).sort();
    await deriveKeysAhead(backend, 'nope');
    await assert.rejects(openRepository({ backend, password: 'nope', workers: 1 }), { code: 'wrong-password' });
    assert.deepEqual((await readdir(dir, { recursive: true })).sort(), before);
  });

  test('a directory that is no repository: nothing started, nothing thrown, nothing written', async () => {
    await deriveKeysAhead(backend, 'pw');
    assert.equal(keyDerivationsAhead(), 0);
    assert.deepEqual(await readdir(dir), []);
  });
});
