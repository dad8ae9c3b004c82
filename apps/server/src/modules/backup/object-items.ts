// Small JSON items (calendar events, contacts): stored as repository objects; a new version
// only when the content (without volatile fields such as etag) changed.
import { type ServiceRun, sha256, stableJson } from './service-context.ts';

const VOLATILE = new Set(['etag', 'updated']);

function contentOf(item: Record<string, unknown>): Record<string, unknown> {
  return Object.fromEntries(Object.entries(item).filter(([key]) => !VOLATILE.has(key)));
}

/** Puts `item` under `key` unless its current version has the same content; returns false when unchanged. */
export async function putObjectItem(
  run: ServiceRun,
  key: string,
  item: Record<string, unknown>,
  metadata: Record<string, unknown>,
): Promise<boolean> {
  const json = stableJson(contentOf(item));
  const contentHash = `sha256:${sha256(json)}`;
  if (run.writer.current.get(key)?.contentHash === contentHash) return false;
  const objectId = await run.writer.store((repository) => repository.putObject(item));
  const size = Buffer.byteLength(json);
  run.writer.put({ key, objectId, contentHash, size, metadata, fetchedBytes: size });
  return true;
}
