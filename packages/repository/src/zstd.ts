// The one place that touches zstd. Node's built-in `zlib.zstd*` is still marked experimental,
// so every caller goes through these two functions and a change of API stays in this file.
import { constants, createZstdCompress, createZstdDecompress, zstdCompressSync, zstdDecompressSync } from 'node:zlib';

// Level 1: on the mail benchmark it stores 0.2% more than level 3 for ~6% less CPU (base64
// attachments compress by entropy coding alone, which every level does).
export const DEFAULT_ZSTD_LEVEL = 1;

/** A window no larger than the input (zstd's smallest is 2^10). */
function windowLogFor(length: number): number {
  return Math.min(23, Math.max(10, Math.ceil(Math.log2(length + 1))));
}

export function zstdCompress(data: Uint8Array, level: number = DEFAULT_ZSTD_LEVEL): Buffer {
  // A window no larger than the input: setting up zstd's tables dominated the cost of
  // compressing the many small blobs (mail text segments, descriptors) at the default window.
  return zstdCompressSync(data, {
    params: { [constants.ZSTD_c_compressionLevel]: level, [constants.ZSTD_c_windowLog]: windowLogFor(data.length) },
    chunkSize: outputChunk(data.length),
  });
}

/** Inputs up to this size compress on a reused context (zstdCompressTransient). */
export const REUSED_CONTEXT_LIMIT = 128 * 1024;

/**
 * A zstd context kept for the next frames, driven through Node's zlib internals (v24): the
 * stream's native handle, written synchronously. Used only when they look as expected.
 */
interface ReusedContext {
  /** Kept so the stream (which owns the handle) is not collected. */
  stream: object;
  handle: ZstdHandle;
  /** After each write: [output bytes left, input bytes left]. */
  state: Uint32Array;
  flush: number;
  failure: Error | undefined;
}

/** The stream's handle as a ReusedContext, or null when Node's internals differ from v24's. */
function reusedContext(made: object): ReusedContext | null {
  const stream = made as { _handle?: Partial<ZstdHandle>; _writeState?: unknown; _finishFlushFlag?: unknown };
  const handle = stream._handle;
  const state = stream._writeState;
  if (
    !handle ||
    typeof handle.writeSync !== 'function' ||
    !(state instanceof Uint32Array) ||
    state.length !== 2 ||
    typeof stream._finishFlushFlag !== 'number'
  )
    return null;
  const context: ReusedContext = {
    stream,
    handle: handle as ZstdHandle,
    state,
    flush: stream._finishFlushFlag,
    failure: undefined,
  };
  context.handle.onerror = (message, errno, code) => {
    context.failure = Object.assign(new Error(message), { errno, code });
  };
  return context;
}

// Per thread: one context per (level, window) pair used so far — at most 8 windows (2^10 to
// 2^17) per level, a few hundred KiB in all — and one output buffer for every frame they make.
const compressors = new Map<number, ReusedContext | null>();
let scratch: Buffer | undefined;

function reusableCompressor(level: number, windowLog: number): ReusedContext | null {
  const key = level * 64 + windowLog;
  const known = compressors.get(key);
  if (known !== undefined) return known;
  let made: ReusedContext | null = null;
  try {
    made = reusedContext(
      createZstdCompress({
        params: { [constants.ZSTD_c_compressionLevel]: level, [constants.ZSTD_c_windowLog]: windowLog },
      }),
    );
  } catch {
    made = null;
  }
  compressors.set(key, made);
  return made;
}

/**
 * The same frame as zstdCompress(data, level), after `prefix` bytes left for the caller (a
 * flag byte, say: the caller writes them), in a buffer this thread reuses: valid only until the
 * next call on this thread (copy it, or use it at once, as sealing does by encrypting it).
 *
 * Sealing compresses one small blob after another (a message's text, a descriptor), and zstd's
 * one-shot call creates, sizes and frees a fresh context and output buffer for each: for a few
 * KiB that cost three times the compression itself. Below REUSED_CONTEXT_LIMIT the frame is
 * made on a context kept per level and window size instead (zstd starts each frame afresh on it:
 * the bytes are identical to the one-shot call's, zstd.test.ts checks), written into one output
 * buffer. Anything unexpected from Node's internals falls back to the one-shot call.
 */
export function zstdCompressTransient(data: Uint8Array, level: number = DEFAULT_ZSTD_LEVEL, prefix = 0): Buffer {
  const windowLog = windowLogFor(data.length);
  const c = data.length <= REUSED_CONTEXT_LIMIT && prefix <= MAX_PREFIX ? reusableCompressor(level, windowLog) : null;
  if (!c) return withPrefix(zstdCompress(data, level), prefix);
  const room = outputChunk(data.length);
  scratch ??= Buffer.allocUnsafeSlow(MAX_PREFIX + outputChunk(REUSED_CONTEXT_LIMIT));
  c.failure = undefined;
  try {
    c.handle.writeSync(c.flush, data, 0, data.length, scratch, prefix, room);
  } catch (error) {
    c.failure = error as Error;
  }
  const [outLeft, inLeft] = [c.state[0]!, c.state[1]!];
  // Room left and all input read: the frame is whole (the output has room for zstd's bound).
  // Otherwise Node's internals did not behave as expected: this level and window take the
  // one-shot call from now on (trying a new context each time would pay for both).
  if (c.failure || outLeft === 0 || inLeft !== 0) {
    compressors.set(level * 64 + windowLog, null);
    return withPrefix(zstdCompress(data, level), prefix);
  }
  return scratch.subarray(0, prefix + room - outLeft);
}

