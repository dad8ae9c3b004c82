// Drive API v3 (https://developers.google.com/workspace/drive/api/reference/rest/v3): listing files
// of a user or a shared drive, metadata, content download and Google Docs export (with the
// exportLinks fallback beyond the 10 MB export cap), changes, shared drives, permissions, and
// uploads for restore (multipart ≤ 5 MB, resumable above).
import { Readable } from 'node:stream';
import { z } from 'zod';
import { GoogleApiError } from '../errors.ts';
import { MULTIPART_MAX_BYTES, multipartRelated } from '../http/multipart.ts';
import { itemsOf, paginate } from '../http/pagination.ts';
import { downloadResumable } from '../http/resumable-download.ts';
import { readUpload, type UploadBody, uploadResumable, uploadSize } from '../http/resumable-upload.ts';
import type { DownloadStream } from '../http/transport.ts';
import { type ApiContext, seg } from './api-context.ts';
import { type BatchCallResult, batchCalls } from './batch-calls.ts';

/** Calls per Drive batch request (Google's limit). */
export const DRIVE_BATCH_MAX = 100;

/** Fields a backup needs about a file (GOOGLE-APIS.md "Drive"). */
export const DEFAULT_FILE_FIELDS =
  'id,name,mimeType,parents,driveId,trashed,size,md5Checksum,sha256Checksum,headRevisionId,version,modifiedTime,createdTime,' +
  'owners(emailAddress,permissionId),capabilities(canDownload),exportLinks,shortcutDetails,appProperties,description,starred,' +
  'permissions(id,type,role,emailAddress,domain,allowFileDiscovery)';

/** The Office (or PDF) format each Google editor type is backed up as (GOOGLE-APIS.md "Drive"). */
export const GOOGLE_EXPORT_FORMATS: Readonly<Record<string, string>> = {
  'application/vnd.google-apps.document': 'application/vnd.openxmlformats-officedocument.wordprocessingml.document',
  'application/vnd.google-apps.spreadsheet': 'application/vnd.openxmlformats-officedocument.spreadsheetml.sheet',
  'application/vnd.google-apps.presentation':
    'application/vnd.openxmlformats-officedocument.presentationml.presentation',
  'application/vnd.google-apps.drawing': 'application/pdf',
};

/** Quotes a value for a Drive `q` string: backslashes and single quotes escaped (Drive search syntax). */
export function driveQueryValue(value: string): string {
  return `'${value.replace(/\\/g, '\\\\').replace(/'/g, "\\'")}'`;
}

/** `appProperties has { key='k' and value='v' }`: how a restore finds what it already created. */
export function appPropertyQuery(key: string, value: string): string {
  return `appProperties has { key=${driveQueryValue(key)} and value=${driveQueryValue(value)} }`;
}

export const driveFileSchema = z.looseObject({
  id: z.string(),
  name: z.string().optional(),
  mimeType: z.string().optional(),
  parents: z.array(z.string()).optional(),
  driveId: z.string().optional(),
  trashed: z.boolean().optional(),
  /** int64 as a decimal string, binary files only. */
  size: z.string().optional(),
  md5Checksum: z.string().optional(),
  sha256Checksum: z.string().optional(),
  headRevisionId: z.string().optional(),
  version: z.string().optional(),
  modifiedTime: z.string().optional(),
  exportLinks: z.record(z.string(), z.string()).optional(),
  appProperties: z.record(z.string(), z.string()).optional(),
});
export type DriveFile = z.infer<typeof driveFileSchema>;

const filesPageSchema = z.object({
  files: z.array(driveFileSchema).default([]),
  nextPageToken: z.string().optional(),
  incompleteSearch: z.boolean().optional(),
});

export const driveChangeSchema = z.looseObject({
  changeType: z.string().optional(),
  removed: z.boolean().optional(),
  fileId: z.string().optional(),
  file: driveFileSchema.optional(),
  driveId: z.string().optional(),
  time: z.string().optional(),
});
export type DriveChange = z.infer<typeof driveChangeSchema>;

export const changesPageSchema = z.object({
  changes: z.array(driveChangeSchema).default([]),
  nextPageToken: z.string().optional(),
  newStartPageToken: z.string().optional(),
});
export type ChangesPage = z.infer<typeof changesPageSchema>;

export const sharedDriveSchema = z.looseObject({ id: z.string(), name: z.string().optional() });
export type SharedDrive = z.infer<typeof sharedDriveSchema>;

