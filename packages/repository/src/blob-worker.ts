// Worker-thread side of the CPU work (hashing, splitting, compressing, encrypting, opening),
// so the event loop of the process that stores blobs stays free. See worker-pool.ts.
import { closeSync, mkdirSync, openSync, readFileSync, readSync, writeSync, writevSync } from 'node:fs';
import { setPriority } from 'node:os';
import { dirname } from 'node:path';
import { parentPort, workerData } from 'node:worker_threads';
import { blobId, blobIdHex, openBlob, sealBlob } from './blob-crypto.ts';
import { RepositoryError } from './errors.ts';
import { chunkLengths, FILE_CHUNKER } from './fastcdc.ts';
import { splitMail, splitMailParts } from './mail-split.ts';
import { releaseBuffer } from './release.ts';
import type { KeptMessages, WorkerReply, WorkerResult, WorkerTask } from './worker-protocol.ts';

/**
 * Niceness of a sealing worker thread. On Linux a priority is per thread, so this lowers this
 * worker only: when the machine is short of CPU, the event loop (which fetches from Google and
 * answers the API) runs first and sealing takes what is left; a full store queue then holds the
 * fetching back. Elsewhere a priority is the whole process's, so it is left alone.
 */
export const SEALING_WORKER_NICE = 10;
/**
 * This module runs as a pool's worker (worker-pool.ts starts it with `blobWorker`), or is imported
 * by a thread that runs tasks itself (an inline pool): that thread, a worker of something else
 * perhaps, keeps its priority and its message port.
 */
const asWorker = (workerData as { blobWorker?: boolean } | null)?.blobWorker === true ? parentPort : null;
if (process.platform === 'linux' && asWorker && (workerData as { background?: boolean } | null)?.background !== false) {
  try {
    setPriority(SEALING_WORKER_NICE);
  } catch {
    // Not allowed (a container's seccomp profile): sealing runs at the process's priority.
  }
}

// Messages read by this worker (read-split-hash), kept until the repository says which of
// their segments are new (seal-kept): the bytes never travel to the main thread.
// Segment ids are hex: the repository keys everything by hex id, so the worker answers in hex
// (a short string posts cheaper than a Uint8Array, and the main thread converts nothing); the
// bytes of an id are made again only for the segments sealed (their AAD).
const kept = new Map<number, { data: Buffer; offsets: number[]; lengths: number[]; ids: string[] }>();
let nextHandle = 0;

/** Each segment's id (`idOf` its bytes) and offset; `lengths` cut `data` in order. */
function segmentIds<T>(
  data: Uint8Array,
  lengths: number[],
  idOf: (segment: Uint8Array) => T,
): { ids: T[]; offsets: number[] } {
  const ids: T[] = [];
  const offsets: number[] = [];
  let offset = 0;
  for (const length of lengths) {
    offsets.push(offset);
    ids.push(idOf(data.subarray(offset, offset + length)));
    offset += length;
  }
  return { ids, offsets };
}

const hashSegments = (idKey: Uint8Array, data: Uint8Array, lengths: number[]) =>
  segmentIds(data, lengths, (segment) => blobId(idKey, segment));

const hexSegmentIds = (idKey: Uint8Array, data: Uint8Array, lengths: number[]) =>
  segmentIds(data, lengths, (segment) => blobIdHex(idKey, segment));

// Restores read packs directly (local backends): open descriptors and a small cache of
// plaintexts the task reads more than once, so an attachment shared by many messages is
// decrypted once per worker. An entry leaves the cache after its last use: caching every
// plaintext (unique message bodies included) kept the cache full at 24 MiB per worker.
const packFiles = new Map<string, number>();
const plainCache = new Map<string, { data: Buffer; uses: number }>();
let plainCacheBytes = 0;
const PLAIN_CACHE_LIMIT = 24 * 1024 * 1024;

function packFd(path: string): number {
  let fd = packFiles.get(path);
  if (fd === undefined) {
    fd = openSync(path, 'r');
    packFiles.set(path, fd);
    if (packFiles.size > 64) {
      const [oldest, oldFd] = packFiles.entries().next().value!;
      packFiles.delete(oldest);
      closeSync(oldFd);
    }
  }
  return fd;
}

/**
 * Forgets what this thread keeps between tasks: open pack descriptors, cached plaintexts, kept
 * messages. For a thread that ran tasks inline (worker-pool.ts) once its last inline pool closed;
 * a worker thread's state ends with the thread.
 */
export function resetThreadState(): void {
  for (const fd of packFiles.values()) closeSync(fd);
  packFiles.clear();
  plainCache.clear();
  plainCacheBytes = 0;
  kept.clear();
}

/** Plaintexts ever handed out from the cache: other items may hold them, so never freed by hand. */
const everCached = new WeakSet<Buffer>();

type RestoreTask = Extract<WorkerTask, { op: 'restore' }>;

