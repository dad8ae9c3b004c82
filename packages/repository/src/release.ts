// Handing memory back at once. A Buffer's bytes are freed only when V8 collects the Buffer, and
// V8 collects for the size of its own heap, not for the bytes Buffers hold outside it: an isolate
// that reads, seals and posts megabytes a second kept 50–140 MiB of dead Buffers between
// collections. Detaching an ArrayBuffer frees its bytes immediately.

/**
 * Frees `view`'s bytes now, when `view` spans its whole ArrayBuffer (a Buffer of its own, not a
 * slice of Node's shared pool or of a larger buffer); otherwise does nothing and leaves it to the
 * garbage collector. Every other view of the same memory becomes empty: call it only on buffers
 * nothing else refers to any more.
 */
export function releaseBuffer(view: Uint8Array): void {
  const { buffer } = view;
  if (!(buffer instanceof ArrayBuffer) || buffer.detached) return;
  if (view.byteOffset !== 0 || view.byteLength !== buffer.byteLength || buffer.byteLength === 0) return;
  buffer.transfer(0);
}

/**
 * A copy of `view`'s bytes in memory of their own (an unpooled Buffer spanning its whole
 * ArrayBuffer): safe to transfer to a worker, and to free with releaseBuffer, without keeping
 * the larger buffer `view` may be a slice of.
 */
export function ownCopy(view: Uint8Array): Buffer<ArrayBuffer> {
  const copy = Buffer.allocUnsafeSlow(view.byteLength);
  copy.set(view);
  return copy;
}
