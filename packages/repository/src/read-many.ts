// Many whole items read at once (an export, a batch of small files): the roots of all of them in
// one index look-up and one worker round trip, then the chunks of those that are split (a
// message with attachments, a file) in one more — instead of two of each per item.
import type { BlobReader } from './blob-reader.ts';
import { parseDescriptor } from './descriptor.ts';
import { BLOB_DESCRIPTOR } from './pack.ts';

/** Each item's content, in order (an id asked twice is read once). Hold only what fits in memory. */
export async function readMany(reader: Pick<BlobReader, 'readBlobs'>, ids: readonly string[]): Promise<Buffer[]> {
  if (ids.length === 0) return [];
  const roots = await reader.readBlobs(ids);
  const chunkLists = roots.map((root) => (root.type === BLOB_DESCRIPTOR ? parseDescriptor(root.data).chunks : null));
  const chunkIds = chunkLists.flatMap((chunks) => chunks ?? []);
  const chunks = chunkIds.length > 0 ? await reader.readBlobs(chunkIds) : [];
  let next = 0;
  return roots.map((root, i) => {
    const list = chunkLists[i];
    if (!list) return root.data;
    const parts = chunks.slice(next, next + list.length).map((chunk) => chunk.data);
    next += list.length;
    return parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  });
}
