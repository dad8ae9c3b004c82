// The read path (docs/repository-format.md §4–5): look blobs up in the index, fetch their
// sealed bytes from the packs, open them on worker threads (GCM tag with the id as associated
// data, then the id's HMAC: a damaged blob is an error, never garbage), follow descriptors to
// their chunks, and stream or write the content. Small data blobs stay in an LRU cache.
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import type { Backend } from './backend.ts';
import { type BlobIndex, type BlobLocation, usableLocations } from './blob-index.ts';
import { parseDescriptor } from './descriptor.ts';
import { RepositoryError } from './errors.ts';
import type { RepositoryKeys } from './keys.ts';
import { BLOB_DATA, BLOB_DESCRIPTOR, type BlobType, packPath } from './pack.ts';
import { ownCopy, releaseBuffer } from './release.ts';
import type { WorkerPool } from './worker-pool.ts';
import type { RestoreColumns } from './worker-protocol.ts';

const READ_BATCH = 8 * 1024 * 1024;
// Small data blobs kept decrypted (a mail body read again, a file's shared chunk). 16 MiB: the
// restore's own reads go through the workers' caches; 64 MiB here was a quarter of its peak RSS.
const CACHE_BYTES = 16 * 1024 * 1024;
/** Blobs of a pack at most this far apart are fetched with one read, up to COALESCE_LIMIT bytes. */
const COALESCE_GAP = 64 * 1024;
const COALESCE_LIMIT = 8 * 1024 * 1024;

export type RestoreResult = { ok: true; bytes: number } | { ok: false; error: string };

/** A restore planned: results known before it runs, and per task the items' numbers and columns. */
interface RestorePlan {
  results: RestoreResult[];
  indexes: number[][];
  tasks: RestoreColumns[];
}

/**
 * A restore task's items (their chunks' ids in hex, each in `locations`) as columns: the ids as
 * bytes, each pack path once, and how many times the task reads each chunk (exported for its test).
 */
export function restoreColumns(
  items: ReadonlyArray<{ target: string; chunks: readonly string[] }>,
  locations: ReadonlyMap<string, BlobLocation>,
  localPath: (path: string) => string,
): RestoreColumns {
  let parts = 0;
  for (const { chunks } of items) parts += chunks.length;
  const ids = Buffer.alloc(parts * 32);
  const columns: RestoreColumns = {
    targets: items.map(({ target }) => target),
    partCounts: new Uint32Array(items.length),
    packs: [],
    partPacks: new Uint32Array(parts),
    offsets: new Float64Array(parts),
    lengths: new Uint32Array(parts),
    ids,
    uses: new Uint32Array(parts),
  };
  const packNumbers = new Map<string, number>();
  const uses = new Map<string, number>();
  let p = 0;
  items.forEach(({ chunks }, i) => {
    columns.partCounts[i] = chunks.length;
    for (const chunk of chunks) {
      const location = locations.get(chunk)!;
      let pack = packNumbers.get(location.pack);
      if (pack === undefined) {
        pack = columns.packs.push(localPath(packPath(location.pack))) - 1;
        packNumbers.set(location.pack, pack);
      }
      columns.partPacks[p] = pack;
      columns.offsets[p] = location.offset;
      columns.lengths[p] = location.length;
      ids.write(chunk, p * 32, 'hex');
      uses.set(chunk, (uses.get(chunk) ?? 0) + 1);
      p++;
    }
  });
  p = 0;
  for (const { chunks } of items) for (const chunk of chunks) columns.uses[p++] = uses.get(chunk)!;
  return columns;
}

/** What the read path uses of an open repository (`RepositoryCore`), and of its writer. */
export interface BlobReaderDeps {
  backend: Backend;
  keys: RepositoryKeys;
  index: BlobIndex;
  pool: WorkerPool;
  condemned: ReadonlySet<string>;
  /**
   * Blobs this repository stored and has not indexed yet: reading one flushes first, so that
   * what a put returned can be read back at once.
   */
  unflushed: { isPending(id: string): boolean; flush(): Promise<void> };
}

export class BlobReader {
  private readonly deps: BlobReaderDeps;
  private readonly cache = new Map<string, Buffer>();
  private cacheBytes = 0;

  constructor(deps: BlobReaderDeps) {
    this.deps = deps;
  }

