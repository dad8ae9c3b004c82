// Drive API v3: files (list with q, get, alt=media, export, create/update with multipart and
// resumable uploads, delete), changes, shared drives, permissions, about.
import { googleError, invalidArgument, json, parseJsonBody, type Reply } from '../http-reply.ts';
import { boundaryOf, parseMultipart } from '../multipart-body.ts';
import { EXPORT_FORMATS, GOOGLE_FOLDER } from '../office-files.ts';
import { applyFields, parseFields } from '../partial-response.ts';
import type { RequestContext, Route } from '../router.ts';
import type { Domain, DriveFile, DrivePermission, User } from '../state.ts';
import type { UploadSession, UploadSessions } from '../upload-sessions.ts';
import type { World } from '../world.ts';
import { compileDriveQuery } from './drive-query.ts';
import { SCOPES } from './scopes.ts';

const EXPORT_LIMIT_BYTES = 10 * 1024 * 1024;

function fileNotFound(id: string): Reply {
  return googleError(404, `File not found: ${id}.`, 'notFound', { location: 'fileId', locationType: 'parameter' });
}

function insufficient(): Reply {
  return googleError(
    403,
    'The user does not have sufficient permissions for this file.',
    'insufficientFilePermissions',
  );
}

function isGoogleType(mimeType: string): boolean {
  return mimeType.startsWith('application/vnd.google-apps.');
}

function roleOf(domain: Domain, file: DriveFile, email: string): DrivePermission['role'] | undefined {
  if (file.driveId) {
    const drive = domain.drive.drives.get(file.driveId);
    return drive?.permissions.find((p) => p.emailAddress === email)?.role;
  }
  if (file.ownerEmail === email) return 'owner';
  return file.permissions.find((p) => p.emailAddress === email)?.role;
}

function canWrite(role: DrivePermission['role'] | undefined): boolean {
  return role === 'owner' || role === 'organizer' || role === 'fileOrganizer' || role === 'writer';
}

function withFields(ctx: RequestContext, value: Record<string, unknown>, defaults: string): Reply {
  const fields = parseFields(ctx.query.get('fields') ?? defaults);
  if (!fields) return invalidArgument('Invalid field selection', 'fields');
  return json(applyFields(value, fields) as Record<string, unknown>);
}

