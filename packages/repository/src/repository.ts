// The repository engine: create/open a repository on a backend with its keys, store mail,
// files and small objects as deduplicated, compressed, encrypted blobs in packs, read them
// back as streams, and write snapshots. The format is docs/repository-format.md; verify, gc
// and rebuild-index live in their own modules and work on the `RepositoryCore` below.
import { randomBytes } from 'node:crypto';
import { mkdir, writeFile } from 'node:fs/promises';
import { dirname } from 'node:path';
import { Readable } from 'node:stream';
import { z } from 'zod';
import type { Backend } from './backend.ts';
import { blobId } from './blob-crypto.ts';
import { type BlobIndex, type BlobLocation, createRepositoryIndex, type RepositoryIndex } from './blob-index.ts';
import { RepositoryError } from './errors.ts';
import {
  assertKeys,
  generateKeys,
  type KeyFile,
  keyFileSchema,
  keysMatch,
  makeKeyCheck,
  type RepositoryKeys,
  unwrapKeys,
  wrapKeys,
} from './keys.ts';
import { BLOB_DATA, BLOB_DESCRIPTOR, type BlobType, PackBuilder, type PackRecord, packPath } from './pack.ts';
import {
  decodeSnapshot,
  encodeSnapshot,
  type HeldLock,
  newSnapshotId,
  type RepositoryConfig,
  readConfig,
  readPlans,
  type Snapshot,
  takeLock,
} from './repository-config.ts';
import { createWorkerPool, type WorkerPool } from './worker-pool.ts';
import type { WorkerResult, WorkerTask } from './worker-protocol.ts';
import { DEFAULT_ZSTD_LEVEL } from './zstd.ts';

export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;
const FILE_BATCH = 16 * 1024 * 1024;
const READ_BATCH = 8 * 1024 * 1024;
const CACHE_BYTES = 64 * 1024 * 1024;

export interface RepositoryOptions {
  backend: Backend;
  /** Raw keys (the server's way), or */
  keys?: RepositoryKeys;
  /** a password that unwraps the keys stored in the repository (standalone). */
  password?: string;
  /** Where blob locations live; default: index files in the repository. */
  index?: BlobIndex;
  /** A shared worker pool; default: an own pool of `workers` threads, closed by close(). */
  pool?: WorkerPool;
  workers?: number;
  packSize?: number;
  zstdLevel?: number;
  clock?: () => Date;
  /** scrypt cost for a new key file (tests lower it; default 32768). */
  scryptN?: number;
}

export interface RepositoryStats {
  packs: number;
  blobs: number;
  /** Bytes of all indexed packs (what the backend holds for data). */
  storedBytes: number;
  /** Plaintext bytes of all distinct blobs. */
  rawBytes: number;
  snapshots: number;
  /** Bytes this open repository has written to the backend (packs, index files, snapshots). */
  bytesWritten: number;
}

export interface SnapshotInput {
  kind: string;
  /** Blob ids the snapshot keeps alive (gc keeps everything reachable from them). */
  roots: readonly string[];
  data: unknown;
  /**
   * The caller vouches that every root (and so everything it names) was put before a flush that
   * has completed — a backup run's manifest, written after the run's commits. The snapshot is
   * then written without flushing first (which would wait for other writers' puts and write
   * their partial pack); a root still awaiting its pack is flushed all the same.
   */
  rootsDurable?: boolean;
}

export type RestoreResult = { ok: true; bytes: number } | { ok: false; error: string };

export interface BlobInfo {
  id: string;
  type: BlobType;
  size: number;
}

const descriptorSchema = z.object({
  v: z.literal(1),
  kind: z.enum(['mail', 'file']),
  size: z.number().int().nonnegative(),
  chunks: z.array(z.string().regex(/^[0-9a-f]{64}$/)),
});
export type Descriptor = z.infer<typeof descriptorSchema>;

/**
 * The object of a message split into `segmentIds`: its descriptor (id and JSON), or, for a
 * message of one segment, that data blob alone, as for an object (format §4).
 */
