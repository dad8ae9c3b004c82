// RFC 822 messages: renders generated messages lazily from their seed (plain, HTML
// alternative, inline image, attachment from a shared pool, non-ASCII, large), and parses the
// headers of stored messages for search and snippets.
import { createSeededRandom } from './seeded-random.ts';
import type { GeneratedMail, MailMessage } from './state.ts';

const WORDS = (
  'the project budget meeting review quarter report team update draft proposal client schedule invoice ' +
  'contract deadline design launch plan notes agenda follow up thanks please attached summary release ' +
  'customer feedback roadmap hiring office travel expenses approval migration backup storage security'
).split(' ');
const INTL_WORDS = 'Grüße Änderung café naïve façade Zürich überprüfen 日本語 résumé señor Ωmega Привет'.split(' ');

function wrapBase64(buffer: Buffer): string {
  const text = buffer.toString('base64');
  const lines: string[] = [];
  for (let i = 0; i < text.length; i += 76) lines.push(text.slice(i, i + 76));
  return lines.join('\r\n');
}

const corpusCache = new Map<boolean, string>();

/** A fixed corpus of words; message bodies are slices of it at seed-derived offsets (cheap to render). */
function corpus(intl: boolean): string {
  const cached = corpusCache.get(intl);
  if (cached) return cached;
  const random = createSeededRandom(`corpus/${intl}`);
  const parts: string[] = [];
  let length = 0;
  let lineLength = 0;
  while (length < 160_000) {
    const word = intl && random.chance(0.15) ? random.pick(INTL_WORDS) : random.pick(WORDS);
    parts.push(word);
    length += word.length + 1;
    lineLength += word.length + 1;
    if (lineLength > 70) {
      parts.push('\r\n');
      lineLength = 0;
    } else parts.push(' ');
  }
  const text = parts.join('');
  corpusCache.set(intl, text);
  return text;
}

function hashSeed(seed: string): number {
  let h = 2166136261;
  for (let i = 0; i < seed.length; i++) h = Math.imul(h ^ seed.charCodeAt(i), 16777619);
  return h >>> 0;
}

function text(seed: string, bytes: number, intl = false): string {
  const source = corpus(intl);
  const size = Math.min(bytes, source.length - 1);
  let start = hashSeed(seed) % (source.length - size);
  const space = source.indexOf(' ', start);
  if (space >= 0 && space < start + 40 && space + size < source.length) start = space + 1;
  return source.slice(start, start + size);
}

export interface PooledAttachment {
  filename: string;
  mimeType: string;
  base64: string;
  /** The same base64 text as bytes (padded to a multiple of 3), ready to splice into a message. */
  base64Bytes: Buffer;
  /** base64url of base64Bytes, computed on first use. */
  base64url?: Buffer;
  size: number;
}

const poolCache = new Map<string, PooledAttachment[]>();

