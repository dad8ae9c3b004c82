// FastCDC's cut points decide deduplication across versions and processes: for a fixed input
// they must never change (these lengths were recorded before the int32 rewrite of the loop).
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { chunkLengths, FILE_CHUNKER } from './fastcdc.ts';

/** Deterministic pseudo-random bytes (xorshift32). */
function bytes(length: number, seed: number): Uint8Array {
  const out = new Uint8Array(length);
  let state = seed >>> 0;
  for (let i = 0; i < length; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    out[i] = state & 0xff;
  }
  return out;
}

describe('fastcdc', () => {
  const data = bytes(12 * 1024 * 1024, 20261205);

  test('file chunks of a fixed input are cut where they always were', () => {
    assert.deepEqual(
      chunkLengths(data, FILE_CHUNKER, true),
      [1112187, 2475588, 821608, 1606111, 1223391, 834039, 1401490, 1427167, 1051551, 629780],
    );
  });

  test('an unfinished tail is left out until the data is final', () => {
    const part = data.subarray(0, 3 * 1024 * 1024 + 5);
    assert.deepEqual(chunkLengths(part, FILE_CHUNKER, false), [1112187]);
    const final = chunkLengths(part, FILE_CHUNKER, true);
    assert.equal(
      final.reduce((sum, length) => sum + length, 0),
      part.length,
    );
  });

  test('small parameters, and a view that does not start at its buffer, cut the same way', () => {
    assert.deepEqual(
      chunkLengths(data.subarray(100, 200_000), { minSize: 2048, avgSize: 8192, maxSize: 65536 }, true),
      [
        9984, 11190, 8507, 9823, 9416, 8559, 10152, 10088, 8228, 15188, 17674, 6014, 10440, 12053, 12482, 8535, 2077,
        8552, 11340, 9598,
      ],
    );
  });
});
