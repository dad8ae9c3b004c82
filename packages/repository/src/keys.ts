// Repository keys (docs/repository-format.md §2–3): generation, wrapping by a password
// (scrypt) for standalone repositories, and the key check in `config` that refuses wrong keys.
import { createHmac, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import type { Backend } from './backend.ts';
import { seal, tryOpen } from './blob-crypto.ts';
import { RepositoryError } from './errors.ts';

export interface RepositoryKeys {
  /** AES-256-GCM key (32 bytes). */
  dataKey: Uint8Array;
  /** HMAC-SHA256 key for blob ids (32 bytes). */
  idKey: Uint8Array;
}

const KEY_AAD = Buffer.from('safehold-key-v1');
const KEYCHECK_AAD = Buffer.from('safehold-keycheck-v1');

export function generateKeys(): RepositoryKeys {
  return { dataKey: randomBytes(32), idKey: randomBytes(32) };
}

export function assertKeys(keys: RepositoryKeys): void {
  if (keys.dataKey.length !== 32 || keys.idKey.length !== 32) {
    throw new RepositoryError('bad-input', 'repository keys must be 32 bytes each');
  }
}

/** A password-wrapped key file (`keys/…`, docs/repository-format.md §2). */
export interface KeyFile {
  kdf: 'scrypt';
  N: number;
  r: number;
  p: number;
  salt: string;
  sealed: string;
}

const isInteger = (value: unknown, min: number): value is number =>
  Number.isSafeInteger(value) && (value as number) >= min;

/**
 * A key file's fields, or undefined when `value` is not one. Checked by hand (no zod): this
 * module is loaded before the rest of the engine so that the key derivation can start early
 * (deriveKeysAhead). Accepts what the zod schema it replaces accepted; other fields are dropped.
 */
export function parseKeyFile(value: unknown): KeyFile | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { kdf, N, r, p, salt, sealed } = value as Record<string, unknown>;
  if (kdf !== 'scrypt' || !isInteger(N, 1024) || !isInteger(r, 1) || !isInteger(p, 1)) return undefined;
  if (typeof salt !== 'string' || typeof sealed !== 'string') return undefined;
  return { kdf, N, r, p, salt, sealed };
}

function scrypt(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

/** Key derivations started by deriveKeysAhead, by key file parameters; each is taken once. */
const ahead = new Map<string, { password: string; kek: Promise<Buffer> }>();
const aheadKey = (salt: Buffer, N: number, r: number, p: number): string => `${N}:${r}:${p}:${salt.toString('base64')}`;

function deriveKek(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  const key = aheadKey(salt, N, r, p);
  const started = ahead.get(key);
  if (started) {
    ahead.delete(key);
    if (started.password === password) return started.kek;
  }
  return scrypt(password, salt, N, r, p);
}

/** Derivations deriveKeysAhead started that no unwrap has taken yet (tests). */
export function keyDerivationsAhead(): number {
  return ahead.size;
}

/** Key files deriveKeysAhead starts at most (a repository normally has one). */
export const KEY_FILES_AHEAD = 4;

/**
 * Starts the key derivation (scrypt, ≈ 0.1 s of CPU on libuv's pool) of the repository's key
 * files with `password` now, so that an `openRepository` with the same password in this process
 * finds it done or under way instead of starting it. For a command line: the derivation runs
 * while the main thread loads the engine's modules (docs/benchmarks.md, "Restore start-up, round
 * four"). Reads only; never throws: whatever fails here fails again, and is reported, in the open.
 */
export async function deriveKeysAhead(backend: Backend, password: string): Promise<void> {
  try {
    let started = 0;
    for await (const object of backend.list('keys/')) {
      if (started >= KEY_FILES_AHEAD) return;
      const file = parseKeyFile(JSON.parse((await backend.get(object.name)).toString()));
      if (!file) continue;
      const salt = Buffer.from(file.salt, 'base64');
      const key = aheadKey(salt, file.N, file.r, file.p);
      if (ahead.has(key)) continue;
      const kek = scrypt(password, salt, file.N, file.r, file.p);
      // Never taken (the open failed before the keys): not an unhandled rejection.
      kek.catch(() => undefined);
      ahead.set(key, { password, kek });
      started++;
    }
  } catch {
    // The open reads the same objects and reports what is wrong with them.
  }
}

export async function wrapKeys(keys: RepositoryKeys, password: string, N = 32768): Promise<KeyFile> {
  const salt = randomBytes(16);
  const kek = await scrypt(password, salt, N, 8, 1);
  const sealed = seal(kek, Buffer.concat([keys.dataKey, keys.idKey]), KEY_AAD);
  return { kdf: 'scrypt', N, r: 8, p: 1, salt: salt.toString('base64'), sealed: sealed.toString('base64') };
}

/** Returns the keys, or undefined when the password does not open this key file. */
export async function unwrapKeys(file: KeyFile, password: string): Promise<RepositoryKeys | undefined> {
  const kek = await deriveKek(password, Buffer.from(file.salt, 'base64'), file.N, file.r, file.p);
  const plain = tryOpen(kek, Buffer.from(file.sealed, 'base64'), KEY_AAD);
  if (plain === undefined || plain.length !== 64) return undefined;
  return { dataKey: plain.subarray(0, 32), idKey: plain.subarray(32, 64) };
}

export function makeKeyCheck(keys: RepositoryKeys, repositoryId: string): string {
  const mac = createHmac('sha256', keys.idKey).update(repositoryId).digest();
  return seal(keys.dataKey, mac, KEYCHECK_AAD).toString('base64');
}

export function keysMatch(keys: RepositoryKeys, repositoryId: string, keyCheck: string): boolean {
  const mac = tryOpen(keys.dataKey, Buffer.from(keyCheck, 'base64'), KEYCHECK_AAD);
  return (
    !!mac && mac.length === 32 && timingSafeEqual(mac, createHmac('sha256', keys.idKey).update(repositoryId).digest())
  );
}