export const permissionSchema = z.looseObject({
  id: z.string().optional(),
  type: z.string(),
  role: z.string(),
  emailAddress: z.string().optional(),
  domain: z.string().optional(),
});
export type DrivePermission = z.infer<typeof permissionSchema>;

export interface ListFilesOptions {
  q?: string;
  corpora?: 'user' | 'drive' | 'domain' | 'allDrives';
  driveId?: string;
  includeItemsFromAllDrives?: boolean;
  /** Fields of each file; `files(...)` and `nextPageToken` are added around them. */
  fileFields?: string;
  pageSize?: number;
  spaces?: string;
  orderBy?: string;
}

export interface DriveFileMetadata {
  name?: string;
  mimeType?: string;
  parents?: string[];
  appProperties?: Record<string, string>;
  description?: string;
  modifiedTime?: string;
  [field: string]: unknown;
}

export interface DriveApi {
  listFiles(user: string, options?: ListFilesOptions): AsyncGenerator<DriveFile, void, undefined>;
  getFile(user: string, fileId: string, options?: { fileFields?: string }): Promise<DriveFile>;
  /** The content (alt=media) as a stream; a connection dropped mid-body is resumed with a Range request. */
  download(user: string, fileId: string, options?: { acknowledgeAbuse?: boolean }): Promise<DownloadStream>;
  /** A Google Doc exported to `mimeType`; above the 10 MB export cap (403 exportSizeLimitExceeded) its exportLinks entry is used. */
  export(user: string, fileId: string, mimeType: string): Promise<DownloadStream>;
  getStartPageToken(user: string, options?: { driveId?: string }): Promise<string>;
  /** Change pages from `pageToken`; only the last page carries `newStartPageToken`. */
  listChanges(
    user: string,
    pageToken: string,
    options?: { driveId?: string; fileFields?: string; pageSize?: number },
  ): AsyncGenerator<ChangesPage, void, undefined>;
  listDrives(
    user: string,
    options?: { useDomainAdminAccess?: boolean; q?: string },
  ): AsyncGenerator<SharedDrive, void, undefined>;
  listPermissions(
    user: string,
    fileId: string,
    options?: { useDomainAdminAccess?: boolean },
  ): AsyncGenerator<DrivePermission, void, undefined>;
  /**
   * A user who may list a shared drive's files (only members can): its organizer, else the member
   * with the highest role. Found with domain admin access, impersonating `admin`.
   */
  findSharedDriveMember(admin: string, driveId: string): Promise<string | undefined>;
  /** Always with sendNotificationEmail=false: a restore never mails anyone. */
  createPermission(
    user: string,
    fileId: string,
    permission: { type: string; role: string; emailAddress?: string; domain?: string; allowFileDiscovery?: boolean },
  ): Promise<DrivePermission>;
  /**
   * permissions.create (no notification emails) for many permissions of one file through
   * /batch/drive/v3 (≤ 100 per batch, each counted as one call): one result per permission, in
   * order; a part that failed transiently is sent again alone.
   */
  batchCreatePermissions(
    user: string,
    fileId: string,
    permissions: ReadonlyArray<Parameters<DriveApi['createPermission']>[2]>,
  ): Promise<Array<BatchCallResult<DrivePermission>>>;
  /** Creates a file (metadata only for folders); content ≤ 5 MB goes multipart, larger content resumable. */
  createFile(
    user: string,
    metadata: DriveFileMetadata,
    content?: { body: UploadBody; mimeType: string; chunkSize?: number; multipartMaxBytes?: number },
  ): Promise<DriveFile>;
}

