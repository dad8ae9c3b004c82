// Repository keys (docs/repository-format.md §2–3): generation, wrapping by a password
// (scrypt) for standalone repositories, and the key check in `config` that refuses wrong keys.
import { createHmac, randomBytes, scrypt as scryptCallback, timingSafeEqual } from 'node:crypto';
import { z } from 'zod';
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

export const keyFileSchema = z.object({
  kdf: z.literal('scrypt'),
  N: z.number().int().min(1024),
  r: z.number().int().min(1),
  p: z.number().int().min(1),
  salt: z.string(),
  sealed: z.string(),
});
export type KeyFile = z.infer<typeof keyFileSchema>;

function deriveKek(password: string, salt: Buffer, N: number, r: number, p: number): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scryptCallback(password, salt, 32, { N, r, p, maxmem: 256 * N * r + 1024 * 1024 }, (error, key) =>
      error ? reject(error) : resolve(key),
    );
  });
}

export async function wrapKeys(keys: RepositoryKeys, password: string, N = 32768): Promise<KeyFile> {
  const salt = randomBytes(16);
  const kek = await deriveKek(password, salt, N, 8, 1);
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