function mailObject(
  idKey: Uint8Array,
  size: number,
  segmentIds: string[],
): { objectId: string; descriptor?: { id: string; data: Buffer } } {
  if (segmentIds.length === 1) return { objectId: segmentIds[0]! };
  const data = Buffer.from(JSON.stringify({ v: 1, kind: 'mail', size, chunks: segmentIds } satisfies Descriptor));
  const id = blobId(idKey, data).toString('hex');
  return { objectId: id, descriptor: { id, data } };
}

export function parseDescriptor(plaintext: Uint8Array): Descriptor {
  return descriptorSchema.parse(JSON.parse(Buffer.from(plaintext).toString()));
}

/** Counts bytes put (locks aside, they come and go), so a run can report what it added. */
function countingBackend(backend: Backend): Backend & { written: () => number } {
  let written = 0;
  return {
    location: backend.location,
    put: async (name, data) => {
      await backend.put(name, data);
      if (!name.startsWith('locks/')) written += data.length;
    },
    get: (name, range) => backend.get(name, range),
    list: (prefix) => backend.list(prefix),
    delete: (name) => backend.delete(name),
    written: () => written,
    ...(backend.localPath ? { localPath: backend.localPath.bind(backend) } : {}),
    ...(backend.close ? { close: backend.close.bind(backend) } : {}),
  };
}

export async function createRepository(options: RepositoryOptions): Promise<Repository> {
  const { backend } = options;
  const existing = await backend.get('config').catch((error: unknown) => {
    if (error instanceof RepositoryError && error.code === 'not-found') return undefined;
    throw error;
  });
  if (existing) throw new RepositoryError('already-exists', `${backend.location} already holds a repository`);
  if (!options.keys && options.password === undefined) {
    throw new RepositoryError('bad-input', 'a repository needs keys or a password');
  }
  const keys = options.keys ?? generateKeys();
  assertKeys(keys);
  const clock = options.clock ?? (() => new Date());
  const id = randomBytes(16).toString('hex');
  if (options.password !== undefined && !options.keys) {
    const keyFile = await wrapKeys(keys, options.password, options.scryptN);
    await backend.put(`keys/${randomBytes(16).toString('hex')}`, Buffer.from(JSON.stringify(keyFile)));
  }
  const config: RepositoryConfig = {
    format: 'safehold-repository',
    version: 1,
    id,
    created: clock().toISOString(),
    keyCheck: makeKeyCheck(keys, id),
  };
  // config last: a crash before it leaves no repository, not half of one.
  await backend.put('config', Buffer.from(JSON.stringify(config, null, 2)));
  return openRepository({ ...options, keys });
}

async function keysFromPassword(backend: Backend, password: string): Promise<RepositoryKeys> {
  const files: KeyFile[] = [];
  for await (const object of backend.list('keys/')) {
    const parsed = keyFileSchema.safeParse(JSON.parse((await backend.get(object.name)).toString()));
    if (parsed.success) files.push(parsed.data);
  }
  if (files.length === 0) {
    throw new RepositoryError(
      'wrong-password',
      `${backend.location} keeps no password-wrapped keys (server repository?)`,
    );
  }
  for (const file of files) {
    const keys = await unwrapKeys(file, password);
    if (keys) return keys;
  }
  throw new RepositoryError('wrong-password', `wrong password for the repository at ${backend.location}`);
}

