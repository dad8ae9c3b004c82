// The blob index: blob id → where its sealed copy lives (docs/repository-format.md §5).
// `BlobIndex` is the interface the engine uses; implementations here are the in-memory one
// and the in-repository one (index files). The server implements it on PostgreSQL. The
// questions the engine asks of any index (which copy to use, what is stored) are here too.
import { randomBytes } from 'node:crypto';
import type { Backend } from './backend.ts';
import { BLOB_ID, open, seal } from './blob-crypto.ts';
import type { PackEntry, PackRecord } from './pack.ts';
import { type BlobLocation, PackTable } from './pack-table.ts';
import { releaseBuffer } from './release.ts';
import { JsonPieces, putSealed } from './sealed-json.ts';

export type { BlobLocation } from './pack-table.ts';

export interface BlobIndex {
  /** Every known location of each requested id; ids not in the index are absent from the map. */
  lookup(ids: readonly string[]): Promise<Map<string, BlobLocation[]>>;
  /** Records packs that have been written whole (never called before the pack's put succeeded). */
  addPacks(packs: readonly PackRecord[]): Promise<void>;
  /** Forgets packs (gc calls this before deleting them). */
  removePacks(names: readonly string[]): Promise<void>;
  /** Every indexed pack with its blobs (verify, gc, stats). */
  packs(): AsyncIterable<PackRecord>;
  /** Makes added packs durable in the index (the in-repository index writes an index file). */
  flush(): Promise<void>;
  /**
   * Optional: usableLocations' answer straight from the index (the local indexes: one object per
   * id found, instead of every copy's and two maps).
   */
  usable?(ids: readonly string[], condemned: ReadonlySet<string>, anyCopy: boolean): Map<string, BlobLocation>;
}

/**
 * The usable location of each id the index knows: a copy outside the condemned packs (§8), or,
 * with `anyCopy` (readers: a condemned pack exists until a sweep), any copy.
 */
export async function usableLocations(
  index: BlobIndex,
  condemned: ReadonlySet<string>,
  ids: readonly string[],
  anyCopy = false,
): Promise<Map<string, BlobLocation>> {
  if (index.usable) return index.usable(ids, condemned, anyCopy);
  const found = await index.lookup(ids);
  const usable = new Map<string, BlobLocation>();
  for (const [id, locations] of found) {
    const location =
      locations.find((candidate) => !condemned.has(candidate.pack)) ?? (anyCopy ? locations[0] : undefined);
    if (location) usable.set(id, location);
  }
  return usable;
}

/** Every distinct blob of the indexed packs (a blob in several packs once, its first copy). */
export async function* distinctBlobs(index: BlobIndex): AsyncGenerator<PackEntry> {
  const seen = new Set<string>();
  for await (const pack of index.packs()) {
    for (const blob of pack.blobs) {
      if (seen.has(blob.id)) continue;
      seen.add(blob.id);
      yield blob;
    }
  }
}

export interface IndexTotals {
  packs: number;
  blobs: number;
  /** Bytes of all indexed packs. */
  storedBytes: number;
  /** Plaintext bytes of all distinct blobs. */
  rawBytes: number;
}

export async function indexTotals(index: BlobIndex): Promise<IndexTotals> {
  const seen = new Set<string>();
  const totals: IndexTotals = { packs: 0, blobs: 0, storedBytes: 0, rawBytes: 0 };
  for await (const pack of index.packs()) {
    totals.packs++;
    totals.storedBytes += pack.size;
    for (const blob of pack.blobs) {
      if (seen.has(blob.id)) continue;
      seen.add(blob.id);
      totals.rawBytes += blob.rawLength;
    }
  }
  totals.blobs = seen.size;
  return totals;
}

/** The usable location of each id `table` knows (BlobIndex.usable). */
function usableIn(
  table: PackTable,
  ids: readonly string[],
  condemned: ReadonlySet<string>,
  anyCopy: boolean,
): Map<string, BlobLocation> {
  const usable = new Map<string, BlobLocation>();
  for (const id of ids) {
    const location = table.usable(id, condemned, anyCopy);
    if (location) usable.set(id, location);
  }
  return usable;
}

/** Every location of each id `table` knows. */
function lookupIn(table: PackTable, ids: readonly string[]): Map<string, BlobLocation[]> {
  const found = new Map<string, BlobLocation[]>();
  for (const id of ids) {
    const locations = table.locations(id);
    if (locations.length > 0) found.set(id, locations);
  }
  return found;
}

