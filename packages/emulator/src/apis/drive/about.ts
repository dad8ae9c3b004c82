// Drive about: the caller and a storage quota.
import type { Route } from '../../router.ts';
import { SCOPES } from '../scopes.ts';
import { caller, DRIVE_BASE, type DriveShared, withFields } from './shared.ts';

export function aboutRoutes(_shared: DriveShared): Route[] {
  const base = DRIVE_BASE;
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
        const who = caller(ctx);
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
  ];
}
