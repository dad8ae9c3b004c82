// Drive permissions: list (of a file, or of a shared drive) and create (with ownership transfer).
import { googleError, parseJsonBody } from '../../http-reply.ts';
import type { Route } from '../../router.ts';
import type { DrivePermission } from '../../state.ts';
import { SCOPES } from '../scopes.ts';
import {
  caller,
  canWrite,
  DRIVE_BASE,
  type DriveShared,
  fileNotFound,
  insufficient,
  roleOf,
  withFields,
} from './shared.ts';

export function permissionRoutes(shared: DriveShared): Route[] {
  const { world, visibleFile } = shared;
  const base = DRIVE_BASE;
  return [
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
        const who = caller(ctx);
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
        const who = caller(ctx);
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
