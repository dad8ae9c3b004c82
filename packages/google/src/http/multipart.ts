// multipart/related bodies for "uploadType=multipart" uploads: one JSON metadata part, then the
// media (https://developers.google.com/workspace/drive/api/guides/manage-uploads#multipart).
import { randomBytes } from 'node:crypto';

// A boundary must not occur in the media: a random part drawn once (content cannot guess it) and
// a counter, instead of fresh random bytes for each of a restore's thousands of uploads.
const BOUNDARY_PREFIX = `safehold_${randomBytes(12).toString('hex')}`;
let boundaries = 0;

export function multipartRelated(
  metadata: unknown,
  mediaType: string,
  media: Uint8Array,
): { body: Buffer; contentType: string } {
  boundaries += 1;
  const boundary = `${BOUNDARY_PREFIX}_${boundaries.toString(36)}`;
  const head =
    `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(metadata)}\r\n` +
    `--${boundary}\r\nContent-Type: ${mediaType}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), media, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { body, contentType: `multipart/related; boundary=${boundary}` };
}

/** Uploads at most this size go in one multipart request; larger ones are resumable. */
export const MULTIPART_MAX_BYTES = 5 * 1024 * 1024;