/** A pool of attachments shared by many mailboxes (the same bytes appear in many messages). */
export function attachmentPool(seed: string): PooledAttachment[] {
  const cached = poolCache.get(seed);
  if (cached) return cached;
  const random = createSeededRandom(`${seed}/attachments`);
  const specs: [string, string, number][] = [
    ['Quarterly report.pdf', 'application/pdf', 180_000],
    ['Budget 2026.xlsx', 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet', 95_000],
    ['Team photo.jpg', 'image/jpeg', 620_000],
    ['Contract signed.pdf', 'application/pdf', 410_000],
    [
      'Présentation client.pptx',
      'application/vnd.openxmlformats-officedocument.presentationml.presentation',
      1_200_000,
    ],
    ['logo.png', 'image/png', 24_000],
    ['Notes.txt', 'text/plain', 6_000],
    ['Archive.zip', 'application/zip', 850_000],
  ];
  const pool = specs.map(([filename, mimeType, size]) => {
    const bytes = random.bytes(size);
    const base64 = wrapBase64(bytes);
    const padded = base64 + '\r\n'.repeat((3 - ((base64.length * 2) % 3)) % 3);
    return { filename, mimeType, size, base64: padded, base64Bytes: Buffer.from(padded, 'latin1') };
  });
  poolCache.set(seed, pool);
  return pool;
}

export function encodeHeaderWord(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: checking for non-ASCII
  if (/^[\x00-\x7f]*$/.test(value)) return value;
  return `=?UTF-8?B?${Buffer.from(value, 'utf8').toString('base64')}?=`;
}

function rfc2822Date(ms: number): string {
  return new Date(ms).toUTCString().replace('GMT', '+0000');
}

/** Renders a generated message's bytes; the same recipe always gives the same bytes. */
export interface MailPieces {
  /** Headers and text parts; a multiple of 3 bytes when an attachment follows. */
  head: Buffer;
  /** Base64 text of an attachment (a multiple of 3 bytes), with its base64url encoding when pooled. */
  attachment?: { bytes: Buffer; base64url?: Buffer };
  tail: Buffer;
}

/** Renders a generated message's bytes; the same recipe always gives the same bytes. */
export function renderGeneratedMail(domainSeed: string, message: MailMessage, gen: GeneratedMail): Buffer {
  const pieces = renderGeneratedPieces(domainSeed, message, gen);
  return pieces.attachment ? Buffer.concat([pieces.head, pieces.attachment.bytes, pieces.tail]) : pieces.head;
}

/**
 * The message in pieces aligned on 3-byte boundaries, so base64url(message) is the
 * concatenation of the pieces' encodings and a pooled attachment's encoding is computed once.
 */
export function renderGeneratedPieces(domainSeed: string, message: MailMessage, gen: GeneratedMail): MailPieces {
  const boundary = `000000000000${gen.seed.replace(/[^a-z0-9]/gi, '').slice(-16)}`;
  const headers = [
    `From: ${message.from}`,
    `To: ${message.to}`,
    ...(gen.cc ? [`Cc: ${gen.cc}`] : []),
    `Subject: ${encodeHeaderWord(message.subject)}`,
    `Date: ${rfc2822Date(message.internalDate)}`,
    `Message-ID: ${message.messageIdHeader}`,
    ...(gen.inReplyTo ? [`In-Reply-To: ${gen.inReplyTo}`, `References: ${gen.inReplyTo}`] : []),
    'MIME-Version: 1.0',
  ];
  const bodyText = text(`${gen.seed}/body`, gen.bodyBytes, gen.kind === 'intl');
  const plainPart = (body: string) =>
    `Content-Type: text/plain; charset="UTF-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n${body}\r\n`;
  const htmlPart = (body: string, extra = '') =>
    `Content-Type: text/html; charset="UTF-8"\r\nContent-Transfer-Encoding: 8bit\r\n\r\n<div dir="ltr">${body.replace(/\r\n/g, '<br>')}${extra}</div>\r\n`;
  let out: string;
  let attachmentBytes: Buffer | undefined;
  let pooled: PooledAttachment | undefined;
  let tail = '';
  switch (gen.kind) {
    case 'plain':
    case 'intl':
      out = `${headers.join('\r\n')}\r\n${plainPart(bodyText)}`;
      break;
    case 'html':
      out =
        `${headers.join('\r\n')}\r\nContent-Type: multipart/alternative; boundary="${boundary}"\r\n\r\n` +
        `--${boundary}\r\n${plainPart(bodyText)}--${boundary}\r\n${htmlPart(bodyText)}--${boundary}--\r\n`;
      break;
    case 'inline': {
      const image = attachmentPool(domainSeed)[5];
      const cid = `ii_${gen.seed.slice(-8)}`;
      out =
        `${headers.join('\r\n')}\r\nContent-Type: multipart/related; boundary="r${boundary}"\r\n\r\n` +
        `--r${boundary}\r\nContent-Type: multipart/alternative; boundary="a${boundary}"\r\n\r\n` +
        `--a${boundary}\r\n${plainPart(bodyText)}--a${boundary}\r\n${htmlPart(bodyText, `<img src="cid:${cid}">`)}--a${boundary}--\r\n` +
        `--r${boundary}\r\nContent-Type: image/png; name="logo.png"\r\nContent-Disposition: inline; filename="logo.png"\r\n` +
        `Content-Transfer-Encoding: base64\r\nContent-ID: <${cid}>\r\n\r\n`;
      attachmentBytes = image?.base64Bytes;
      pooled = image;
      tail = `\r\n--r${boundary}--\r\n`;
      break;
    }
    case 'attachment':
    case 'large': {
      const pool = attachmentPool(domainSeed);
      let attachmentBody: Buffer;
      let attachmentName: string;
      let attachmentType: string;
      if (gen.kind === 'large') {
        attachmentBody = Buffer.from(
          wrapBase64(createSeededRandom(`${gen.seed}/large`).bytes(Math.floor(gen.bodyBytes * 0.74))),
          'latin1',
        );
        attachmentName = 'Large video.mp4';
        attachmentType = 'video/mp4';
      } else {
        const attachment = pool[(gen.attachment ?? 0) % pool.length];
        attachmentBody = attachment?.base64Bytes ?? Buffer.alloc(0);
        pooled = attachment;
        attachmentName = attachment?.filename ?? 'file.bin';
        attachmentType = attachment?.mimeType ?? 'application/octet-stream';
      }
      const shortText = gen.kind === 'large' ? text(`${gen.seed}/body`, 400) : bodyText;
      out =
        `${headers.join('\r\n')}\r\nContent-Type: multipart/mixed; boundary="m${boundary}"\r\n\r\n` +
        `--m${boundary}\r\nContent-Type: multipart/alternative; boundary="a${boundary}"\r\n\r\n` +
        `--a${boundary}\r\n${plainPart(shortText)}--a${boundary}\r\n${htmlPart(shortText)}--a${boundary}--\r\n` +
        `--m${boundary}\r\nContent-Type: ${attachmentType}; name="${encodeHeaderWord(attachmentName)}"\r\n` +
        `Content-Disposition: attachment; filename="${encodeHeaderWord(attachmentName)}"\r\nContent-Transfer-Encoding: base64\r\n\r\n`;
      attachmentBytes = attachmentBody;
      tail = `\r\n--m${boundary}--\r\n`;
      break;
    }
  }
  if (!attachmentBytes) return { head: Buffer.from(out, 'utf8'), tail: Buffer.alloc(0) };
  // Pad the part headers with spaces (ignored before the blank line) to a 3-byte boundary.
  let head = Buffer.from(out, 'utf8');
  const pad = (3 - (head.length % 3)) % 3;
  if (pad) head = Buffer.from(`${out.slice(0, -4)}${' '.repeat(pad)}\r\n\r\n`, 'utf8');
  if (pooled && !pooled.base64url) pooled.base64url = Buffer.from(pooled.base64Bytes.toString('base64url'), 'latin1');
  return {
    head,
    attachment: { bytes: attachmentBytes, base64url: pooled?.base64url },
    tail: Buffer.from(tail, 'latin1'),
  };
}

export function estimateGeneratedSize(domainSeed: string, gen: GeneratedMail): number {
  const overhead = 600;
  switch (gen.kind) {
    case 'plain':
    case 'intl':
      return overhead + gen.bodyBytes;
    case 'html':
      return overhead + gen.bodyBytes * 2 + 200;
    case 'inline':
      return overhead + gen.bodyBytes * 2 + (attachmentPool(domainSeed)[5]?.base64.length ?? 0);
    case 'attachment':
      return (
        overhead +
        gen.bodyBytes * 2 +
        (attachmentPool(domainSeed)[(gen.attachment ?? 0) % attachmentPool(domainSeed).length]?.base64.length ?? 0)
      );
    case 'large':
      return overhead + gen.bodyBytes;
  }
}

export interface ParsedHeaders {
  from: string;
  to: string;
  cc: string;
  subject: string;
  messageId: string;
  date: number | undefined;
  snippet: string;
  headers: [string, string][];
}

function decodeEncodedWords(value: string): string {
  return value.replace(
    /=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g,
    (_match, _charset: string, encoding: string, data: string) => {
      if (encoding.toUpperCase() === 'B') return Buffer.from(data, 'base64').toString('utf8');
      const bytes = data
        .replace(/_/g, ' ')
        .replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(parseInt(hex, 16)));
      return Buffer.from(bytes, 'latin1').toString('utf8');
    },
  );
}

