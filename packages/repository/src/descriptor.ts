// Descriptors (docs/repository-format.md §4): the JSON blob that lists the chunks of a split
// message or a file. Shared by the write path (which makes them), the read path (which follows
// them) and gc (which marks their chunks live).
import { z } from 'zod';
import { blobId } from './blob-crypto.ts';

const descriptorSchema = z.object({
  v: z.literal(1),
  kind: z.enum(['mail', 'file']),
  size: z.number().int().nonnegative(),
  chunks: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

export function parseDescriptor(plaintext: Uint8Array): Descriptor {
  return descriptorSchema.parse(JSON.parse(Buffer.from(plaintext).toString()));
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
