// Shared drives: the list (the caller's drives, or every drive with useDomainAdminAccess).
import { googleError } from '../../http-reply.ts';
import type { Route } from '../../router.ts';
import { SCOPES } from '../scopes.ts';
import { caller, DRIVE_BASE, type DriveShared, listPage, withFields } from './shared.ts';

export function sharedDriveRoutes(_shared: DriveShared): Route[] {
  const base = DRIVE_BASE;
  return [
    {
      method: 'GET',
      pattern: `${base}/drives`,
      name: 'drive.drives.list',
      api: 'drive',
      units: 1,
      scopes: SCOPES.driveRead,
      queryParams: ['useDomainAdminAccess', 'pageSize', 'pageToken', 'q'],
      handler(ctx) {
        const who = caller(ctx);
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
  ];
}
