// Creating and updating Drive files (metadata, content, parents), shared by the JSON routes
// (files.ts) and the multipart and resumable uploads (uploads.ts).
import { googleError, invalidArgument, type Reply } from '../../http-reply.ts';
import { GOOGLE_FOLDER } from '../../office-files.ts';
import type { RequestContext } from '../../router.ts';
import type { Domain, DriveFile, User } from '../../state.ts';
import { canWrite, type DriveShared, fileNotFound, insufficient, isGoogleType, roleOf, withFields } from './shared.ts';

export interface FileWrites {
  createFile(
    ctx: RequestContext,
    domain: Domain,
    user: User,
    metadata: Record<string, unknown>,
    content: Buffer | undefined,
    contentType: string | undefined,
  ): Reply;
  updateFile(
    ctx: RequestContext,
    domain: Domain,
    user: User,
    id: string,
    metadata: Record<string, unknown>,
    content: Buffer | undefined,
  ): Reply;
}

export function createFileWrites(
  shared: DriveShared,
  limitUpload: (user: string, bytes: number) => Reply | undefined,
): FileWrites {
  const { world, fileResource, visibleFile } = shared;

  /**
   * Where a new or moved file goes. A shared drive (or a folder in one) as parent needs
   * supportsAllDrives=true, as at Google: without it the parent is "not found".
   */
  function resolveParents(
    ctx: RequestContext,
    domain: Domain,
    user: User,
    parents: unknown,
  ): { parents: string[]; driveId?: string } | Reply {
    const list = Array.isArray(parents) && parents.length > 0 ? parents.map(String) : [user.rootFolderId];
    if (list.length > 1) return googleError(403, 'Increasing the number of parents is not allowed', 'cannotAddParent');
    const parentId = list[0] === 'root' ? user.rootFolderId : (list[0] ?? user.rootFolderId);
    if (parentId === user.rootFolderId) return { parents: [parentId] };
    const drive = domain.drive.drives.get(parentId);
    const allDrives = ctx.query.get('supportsAllDrives') === 'true' || ctx.query.get('supportsTeamDrives') === 'true';
    if (drive) {
      if (!allDrives) return fileNotFound(parentId);
      const role = drive.permissions.find((p) => p.emailAddress === user.primaryEmail)?.role;
      if (!canWrite(role)) return fileNotFound(parentId);
      return { parents: [parentId], driveId: drive.id };
    }
    const parent = domain.drive.files.get(parentId);
    if (!parent || !world.fileVisibleTo(domain, parent, user.primaryEmail)) return fileNotFound(parentId);
    if (parent.driveId && !allDrives) return fileNotFound(parentId);
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
    const placement = resolveParents(ctx, domain, user, metadata.parents);
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
        const placement = resolveParents(ctx, domain, user, [addParents]);
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

  return { createFile, updateFile };
}