export async function openRepository(options: RepositoryOptions): Promise<Repository> {
  const backend = countingBackend(options.backend);
  const config = await readConfig(backend);
  let keys: RepositoryKeys;
  if (options.keys) keys = options.keys;
  else if (options.password !== undefined) keys = await keysFromPassword(backend, options.password);
  else throw new RepositoryError('bad-input', 'opening a repository needs keys or a password');
  assertKeys(keys);
  if (!keysMatch(keys, config.id, config.keyCheck)) {
    throw new RepositoryError(
      options.keys ? 'wrong-keys' : 'wrong-password',
      `the keys do not belong to the repository at ${backend.location}`,
    );
  }
  const clock = options.clock ?? (() => new Date());
  // Lock first, then plans: a gc that does not see our lock wrote its plan before we read them.
  const lock = await takeLock(backend, 'writer', clock);
  try {
    const condemned = new Set<string>();
    for (const plan of await readPlans(backend, keys.dataKey)) for (const pack of plan.packs) condemned.add(pack);
    let index = options.index;
    let repositoryIndex: RepositoryIndex | undefined;
    if (!index) {
      repositoryIndex = createRepositoryIndex(backend, keys.dataKey);
      await repositoryIndex.load();
      index = repositoryIndex;
    }
    const ownPool = !options.pool;
    const pool = options.pool ?? createWorkerPool(options.workers);
    return new Repository({
      backend,
      config,
      keys,
      index,
      repositoryIndex,
      pool,
      ownPool,
      lock,
      condemned,
      clock,
      packSize: options.packSize ?? DEFAULT_PACK_SIZE,
      zstdLevel: options.zstdLevel ?? DEFAULT_ZSTD_LEVEL,
    });
  } catch (error) {
    await lock.release();
    throw error;
  }
}

export interface RepositoryCore {
  backend: Backend & { written: () => number };
  config: RepositoryConfig;
  keys: RepositoryKeys;
  index: BlobIndex;
  /** Set when the index is the in-repository one (rebuild-index and gc rewrite its files). */
  repositoryIndex: RepositoryIndex | undefined;
  pool: WorkerPool;
  ownPool: boolean;
  lock: HeldLock;
  /** Packs named by a gc plan: their blobs count as absent for deduplication. */
  condemned: Set<string>;
  clock: () => Date;
  packSize: number;
  zstdLevel: number;
}

interface NewBlob {
  id: string;
  type: BlobType;
  data: Uint8Array;
}

export class Repository {
  readonly core: RepositoryCore;
  private packer: PackBuilder | undefined;
  /** Ids sealed or in an unwritten pack: stored by this instance, not yet in the index. */
  private readonly pending = new Set<string>();
  /**
   * Stores between claiming their ids and appending them to the open pack. A put that finds
   * an id claimed by one of these returns at once, so flush() must wait for them: otherwise
   * it could seal the pack before the claimed blob is in it (format §5, durability).
   */
  private readonly storing = new Set<Promise<unknown>>();

  private track<T>(work: Promise<T>): Promise<T> {
    const tracked = work.catch(() => undefined);
    this.storing.add(tracked);
    void tracked.finally(() => this.storing.delete(tracked));
    return work;
  }
  private readonly packWrites = new Set<Promise<void>>();
  private writeError: unknown;
  private readonly cache = new Map<string, Buffer>();
  private cacheBytes = 0;
  private closed = false;

  constructor(core: RepositoryCore) {
    this.core = core;
  }

  get id(): string {
    return this.core.config.id;
  }

  // ---- storing -------------------------------------------------------------------------

  /** Stores a raw RFC 822 message; returns its id (durable after flush()). */
  async putMail(raw: Uint8Array): Promise<string> {
    return this.putSplit(raw, 'mail');
  }

  /** Stores a file from a stream with FastCDC chunks; returns its id (durable after flush()). */
  async putFile(stream: AsyncIterable<Uint8Array>): Promise<string> {
    const chunks: string[] = [];
    let size = 0;
    let buffered: Buffer[] = [];
    let bufferedBytes = 0;
    const process_ = async (final: boolean): Promise<void> => {
      const data = Buffer.concat(buffered, bufferedBytes);
      const { lengths, ids } = await this.core.pool.run({
        op: 'split-hash',
        split: 'file',
        final,
        data,
        idKey: this.core.keys.idKey,
      });
      const blobs: NewBlob[] = [];
      let offset = 0;
      lengths.forEach((length, i) => {
        const id = Buffer.from(ids[i]!).toString('hex');
        chunks.push(id);
        blobs.push({ id, type: BLOB_DATA, data: data.subarray(offset, offset + length) });
        offset += length;
      });
      size += offset;
      await this.storeBlobs(blobs);
      buffered = offset < data.length ? [data.subarray(offset)] : [];
      bufferedBytes = data.length - offset;
    };
    for await (const piece of stream) {
      buffered.push(Buffer.from(piece.buffer, piece.byteOffset, piece.byteLength));
      bufferedBytes += piece.byteLength;
      if (bufferedBytes >= FILE_BATCH) await process_(false);
    }
    await process_(true);
    return this.storeDescriptor({ v: 1, kind: 'file', size, chunks });
  }

