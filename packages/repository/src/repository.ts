// The repository engine's front door: create/open a repository on a backend with its keys
// (config, key check, lock, plans, index), and the `Repository` the server uses, which hands each
// job to its own part: the write path (blob-writer.ts), the read path (blob-reader.ts), the index
// (blob-index.ts) and snapshots (snapshots.ts). The format is docs/repository-format.md; verify,
// gc and rebuild-index live in their own modules and work on `repo.core` (repository-core.ts).
import { randomBytes } from 'node:crypto';
import type { Readable } from 'node:stream';
import { type Backend, observeWrites } from './backend.ts';
import {
  type BlobIndex,
  createRepositoryIndex,
  distinctBlobs,
  indexTotals,
  type RepositoryIndex,
  usableLocations,
} from './blob-index.ts';
import { BlobReader, type RestoreResult } from './blob-reader.ts';
import { BlobWriter, type StoredMail } from './blob-writer.ts';
import { RepositoryError } from './errors.ts';
import {
  assertKeys,
  generateKeys,
  type KeyFile,
  type KeysAhead,
  keysMatch,
  makeKeyCheck,
  parseKeyFile,
  type RepositoryKeys,
  unwrapKeys,
  wrapKeys,
} from './keys.ts';
import type { BlobType, PackRecord } from './pack.ts';
import { readMany } from './read-many.ts';
import { type RepositoryConfig, readConfig, readPlans, type Snapshot, takeLock } from './repository-config.ts';
import type { RepositoryCore } from './repository-core.ts';
import { type SnapshotInput, SnapshotStore } from './snapshots.ts';
import { removeAbandonedTemporaryFiles } from './temporary-files.ts';
import { createWorkerPool, type WorkerPool } from './worker-pool.ts';
import { DEFAULT_ZSTD_LEVEL } from './zstd.ts';

export type { RestoreResult } from './blob-reader.ts';
export type { RepositoryCore } from './repository-core.ts';
export type { SnapshotInput } from './snapshots.ts';

export const DEFAULT_PACK_SIZE = 16 * 1024 * 1024;

