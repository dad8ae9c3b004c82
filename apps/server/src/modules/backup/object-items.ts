// Small JSON items (calendar events, contacts): stored as repository objects; a new version
// only when the content (without volatile fields such as etag) changed.
import { chunks, type ServiceRun, sha256, stableJson } from './service-context.ts';

const VOLATILE = new Set(['etag', 'updated']);

function contentOf(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !VOLATILE.has(key)));
}

export interface ObjectItem {
  key: string;
  item: Record<string, unknown>;
  metadata: Record<string, unknown>;
}

/**
 * Puts each item under its key unless its current version has the same content, a group at a
 * time (one index lookup and one worker round trip per group, not per item), committing when
 * enough is pending (RunWriter.commitWhenDue). Returns how many were unchanged.
 */
export async function putObjectItems(run: ServiceRun, items: readonly ObjectItem[]): Promise<number> {
  let unchanged = 0;
  for (const group of chunks(items, run.groupSize)) {
    const changed: Array<ObjectItem & { contentHash: string; size: number }> = [];
    for (const entry of group) {
      const json = stableJson(contentOf(entry.item));
      const contentHash = `sha256:${sha256(json)}`;
      if (run.writer.current.get(entry.key)?.contentHash === contentHash) unchanged += 1;
      else changed.push({ ...entry, contentHash, size: Buffer.byteLength(json) });
    }
    if (changed.length > 0) {
      const ids = await run.writer.store((repository) => repository.putObjects(changed.map((entry) => entry.item)));
      changed.forEach((entry, i) => {
        run.writer.put({
          key: entry.key,
          objectId: ids[i]!,
          contentHash: entry.contentHash,
          size: entry.size,
          metadata: entry.metadata,
          fetchedBytes: entry.size,
        });
      });
    }
    await run.writer.commitWhenDue();
  }
  return unchanged;
}