  /** Stores a small JSON value as one blob; returns its id (durable after flush()). */
  async putObject(value: unknown): Promise<string> {
    const [id] = await this.putObjects([value]);
    return id!;
  }

  /**
   * Stores several JSON values as putObject would, with one index lookup and one worker round
   * trip for all of them (calendar events and contacts come by the page). Ids in order.
   */
  async putObjects(values: readonly unknown[]): Promise<string[]> {
    const blobs: NewBlob[] = values.map((value) => {
      const json = JSON.stringify(value);
      if (json === undefined) throw new RepositoryError('bad-input', 'putObject needs a JSON value');
      const data = Buffer.from(json);
      return { id: blobId(this.core.keys.idKey, data).toString('hex'), type: BLOB_DATA, data };
    });
    if (blobs.length > 0) await this.storeBlobs(blobs);
    return blobs.map((blob) => blob.id);
  }

  private async putSplit(raw: Uint8Array, split: 'mail' | 'file'): Promise<string> {
    const { lengths, ids } = await this.core.pool.run({
      op: 'split-hash',
      split,
      final: true,
      data: raw,
      idKey: this.core.keys.idKey,
    });
    const blobs: NewBlob[] = [];
    let offset = 0;
    lengths.forEach((length, i) => {
      blobs.push({
        id: Buffer.from(ids[i]!).toString('hex'),
        type: BLOB_DATA,
        data: raw.subarray(offset, offset + length),
      });
      offset += length;
    });
    const { objectId, descriptor } = mailObject(
      this.core.keys.idKey,
      raw.length,
      blobs.map((blob) => blob.id),
    );
    // The descriptor goes last in the same batch, so it never lands in a pack before its chunks
    // are at least as far along (all of them become durable at the same flush).
    await this.storeBlobs(descriptor ? [...blobs, { ...descriptor, type: BLOB_DESCRIPTOR }] : blobs);
    return objectId;
  }

  private async storeDescriptor(descriptor: Descriptor): Promise<string> {
    const data = Buffer.from(JSON.stringify(descriptor));
    const id = blobId(this.core.keys.idKey, data).toString('hex');
    await this.storeBlobs([{ id, type: BLOB_DESCRIPTOR, data }]);
    return id;
  }

  /** Usable location of each id that the index knows: not condemned, unless `anyCopy`. */
  private async locate(ids: readonly string[], anyCopy = false): Promise<Map<string, BlobLocation>> {
    const found = await this.core.index.lookup(ids);
    const usable = new Map<string, BlobLocation>();
    for (const [id, locations] of found) {
      const location =
        locations.find((candidate) => !this.core.condemned.has(candidate.pack)) ?? (anyCopy ? locations[0] : undefined);
      if (location) usable.set(id, location);
    }
    return usable;
  }

  /** Marks as pending, and returns, those ids that are neither stored nor pending yet. */
  private async claim(ids: readonly string[]): Promise<Set<string>> {
    this.assertOpen();
    if (this.writeError) throw this.writeError;
    const candidates = ids.filter((id) => !this.pending.has(id));
    const known = candidates.length > 0 ? await this.locate(candidates) : new Map<string, BlobLocation>();
    const fresh = new Set<string>();
    for (const id of candidates) {
      // Re-check pending: another call may have claimed the id while we awaited the index.
      if (known.has(id) || this.pending.has(id) || fresh.has(id)) continue;
      this.pending.add(id);
      fresh.add(id);
    }
    return fresh;
  }