const MAX_PREFIX = 16;

function withPrefix(frame: Buffer, prefix: number): Buffer {
  if (prefix === 0) return frame;
  const out = Buffer.allocUnsafe(prefix + frame.length);
  frame.copy(out, prefix);
  return out;
}

/**
 * zlib's output buffer for one compression: room for the worst case (zstd's compress bound plus
 * the frame's header), so the output is one buffer, not 64 KiB chunks joined by a copy. At the
 * default 64 KiB every small blob held a 64 KiB buffer until the next garbage collection.
 */
function outputChunk(length: number): number {
  const bound = length + (length >> 8) + (length < 128 * 1024 ? (128 * 1024 - length) >> 11 : 0);
  return Math.min(16 * 1024 * 1024, Math.max(constants.Z_MIN_CHUNK, bound + 64));
}

/** The native handle behind a `ZstdDecompress` stream (Node's zlib internals, v24). */
interface ZstdHandle {
  writeSync(
    flush: number,
    input: Uint8Array,
    inOffset: number,
    inLength: number,
    output: Uint8Array,
    outOffset: number,
    outLength: number,
  ): void;
  onerror: (message: string, errno: number, code?: string) => void;
}

// One decompression context per thread, reused: `zstdDecompressSync` builds a stream and a
// native context per call, which cost twice the decompression itself for a restore's
// thousands of small blobs. Node's zlib internals are used only when they look as expected;
// otherwise every call takes the public one-shot function.
let decoder: ReusedContext | null | undefined;

function reusableDecoder(): ReusedContext | null {
  if (decoder !== undefined) return decoder;
  try {
    decoder = reusedContext(createZstdDecompress());
  } catch {
    decoder = null;
  }
  return decoder;
}

const MAGIC = 0xfd2fb528;
/** Content sizes above this are not trusted for one allocation; the output then grows. */
const MAX_DECLARED = 64 * 1024 * 1024;

/**
 * The frame's declared content size (its header field), or undefined when absent or when the
 * frame ends in a checksum (whose truncation the output's size would not show).
 */
function declaredSize(frame: Uint8Array): number | undefined {
  if (frame.length < 6 || Buffer.from(frame.buffer, frame.byteOffset, 4).readUInt32LE(0) !== MAGIC) return undefined;
  const descriptor = frame[4]!;
  if (descriptor & 4) return undefined;
  const sizeFlag = descriptor >> 6;
  const singleSegment = (descriptor >> 5) & 1;
  const dictFlag = descriptor & 3;
  const sizeBytes = [singleSegment ? 1 : 0, 2, 4, 8][sizeFlag]!;
  if (sizeBytes === 0) return undefined;
  const at = 5 + (singleSegment ? 0 : 1) + [0, 1, 2, 4][dictFlag]!;
  if (frame.length < at + sizeBytes) return undefined;
  const view = Buffer.from(frame.buffer, frame.byteOffset + at, sizeBytes);
  if (sizeBytes === 1) return view[0]!;
  if (sizeBytes === 2) return view.readUInt16LE(0) + 256;
  if (sizeBytes === 4) return view.readUInt32LE(0);
  const size = view.readBigUInt64LE(0);
  return size <= BigInt(MAX_DECLARED) ? Number(size) : undefined;
}

/** Damage: this context is dropped (a fresh one decodes the next blob) and the call fails. */
function fail(error: Error): never {
  decoder = undefined;
  throw error;
}

export function zstdDecompress(data: Uint8Array): Buffer {
  const d = reusableDecoder();
  if (!d) return zstdDecompressSync(data);
  const declared = declaredSize(data);
  // The declared size is a hint for the first buffer only: the output must also end there.
  let size = Math.max(64, Math.min(declared ?? data.length * 4, MAX_DECLARED) + 1);
  const chunks: Buffer[] = [];
  let total = 0;
  let inOffset = 0;
  for (;;) {
    const out = Buffer.allocUnsafeSlow(size);
    d.handle.writeSync(d.flush, data, inOffset, data.length - inOffset, out, 0, size);
    if (d.failure) fail(d.failure);
    const [outLeft, inLeft] = [d.state[0]!, d.state[1]!];
    const produced = size - outLeft;
    inOffset = data.length - inLeft;
    if (produced > 0) {
      chunks.push(out.subarray(0, produced));
      total += produced;
    }
    if (outLeft > 0) {
      // Room left in the output: the decoder stopped because its frame ended or its input ran
      // out. Anything but "one whole frame, all input used" is damage.
      if (inLeft > 0) fail(new Error('zstd: data after the end of the frame'));
      if (declared !== undefined && total !== declared) fail(new Error('zstd: frame is truncated'));
      break;
    }
    size = Math.min(size * 2, MAX_DECLARED);
  }
  // Without a declared size a truncated frame cannot be told from a whole one here: a fresh
  // context for the next call, so that a damaged frame never runs into the next blob (this
  // blob's id check catches the damage). Node's compressor always declares the size.
  if (declared === undefined) decoder = undefined;
  if (chunks.length === 1) {
    const only = chunks[0]!;
    // An exact fit keeps the buffer; a loose one is copied so the slack is not kept alive.
    return only.length === only.buffer.byteLength || only.length * 2 > size ? only : Buffer.from(only);
  }
  return Buffer.concat(chunks, total);
}
