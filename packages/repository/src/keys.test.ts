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
import {
  deriveKeysAhead,
  generateKeys,
  type KeyFile,
  type KeysAhead,
  parseKeyFile,
  unwrapKeys,
  wrapKeys,
} from './keys.ts';
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

  test('scrypt parameters no key file of ours has are refused (not a power of two, over 1 GiB, p > 16)', () => {
    for (const bad of [
      { ...valid, N: 1536 },
      { ...valid, N: 2 ** 20, r: 16 },
      { ...valid, N: 2 ** 30 },
      { ...valid, p: 17 },
    ]) {
      assert.equal(parseKeyFile(bad), undefined, JSON.stringify(bad));
    }
    assert.deepEqual(parseKeyFile({ ...valid, N: 2 ** 20, r: 8, p: 16 }), { ...valid, N: 2 ** 20, r: 8, p: 16 });
  });

  test('unwrapping uses the derivation handed to it: a wrong one fails the unwrap', async () => {
    const keys = generateKeys();
    const file = await wrapKeys(keys, 'pw', 1024);
    const wrongKek: KeysAhead = { kek: async () => Buffer.alloc(32, 7) };
    assert.equal(await unwrapKeys(file, 'pw', wrongKek), undefined);
    const none: KeysAhead = { kek: async () => undefined };
    assert.deepEqual((await unwrapKeys(file, 'pw', none))?.dataKey, keys.dataKey);
  });

  test('a derivation started ahead answers once, for its key file and password only', async () => {
    const keys = generateKeys();
    const file = await wrapKeys(keys, 'right', 1024);
    const other = await wrapKeys(keys, 'right', 1024);
    const dir = await mkdtemp(join(tmpdir(), 'safehold-keys-'));
    try {
      const backend = createFilesystemBackend(dir);
      await backend.put('keys/a', Buffer.from(JSON.stringify(file)));
      const wrong = deriveKeysAhead(backend, 'wrong');
      assert.equal(await wrong.kek(file, 'right'), undefined);
      assert.deepEqual((await unwrapKeys(file, 'right', wrong))?.dataKey, keys.dataKey);
      const ahead = deriveKeysAhead(backend, 'right');
      assert.equal(await ahead.kek(other, 'right'), undefined, 'another salt');
      const kek = await ahead.kek(file, 'right');
      assert.ok(kek);
      assert.equal(await ahead.kek(file, 'right'), undefined, 'taken once');
      // The early result is the key that opens the file.
      assert.deepEqual((await unwrapKeys(file, 'right', { kek: async () => kek }))?.dataKey, keys.dataKey);
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  });

  test('a key file asking for more than wrapKeys writes is not derived ahead', async () => {
    const file = await wrapKeys(generateKeys(), 'pw', 1024);
    const dir = await mkdtemp(join(tmpdir(), 'safehold-keys-'));
    try {
      const backend = createFilesystemBackend(dir);
      const costly = { ...file, N: 2 ** 18 };
      await backend.put('keys/a', Buffer.from(JSON.stringify(costly)));
      assert.equal(await deriveKeysAhead(backend, 'pw').kek(costly, 'pw'), undefined);
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
    let answered = 0;
    const started = deriveKeysAhead(backend, 'pw');
    const keysAhead: KeysAhead = {
      async kek(file, password) {
        const kek = await started.kek(file, password);
        if (kek) answered += 1;
        return kek;
      },
    };
    const again = await openRepository({ backend, password: 'pw', keysAhead, workers: 1 });
    try {
      assert.equal(answered, 1);
      assert.equal((await again.readAll(id)).toString(), 'Subject: ahead\r\n\r\nbody\r\n');
    } finally {
      await again.close();
    }
  });

  test('a wrong password started ahead is still refused, and nothing is written', async () => {
    const repo = await createRepository({ backend, password: 'pw', scryptN: 1024, workers: 1 });
    await repo.close();
    const before = (await readdir(dir, { recursive: true })).sort();
    const keysAhead = deriveKeysAhead(backend, 'nope');
    await assert.rejects(openRepository({ backend, password: 'nope', keysAhead, workers: 1 }), {
      code: 'wrong-password',
    });
    assert.deepEqual((await readdir(dir, { recursive: true })).sort(), before);
  });

  test('a directory that is no repository: nothing started, nothing thrown, nothing written', async () => {
    const ahead = deriveKeysAhead(backend, 'pw');
    assert.equal(await ahead.kek(valid as KeyFile, 'pw'), undefined);
    assert.deepEqual(await readdir(dir), []);
  });
});
