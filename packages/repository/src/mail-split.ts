// Splits a raw RFC 822 message at MIME part boundaries (RFC 2046 §5.1.1) so that each large
// part body — an attachment — is its own segment and is stored once however many messages
// carry it (docs/repository-format.md §4). Correctness never depends on the parse: the
// segments are contiguous ranges, and the message is always their concatenation.
import { type ChunkerParams, chunkLengths } from './fastcdc.ts';

export const MIN_PART_SEGMENT = 2 * 1024;
export const MAX_SEGMENT = 4 * 1024 * 1024;
const LARGE_SEGMENT_CHUNKER: ChunkerParams = { minSize: 512 * 1024, avgSize: 1024 * 1024, maxSize: MAX_SEGMENT };

const BOUNDARY_PARAM = /boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/gi;

/** Byte ranges [start, end) of the bodies of parts that deserve their own segment. */
function largePartBodies(text: string, minSize: number): Array<[number, number]> {
  const boundaries = new Set<string>();
  for (const match of text.matchAll(BOUNDARY_PARAM)) {
    const value = match[1] ?? match[2];
    if (value) boundaries.add(value);
  }
  if (boundaries.size === 0) return [];
  // Every delimiter line: position of its line break (start of "\r\n--b" / "\n--b") and its end.
  const delimiters: Array<{ lineBreak: number; lineEnd: number }> = [];
  for (const boundary of boundaries) {
    const needle = `\n--${boundary}`;
    let at = text.indexOf(needle);
    while (at !== -1) {
      const lineBreak = at > 0 && text.charCodeAt(at - 1) === 13 ? at - 1 : at;
      const eol = text.indexOf('\n', at + needle.length);
      delimiters.push({ lineBreak, lineEnd: eol === -1 ? text.length : eol + 1 });
      at = text.indexOf(needle, at + needle.length);
    }
  }
  delimiters.sort((a, b) => a.lineBreak - b.lineBreak);
  const bodies: Array<[number, number]> = [];
  for (let i = 0; i + 1 < delimiters.length; i++) {
    const partStart = delimiters[i]!.lineEnd;
    const partEnd = delimiters[i + 1]!.lineBreak;
    if (partEnd - partStart < minSize) continue;
    const headerEnd = findBlankLine(text, partStart, partEnd);
    if (headerEnd === -1 || partEnd - headerEnd < minSize) continue;
    // A nested multipart's body contains delimiters itself; its own parts are found separately.
    const nested = text.slice(partStart, headerEnd).toLowerCase().includes('multipart/');
    if (!nested) bodies.push([headerEnd, partEnd]);
  }
  return bodies;
}

function findBlankLine(text: string, from: number, to: number): number {
  if (text.startsWith('\r\n', from)) return from + 2;
  if (text.startsWith('\n', from)) return from + 1;
  const crlf = text.indexOf('\r\n\r\n', from);
  const lf = text.indexOf('\n\n', from);
  const candidates = [crlf === -1 ? -1 : crlf + 4, lf === -1 ? -1 : lf + 2].filter((x) => x !== -1 && x <= to);
  return candidates.length === 0 ? -1 : Math.min(...candidates);
}

/** Segment lengths of a message: their concatenation is the message. */
export function splitMail(raw: Uint8Array, minPartSize: number = MIN_PART_SEGMENT): number[] {
  const text = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength).toString('latin1');
  const cuts: number[] = [0];
  for (const [start, end] of largePartBodies(text, minPartSize)) {
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
