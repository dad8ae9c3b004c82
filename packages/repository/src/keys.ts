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
 * (deriveKeysAhead). Accepts what the zod schema it replaced accepted, except scrypt parameters no
 * key file written by wrapKeys has (N not a power of two, over 1 GiB of memory, p > 16); other
 * fields are dropped.
 */
export function parseKeyFile(value: unknown): KeyFile | undefined {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return undefined;
  const { kdf, N, r, p, salt, sealed } = value as Record<string, unknown>;
  if (kdf !== 'scrypt' || !isInteger(N, 1024) || !isInteger(r, 1) || !isInteger(p, 1)) return undefined;
  // scrypt's N is a power of two; a key file asking for more than 1 GiB or p > 16 is refused
  // rather than given the memory and minutes it asks for.
  if ((N & (N - 1)) !== 0 || 128 * N * r > SCRYPT_MAX_MEMORY || p > SCRYPT_MAX_P) return undefined;
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

/** The scrypt parameters a key file may ask for: at most 1 GiB of memory (128·N·r bytes), p ≤ 16. */
const SCRYPT_MAX_MEMORY = 1024 * 1024 * 1024;
const SCRYPT_MAX_P = 16;

/** What `wrapKeys` writes (N ≤ 32768 by default, r 8, p 1): only these are derived ahead. */
const AHEAD_MAX_N = 1 << 17;

/**
 * A key derivation started before an open (deriveKeysAhead): `kek` answers the derived key for a
 * key file the derivation was started for, with the same password, once; otherwise undefined
 * (the open then derives its own).
 */
export interface KeysAhead {
  kek(file: KeyFile, password: string): Promise<Buffer | undefined>;
}

/**
 * Starts the key derivation (scrypt, ≈ 0.1 s of CPU on libuv's pool) of the repository's first
 * key file with `password` now, so that an open given the returned handle (RepositoryOptions
 * `keysAhead`) with the same password finds it done or under way instead of starting it. For a
 * command line: the derivation runs while the main thread loads the engine's modules
 * (docs/benchmarks.md, "Restore start-up, round four"). Only a key file with the parameters
 * `wrapKeys` writes is derived ahead (a hostile one asking for gigabytes is left to the open's
 * checks). Reads only; never throws or rejects: whatever fails here fails again, and is
 * reported, in the open. Nothing is kept beyond the handle.
 */
export function deriveKeysAhead(backend: Backend, password: string): KeysAhead {
  const started = (async (): Promise<{ file: KeyFile; kek: Promise<Buffer> } | undefined> => {
    try {
      for await (const object of backend.list('keys/')) {
        const file = parseKeyFile(JSON.parse((await backend.get(object.name)).toString()));
        if (!file || file.N > AHEAD_MAX_N || file.r !== 8 || file.p !== 1) return undefined;
        const kek = scrypt(password, Buffer.from(file.salt, 'base64'), file.N, file.r, file.p);
        // Never taken (the open failed before the keys): not an unhandled rejection.
        kek.catch(() => undefined);
        return { file, kek };
      }
    } catch {
      // The open reads the same objects and reports what is wrong with them.
    }
    return undefined;
  })();
  let taken = false;
  return {
    async kek(file, candidate) {
      const ahead = await started;
      if (taken || !ahead || candidate !== password) return undefined;
      const same =
        ahead.file.salt === file.salt && ahead.file.N === file.N && ahead.file.r === file.r && ahead.file.p === file.p;
      if (!same) return undefined;
      taken = true;
      return ahead.kek;
    },
  };
}

export async function wrapKeys(keys: RepositoryKeys, password: string, N = 32768): Promise<KeyFile> {
  const salt = randomBytes(16);
  const kek = await scrypt(password, salt, N, 8, 1);
  const sealed = seal(kek, Buffer.concat([keys.dataKey, keys.idKey]), KEY_AAD);
  return { kdf: 'scrypt', N, r: 8, p: 1, salt: salt.toString('base64'), sealed: sealed.toString('base64') };
}

/** Returns the keys, or undefined when the password does not open this key file. */
export async function unwrapKeys(
  file: KeyFile,
  password: string,
  ahead?: KeysAhead,
): Promise<RepositoryKeys | undefined> {
  const kek =
    (await ahead?.kek(file, password)) ??
    (await scrypt(password, Buffer.from(file.salt, 'base64'), file.N, file.r, file.p));
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
