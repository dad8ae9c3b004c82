// Names of things in an export and in a download: path segments safe on every file system
// (no separators, reserved characters, "..", control characters or trailing dots), unique
// within one zip (" (2)" before the extension), and Content-Disposition headers that carry
// the original Unicode name (RFC 6266 / RFC 8187) with an ASCII fallback.

const maxSegmentBytes = 120;

/** One path segment: reserved characters replaced, trimmed, never empty, "." or "..". */
export function safeSegment(name: string): string {
  const clean = trimDotsAndSpaces(
    name
      // A lone surrogate cannot be written as UTF-8: it becomes U+FFFD.
      .toWellFormed()
      // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are what is replaced
      .replace(/[\u0000-\u001f\u007f<>:"/\\|?*]/g, '_')
      // Bidirectional controls would show "invoice\u202Efdp.exe" as "invoiceexe.pdf".
      .replace(/[\u200e\u200f\u202a-\u202e\u2066-\u2069]/g, '_'),
  );
  // Cut at whole characters; the cut may end in a dot or space, trimmed again.
  const segment = trimDotsAndSpaces(cutToBytes(clean, maxSegmentBytes));
  if (segment === '' || reservedWindowsName.test(segment)) {
    return trimDotsAndSpaces(cutToBytes(`_${segment}`, maxSegmentBytes));
  }
  return segment;
}

const reservedWindowsName = /^(con|prn|aux|nul|com\d|lpt\d)(\..*)?$/i;

function trimDotsAndSpaces(text: string): string {
  return text.replace(/^[\s.]+|[\s.]+$/g, '');
}

/** The longest prefix of whole characters (code points) within `maxBytes` of UTF-8. */
function cutToBytes(text: string, maxBytes: number): string {
  if (Buffer.byteLength(text) <= maxBytes) return text;
  let cut = '';
  let bytes = 0;
  for (const character of text) {
    bytes += Buffer.byteLength(character);
    if (bytes > maxBytes) break;
    cut += character;
  }
  return cut;
}

/** A file name kept within the length limit with its extension intact. */
export function safeFileName(name: string, extension = ''): string {
  const base = safeSegment(name);
  if (!extension) return base;
  const suffix = extension.startsWith('.') ? extension : `.${extension}`;
  const stem = base.toLowerCase().endsWith(suffix.toLowerCase()) ? base.slice(0, -suffix.length) : base;
  const trimmed = cutToBytes(stem, maxSegmentBytes - Buffer.byteLength(suffix));
  return `${trimmed || '_'}${suffix}`;
}

/** Hands out zip paths, making each one unique (case-insensitively, as on Windows and macOS). */
export class UniquePaths {
  private readonly used = new Set<string>();

  take(segments: string[]): string {
    const directory = segments.slice(0, -1).map(safeSegment);
    const file = safeSegment(segments.at(-1) ?? '_');
    const dot = file.lastIndexOf('.');
    const stem = dot > 0 ? file.slice(0, dot) : file;
    const extension = dot > 0 ? file.slice(dot) : '';
    for (let n = 1; ; n++) {
      // The counter goes before the extension, the stem cut so the name stays within the limit.
      const counter = ` (${n})${extension}`;
      const numbered = `${cutToBytes(stem, maxSegmentBytes - Buffer.byteLength(counter))}${counter}`;
      const candidate = [...directory, n === 1 ? file : numbered].join('/');
      const key = candidate.toLowerCase();
      if (!this.used.has(key)) {
        this.used.add(key);
        return candidate;
      }
    }
  }
}

/** `attachment; filename="ascii"; filename*=UTF-8''percent-encoded`. */
export function contentDisposition(fileName: string): string {
  const ascii = fileName.replace(/[^\x20-\x7e]/g, '_').replace(/["\\]/g, '_');
  const encoded = encodeURIComponent(fileName).replace(
    /['()*]/g,
    (c) => `%${c.charCodeAt(0).toString(16).toUpperCase()}`,
  );
  return `attachment; filename="${ascii}"; filename*=UTF-8''${encoded}`;
}

const officeExtensions: Record<string, string> = {
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document': 'docx',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet': 'xlsx',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation': 'pptx',
  'application/pdf': 'pdf',
  'image/png': 'png',
  'image/svg+xml': 'svg',
  'application/vnd.google-apps.script+json': 'json',
};

/** The extension of a Google file's stored export ("docx" for a Google Doc kept as Word). */
export function exportExtension(mimeType: string | undefined): string {
  return (mimeType && officeExtensions[mimeType]) || 'bin';
}

/** "2026-11-24 Quarterly report" style stem for a message file. */
export function messageFileStem(date: Date | null, subject: string | undefined, id: string): string {
  const day = date && !Number.isNaN(date.getTime()) ? date.toISOString().slice(0, 10) : 'undated';
  // At most 60 bytes of subject, so the id at the end is never cut off (it makes the name unique).
  let words = (subject ?? '').replace(/\s+/g, ' ').trim().slice(0, 60);
  while (Buffer.byteLength(words) > 60) words = words.slice(0, -1);
  return `${day} ${words || '(no subject)'} [${id}]`;
}
