// The headers of every download (one item, an export's zip): always an attachment with a safe
// RFC 6266 file name, never sniffed, and a Content-Type taken from the backed-up item only
// when that type is inert. A Drive file's mimeType is whatever its uploader said: served as
// text/html or image/svg+xml from Safehold's origin, it would run its scripts with the
// signed-in person's session (issue 16 #9), so anything not on the list below is a plain
// application/octet-stream.
import type { FastifyReply } from 'fastify';
import { contentDisposition } from './file-names.ts';

/** Types a browser never runs script from (no HTML, SVG, XML, JavaScript or XSLT). */
const inertTypes = new Set([
  'application/octet-stream',
  'application/zip',
  'application/pdf',
  'application/json',
  'application/msword',
  'application/vnd.ms-excel',
  'application/vnd.ms-powerpoint',
  'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.oasis.opendocument.text',
  'application/vnd.oasis.opendocument.spreadsheet',
  'application/vnd.oasis.opendocument.presentation',
  'message/rfc822',
  'text/plain',
  'text/csv',
  'text/calendar',
  'text/vcard',
  'image/png',
  'image/jpeg',
  'image/gif',
  'image/webp',
  'audio/mpeg',
  'audio/ogg',
  'audio/wav',
  'video/mp4',
  'video/webm',
]);

/** The item's type when it is inert (with its charset, if any), else application/octet-stream. */
export function downloadContentType(type: string): string {
  const [essence = '', ...parameters] = type.split(';').map((part) => part.trim().toLowerCase());
  if (!inertTypes.has(essence)) return 'application/octet-stream';
  const charset = parameters.find((parameter) => /^charset=[a-z0-9._-]+$/.test(parameter));
  return charset ? `${essence}; ${charset}` : essence;
}

/** Marks the reply as a download of `fileName`, typed by `downloadContentType`. */
export function sendAsAttachment(reply: FastifyReply, fileName: string, type: string): FastifyReply {
  return reply
    .header('content-disposition', contentDisposition(fileName))
    .header('x-content-type-options', 'nosniff')
    .type(downloadContentType(type));
}
