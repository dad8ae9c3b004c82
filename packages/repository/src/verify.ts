// verify (docs/repository-format.md §7): reads every indexed pack whole, checks its header
// against the index, opens every blob (GCM tag with the id as associated data, then the id's
// HMAC) and names each damaged pack and blob. Packs no index names are listed too.
import { open } from './blob-crypto.ts';
import { RepositoryError } from './errors.ts';
import { decodeHeader, PACK_HEADER_AAD, type PackRecord, packNameFromPath, packPath } from './pack.ts';
import type { Repository } from './repository.ts';

export interface VerifyDamage {
  pack: string;
  /** The damaged blob, or undefined when the pack as a whole (header, missing) is damaged. */
  blob?: string;
  problem: string;
}

export interface VerifyReport {
  packs: number;
  blobs: number;
  bytes: number;
  damage: VerifyDamage[];
  /** Packs in data/ that no index names (e.g. left by a crash before indexing). */
  unindexedPacks: string[];
}

async function verifyPack(repo: Repository, pack: PackRecord): Promise<VerifyDamage[]> {
  const { backend, keys, pool } = repo.core;
  let bytes: Buffer;
  try {
    bytes = await backend.get(packPath(pack.name));
  } catch (error) {
    if (error instanceof RepositoryError && error.code === 'not-found') {
      return [{ pack: pack.name, problem: 'pack file is missing' }];
    }
    throw error;
  }
  const damage: VerifyDamage[] = [];
  if (bytes.length !== pack.size)
    damage.push({ pack: pack.name, problem: `size ${bytes.length}, index says ${pack.size}` });
  try {
    const headerLength = bytes.readUInt32LE(bytes.length - 4);
    const header = decodeHeader(
      open(keys.dataKey, bytes.subarray(bytes.length - 4 - headerLength, bytes.length - 4), PACK_HEADER_AAD, 'header'),
    );
    const inHeader = new Set(header.map((entry) => `${entry.id}:${entry.offset}:${entry.length}`));
    for (const blob of pack.blobs) {
      if (!inHeader.has(`${blob.id}:${blob.offset}:${blob.length}`)) {
        damage.push({ pack: pack.name, blob: blob.id, problem: 'not listed in the pack header' });
      }
    }
  } catch (error) {
    damage.push({ pack: pack.name, problem: `pack header: ${(error as Error).message}` });
  }
  const blobs = pack.blobs.filter((blob) => blob.offset + blob.length <= bytes.length);
  for (const blob of pack.blobs) {
    if (blob.offset + blob.length > bytes.length) damage.push({ pack: pack.name, blob: blob.id, problem: 'truncated' });
  }
  const { results } = await pool.run({
    op: 'open',
    dataKey: keys.dataKey,
    idKey: keys.idKey,
    items: blobs.map((blob) => ({
      id: Buffer.from(blob.id, 'hex'),
      sealed: bytes.subarray(blob.offset, blob.offset + blob.length),
    })),
  });
  results.forEach((result, i) => {
    if (!result.ok) damage.push({ pack: pack.name, blob: blobs[i]!.id, problem: result.error });
  });
  return damage;
}

export async function verifyRepository(
  repo: Repository,
  options: {
    onPack?: (done: number, total: number) => void;
    /** Verify only these packs (a rolling sample); the scan for unindexed packs is then skipped. */
    packs?: readonly string[];
  } = {},
): Promise<VerifyReport> {
  const only = options.packs ? new Set(options.packs) : undefined;
  const packs: PackRecord[] = [];
  for await (const pack of repo.core.index.packs()) {
    if (!only || only.has(pack.name)) packs.push(pack);
    if (only && packs.length === only.size) break;
  }
  const report: VerifyReport = { packs: packs.length, blobs: 0, bytes: 0, damage: [], unindexedPacks: [] };
  let next = 0;
  let done = 0;
  const workers = Array.from({ length: Math.max(1, repo.core.pool.size) }, async () => {
    while (next < packs.length) {
      const pack = packs[next++]!;
      report.damage.push(...(await verifyPack(repo, pack)));
      report.blobs += pack.blobs.length;
      report.bytes += pack.size;
      options.onPack?.(++done, packs.length);
    }
  });
  await Promise.all(workers);
  if (only) return report;
  const indexed = new Set(packs.map((pack) => pack.name));
  for await (const object of repo.core.backend.list('data/')) {
    const name = packNameFromPath(object.name);
    if (name && !indexed.has(name)) report.unindexedPacks.push(name);
  }
  return report;
}