  /**
   * Reads blobs (plaintexts, in order). Blobs only found in condemned packs are read too: they
   * exist until a sweep, and gc's mark must see descriptors wherever they are.
   */
  async readBlobs(ids: readonly string[]): Promise<Array<{ type: BlobType; data: Buffer }>> {
    const result = new Array<{ type: BlobType; data: Buffer }>(ids.length);
    const missing: number[] = [];
    ids.forEach((id, i) => {
      const cached = this.cache.get(id);
      if (cached) {
        this.cache.delete(id);
        this.cache.set(id, cached);
        result[i] = { type: BLOB_DATA, data: cached };
      } else missing.push(i);
    });
    if (missing.length === 0) return result;
    const { unflushed } = this.deps;
    if (missing.some((i) => unflushed.isPending(ids[i]!))) await unflushed.flush();
    const wanted = [...new Set(missing.map((i) => ids[i]!))];
    const locations = await usableLocations(this.deps.index, this.deps.condemned, wanted, true);
    const fetched = await this.fetchSealed(
      wanted.map((id) => {
        const location = locations.get(id);
        if (!location) throw new RepositoryError('not-found', `blob ${id} is not in the repository`);
        return { id, location };
      }),
    );
    // Sealed ranges that own their buffer are handed over (transferred), not copied.
    const handOver = new Set<ArrayBuffer>();
    for (const { sealed } of fetched) {
      const { buffer } = sealed;
      if (buffer instanceof ArrayBuffer && sealed.byteOffset === 0 && sealed.byteLength === buffer.byteLength) {
        handOver.add(buffer);
      }
    }
    const { results } = await this.deps.pool.run(
      {
        op: 'open',
        dataKey: this.deps.keys.dataKey,
        idKey: this.deps.keys.idKey,
        items: fetched.map(({ id, sealed }) => ({ id: Buffer.from(id, 'hex'), sealed })),
      },
      undefined,
      [...handOver],
    );
    const byId = new Map<string, { type: BlobType; data: Buffer }>();
    results.forEach((outcome, i) => {
      const { id, location } = fetched[i]!;
      if (!outcome.ok) throw new RepositoryError('damaged', `pack ${location.pack}: ${outcome.error}`);
      const data = Buffer.from(outcome.data.buffer, outcome.data.byteOffset, outcome.data.byteLength);
      byId.set(id, { type: location.type, data });
      if (location.type === BLOB_DATA) this.remember(id, data);
    });
    for (const i of missing) result[i] = byId.get(ids[i]!)!;
    return result;
  }

  /**
   * The sealed bytes of blobs, in the order asked: blobs of one pack that lie close together
   * are fetched with one ranged read (a restore asks for thousands of small blobs, and a read
   * per blob cost a backend round trip, or a thread-pool round trip on a local disk, each).
   */
  private async fetchSealed(
    wanted: Array<{ id: string; location: BlobLocation }>,
  ): Promise<Array<{ id: string; location: BlobLocation; sealed: Buffer }>> {
    const byPack = new Map<string, number[]>();
    wanted.forEach(({ location }, i) => {
      const list = byPack.get(location.pack);
      if (list) list.push(i);
      else byPack.set(location.pack, [i]);
    });
    const ranges: Array<{ pack: string; offset: number; end: number; members: number[] }> = [];
    for (const [pack, members] of byPack) {
      members.sort((a, b) => wanted[a]!.location.offset - wanted[b]!.location.offset);
      let range: (typeof ranges)[number] | undefined;
      for (const i of members) {
        const { offset, length } = wanted[i]!.location;
        if (range && offset - range.end <= COALESCE_GAP && offset + length - range.offset <= COALESCE_LIMIT) {
          range.end = Math.max(range.end, offset + length);
          range.members.push(i);
        } else {
          range = { pack, offset, end: offset + length, members: [i] };
          ranges.push(range);
        }
      }
    }
    const fetched = new Array<{ id: string; location: BlobLocation; sealed: Buffer }>(wanted.length);
    await Promise.all(
      ranges.map(async (range) => {
        const bytes = await this.deps.backend.get(packPath(range.pack), {
          offset: range.offset,
          length: range.end - range.offset,
        });
        // A range read mostly for the blobs between the wanted ones (a restore's descriptors lie
        // between message bodies: 40 MB read for 1 MB of descriptors) is not kept for them: its
        // blobs are copied out and it is freed (a view posted to a worker copies its whole
        // buffer, and the range stayed alive until the blobs were opened; benchmarks.md, round six).
        let needed = 0;
        for (const i of range.members) needed += wanted[i]!.location.length;
        const copy = needed * 2 < bytes.length;
        for (const i of range.members) {
          const { id, location } = wanted[i]!;
          const at = location.offset - range.offset;
          const sealed = bytes.subarray(at, at + location.length);
          fetched[i] = { id, location, sealed: copy ? ownCopy(sealed) : sealed };
        }
        if (copy) releaseBuffer(bytes);
      }),
    );
    return fetched;
  }

