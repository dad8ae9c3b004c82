// Garbage collection (docs/repository-format.md §8): mark from the live roots, repack sparse
// packs, condemn dead packs in a plan, and sweep plans once no writer that could still use a
// condemned pack is alive. Safe to interrupt at any point and to run while backups write.

import { parseDescriptor } from './descriptor.ts';
import { RepositoryError } from './errors.ts';
import { BLOB_DESCRIPTOR, PackBuilder, type PackRecord, packPath } from './pack.ts';
import type { Repository } from './repository.ts';
import { LOCK_STALE_MS, listLocks, type Plan, readPlans, writePlan } from './repository-config.ts';

export interface GcOptions {
  /** Returns the live root ids; called at the start and again just before sweeping. */
  roots: () => Promise<Iterable<string>>;
  /** Packs with less than this share of live bytes are repacked (default 0.5). */
  repackBelow?: number;
  /** Clock-skew margin when comparing a lock's creation with a plan's (default 10 min). */
  lockMarginMs?: number;
}

export interface GcReport {
  liveBlobs: number;
  /** Roots the index does not know (nothing to keep for them). */
  missingRoots: number;
  repackedPacks: number;
  condemnedPacks: number;
  deletedPacks: number;
  deletedBytes: number;
  /** Packs a plan named that turned out to be live at sweep time. */
  sparedPacks: number;
  /** Plans left for a later gc because a writer older than them is still running. */
  waitingPlans: number;
  /**
   * Dead packs still under S3 Object Lock retention: not deleted (the store would refuse), kept
   * condemned in a plan and deleted by a later gc once their retain-until date has passed.
   */
  lockedPacks: number;
}

/** Live blob ids: the roots plus, for descriptors, their chunks. */
async function mark(repo: Repository, roots: Iterable<string>): Promise<{ live: Set<string>; missing: number }> {
  const live = new Set<string>();
  let missing = 0;
  const ids = [...new Set(roots)];
  const BATCH = 256;
  for (let i = 0; i < ids.length; i += BATCH) {
    const batch = ids.slice(i, i + BATCH);
    const found = await repo.core.index.lookup(batch);
    const descriptors: string[] = [];
    for (const id of batch) {
      const locations = found.get(id);
      if (!locations) {
        missing++;
        continue;
      }
      live.add(id);
      if (locations[0]!.type === BLOB_DESCRIPTOR) descriptors.push(id);
    }
    if (descriptors.length > 0) {
      for (const blob of await repo.readBlobs(descriptors)) {
        for (const chunk of parseDescriptor(blob.data).chunks) live.add(chunk);
      }
    }
  }
  return { live, missing };
}

async function allPacks(repo: Repository): Promise<PackRecord[]> {
  const packs: PackRecord[] = [];
  for await (const pack of repo.core.index.packs()) packs.push(pack);
  return packs;
}

/** Copies the live blobs of sparse packs, sealed as they are, into new packs. */
async function repack(repo: Repository, sparse: PackRecord[], live: Set<string>): Promise<void> {
  const { backend, keys, index, packSize } = repo.core;
  const copied = new Set<string>();
  const written: PackRecord[] = [];
  let builder = new PackBuilder();
  const finish = async (): Promise<void> => {
    if (builder.entries.length === 0) return;
    const { bytes, record } = builder.finish(keys.dataKey);
    await backend.put(packPath(record.name), bytes);
    written.push(record);
    builder = new PackBuilder();
  };
  for (const pack of sparse) {
    const bytes = await backend.get(packPath(pack.name));
    for (const blob of pack.blobs) {
      if (!live.has(blob.id) || copied.has(blob.id)) continue;
      copied.add(blob.id);
      builder.add(blob.id, blob.type, bytes.subarray(blob.offset, blob.offset + blob.length), blob.rawLength);
      if (builder.size >= packSize) await finish();
    }
  }
  await finish();
  // The copies are indexed before any plan condemns the originals.
  await index.addPacks(written);
  await index.flush();
}

