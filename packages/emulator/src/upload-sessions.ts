// Resumable upload sessions (Gmail import and Drive create/update): a POST opens a session,
// PUTs send chunks with Content-Range, 308 + Range reports progress, the last chunk completes.
import { randomBytes } from 'node:crypto';
import { googleError, type Reply } from './http-reply.ts';
import type { RequestContext } from './router.ts';

export interface UploadSession {
  id: string;
  owner: string;
  metadata: unknown;
  contentType: string;
  totalSize?: number;
  chunks: Buffer[];
  received: number;
  /** Query parameters of the opening request (e.g. internalDateSource). */
  query: URLSearchParams;
  routeParams: Record<string, string>;
}

export interface UploadSessions {
  open(ctx: RequestContext, metadata: unknown): Reply;
  /** Handles a PUT on a session: a Reply for 308/errors, or the complete session to finish. */
  put(ctx: RequestContext): Reply | { complete: UploadSession; content: Buffer };
}

export function createUploadSessions(): UploadSessions {
  const sessions = new Map<string, UploadSession>();
  const progress = (session: UploadSession): Reply => ({
    status: 308,
    headers:
      session.received > 0
        ? { range: `bytes=0-${session.received - 1}`, 'x-guploader-uploadid': session.id }
        : { 'x-guploader-uploadid': session.id },
    body: '',
  });
  return {
    open(ctx, metadata) {
      const id = `ADPycd${randomBytes(18).toString('base64url')}`;
      const lengthHeader = ctx.headers['x-upload-content-length'];
      const session: UploadSession = {
        id,
        owner: ctx.token?.sub ?? ctx.token?.clientEmail ?? '',
        metadata,
        contentType: ctx.headers['x-upload-content-type'] ?? 'application/octet-stream',
        totalSize: lengthHeader !== undefined ? Number(lengthHeader) : undefined,
        chunks: [],
        received: 0,
        query: new URLSearchParams(ctx.query),
        routeParams: ctx.params,
      };
      sessions.set(id, session);
      const query = new URLSearchParams(ctx.query);
      query.set('upload_id', id);
      query.set('uploadType', 'resumable');
      return {
        status: 200,
        headers: { location: `${ctx.origin}${ctx.path}?${query}`, 'x-guploader-uploadid': id },
        body: '',
      };
    },
    put(ctx) {
      const id = ctx.query.get('upload_id') ?? '';
      const session = sessions.get(id);
      if (!session) return googleError(404, 'Upload session not found or expired.', 'notFound');
      const range = ctx.headers['content-range'];
      if (!range) {
        // Single PUT with the whole content.
        session.chunks = [ctx.body];
        session.received = ctx.body.length;
        sessions.delete(id);
        return { complete: session, content: ctx.body };
      }
      const status = /^bytes \*\/(\d+|\*)$/.exec(range);
      if (status) {
        if (status[1] !== '*' && Number(status[1]) === session.received) {
          sessions.delete(id);
          return { complete: session, content: Buffer.concat(session.chunks) };
        }
        return progress(session);
      }
      const match = /^bytes (\d+)-(\d+)\/(\d+|\*)$/.exec(range);
      if (!match) return googleError(400, 'Failed to parse Content-Range header.', 'badRequest');
      const first = Number(match[1]);
      const last = Number(match[2]);
      const total = match[3] === '*' ? undefined : Number(match[3]);
      if (last < first || last - first + 1 !== ctx.body.length) {
        return googleError(400, 'Failed to parse Content-Range header.', 'badRequest');
      }
      if (first > session.received)
        return googleError(
          400,
          'Invalid request.  According to the Content-Range header, the upload offset is past the data received so far.',
          'badRequest',
        );
      // Overlapping resend: keep only the new tail.
      const fresh = ctx.body.subarray(session.received - first);
      session.chunks.push(fresh);
      session.received += fresh.length;
      if (total !== undefined) session.totalSize = total;
      if (session.totalSize !== undefined && session.received >= session.totalSize) {
        sessions.delete(id);
        return { complete: session, content: Buffer.concat(session.chunks) };
      }
      if (total === undefined && ctx.body.length % (256 * 1024) !== 0) {
        return googleError(
          400,
          "Invalid request. The number of bytes uploaded is required to be equal or greater than 262144, except for the final request (it's recommended to be the exact multiple of 262144).",
          'badRequest',
        );
      }
      return progress(session);
    },
  };
}