export function createMemoryIndex(): BlobIndex {
  let table = new PackTable();
  return {
    async lookup(ids) {
      return lookupIn(table, ids);
    },
    usable(ids, condemned, anyCopy) {
      return usableIn(table, ids, condemned, anyCopy);
    },
    async addPacks(packs) {
      for (const pack of packs) table.add(pack);
    },
    async removePacks(names) {
      table = table.without(new Set(names));
    },
    async *packs() {
      yield* table.records();
    },
    async flush() {},
  };
}

export const INDEX_AAD = Buffer.from('safehold-index-v1');

// Checked by hand (no zod: a command line's start-up loaded it for a few shapes alone): the
// blob tuples, hundreds of thousands in a large repository, would also cost a schema each.
function indexPacks(value: unknown): Array<{ name: string; size: number; blobs: unknown[] }> {
  const { v, packs } = (typeof value === 'object' && value !== null ? value : {}) as { v?: unknown; packs?: unknown };
  if (v !== 1 || !Array.isArray(packs)) throw new Error('not a version 1 index file');
  packs.forEach((pack: unknown, i) => {
    const { name, size, blobs } = (typeof pack === 'object' && pack !== null ? pack : {}) as Record<string, unknown>;
    if (typeof name !== 'string' || !/^[0-9a-f]{32}$/.test(name)) throw new Error(`pack ${i}: bad pack name`);
    if (!Number.isSafeInteger(size) || (size as number) < 0) throw new Error(`pack ${name}: bad size`);
    if (!Array.isArray(blobs)) throw new Error(`pack ${name}: no blob list`);
  });
  return packs as Array<{ name: string; size: number; blobs: unknown[] }>;
}

function blobEntry(value: unknown, where: string): PackRecord['blobs'][number] {
  if (!Array.isArray(value) || value.length !== 5) throw new Error(`${where}: not a blob entry`);
  const [id, type, offset, length, rawLength] = value as unknown[];
  if (typeof id !== 'string' || !BLOB_ID.test(id)) throw new Error(`${where}: bad blob id`);
  if (type !== 0 && type !== 1) throw new Error(`${where}: bad blob type`);
  if (!Number.isSafeInteger(offset) || !Number.isSafeInteger(length) || !Number.isSafeInteger(rawLength)) {
    throw new Error(`${where}: bad blob offset or length`);
  }
  return { id, type, offset: offset as number, length: length as number, rawLength: rawLength as number };
}

/**
 * An index file's JSON, `{"v":1,"packs":[{"name","size","blobs":[[id,type,offset,length,rawLength]…]}…]}`,
 * made as packs come, in UTF-8 pieces (sealed-json.ts): the same text JSON.stringify gave of that
 * object, without the whole string, a list per blob or the whole plaintext. A put-mail's index
 * file names ≈ 30,000 blobs (≈ 3 MB of text); kept as records until its flush, they were ≈ 4 MB
 * of the main thread's live heap (and its heap grows ≈ 2.5× its live size between collections).
 */
/** A number's JSON text: its decimal digits for a safe integer (all an index file holds), else JSON.stringify's. */
const number = (value: number): string => (Number.isSafeInteger(value) ? `${value}` : JSON.stringify(value));

class IndexFileText {
  private out = new JsonPieces();
  private packs = 0;

  get empty(): boolean {
    return this.packs === 0;
  }

  add(pack: PackRecord): void {
    const { out } = this;
    out.add(
      `${this.packs++ === 0 ? '{"v":1,"packs":[' : ','}{"name":${JSON.stringify(pack.name)},"size":${JSON.stringify(pack.size)},"blobs":[`,
    );
    pack.blobs.forEach((blob, b) => {
      out.add(
        `${b > 0 ? ',' : ''}[${JSON.stringify(blob.id)},${number(blob.type)},${number(blob.offset)},${number(blob.length)},${number(blob.rawLength)}]`,
      );
    });
    out.add(']}');
  }

  /** The whole file's plaintext in pieces; the text is empty afterwards. */
  done(): Buffer[] {
    if (this.packs === 0) this.out.add('{"v":1,"packs":[');
    this.out.add(']}');
    this.packs = 0;
    return this.out.done();
  }
}

/** An index file's plaintext naming `packs`, in pieces (see IndexFileText). */
export function indexFilePieces(packs: readonly PackRecord[]): Buffer[] {
  const text = new IndexFileText();
  for (const pack of packs) text.add(pack);
  return text.done();
}

export function encodeIndexFile(dataKey: Uint8Array, packs: readonly PackRecord[]): Buffer {
  const pieces = indexFilePieces(packs);
  try {
    return seal(dataKey, pieces, INDEX_AAD);
  } finally {
    for (const piece of pieces) releaseBuffer(piece);
  }
}

