// FastCDC content-defined chunking (Xia et al., "FastCDC: a Fast and Efficient Content-Defined
// Chunking Approach for Data Deduplication", USENIX ATC 2016): a gear rolling hash, cut-point
// skipping below the minimum size, and normalized chunking (a stricter mask before the average
// size, a looser one after) so chunk sizes cluster around the average.

export interface ChunkerParams {
  minSize: number;
  avgSize: number;
  maxSize: number;
}

export const FILE_CHUNKER: ChunkerParams = { minSize: 256 * 1024, avgSize: 1024 * 1024, maxSize: 4 * 1024 * 1024 };

// 256 pseudo-random 32-bit gear values from a fixed seed (xorshift32), so chunk boundaries —
// and hence deduplication — are stable across versions and processes.
// Held as signed 32-bit integers (the same bits): V8 keeps the rolling hash in an int32 register,
// where a Uint32Array's values above 2^31 and `>>> 0` made every step a floating-point one.
const GEAR = (() => {
  const table = new Uint32Array(256);
  let state = 0x9e3779b9;
  for (let i = 0; i < 256; i++) {
    state ^= state << 13;
    state >>>= 0;
    state ^= state >>> 17;
    state ^= state << 5;
    state >>>= 0;
    table[i] = state;
  }
  return new Int32Array(table.buffer);
})();

function maskOfBits(bits: number): number {
  // The high bits of a gear hash depend on the last 32 bytes; the low bits on only a few.
  return (((1 << bits) - 1) << (32 - bits)) >>> 0;
}

/**
 * Returns the length of the first chunk of `data` (a cut point). When `final` is false and no
 * cut point is found before the end, returns 0: more data is needed.
 */
export function findCutPoint(
  data: Uint8Array,
  start: number,
  end: number,
  params: ChunkerParams,
  final: boolean,
): number {
  const length = end - start;
  if (length <= params.minSize) return final ? length : 0;
  const bits = Math.round(Math.log2(params.avgSize));
  // The masks and the hash as int32: the same low 32 bits as unsigned arithmetic, so the same cuts.
  const maskSmall = maskOfBits(bits + 2) | 0;
  const maskLarge = maskOfBits(bits - 2) | 0;
  const normal = start + Math.min(length, params.avgSize);
  const limit = start + Math.min(length, params.maxSize);
  let hash = 0;
  let at = start + params.minSize;
  for (; at < normal; at++) {
    hash = ((hash << 1) + GEAR[data[at]!]!) | 0;
    if ((hash & maskSmall) === 0) return at - start + 1;
  }
  for (; at < limit; at++) {
    hash = ((hash << 1) + GEAR[data[at]!]!) | 0;
    if ((hash & maskLarge) === 0) return at - start + 1;
  }
  if (limit - start === params.maxSize) return params.maxSize;
  return final ? length : 0;
}

/** Splits `data` into chunk lengths; when not final, the unfinished tail is left out. */
export function chunkLengths(data: Uint8Array, params: ChunkerParams, final: boolean): number[] {
  const lengths: number[] = [];
  let offset = 0;
  while (offset < data.length) {
    const cut = findCutPoint(data, offset, data.length, params, final);
    if (cut === 0) break;
    lengths.push(cut);
    offset += cut;
  }
  return lengths;
}