  /** Appends sealed blobs to the open pack, writing packs as they fill. */
  private async append(entries: Array<{ id: string; type: BlobType; rawLength: number }>, sealed: Uint8Array[]) {
    entries.forEach((entry, i) => {
      this.packer ??= new PackBuilder();
      this.packer.add(entry.id, entry.type, sealed[i]!, entry.rawLength);
      if (this.packer.size >= this.core.packSize) this.startPackWrite();
    });
    // Back-pressure: at most two whole packs in flight.
    while (this.packWrites.size >= 2) await Promise.race(this.packWrites);
  }

  private storeBlobs(blobs: NewBlob[]): Promise<void> {
    return this.track(this.storeNewBlobs(blobs));
  }

  private async storeNewBlobs(blobs: NewBlob[]): Promise<void> {
    const claimed = await this.claim(blobs.map((blob) => blob.id));
    if (claimed.size === 0) return;
    const fresh = blobs.filter((blob) => claimed.delete(blob.id));
    let sealed: Uint8Array[];
    try {
      // Posting a view copies its whole underlying buffer (the entire message for each of its
      // parts, Node's 8 KiB pool for a small Buffer): each blob goes over as a compact copy of
      // its own bytes, transferred rather than cloned.
      const items = fresh.map((blob) => ({
        id: compactCopy(Buffer.from(blob.id, 'hex')),
        data: compactCopy(blob.data),
      }));
      ({ sealed } = await this.core.pool.run(
        { op: 'seal', dataKey: this.core.keys.dataKey, level: this.core.zstdLevel, items },
        undefined,
        items.flatMap((item) => [item.id.buffer, item.data.buffer]),
      ));
    } catch (error) {
      for (const blob of fresh) this.pending.delete(blob.id);
      throw error;
    }
    await this.append(
      fresh.map((blob) => ({ id: blob.id, type: blob.type, rawLength: blob.data.length })),
      sealed,
    );
  }

  /**
   * Stores messages read from local files, as putMail would, but the bytes stay on a worker
   * thread: it reads, splits and hashes them, then seals only the segments that are new.
   * One batch goes to one worker (fewer round trips for many small messages).
   */
  putMailFiles(paths: string[]): Promise<Array<{ ok: true; id: string; size: number } | { ok: false; error: string }>> {
    return this.track(this.storeKept({ op: 'read-split-hash', paths, idKey: this.core.keys.idKey }));
  }

  /**
   * Stores messages as putMail would, in one round trip to one worker thread, which splits,
   * hashes and seals them: a buffer that owns its whole memory is transferred, not copied
   * (detached here: the caller must not read it afterwards); any other is copied.
   * `contentHash`: also return each message's hex SHA-256 (computed on the worker).
   */
  async putMails(
    raws: readonly Uint8Array[],
    options: { contentHash?: boolean } = {},
  ): Promise<Array<{ id: string; size: number; sha256?: string }>> {
    const transfer = new Set<ArrayBuffer>();
    const datas = raws.map((raw) => {
      const owned =
        raw.buffer instanceof ArrayBuffer && raw.byteOffset === 0 && raw.byteLength === raw.buffer.byteLength;
      const data = owned && !transfer.has(raw.buffer as ArrayBuffer) ? raw : compactCopy(raw);
      transfer.add(data.buffer as ArrayBuffer);
      return data;
    });
    const task = {
      op: 'keep-split-hash' as const,
      datas,
      idKey: this.core.keys.idKey,
      contentHash: options.contentHash === true,
    };
    const results = await this.track(this.storeKept(task, [...transfer]));
    return results.map((result) => {
      if (!result.ok) throw new RepositoryError('bad-input', result.error);
      return { id: result.id, size: result.size, ...(result.sha256 ? { sha256: result.sha256 } : {}) };
    });
  }

