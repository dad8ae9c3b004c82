// Descriptors: the JSON that lists a split item's chunks, its id the HMAC of that JSON, and the
// one-segment message that has none (docs/repository-format.md §4).
import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { describe, test } from 'node:test';
import { encodeDescriptor, mailObject, parseDescriptor } from './descriptor.ts';
import { generateKeys } from './keys.ts';

const id = (n: number) => n.toString(16).padStart(64, '0');

describe('descriptors', () => {
  const { idKey } = generateKeys();

  test('a descriptor is the JSON of the format, and its id the HMAC of exactly those bytes', () => {
    const { id: descriptorId, data } = encodeDescriptor(idKey, { v: 1, kind: 'file', size: 7, chunks: [id(1), id(2)] });
    assert.equal(data.toString(), `{"v":1,"kind":"file","size":7,"chunks":["${id(1)}","${id(2)}"]}`);
    assert.equal(descriptorId, createHmac('sha256', idKey).update(data).digest('hex'));
    assert.deepEqual(parseDescriptor(data), { v: 1, kind: 'file', size: 7, chunks: [id(1), id(2)] });
  });

  test('parseDescriptor refuses what is not a version 1 descriptor', () => {
    const bad = [
      '{"v":2,"kind":"file","size":1,"chunks":[]}',
      `{"v":1,"kind":"object","size":1,"chunks":[]}`,
      '{"v":1,"kind":"mail","size":-1,"chunks":[]}',
      '{"v":1,"kind":"mail","size":1,"chunks":["not-an-id"]}',
      'not json',
    ];
    for (const text of bad) {
      assert.throws(() => parseDescriptor(Buffer.from(text)), { name: 'RepositoryError', code: 'damaged' }, text);
    }
  });

  test('a message of one segment is that segment alone; more segments get a mail descriptor', () => {
    assert.deepEqual(mailObject(idKey, 10, [id(5)]), { objectId: id(5) });
    const split = mailObject(idKey, 30, [id(1), id(2), id(3)]);
    assert.ok(split.descriptor);
    assert.equal(split.objectId, split.descriptor.id);
    assert.deepEqual(parseDescriptor(split.descriptor.data), {
      v: 1,
      kind: 'mail',
      size: 30,
      chunks: [id(1), id(2), id(3)],
    });
    assert.deepEqual(split, mailObject(idKey, 30, [id(1), id(2), id(3)]), 'the same message gets the same id');
  });
});
