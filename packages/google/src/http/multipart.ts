// multipart/related bodies for "uploadType=multipart" uploads: one JSON metadata part, then the
// media (https://developers.google.com/workspace/drive/api/guides/manage-uploads#multipart).
import { randomBytes } from 'node:crypto';

export function multipartRelated(
  metadata: unknown,
  mediaType: string,
  media: Uint8Array,
): { body: Buffer; contentType: string } {
  const boundary = `safehold_${randomBytes(12).toString('hex')}`;
  const head =
    `--${boundary}\r\nContent-Type: application/json; charset=UTF-8\r\n\r\n${JSON.stringify(metadata)}\r\n` +
    `--${boundary}\r\nContent-Type: ${mediaType}\r\n\r\n`;
  const body = Buffer.concat([Buffer.from(head), media, Buffer.from(`\r\n--${boundary}--\r\n`)]);
  return { body, contentType: `multipart/related; boundary=${boundary}` };
}

/** Uploads at most this size go in one multipart request; larger ones are resumable. */
export const MULTIPART_MAX_BYTES = 5 * 1024 * 1024;
