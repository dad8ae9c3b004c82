// Sealed JSON objects (snapshots, index files: docs/repository-format.md §4–§6) written in pieces.
// A put-mail of 20,000 messages ends with a 3–4 MB snapshot and a 3 MB index file, each once
// held as a JSON string, its UTF-8 buffer and its sealed copy, at the moment the backup's memory
// peaks (docs/benchmarks.md, "Memory, round five"). Here the JSON text is made in pieces of
// ≈ 64 KiB, exactly the bytes JSON.stringify gives, and each piece is encrypted, written and freed
// in turn where the backend streams objects (`Backend.create`: visible only once committed,
// whole; a crash leaves a temporary file, as a put's would). The bytes on disk are the same. The
// plaintext is still made whole before the first write (in pieces: no JSON string and no sealed
// copy besides it); making and writing the pieces in turn would hold ≈ 1 MiB instead.
import type { Backend } from './backend.ts';
import { createSealer, seal } from './blob-crypto.ts';
import { releaseBuffer } from './release.ts';

const PIECE_CHARS = 64 * 1024;
/** Ciphertext gathered before a write (one writev). */
const WRITE_BYTES = 1024 * 1024;

/** JSON text gathered into UTF-8 pieces of about `pieceChars` characters each. */
export class JsonPieces {
  private readonly pieceChars: number;
  private readonly pieces: Buffer[] = [];
  private text = '';

  constructor(pieceChars = PIECE_CHARS) {
    this.pieceChars = pieceChars;
  }

  add(text: string): void {
    this.text += text;
    if (this.text.length >= this.pieceChars) {
      // Unpooled (Buffer.from pools short strings): each piece is freed by hand once sealed.
      this.pieces.push(ownBuffer(this.text));
      this.text = '';
    }
  }

  /** The pieces; the builder is empty afterwards. */
  done(): Buffer[] {
    if (this.text.length > 0) this.pieces.push(ownBuffer(this.text));
    this.text = '';
    return this.pieces.splice(0);
  }
}

function ownBuffer(text: string): Buffer {
  const buffer = Buffer.allocUnsafeSlow(Buffer.byteLength(text));
  buffer.write(text);
  return buffer;
}

/** `JSON.isRawJSON` where the runtime has it (Node 21+). */
const isRawJson = (JSON as { isRawJSON?: (value: unknown) => boolean }).isRawJSON ?? (() => false);

/** What JSON.stringify serialises for `value` under `key`: its toJSON(key) if it has one. */
function viaToJson(value: unknown, key: string): unknown {
  return typeof value === 'object' && value !== null && typeof (value as { toJSON?: unknown }).toJSON === 'function'
    ? (value as { toJSON: (key: string) => unknown }).toJSON(key)
    : value;
}

function isPlainContainer(value: unknown): value is Record<string, unknown> | unknown[] {
  if (typeof value !== 'object' || value === null || isRawJson(value)) return false;
  if (typeof (value as { toJSON?: unknown }).toJSON === 'function') return false;
  if (Array.isArray(value)) return Object.getPrototypeOf(value) === Array.prototype;
  const prototype = Object.getPrototypeOf(value);
  return prototype === Object.prototype || prototype === null;
}

/**
 * `JSON.stringify(value)` as UTF-8 pieces whose concatenation is byte for byte the same. Plain
 * objects and arrays are walked (keys in JSON.stringify's order, undefined, functions and symbols
 * left out of objects and null in arrays); anything else (a Date, a class instance, a string) is
 * handed to JSON.stringify whole. Throws as JSON.stringify would on a cycle or a BigInt.
 */
export function jsonPieces(value: unknown, pieceChars = PIECE_CHARS): Buffer[] {
  const out = new JsonPieces(pieceChars);
  const ancestors = new Set<object>();
  const write = (item: unknown): void => {
    if (!isPlainContainer(item)) {
      out.add(JSON.stringify(item) ?? 'null');
      return;
    }
    if (ancestors.has(item)) throw new TypeError('Converting circular structure to JSON');
    ancestors.add(item);
    if (Array.isArray(item)) {
      out.add('[');
      for (let i = 0; i < item.length; i++) {
        if (i > 0) out.add(',');
        write(viaToJson(item[i], String(i)));
      }
      out.add(']');
    } else {
      out.add('{');
      let first = true;
      for (const key of Object.keys(item)) {
        const member = viaToJson(item[key], key);
        if (member === undefined || typeof member === 'function' || typeof member === 'symbol') continue;
        // A member whose toJSON gives undefined is left out too: JSON.stringify says so.
        const text = isPlainContainer(member) ? undefined : JSON.stringify(member);
        if (text === undefined && !isPlainContainer(member)) continue;
        out.add(first ? `${JSON.stringify(key)}:` : `,${JSON.stringify(key)}:`);
        first = false;
        if (text === undefined) write(member);
        else out.add(text);
      }
      out.add('}');
    }
    ancestors.delete(item);
  };
  if (value === undefined || typeof value === 'function' || typeof value === 'symbol') {
    throw new TypeError('jsonPieces: the value has no JSON text');
  }
  write(value);
  return out.done();
}

/**
 * Seals `pieces` (the plaintext, in order) as one object and stores it under `name`: streamed
 * where the backend can (each piece encrypted, written and freed in turn; nothing is visible until
 * the commit, and a failure aborts the object), else sealed whole and put. The pieces are freed
 * either way: the caller must not use them afterwards.
 */
export async function putSealed(
  backend: Backend,
  name: string,
  dataKey: Uint8Array,
  pieces: Buffer[],
  aad: Uint8Array,
): Promise<void> {
  if (!backend.create) {
    const sealed = seal(dataKey, pieces, aad);
    for (const piece of pieces.splice(0)) releaseBuffer(piece);
    await backend.put(name, sealed);
    return;
  }
  const sealer = createSealer(dataKey, aad);
  const writer = await backend.create(name);
  try {
    let batch: Buffer[] = [sealer.head];
    let batchBytes = 0;
    const writeBatch = async (): Promise<void> => {
      const parts = batch;
      batch = [];
      batchBytes = 0;
      await writer.write(parts);
      for (const part of parts) releaseBuffer(part);
    };
    for (let i = 0; i < pieces.length; i++) {
      const ciphertext = sealer.update(pieces[i]!);
      releaseBuffer(pieces[i]!);
      batch.push(ciphertext);
      batchBytes += ciphertext.length;
      if (batchBytes >= WRITE_BYTES) await writeBatch();
    }
    pieces.length = 0;
    batch.push(sealer.final());
    await writeBatch();
    await writer.commit();
  } catch (error) {
    await writer.abort().catch(() => undefined);
    throw error;
  }
}