export async function garbageCollect(repo: Repository, options: GcOptions): Promise<GcReport> {
  const { backend, keys, index, repositoryIndex, clock } = repo.core;
  if (repositoryIndex && repositoryIndex.unreadable.length > 0) {
    throw new RepositoryError(
      'damaged',
      `some index files are unreadable; run rebuild-index first: ${repositoryIndex.unreadable.join('; ')}`,
    );
  }
  // See what other writers indexed and condemned since this repository was opened.
  await repositoryIndex?.load();
  for (const plan of await readPlans(backend, keys.dataKey))
    for (const name of plan.packs) repo.core.condemned.add(name);
  const repackBelow = options.repackBelow ?? 0.5;
  const margin = options.lockMarginMs ?? 10 * 60 * 1000;
  const report: GcReport = {
    liveBlobs: 0,
    missingRoots: 0,
    repackedPacks: 0,
    condemnedPacks: 0,
    deletedPacks: 0,
    deletedBytes: 0,
    sparedPacks: 0,
    waitingPlans: 0,
    lockedPacks: 0,
  };

  // 2. Mark.
  const first = await mark(repo, await options.roots());
  report.liveBlobs = first.live.size;
  report.missingRoots = first.missing;

  // 3. Repack and find dead packs (packs already condemned are left to their plan).
  const dead: string[] = [];
  const sparse: PackRecord[] = [];
  for (const pack of await allPacks(repo)) {
    if (repo.core.condemned.has(pack.name)) continue;
    const liveBytes = pack.blobs.reduce((sum, blob) => sum + (first.live.has(blob.id) ? blob.length : 0), 0);
    if (liveBytes === 0) dead.push(pack.name);
    else if (liveBytes < pack.size * repackBelow) sparse.push(pack);
  }
  if (sparse.length > 0) await repack(repo, sparse, first.live);
  report.repackedPacks = sparse.length;

  // 4. Condemn.
  const condemned = [...dead, ...sparse.map((pack) => pack.name)];
  if (condemned.length > 0) {
    await writePlan(backend, keys.dataKey, { v: 1, created: clock().toISOString(), packs: condemned });
    for (const name of condemned) repo.core.condemned.add(name);
  }
  report.condemnedPacks = condemned.length;

  // 5. Sweep the plans no older writer can still depend on. Locks are listed after the plan was
  // written; roots are asked again after that (a writer that finished meanwhile is in them).
  const plans = await readPlans(backend, keys.dataKey);
  if (plans.length === 0) return report;
  const now = clock().getTime();
  const otherLocks = (await listLocks(backend)).filter(
    ({ name, lock }) => name !== repo.core.lock.name && now - Date.parse(lock.refreshed) < LOCK_STALE_MS,
  );
  const ready: Plan[] = [];
  for (const plan of plans) {
    const planTime = Date.parse(plan.created) + margin;
    if (otherLocks.some(({ lock }) => Date.parse(lock.created) < planTime)) report.waitingPlans++;
    else ready.push(plan);
  }
  if (ready.length === 0) return report;

  // Copies written by writers that finished meanwhile are in index files we have not read yet.
  await repositoryIndex?.load();
  const second = await mark(repo, await options.roots());
  const sweep = new Set(ready.flatMap((plan) => plan.packs));
  const packs = await allPacks(repo);
  const copies = new Map<string, number>();
  for (const pack of packs) {
    if (sweep.has(pack.name)) continue;
    for (const blob of pack.blobs) copies.set(blob.id, (copies.get(blob.id) ?? 0) + 1);
  }
  const doomed: PackRecord[] = [];
  for (const pack of packs) {
    if (!sweep.has(pack.name)) continue;
    if (pack.blobs.some((blob) => second.live.has(blob.id) && !copies.has(blob.id))) {
      report.sparedPacks++;
      repo.core.condemned.delete(pack.name);
    } else doomed.push(pack);
  }
  // Object Lock: a pack under retention is never sent a delete before its date. It stays
  // indexed and condemned, and a plan keeps naming it for a later gc.
  const locked = new Set<string>();
  const isLocked = async (name: string): Promise<boolean> => {
    if (!backend.retainedUntil) return false;
    const until = await backend.retainedUntil(packPath(name));
    return until !== null && until.getTime() > clock().getTime();
  };
  const deletable: PackRecord[] = [];
  for (const pack of doomed) {
    if (await isLocked(pack.name)) locked.add(pack.name);
    else deletable.push(pack);
  }
  /** Deletes a pack; false when the store refuses because of a lock we could not see. */
  const deletePack = async (name: string): Promise<boolean> => {
    try {
      await backend.delete(packPath(name));
      return true;
    } catch (error) {
      if (error instanceof RepositoryError && error.code === 'locked') {
        locked.add(name);
        return false;
      }
      throw error;
    }
  };
  // Index first (new index written, old files deleted), then the packs, then the plans.
  await index.removePacks(deletable.map((pack) => pack.name));
  await index.flush();
  for (const pack of deletable) {
    if (!(await deletePack(pack.name))) continue;
    report.deletedPacks++;
    report.deletedBytes += pack.size;
  }
  // Packs named by a ready plan but no longer indexed (a sweep interrupted after the index
  // rewrite, or a pack the store refused to delete) are deleted too.
  const indexed = new Set(packs.map((pack) => pack.name));
  for (const name of sweep) {
    if (indexed.has(name)) continue;
    if (await isLocked(name)) locked.add(name);
    // Counted (its size is no longer known): mostly a pack a store refused before its date.
    else if (await deletePack(name)) report.deletedPacks++;
  }
  if (locked.size > 0) {
    // The new plan keeps the oldest creation date of the plans it replaces, so it does not wait
    // again for writers that started after those plans.
    const created = ready
      .filter((plan) => plan.packs.some((name) => locked.has(name)))
      .map((plan) => plan.created)
      .sort()[0]!;
    await writePlan(backend, keys.dataKey, { v: 1, created, packs: [...locked] });
  }
  report.lockedPacks = locked.size;
  for (const plan of ready) await backend.delete(plan.name);
  return report;
}
