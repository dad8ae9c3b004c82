// Descriptors (docs/repository-format.md §4): the JSON blob that lists the chunks of a split
// message or a file. Shared by the write path (which makes them), the read path (which follows
// them) and gc (which marks their chunks live).
import { BLOB_ID, blobId } from './blob-crypto.ts';
import { RepositoryError } from './errors.ts';

export interface Descriptor {
  v: 1;
  kind: 'mail' | 'file';
  size: number;
  chunks: string[];
}

/** A version 1 descriptor (checked by hand: no zod on a restore's path), or RepositoryError('damaged'). */
export function parseDescriptor(plaintext: Uint8Array): Descriptor {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(plaintext.buffer, plaintext.byteOffset, plaintext.byteLength).toString());
  } catch {
    throw new RepositoryError('damaged', 'blob is not a version 1 descriptor (not JSON)');
  }
  if (typeof value === 'object' && value !== null && !Array.isArray(value)) {
    const { v, kind, size, chunks } = value as Record<string, unknown>;
    if (
      v === 1 &&
      (kind === 'mail' || kind === 'file') &&
      Number.isSafeInteger(size) &&
      (size as number) >= 0 &&
      Array.isArray(chunks) &&
      chunks.every((chunk) => typeof chunk === 'string' && BLOB_ID.test(chunk))
    ) {
      return { v, kind, size: size as number, chunks };
    }
  }
  throw new RepositoryError('damaged', 'blob is not a version 1 descriptor');
}

/** The descriptor's plaintext and its id (the HMAC of that plaintext, as for every blob). */
export function encodeDescriptor(idKey: Uint8Array, descriptor: Descriptor): { id: string; data: Buffer } {
  const data = Buffer.from(JSON.stringify(descriptor));
  return { id: blobId(idKey, data).toString('hex'), data };
}

/**
 * The object of a message split into `segmentIds`: its descriptor (id and JSON), or, for a
 * message of one segment, that data blob alone, as for an object (format §4).
 */
export function mailObject(
  idKey: Uint8Array,
  size: number,
  segmentIds: string[],
): { objectId: string; descriptor?: { id: string; data: Buffer } } {
  if (segmentIds.length === 1) return { objectId: segmentIds[0]! };
  const descriptor = encodeDescriptor(idKey, { v: 1, kind: 'mail', size, chunks: segmentIds });
  return { objectId: descriptor.id, descriptor };
}
