// A zip file written front to back (APPNOTE 6.3.x: https://pkware.cachefly.net/webdocs/casestudies/APPNOTE.TXT),
// ZIP64 when sizes, offsets or the entry count need it. Entries are added one after the other,
// each hashed (sha256) and counted on the way; neither the zip nor a large entry is ever held in
// memory. An entry given as one buffer (a message, a small file) is checksummed at once and
// deflated on libuv's thread pool while the next entries are prepared; its header then carries
// its sizes and CRC-32. An entry given as a stream is written as it comes (sizes and CRC in a
// data descriptor after it), deflated in independent ~1 MiB pieces ended by a sync flush,
// which concatenate into one deflate stream. CRC-32 is zlib's (native).
import { createHash } from 'node:crypto';
import { type FileHandle, open } from 'node:fs/promises';
import { promisify } from 'node:util';
import {
  crc32,
  deflateRaw as deflateRawCallback,
  deflateRawSync,
  type ZlibOptions,
  constants as zlibConstants,
} from 'node:zlib';
import { writeAll } from './write-all.ts';

export interface ZipEntryResult {
  path: string;
  size: number;
  sha256: string;
}

/** Formats whose bytes are already compressed: stored, not deflated again. */
const compressedTypes =
  /^(image\/(jpeg|png|gif|webp)|video\/|audio\/|application\/(zip|gzip|x-7z-compressed|pdf|vnd\.openxmlformats-officedocument\.|vnd\.oasis\.opendocument\.|epub))/;

export function worthCompressing(mimeType: string | undefined): boolean {
  return !mimeType || !compressedTypes.test(mimeType);
}

export type ZipSource = Uint8Array | AsyncIterable<Uint8Array> | Iterable<Uint8Array>;

export interface ZipArchive {
  /**
   * Adds an entry from one buffer (it must not change afterwards: it is written later) or a byte
   * source; resolves when the source is consumed (the entry may still be on its way to the file).
   */
  add(
    path: string,
    source: ZipSource,
    options?: {
      compress?: boolean;
      mtime?: Date;
      /**
       * With a buffer: its deflatePiece, already on its way (not deflated again). It decides
       * the entry's compression: given, the entry is deflated (or stored when that is smaller)
       * whatever `compress` says.
       */
      deflated?: Promise<Buffer>;
    },
  ): Promise<ZipEntryResult>;
  /**
   * Adds an entry whose content comes already deflated, as deflatePiece/storedPiece pieces (a
   * spooled mbox); `content` describes the bytes they inflate to (size, CRC-32, sha256).
   */
  addDeflated(
    path: string,
    pieces: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    content: { size: number; crc: number; sha256: string; mtime?: Date },
  ): Promise<ZipEntryResult>;
  /** Adds a directory entry (for an empty folder to show); `path` ends in "/". */
  addDirectory(path: string, options?: { mtime?: Date }): void;
  /** Writes the central directory and closes the file; resolves to its size. */
  finish(): Promise<number>;
  /** Stops writing (after an error); the partial file is the caller's to delete. */
  abort(error: Error): void;
}

export interface ZipArchiveOptions {
  signal?: AbortSignal;
  /**
   * Write after what the file already holds (it must exist), as a self-extracting archive
   * follows its program: offsets count from the start of the file. Default: a new file.
   */
  append?: boolean;
  /** ZIP64 records for every entry and the end (tests: a reader must cope); default: when needed. */
  forceZip64?: boolean;
}

const deflateRaw = promisify(deflateRawCallback) as (data: Uint8Array, options: ZlibOptions) => Promise<Buffer>;

/**
 * Deflates running at once on libuv's thread pool, across all archives: the pool (4 threads)
 * also serves file reads and writes, which must not wait behind a queue of deflates.
 */
const deflateSlots = { free: 2, waiting: [] as Array<() => void> };

const base64Bytes = new Uint8Array(256);
for (const char of 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/=\r\n') {
  base64Bytes[char.charCodeAt(0)] = 1;
}