export function decodeIndexFile(dataKey: Uint8Array, name: string, sealed: Buffer): PackRecord[] {
  const plaintext = open(dataKey, sealed, INDEX_AAD, `index ${name}`);
  const text = plaintext.toString();
  // Freed now, not at the next full collection: a restore's start-up held the index file's
  // plaintext for its first second (docs/benchmarks.md, "Memory, round six").
  releaseBuffer(plaintext);
  const packs = indexPacks(JSON.parse(text));
  return packs.map((pack) => ({
    name: pack.name,
    size: pack.size,
    blobs: pack.blobs.map((entry, i) => blobEntry(entry, `index ${name}: pack ${pack.name} blob ${i}`)),
  }));
}

export interface RepositoryIndex extends BlobIndex {
  /** Reads every index file now in the repository; unreadable ones are listed in `unreadable`. */
  load(): Promise<void>;
  /** Index files that could not be opened (damaged): rebuild-index replaces them. */
  readonly unreadable: string[];
  /** Replaces the whole index by `packs`: one new index file, then the known old ones deleted. */
  replaceAll(packs: readonly PackRecord[]): Promise<void>;
}

/** Writes index files for packs as they are added; keeps nothing but the unwritten ones. */
export interface IndexFileWriter {
  add(packs: readonly PackRecord[]): void;
  /** Writes one index file naming every pack added since the last flush; returns its name. */
  flush(): Promise<string | undefined>;
  /** Forgets the unwritten packs (a replacing file names them). */
  clear(): void;
}

export function createIndexFileWriter(backend: Backend, dataKey: Uint8Array): IndexFileWriter {
  // The unwritten packs as the file's text, not as records (see IndexFileText).
  let unflushed = new IndexFileText();
  return {
    add(packs) {
      for (const pack of packs) unflushed.add(pack);
    },
    async flush() {
      if (unflushed.empty) return undefined;
      const text = unflushed;
      unflushed = new IndexFileText();
      return writeIndexPieces(backend, dataKey, text.done());
    },
    clear() {
      unflushed = new IndexFileText();
    },
  };
}

function writeIndexFile(backend: Backend, dataKey: Uint8Array, packs: readonly PackRecord[]): Promise<string> {
  return writeIndexPieces(backend, dataKey, indexFilePieces(packs));
}

async function writeIndexPieces(backend: Backend, dataKey: Uint8Array, pieces: Buffer[]): Promise<string> {
  const name = `index/${randomBytes(16).toString('hex')}`;
  await putSealed(backend, name, dataKey, pieces, INDEX_AAD);
  return name;
}

/** The in-repository index: the union of the `index/` files (standalone use and recovery). */
export function createRepositoryIndex(backend: Backend, dataKey: Uint8Array): RepositoryIndex {
  let table = new PackTable();
  const knownFiles = new Set<string>();
  const unreadable: string[] = [];
  const files = createIndexFileWriter(backend, dataKey);

  async function replaceAll(packs: readonly PackRecord[]): Promise<void> {
    const old = [...knownFiles];
    // New file first, then the old ones: a crash in between leaves duplicates, never a gap.
    knownFiles.add(await writeIndexFile(backend, dataKey, packs));
    for (const name of old) {
      await backend.delete(name);
      knownFiles.delete(name);
    }
    unreadable.length = 0;
    table = new PackTable();
    for (const pack of packs) table.add(pack);
    // The new file names every pack we know, the unflushed ones included.
    files.clear();
  }

  return {
    async load() {
      for await (const object of backend.list('index/')) {
        if (knownFiles.has(object.name)) continue;
        knownFiles.add(object.name);
        let packs: PackRecord[];
        let sealed: Buffer | undefined;
        try {
          // The read inside too: a file the backend cannot read (an I/O error, a refusal) is
          // as unreadable as a damaged one.
          sealed = await backend.get(object.name);
          packs = decodeIndexFile(dataKey, object.name, sealed);
        } catch (error) {
          // A damaged index file must not make the repository unusable: its packs are still
          // self-describing, and rebuild-index (which deletes this file) restores them.
          unreadable.push(`${object.name}: ${(error as Error).message}`);
          continue;
        } finally {
          if (sealed) releaseBuffer(sealed);
        }
        for (const pack of packs) table.add(pack);
      }
    },
    async lookup(ids) {
      return lookupIn(table, ids);
    },
    usable(ids, condemned, anyCopy) {
      return usableIn(table, ids, condemned, anyCopy);
    },
    async addPacks(packs) {
      for (const pack of packs) table.add(pack);
      files.add(packs);
    },
    async removePacks(names) {
      const removed = new Set(names);
      await replaceAll([...table.records()].filter((pack) => !removed.has(pack.name)));
    },
    async *packs() {
      yield* table.records();
    },
    async flush() {
      const name = await files.flush();
      if (name) knownFiles.add(name);
    },
    replaceAll,
    unreadable,
  };
}
