// Splits a raw RFC 822 message at MIME part boundaries (RFC 2046 §5.1.1) so that each large
// part body — an attachment — is its own segment and is stored once however many messages
// carry it (docs/repository-format.md §4). Correctness never depends on the parse: the
// segments are contiguous ranges, and the message is always their concatenation.
import { type ChunkerParams, chunkLengths } from './fastcdc.ts';

export const MIN_PART_SEGMENT = 2 * 1024;
export const MAX_SEGMENT = 4 * 1024 * 1024;
const LARGE_SEGMENT_CHUNKER: ChunkerParams = { minSize: 512 * 1024, avgSize: 1024 * 1024, maxSize: MAX_SEGMENT };

const BOUNDARY_VALUE = /^\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/;
const CR = 13;
const LF = 10;

/** Every `boundary=` parameter value in the message (searched on bytes: messages are large). */
function findBoundaries(raw: Buffer): Set<string> {
  const boundaries = new Set<string>();
  let at = raw.indexOf('oundary');
  while (at !== -1) {
    const before = raw[at - 1];
    if (before === 0x62 || before === 0x42) {
      const match = BOUNDARY_VALUE.exec(raw.toString('latin1', at + 7, Math.min(raw.length, at + 7 + 220)));
      const value = match?.[1] ?? match?.[2];
      if (value) boundaries.add(value);
    }
    at = raw.indexOf('oundary', at + 7);
  }
  return boundaries;
}

/** Byte ranges [start, end) of the bodies of parts that deserve their own segment. */
function largePartBodies(raw: Buffer, minSize: number): Array<[number, number]> {
  const boundaries = findBoundaries(raw);
  if (boundaries.size === 0) return [];
  // Every delimiter line: position of its line break (start of "\r\n--b" / "\n--b") and its end.
  const delimiters: Array<{ lineBreak: number; lineEnd: number }> = [];
  for (const boundary of boundaries) {
    const needle = Buffer.from(`\n--${boundary}`, 'latin1');
    let at = raw.indexOf(needle);
    while (at !== -1) {
      const lineBreak = at > 0 && raw[at - 1] === CR ? at - 1 : at;
      const eol = raw.indexOf(LF, at + needle.length);
      delimiters.push({ lineBreak, lineEnd: eol === -1 ? raw.length : eol + 1 });
      at = raw.indexOf(needle, at + needle.length);
    }
  }
  delimiters.sort((a, b) => a.lineBreak - b.lineBreak);
  const bodies: Array<[number, number]> = [];
  for (let i = 0; i + 1 < delimiters.length; i++) {
    const partStart = delimiters[i]!.lineEnd;
    const partEnd = delimiters[i + 1]!.lineBreak;
    if (partEnd - partStart < minSize) continue;
    const headerEnd = findBlankLine(raw, partStart, partEnd);
    if (headerEnd === -1 || partEnd - headerEnd < minSize) continue;
    // A nested multipart's body contains delimiters itself; its own parts are found separately.
    const nested = raw.toString('latin1', partStart, headerEnd).toLowerCase().includes('multipart/');
    if (!nested) bodies.push([headerEnd, partEnd]);
  }
  return bodies;
}

/** Offset just after the blank line ending the headers that start at `from`, or -1. */
function findBlankLine(raw: Buffer, from: number, to: number): number {
  if (raw[from] === CR && raw[from + 1] === LF) return from + 2;
  if (raw[from] === LF) return from + 1;
  const part = raw.subarray(from, to);
  const crlf = part.indexOf('\r\n\r\n');
  const lf = part.indexOf('\n\n');
  const candidates = [crlf === -1 ? -1 : crlf + 4, lf === -1 ? -1 : lf + 2].filter((x) => x !== -1);
  return candidates.length === 0 ? -1 : from + Math.min(...candidates);
}

/** Segment lengths of a message: their concatenation is the message. */
export function splitMail(raw: Uint8Array, minPartSize: number = MIN_PART_SEGMENT): number[] {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const cuts: number[] = [0];
  for (const [start, end] of largePartBodies(bytes, minPartSize)) {
    if (start < cuts[cuts.length - 1]!) continue;
    if (start > cuts[cuts.length - 1]!) cuts.push(start);
    cuts.push(end);
  }
  if (cuts[cuts.length - 1]! < raw.length) cuts.push(raw.length);
  const lengths: number[] = [];
  for (let i = 0; i + 1 < cuts.length; i++) {
    const start = cuts[i]!;
    const length = cuts[i + 1]! - start;
    if (length <= MAX_SEGMENT) lengths.push(length);
    else lengths.push(...chunkLengths(raw.subarray(start, start + length), LARGE_SEGMENT_CHUNKER, true));
  }
  if (lengths.length === 0) lengths.push(0);
  return lengths;
}
