// The few header fields of a raw RFC 5322 message that browse, search and restore need
// (subject, from, to, cc, date, Message-ID), read from the header block at backup time and
// kept in the item version's metadata. RFC 2047 encoded words are decoded; unknown charsets
// fall back to the raw text rather than failing the backup.

export interface MailHeaders {
  subject?: string;
  from?: string;
  to?: string;
  cc?: string;
  date?: string;
  /** The Message-ID header without angle brackets (Gmail's `rfc822msgid:` search term). */
  messageIdHeader?: string;
}

/** Header fields are looked for in the first 64 KiB: a header block larger than that is malformed. */
const HEADER_LIMIT = 64 * 1024;
/** Metadata is indexed and shown in lists: long header values are cut. */
const VALUE_LIMIT = 1000;

export function readMailHeaders(raw: Uint8Array): MailHeaders {
  // Only the header block becomes a string (messages are large, their headers small).
  const bytes = Buffer.from(raw.buffer, raw.byteOffset, Math.min(raw.length, HEADER_LIMIT));
  // The block ends at the first blank line. A bare-LF blank line counts only before the first
  // CRLF one (searching all 64 KiB of a CRLF message for LF LF cost more than the parsing).
  const crlf = bytes.indexOf('\r\n\r\n');
  const lf = bytes.subarray(0, crlf >= 0 ? crlf : bytes.length).indexOf('\n\n');
  const block = bytes.toString('latin1', 0, lf >= 0 ? lf : crlf >= 0 ? crlf : bytes.length);
  const fields = new Map<string, string>();
  let name: string | null = null;
  let value = '';
  const keep = () => {
    if (name && !fields.has(name)) fields.set(name, value);
  };
  for (const line of block.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && name) {
      value += ` ${line.trim()}`;
      continue;
    }
    keep();
    const colon = line.indexOf(':');
    name = colon > 0 ? line.slice(0, colon).trim().toLowerCase() : null;
    value = colon > 0 ? line.slice(colon + 1).trim() : '';
  }
  keep();
  const text = (field: string): string | undefined => {
    const found = fields.get(field);
    return found === undefined ? undefined : decodeHeaderValue(found).slice(0, VALUE_LIMIT);
  };
  const headers: MailHeaders = {};
  const assign = (key: keyof MailHeaders, found: string | undefined) => {
    if (found !== undefined && found !== '') headers[key] = found;
  };
  assign('subject', text('subject'));
  assign('from', text('from'));
  assign('to', text('to'));
  assign('cc', text('cc'));
  assign('date', text('date'));
  assign('messageIdHeader', fields.get('message-id')?.trim().replace(/^<|>$/g, '').slice(0, VALUE_LIMIT));
  return headers;
}

const EIGHT_BIT = /[\x80-\xff]/;
const UTF8 = new TextDecoder('utf-8', { fatal: true });

/** Decodes RFC 2047 encoded words; 8-bit header bytes are taken as UTF-8 when they form valid UTF-8. */
export function decodeHeaderValue(latin1: string): string {
  let value = latin1;
  // Most values are ASCII without encoded words: neither a copy of their bytes nor a decoder
  // (this runs for five fields of every message backed up).
  if (EIGHT_BIT.test(latin1)) {
    try {
      value = UTF8.decode(Buffer.from(latin1, 'latin1'));
    } catch {
      // Not UTF-8: keep the bytes as Latin-1 text.
    }
  }
  if (!value.includes('=?')) return value;
  // Whitespace between two adjacent encoded words is not part of the text (RFC 2047 §6.2).
  return value
    .replace(/(=\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)\s+(?==\?[^?\s]+\?[bBqQ]\?[^?\s]*\?=)/g, '$1')
    .replace(/=\?([^?\s]+)\?([bBqQ])\?([^?\s]*)\?=/g, (word, charset: string, encoding: string, payload: string) => {
      const data =
        encoding.toUpperCase() === 'B'
          ? Buffer.from(payload, 'base64')
          : Buffer.from(
              payload
                .replace(/_/g, ' ')
                .replace(/=([0-9A-Fa-f]{2})/g, (_, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
              'latin1',
            );
      try {
        return new TextDecoder(charset.replace(/\*.*$/, '').toLowerCase()).decode(data);
      } catch {
        return word;
      }
    });
}
