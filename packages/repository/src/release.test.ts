import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { releaseBuffer } from './release.ts';

describe('releaseBuffer', () => {
  it('frees a buffer that owns its memory: every view of it becomes empty', () => {
    const owned = Buffer.allocUnsafeSlow(64 * 1024).fill(7);
    const view = owned.subarray(10, 20);
    releaseBuffer(owned);
    assert.equal(owned.buffer.byteLength, 0);
    assert.equal(owned.length, 0);
    assert.equal(view.length, 0);
  });

  it('leaves a slice of a larger buffer, and a slice of Node’s shared pool, as they are', () => {
    const whole = Buffer.alloc(1024, 1);
    const slice = whole.subarray(0, 512);
    releaseBuffer(slice);
    assert.equal(whole.length, 1024);
    assert.equal(slice.length, 512);
    assert.equal(slice[0], 1);

    const pooled = Buffer.from('a small string uses the 8 KiB pool');
    const neighbour = Buffer.from('and so does this one');
    assert.equal(pooled.buffer, neighbour.buffer);
    releaseBuffer(pooled);
    assert.equal(pooled.toString(), 'a small string uses the 8 KiB pool');
    assert.equal(neighbour.toString(), 'and so does this one');
  });

  it('does nothing to a buffer already freed or empty', () => {
    const owned = new Uint8Array(16);
    releaseBuffer(owned);
    releaseBuffer(owned);
    releaseBuffer(new Uint8Array(0));
    assert.equal(owned.length, 0);
  });
});
