// Splits a raw RFC 822 message at MIME part boundaries (RFC 2046 §5.1.1) so that each large
// part body — an attachment — is its own segment and is stored once however many messages
// carry it (docs/repository-format.md §4). The MIME tree is walked from the top: boundaries
// are read from header blocks only (the message's, each part's, an attached message's), and a
// body is searched only for its own entity's delimiter lines, so the bytes of a large base64
// attachment are scanned once. Correctness never depends on the parse: the segments are
// contiguous ranges, and the message is always their concatenation. The same walk notes
// whether the message has an attachment (a part marked or named as one, a part that is not
// text, an attached message), which browse shows as a mark: only the header blocks of parts are
// read for it, and small parts only until one is found.
import { type ChunkerParams, chunkLengths } from './fastcdc.ts';

export const MIN_PART_SEGMENT = 2 * 1024;
export const MAX_SEGMENT = 4 * 1024 * 1024;
const LARGE_SEGMENT_CHUNKER: ChunkerParams = { minSize: 512 * 1024, avgSize: 1024 * 1024, maxSize: MAX_SEGMENT };

/** Entities nested deeper than this are left whole (a message can nest without limit). */
const MAX_DEPTH = 16;
/** The Content-Type field's value, folded lines included (RFC 5322 §2.2.3). */
const CONTENT_TYPE = /^content-type[ \t]*:((?:[^\r\n]|\r?\n[ \t])*)/im;
const BOUNDARY_PARAMETER = /(?:^|[;\s])boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))/i;
const MULTIPART = /^\s*multipart\//i;
const ATTACHED_MESSAGE = /^\s*message\/(?:rfc822|global)\b/i;
/**
 * A leaf part is an attachment when it is marked as one, named (a `filename` or a `name`
 * parameter: inline images included, as mail readers list them — RFC 2183, RFC 2046 §4.5.1),
 * or not text (a PDF, an image: what the message reader lists as attachments).
 */
const DISPOSITION_ATTACHMENT = /^content-disposition[ \t]*:[ \t]*attachment\b/im;
const NOT_TEXT = /^\s*(?!text\/|multipart\/)[\w.+-]+\/[\w.+-]+/i;
const NAMED_PART =
  /^content-(?:disposition|type)[ \t]*:(?:[^\r\n]|\r?\n[ \t])*?(?:[; \t]|\r?\n[ \t])(?:file)?name(?:\*\d+)?\*?\s*=/im;
const CR = 13;
const LF = 10;
const DASH = 45;

/** Offset just after the blank line ending the headers that start at `from`, or -1. */
function findBlankLine(raw: Buffer, from: number, to: number): number {
  if (raw[from] === CR && raw[from + 1] === LF) return from + 2;
  if (raw[from] === LF) return from + 1;
  const part = raw.subarray(from, to);
  const crlf = part.indexOf('\r\n\r\n');
  // A "\n\n" wins only if it ends before that "\r\n\r\n" does, so it is looked for only up to
  // there: in a CRLF message there is none, and searching the whole rest of the part scanned
  // every byte of each attachment (and of the whole message, for its own header block).
  const lf = (crlf === -1 ? part : part.subarray(0, crlf + 3)).indexOf('\n\n');
  const candidates = [crlf === -1 ? -1 : crlf + 4, lf === -1 ? -1 : lf + 2].filter((x) => x !== -1);
  return candidates.length === 0 ? -1 : from + Math.min(...candidates);
}

function contentType(headers: string): string {
  return CONTENT_TYPE.exec(headers)?.[1] ?? '';
}

/** The boundary of a multipart entity whose header block is `headers`, if it is one. */
function multipartBoundary(headers: string): string | undefined {
  const type = contentType(headers);
  if (!MULTIPART.test(type)) return undefined;
  const match = BOUNDARY_PARAMETER.exec(type);
  return match?.[1] ?? match?.[2];
}

/**
 * Delimiter lines of `boundary` within [from, to): where each line's break starts (the body
 * before it ends there) and where the line ends. Stops after the close delimiter.
 */