export function driveRoutes(
  world: World,
  uploads: UploadSessions,
  limitUpload: (user: string, bytes: number) => Reply | undefined = () => undefined,
): Route[] {
  const base = '/drive/v3';

  const context = (ctx: RequestContext): { user: User; domain: Domain } | Reply => {
    if (!ctx.user || !ctx.domain)
      return googleError(
        403,
        'The user does not have sufficient permissions for this file.',
        'insufficientFilePermissions',
      );
    return { user: ctx.user, domain: ctx.domain };
  };

  function fileResource(ctx: RequestContext, domain: Domain, user: User, file: DriveFile): Record<string, unknown> {
    const role = roleOf(domain, file, user.primaryEmail);
    const owner = file.ownerEmail ? domain.users.get(file.ownerEmail) : undefined;
    const resource: Record<string, unknown> = {
      kind: 'drive#file',
      id: file.id,
      name: file.name,
      mimeType: file.mimeType,
      starred: file.starred,
      trashed: file.trashed,
      explicitlyTrashed: file.explicitlyTrashed,
      parents: file.parents,
      properties: file.properties,
      appProperties: file.appProperties,
      spaces: ['drive'],
      version: String(file.version),
      webViewLink: `${ctx.origin}/file/d/${file.id}/view`,
      createdTime: new Date(file.createdTime).toISOString(),
      modifiedTime: new Date(file.modifiedTime).toISOString(),
      viewedByMe: role === 'owner',
      shared: file.permissions.length > 1 || !!file.driveId,
      ownedByMe: file.ownerEmail === user.primaryEmail,
      capabilities: {
        canDownload: true,
        canEdit: canWrite(role),
        canShare: canWrite(role),
        canTrash: role === 'owner' || role === 'organizer' || role === 'fileOrganizer',
        canDelete: role === 'owner' || role === 'organizer',
        canListChildren: file.mimeType === GOOGLE_FOLDER,
        canReadRevisions: canWrite(role),
      },
      quotaBytesUsed: '0',
    };
    if (file.description !== undefined) resource.description = file.description;
    if (file.driveId) {
      resource.driveId = file.driveId;
      resource.teamDriveId = file.driveId;
    } else if (owner) {
      resource.owners = [
        {
          kind: 'drive#user',
          displayName: `${owner.givenName} ${owner.familyName}`,
          emailAddress: owner.primaryEmail,
          me: owner === user,
          permissionId: `perm-${owner.id}`,
        },
      ];
      resource.permissions = file.permissions.map((p) => ({ kind: 'drive#permission', ...p }));
      resource.permissionIds = file.permissions.map((p) => p.id);
    }
    const hashes = world.fileHashes(file);
    if (hashes) {
      resource.md5Checksum = hashes.md5;
      resource.sha256Checksum = hashes.sha256;
      resource.size = String(hashes.size);
      resource.quotaBytesUsed = String(hashes.size);
      resource.headRevisionId = file.headRevisionId;
      resource.originalFilename = file.name;
      const dot = file.name.lastIndexOf('.');
      if (dot > 0) {
        resource.fileExtension = file.name.slice(dot + 1);
        resource.fullFileExtension = file.name.slice(dot + 1);
      }
    }
    const formats = EXPORT_FORMATS[file.mimeType];
    if (formats) {
      resource.exportLinks = Object.fromEntries(
        formats.map((format) => [
          format,
          `${ctx.origin}/docs/export/${file.id}?mimeType=${encodeURIComponent(format)}`,
        ]),
      );
    }
    if (file.shortcutDetails) resource.shortcutDetails = file.shortcutDetails;
    return resource;
  }

  function visibleFile(ctx: RequestContext, domain: Domain, user: User, id: string): DriveFile | Reply {
    const file = domain.drive.files.get(id === 'root' ? user.rootFolderId : id);
    if (!file || !world.fileVisibleTo(domain, file, user.primaryEmail)) {
      if (id === 'root' || id === user.rootFolderId) return rootFolder(domain, user);
      return fileNotFound(id);
    }
    if (file.driveId && ctx.query.get('supportsAllDrives') !== 'true' && ctx.query.get('supportsTeamDrives') !== 'true')
      return fileNotFound(id);
    return file;
  }

  function rootFolder(domain: Domain, user: User): DriveFile {
    // The root folder exists implicitly; materialise it on first use.
    const file: DriveFile = {
      id: user.rootFolderId,
      name: 'My Drive',
      mimeType: GOOGLE_FOLDER,
      parents: [],
      ownerEmail: user.primaryEmail,
      trashed: false,
      explicitlyTrashed: false,
      createdTime: user.creationTime,
      modifiedTime: user.creationTime,
      version: 1,
      starred: false,
      appProperties: {},
      properties: {},
      permissions: [{ id: `perm-${user.id}`, type: 'user', role: 'owner', emailAddress: user.primaryEmail }],
    };
    domain.drive.files.set(file.id, file);
    return file;
  }

  function resolveParents(
    domain: Domain,
    user: User,
    parents: unknown,
  ): { parents: string[]; driveId?: string } | Reply {
    const list = Array.isArray(parents) && parents.length > 0 ? parents.map(String) : [user.rootFolderId];
    if (list.length > 1) return googleError(403, 'Increasing the number of parents is not allowed', 'cannotAddParent');
    const parentId = list[0] === 'root' ? user.rootFolderId : (list[0] ?? user.rootFolderId);
    if (parentId === user.rootFolderId) return { parents: [parentId] };
    const drive = domain.drive.drives.get(parentId);
    if (drive) {
      const role = drive.permissions.find((p) => p.emailAddress === user.primaryEmail)?.role;
      if (!canWrite(role)) return fileNotFound(parentId);
      return { parents: [parentId], driveId: drive.id };
    }
    const parent = domain.drive.files.get(parentId);
    if (!parent || !world.fileVisibleTo(domain, parent, user.primaryEmail)) return fileNotFound(parentId);
    if (!canWrite(roleOf(domain, parent, user.primaryEmail))) return insufficient();
    return { parents: [parentId], driveId: parent.driveId };
  }

  function applyMetadata(file: Partial<DriveFile>, metadata: Record<string, unknown>): Reply | undefined {
    if (metadata.name !== undefined) {
      if (typeof metadata.name !== 'string') return invalidArgument('Invalid value for name');
      file.name = metadata.name;
    }
    if (typeof metadata.description === 'string') file.description = metadata.description;
    if (typeof metadata.starred === 'boolean') file.starred = metadata.starred;
    if (typeof metadata.trashed === 'boolean') {
      file.trashed = metadata.trashed;
      file.explicitlyTrashed = metadata.trashed;
    }
    for (const field of ['appProperties', 'properties'] as const) {
      const value = metadata[field];
      if (value === undefined) continue;
      if (!value || typeof value !== 'object') return invalidArgument(`Invalid value for ${field}`);
      const merged = { ...(file[field] ?? {}) };
      for (const [key, entry] of Object.entries(value as Record<string, unknown>)) {
        if (entry === null) delete merged[key];
        else merged[key] = String(entry);
      }
      file[field] = merged;
    }
    if (typeof metadata.modifiedTime === 'string') {
      const time = Date.parse(metadata.modifiedTime);
      if (Number.isNaN(time)) return invalidArgument('Invalid value for modifiedTime');
      file.modifiedTime = time;
    }
    return undefined;
  }

  function createFile(
    ctx: RequestContext,
    domain: Domain,
    user: User,
    metadata: Record<string, unknown>,
    content: Buffer | undefined,
    contentType: string | undefined,
  ): Reply {
    const mimeType =
      typeof metadata.mimeType === 'string' ? metadata.mimeType : (contentType ?? 'application/octet-stream');
    const overLimit = content ? limitUpload(user.primaryEmail, content.length) : undefined;
    if (overLimit) return overLimit;
    const placement = resolveParents(domain, user, metadata.parents);
    if ('status' in placement) return placement;
    if (mimeType === 'application/vnd.google-apps.shortcut') {
      const details = metadata.shortcutDetails as { targetId?: string } | undefined;
      const target = details?.targetId ? domain.drive.files.get(details.targetId) : undefined;
      if (!target) return invalidArgument('The shortcut target is missing or invalid.');
    }
    const draft: Partial<DriveFile> = {
      name: 'Untitled',
      appProperties: {},
      properties: {},
      starred: false,
      trashed: false,
      explicitlyTrashed: false,
    };
    const invalid = applyMetadata(draft, metadata);
    if (invalid) return invalid;
    const created = world.addFile(domain, {
      name: draft.name ?? 'Untitled',
      mimeType,
      parents: placement.parents,
      driveId: placement.driveId,
      ownerEmail: placement.driveId ? undefined : user.primaryEmail,
      trashed: draft.trashed ?? false,
      explicitlyTrashed: draft.explicitlyTrashed ?? false,
      starred: draft.starred ?? false,
      description: draft.description,
      appProperties: draft.appProperties ?? {},
      properties: draft.properties ?? {},
      content: mimeType === GOOGLE_FOLDER ? undefined : (content ?? Buffer.alloc(0)),
      docText: isGoogleType(mimeType) && !content ? '' : undefined,
      shortcutDetails: metadata.shortcutDetails
        ? {
            targetId: String((metadata.shortcutDetails as { targetId?: string }).targetId),
            targetMimeType:
              domain.drive.files.get(String((metadata.shortcutDetails as { targetId?: string }).targetId))?.mimeType ??
              'application/octet-stream',
          }
        : undefined,
      permissions: placement.driveId
        ? []
        : [
            {
              id: `perm-${user.id}`,
              type: 'user',
              role: 'owner',
              emailAddress: user.primaryEmail,
              displayName: `${user.givenName} ${user.familyName}`,
            },
          ],
      modifiedTime: draft.modifiedTime,
      createdTime:
        typeof metadata.createdTime === 'string' && !Number.isNaN(Date.parse(metadata.createdTime))
          ? Date.parse(metadata.createdTime)
          : undefined,
    });
    return withFields(ctx, fileResource(ctx, domain, user, created), 'kind,id,name,mimeType');
  }

  function updateFile(
    ctx: RequestContext,
    domain: Domain,
    user: User,
    id: string,
    metadata: Record<string, unknown>,
    content: Buffer | undefined,
  ): Reply {
    const file = visibleFile(ctx, domain, user, id);
    if ('status' in file) return file;
    if (!canWrite(roleOf(domain, file, user.primaryEmail))) return insufficient();
    const overLimit = content ? limitUpload(user.primaryEmail, content.length) : undefined;
    if (overLimit) return overLimit;
    const changes: Partial<DriveFile> = { appProperties: file.appProperties, properties: file.properties };
    const invalid = applyMetadata(changes, metadata);
    if (invalid) return invalid;
    const addParents = ctx.query.get('addParents');
    const removeParents = ctx.query.get('removeParents');
    if (addParents || removeParents) {
      let parents = file.parents.filter((p) => !(removeParents ?? '').split(',').includes(p));
      if (addParents) {
        const placement = resolveParents(domain, user, [addParents]);
        if ('status' in placement) return placement;
        parents = [...parents, ...placement.parents];
      }
      if (parents.length > 1)
        return googleError(403, 'Increasing the number of parents is not allowed', 'cannotAddParent');
      changes.parents = parents;
    }
    if (content) {
      changes.content = content;
      changes.gen = undefined;
      changes.docText = undefined;
    }
    world.touchFile(domain, file, changes);
    return withFields(ctx, fileResource(ctx, domain, user, file), 'kind,id,name,mimeType');
  }

  function upload(ctx: RequestContext, create: boolean): Reply {
    const who = context(ctx);
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
    const who = context(ctx);
    if ('status' in who) return who;
    const result = uploads.put(ctx);
    if ('status' in result) return result;
    const session: UploadSession = result.complete;
    const metadata = (session.metadata ?? {}) as Record<string, unknown>;
    const scoped: RequestContext = { ...ctx, query: session.query };
    if (create) return createFile(scoped, who.domain, who.user, metadata, result.content, session.contentType);
    return updateFile(scoped, who.domain, who.user, session.routeParams.fileId ?? '', metadata, result.content);
  }

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
    const who = context(ctx);
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

  function listPage<T>(
    items: T[],
    ctx: RequestContext,
    fallback: number,
    limit: number,
  ): { page: T[]; next?: string } | Reply {
    const raw = ctx.query.get('pageSize');
    const size = raw === null ? fallback : Number(raw);
    if (!Number.isInteger(size) || size < 1 || size > limit) {
      return invalidArgument(
        `Invalid value for pageSize: ${raw}. Values must be within the range: [1, ${limit}]`,
        'pageSize',
      );
    }
    const tokenRaw = ctx.query.get('pageToken');
    const offset = tokenRaw ? Number(Buffer.from(tokenRaw, 'base64url').toString()) : 0;
    if (!Number.isInteger(offset) || offset < 0) return invalidArgument('Invalid Value', 'pageToken');
    const page = items.slice(offset, offset + size);
    return {
      page,
      next: offset + size < items.length ? Buffer.from(String(offset + size)).toString('base64url') : undefined,
    };
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
  const writeParams = [
    'supportsAllDrives',
    'supportsTeamDrives',
    'addParents',
    'removeParents',
    'keepRevisionForever',
    'ocrLanguage',
    'useContentAsIndexableText',
    'ignoreDefaultVisibility',
    'includePermissionsForView',
    'includeLabels',
    'enforceSingleParent',
  ];

  return [
    {
      method: 'GET',
      pattern: `${base}/about`,
      name: 'drive.about.get',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveRead,
      queryParams: [],
      handler(ctx) {
        const who = context(ctx);
        if ('status' in who) return who;
        const { user } = who;
        return withFields(
          ctx,
          {
            kind: 'drive#about',
            user: {
              kind: 'drive#user',
              displayName: `${user.givenName} ${user.familyName}`,
              emailAddress: user.primaryEmail,
              me: true,
              permissionId: `perm-${user.id}`,
            },
            storageQuota: { limit: '16106127360', usage: '0' },
          },
          'user',
        );
      },
    },
    {
      method: 'GET',
      pattern: `${base}/files`,
      name: 'drive.files.list',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveRead,
      queryParams: listParams,
      handler(ctx) {
        const who = context(ctx);
        if ('status' in who) return who;
        const { user, domain } = who;
        const corpora = ctx.query.get('corpora') ?? 'user';
        const driveId = ctx.query.get('driveId') ?? ctx.query.get('teamDriveId');
        const allDrives =
          ctx.query.get('includeItemsFromAllDrives') === 'true' || ctx.query.get('includeTeamDriveItems') === 'true';
        if (!['user', 'drive', 'allDrives', 'domain'].includes(corpora))
          return invalidArgument('Invalid Value', 'corpora');
        if (corpora === 'drive' && !driveId)
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
          const drive = domain.drive.drives.get(driveId);
          if (!drive?.permissions.some((p) => p.emailAddress === user.primaryEmail)) {
            return googleError(404, `Shared drive not found: ${driveId}`, 'notFound', {
              location: 'driveId',
              locationType: 'parameter',
            });
          }
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
        const who = context(ctx);
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
        const who = context(ctx);
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
    {
      method: 'PATCH',
      pattern: `${base}/files/:fileId`,
      name: 'drive.files.update',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveWrite,
      queryParams: writeParams,
      handler(ctx) {
        const who = context(ctx);
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
        const who = context(ctx);
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
    {
      method: 'GET',
      pattern: `${base}/changes/startPageToken`,
      name: 'drive.changes.getStartPageToken',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveRead,
      queryParams: ['driveId', 'supportsAllDrives', 'supportsTeamDrives', 'teamDriveId'],
      handler(ctx) {
        const who = context(ctx);
        if ('status' in who) return who;
        const driveId = ctx.query.get('driveId');
        if (driveId) {
          const drive = who.domain.drive.drives.get(driveId);
          if (!drive?.permissions.some((p) => p.emailAddress === who.user.primaryEmail)) {
            return googleError(404, `Shared drive not found: ${driveId}`, 'notFound', {
              location: 'driveId',
              locationType: 'parameter',
            });
          }
        }
        return withFields(
          ctx,
          { kind: 'drive#startPageToken', startPageToken: String(who.domain.drive.changeSeq + 1) },
          '*',
        );
      },
    },
    {
      method: 'GET',
      pattern: `${base}/changes`,
      name: 'drive.changes.list',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveRead,
      queryParams: [
        'pageToken',
        'pageSize',
        'driveId',
        'includeItemsFromAllDrives',
        'supportsAllDrives',
        'includeRemoved',
        'restrictToMyDrive',
        'spaces',
        'includeCorpusRemovals',
        'includeTeamDriveItems',
        'supportsTeamDrives',
        'teamDriveId',
        'includePermissionsForView',
        'includeLabels',
      ],
      handler(ctx) {
        const who = context(ctx);
        if ('status' in who) return who;
        const { user, domain } = who;
        const tokenRaw = ctx.query.get('pageToken');
        if (!tokenRaw)
          return googleError(400, 'Required parameter: pageToken', 'required', {
            location: 'pageToken',
            locationType: 'parameter',
          });
        const from = Number(tokenRaw);
        if (!Number.isInteger(from) || from < 1)
          return googleError(400, 'Invalid Value', 'invalid', { location: 'pageToken', locationType: 'parameter' });
        const driveId = ctx.query.get('driveId');
        if (driveId) {
          const drive = domain.drive.drives.get(driveId);
          if (!drive?.permissions.some((p) => p.emailAddress === user.primaryEmail)) {
            return googleError(404, `Shared drive not found: ${driveId}`, 'notFound', {
              location: 'driveId',
              locationType: 'parameter',
            });
          }
        }
        const allDrives = ctx.query.get('includeItemsFromAllDrives') === 'true';
        const includeRemoved = ctx.query.get('includeRemoved') !== 'false';
        const sizeRaw = ctx.query.get('pageSize');
        const size = sizeRaw === null ? 100 : Number(sizeRaw);
        if (!Number.isInteger(size) || size < 1 || size > 1000)
          return invalidArgument(
            `Invalid value for pageSize: ${sizeRaw}. Values must be within the range: [1, 1000]`,
            'pageSize',
          );
        const latest = new Map<string, (typeof domain.drive.changes)[number]>();
        for (const change of domain.drive.changes) {
          if (change.seq < from || !change.fileId) continue;
          const file = domain.drive.files.get(change.fileId);
          if (driveId) {
            if (change.driveId !== driveId) continue;
          } else if (change.driveId) {
            if (!allDrives) continue;
            const drive = domain.drive.drives.get(change.driveId);
            if (!drive?.permissions.some((p) => p.emailAddress === user.primaryEmail)) continue;
          } else if (
            file
              ? !world.fileVisibleTo(domain, file, user.primaryEmail) && !change.visibleTo.includes(user.primaryEmail)
              : !change.visibleTo.includes(user.primaryEmail)
          )
            continue;
          latest.delete(change.fileId);
          latest.set(change.fileId, change);
        }
        const ordered = [...latest.values()].sort((a, b) => a.seq - b.seq).filter((c) => includeRemoved || !c.removed);
        const page = ordered.slice(0, size);
        const changes = page.map((change) => {
          const file = change.fileId ? domain.drive.files.get(change.fileId) : undefined;
          const removed =
            change.removed || !file || (!world.fileVisibleTo(domain, file, user.primaryEmail) && !driveId);
          const entry: Record<string, unknown> = {
            kind: 'drive#change',
            changeType: 'file',
            type: 'file',
            time: new Date(change.time).toISOString(),
            removed,
            fileId: change.fileId,
          };
          if (change.driveId) entry.driveId = change.driveId;
          if (!removed && file) entry.file = fileResource(ctx, domain, user, file);
          return entry;
        });
        const body: Record<string, unknown> = { kind: 'drive#changeList', changes };
        const next = ordered[size];
        if (next) body.nextPageToken = String(next.seq);
        else body.newStartPageToken = String(domain.drive.changeSeq + 1);
        return withFields(
          ctx,
          body,
          'kind,nextPageToken,newStartPageToken,changes(kind,changeType,type,time,removed,fileId,driveId,file(kind,id,name,mimeType))',
        );
      },
    },
    {
      method: 'GET',
      pattern: `${base}/drives`,
      name: 'drive.drives.list',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveRead,
      queryParams: ['useDomainAdminAccess', 'pageSize', 'pageToken', 'q'],
      handler(ctx) {
        const who = context(ctx);
        if ('status' in who) return who;
        const admin = ctx.query.get('useDomainAdminAccess') === 'true';
        if (admin && !who.user.isAdmin) {
          return googleError(
            403,
            'The attempted action requires shared drive domain administrator access.',
            'domainPolicy',
          );
        }
        const drives = [...who.domain.drive.drives.values()].filter(
          (d) => admin || d.permissions.some((p) => p.emailAddress === who.user.primaryEmail),
        );
        const paged = listPage(drives, ctx, 10, 100);
        if ('status' in paged) return paged;
        const body: Record<string, unknown> = {
          kind: 'drive#driveList',
          drives: paged.page.map((d) => ({
            kind: 'drive#drive',
            id: d.id,
            name: d.name,
            createdTime: new Date(d.createdTime).toISOString(),
            hidden: d.hidden,
          })),
        };
        if (paged.next) body.nextPageToken = paged.next;
        return withFields(ctx, body, '*');
      },
    },
    {
      method: 'GET',
      pattern: `${base}/files/:fileId/permissions`,
      name: 'drive.permissions.list',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveRead,
      queryParams: [
        'supportsAllDrives',
        'supportsTeamDrives',
        'useDomainAdminAccess',
        'pageSize',
        'pageToken',
        'includePermissionsForView',
      ],
      handler(ctx) {
        const who = context(ctx);
        if ('status' in who) return who;
        const admin = ctx.query.get('useDomainAdminAccess') === 'true' && who.user.isAdmin;
        const id = ctx.params.fileId ?? '';
        const drive = who.domain.drive.drives.get(id);
        let permissions: DrivePermission[];
        if (drive) {
          if (!admin && !drive.permissions.some((p) => p.emailAddress === who.user.primaryEmail))
            return fileNotFound(id);
          permissions = drive.permissions;
        } else {
          const file = visibleFile(ctx, who.domain, who.user, id);
          if ('status' in file) return file;
          permissions = file.driveId
            ? (who.domain.drive.drives.get(file.driveId)?.permissions ?? [])
            : file.permissions;
        }
        return withFields(
          ctx,
          { kind: 'drive#permissionList', permissions: permissions.map((p) => ({ kind: 'drive#permission', ...p })) },
          '*',
        );
      },
    },
    {
      method: 'POST',
      pattern: `${base}/files/:fileId/permissions`,
      name: 'drive.permissions.create',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveWrite,
      queryParams: [
        'supportsAllDrives',
        'supportsTeamDrives',
        'useDomainAdminAccess',
        'sendNotificationEmail',
        'emailMessage',
        'transferOwnership',
        'moveToNewOwnersRoot',
        'enforceSingleParent',
      ],
      handler(ctx) {
        const who = context(ctx);
        if ('status' in who) return who;
        const file = visibleFile(ctx, who.domain, who.user, ctx.params.fileId ?? '');
        if ('status' in file) return file;
        if (!canWrite(roleOf(who.domain, file, who.user.primaryEmail))) return insufficient();
        const parsed = parseJsonBody(ctx.body);
        if (!parsed.ok) return parsed.reply;
        const input = (parsed.value ?? {}) as Record<string, unknown>;
        const type = String(input.type ?? '');
        const role = String(input.role ?? '');
        if (!['user', 'group', 'domain', 'anyone'].includes(type))
          return googleError(400, 'Invalid permission type specified', 'invalid', {
            location: 'permission.type',
            locationType: 'other',
          });
        if (!['owner', 'organizer', 'fileOrganizer', 'writer', 'commenter', 'reader'].includes(role))
          return googleError(400, 'Invalid permission role specified', 'invalid', {
            location: 'permission.role',
            locationType: 'other',
          });
        if ((type === 'user' || type === 'group') && typeof input.emailAddress !== 'string') {
          return googleError(400, 'The permission value field is required.', 'required', {
            location: 'permission.value',
            locationType: 'other',
          });
        }
        if (role === 'owner' && ctx.query.get('transferOwnership') !== 'true') {
          return googleError(
            403,
            "The transferOwnership parameter must be enabled when the permission role is 'owner'.",
            'forbidden',
            { location: 'transferOwnership', locationType: 'parameter' },
          );
        }
        const email = typeof input.emailAddress === 'string' ? input.emailAddress.toLowerCase() : undefined;
        const target = email ? who.domain.users.get(email) : undefined;
        const permission: DrivePermission = {
          id: target
            ? `perm-${target.id}`
            : `perm-${Buffer.from(email ?? String(input.domain ?? type))
                .toString('hex')
                .slice(0, 20)}`,
          type: type as DrivePermission['type'],
          role: role as DrivePermission['role'],
          emailAddress: email,
          domain: typeof input.domain === 'string' ? input.domain : undefined,
          displayName: target ? `${target.givenName} ${target.familyName}` : undefined,
        };
        const permissions = file.permissions.filter((p) => p.id !== permission.id);
        permissions.push(permission);
        world.touchFile(who.domain, file, { permissions, ...(role === 'owner' && email ? { ownerEmail: email } : {}) });
        return withFields(ctx, { kind: 'drive#permission', ...permission }, 'kind,id,type,role');
      },
    },
  ];
}
