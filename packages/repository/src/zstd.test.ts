// zstd.ts: one decompression context per thread, reused across blobs. Whatever the sizes, and
// after any damaged frame (truncated, flipped, doubled, garbage), the next frame decodes exactly.
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { describe, test } from 'node:test';
import { constants, zstdCompressSync } from 'node:zlib';
import { REUSED_CONTEXT_LIMIT, zstdCompress, zstdCompressTransient, zstdDecompress } from './zstd.ts';

const sizes = [0, 1, 100, 511, 512, 600, 5000, 70_000, 300_000, 3_000_000];
const inputs = () => [...sizes.map((n) => Buffer.from(randomBytes(n).toString('base64'))), Buffer.alloc(1_000_000, 7)];

describe('zstd', () => {
  test('frames of every size decode to their input, one after another on the same context', () => {
    for (const input of inputs()) {
      const frame = zstdCompress(input);
      assert.deepEqual(zstdDecompress(frame), input, `${input.length} bytes`);
      assert.deepEqual(zstdDecompress(frame), input, `${input.length} bytes, again`);
    }
  });

  test('a damaged frame fails or gives other bytes, and never spoils the next frame', () => {
    for (const input of inputs().slice(4)) {
      const frame = zstdCompress(input);
      const flipped = Buffer.from(frame);
      flipped[flipped.length >> 1]! ^= 0xff;
      const damaged = [
        frame.subarray(0, frame.length - 1),
        frame.subarray(0, frame.length >> 1),
        frame.subarray(0, 7),
        flipped,
        Buffer.concat([frame, frame]),
        randomBytes(100),
      ];
      for (const [i, bad] of damaged.entries()) {
        let decoded: Buffer | undefined;
        try {
          decoded = zstdDecompress(bad);
        } catch {
          decoded = undefined;
        }
        if (i !== 3) assert.equal(decoded, undefined, `damage ${i} of ${input.length} bytes must fail`);
        else if (decoded) assert.notDeepEqual(decoded, input);
        assert.deepEqual(zstdDecompress(frame), input, `after damage ${i} of ${input.length} bytes`);
      }
    }
  });

  test('frames without a declared size or with a checksum decode too', () => {
    const input = Buffer.from(randomBytes(200_000).toString('base64'));
    const checksummed = zstdCompressSync(input, { params: { [constants.ZSTD_c_checksumFlag]: 1 } });
    const unsized = zstdCompressSync(input, { params: { [constants.ZSTD_c_contentSizeFlag]: 0 } });
    assert.deepEqual(zstdDecompress(checksummed), input);
    assert.deepEqual(zstdDecompress(unsized), input);
    // A checksum cut short: whatever this call gives, the next frame starts on a clean context.
    try {
      zstdDecompress(checksummed.subarray(0, checksummed.length - 2));
    } catch {
      // damage may be reported
    }
    assert.deepEqual(zstdDecompress(zstdCompress(input)), input);
  });

  test('a reused compression context makes the same frames as the one-shot call, whatever came before', () => {
    const texts = [0, 1, 511, 512, 3000, 1024, 4097, 65_536, REUSED_CONTEXT_LIMIT - 1, REUSED_CONTEXT_LIMIT]
      .map((n) => Buffer.from(randomBytes(n).toString('base64').slice(0, n)))
      .concat([Buffer.alloc(5000, 'a'), Buffer.from('hello '.repeat(2000)), randomBytes(REUSED_CONTEXT_LIMIT + 1)]);
    // Interleaved sizes and levels, each input twice: a context's earlier frame must not leak into the next.
    for (const level of [1, 3, 1]) {
      for (const input of [...texts, ...texts.toReversed()]) {
        const expected = zstdCompress(input, level);
        const frame = zstdCompressTransient(input, level);
        assert.deepEqual(Buffer.from(frame), expected, `${input.length} bytes at level ${level}`);
        assert.deepEqual(zstdDecompress(frame), input);
        const prefixed = zstdCompressTransient(input, level, 1);
        assert.deepEqual(Buffer.from(prefixed.subarray(1)), expected, `${input.length} bytes after a prefix byte`);
      }
    }
  });

  test('a transient frame lives until the next call only, and each call returns its own frame', () => {
    const a = Buffer.from('first message text '.repeat(100));
    const b = Buffer.from('second, other text '.repeat(100));
    const frameA = Buffer.from(zstdCompressTransient(a));
    const frameB = zstdCompressTransient(b);
    assert.deepEqual(zstdDecompress(frameA), a);
    assert.deepEqual(zstdDecompress(frameB), b);
  });
});