/**
 * Whether `data` looks like base64 through and through (a message carrying an attachment, an
 * mbox of them): 1 KiB at a quarter, half and three quarters of it hold base64 characters only.
 * Base64 of compressed or random bytes leaves LZ77 next to nothing to find; Huffman coding
 * alone gives the same size at a third of the time (a few per cent larger on other base64).
 */
export function looksLikeBase64(data: Uint8Array): boolean {
  if (data.length < 16 * 1024) return false;
  for (const at of [0.25, 0.5, 0.75]) {
    const middle = Math.floor(data.length * at);
    for (let i = middle - 512; i < middle + 512; i++) if (base64Bytes[data[i] as number] === 0) return false;
  }
  return true;
}

/**
 * A buffer below this size is deflated at once on the calling thread: a trip to the thread pool
 * costs ~80 µs of CPU more than the deflate of a few KiB itself (stream object, queueing,
 * callback: 107 against 29 µs per 2 KiB message, 145 against 56 µs per 8 KiB), and most
 * messages are that small; on the main thread it takes about as long as handing it over did.
 */
export const DEFLATE_AT_ONCE_BYTES = 16 * 1024;

/** Deflates a whole entry: small ones at once, larger ones on the thread pool. */
function deflateEntry(data: Uint8Array): Promise<Buffer> {
  if (data.length >= DEFLATE_AT_ONCE_BYTES) return deflateInPool(data, true);
  try {
    return Promise.resolve(deflateRawSync(data));
  } catch (error) {
    return Promise.reject(error);
  }
}

/**
 * One piece of a deflate stream: `data` deflated on its own, ended by a sync flush (byte-aligned,
 * no reference before its start), so pieces concatenate into one stream that DEFLATE_END
 * closes. The export deflates a message once as such a piece and uses it both for its .eml entry
 * and in each of its labels' mboxes (addDeflated).
 */
export async function deflatePiece(data: Uint8Array): Promise<Buffer> {
  const piece =
    data.length >= DEFLATE_AT_ONCE_BYTES
      ? await deflateInPool(data, false)
      : deflateRawSync(data, { finishFlush: zlibConstants.Z_SYNC_FLUSH });
  return ownMemory(piece);
}

/**
 * `piece`, or a copy in memory of its own size when it is a slice of a much larger block
 * (deflateRawSync's output sits in Node's shared 64 KiB pool, the thread pool's in a 64 KiB+
 * output buffer): a piece waits in an mbox spool, and 20,000 small ones kept ≈ 400 MiB of such
 * blocks alive for ≈ 13 MiB of compressed bytes.
 */
function ownMemory(piece: Buffer): Buffer {
  if (piece.buffer.byteLength <= 2 * piece.length) return piece;
  const copy = Buffer.allocUnsafeSlow(piece.length);
  piece.copy(copy);
  return copy;
}

/** `data` as stored (uncompressed) deflate blocks, a piece as deflatePiece's: for a few bytes (an mbox's From_ line). */
export function storedPiece(data: Uint8Array): Buffer {
  const parts: Buffer[] = [];
  for (let at = 0; at < data.length; at += MAX_16) {
    const block = data.subarray(at, at + MAX_16);
    const header = Buffer.alloc(5);
    // BFINAL 0, BTYPE 00 (stored), then LEN and its ones' complement.
    header.writeUInt16LE(block.length, 1);
    header.writeUInt16LE(~block.length & MAX_16, 3);
    parts.push(header, Buffer.from(block.buffer, block.byteOffset, block.byteLength));
  }
  return Buffer.concat(parts);
}

