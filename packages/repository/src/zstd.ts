// The one place that touches zstd. Node's built-in `zlib.zstd*` is still marked experimental,
// so every caller goes through these two functions and a change of API stays in this file.
import { constants, zstdCompressSync, zstdDecompressSync } from 'node:zlib';

export const DEFAULT_ZSTD_LEVEL = 3;

export function zstdCompress(data: Uint8Array, level: number = DEFAULT_ZSTD_LEVEL): Buffer {
  return zstdCompressSync(data, { params: { [constants.ZSTD_c_compressionLevel]: level } });
}

export function zstdDecompress(data: Uint8Array): Buffer {
  return zstdDecompressSync(data);
}
