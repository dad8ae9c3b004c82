// Drive files: list (with q), get (metadata, alt=media with ranges), export (and export
// links), create and update by JSON, delete (a folder with its contents).
import { googleError, invalidArgument, parseJsonBody, type Reply } from '../../http-reply.ts';
import { GOOGLE_FOLDER } from '../../office-files.ts';
import type { RequestContext, Route } from '../../router.ts';
import type { DriveFile } from '../../state.ts';
import { compileDriveQuery } from '../drive-query.ts';
import { SCOPES } from '../scopes.ts';
import type { FileWrites } from './file-writes.ts';
import {
  caller,
  DRIVE_BASE,
  DRIVE_WRITE_PARAMS,
  type DriveShared,
  insufficient,
  isGoogleType,
  listPage,
  roleOf,
  unlessDriveMember,
  withFields,
} from './shared.ts';

const EXPORT_LIMIT_BYTES = 10 * 1024 * 1024;
/** Generated files above this size are downloaded as a stream (see Reply.stream). */
const STREAMED_MEDIA = 32 * 1024 * 1024;

export function fileRoutes(shared: DriveShared, writes: FileWrites): Route[] {
  const { world, fileResource, visibleFile } = shared;
  const { createFile, updateFile } = writes;
  const base = DRIVE_BASE;
  const writeParams = DRIVE_WRITE_PARAMS;

  function sendMedia(ctx: RequestContext, content: Buffer, mimeType: string): Reply {
    const range = /^bytes=(\d+)-(\d*)$/.exec(ctx.headers.range ?? '');
    if (range) {
      const start = Number(range[1]);
      const end = range[2] ? Math.min(Number(range[2]), content.length - 1) : content.length - 1;
      if (start >= content.length)
        return { status: 416, headers: { 'content-range': `bytes */${content.length}` }, body: '' };
      return {
        status: 206,
        headers: { 'content-type': mimeType, 'content-range': `bytes ${start}-${end}/${content.length}` },
        body: content.subarray(start, end + 1),
      };
    }
    return { status: 200, headers: { 'content-type': mimeType }, body: content };
  }

  function exportFile(ctx: RequestContext, capped: boolean): Reply {
    const who = caller(ctx);
    if ('status' in who) return who;
    const file = visibleFile(
      { ...ctx, query: new URLSearchParams({ supportsAllDrives: 'true' }) },
      who.domain,
      who.user,
      ctx.params.fileId ?? '',
    );
    if ('status' in file) return file;
    const mimeType = ctx.query.get('mimeType');
    if (!mimeType) return invalidArgument('Required parameter: mimeType', 'mimeType');
    if (!isGoogleType(file.mimeType))
      return googleError(403, 'Export only supports Docs Editors files.', 'fileNotExportable');
    const content = world.exportFile(file, mimeType);
    if (!content)
      return googleError(400, 'The requested conversion is not supported.', 'badRequest', {
        location: 'convertTo',
        locationType: 'parameter',
      });
    if (capped && content.length > EXPORT_LIMIT_BYTES)
      return googleError(403, 'This file is too large to be exported.', 'exportSizeLimitExceeded');
    return { status: 200, headers: { 'content-type': mimeType }, body: content };
  }

  const listParams = [
    'q',
    'corpora',
    'corpus',
    'driveId',
    'includeItemsFromAllDrives',
    'supportsAllDrives',
    'pageSize',
    'pageToken',
    'orderBy',
    'spaces',
    'includeTeamDriveItems',
    'supportsTeamDrives',
    'teamDriveId',
    'includePermissionsForView',
    'includeLabels',
  ];
  const getParams = [
    'supportsAllDrives',
    'supportsTeamDrives',
    'acknowledgeAbuse',
    'includePermissionsForView',
    'includeLabels',
  ];

  return [
    {
      method: 'GET',
      pattern: `${base}/files`,
      name: 'drive.files.list',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveRead,
      queryParams: listParams,
      handler(ctx) {
        const who = caller(ctx);
        if ('status' in who) return who;
        const { user, domain } = who;
        const corpora = ctx.query.get('corpora') ?? 'user';
        const driveId = ctx.query.get('driveId') ?? ctx.query.get('teamDriveId');
        const allDrives =
          ctx.query.get('includeItemsFromAllDrives') === 'true' || ctx.query.get('includeTeamDriveItems') === 'true';
        if (!['user', 'drive', 'allDrives', 'domain'].includes(corpora))
          return invalidArgument('Invalid Value', 'corpora');
        if ((corpora === 'drive') !== Boolean(driveId))
          return googleError(
            400,
            'The driveId parameter must be specified if and only if corpora is set to drive.',
            'invalid',
            { location: 'driveId', locationType: 'parameter' },
          );
        if (driveId) {
          if (!allDrives || ctx.query.get('supportsAllDrives') !== 'true') {
            return googleError(
              403,
              'The includeItemsFromAllDrives parameter must be set to true when driveId is specified.',
              'teamDriveIncludeItemsRequired',
            );
          }
          const notMember = unlessDriveMember(domain, user, driveId);
          if (notMember) return notMember;
        }
        const q = ctx.query.get('q');
        const predicate = q
          ? compileDriveQuery(q, {
              user: user.primaryEmail,
              rootFolderId: user.rootFolderId,
              sharedWithMe: (file) =>
                file.ownerEmail !== user.primaryEmail &&
                file.permissions.some((p) => p.emailAddress === user.primaryEmail),
            })
          : () => true;
        if (!predicate)
          return googleError(400, 'Invalid Value', 'invalid', { location: 'q', locationType: 'parameter' });
        const files: DriveFile[] = [];
        for (const file of domain.drive.files.values()) {
          if (file.id === user.rootFolderId) continue;
          if (driveId) {
            if (file.driveId !== driveId) continue;
          } else if (file.driveId) {
            if (corpora !== 'allDrives' || !allDrives || !world.fileVisibleTo(domain, file, user.primaryEmail))
              continue;
          } else if (!world.fileVisibleTo(domain, file, user.primaryEmail)) continue;
          if (!predicate(file)) continue;
          files.push(file);
        }
        const orderBy = ctx.query.get('orderBy');
        if (orderBy?.startsWith('name')) files.sort((a, b) => a.name.localeCompare(b.name));
        else if (orderBy?.startsWith('modifiedTime')) files.sort((a, b) => a.modifiedTime - b.modifiedTime);
        if (orderBy?.includes('desc')) files.reverse();
        const paged = listPage(files, ctx, 100, 1000);
        if ('status' in paged) return paged;
        const body: Record<string, unknown> = {
          kind: 'drive#fileList',
          incompleteSearch: false,
          files: paged.page.map((f) => fileResource(ctx, domain, user, f)),
        };
        if (paged.next) body.nextPageToken = paged.next;
        return withFields(ctx, body, 'kind,incompleteSearch,nextPageToken,files(kind,id,name,mimeType)');
      },
    },
    {
      method: 'GET',
      pattern: `${base}/files/:fileId`,
      name: 'drive.files.get',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveRead,
      queryParams: getParams,
      handler(ctx) {
        const who = caller(ctx);
        if ('status' in who) return who;
        const file = visibleFile(ctx, who.domain, who.user, ctx.params.fileId ?? '');
        if ('status' in file) return file;
        if (ctx.query.get('alt') === 'media') {
          const scopes = ctx.token?.scopes;
          if (scopes && !SCOPES.driveContent.some((s) => scopes.has(s)))
            return googleError(403, 'Request had insufficient authentication scopes.', 'insufficientPermissions');
          if (isGoogleType(file.mimeType)) {
            return googleError(
              403,
              'Only files with binary content can be downloaded. Use Export with Docs Editors files.',
              'fileNotDownloadable',
              { location: 'alt', locationType: 'parameter' },
            );
          }
          const size = file.gen?.size ?? 0;
          if (size > STREAMED_MEDIA && !ctx.headers.range) {
            // A large generated file is sent as it is rendered, never held whole.
            const length = world.fileHashes(file)?.size ?? size;
            return {
              status: 200,
              headers: { 'content-type': file.mimeType },
              stream: { length, pieces: () => world.fileContentChunks(file) },
            };
          }
          return sendMedia(ctx, world.fileContent(file) ?? Buffer.alloc(0), file.mimeType);
        }
        return withFields(ctx, fileResource(ctx, who.domain, who.user, file), 'kind,id,name,mimeType');
      },
    },
    {
      method: 'GET',
      pattern: `${base}/files/:fileId/export`,
      name: 'drive.files.export',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveContent,
      queryParams: ['mimeType'],
      handler: (ctx) => exportFile(ctx, true),
    },
    {
      method: 'GET',
      pattern: '/docs/export/:fileId',
      name: 'drive.exportLinks',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveContent,
      queryParams: ['mimeType'],
      handler: (ctx) => exportFile(ctx, false),
    },
    {
      method: 'POST',
      pattern: `${base}/files`,
      name: 'drive.files.create',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveWrite,
      queryParams: writeParams,
      handler(ctx) {
        const who = caller(ctx);
        if ('status' in who) return who;
        const meta = parseJsonBody(ctx.body);
        if (!meta.ok) return meta.reply;
        return createFile(
          ctx,
          who.domain,
          who.user,
          (meta.value ?? {}) as Record<string, unknown>,
          undefined,
          undefined,
        );
      },
    },
    {
      method: 'PATCH',
      pattern: `${base}/files/:fileId`,
      name: 'drive.files.update',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveWrite,
      queryParams: writeParams,
      handler(ctx) {
        const who = caller(ctx);
        if ('status' in who) return who;
        const meta = parseJsonBody(ctx.body);
        if (!meta.ok) return meta.reply;
        return updateFile(
          ctx,
          who.domain,
          who.user,
          ctx.params.fileId ?? '',
          (meta.value ?? {}) as Record<string, unknown>,
          undefined,
        );
      },
    },
    {
      method: 'DELETE',
      pattern: `${base}/files/:fileId`,
      name: 'drive.files.delete',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveWrite,
      queryParams: ['supportsAllDrives', 'supportsTeamDrives', 'enforceSingleParent'],
      handler(ctx) {
        const who = caller(ctx);
        if ('status' in who) return who;
        const file = visibleFile(ctx, who.domain, who.user, ctx.params.fileId ?? '');
        if ('status' in file) return file;
        const role = roleOf(who.domain, file, who.user.primaryEmail);
        if (role !== 'owner' && role !== 'organizer') return insufficient();
        const doomed = [file];
        for (let i = 0; i < doomed.length; i++) {
          const current = doomed[i];
          if (current?.mimeType !== GOOGLE_FOLDER) continue;
          for (const child of who.domain.drive.files.values())
            if (child.parents.includes(current.id)) doomed.push(child);
        }
        for (const item of doomed) world.removeFile(who.domain, item);
        return { status: 204, body: '' };
      },
    },
  ];
}
