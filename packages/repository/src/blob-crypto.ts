// Sealing and opening of blobs and metadata (docs/repository-format.md §4): blob id =
// HMAC-SHA256(idKey, plaintext); body = flag byte + raw or zstd plaintext; sealed =
// nonce | AES-256-GCM(body, aad) | tag. Synchronous: called on worker threads.
import {
  createCipheriv,
  createDecipheriv,
  createHmac,
  createSecretKey,
  type KeyObject,
  randomBytes,
  timingSafeEqual,
} from 'node:crypto';
import { RepositoryError } from './errors.ts';
import { releaseBuffer } from './release.ts';
import { REUSED_CONTEXT_LIMIT, zstdCompress, zstdCompressTransient, zstdDecompress } from './zstd.ts';

export const NONCE_BYTES = 12;
export const TAG_BYTES = 16;
export const SEAL_OVERHEAD = NONCE_BYTES + TAG_BYTES;
/** The largest piece of plaintext seal() encrypts at once. */
const SEAL_SLICE = 1024 * 1024;

const FLAG_RAW = 0;
const FLAG_ZSTD = 1;
/** The flag byte before a body, as the cipher's first input (only ever read). */
const RAW_PREFIX = Uint8Array.of(FLAG_RAW);
const ZSTD_PREFIX = Uint8Array.of(FLAG_ZSTD);

// Raw keys become KeyObjects once: preparing a raw key on every HMAC and cipher call cost
// more than hashing and encrypting a typical mail segment.
const keyObjects = new Map<string, KeyObject>();
// The same key array comes with every blob of a worker task: found by identity first (its bytes
// compared with a copy, 32 bytes), before encoding it to look it up by value.
const keyArrays = new WeakMap<Uint8Array, { bytes: Buffer; key: KeyObject }>();
function keyObject(raw: Uint8Array): KeyObject {
  const known = keyArrays.get(raw);
  if (known?.bytes.equals(raw)) return known.key;
  const cacheKey = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('base64');
  let key = keyObjects.get(cacheKey);
  if (!key) {
    if (keyObjects.size >= 64) keyObjects.clear();
    key = createSecretKey(raw);
    keyObjects.set(cacheKey, key);
  }
  keyArrays.set(raw, { bytes: Buffer.from(raw), key });
  return key;
}

// Nonces are drawn from a buffer of random bytes refilled in bulk (one system call per 4096
// nonces instead of one each); each nonce is still 96 fresh random bits used once.
let noncePool = Buffer.alloc(0);
let nonceAt = 0;
function nextNonce(): Buffer {
  if (nonceAt + NONCE_BYTES > noncePool.length) {
    noncePool = randomBytes(NONCE_BYTES * 4096);
    nonceAt = 0;
  }
  const nonce = noncePool.subarray(nonceAt, nonceAt + NONCE_BYTES);
  nonceAt += NONCE_BYTES;
  return nonce;
}

/** A blob id as text: 64 lower-case hex digits (what every reader of ids checks against). */
export const BLOB_ID = /^[0-9a-f]{64}$/;

export function blobId(idKey: Uint8Array, plaintext: Uint8Array): Buffer {
  return createHmac('sha256', keyObject(idKey)).update(plaintext).digest();
}

/** blobId in hex, as the repository keys blobs. */
export function blobIdHex(idKey: Uint8Array, plaintext: Uint8Array): string {
  return createHmac('sha256', keyObject(idKey)).update(plaintext).digest('hex');
}

export function seal(dataKey: Uint8Array, plaintext: Uint8Array | Uint8Array[], aad: Uint8Array): Buffer {
  const nonce = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', keyObject(dataKey), nonce);
  cipher.setAAD(aad);
  const parts = Array.isArray(plaintext) ? plaintext : [plaintext];
  // GCM's ciphertext is as long as its plaintext: the sealed buffer is allocated first and each
  // piece of ciphertext copied into it and freed at once, at most SEAL_SLICE at a time, so a
  // large plaintext (a snapshot, an attachment) is not held as a whole ciphertext besides.
  let size = SEAL_OVERHEAD;
  for (const part of parts) size += part.length;
  // An own (unpooled) buffer: sealed blobs are posted between threads, and posting a view of
  // Node's shared 8 KiB pool would copy the whole pool each time.
  const sealed = Buffer.allocUnsafeSlow(size);
  nonce.copy(sealed, 0);
  let at = NONCE_BYTES;
  const append = (piece: Buffer): void => {
    if (at + piece.length > size - TAG_BYTES) throw new Error('seal: the cipher gave more bytes than it was given');
    piece.copy(sealed, at);
    at += piece.length;
    releaseBuffer(piece);
  };
  for (const part of parts) {
    if (part.length <= SEAL_SLICE) append(cipher.update(part));
    else
      for (let from = 0; from < part.length; from += SEAL_SLICE)
        append(cipher.update(part.subarray(from, from + SEAL_SLICE)));
  }
  append(cipher.final());
  if (at !== size - TAG_BYTES) throw new Error('seal: the cipher gave fewer bytes than it was given');
  cipher.getAuthTag().copy(sealed, at);
  return sealed;
}

