// The in-memory index's table: every indexed pack and where each blob id lives in them, held in
// a few typed arrays instead of one object and one 64-character string per blob. A restore of
// 20,000 messages (29,000 blobs) kept 8.7 MiB of its main thread's heap in the objects (a hex
// id ≈ 88 bytes, the pack entry, its location and the map's list ≈ 170 more); here a blob is
// 32 bytes of id and 33 of columns (docs/benchmarks.md, "Memory, round four"). Ids are hex
// strings at the edges (lookup's arguments, the records given back), as everywhere else.

import { BLOB_ID } from './blob-crypto.ts';
import type { BlobType, PackEntry, PackRecord } from './pack.ts';

export interface BlobLocation {
  pack: string;
  type: BlobType;
  offset: number;
  length: number;
  rawLength: number;
}

const ID_BYTES = 32;
const ID_WORDS = ID_BYTES / 4;
const EMPTY = -1;

/** Columns of `rows` blobs, grown by doubling. */
class BlobColumns {
  ids: Buffer;
  words: Uint32Array;
  pack: Int32Array;
  type: Uint8Array;
  offset: Float64Array;
  length: Float64Array;
  rawLength: Float64Array;
  /** The next row with the same id (a blob stored in several packs), or EMPTY. */
  next: Int32Array;

  constructor(capacity: number) {
    // Buffer.alloc never hands out a slice of Node's pool: the words view starts at 0.
    this.ids = Buffer.alloc(capacity * ID_BYTES);
    this.words = new Uint32Array(this.ids.buffer, this.ids.byteOffset, capacity * ID_WORDS);
    this.pack = new Int32Array(capacity);
    this.type = new Uint8Array(capacity);
    this.offset = new Float64Array(capacity);
    this.length = new Float64Array(capacity);
    this.rawLength = new Float64Array(capacity);
    this.next = new Int32Array(capacity);
  }

  get capacity(): number {
    return this.pack.length;
  }

  grownTo(capacity: number, rows: number): BlobColumns {
    const grown = new BlobColumns(capacity);
    grown.ids.set(this.ids.subarray(0, rows * ID_BYTES));
    grown.pack.set(this.pack.subarray(0, rows));
    grown.type.set(this.type.subarray(0, rows));
    grown.offset.set(this.offset.subarray(0, rows));
    grown.length.set(this.length.subarray(0, rows));
    grown.rawLength.set(this.rawLength.subarray(0, rows));
    grown.next.set(this.next.subarray(0, rows));
    return grown;
  }
}

/** Blob ids are keyed hashes: two of their words mixed spread any set of ids (tests' counters too). */
function slotOf(words: Uint32Array, first: number, mask: number): number {
  const h = Math.imul(words[first]! ^ words[first + ID_WORDS - 1]!, 0x9e3779b1);
  return (h ^ (h >>> 15)) & mask;
}

export class PackTable {
  private readonly packs: Array<{ name: string; size: number; first: number; count: number }> = [];
  private readonly packNumbers = new Map<string, number>();
  private columns = new BlobColumns(1024);
  private rows = 0;
  /** Open addressing, linear probing: the first row of each distinct id, or EMPTY. */
  private slots = new Int32Array(2048).fill(EMPTY);
  private distinct = 0;
  /** The last row of each chain of two or more copies, by its first row (copies are rare). */
  private readonly tails = new Map<number, number>();
  /** One id's bytes, to look it up (and its words). */
  private readonly probe = Buffer.alloc(ID_BYTES);
  private readonly probeWords = new Uint32Array(this.probe.buffer, this.probe.byteOffset, ID_WORDS);

  /** This table without the packs named in `removed` (gc's removal: rare, so rebuilt whole). */
  without(removed: ReadonlySet<string>): PackTable {
    const rest = new PackTable();
    for (const record of this.records()) if (!removed.has(record.name)) rest.add(record);
    return rest;
  }

  has(name: string): boolean {
    return this.packNumbers.has(name);
  }

  get size(): number {
    return this.packs.length;
  }

  add(pack: PackRecord): void {
    if (this.packNumbers.has(pack.name)) return;
    // Buffer.write would store an upper-case, short or non-hex id as some other id's bytes.
    // Checked before anything changes: a refused pack leaves no part of itself behind.
    for (const blob of pack.blobs) {
      if (!BLOB_ID.test(blob.id)) throw new Error(`pack ${pack.name}: not a blob id: ${JSON.stringify(blob.id)}`);
    }
    const number = this.packs.length;
    this.packNumbers.set(pack.name, number);
    this.packs.push({ name: pack.name, size: pack.size, first: this.rows, count: pack.blobs.length });
    if (this.rows + pack.blobs.length > this.columns.capacity) {
      let capacity = this.columns.capacity * 2;
      while (capacity < this.rows + pack.blobs.length) capacity *= 2;
      this.columns = this.columns.grownTo(capacity, this.rows);
    }
    for (const blob of pack.blobs) this.addBlob(number, blob);
  }

