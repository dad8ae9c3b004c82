// Reading one backed-up message (issue 17, the message viewer): every header in order, the
// body as text, and the attachments by MIME part path ("2", "2.1", as IMAP numbers parts).
// postal-mime does the decoding — transfer encodings, charsets, RFC 2047 words, RFC 2231 file
// names. An HTML-only body is turned into text here (htmlToText). It does not say where a part sits,
// so this file walks the multipart structure itself (boundaries only, nothing decoded) to number
// the parts, and hands each leaf part to postal-mime on its own to decode it.
import PostalMime, { type Address } from 'postal-mime';
import { type ItemVersion, openTenantRepository, readVersionBytes } from '../backup/index.ts';

export interface MessageHeader {
  name: string;
  value: string;
}

export interface AttachmentInfo {
  /** The MIME part path: "1" for a single-part message, "2", "2.1" … in a multipart one. */
  part: string;
  filename: string | null;
  mimeType: string;
  /** Decoded bytes. */
  size: number;
}

export interface ReadMessage {
  subject: string | null;
  from: string | null;
  to: string | null;
  cc: string | null;
  date: string | null;
  headers: MessageHeader[];
  text: string;
  attachments: AttachmentInfo[];
}

export interface AttachmentContent {
  filename: string | null;
  mimeType: string;
  content: Uint8Array;
}

/** The stored raw message (.eml bytes) of a Gmail item version. */
export async function rawMessage(
  ctx: Parameters<typeof openTenantRepository>[0],
  customerId: string,
  version: ItemVersion,
): Promise<Buffer> {
  // One worker thread is plenty for one message.
  const repository = await openTenantRepository(ctx, customerId);
  try {
    const chunks: Buffer[] = [];
    for await (const chunk of readVersionBytes(repository, version)) chunks.push(chunk);
    return Buffer.concat(chunks);
  } finally {
    await repository.close();
  }
}

/** Nesting deeper than this is not a message anyone wrote; postal-mime refuses deeper still. */
const MAX_DEPTH = 50;

/** The message as the viewer shows it. */
export async function readMessage(raw: Uint8Array): Promise<ReadMessage> {
  const email = await PostalMime.parse(raw, { attachmentEncoding: 'arraybuffer' });
  const attachments: AttachmentInfo[] = [];
  for (const leaf of leafParts(raw)) {
    const decoded = await decodeAttachment(leaf.bytes);
    if (decoded) {
      attachments.push({
        part: leaf.path,
        filename: decoded.filename,
        mimeType: decoded.mimeType,
        size: decoded.content.byteLength,
      });
    }
  }
  return {
    subject: email.subject ?? null,
    from: email.from ? addressText([email.from]) : null,
    to: email.to ? addressText(email.to) : null,
    cc: email.cc ? addressText(email.cc) : null,
    date: email.date ?? null,
    headers: email.headers.map((header) => ({ name: header.originalKey, value: header.value })),
    // postal-mime fills `text` from text parts only: an HTML-only message is turned into text here.
    text: email.text ?? (email.html ? htmlToText(email.html) : ''),
    attachments,
  };
}

/** One attachment's decoded bytes, or null when the part does not exist or is not an attachment. */
export async function messageAttachment(raw: Uint8Array, part: string): Promise<AttachmentContent | null> {
  const leaf = leafParts(raw).find((entry) => entry.path === part);
  return leaf ? decodeAttachment(leaf.bytes) : null;
}

/**
 * A leaf part decoded on its own: an attachment when postal-mime would list it as one (not
 * a body text part, not a multipart). A forwarded message (message/rfc822) is one attachment.
 */
async function decodeAttachment(entity: Uint8Array): Promise<AttachmentContent | null> {
  const email = await PostalMime.parse(entity, { attachmentEncoding: 'arraybuffer', forceRfc822Attachments: true });
  const found = email.attachments[0];
  if (!found) return null;
  const content =
    typeof found.content === 'string' ? Buffer.from(found.content, 'utf8') : new Uint8Array(found.content);
  return { filename: found.filename, mimeType: found.mimeType, content };
}

function addressText(addresses: readonly Address[]): string {
  return addresses
    .flatMap((address) => ('group' in address && address.group ? address.group : [address]))
    .map((mailbox) => {
      const email = 'address' in mailbox ? mailbox.address : '';
      return mailbox.name ? `${mailbox.name} <${email}>` : email;
    })
    .join(', ');
}

interface LeafPart {
  path: string;
  /** The part's own header block and body, as a standalone MIME entity. */
  bytes: Uint8Array;
}

/** Every non-multipart part with its path, in document order. */
export function leafParts(raw: Uint8Array): LeafPart[] {
  const leaves: LeafPart[] = [];
  walk(Buffer.from(raw.buffer, raw.byteOffset, raw.byteLength), '', 0, leaves);
  return leaves;
}

function walk(entity: Buffer, path: string, depth: number, leaves: LeafPart[]): void {
  const { header, bodyStart } = splitHeader(entity);
  const boundary = depth < MAX_DEPTH ? multipartBoundary(header) : null;
  if (!boundary) {
    // IMAP numbers the body of a single-part message "1".
    leaves.push({ path: path || '1', bytes: entity });
    return;
  }
  const children = splitMultipart(entity.subarray(bodyStart), boundary);
  children.forEach((child, index) => {
    walk(child, path ? `${path}.${index + 1}` : `${index + 1}`, depth + 1, leaves);
  });
}