/** Part `p` of a restore task: its plaintext, from the cache or read from its pack and opened. */
function readPart(task: RestoreTask, p: number): Buffer {
  // Only a part its task reads more than once is looked up and cached (most are read once); the
  // id in hex (the cache's key) is made for those alone.
  const uses = task.uses[p]!;
  const key = uses > 1 ? Buffer.from(task.ids.buffer, task.ids.byteOffset + p * 32, 32).toString('hex') : '';
  const cached = uses > 1 ? plainCache.get(key) : undefined;
  if (cached) {
    if (--cached.uses <= 0) {
      plainCache.delete(key);
      plainCacheBytes -= cached.data.length;
    }
    return cached.data;
  }
  const path = task.packs[task.partPacks[p]!]!;
  const length = task.lengths[p]!;
  const sealed = Buffer.allocUnsafe(length);
  const bytesRead = readSync(packFd(path), sealed, 0, length, task.offsets[p]!);
  if (bytesRead !== length) throw new RepositoryError('damaged', `${path} is shorter than expected`);
  const plaintext = openBlob(task.dataKey, task.idKey, task.ids.subarray(p * 32, p * 32 + 32), sealed);
  releaseBuffer(sealed);
  if (uses > 1 && plaintext.length >= 2048 && plaintext.length < PLAIN_CACHE_LIMIT / 8) {
    plainCache.set(key, { data: plaintext, uses: uses - 1 });
    everCached.add(plaintext);
    plainCacheBytes += plaintext.length;
    for (const [oldKey, old] of plainCache) {
      if (plainCacheBytes <= PLAIN_CACHE_LIMIT) break;
      plainCache.delete(oldKey);
      plainCacheBytes -= old.data.length;
    }
  }
  return plaintext;
}

// A restore's file creations are blocking calls on this thread, one after the other. The
// filesystem's creation is CPU in the kernel (no process was seen waiting on the disk in it),
// and handing each open to libuv's pool, as 16 lanes per worker did, cost a thread wake-up and a
// futex round trip each way per file: 17 % more CPU for the whole restore (docs/benchmarks.md,
// "Restore CPU, round three"). The write and close were blocking already.
/** A restore task yields to the event loop after this many items, so other tasks (a batch's descriptors) get their turn. */
const RESTORE_YIELD_EVERY = 8;

const yieldToEventLoop = (): Promise<void> => new Promise((resolve) => setImmediate(resolve));

function writeWhole(fd: number, parts: Buffer[], total: number): void {
  const written = parts.length > 0 ? writevSync(fd, parts) : 0;
  // A short write (rare on a regular file): write the rest part by part.
  if (written < total) {
    let skip = written;
    for (const part of parts) {
      if (skip >= part.length) {
        skip -= part.length;
        continue;
      }
      let at = skip;
      skip = 0;
      while (at < part.length) at += writeSync(fd, part, at, part.length - at);
    }
  }
}

/** Writes item `i` of a restore task, whose parts are `first` to `first + partCounts[i] - 1`. */
function restoreItem(
  task: RestoreTask,
  i: number,
  first: number,
  madeDirs: Set<string>,
): { ok: true; bytes: number } | { ok: false; error: string } {
  try {
    const target = task.targets[i]!;
    const dir = dirname(target);
    if (!madeDirs.has(dir)) {
      mkdirSync(dir, { recursive: true });
      madeDirs.add(dir);
    }
    // Every blob opened before the file exists: a damaged item leaves no file behind.
    const parts: Buffer[] = [];
    for (let p = first; p < first + task.partCounts[i]!; p++) parts.push(readPart(task, p));
    let bytes = 0;
    for (const part of parts) bytes += part.length;
    const fd = openSync(target, 'w');
    try {
      writeWhole(fd, parts, bytes);
    } finally {
      closeSync(fd);
    }
    // Free this item's own parts now, not at the next garbage collection.
    for (const plaintext of new Set(parts)) if (!everCached.has(plaintext)) releaseBuffer(plaintext);
    return { ok: true, bytes };
  } catch (error) {
    return { ok: false, error: (error as Error).message };
  }
}

let restoreQueue: Promise<void> = Promise.resolve();

async function restore(task: RestoreTask): Promise<WorkerResult> {
  const results = new Array<{ ok: true; bytes: number } | { ok: false; error: string }>(task.targets.length);
  // Directories this task has made: per task, not per thread, as a thread may be long-lived (a
  // server's worker, or a command line's main thread: worker-pool.ts `inline`) and a directory
  // made for an earlier restore may have been deleted since.
  const madeDirs = new Set<string>();
  for (let i = 0, first = 0; i < task.targets.length; first += task.partCounts[i]!, i++) {
    if (i > 0 && i % RESTORE_YIELD_EVERY === 0) await yieldToEventLoop();
    results[i] = restoreItem(task, i, first, madeDirs);
  }
  return { op: 'restore', results };
}

