// Deterministic pseudo-random numbers derived from a seed string, so that generated data,
// keys and fault decisions are reproducible across runs and restarts.
import { createHash } from 'node:crypto';

export interface SeededRandom {
  /** Uniform float in [0, 1). */
  next(): number;
  /** Integer in [min, max] inclusive. */
  int(min: number, max: number): number;
  pick<T>(items: readonly T[]): T;
  chance(probability: number): boolean;
  bytes(length: number): Buffer;
  /** A new independent stream derived from this seed and a label. */
  fork(label: string): SeededRandom;
}

function seedWords(seed: string): [number, number, number, number] {
  const digest = createHash('sha256').update(seed).digest();
  return [digest.readUInt32LE(0), digest.readUInt32LE(4), digest.readUInt32LE(8), digest.readUInt32LE(12)];
}

/** sfc32: small, fast and good enough for test data (not for secrets). */
export function createSeededRandom(seed: string): SeededRandom {
  let [a, b, c, d] = seedWords(seed);
  const nextUint = (): number => {
    a >>>= 0;
    b >>>= 0;
    c >>>= 0;
    d >>>= 0;
    let t = (a + b) | 0;
    a = b ^ (b >>> 9);
    b = (c + (c << 3)) | 0;
    c = (c << 21) | (c >>> 11);
    d = (d + 1) | 0;
    t = (t + d) | 0;
    c = (c + t) | 0;
    return t >>> 0;
  };
  for (let i = 0; i < 12; i++) nextUint();
  const random: SeededRandom = {
    next: () => nextUint() / 4294967296,
    int: (min, max) => min + Math.floor((nextUint() / 4294967296) * (max - min + 1)),
    pick: (items) => {
      const item = items[Math.floor((nextUint() / 4294967296) * items.length)];
      if (item === undefined) throw new Error('pick from an empty list');
      return item;
    },
    chance: (probability) => nextUint() / 4294967296 < probability,
    bytes: (length) => {
      const out = Buffer.allocUnsafe(length);
      let i = 0;
      for (; i + 4 <= length; i += 4) out.writeUInt32LE(nextUint(), i);
      for (; i < length; i++) out[i] = nextUint() & 0xff;
      return out;
    },
    fork: (label) => createSeededRandom(`${seed}/${label}`),
  };
  return random;
}

/** Deterministic byte stream from a seed (SHA-256 in counter mode), used where quality matters (RSA primes). */
export function seededBytes(seed: string, length: number): Buffer {
  const chunks: Buffer[] = [];
  let total = 0;
  for (let counter = 0; total < length; counter++) {
    const block = createHash('sha256').update(`${seed}#${counter}`).digest();
    chunks.push(block);
    total += block.length;
  }
  return Buffer.concat(chunks).subarray(0, length);
}