/** The header block (unfolded, Latin-1) and where the body starts. */
function splitHeader(entity: Buffer): { header: string; bodyStart: number } {
  const crlf = entity.indexOf('\r\n\r\n');
  const lf = entity.subarray(0, crlf >= 0 ? crlf : entity.length).indexOf('\n\n');
  if (lf >= 0) return { header: entity.toString('latin1', 0, lf), bodyStart: lf + 2 };
  if (crlf >= 0) return { header: entity.toString('latin1', 0, crlf), bodyStart: crlf + 4 };
  // A part may be headers only, or (headers left out) body only: no blank line at all.
  return /^[\w-]+:/.test(entity.toString('latin1', 0, 200))
    ? { header: entity.toString('latin1'), bodyStart: entity.length }
    : { header: '', bodyStart: 0 };
}

/** The boundary of a multipart/* Content-Type, or null. */
function multipartBoundary(header: string): string | null {
  const unfolded = header.replace(/\r?\n[ \t]+/g, ' ');
  const contentType = /^content-type:[ \t]*(.*)$/im.exec(unfolded)?.[1];
  if (!contentType || !/^multipart\//i.test(contentType.trim())) return null;
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType);
  return match?.[1] ?? match?.[2] ?? null;
}

/** The parts between `--boundary` lines, up to the closing `--boundary--` (preamble and epilogue dropped). */
function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`, 'latin1');
  const starts: Array<{ at: number; next: number; closing: boolean }> = [];
  let from = 0;
  while (from <= body.length) {
    const at = body.indexOf(delimiter, from);
    if (at < 0) break;
    const lineStart = at === 0 || body[at - 1] === 0x0a;
    const after = at + delimiter.length;
    const closing = body[after] === 0x2d && body[after + 1] === 0x2d;
    const eol = body.indexOf(0x0a, after);
    if (lineStart) {
      starts.push({ at, next: eol < 0 ? body.length : eol + 1, closing });
      if (closing) break;
    }
    from = after;
  }
  const parts: Buffer[] = [];
  for (let i = 0; i < starts.length - 1; i++) {
    const start = starts[i] as (typeof starts)[number];
    const end = starts[i + 1] as (typeof starts)[number];
    if (start.closing) break;
    // The line break before a delimiter belongs to the delimiter (RFC 2046 §5.1.1).
    let stop = end.at;
    if (body[stop - 1] === 0x0a) stop -= 1;
    if (body[stop - 1] === 0x0d) stop -= 1;
    parts.push(body.subarray(start.next, Math.max(start.next, stop)));
  }
  const last = starts.at(-1);
  if (last && !last.closing) parts.push(body.subarray(last.next));
  return parts;
}

/** Named entities common in mail; any other named one is left as written. */
const namedEntities: Record<string, string> = {
  amp: '&',
  lt: '<',
  gt: '>',
  quot: '"',
  apos: "'",
  nbsp: ' ',
  euro: '€',
  pound: '£',
  copy: '©',
  reg: '®',
  trade: '™',
  mdash: '—',
  ndash: '–',
  hellip: '…',
  laquo: '«',
  raquo: '»',
  lsquo: '‘',
  rsquo: '’',
  ldquo: '“',
  rdquo: '”',
  bull: '•',
  middot: '·',
  deg: '°',
};

function decodeEntities(text: string): string {
  return text.replace(/&(#x[0-9a-f]{1,6}|#[0-9]{1,7}|[a-z]{2,8});/gi, (whole, name: string) => {
    if (name[0] === '#') {
      const code = name[1] === 'x' || name[1] === 'X' ? Number.parseInt(name.slice(2), 16) : Number(name.slice(1));
      return code > 0 && code <= 0x10ffff && (code < 0xd800 || code > 0xdfff) ? String.fromCodePoint(code) : whole;
    }
    return namedEntities[name.toLowerCase()] ?? whole;
  });
}

/**
 * An HTML body as readable text: scripts, styles and the head dropped, line and block breaks
 * kept, list items marked, links followed by their address, every other tag removed. Only
 * for reading — the message itself is never rendered as HTML.
 */
export function htmlToText(html: string): string {
  return decodeEntities(
    html
      .replace(/<!--[\s\S]*?-->/g, ' ')
      .replace(/<(script|style|head|title)\b[\s\S]*?<\/\1\s*>/gi, ' ')
      .replace(/<a\b[^>]*\bhref\s*=\s*["']?([^"'\s>]+)[^>]*>([\s\S]*?)<\/a\s*>/gi, (_, href: string, label: string) =>
        label.replace(/<[^>]*>/g, '').trim() === href ? href : `${label} (${href})`,
      )
      .replace(/\s+/g, ' ')
      .replace(/<br\b[^>]*>/gi, '\n')
      .replace(/<li\b[^>]*>/gi, '\n* ')
      .replace(/<\/?(p|div|table|tr|h[1-6]|ul|ol|blockquote|pre|section|article|header|footer)\b[^>]*>/gi, '\n\n')
      .replace(/<\/?(td|th)\b[^>]*>/gi, ' ')
      .replace(/<hr\b[^>]*>/gi, '\n----\n')
      .replace(/<[^>]*>/g, ''),
  )
    .split('\n')
    .map((line) => line.replace(/[ \t\u00a0]+/g, ' ').trim())
    .join('\n')
    .replace(/\n{3,}/g, '\n\n')
    .trim();
}
