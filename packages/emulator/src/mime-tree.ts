// Parses an RFC 822 message into Gmail's `payload` tree (format=full): headers, MIME type,
// filename, and per leaf either the decoded body as base64url data or, for attachments, an
// attachmentId that messages.attachments.get resolves.

export interface MessagePart {
  partId: string;
  mimeType: string;
  filename: string;
  headers: { name: string; value: string }[];
  body: { size: number; data?: string; attachmentId?: string };
  parts?: MessagePart[];
}

interface RawPart {
  headers: [string, string][];
  body: Buffer;
}

function splitHeaders(raw: Buffer): RawPart {
  let end = raw.indexOf('\r\n\r\n');
  let skip = 4;
  const lf = raw.indexOf('\n\n');
  if (end < 0 || (lf >= 0 && lf < end)) {
    end = lf;
    skip = 2;
  }
  const head = (end >= 0 ? raw.subarray(0, end) : raw).toString('utf8');
  const headers: [string, string][] = [];
  for (const line of head.split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && headers.length > 0) {
      const last = headers[headers.length - 1];
      if (last) last[1] += ` ${line.trim()}`;
    } else {
      const colon = line.indexOf(':');
      if (colon > 0) headers.push([line.slice(0, colon).trim(), line.slice(colon + 1).trim()]);
    }
  }
  return { headers, body: end >= 0 ? raw.subarray(end + skip) : Buffer.alloc(0) };
}

function header(headers: [string, string][], name: string): string {
  return headers.find(([key]) => key.toLowerCase() === name)?.[1] ?? '';
}

function parameter(value: string, name: string): string | undefined {
  const match = new RegExp(`${name}\\*?=(?:"([^"]*)"|([^;\\s]+))`, 'i').exec(value);
  return match ? (match[1] ?? match[2]) : undefined;
}

function decodeBody(body: Buffer, encoding: string): Buffer {
  const kind = encoding.toLowerCase();
  if (kind === 'base64') return Buffer.from(body.toString('latin1').replace(/[^A-Za-z0-9+/=]/g, ''), 'base64');
  if (kind === 'quoted-printable') {
    const text = body.toString('latin1').replace(/=\r?\n/g, '');
    return Buffer.from(
      text.replace(/=([0-9A-Fa-f]{2})/g, (_m, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
      'latin1',
    );
  }
  return body;
}

function splitMultipart(body: Buffer, boundary: string): Buffer[] {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: Buffer[] = [];
  let position = body.indexOf(delimiter);
  while (position >= 0) {
    let start = position + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) break;
    if (body[start] === 0x0d) start++;
    if (body[start] === 0x0a) start++;
    const next = body.indexOf(delimiter, start);
    if (next < 0) break;
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    parts.push(body.subarray(start, end));
    position = next;
  }
  return parts;
}

function decodeWords(value: string): string {
  return value.replace(/=\?([^?]+)\?([BbQq])\?([^?]*)\?=/g, (_m, _charset: string, kind: string, data: string) =>
    kind.toUpperCase() === 'B'
      ? Buffer.from(data, 'base64').toString('utf8')
      : Buffer.from(
          data
            .replace(/_/g, ' ')
            .replace(/=([0-9A-Fa-f]{2})/g, (_x, hex: string) => String.fromCharCode(Number.parseInt(hex, 16))),
          'latin1',
        ).toString('utf8'),
  );
}

function build(raw: RawPart, partId: string, messageId: string, depth: number): MessagePart {
  const contentType = header(raw.headers, 'content-type') || 'text/plain';
  const mimeType = (contentType.split(';')[0] ?? 'text/plain').trim().toLowerCase();
  const disposition = header(raw.headers, 'content-disposition');
  const filename = decodeWords(parameter(disposition, 'filename') ?? parameter(contentType, 'name') ?? '');
  const part: MessagePart = {
    partId,
    mimeType,
    filename,
    headers: raw.headers.map(([name, value]) => ({ name, value })),
    body: { size: 0 },
  };
  const boundary = parameter(contentType, 'boundary');
  if (mimeType.startsWith('multipart/') && boundary && depth < 20) {
    part.parts = splitMultipart(raw.body, boundary).map((child, index) =>
      build(splitHeaders(child), partId === '' ? String(index) : `${partId}.${index}`, messageId, depth + 1),
    );
    return part;
  }
  const decoded = decodeBody(raw.body, header(raw.headers, 'content-transfer-encoding'));
  part.body.size = decoded.length;
  if (filename) part.body.attachmentId = attachmentIdFor(messageId, partId);
  else part.body.data = decoded.toString('base64url');
  return part;
}

export function attachmentIdFor(messageId: string, partId: string): string {
  return `ANGjdJ${Buffer.from(`${messageId}:${partId}`).toString('base64url')}`;
}

/** Gmail's payload for format=full. */
export function mimeTree(raw: Buffer, messageId: string): MessagePart {
  return build(splitHeaders(raw), '', messageId, 0);
}

/** The decoded bytes of an attachment, or undefined when the id does not name one of this message's parts. */
export function attachmentBytes(raw: Buffer, messageId: string, attachmentId: string): Buffer | undefined {
  if (!attachmentId.startsWith('ANGjdJ')) return undefined;
  const [owner, partId] = Buffer.from(attachmentId.slice(6), 'base64url').toString('utf8').split(':');
  if (owner !== messageId || partId === undefined) return undefined;
  let current = splitHeaders(raw);
  for (const index of partId === '' ? [] : partId.split('.')) {
    const boundary = parameter(header(current.headers, 'content-type'), 'boundary');
    const child = boundary ? splitMultipart(current.body, boundary)[Number(index)] : undefined;
    if (!child) return undefined;
    current = splitHeaders(child);
  }
  return decodeBody(current.body, header(current.headers, 'content-transfer-encoding'));
}
