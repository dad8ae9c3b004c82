// The one place that touches zstd. Node's built-in `zlib.zstd*` is still marked experimental,
// so every caller goes through these two functions and a change of API stays in this file.
import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib';

// Level 1: on the mail benchmark it stores 0.2% more than level 3 for ~6% less CPU (base64
// attachments compress by entropy coding alone, which every level does).
export const DEFAULT_ZSTD_LEVEL = 1;

export function zstdCompress(data: Uint8Array, level: number = DEFAULT_ZSTD_LEVEL): Buffer {
  // A window no larger than the input: setting up zstd's tables dominated the cost of
  // compressing the many small blobs (mail text segments, descriptors) at the default window.
  const windowLog = Math.min(23, Math.max(10, Math.ceil(Math.log2(data.length + 1))));
  return zstdCompressSync(data, {
    params: { [constants.ZSTD_c_compressionLevel]: level, [constants.ZSTD_c_windowLog]: windowLog },
    chunkSize: outputChunk(data.length),
  });
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

export function zstdDecompress(data: Uint8Array): Buffer {
  return zstdDecompressSync(data);
}