async function deflateInPool(data: Uint8Array, finish: boolean): Promise<Buffer> {
  if (deflateSlots.free > 0) deflateSlots.free--;
  else await new Promise<void>((resolve) => deflateSlots.waiting.push(resolve));
  try {
    // Output room for all of it at once (deflate's worst case is a little over the input): one
    // trip to the thread pool, where the default 16 KiB would take one per 16 KiB of output.
    const chunkSize = Math.max(64 * 1024, data.length + (data.length >> 10) + 1024);
    return await deflateRaw(data, {
      chunkSize,
      ...(looksLikeBase64(data) ? { strategy: zlibConstants.Z_HUFFMAN_ONLY } : {}),
      ...(finish ? {} : { finishFlush: zlibConstants.Z_SYNC_FLUSH }),
    });
  } finally {
    const next = deflateSlots.waiting.shift();
    if (next) next();
    else deflateSlots.free++;
  }
}

/** The final, empty block of a deflate stream whose pieces each ended in a sync flush. */
const DEFLATE_END = Buffer.from([0x03, 0x00]);
const STORE = 0;
const DEFLATE = 8;
const FLAG_DATA_DESCRIPTOR = 1 << 3;
const FLAG_UTF8 = 1 << 11;
const VERSION_NEEDED = 20;
const VERSION_NEEDED_ZIP64 = 45;
/** Unix (3), APPNOTE 6.3. */
const VERSION_MADE_BY = (3 << 8) | 63;
const FILE_MODE = 0o100664;
const DIRECTORY_MODE = 0o40775;
const MAX_32 = 0xffffffff;
const MAX_16 = 0xffff;
/** Buffered entries waiting for their deflate and their turn: at most this many, or bytes. */
const QUEUE_ENTRIES = 32;
const QUEUE_BYTES = 32 * 1024 * 1024;
/** A streamed entry is deflated in pieces of about this size, two at a time. */
const PIECE_BYTES = 1024 * 1024;
/** Output is written in runs of about this size. */
const WRITE_BYTES = 1024 * 1024;

interface CentralRecord {
  name: Buffer;
  flags: number;
  method: number;
  mtime: Date;
  crc: number;
  compressedSize: number;
  size: number;
  offset: number;
  mode: number;
}

/** MS-DOS date and time (local time, as Info-ZIP reads them), clamped to 1980–2107. */
function dosDateTime(mtime: Date): { date: number; time: number } {
  const min = new Date(1980, 0, 1);
  const max = new Date(2107, 11, 31, 23, 59, 58);
  const at = Number.isNaN(mtime.getTime()) || mtime < min ? min : mtime > max ? max : mtime;
  return {
    date: (((at.getFullYear() - 1980) & 0x7f) << 9) | ((at.getMonth() + 1) << 5) | at.getDate(),
    time: (at.getHours() << 11) | (at.getMinutes() << 5) | Math.floor(at.getSeconds() / 2),
  };
}

function needsZip64(record: Pick<CentralRecord, 'size' | 'compressedSize' | 'offset'>, force: boolean): boolean {
  return force || record.size >= MAX_32 || record.compressedSize >= MAX_32 || record.offset >= MAX_32;
}

/** The local file header; sizes and CRC are zero (and flag 3 set) when a data descriptor follows. */
export function localHeader(record: CentralRecord): Buffer {
  const known = (record.flags & FLAG_DATA_DESCRIPTOR) === 0;
  // A buffered entry of 4 GiB or more: its sizes in a ZIP64 extra field (APPNOTE 4.5.3).
  const zip64 = known && (record.size >= MAX_32 || record.compressedSize >= MAX_32);
  const header = Buffer.alloc(30 + record.name.length + (zip64 ? 20 : 0));
  const { date, time } = dosDateTime(record.mtime);
  header.writeUInt32LE(0x04034b50, 0);
  header.writeUInt16LE(zip64 ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED, 4);
  header.writeUInt16LE(record.flags, 6);
  header.writeUInt16LE(record.method, 8);
  header.writeUInt16LE(time, 10);
  header.writeUInt16LE(date, 12);
  header.writeUInt32LE(known ? record.crc : 0, 14);
  header.writeUInt32LE(known ? (zip64 ? MAX_32 : record.compressedSize) : 0, 18);
  header.writeUInt32LE(known ? (zip64 ? MAX_32 : record.size) : 0, 22);
  header.writeUInt16LE(record.name.length, 26);
  header.writeUInt16LE(zip64 ? 20 : 0, 28);
  record.name.copy(header, 30);
  if (zip64) {
    const extra = 30 + record.name.length;
    header.writeUInt16LE(0x0001, extra);
    header.writeUInt16LE(16, extra + 2);
    header.writeBigUInt64LE(BigInt(record.size), extra + 4);
    header.writeBigUInt64LE(BigInt(record.compressedSize), extra + 12);
  }
  return header;
}