  private async storeKept(
    task: Extract<WorkerTask, { op: 'read-split-hash' | 'keep-split-hash' }>,
    transfer?: ArrayBuffer[],
  ): Promise<Array<{ ok: true; id: string; size: number; sha256?: string } | { ok: false; error: string }>> {
    const { pool, keys } = this.core;
    const slot = pool.pick();
    const { files } = (await pool.run(task, slot, transfer)) as Extract<
      WorkerResult,
      { op: 'read-split-hash' | 'keep-split-hash' }
    >;
    const plans = files.map((file) => {
      if (!file.ok) return undefined;
      const segmentIds = file.ids.map((id) => Buffer.from(id).toString('hex'));
      return { file, segmentIds, ...mailObject(keys.idKey, file.size, segmentIds) };
    });
    const release = () =>
      pool.run(
        {
          op: 'seal-kept',
          dataKey: keys.dataKey,
          level: 0,
          kept: files.flatMap((file) => (file.ok ? [{ handle: file.handle, pick: [], extra: [] }] : [])),
        },
        slot,
      );
    let claimed: Set<string>;
    try {
      claimed = await this.claim(
        plans.flatMap((plan) => (plan ? [...plan.segmentIds, ...(plan.descriptor ? [plan.descriptor.id] : [])] : [])),
      );
    } catch (error) {
      await release();
      throw error;
    }
    const kept: Array<{ handle: number; pick: number[]; extra: Array<{ id: Uint8Array; data: Uint8Array }> }> = [];
    const entries: Array<{ id: string; type: BlobType; rawLength: number }> = [];
    for (const plan of plans) {
      if (!plan) continue;
      const pick: number[] = [];
      plan.segmentIds.forEach((id, i) => {
        if (!claimed.delete(id)) return;
        pick.push(i);
        entries.push({ id, type: BLOB_DATA, rawLength: plan.file.lengths[i]! });
      });
      const extra: Array<{ id: Uint8Array; data: Uint8Array }> = [];
      const { descriptor } = plan;
      if (descriptor && claimed.delete(descriptor.id)) {
        extra.push({ id: Buffer.from(descriptor.id, 'hex'), data: descriptor.data });
        entries.push({ id: descriptor.id, type: BLOB_DESCRIPTOR, rawLength: descriptor.data.length });
      }
      kept.push({ handle: plan.file.handle, pick, extra });
    }
    let sealed: Uint8Array[][];
    try {
      ({ sealed } = await pool.run({ op: 'seal-kept', dataKey: keys.dataKey, level: this.core.zstdLevel, kept }, slot));
    } catch (error) {
      for (const entry of entries) this.pending.delete(entry.id);
      throw error;
    }
    await this.append(entries, sealed.flat());
    return files.map((file, i) =>
      file.ok
        ? {
            ok: true as const,
            id: plans[i]!.objectId,
            size: file.size,
            ...('sha256' in file && file.sha256 ? { sha256: file.sha256 } : {}),
          }
        : { ok: false as const, error: file.error },
    );
  }

  private startPackWrite(): void {
    const packer = this.packer;
    this.packer = undefined;
    if (!packer || packer.entries.length === 0) return;
    const { bytes, record } = packer.finish(this.core.keys.dataKey);
    const write = (async () => {
      await this.core.backend.put(packPath(record.name), bytes);
      // Indexed only after the whole pack is written (format §5, write order).
      await this.core.index.addPacks([record]);
      for (const blob of record.blobs) this.pending.delete(blob.id);
    })();
    const tracked = write.catch((error: unknown) => {
      this.writeError ??= error;
    });
    this.packWrites.add(tracked);
    void tracked.finally(() => this.packWrites.delete(tracked));
  }

  /** Writes the open pack and the index: every id returned so far is durable afterwards. */
  async flush(): Promise<void> {
    // Stores that claimed ids before this flush must reach the pack first (those started
    // later are the next flush's business, so a busy writer cannot hold a flush forever).
    await Promise.all([...this.storing]);
    this.startPackWrite();
    while (this.packWrites.size > 0) await Promise.all([...this.packWrites]);
    if (this.writeError) throw this.writeError;
    await this.core.index.flush();
  }