const SNIPPET_LENGTH = 200;
/** Body lines that are not text: MIME boundaries and part headers, base64 blocks. */
const isStructureLine = (line: string) => /^(--|Content-|MIME-)/i.test(line) || /^[A-Za-z0-9+/=]{60,}$/.test(line);

/** The snippet of the text lines of `body` (tags and runs of white space collapsed), at most 200 characters. */
function snippetFromLines(lines: readonly string[]): string {
  return lines
    .join(' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, SNIPPET_LENGTH);
}

/**
 * The snippet of the body starting at `from`, reading its lines only until the snippet is
 * decided: once the text so far gives more than 200 characters and leaves no tag open, the
 * lines after it cannot change the first 200 (a message with attachments is mostly base64
 * lines that the snippet skips anyway).
 */
function snippetOf(text: string, from: number): string {
  const lines: string[] = [];
  let textLength = 0;
  // Checked at lengths doubling, so a body that never decides early costs linear time.
  let checkAt = 2 * SNIPPET_LENGTH;
  let start = from;
  for (;;) {
    const newline = text.indexOf('\n', start);
    const raw = newline < 0 ? text.slice(start) : text.slice(start, newline);
    const line = raw.endsWith('\r') && newline >= 0 ? raw.slice(0, -1) : raw;
    if (!isStructureLine(line)) {
      lines.push(line);
      textLength += line.length + 1;
      if (textLength > checkAt) {
        checkAt = 2 * textLength;
        const joined = lines.join(' ');
        const decided = joined.lastIndexOf('<') < joined.lastIndexOf('>') || !joined.includes('<');
        if (decided) {
          const snippet = joined
            .replace(/<[^>]*>/g, ' ')
            .replace(/\s+/g, ' ')
            .trimStart();
          if (snippet.length > SNIPPET_LENGTH + 1) return snippet.slice(0, SNIPPET_LENGTH);
        }
      }
    }
    if (newline < 0) return snippetFromLines(lines);
    start = newline + 1;
  }
}

/** Parses the header block of an RFC 822 message (unfolding, RFC 2047 words) and a snippet. */
export function parseMessageHeaders(raw: Buffer): ParsedHeaders {
  const head = raw.subarray(0, Math.min(raw.length, 64 * 1024)).toString('utf8');
  let end = head.indexOf('\r\n\r\n');
  let bodyStart = end + 4;
  const lfEnd = head.indexOf('\n\n');
  if (end < 0 || (lfEnd >= 0 && lfEnd < end)) {
    end = lfEnd;
    bodyStart = lfEnd + 2;
  }
  const block = end >= 0 ? head.slice(0, end) : head;
  const headers: [string, string][] = [];
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1];
      if (last) last[1] += ` ${line.trim()}`;
    } else {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
  }
  const get = (name: string) => decodeEncodedWords(headers.find(([key]) => key.toLowerCase() === name)?.[1] ?? '');
  const dateText = get('date');
  const parsedDate = dateText ? Date.parse(dateText) : Number.NaN;
  const snippet = end >= 0 ? snippetOf(head, bodyStart) : '';
  return {
    from: get('from'),
    to: get('to'),
    cc: get('cc'),
    subject: get('subject'),
    messageId: get('message-id'),
    date: Number.isNaN(parsedDate) ? undefined : parsedDate,
    snippet,
    headers: headers.map(([key, value]) => [key, decodeEncodedWords(value)]),
  };
}
