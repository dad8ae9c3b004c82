// Content lines shared by iCalendar (RFC 5545 §3.1) and vCard (RFC 6350 §3.2, RFC 2426 §2.6):
// NAME;PARAM=VALUE:value, text escaping, and folding at 75 octets with CRLF + space without
// splitting a UTF-8 character.

/**
 * Escapes a TEXT value: backslash, comma, newlines and — in iCalendar text and in the parts of
 * a structured vCard value, not in plain vCard text (RFC 6350 §3.4) — semicolons.
 */
export function escapeText(value: string, options: { semicolons?: boolean } = {}): string {
  const escaped = value
    .replace(/\\/g, '\\\\')
    .replace(/,/g, '\\,')
    .replace(/\r\n|\r|\n/g, '\\n');
  return options.semicolons === false ? escaped : escaped.replace(/;/g, '\\;');
}

/** A parameter value: quoted when it holds `:`, `;` or `,`; DQUOTE and control characters cannot appear. */
export function paramValue(value: string): string {
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is removed
  const clean = value.replace(/"/g, "'").replace(/[\u0000-\u001f\u007f]/g, ' ');
  return /[:;,]/.test(clean) ? `"${clean}"` : clean;
}

/** Splits a line into chunks of at most 75 octets (the first) and 74 (the rest, after the space). */
export function foldLine(line: string): string {
  const bytes = Buffer.from(line, 'utf8');
  if (bytes.length <= 75) return line;
  const parts: string[] = [];
  let start = 0;
  let limit = 75;
  while (start < bytes.length) {
    let end = Math.min(start + limit, bytes.length);
    // Never cut inside a UTF-8 sequence: back up to the start of a character.
    while (end < bytes.length && end > start && ((bytes[end] ?? 0) & 0xc0) === 0x80) end--;
    parts.push(bytes.subarray(start, end).toString('utf8'));
    start = end;
    limit = 74;
  }
  return parts.join('\r\n ');
}

export type Params = Record<string, string | undefined>;

/** One folded content line ending in CRLF; `value` is used as given (escape text values first). */
export function contentLine(name: string, value: string, params: Params = {}): string {
  const rendered = Object.entries(params)
    .filter((entry): entry is [string, string] => entry[1] !== undefined && entry[1] !== '')
    .map(([key, param]) => `;${key}=${paramValue(param)}`)
    .join('');
  return `${foldLine(`${name}${rendered}:${value}`)}\r\n`;
}

/** A text property, or nothing when the value is empty. */
export function textLine(
  name: string,
  value: unknown,
  params: Params = {},
  options: { semicolons?: boolean } = {},
): string {
  return typeof value === 'string' && value !== '' ? contentLine(name, escapeText(value, options), params) : '';
}