/** The data descriptor after a streamed entry: 8-byte sizes when ZIP64 (as yazl and Info-ZIP write it). */
export function dataDescriptor(record: CentralRecord, force: boolean): Buffer {
  const zip64 = needsZip64(record, force);
  const descriptor = Buffer.alloc(zip64 ? 24 : 16);
  descriptor.writeUInt32LE(0x08074b50, 0);
  descriptor.writeUInt32LE(record.crc, 4);
  if (zip64) {
    descriptor.writeBigUInt64LE(BigInt(record.compressedSize), 8);
    descriptor.writeBigUInt64LE(BigInt(record.size), 16);
  } else {
    descriptor.writeUInt32LE(record.compressedSize, 8);
    descriptor.writeUInt32LE(record.size, 12);
  }
  return descriptor;
}

/**
 * The central directory record: the Info-ZIP "UT" extra field with the modification time in
 * UTC, and a ZIP64 extra field (all three values) when any of them does not fit in 32 bits.
 */
export function centralRecord(record: CentralRecord, force: boolean): Buffer {
  const zip64 = needsZip64(record, force);
  const extraLength = 9 + (zip64 ? 28 : 0);
  const out = Buffer.alloc(46 + record.name.length + extraLength);
  const { date, time } = dosDateTime(record.mtime);
  out.writeUInt32LE(0x02014b50, 0);
  out.writeUInt16LE(VERSION_MADE_BY, 4);
  out.writeUInt16LE(zip64 ? VERSION_NEEDED_ZIP64 : VERSION_NEEDED, 6);
  out.writeUInt16LE(record.flags, 8);
  out.writeUInt16LE(record.method, 10);
  out.writeUInt16LE(time, 12);
  out.writeUInt16LE(date, 14);
  out.writeUInt32LE(record.crc, 16);
  out.writeUInt32LE(zip64 ? MAX_32 : record.compressedSize, 20);
  out.writeUInt32LE(zip64 ? MAX_32 : record.size, 24);
  out.writeUInt16LE(record.name.length, 28);
  out.writeUInt16LE(extraLength, 30);
  // comment length, disk number, internal attributes: 0
  out.writeUInt32LE((record.mode << 16) >>> 0, 38);
  out.writeUInt32LE(zip64 ? MAX_32 : record.offset, 42);
  record.name.copy(out, 46);
  let at = 46 + record.name.length;
  out.writeUInt16LE(0x5455, at);
  out.writeUInt16LE(5, at + 2);
  // mtime present (and atime flagged, as Info-ZIP writes it; the central copy never holds it).
  out.writeUInt8(0b11, at + 4);
  const seconds = Math.floor(record.mtime.getTime() / 1000);
  out.writeInt32LE(Math.max(-0x80000000, Math.min(0x7fffffff, Number.isNaN(seconds) ? 0 : seconds)), at + 5);
  at += 9;
  if (zip64) {
    out.writeUInt16LE(0x0001, at);
    out.writeUInt16LE(24, at + 2);
    out.writeBigUInt64LE(BigInt(record.size), at + 4);
    out.writeBigUInt64LE(BigInt(record.compressedSize), at + 12);
    out.writeBigUInt64LE(BigInt(record.offset), at + 20);
  }
  return out;
}

