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

function text(seed: string, bytes: number, intl = false): string {
  const random = createSeededRandom(seed);
  const parts: string[] = [];
  let length = 0;
  let lineLength = 0;
  while (length < bytes) {
    const word = intl && random.chance(0.15) ? random.pick(INTL_WORDS) : random.pick(WORDS);
    parts.push(word);
    length += word.length + 1;
    lineLength += word.length + 1;
    if (lineLength > 70) {
      parts.push('\r\n');
      lineLength = 0;
    } else parts.push(' ');
  }
  return parts.join('');
}

export interface PooledAttachment {
  filename: string;
  mimeType: string;
  base64: string;
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
    return { filename, mimeType, size, base64: wrapBase64(bytes) };
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
export function renderGeneratedMail(domainSeed: string, message: MailMessage, gen: GeneratedMail): Buffer {
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
        `Content-Transfer-Encoding: base64\r\nContent-ID: <${cid}>\r\n\r\n${image?.base64 ?? ''}\r\n--r${boundary}--\r\n`;
      break;
    }
    case 'attachment':
    case 'large': {
      const pool = attachmentPool(domainSeed);
      let attachmentBody: string;
      let attachmentName: string;
      let attachmentType: string;
      if (gen.kind === 'large') {
        attachmentBody = wrapBase64(createSeededRandom(`${gen.seed}/large`).bytes(Math.floor(gen.bodyBytes * 0.74)));
        attachmentName = 'Large video.mp4';
        attachmentType = 'video/mp4';
      } else {
        const attachment = pool[(gen.attachment ?? 0) % pool.length];
        attachmentBody = attachment?.base64 ?? '';
        attachmentName = attachment?.filename ?? 'file.bin';
        attachmentType = attachment?.mimeType ?? 'application/octet-stream';
      }
      const shortText = gen.kind === 'large' ? text(`${gen.seed}/body`, 400) : bodyText;
      out =
        `${headers.join('\r\n')}\r\nContent-Type: multipart/mixed; boundary="m${boundary}"\r\n\r\n` +
        `--m${boundary}\r\nContent-Type: multipart/alternative; boundary="a${boundary}"\r\n\r\n` +
        `--a${boundary}\r\n${plainPart(shortText)}--a${boundary}\r\n${htmlPart(shortText)}--a${boundary}--\r\n` +
        `--m${boundary}\r\nContent-Type: ${attachmentType}; name="${encodeHeaderWord(attachmentName)}"\r\n` +
        `Content-Disposition: attachment; filename="${encodeHeaderWord(attachmentName)}"\r\nContent-Transfer-Encoding: base64\r\n\r\n` +
        `${attachmentBody}\r\n--m${boundary}--\r\n`;
      break;
    }
  }
  return Buffer.from(out, 'utf8');
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
  const body = end >= 0 ? head.slice(bodyStart) : '';
  const snippet = body
    .split(/\r?\n/)
    .filter((line) => !/^(--|Content-|MIME-)/i.test(line) && !/^[A-Za-z0-9+/=]{60,}$/.test(line))
    .join(' ')
    .replace(/<[^>]*>/g, ' ')
    .replace(/\s+/g, ' ')
    .trim()
    .slice(0, 200);
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