export function createDriveApi(ctx: ApiContext): DriveApi {
  const base = () => `${ctx.endpoints.api('drive')}/drive/v3`;
  const get = (
    user: string,
    operation: string,
    url: string,
    query: Record<string, string | number | boolean | undefined>,
  ) => ({
    api: 'drive' as const,
    operation,
    user,
    method: 'GET' as const,
    url,
    query,
  });

  const getFile: DriveApi['getFile'] = (user, fileId, options = {}) =>
    ctx.transport.json(
      get(user, 'drive.files.get', `${base()}/files/${seg(fileId)}`, {
        supportsAllDrives: true,
        fields: options.fileFields ?? DEFAULT_FILE_FIELDS,
      }),
      driveFileSchema,
    );

  return {
    listFiles(user, options = {}) {
      const pages = paginate('drive.files.list', (pageToken) =>
        ctx.transport.json(
          get(user, 'drive.files.list', `${base()}/files`, {
            q: options.q,
            corpora: options.corpora ?? (options.driveId ? 'drive' : undefined),
            driveId: options.driveId,
            includeItemsFromAllDrives: options.includeItemsFromAllDrives ?? (options.driveId ? true : undefined),
            supportsAllDrives: true,
            spaces: options.spaces,
            orderBy: options.orderBy,
            pageSize: options.pageSize ?? 1000,
            fields: `nextPageToken,incompleteSearch,files(${options.fileFields ?? DEFAULT_FILE_FIELDS})`,
            pageToken,
          }),
          filesPageSchema,
        ),
      );
      return itemsOf(pages, (page) => {
        if (page.incompleteSearch) {
          // Google searched only some corpora (allDrives with many drives): the listing may miss files.
          ctx.logger.warn(
            { operation: 'drive.files.list', user, driveId: options.driveId },
            'Drive answered incompleteSearch',
          );
        }
        return page.files;
      });
    },
    getFile,
    download(user, fileId, options = {}) {
      return downloadResumable(
        ctx,
        get(user, 'drive.files.download', `${base()}/files/${seg(fileId)}`, {
          alt: 'media',
          supportsAllDrives: true,
          acknowledgeAbuse: options.acknowledgeAbuse,
        }),
      );
    },
    async export(user, fileId, mimeType) {
      try {
        // Read whole inside the attempt (Google caps files.export at 10 MB), so an export whose
        // body is cut short is asked for again like any failed request, not handed on broken.
        const spec = get(user, 'drive.files.export', `${base()}/files/${seg(fileId)}/export`, { mimeType });
        const exported = await ctx.transport.request(spec, async (response) => ({
          content: Buffer.from(await response.arrayBuffer()),
          contentType: response.headers.get('content-type') ?? undefined,
        }));
        return {
          body: Readable.from([exported.content]),
          contentType: exported.contentType,
          contentLength: exported.content.length,
          status: 200,
          contentRange: undefined,
        };
      } catch (error) {
        if (!(error instanceof GoogleApiError && error.status === 403 && error.reason === 'exportSizeLimitExceeded'))
          throw error;
      }
      const file = await getFile(user, fileId, { fileFields: 'id,exportLinks' });
      const link = file.exportLinks?.[mimeType];
      if (!link) {
        throw new GoogleApiError({
          status: 403,
          reason: 'exportSizeLimitExceeded',
          message: `file ${fileId} is above the export size limit and has no exportLinks entry for ${mimeType}`,
          operation: 'drive.files.export',
        });
      }
      ctx.logger.info(
        { operation: 'drive.files.export', user, fileId, mimeType },
        'export above 10 MB, using exportLinks',
      );
      // Above 10 MB: streamed, and resumed from the last byte received when the body is cut short
      // (from the start, skipping what was passed on, if the link ignores the Range header).
      return downloadResumable(ctx, get(user, 'drive.files.exportLink', link, {}));
    },
    async getStartPageToken(user, options = {}) {
      const answer = await ctx.transport.json(
        get(user, 'drive.changes.getStartPageToken', `${base()}/changes/startPageToken`, {
          driveId: options.driveId,
          supportsAllDrives: true,
        }),
        z.object({ startPageToken: z.string() }),
      );
      return answer.startPageToken;
    },
    listChanges(user, startToken, options = {}) {
      let first = true;
      return paginate('drive.changes.list', (pageToken) => {
        const token = first ? startToken : pageToken;
        first = false;
        return ctx.transport.json(
          get(user, 'drive.changes.list', `${base()}/changes`, {
            pageToken: token,
            driveId: options.driveId,
            includeItemsFromAllDrives: true,
            supportsAllDrives: true,
            includeRemoved: true,
            pageSize: options.pageSize ?? 1000,
            fields: `nextPageToken,newStartPageToken,changes(changeType,removed,fileId,driveId,time,file(${options.fileFields ?? DEFAULT_FILE_FIELDS}))`,
          }),
          changesPageSchema,
        );
      });
    },
    listDrives(user, options = {}) {
      const pages = paginate('drive.drives.list', (pageToken) =>
        ctx.transport.json(
          get(user, 'drive.drives.list', `${base()}/drives`, {
            useDomainAdminAccess: options.useDomainAdminAccess,
            q: options.q,
            pageSize: 100,
            pageToken,
          }),
          z.object({ drives: z.array(sharedDriveSchema).default([]), nextPageToken: z.string().optional() }),
        ),
      );
      return itemsOf(pages, (page) => page.drives);
    },
    listPermissions(user, fileId, options = {}) {
      const pages = paginate('drive.permissions.list', (pageToken) =>
        ctx.transport.json(
          get(user, 'drive.permissions.list', `${base()}/files/${seg(fileId)}/permissions`, {
            supportsAllDrives: true,
            useDomainAdminAccess: options.useDomainAdminAccess,
            fields:
              'nextPageToken,permissions(id,type,role,emailAddress,domain,allowFileDiscovery,displayName,deleted,permissionDetails)',
            pageSize: 100,
            pageToken,
          }),
          z.object({ permissions: z.array(permissionSchema).default([]), nextPageToken: z.string().optional() }),
        ),
      );
      return itemsOf(pages, (page) => page.permissions);
    },
    async findSharedDriveMember(admin, driveId) {
      const rank = ['organizer', 'fileOrganizer', 'writer', 'commenter', 'reader'];
      let best: { email: string; rank: number } | undefined;
      for await (const permission of this.listPermissions(admin, driveId, { useDomainAdminAccess: true })) {
        const position = rank.indexOf(permission.role);
        if (permission.type !== 'user' || !permission.emailAddress || position < 0) continue;
        if (!best || position < best.rank) best = { email: permission.emailAddress, rank: position };
      }
      return best?.email;
    },
    createPermission(user, fileId, permission) {
      return ctx.transport.json(
        {
          api: 'drive',
          operation: 'drive.permissions.create',
          user,
          method: 'POST',
          url: `${base()}/files/${seg(fileId)}/permissions`,
          query: { sendNotificationEmail: false, supportsAllDrives: true },
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify(permission),
        },
        permissionSchema,
      );
    },
    async batchCreatePermissions(user, fileId, permissions) {
      const path = `/drive/v3/files/${seg(fileId)}/permissions?sendNotificationEmail=false&supportsAllDrives=true`;
      const results: Array<BatchCallResult<DrivePermission>> = [];
      for (let start = 0; start < permissions.length; start += DRIVE_BATCH_MAX) {
        const chunk = permissions.slice(start, start + DRIVE_BATCH_MAX);
        results.push(
          ...(await batchCalls(ctx, {
            api: 'drive',
            batchPath: '/batch/drive/v3',
            user,
            operation: 'drive.permissions.create',
            paths: chunk.map(() => path),
            bodies: chunk,
            schema: permissionSchema,
            idempotent: false,
            alone: (index) => this.createPermission(user, fileId, chunk[index] as (typeof chunk)[number]),
          })),
        );
      }
      return results;
    },
    async createFile(user, metadata, content) {
      const query = { supportsAllDrives: true, fields: DEFAULT_FILE_FIELDS };
      if (!content) {
        return ctx.transport.json(
          {
            api: 'drive',
            operation: 'drive.files.create',
            user,
            method: 'POST',
            url: `${base()}/files`,
            query,
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify(metadata),
          },
          driveFileSchema,
        );
      }
      const uploadUrl = `${ctx.endpoints.upload('drive')}/upload/drive/v3/files`;
      const size = uploadSize(content.body);
      if (size <= (content.multipartMaxBytes ?? MULTIPART_MAX_BYTES)) {
        const { body, contentType } = multipartRelated(
          metadata,
          content.mimeType,
          await readUpload(content.body, 0, size),
        );
        return ctx.transport.json(
          {
            api: 'drive',
            operation: 'drive.files.create',
            user,
            method: 'POST',
            url: uploadUrl,
            query: { ...query, uploadType: 'multipart' },
            headers: { 'content-type': contentType },
            body,
          },
          driveFileSchema,
        );
      }
      return uploadResumable(ctx, {
        api: 'drive',
        operation: 'drive.files.create',
        user,
        initUrl: uploadUrl,
        query,
        metadata,
        contentType: content.mimeType,
        body: content.body,
        schema: driveFileSchema,
        ...(content.chunkSize ? { chunkSize: content.chunkSize } : {}),
      });
    },
  };
}