/** Splits and hashes a message, keeps it until seal-kept says which segments are new, and adds it to `out`. */
function keep(data: Buffer, idKey: Uint8Array, out: KeptMessages, ids: string[]): void {
  const { lengths, hasAttachments } = splitMailParts(data);
  const hashed = hexSegmentIds(idKey, data, lengths);
  const handle = nextHandle++;
  kept.set(handle, { data, offsets: hashed.offsets, lengths, ids: hashed.ids });
  out.handles.push(handle);
  out.sizes.push(data.length);
  out.counts.push(lengths.length);
  for (const length of lengths) out.lengths.push(length);
  for (const id of hashed.ids) ids.push(id);
  out.attachments.push(hasAttachments ? 1 : 0);
}

function keptMessages(): KeptMessages {
  return { handles: [], sizes: [], counts: [], lengths: [], ids: '', attachments: [], errors: [] };
}

/**
 * Runs one task on this thread. A worker runs it for each message; a foreground pool's main
 * thread calls it too (worker-pool.ts `inline`), with the task's buffers as they are.
 */
export function run(task: WorkerTask): WorkerResult | Promise<WorkerResult> {
  switch (task.op) {
    case 'split-hash': {
      const lengths = task.split === 'mail' ? splitMail(task.data) : chunkLengths(task.data, FILE_CHUNKER, task.final);
      return { op: 'split-hash', lengths, ids: hashSegments(task.idKey, task.data, lengths).ids };
    }
    case 'read-split-hash': {
      const out = keptMessages();
      const ids: string[] = [];
      task.paths.forEach((path, i) => {
        let data: Buffer;
        try {
          data = readFileSync(path);
        } catch (error) {
          out.errors.push([i, (error as Error).message]);
          out.handles.push(-1);
          out.sizes.push(0);
          out.counts.push(0);
          out.attachments.push(0);
          return;
        }
        keep(data, task.idKey, out, ids);
      });
      out.ids = ids.join('');
      return { op: 'read-split-hash', kept: out };
    }
    case 'keep-split-hash': {
      const out = keptMessages();
      const ids: string[] = [];
      for (const view of task.datas)
        keep(Buffer.from(view.buffer, view.byteOffset, view.byteLength), task.idKey, out, ids);
      out.ids = ids.join('');
      return { op: 'keep-split-hash', kept: out };
    }
    case 'seal-kept':
      return {
        op: 'seal-kept',
        sealed: task.kept.map(({ handle, pick, extra }) => {
          const entry = kept.get(handle);
          kept.delete(handle);
          if (!entry) throw new Error(`no kept message ${handle}`);
          const sealed = pick.map((i) => {
            const offset = entry.offsets[i]!;
            return sealBlob(
              task.dataKey,
              Buffer.from(entry.ids[i]!, 'hex'),
              entry.data.subarray(offset, offset + entry.lengths[i]!),
              task.level,
            );
          });
          for (const item of extra) sealed.push(sealBlob(task.dataKey, item.id, item.data, task.level));
          // The message was read or handed over for this worker alone: its bytes go now.
          releaseBuffer(entry.data);
          return sealed;
        }),
      };
    case 'restore': {
      // One restore task at a time, in the order they came: a task yields now and then so that
      // other work (a batch's descriptors) gets its turn, but another restore task waits rather
      // than interleave (which held several tasks' plaintexts at once and read packs out of order).
      const done = restoreQueue.then(() => restore(task));
      restoreQueue = done.then(
        () => undefined,
        () => undefined,
      );
      return done;
    }
    case 'seal':
      return { op: 'seal', sealed: task.items.map((item) => sealBlob(task.dataKey, item.id, item.data, task.level)) };
    case 'open':
      return {
        op: 'open',
        results: task.items.map((item) => {
          try {
            return { ok: true as const, data: openBlob(task.dataKey, task.idKey, item.id, item.sealed) };
          } catch (error) {
            if (error instanceof RepositoryError) return { ok: false as const, error: error.message };
            return { ok: false as const, error: `blob cannot be decoded: ${(error as Error).message}` };
          }
        }),
      };
  }
}

/**
 * Sealed blobs (each a buffer of its own: blob-crypto seal) and opened ones that own their
 * buffer go back transferred, not copied.
 */
function transferList(result: WorkerResult): ArrayBuffer[] {
  const buffers =
    result.op === 'seal'
      ? result.sealed
      : result.op === 'seal-kept'
        ? result.sealed.flat()
        : result.op === 'open'
          ? result.results.flatMap((outcome) => (outcome.ok ? [outcome.data] : []))
          : [];
  // A buffer listed twice fails the post: list each once.
  const owned = new Set<ArrayBuffer>();
  for (const blob of buffers) {
    if (blob.byteOffset === 0 && blob.byteLength === blob.buffer.byteLength) owned.add(blob.buffer as ArrayBuffer);
  }
  return [...owned];
}

asWorker?.on('message', async (message: { seq: number; task: WorkerTask }) => {
  try {
    const result = await run(message.task);
    asWorker.postMessage({ seq: message.seq, result } satisfies WorkerReply, transferList(result));
  } catch (error) {
    asWorker.postMessage({ seq: message.seq, error: (error as Error).message } satisfies WorkerReply);
  }
});
