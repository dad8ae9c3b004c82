// Drive uploads: media, multipart and resumable (the session protocol is upload-sessions.ts),
// for new files and new content of existing ones.
import { invalidArgument, parseJsonBody, type Reply } from '../../http-reply.ts';
import { boundaryOf, parseMultipart } from '../../multipart-body.ts';
import type { RequestContext, Route } from '../../router.ts';
import type { UploadSession, UploadSessions } from '../../upload-sessions.ts';
import { SCOPES } from '../scopes.ts';
import type { FileWrites } from './file-writes.ts';
import { caller, DRIVE_BASE, DRIVE_WRITE_PARAMS, type DriveShared } from './shared.ts';

export function uploadRoutes(shared: DriveShared, writes: FileWrites, uploads: UploadSessions): Route[] {
  const { visibleFile } = shared;
  const { createFile, updateFile } = writes;
  const base = DRIVE_BASE;
  const writeParams = DRIVE_WRITE_PARAMS;

  function upload(ctx: RequestContext, create: boolean): Reply {
    const who = caller(ctx);
    if ('status' in who) return who;
    const uploadType = ctx.query.get('uploadType') ?? 'media';
    const id = ctx.params.fileId ?? '';
    const finish = (metadata: Record<string, unknown>, content: Buffer | undefined, contentType?: string) =>
      create
        ? createFile(ctx, who.domain, who.user, metadata, content, contentType)
        : updateFile(ctx, who.domain, who.user, id, metadata, content);
    if (uploadType === 'media') return finish({}, ctx.body, ctx.headers['content-type']);
    if (uploadType === 'multipart') {
      const boundary = boundaryOf(ctx.headers['content-type']);
      const parts = boundary ? parseMultipart(ctx.body, boundary) : undefined;
      if (!parts || parts.length < 1 || !parts[0]) return invalidArgument('Malformed multipart body.');
      const meta = parseJsonBody(parts[0].body);
      if (!meta.ok) return meta.reply;
      const content = parts[1];
      return finish((meta.value ?? {}) as Record<string, unknown>, content?.body, content?.headers['content-type']);
    }
    if (uploadType === 'resumable') {
      const meta = parseJsonBody(ctx.body);
      if (!meta.ok) return meta.reply;
      if (!create) {
        const file = visibleFile(ctx, who.domain, who.user, id);
        if ('status' in file) return file;
      }
      return uploads.open(ctx, meta.value);
    }
    return invalidArgument(`Invalid upload type: ${uploadType}`, 'uploadType');
  }

  function resumeUpload(ctx: RequestContext, create: boolean): Reply {
    const who = caller(ctx);
    if ('status' in who) return who;
    const result = uploads.put(ctx);
    if ('status' in result) return result;
    const session: UploadSession = result.complete;
    const metadata = (session.metadata ?? {}) as Record<string, unknown>;
    const scoped: RequestContext = { ...ctx, query: session.query };
    if (create) return createFile(scoped, who.domain, who.user, metadata, result.content, session.contentType);
    return updateFile(scoped, who.domain, who.user, session.routeParams.fileId ?? '', metadata, result.content);
  }

  return [
    {
      method: 'POST',
      pattern: `/upload${base}/files`,
      name: 'drive.files.create',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveWrite,
      queryParams: writeParams,
      handler: (ctx) => upload(ctx, true),
    },
    {
      method: 'PUT',
      pattern: `/upload${base}/files`,
      name: 'drive.files.create',
      api: 'drive',
      units: 0,
      scopes: SCOPES.driveWrite,
      queryParams: writeParams,
      handler: (ctx) => resumeUpload(ctx, true),
    },
    {
      method: 'PATCH',
      pattern: `/upload${base}/files/:fileId`,
      name: 'drive.files.update',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveWrite,
      queryParams: writeParams,
      handler: (ctx) => upload(ctx, false),
    },
    {
      method: 'PUT',
      pattern: `/upload${base}/files/:fileId`,
      name: 'drive.files.update',
      api: 'drive',
      units: 0,
      scopes: SCOPES.driveWrite,
      queryParams: writeParams,
      handler: (ctx) => resumeUpload(ctx, false),
    },
  ];
}
