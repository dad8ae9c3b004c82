// Parsing of multipart bodies (uploads: multipart/related; Gmail batch: multipart/mixed).

export interface BodyPart {
  headers: Record<string, string>;
  body: Buffer;
}

export function boundaryOf(contentType: string | undefined): string | undefined {
  const match = /boundary=(?:"([^"]+)"|([^;\s]+))/i.exec(contentType ?? '');
  return match ? (match[1] ?? match[2]) : undefined;
}

function parseHeaderBlock(text: string): Record<string, string> {
  const headers: Record<string, string> = {};
  for (const line of text.split(/\r?\n/)) {
    const colon = line.indexOf(':');
    if (colon > 0) headers[line.slice(0, colon).trim().toLowerCase()] = line.slice(colon + 1).trim();
  }
  return headers;
}

/** Splits a multipart body; returns undefined when it is malformed. */
export function parseMultipart(body: Buffer, boundary: string): BodyPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`);
  const parts: BodyPart[] = [];
  let position = body.indexOf(delimiter);
  if (position < 0) return undefined;
  while (position >= 0) {
    let start = position + delimiter.length;
    if (body[start] === 0x2d && body[start + 1] === 0x2d) return parts; // closing delimiter
    if (body[start] === 0x0d) start++;
    if (body[start] === 0x0a) start++;
    const next = body.indexOf(delimiter, start);
    if (next < 0) return parts.length > 0 ? parts : undefined;
    let end = next;
    if (body[end - 1] === 0x0a) end--;
    if (body[end - 1] === 0x0d) end--;
    const part = body.subarray(start, end);
    let split = part.indexOf('\r\n\r\n');
    let skip = 4;
    const lf = part.indexOf('\n\n');
    if (split < 0 || (lf >= 0 && lf < split)) {
      split = lf;
      skip = 2;
    }
    if (split < 0) parts.push({ headers: parseHeaderBlock(part.toString('utf8')), body: Buffer.alloc(0) });
    else
      parts.push({
        headers: parseHeaderBlock(part.subarray(0, split).toString('utf8')),
        body: part.subarray(split + skip),
      });
    position = next;
  }
  return parts;
}