  private addBlob(pack: number, blob: PackEntry): void {
    const c = this.columns;
    const row = this.rows++;
    c.ids.write(blob.id, row * ID_BYTES, ID_BYTES, 'hex');
    c.pack[row] = pack;
    c.type[row] = blob.type;
    c.offset[row] = blob.offset;
    c.length[row] = blob.length;
    c.rawLength[row] = blob.rawLength;
    c.next[row] = EMPTY;
    const slot = this.find(c.words, row * ID_WORDS);
    const head = this.slots[slot]!;
    if (head === EMPTY) {
      this.slots[slot] = row;
      if (++this.distinct * 2 > this.slots.length) this.rehash();
      return;
    }
    // Another copy of a known blob: last in its chain, so copies keep the order they were added in
    // (the chain's last row is kept per head: an id stored in k packs costs k, not k²).
    c.next[this.tails.get(head) ?? head] = row;
    this.tails.set(head, row);
  }

  /** The slot holding the id at `words[first…]`, or the empty slot where it would go. */
  private find(words: Uint32Array, first: number): number {
    const mask = this.slots.length - 1;
    const ids = this.columns.words;
    for (let slot = slotOf(words, first, mask); ; slot = (slot + 1) & mask) {
      const row = this.slots[slot]!;
      if (row === EMPTY) return slot;
      let same = true;
      for (let w = 0; w < ID_WORDS; w++) {
        if (ids[row * ID_WORDS + w] !== words[first + w]) {
          same = false;
          break;
        }
      }
      if (same) return slot;
    }
  }

  private rehash(): void {
    const heads = this.slots.filter((row) => row !== EMPTY);
    this.slots = new Int32Array(this.slots.length * 2).fill(EMPTY);
    for (const row of heads) this.slots[this.find(this.columns.words, row * ID_WORDS)] = row;
  }

  /** Every location of `id` (hex), in the order its packs were added; empty when unknown. */
  locations(id: string): BlobLocation[] {
    if (!BLOB_ID.test(id)) return [];
    this.probe.write(id, 'hex');
    const found: BlobLocation[] = [];
    const c = this.columns;
    for (let row = this.slots[this.find(this.probeWords, 0)]!; row !== EMPTY; row = c.next[row]!) {
      found.push(this.location(row));
    }
    return found;
  }

  /**
   * The location usableLocations (blob-index.ts) would choose for `id`: the first copy outside
   * `condemned`, or with `anyCopy` the first copy; undefined when there is none. One object, no
   * list of every copy (a restore asks this of each of its 50,000 ids).
   */
  usable(id: string, condemned: ReadonlySet<string>, anyCopy: boolean): BlobLocation | undefined {
    if (!BLOB_ID.test(id)) return undefined;
    this.probe.write(id, 'hex');
    const c = this.columns;
    const head = this.slots[this.find(this.probeWords, 0)]!;
    let chosen = EMPTY;
    for (let row = head; row !== EMPTY; row = c.next[row]!) {
      if (!condemned.has(this.packs[c.pack[row]!]!.name)) {
        chosen = row;
        break;
      }
    }
    if (chosen === EMPTY && anyCopy) chosen = head;
    return chosen === EMPTY ? undefined : this.location(chosen);
  }

  private location(row: number): BlobLocation {
    const c = this.columns;
    return {
      pack: this.packs[c.pack[row]!]!.name,
      type: c.type[row] as BlobType,
      offset: c.offset[row]!,
      length: c.length[row]!,
      rawLength: c.rawLength[row]!,
    };
  }

  /**
   * The packs known when called, in the order they were added, each with its blobs (made afresh,
   * one pack at a time: the caller may keep or change them).
   */
  *records(): Generator<PackRecord> {
    for (const { name, size, first, count } of this.packs.slice()) {
      const c = this.columns;
      const blobs: PackEntry[] = [];
      for (let row = first; row < first + count; row++) {
        blobs.push({
          id: c.ids.toString('hex', row * ID_BYTES, (row + 1) * ID_BYTES),
          type: c.type[row] as BlobType,
          offset: c.offset[row]!,
          length: c.length[row]!,
          rawLength: c.rawLength[row]!,
        });
      }
      yield { name, size, blobs };
    }
  }
}