/**
 * seal() in pieces, for an object written as it is encrypted (sealed-json.ts): `head` (the nonce),
 * then `update(piece)` for each piece of plaintext in order, then `final()` (the cipher's last
 * bytes and the tag). The concatenation is exactly what seal() gives for the concatenated
 * plaintext with the same nonce: the format is the same (docs/repository-format.md §4).
 */
export interface Sealer {
  readonly head: Buffer;
  update(piece: Uint8Array): Buffer;
  final(): Buffer;
}

export function createSealer(dataKey: Uint8Array, aad: Uint8Array): Sealer {
  const nonce = nextNonce();
  const cipher = createCipheriv('aes-256-gcm', keyObject(dataKey), nonce);
  cipher.setAAD(aad);
  return {
    head: Buffer.from(nonce),
    update: (piece) => cipher.update(piece),
    final: () => {
      const last = cipher.final();
      return Buffer.concat([last, cipher.getAuthTag()]);
    },
  };
}

/** Opens a sealed object; returns undefined when the tag does not verify (wrong key or damage). */
export function tryOpen(dataKey: Uint8Array, sealed: Uint8Array, aad: Uint8Array): Buffer | undefined {
  if (sealed.length < SEAL_OVERHEAD) return undefined;
  const nonce = sealed.subarray(0, NONCE_BYTES);
  const tag = sealed.subarray(sealed.length - TAG_BYTES);
  const decipher = createDecipheriv('aes-256-gcm', keyObject(dataKey), nonce);
  decipher.setAAD(aad);
  decipher.setAuthTag(tag);
  const body = decipher.update(sealed.subarray(NONCE_BYTES, sealed.length - TAG_BYTES));
  try {
    decipher.final();
  } catch {
    // The only failure of final() here is the tag check: report it as "does not open".
    return undefined;
  }
  return body;
}

export function open(dataKey: Uint8Array, sealed: Uint8Array, aad: Uint8Array, what: string): Buffer {
  const body = tryOpen(dataKey, sealed, aad);
  if (!body) throw new RepositoryError('damaged', `${what}: authentication failed (damaged, or not this key)`);
  return body;
}

export function sealBlob(dataKey: Uint8Array, id: Uint8Array, plaintext: Uint8Array, zstdLevel: number): Buffer {
  // Below 512 bytes (descriptors, tiny objects) zstd saves a few dozen bytes and costs more time
  // setting up than the rest of sealing.
  if (plaintext.length >= 512 && plaintext.length <= REUSED_CONTEXT_LIMIT) {
    // The body (flag byte, frame) is in a buffer the thread reuses (zstd.ts): encrypted at once,
    // in one piece.
    const body = zstdCompressTransient(plaintext, zstdLevel, 1);
    if (body.length - 1 < plaintext.length) {
      body[0] = FLAG_ZSTD;
      return seal(dataKey, body, id);
    }
  } else if (plaintext.length > REUSED_CONTEXT_LIMIT) {
    const compressed = zstdCompress(plaintext, zstdLevel);
    const sealed = compressed.length < plaintext.length ? seal(dataKey, [ZSTD_PREFIX, compressed], id) : undefined;
    releaseBuffer(compressed);
    if (sealed) return sealed;
  }
  return seal(dataKey, [RAW_PREFIX, plaintext], id);
}

/** Opens a sealed blob and checks its content against its id. Throws RepositoryError('damaged'). */
export function openBlob(dataKey: Uint8Array, idKey: Uint8Array, id: Uint8Array, sealed: Uint8Array): Buffer {
  // The id in hex only for an error: a restore opens tens of thousands of blobs.
  const idHex = () => Buffer.from(id.buffer, id.byteOffset, id.byteLength).toString('hex');
  const body = tryOpen(dataKey, sealed, id);
  if (!body) throw new RepositoryError('damaged', `blob ${idHex()}: authentication failed (damaged, or not this key)`);
  let plaintext: Buffer;
  if (body[0] === FLAG_RAW) plaintext = body.subarray(1);
  else if (body[0] === FLAG_ZSTD) plaintext = zstdDecompress(body.subarray(1));
  else throw new RepositoryError('damaged', `blob ${idHex()}: unknown encoding ${body[0]}`);
  if (!timingSafeEqual(blobId(idKey, plaintext), id)) {
    throw new RepositoryError('damaged', `blob ${idHex()}: content does not match its id`);
  }
  return plaintext;
}