/** The end of the central directory, preceded by its ZIP64 record and locator when needed. */
export function endOfCentralDirectory(
  entries: number,
  directoryOffset: number,
  directorySize: number,
  force: boolean,
): Buffer {
  const zip64 = force || entries >= MAX_16 || directoryOffset >= MAX_32 || directorySize >= MAX_32;
  const end = Buffer.alloc(22);
  end.writeUInt32LE(0x06054b50, 0);
  end.writeUInt16LE(zip64 ? MAX_16 : entries, 8);
  end.writeUInt16LE(zip64 ? MAX_16 : entries, 10);
  end.writeUInt32LE(zip64 ? MAX_32 : directorySize, 12);
  end.writeUInt32LE(zip64 ? MAX_32 : directoryOffset, 16);
  if (!zip64) return end;
  const record = Buffer.alloc(56);
  record.writeUInt32LE(0x06064b50, 0);
  record.writeBigUInt64LE(44n, 4);
  record.writeUInt16LE(VERSION_MADE_BY, 12);
  record.writeUInt16LE(VERSION_NEEDED_ZIP64, 14);
  record.writeBigUInt64LE(BigInt(entries), 24);
  record.writeBigUInt64LE(BigInt(entries), 32);
  record.writeBigUInt64LE(BigInt(directorySize), 40);
  record.writeBigUInt64LE(BigInt(directoryOffset), 48);
  const locator = Buffer.alloc(20);
  locator.writeUInt32LE(0x07064b50, 0);
  locator.writeBigUInt64LE(BigInt(directoryOffset + directorySize), 8);
  locator.writeUInt32LE(1, 16);
  return Buffer.concat([record, locator, end]);
}

/** Appends to a file in runs of about a MiB; `offset` counts every byte handed in. */
class OutputFile {
  offset: number;
  /** Where the next run goes in the file. */
  private position: number;
  private readonly handle: Promise<FileHandle>;
  private parts: Buffer[] = [];
  private bytes = 0;

  constructor(handle: Promise<FileHandle>, offset: number) {
    this.handle = handle;
    this.offset = offset;
    this.position = offset;
  }

  async write(...parts: Buffer[]): Promise<void> {
    for (const part of parts) {
      if (part.length === 0) continue;
      this.parts.push(part);
      this.bytes += part.length;
      this.offset += part.length;
    }
    if (this.bytes >= WRITE_BYTES) await this.flush();
  }

  async flush(): Promise<void> {
    const rest = this.parts;
    this.parts = [];
    this.bytes = 0;
    if (rest.length === 0) return;
    this.position += await writeAll(await this.handle, rest, this.position);
  }

  async close(): Promise<void> {
    await this.flush();
    await (await this.handle).close();
  }
}

function bufferOf(chunk: Uint8Array): Buffer {
  return Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
}