  private remember(id: string, data: Buffer): void {
    if (data.length > CACHE_BYTES / 8) return;
    this.cache.set(id, data);
    this.cacheBytes += data.length;
    for (const [oldId, old] of this.cache) {
      if (this.cacheBytes <= CACHE_BYTES) break;
      this.cache.delete(oldId);
      this.cacheBytes -= old.length;
    }
  }

  /** Reads a stored mail message, file or object back as a byte stream. */
  read(id: string): Readable {
    return Readable.from(this.readChunks(id), { objectMode: false });
  }

  async readObject(id: string): Promise<unknown> {
    const [blob] = await this.readBlobs([id]);
    return JSON.parse(blob!.data.toString());
  }

  /** Reads a whole item into memory (mail messages are small; files should use read()). */
  async readAll(id: string): Promise<Buffer> {
    const parts: Buffer[] = [];
    for await (const part of this.readChunks(id)) parts.push(part);
    return Buffer.concat(parts);
  }

  /** The item's content in order: the blob itself, or its descriptor's chunks. */
  async *readChunks(id: string): AsyncGenerator<Buffer> {
    const [root] = await this.readBlobs([id]);
    if (root!.type !== BLOB_DESCRIPTOR) {
      yield root!.data;
      return;
    }
    const descriptor = parseDescriptor(root!.data);
    // Batches of chunks, the next batch read while the current one is consumed.
    const batches: string[][] = [];
    let batch: string[] = [];
    let batchBytes = 0;
    for (const chunk of descriptor.chunks) {
      batch.push(chunk);
      batchBytes += 1024 * 1024;
      if (batchBytes >= READ_BATCH) {
        batches.push(batch);
        batch = [];
        batchBytes = 0;
      }
    }
    if (batch.length > 0) batches.push(batch);
    let next = batches.length > 0 ? this.readBlobs(batches[0]!) : undefined;
    for (let i = 0; i < batches.length; i++) {
      const current = await next!;
      next = i + 1 < batches.length ? this.readBlobs(batches[i + 1]!) : undefined;
      for (const blob of current) yield blob.data;
    }
  }

  /**
   * Writes items to local files: each target gets the concatenation of its ids' contents (a
   * message, or an mbox's messages). On a local backend this is a pipeline: only descriptor
   * roots are read here (in pack order, nearby blobs in one read); the worker threads then read
   * the chunks from the packs, open each once (a chunk shared by many items is cached), and
   * write the files, items in pack order, one task at a time per worker (blob-worker.ts).
   * Elsewhere the bytes pass through this thread.
   */
  restoreToFiles(items: Array<{ target: string; ids: string[] }>): Promise<RestoreResult[]> {
    const localPath = this.deps.backend.localPath?.bind(this.deps.backend);
    if (!localPath) return this.restoreEach(items);
    // Planned first, then run: while the workers write, only the plan's columns are kept (not
    // the items, their locations and per-part objects: ≈ 1 KB per file that the planning
    // thread's old generation collected for the whole restore; docs/benchmarks.md, round six).
    return this.planRestore(items, localPath).then((plan) => this.runRestore(plan));
  }

  private restoreEach(items: Array<{ target: string; ids: string[] }>): Promise<RestoreResult[]> {
    return Promise.all(items.map((item) => this.restoreOne(item)));
  }

  /** Each root's chunks in order (roots not in the index are left out), and where each chunk is. */
  private async restoreContents(
    items: Array<{ target: string; ids: string[] }>,
  ): Promise<{ contents: Map<string, string[]>; locations: Map<string, BlobLocation> } | undefined> {
    const { dataRoots, descriptorIds } = await this.restoreRoots(items);
    let descriptors: Array<{ type: BlobType; data: Buffer }>;
    try {
      descriptors = await this.readBlobs(descriptorIds);
    } catch {
      return undefined;
    }
    const contents = new Map<string, string[]>();
    for (const id of dataRoots) contents.set(id, [id]);
    descriptorIds.forEach((id, i) => {
      contents.set(id, parseDescriptor(descriptors[i]!.data).chunks);
    });
    const chunkIds = [...new Set([...contents.values()].flat())];
    return { contents, locations: await usableLocations(this.deps.index, this.deps.condemned, chunkIds, true) };
  }

