// Derives an RSA-2048 key pair deterministically from a seed: the emulator's service-account key
// must survive restarts without storing it, so the same --seed always yields the same key.
import { createPrivateKey, createPublicKey, type KeyObject } from 'node:crypto';
import { seededBytes } from './seeded-random.ts';

const SMALL_PRIMES: number[] = (() => {
  const primes: number[] = [];
  for (let n = 3; primes.length < 600; n += 2) {
    if (primes.every((p) => n % p !== 0)) primes.push(n);
  }
  return primes;
})();

function modPow(base: bigint, exponent: bigint, modulus: bigint): bigint {
  let result = 1n;
  let b = base % modulus;
  let e = exponent;
  while (e > 0n) {
    if (e & 1n) result = (result * b) % modulus;
    b = (b * b) % modulus;
    e >>= 1n;
  }
  return result;
}

function bytesToBigInt(bytes: Buffer): bigint {
  return BigInt(`0x${bytes.toString('hex')}`);
}

function isProbablePrime(n: bigint, witnessSeed: string): boolean {
  for (const p of SMALL_PRIMES) {
    if (n % BigInt(p) === 0n) return n === BigInt(p);
  }
  let d = n - 1n;
  let r = 0;
  while ((d & 1n) === 0n) {
    d >>= 1n;
    r++;
  }
  for (let round = 0; round < 24; round++) {
    const a = (bytesToBigInt(seededBytes(`${witnessSeed}/w${round}`, 128)) % (n - 3n)) + 2n;
    let x = modPow(a, d, n);
    if (x === 1n || x === n - 1n) continue;
    let composite = true;
    for (let i = 1; i < r; i++) {
      x = (x * x) % n;
      if (x === n - 1n) {
        composite = false;
        break;
      }
    }
    if (composite) return false;
  }
  return true;
}

function seededPrime(seed: string, bits: number, e: bigint): bigint {
  const start = seededBytes(seed, bits / 8);
  start[0] = (start[0] ?? 0) | 0xc0; // top two bits set so p*q has the full length
  let candidate = bytesToBigInt(start) | 1n;
  for (let step = 0; ; step++, candidate += 2n) {
    if ((candidate - 1n) % e === 0n) continue;
    if (isProbablePrime(candidate, `${seed}/mr${step}`)) return candidate;
  }
}

function modInverse(a: bigint, m: bigint): bigint {
  let [oldR, r] = [a % m, m];
  let [oldS, s] = [1n, 0n];
  while (r !== 0n) {
    const q = oldR / r;
    [oldR, r] = [r, oldR - q * r];
    [oldS, s] = [s, oldS - q * s];
  }
  return ((oldS % m) + m) % m;
}

function toBase64Url(n: bigint): string {
  let hex = n.toString(16);
  if (hex.length % 2) hex = `0${hex}`;
  return Buffer.from(hex, 'hex').toString('base64url');
}

export interface SeededRsaKey {
  privateKey: KeyObject;
  publicKey: KeyObject;
  privateKeyPem: string;
}

const cache = new Map<string, SeededRsaKey>();

export function deriveRsaKey(seed: string): SeededRsaKey {
  const cached = cache.get(seed);
  if (cached) return cached;
  const e = 65537n;
  const p = seededPrime(`${seed}/rsa-p`, 1024, e);
  let q = seededPrime(`${seed}/rsa-q`, 1024, e);
  if (q === p) q = seededPrime(`${seed}/rsa-q2`, 1024, e);
  const n = p * q;
  const phi = (p - 1n) * (q - 1n);
  const d = modInverse(e, phi);
  const jwk = {
    kty: 'RSA',
    n: toBase64Url(n),
    e: toBase64Url(e),
    d: toBase64Url(d),
    p: toBase64Url(p),
    q: toBase64Url(q),
    dp: toBase64Url(d % (p - 1n)),
    dq: toBase64Url(d % (q - 1n)),
    qi: toBase64Url(modInverse(q, p)),
  };
  const privateKey = createPrivateKey({ key: jwk, format: 'jwk' });
  const key: SeededRsaKey = {
    privateKey,
    publicKey: createPublicKey(privateKey),
    privateKeyPem: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
  };
  cache.set(seed, key);
  return key;
}