  // ---- reading -------------------------------------------------------------------------

  /** True when the blob is stored (indexed, or written by this instance and awaiting flush). */
  async has(id: string): Promise<boolean> {
    if (this.pending.has(id)) return true;
    return (await this.locate([id])).has(id);
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
    if (this.pending.size > 0 && missing.some((i) => this.pending.has(ids[i]!))) await this.flush();
    const wanted = [...new Set(missing.map((i) => ids[i]!))];
    const locations = await this.locate(wanted, true);
    const fetched = await Promise.all(
      wanted.map(async (id) => {
        const location = locations.get(id);
        if (!location) throw new RepositoryError('not-found', `blob ${id} is not in the repository`);
        const sealed = await this.core.backend.get(packPath(location.pack), {
          offset: location.offset,
          length: location.length,
        });
        return { id, location, sealed };
      }),
    );
    const { results } = await this.core.pool.run({
      op: 'open',
      dataKey: this.core.keys.dataKey,
      idKey: this.core.keys.idKey,
      items: fetched.map(({ id, sealed }) => ({ id: Buffer.from(id, 'hex'), sealed })),
    });
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

  /**
   * Writes items to local files: each target gets the concatenation of its ids' contents (a
   * message, or an mbox's messages). On a local backend the worker threads read the packs and
   * write the files themselves; elsewhere the bytes pass through this thread.
   */
  async restoreToFiles(items: Array<{ target: string; ids: string[] }>): Promise<RestoreResult[]> {
    const localPath = this.core.backend.localPath;
    if (!localPath) return Promise.all(items.map((item) => this.restoreOne(item)));
    let roots: Array<{ type: BlobType; data: Buffer }>;
    const rootIds = [...new Set(items.flatMap((item) => item.ids))];
    try {
      roots = await this.readBlobs(rootIds);
    } catch {
      // One bad root must not fail the others: restore them one by one, each with its error.
      return Promise.all(items.map((item) => this.restoreOne(item)));
    }
    const contents = new Map<string, string[]>();
    rootIds.forEach((id, i) => {
      const root = roots[i]!;
      contents.set(id, root.type === BLOB_DESCRIPTOR ? parseDescriptor(root.data).chunks : [id]);
    });
    const chunkIds = [...new Set([...contents.values()].flat())];
    const locations = await this.locate(chunkIds, true);
    const results = new Array<RestoreResult>(items.length);
    const tasks: Array<{
      index: number;
      target: string;
      parts: Array<{ path: string; offset: number; length: number; id: Uint8Array }>;
    }> = [];
    items.forEach((item, index) => {
      const chunks = item.ids.flatMap((id) => contents.get(id)!);
      const missing = chunks.find((chunk) => !locations.has(chunk));
      if (missing) {
        results[index] = { ok: false, error: `blob ${missing} is not in the repository` };
        return;
      }
      const parts = chunks.map((chunk) => {
        const location = locations.get(chunk)!;
        return {
          path: localPath(packPath(location.pack)),
          offset: location.offset,
          length: location.length,
          id: Buffer.from(chunk, 'hex'),
        };
      });
      tasks.push({ index, target: item.target, parts });
    });
    const groups = Math.max(1, this.core.pool.size);
    await Promise.all(
      Array.from({ length: groups }, async (_, g) => {
        const group = tasks.filter((_task, i) => i % groups === g);
        if (group.length === 0) return;
        const { results: done } = await this.core.pool.run({
          op: 'restore',
          dataKey: this.core.keys.dataKey,
          idKey: this.core.keys.idKey,
          items: group.map(({ target, parts }) => ({ target, parts })),
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

  /** Reads a stored mail message, file or object back as a byte stream. */
  read(id: string): Readable {
    return Readable.from(this.readChunks(id), { objectMode: false });
  }

  readMail(id: string): Readable {
    return this.read(id);
  }

  readFile(id: string): Readable {
    return this.read(id);
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

  /** Every distinct blob in the index. */
  async *list(): AsyncGenerator<BlobInfo> {
    const seen = new Set<string>();
    for await (const pack of this.core.index.packs()) {
      for (const blob of pack.blobs) {
        if (seen.has(blob.id)) continue;
        seen.add(blob.id);
        yield { id: blob.id, type: blob.type, size: blob.rawLength };
      }
    }
  }

  async stats(): Promise<RepositoryStats> {
    const seen = new Set<string>();
    let packs = 0;
    let storedBytes = 0;
    let rawBytes = 0;
    for await (const pack of this.core.index.packs()) {
      packs++;
      storedBytes += pack.size;
      for (const blob of pack.blobs) {
        if (seen.has(blob.id)) continue;
        seen.add(blob.id);
        rawBytes += blob.rawLength;
      }
    }
    let snapshots = 0;
    for await (const _ of this.core.backend.list('snapshots/')) snapshots++;
    return { packs, blobs: seen.size, storedBytes, rawBytes, snapshots, bytesWritten: this.core.backend.written() };
  }

  // ---- snapshots -----------------------------------------------------------------------

  /** Flushes, then writes an encrypted manifest naming the roots it keeps alive. */
  async writeSnapshot(input: SnapshotInput): Promise<Snapshot> {
    for (const root of input.roots) {
      if (!/^[0-9a-f]{64}$/.test(root))
        throw new RepositoryError('bad-input', `snapshot root ${root} is not a blob id`);
    }
    if (!input.rootsDurable || input.roots.some((root) => this.pending.has(root))) await this.flush();
    const now = this.core.clock();
    const snapshot: Snapshot = {
      v: 1,
      id: newSnapshotId(now),
      time: now.toISOString(),
      kind: input.kind,
      roots: [...input.roots],
      data: input.data,
    };
    await this.core.backend.put(`snapshots/${snapshot.id}`, encodeSnapshot(this.core.keys.dataKey, snapshot));
    return snapshot;
  }

  /** Snapshot ids, oldest first. */
  async listSnapshotIds(): Promise<string[]> {
    const ids: string[] = [];
    for await (const object of this.core.backend.list('snapshots/')) ids.push(object.name.slice('snapshots/'.length));
    return ids.sort();
  }

  async readSnapshot(id: string): Promise<Snapshot> {
    if (!/^[0-9A-Za-z-]+$/.test(id)) throw new RepositoryError('bad-input', `"${id}" is not a snapshot id`);
    const name = `snapshots/${id}`;
    return decodeSnapshot(this.core.keys.dataKey, name, await this.core.backend.get(name));
  }

  /** Every snapshot, oldest first. */
  async listSnapshots(): Promise<Snapshot[]> {
    const snapshots: Snapshot[] = [];
    for (const id of await this.listSnapshotIds()) snapshots.push(await this.readSnapshot(id));
    return snapshots;
  }

  async deleteSnapshot(id: string): Promise<void> {
    await this.readSnapshot(id);
    await this.core.backend.delete(`snapshots/${id}`);
  }

  // ---- lifecycle -----------------------------------------------------------------------

  /** Packs this instance has written, for tests and reports. */
  indexedPacks(): AsyncIterable<PackRecord> {
    return this.core.index.packs();
  }

  private assertOpen(): void {
    if (this.closed) throw new RepositoryError('bad-input', 'the repository is closed');
  }

  /** Flushes, releases the lock and (if owned) the worker pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.flush();
    } finally {
      this.closed = true;
      await this.core.lock.release();
      await this.core.backend.close?.();
      if (this.core.ownPool) await this.core.pool.close();
    }
  }
}

/** A copy of `view`'s bytes in an ArrayBuffer of its own (safe to transfer to a worker). */
function compactCopy(view: Uint8Array): Uint8Array<ArrayBuffer> {
  const copy = new Uint8Array(view.byteLength);
  copy.set(view);
  return copy;
}
