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
import type { WorkerPool } from './worker-pool.ts';

const READ_BATCH = 8 * 1024 * 1024;
// Small data blobs kept decrypted (a mail body read again, a file's shared chunk). 16 MiB: the
// restore's own reads go through the workers' caches; 64 MiB here was a quarter of its peak RSS.
const CACHE_BYTES = 16 * 1024 * 1024;
/** Blobs of a pack at most this far apart are fetched with one read, up to COALESCE_LIMIT bytes. */
const COALESCE_GAP = 64 * 1024;
const COALESCE_LIMIT = 8 * 1024 * 1024;

export type RestoreResult = { ok: true; bytes: number } | { ok: false; error: string };

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
        for (const i of range.members) {
          const { id, location } = wanted[i]!;
          const at = location.offset - range.offset;
          fetched[i] = { id, location, sealed: bytes.subarray(at, at + location.length) };
        }
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
  async restoreToFiles(items: Array<{ target: string; ids: string[] }>): Promise<RestoreResult[]> {
    const localPath = this.deps.backend.localPath?.bind(this.deps.backend);
    if (!localPath) return Promise.all(items.map((item) => this.restoreOne(item)));
    const rootIds = [...new Set(items.flatMap((item) => item.ids))];
    const { unflushed } = this.deps;
    if (rootIds.some((id) => unflushed.isPending(id))) await unflushed.flush();
    const rootLocations = await usableLocations(this.deps.index, this.deps.condemned, rootIds, true);
    // A data root is its own content: only descriptors need opening before the chunks are known.
    const descriptorIds = rootIds.filter((id) => rootLocations.get(id)?.type === BLOB_DESCRIPTOR);
    let descriptors: Array<{ type: BlobType; data: Buffer }>;
    try {
      descriptors = await this.readBlobs(descriptorIds);
    } catch {
      // One bad root must not fail the others: restore them one by one, each with its error.
      return Promise.all(items.map((item) => this.restoreOne(item)));
    }
    const contents = new Map<string, string[]>();
    for (const id of rootIds) if (rootLocations.has(id)) contents.set(id, [id]);
    descriptorIds.forEach((id, i) => {
      contents.set(id, parseDescriptor(descriptors[i]!.data).chunks);
    });
    const chunkIds = [...new Set([...contents.values()].flat())];
    const locations = await usableLocations(this.deps.index, this.deps.condemned, chunkIds, true);
    const results = new Array<RestoreResult>(items.length);
    const tasks: Array<{
      index: number;
      target: string;
      order: [string, number];
      parts: Array<{ path: string; offset: number; length: number; id: string; uses?: number }>;
    }> = [];
    const packPaths = new Map<string, string>();
    items.forEach((item, index) => {
      const missingRoot = item.ids.find((id) => !contents.has(id));
      const chunks = missingRoot ? [] : item.ids.flatMap((id) => contents.get(id)!);
      const missing = missingRoot ?? chunks.find((chunk) => !locations.has(chunk));
      if (missing) {
        results[index] = { ok: false, error: `blob ${missing} is not in the repository` };
        return;
      }
      const first = locations.get(chunks[0] ?? '');
      const parts = chunks.map((chunk) => {
        const location = locations.get(chunk)!;
        let path = packPaths.get(location.pack);
        if (path === undefined) {
          path = localPath(packPath(location.pack));
          packPaths.set(location.pack, path);
        }
        return {
          path,
          offset: location.offset,
          length: location.length,
          id: chunk,
        };
      });
      tasks.push({ index, target: item.target, order: [first?.pack ?? '', first?.offset ?? 0], parts });
    });
    // Pack order: each worker reads its packs front to back.
    tasks.sort((a, b) => (a.order[0] < b.order[0] ? -1 : a.order[0] > b.order[0] ? 1 : a.order[1] - b.order[1]));
    const groups = Math.max(1, Math.min(this.deps.pool.size, tasks.length));
    const per = Math.ceil(tasks.length / groups);
    await Promise.all(
      Array.from({ length: groups }, async (_, g) => {
        const group = tasks.slice(g * per, (g + 1) * per);
        if (group.length === 0) return;
        // Which chunks this worker reads more than once (its cache keeps only those, until the last use).
        const uses = new Map<string, number>();
        for (const { parts } of group) for (const { id } of parts) uses.set(id, (uses.get(id) ?? 0) + 1);
        const { results: done } = await this.deps.pool.run({
          op: 'restore',
          dataKey: this.deps.keys.dataKey,
          idKey: this.deps.keys.idKey,
          items: group.map(({ target, parts }) => ({
            target,
            parts: parts.map((part) => {
              const count = uses.get(part.id)!;
              return count > 1 ? { ...part, uses: count } : part;
            }),
          })),
        });
        done.forEach((result, i) => {
          results[group[i]!.index] = result;
        });
      }),
    );
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