export function createZipArchive(file: string, options: ZipArchiveOptions = {}): ZipArchive {
  const force = options.forceZip64 === true;
  const handle = open(file, options.append ? 'r+' : 'wx', 0o600);
  // Attached at once so a failed open is never an unhandled rejection (the first write reports it).
  handle.catch(() => {});
  let output: OutputFile | null = null;
  const opened = (async () => {
    const start = options.append ? (await (await handle).stat()).size : 0;
    output = new OutputFile(handle, start);
    return output;
  })();
  opened.catch(() => {});
  const records: CentralRecord[] = [];
  let failure: Error | null = null;
  /** The writes of entries, in order: each waits for the one before (and its own deflate). */
  let tail: Promise<void> = Promise.resolve();
  /** Buffered entries added and not yet written. */
  let queued = { entries: 0, bytes: 0 };
  let waiters: Array<() => void> = [];
  const wakeWaiters = () => {
    const woken = waiters;
    waiters = [];
    for (const wake of woken) wake();
  };

  const fail = (error: Error) => {
    if (!failure) failure = error;
    wakeWaiters();
  };
  const onAbort = () =>
    fail(options.signal?.reason instanceof Error ? options.signal.reason : new Error('export aborted'));
  options.signal?.addEventListener('abort', onAbort, { once: true });
  let finishing = false;
  const check = () => {
    if (failure) throw failure;
  };
  const checkOpen = () => {
    check();
    if (finishing) throw new Error('the zip is finished: no entry can be added');
  };

  /** Runs `write` after everything before it; a failure stops every later write. */
  function inTurn(write: (out: OutputFile) => Promise<void>): Promise<void> {
    const turn = tail.then(async () => {
      check();
      await write(await opened);
    });
    // The next turn runs only after this one settled (failed ones included: `check` stops it).
    tail = turn.catch((error: Error) => fail(error));
    return turn;
  }

  function entryName(path: string, directory = false): Buffer {
    // As yazl did: "/" separators, never absolute, never a ".." segment (an entry must unpack inside).
    const normal = path.replace(/\\/g, '/');
    if (/^([a-zA-Z]:|\/)/.test(normal) || normal.split('/').includes('..') || normal === '') {
      throw new Error(`zip entry path must be relative, without "..": ${path.slice(0, 80)}`);
    }
    const name = Buffer.from(directory && !normal.endsWith('/') ? `${normal}/` : normal, 'utf8');
    if (name.length > MAX_16) throw new Error(`zip entry name too long: ${path.slice(0, 80)}…`);
    return name;
  }

  async function addBuffer(
    path: string,
    data: Buffer,
    compress: boolean,
    mtime: Date,
    piece?: Promise<Buffer>,
  ): Promise<ZipEntryResult> {
    const name = entryName(path);
    const crc = crc32(data);
    const sha256 = createHash('sha256').update(data).digest('hex');
    const deflated = piece
      ? piece.then((body) => Buffer.concat([body, DEFLATE_END]))
      : compress && data.length > 0
        ? deflateEntry(data)
        : null;
    deflated?.catch(() => {});
    queued = { entries: queued.entries + 1, bytes: queued.bytes + data.length };
    const size = data.length;
    const written = inTurn(async (out) => {
      const packed = deflated ? await deflated : null;
      // Deflate only what it makes smaller (random bytes, already compressed content).
      const body = packed && packed.length < size ? packed : data;
      const record: CentralRecord = {
        name,
        flags: FLAG_UTF8,
        method: body === data ? STORE : DEFLATE,
        mtime,
        crc,
        compressedSize: body.length,
        size,
        offset: out.offset,
        mode: FILE_MODE,
      };
      records.push(record);
      await out.write(localHeader(record), body);
    });
    const dequeue = () => {
      queued = { entries: queued.entries - 1, bytes: queued.bytes - size };
      wakeWaiters();
    };
    written.then(dequeue, dequeue);
    while (!failure && (queued.entries > QUEUE_ENTRIES || queued.bytes > QUEUE_BYTES)) {
      await new Promise<void>((resolve) => waiters.push(resolve));
    }
    check();
    return { path, size, sha256 };
  }

  /** Source chunks gathered into pieces of about PIECE_BYTES (a chunk that size or larger as it is). */
  async function* pieces(source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>): AsyncGenerator<Buffer> {
    let parts: Buffer[] = [];
    let bytes = 0;
    for await (const chunk of source) {
      check();
      if (chunk.length === 0) continue;
      parts.push(bufferOf(chunk));
      bytes += chunk.length;
      if (bytes >= PIECE_BYTES) {
        yield parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
        parts = [];
        bytes = 0;
      }
    }
    if (bytes > 0) yield parts.length === 1 ? (parts[0] as Buffer) : Buffer.concat(parts);
  }

  async function addStream(
    path: string,
    source: AsyncIterable<Uint8Array> | Iterable<Uint8Array>,
    compress: boolean,
    mtime: Date,
  ): Promise<ZipEntryResult> {
    const name = entryName(path);
    const hash = createHash('sha256');
    let size = 0;
    // Everything queued before goes first: this entry is written as its source is read.
    await inTurn(async (out) => {
      const record: CentralRecord = {
        name,
        flags: FLAG_UTF8 | FLAG_DATA_DESCRIPTOR,
        method: compress ? DEFLATE : STORE,
        mtime,
        crc: 0,
        compressedSize: 0,
        size: 0,
        offset: out.offset,
        mode: FILE_MODE,
      };
      await out.write(localHeader(record));
      // Deflated pieces, written in order: one is written while the next one deflates.
      let inFlight: Promise<Buffer> | null = null;
      const writeBody = async (body: Buffer) => {
        record.compressedSize += body.length;
        await out.write(body);
      };
      for await (const piece of pieces(source)) {
        record.crc = crc32(piece, record.crc);
        hash.update(piece);
        record.size += piece.length;
        if (!compress) {
          await writeBody(piece);
          continue;
        }
        const deflated = deflateInPool(piece, false);
        deflated.catch(() => {});
        if (inFlight) await writeBody(await inFlight);
        inFlight = deflated;
      }
      if (inFlight) await writeBody(await inFlight);
      if (compress) await writeBody(DEFLATE_END);
      check();
      records.push(record);
      size = record.size;
      await out.write(dataDescriptor(record, force));
    });
    return { path, size, sha256: hash.digest('hex') };
  }

  return {
    async add(path, source, entryOptions = {}) {
      checkOpen();
      const compress = entryOptions.compress ?? true;
      const mtime = entryOptions.mtime ?? new Date();
      // Sizes of 4 GiB and more only stream (a buffer's header would need its ZIP64 sizes up front).
      if (source instanceof Uint8Array && source.length < MAX_32) {
        return addBuffer(path, bufferOf(source), compress, mtime, entryOptions.deflated);
      }
      return addStream(path, source instanceof Uint8Array ? [source] : source, compress, mtime);
    },

    async addDeflated(path, pieces, content) {
      checkOpen();
      const name = entryName(path);
      await inTurn(async (out) => {
        const record: CentralRecord = {
          name,
          flags: FLAG_UTF8 | FLAG_DATA_DESCRIPTOR,
          method: DEFLATE,
          mtime: content.mtime ?? new Date(),
          crc: content.crc,
          compressedSize: 0,
          size: content.size,
          offset: out.offset,
          mode: FILE_MODE,
        };
        await out.write(localHeader(record));
        for await (const chunk of pieces) {
          check();
          record.compressedSize += chunk.length;
          await out.write(bufferOf(chunk));
        }
        record.compressedSize += DEFLATE_END.length;
        await out.write(DEFLATE_END);
        check();
        records.push(record);
        await out.write(dataDescriptor(record, force));
      });
      return { path, size: content.size, sha256: content.sha256 };
    },

    addDirectory(path, entryOptions = {}) {
      checkOpen();
      const name = entryName(path, true);
      inTurn(async (out) => {
        const record: CentralRecord = {
          name,
          flags: FLAG_UTF8,
          method: STORE,
          mtime: entryOptions.mtime ?? new Date(),
          crc: 0,
          compressedSize: 0,
          size: 0,
          offset: out.offset,
          mode: DIRECTORY_MODE,
        };
        records.push(record);
        await out.write(localHeader(record));
      }).catch(() => {});
    },

    async finish() {
      checkOpen();
      finishing = true;
      await tail;
      check();
      const out = await opened;
      const directoryOffset = out.offset;
      for (const record of records) await out.write(centralRecord(record, force));
      await out.write(endOfCentralDirectory(records.length, directoryOffset, out.offset - directoryOffset, force));
      await out.close();
      options.signal?.removeEventListener('abort', onAbort);
      return out.offset;
    },

    abort(error) {
      fail(error);
      options.signal?.removeEventListener('abort', onAbort);
      // Whatever is still queued stops at its next check; the file is closed once it settled.
      void tail
        .then(() => handle)
        .then((opened) => opened.close())
        .catch(() => {});
    },
  };
}
