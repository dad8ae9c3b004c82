// rebuild-index (docs/repository-format.md §5): reconstructs the index from the packs alone,
// reading each pack's header. Unreadable packs are reported, not indexed.
import { type PackRecord, packNameFromPath, readPackHeader } from './pack.ts';
import type { Repository } from './repository.ts';

export interface RebuildReport {
  packs: number;
  blobs: number;
  unreadable: Array<{ pack: string; problem: string }>;
}

export async function rebuildIndex(repo: Repository): Promise<RebuildReport> {
  const { backend, keys, index, repositoryIndex } = repo.core;
  const records: PackRecord[] = [];
  const report: RebuildReport = { packs: 0, blobs: 0, unreadable: [] };
  for await (const object of backend.list('data/')) {
    const name = packNameFromPath(object.name);
    if (!name) continue;
    try {
      const blobs = await readPackHeader(backend, name, object.size, keys.dataKey);
      records.push({ name, size: object.size, blobs });
      report.packs++;
      report.blobs += blobs.length;
    } catch (error) {
      report.unreadable.push({ pack: name, problem: (error as Error).message });
    }
  }
  if (repositoryIndex) {
    await repositoryIndex.replaceAll(records);
  } else {
    const known = new Set<string>();
    for await (const pack of index.packs()) known.add(pack.name);
    await index.addPacks(records.filter((record) => !known.has(record.name)));
    await index.flush();
  }
  return report;
}
