// Pack files (docs/repository-format.md §4): sealed blobs back to back, then the sealed
// header listing them, then the header's length. Visible only once whole (written whole, or
// streamed into a backend object that appears on commit); self-describing, so the index can be
// rebuilt from packs alone.
import { randomBytes } from 'node:crypto';
import type { Backend, ObjectWriter } from './backend.ts';
import { open, SEAL_OVERHEAD, seal } from './blob-crypto.ts';
import { RepositoryError } from './errors.ts';
import { releaseBuffer } from './release.ts';

export const PACK_HEADER_AAD = Buffer.from('safehold-pack-header-v1');
const ENTRY_BYTES = 1 + 32 + 4 + 4 + 4;

export type BlobType = 0 | 1;
export const BLOB_DATA: BlobType = 0;
export const BLOB_DESCRIPTOR: BlobType = 1;

export interface PackEntry {
  id: string;
  type: BlobType;
  offset: number;
  length: number;
  rawLength: number;
}

export interface PackRecord {
  name: string;
  size: number;
  blobs: PackEntry[];
}

export function newPackName(): string {
  return randomBytes(16).toString('hex');
}

export function packPath(name: string): string {
  return `data/${name.slice(0, 2)}/${name}`;
}

export function packNameFromPath(path: string): string | undefined {
  const match = /^data\/[0-9a-f]{2}\/([0-9a-f]{32})$/.exec(path);
  return match?.[1];
}

export function encodeHeader(entries: PackEntry[]): Buffer {
  const header = Buffer.alloc(entries.length * ENTRY_BYTES);
  entries.forEach((entry, i) => {
    const at = i * ENTRY_BYTES;
    header.writeUInt8(entry.type, at);
    header.write(entry.id, at + 1, 32, 'hex');
    header.writeUInt32LE(entry.offset, at + 33);
    header.writeUInt32LE(entry.length, at + 37);
    header.writeUInt32LE(entry.rawLength, at + 41);
  });
  return header;
}

export function decodeHeader(header: Buffer): PackEntry[] {
  if (header.length % ENTRY_BYTES !== 0) throw new RepositoryError('damaged', 'pack header has a bad length');
  const entries: PackEntry[] = [];
  for (let at = 0; at < header.length; at += ENTRY_BYTES) {
    const type = header.readUInt8(at);
    if (type !== 0 && type !== 1) throw new RepositoryError('damaged', `pack header has unknown blob type ${type}`);
    entries.push({
      type,
      id: header.subarray(at + 1, at + 33).toString('hex'),
      offset: header.readUInt32LE(at + 33),
      length: header.readUInt32LE(at + 37),
      rawLength: header.readUInt32LE(at + 41),
    });
  }
  return entries;
}

/** Accumulates sealed blobs in memory until the pack is full. */
export class PackBuilder {
  readonly name = newPackName();
  readonly entries: PackEntry[] = [];
  private readonly parts: Uint8Array[] = [];
  private readonly ownsParts: boolean;
  size = 0;

  /** `ownsParts`: the added blobs are this builder's alone, freed once copied into the pack. */
  constructor(options: { ownsParts?: boolean } = {}) {
    this.ownsParts = options.ownsParts === true;
  }

  add(id: string, type: BlobType, sealed: Uint8Array, rawLength: number): void {
    this.entries.push({ id, type, offset: this.size, length: sealed.length, rawLength });
    this.parts.push(sealed);
    this.size += sealed.length;
  }

  finish(dataKey: Uint8Array): { bytes: Buffer; record: PackRecord } {
    const sealedHeader = seal(dataKey, encodeHeader(this.entries), PACK_HEADER_AAD);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(sealedHeader.length);
    const bytes = Buffer.concat([...this.parts, sealedHeader, length]);
    if (this.ownsParts) for (const part of this.parts) releaseBuffer(part);
    this.parts.length = 0;
    return { bytes, record: { name: this.name, size: bytes.length, blobs: this.entries } };
  }
}

/** Sealed blobs gathered before one write: few large writes, and little held in memory. */
const STREAM_WRITE_BYTES = 1024 * 1024;
/** add() callers wait (drain()) while more than this is added but not yet written. */
const STREAM_BACKLOG_BYTES = 4 * 1024 * 1024;