function delimiters(raw: Buffer, boundary: string, from: number, to: number) {
  const needle = Buffer.from(`--${boundary}`, 'latin1');
  const within = raw.subarray(0, to);
  const found: Array<{ lineBreak: number; lineEnd: number }> = [];
  let at = within.indexOf(needle, from);
  while (at !== -1) {
    const after = at + needle.length;
    const next = raw[after];
    const closes = next === DASH && raw[after + 1] === DASH;
    // "--b" at a line start, followed by the end of the line, padding or "--" (not "--bx").
    const isDelimiter =
      raw[at - 1] === LF && (after >= to || closes || next === CR || next === LF || next === 32 || next === 9);
    if (!isDelimiter) {
      at = within.indexOf(needle, at + 1);
      continue;
    }
    const lineBreak = raw[at - 2] === CR ? at - 2 : at - 1;
    const eol = within.indexOf(LF, after);
    const lineEnd = eol === -1 ? to : eol + 1;
    found.push({ lineBreak, lineEnd });
    if (closes) break;
    at = within.indexOf(needle, lineEnd);
  }
  return found;
}

/** One walk of a message: its bytes, the smallest body worth a segment, the bodies found. */
interface Walk {
  raw: Buffer;
  minSize: number;
  bodies: Array<[number, number]>;
  hasAttachments: boolean;
}

function isAttachment(headers: string): boolean {
  return DISPOSITION_ATTACHMENT.test(headers) || NAMED_PART.test(headers) || NOT_TEXT.test(contentType(headers));
}

/** Adds the large leaf bodies of the multipart entity whose body is [from, to). */
function visitMultipart(walk: Walk, boundary: string, from: number, to: number, depth: number): void {
  const { raw, minSize } = walk;
  const lines = delimiters(raw, boundary, from, to);
  for (let i = 0; i + 1 < lines.length; i++) {
    const partStart = lines[i]!.lineEnd;
    const partEnd = lines[i + 1]!.lineBreak;
    // A small part is read only while no attachment has been seen (its headers, or a small multipart's parts).
    if (partEnd - partStart < minSize && walk.hasAttachments) continue;
    const headerEnd = findBlankLine(raw, partStart, partEnd);
    if (headerEnd === -1) continue;
    visitEntity(walk, raw.toString('latin1', partStart, headerEnd), headerEnd, partEnd, depth);
  }
}

/** An entity (a part, or an attached message) with headers `headers` and body [from, to). */
function visitEntity(walk: Walk, headers: string, from: number, to: number, depth: number): void {
  const small = to - from < walk.minSize;
  if (small && walk.hasAttachments) return;
  if (depth < MAX_DEPTH) {
    const boundary = multipartBoundary(headers);
    if (boundary) {
      visitMultipart(walk, boundary, from, to, depth + 1);
      return;
    }
    if (ATTACHED_MESSAGE.test(contentType(headers))) {
      // An attached message: its own attachments are cut out when it is a multipart itself.
      const innerEnd = findBlankLine(walk.raw, from, to);
      const inner = innerEnd === -1 ? undefined : multipartBoundary(walk.raw.toString('latin1', from, innerEnd));
      walk.hasAttachments = true;
      if (inner) {
        visitMultipart(walk, inner, innerEnd, to, depth + 1);
        return;
      }
    }
  }
  if (!walk.hasAttachments && isAttachment(headers)) walk.hasAttachments = true;
  if (!small) walk.bodies.push([from, to]);
}

/**
 * The walk of a message: byte ranges [start, end) of the bodies of parts that deserve their own
 * segment, in order, and whether it has an attachment.
 */
function walkMessage(raw: Buffer, minSize: number): Walk {
  const walk: Walk = { raw, minSize, bodies: [], hasAttachments: false };
  const headerEnd = findBlankLine(raw, 0, raw.length);
  if (headerEnd === -1) return walk;
  const headers = raw.toString('latin1', 0, headerEnd);
  const boundary = multipartBoundary(headers);
  if (boundary) visitMultipart(walk, boundary, headerEnd, raw.length, 1);
  // A message that is one part only is an attachment when that part is (a lone PDF, say).
  else walk.hasAttachments = isAttachment(headers);
  return walk;
}

/** Segment lengths of a message: their concatenation is the message. */
export function splitMail(raw: Uint8Array, minPartSize: number = MIN_PART_SEGMENT): number[] {
  return splitMailParts(raw, minPartSize).lengths;
}

/** Segment lengths of a message (their concatenation is the message) and whether it has an attachment. */
export function splitMailParts(
  raw: Uint8Array,
  minPartSize: number = MIN_PART_SEGMENT,
): { lengths: number[]; hasAttachments: boolean } {
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength);
  const walk = walkMessage(bytes, minPartSize);
  const cuts: number[] = [0];
  for (const [start, end] of walk.bodies) {
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
  return { lengths, hasAttachments: walk.hasAttachments };
}
