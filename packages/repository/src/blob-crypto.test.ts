// Sealing (docs/repository-format.md: AES-256-GCM, nonce first, tag last): any plaintext, in one
// piece or several, large ones encrypted slice by slice, opens back byte for byte and only with
// its key and associated data.
import assert from 'node:assert/strict';
import { createCipheriv, randomBytes } from 'node:crypto';
import { test } from 'node:test';
import { blobId, openBlob, SEAL_OVERHEAD, seal, sealBlob, tryOpen } from './blob-crypto.ts';

const MiB = 1024 * 1024;

test('plaintexts of every size around the 1 MiB slice, whole or in parts, open back byte for byte', () => {
  const key = randomBytes(32);
  const aad = Buffer.from('test');
  for (const size of [0, 1, MiB - 1, MiB, MiB + 1, 3.5 * MiB]) {
    const plaintext = randomBytes(size);
    const sealed = seal(key, plaintext, aad);
    assert.equal(sealed.length, size + SEAL_OVERHEAD, `${size}`);
    assert.deepEqual(tryOpen(key, sealed, aad), plaintext, `${size}`);
  }
  const parts = [randomBytes(10), Buffer.alloc(0), randomBytes(2 * MiB + 7), randomBytes(100)];
  const sealed = seal(key, parts, aad);
  assert.deepEqual(tryOpen(key, sealed, aad), Buffer.concat(parts));
  assert.equal(tryOpen(key, sealed, Buffer.from('other')), undefined);
  assert.equal(tryOpen(randomBytes(32), sealed, aad), undefined);
  sealed[sealed.length >> 1]! ^= 1;
  assert.equal(tryOpen(key, sealed, aad), undefined);
});

test('sealing in slices writes the bytes one AES-256-GCM pass over the whole plaintext writes', () => {
  const key = randomBytes(32);
  const aad = Buffer.from('test');
  for (const parts of [[randomBytes(3.5 * MiB)], [randomBytes(10), Buffer.alloc(0), randomBytes(2 * MiB + 7)]]) {
    const sealed = seal(key, parts.length === 1 ? parts[0]! : parts, aad);
    const nonce = sealed.subarray(0, 12);
    const cipher = createCipheriv('aes-256-gcm', key, nonce);
    cipher.setAAD(aad);
    const whole = Buffer.concat([nonce, cipher.update(Buffer.concat(parts)), cipher.final(), cipher.getAuthTag()]);
    assert.ok(whole.equals(sealed));
  }
});

test('a large blob (over the slice, stored raw) seals and opens under its id', () => {
  const dataKey = randomBytes(32);
  const idKey = randomBytes(32);
  const data = randomBytes(5 * MiB);
  const id = blobId(idKey, data);
  assert.deepEqual(openBlob(dataKey, idKey, id, sealBlob(dataKey, id, data, 1)), data);
});