/**
 * A pack streamed into a backend object (`Backend.create`) as blobs are added, instead of
 * accumulated whole: only blobs not yet written are in memory. The object becomes visible
 * under the pack's name only when finish() commits it, whole (format §5: a crash leaves the
 * whole pack or none of it). Added blobs must be this pack's alone: they are freed once written.
 */
export class PackStream {
  readonly name = newPackName();
  readonly entries: PackEntry[] = [];
  size = 0;
  private readonly writer: Promise<ObjectWriter>;
  private staged: Uint8Array[] = [];
  private stagedBytes = 0;
  /** Bytes handed to write() and not yet written. */
  private backlog = 0;
  private writing: Promise<void> = Promise.resolve();

  constructor(create: (name: string) => Promise<ObjectWriter>) {
    this.writer = create(packPath(this.name));
    this.writer.catch(() => undefined);
  }

  add(id: string, type: BlobType, sealed: Uint8Array, rawLength: number): void {
    this.entries.push({ id, type, offset: this.size, length: sealed.length, rawLength });
    this.staged.push(sealed);
    this.stagedBytes += sealed.length;
    this.size += sealed.length;
    if (this.stagedBytes >= STREAM_WRITE_BYTES) this.writeStaged();
  }

  /** Waits while the writes lag behind (back-pressure); write errors surface in finish(). */
  async drain(): Promise<void> {
    while (this.backlog > STREAM_BACKLOG_BYTES) {
      const current = this.writing;
      await current.catch(() => undefined);
      if (current === this.writing) return;
    }
  }

  private writeStaged(): void {
    const parts = this.staged;
    const bytes = this.stagedBytes;
    this.staged = [];
    this.stagedBytes = 0;
    this.backlog += bytes;
    this.writing = this.writing.then(async () => {
      await (await this.writer).write(parts);
      for (const part of parts) releaseBuffer(part);
      this.backlog -= bytes;
    });
    this.writing.catch(() => undefined);
  }

  /** Writes the header and commits the object: the pack is complete and visible afterwards. */
  async finish(dataKey: Uint8Array): Promise<PackRecord> {
    const sealedHeader = seal(dataKey, encodeHeader(this.entries), PACK_HEADER_AAD);
    const length = Buffer.alloc(4);
    length.writeUInt32LE(sealedHeader.length);
    this.staged.push(sealedHeader, length);
    this.stagedBytes += sealedHeader.length + 4;
    const size = this.size + sealedHeader.length + 4;
    this.writeStaged();
    try {
      await this.writing;
      await (await this.writer).commit();
    } catch (error) {
      await this.abort();
      throw error;
    }
    return { name: this.name, size, blobs: this.entries };
  }

  /** Drops the pack: nothing of it becomes visible. */
  async abort(): Promise<void> {
    this.staged = [];
    await this.writing.catch(() => undefined);
    const writer = await this.writer.catch(() => undefined);
    await writer?.abort().catch(() => undefined);
  }
}

/** Reads and opens a pack's header (needs the pack size, e.g. from a listing). */
export async function readPackHeader(
  backend: Backend,
  name: string,
  size: number,
  dataKey: Uint8Array,
): Promise<PackEntry[]> {
  const path = packPath(name);
  if (size < 4 + SEAL_OVERHEAD) throw new RepositoryError('damaged', `pack ${name}: too short to hold a header`);
  const lengthBytes = await backend.get(path, { offset: size - 4, length: 4 });
  const headerLength = lengthBytes.readUInt32LE(0);
  if (headerLength < SEAL_OVERHEAD || headerLength > size - 4) {
    throw new RepositoryError('damaged', `pack ${name}: header length ${headerLength} is impossible`);
  }
  const sealed = await backend.get(path, { offset: size - 4 - headerLength, length: headerLength });
  const entries = decodeHeader(open(dataKey, sealed, PACK_HEADER_AAD, `pack ${name} header`));
  for (const entry of entries) {
    if (entry.offset + entry.length > size - 4 - headerLength) {
      throw new RepositoryError('damaged', `pack ${name}: blob ${entry.id} lies outside the pack`);
    }
  }
  return entries;
}