export interface RepositoryOptions {
  backend: Backend;
  /** Raw keys (the server's way), or */
  keys?: RepositoryKeys;
  /** a password that unwraps the keys stored in the repository (standalone). */
  password?: string;
  /** With `password`: its key derivation started ahead (deriveKeysAhead), taken when it matches. */
  keysAhead?: KeysAhead;
  /** Where blob locations live; default: index files in the repository. */
  index?: BlobIndex;
  /** A shared worker pool; default: an own pool of `workers` threads, closed by close(). */
  pool?: WorkerPool;
  workers?: number;
  /**
   * An own pool's threads keep the process's priority instead of lowering theirs, and the calling
   * thread works as one of them (worker-pool.ts `inline`: one worker thread and its isolate fewer):
   * for a command line (restore-mail, put-mail) whose main thread would otherwise only wait for
   * them. Default false.
   */
  foregroundWorkers?: boolean;
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

export interface BlobInfo {
  id: string;
  type: BlobType;
  size: number;
}

/** Counts bytes put (locks aside, they come and go), so a run can report what it added. */
/** The backend, counting the bytes it stores (lock files aside) in `written()`. */
function countingBackend(backend: Backend): Backend & { written: () => number } {
  let written = 0;
  const observed = observeWrites(backend, (name, bytes) => {
    if (!name.startsWith('locks/')) written += bytes;
  });
  const total = () => written;
  return new Proxy(observed, {
    get: (target, property) => (property === 'written' ? total : Reflect.get(target, property)),
  }) as Backend & { written: () => number };
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

async function keysFromPassword(backend: Backend, password: string, ahead?: KeysAhead): Promise<RepositoryKeys> {
  const files: KeyFile[] = [];
  for await (const object of backend.list('keys/')) {
    const file = parseKeyFile(JSON.parse((await backend.get(object.name)).toString()));
    if (file) files.push(file);
  }
  if (files.length === 0) {
    throw new RepositoryError(
      'wrong-password',
      `${backend.location} keeps no password-wrapped keys (server repository?)`,
    );
  }
  for (const file of files) {
    const keys = await unwrapKeys(file, password, ahead);
    if (keys) return keys;
  }
  throw new RepositoryError('wrong-password', `wrong password for the repository at ${backend.location}`);
}

export async function openRepository(options: RepositoryOptions): Promise<Repository> {
  // An own pool starts first: its threads load their modules (≈ 0.1 s of CPU each) while this
  // thread reads the config, unwraps the keys (scrypt, on libuv's pool) and loads the index,
  // instead of after them on the way to the first blob.
  const ownPool = !options.pool;
  const pool =
    options.pool ??
    createWorkerPool(options.workers, {
      background: !options.foregroundWorkers,
      inline: options.foregroundWorkers === true,
    });
  try {
    return await openWithPool(options, pool, ownPool);
  } catch (error) {
    if (ownPool) await pool.close();
    throw error;
  }
}

async function openWithPool(options: RepositoryOptions, pool: WorkerPool, ownPool: boolean): Promise<Repository> {
  const backend = countingBackend(options.backend);
  const config = await readConfig(backend);
  let keys: RepositoryKeys;
  if (options.keys) keys = options.keys;
  else if (options.password !== undefined) keys = await keysFromPassword(backend, options.password, options.keysAhead);
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
    await removeAbandonedTemporaryFiles(backend, clock);
    const condemned = new Set<string>();
    for (const plan of await readPlans(backend, keys.dataKey)) for (const pack of plan.packs) condemned.add(pack);
    let index = options.index;
    let repositoryIndex: RepositoryIndex | undefined;
    if (!index) {
      repositoryIndex = createRepositoryIndex(backend, keys.dataKey);
      await repositoryIndex.load();
      index = repositoryIndex;
    }
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

export class Repository {
  readonly core: RepositoryCore;
  private readonly writer: BlobWriter;
  private readonly reader: BlobReader;
  private readonly snapshots: SnapshotStore;
  private closed = false;

  constructor(core: RepositoryCore) {
    this.core = core;
    this.writer = new BlobWriter(core);
    this.reader = new BlobReader({ ...core, unflushed: this.writer });
    this.snapshots = new SnapshotStore({
      backend: core.backend,
      dataKey: core.keys.dataKey,
      clock: core.clock,
      unflushed: this.writer,
    });
  }

  get id(): string {
    return this.core.config.id;
  }

  // ---- storing (blob-writer.ts) --------------------------------------------------------

  /** Stores a raw RFC 822 message; returns its id (durable after flush()). */
  putMail(raw: Uint8Array): Promise<string> {
    return this.writer.putMail(raw);
  }

  /** Stores a file from a stream with FastCDC chunks; returns its id (durable after flush()). */
  putFile(stream: AsyncIterable<Uint8Array>): Promise<string> {
    return this.writer.putFile(stream);
  }

  /** Stores a small JSON value as one blob; returns its id (durable after flush()). */
  putObject(value: unknown): Promise<string> {
    return this.writer.putObject(value);
  }

  /** Several JSON values, with one index lookup and one worker round trip. Ids in order. */
  putObjects(values: readonly unknown[]): Promise<string[]> {
    return this.writer.putObjects(values);
  }

  /** Messages read from local files on a worker thread (their bytes never reach this one). */
  putMailFiles(paths: string[]): Promise<StoredMail[]> {
    return this.writer.putMailFiles(paths);
  }

  /** Messages in one worker round trip (with whether each has an attachment); buffers owning their memory are transferred (detached). */
  putMails(raws: readonly Uint8Array[]): Promise<Array<{ id: string; size: number; hasAttachments: boolean }>> {
    return this.writer.putMails(raws);
  }

  /** Writes the open pack and the index: every id returned so far is durable afterwards. */
  flush(): Promise<void> {
    return this.writer.flush();
  }

  // ---- reading (blob-reader.ts) --------------------------------------------------------

  /** True when the blob is stored (indexed, or written by this instance and awaiting flush). */
  async has(id: string): Promise<boolean> {
    if (this.writer.isPending(id)) return true;
    return (await usableLocations(this.core.index, this.core.condemned, [id])).has(id);
  }

  /** Blob plaintexts in order (also from condemned packs: gc's mark must see descriptors). */
  readBlobs(ids: readonly string[]): Promise<Array<{ type: BlobType; data: Buffer }>> {
    return this.reader.readBlobs(ids);
  }

  /** Writes each target as the concatenation of its ids' contents (a message, an mbox). */
  restoreToFiles(items: Array<{ target: string; ids: string[] }>): Promise<RestoreResult[]> {
    return this.reader.restoreToFiles(items);
  }

  /** Reads a stored mail message, file or object back as a byte stream. */
  read(id: string): Readable {
    return this.reader.read(id);
  }

  readMail(id: string): Readable {
    return this.reader.read(id);
  }

  readFile(id: string): Readable {
    return this.reader.read(id);
  }

  readObject(id: string): Promise<unknown> {
    return this.reader.readObject(id);
  }

  /** Reads a whole item into memory (mail messages are small; files should use read()). */
  readAll(id: string): Promise<Buffer> {
    return this.reader.readAll(id);
  }

  readChunks(id: string): AsyncGenerator<Buffer> {
    return this.reader.readChunks(id);
  }

  /** Whole items in order, with two index look-ups and two worker round trips in all (read-many.ts). */
  readMany(ids: readonly string[]): Promise<Buffer[]> {
    return readMany(this.reader, ids);
  }

  // ---- the index (blob-index.ts) -------------------------------------------------------

  /** Every distinct blob in the index. */
  async *list(): AsyncGenerator<BlobInfo> {
    for await (const blob of distinctBlobs(this.core.index))
      yield { id: blob.id, type: blob.type, size: blob.rawLength };
  }

  async stats(): Promise<RepositoryStats> {
    const totals = await indexTotals(this.core.index);
    return { ...totals, snapshots: await this.snapshots.count(), bytesWritten: this.core.backend.written() };
  }

  /** Packs this instance has written, for tests and reports. */
  indexedPacks(): AsyncIterable<PackRecord> {
    return this.core.index.packs();
  }

  // ---- snapshots (snapshots.ts) --------------------------------------------------------

  /** Flushes, then writes an encrypted manifest naming the roots it keeps alive. */
  writeSnapshot(input: SnapshotInput): Promise<Snapshot> {
    return this.snapshots.write(input);
  }

  /** Snapshot ids, oldest first. */
  listSnapshotIds(): Promise<string[]> {
    return this.snapshots.listIds();
  }

  readSnapshot(id: string): Promise<Snapshot> {
    return this.snapshots.read(id);
  }

  /** Every snapshot, oldest first. */
  listSnapshots(): Promise<Snapshot[]> {
    return this.snapshots.list();
  }

  deleteSnapshot(id: string): Promise<void> {
    return this.snapshots.delete(id);
  }

  // ---- lifecycle -----------------------------------------------------------------------

  /** Flushes, releases the lock and (if owned) the worker pool. */
  async close(): Promise<void> {
    if (this.closed) return;
    try {
      await this.writer.flush();
    } finally {
      this.closed = true;
      this.writer.close();
      await this.core.lock.release();
      await this.core.backend.close?.();
      if (this.core.ownPool) await this.core.pool.close();
    }
  }
}
