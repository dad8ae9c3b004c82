// What every resource of the emulated Drive API v3 shares: the caller, the file resource as
// Drive returns it, file visibility and roles, the common errors, partial responses and paging.
// The resources (files, uploads, changes, drives, permissions, about) are factories in this
// folder taking `DriveShared`; routes.ts puts them together.
import { googleError, invalidArgument, json, type Reply } from '../../http-reply.ts';
import { EXPORT_FORMATS, GOOGLE_FOLDER } from '../../office-files.ts';
import { applyFields, parseFields } from '../../partial-response.ts';
import type { RequestContext } from '../../router.ts';
import type { Domain, DriveFile, DrivePermission, User } from '../../state.ts';
import type { World } from '../../world.ts';

export const DRIVE_BASE = '/drive/v3';

export function fileNotFound(id: string): Reply {
  return googleError(404, `File not found: ${id}.`, 'notFound', { location: 'fileId', locationType: 'parameter' });
}

export function insufficient(): Reply {
  return googleError(
    403,
    'The user does not have sufficient permissions for this file.',
    'insufficientFilePermissions',
  );
}

export function isGoogleType(mimeType: string): boolean {
  return mimeType.startsWith('application/vnd.google-apps.');
}

export function roleOf(domain: Domain, file: DriveFile, email: string): DrivePermission['role'] | undefined {
  if (file.driveId) {
    const drive = domain.drive.drives.get(file.driveId);
    return drive?.permissions.find((p) => p.emailAddress === email)?.role;
  }
  if (file.ownerEmail === email) return 'owner';
  return file.permissions.find((p) => p.emailAddress === email)?.role;
}

export function canWrite(role: DrivePermission['role'] | undefined): boolean {
  return role === 'owner' || role === 'organizer' || role === 'fileOrganizer' || role === 'writer';
}

export function withFields(ctx: RequestContext, value: Record<string, unknown>, defaults: string): Reply {
  const fields = parseFields(ctx.query.get('fields') ?? defaults);
  if (!fields) return invalidArgument('Invalid field selection', 'fields');
  return json(applyFields(value, fields) as Record<string, unknown>);
}

/** The 404 Drive answers for a shared drive the user is not a member of (or that does not exist). */
export function unlessDriveMember(domain: Domain, user: User, driveId: string): Reply | undefined {
  const drive = domain.drive.drives.get(driveId);
  if (drive?.permissions.some((p) => p.emailAddress === user.primaryEmail)) return undefined;
  return googleError(404, `Shared drive not found: ${driveId}`, 'notFound', {
    location: 'driveId',
    locationType: 'parameter',
  });
}

/** The calling user and their domain, or the reply refusing an unknown caller. */
export function caller(ctx: RequestContext): { user: User; domain: Domain } | Reply {
  if (!ctx.user || !ctx.domain) return insufficient();
  return { user: ctx.user, domain: ctx.domain };
}

/** One page of `items` by pageSize (1..limit, default `fallback`) and an offset pageToken. */
export function listPage<T>(
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

export const DRIVE_WRITE_PARAMS = [
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

export interface DriveShared {
  world: World;
  /** A file as the Drive API returns it to `user`. */
  fileResource(ctx: RequestContext, domain: Domain, user: User, file: DriveFile): Record<string, unknown>;
  /** The file `id` ('root' too) if `user` may see it, else the not-found reply. */
  visibleFile(ctx: RequestContext, domain: Domain, user: User, id: string): DriveFile | Reply;
}

export function createDriveShared(world: World): DriveShared {
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

  return { world, fileResource, visibleFile };
}