  /**
   * The items' roots the index knows, as data blobs (their own content) and descriptors (to be
   * read). Only the ids are kept while the descriptors are read, not the roots' locations: that
   * read waits for a busy worker, and what the planning thread keeps that long is moved to its
   * old generation (docs/benchmarks.md, "Memory, round six").
   */
  private async restoreRoots(
    items: Array<{ target: string; ids: string[] }>,
  ): Promise<{ dataRoots: string[]; descriptorIds: string[] }> {
    const rootIds = [...new Set(items.flatMap((item) => item.ids))];
    const { unflushed } = this.deps;
    if (rootIds.some((id) => unflushed.isPending(id))) await unflushed.flush();
    const rootLocations = await usableLocations(this.deps.index, this.deps.condemned, rootIds, true);
    const dataRoots: string[] = [];
    const descriptorIds: string[] = [];
    for (const id of rootIds) {
      const type = rootLocations.get(id)?.type;
      if (type === BLOB_DESCRIPTOR) descriptorIds.push(id);
      else if (type !== undefined) dataRoots.push(id);
    }
    return { dataRoots, descriptorIds };
  }

  /**
   * The restore's tasks, one per worker, items in pack order, as columns (restoreColumns); the
   * items that cannot be restored have their result already. When a descriptor cannot be read,
   * every item is restored one by one instead, each with its own error (one bad root must not
   * fail the others), and the plan has no tasks.
   */
  private async planRestore(
    items: Array<{ target: string; ids: string[] }>,
    localPath: (path: string) => string,
  ): Promise<RestorePlan> {
    const found = await this.restoreContents(items);
    if (!found) return { results: await this.restoreEach(items), indexes: [], tasks: [] };
    const { contents, locations } = found;
    const results = new Array<RestoreResult>(items.length);
    const planned: Array<{ index: number; chunks: string[]; pack: string; offset: number }> = [];
    items.forEach((item, index) => {
      const missingRoot = item.ids.find((id) => !contents.has(id));
      const chunks = missingRoot ? [] : item.ids.flatMap((id) => contents.get(id)!);
      const missing = missingRoot ?? chunks.find((chunk) => !locations.has(chunk));
      if (missing) {
        results[index] = { ok: false, error: `blob ${missing} is not in the repository` };
        return;
      }
      const first = locations.get(chunks[0] ?? '');
      planned.push({ index, chunks, pack: first?.pack ?? '', offset: first?.offset ?? 0 });
    });
    // Pack order: each worker reads its packs front to back.
    planned.sort((a, b) => (a.pack < b.pack ? -1 : a.pack > b.pack ? 1 : a.offset - b.offset));
    const groups = Math.max(1, Math.min(this.deps.pool.size, planned.length));
    const per = Math.ceil(planned.length / groups);
    const plan: RestorePlan = { results, indexes: [], tasks: [] };
    for (let g = 0; g < groups; g++) {
      const group = planned.slice(g * per, (g + 1) * per);
      if (group.length === 0) continue;
      plan.indexes.push(group.map(({ index }) => index));
      plan.tasks.push(
        restoreColumns(
          group.map(({ index, chunks }) => ({ target: items[index]!.target, chunks })),
          locations,
          localPath,
        ),
      );
    }
    return plan;
  }

  /** Runs a plan's tasks; a task's objects are not kept once it is handed over. */
  private async runRestore(plan: RestorePlan): Promise<RestoreResult[]> {
    const { results, indexes } = plan;
    const { dataKey, idKey } = this.deps.keys;
    const runs = plan.tasks.map((columns, g) =>
      this.deps.pool.run({ op: 'restore', dataKey, idKey, ...columns }).then(({ results: done }) => {
        const group = indexes[g]!;
        done.forEach((result, i) => {
          results[group[i]!] = result;
        });
      }),
    );
    plan.tasks.length = 0;
    await Promise.all(runs);
    return results;
  }

  private async restoreOne(item: { target: string; ids: string[] }): Promise<RestoreResult> {
    try {
      const parts: Buffer[] = [];
      for (const id of item.ids) parts.push(await this.readAll(id));
      const data = Buffer.concat(parts);
      await mkdir(dirname(item.target), { recursive: true });
      await writeFile(item.target, data);
      return { ok: true, bytes: data.length };
    } catch (error) {
      return { ok: false, error: (error as Error).message };
    }
  }
}
