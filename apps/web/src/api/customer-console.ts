// The customer console's API as its pages use it: TanStack Query options and mutations over
// the generated client for the Dashboard (backup summary, last backup per user and service,
// "Back up now"), the License Manager (users, org units, licensing, Save Changes), the Users
// page (every directory user's last backups) and the Shared drives page (protection).
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type QueryOf<T> = T extends { parameters: { query?: infer Q } } ? NonNullable<Q> : never;

export type BackupSummary = JsonOf<paths['/api/customers/{customerId}/backup/summary']['get']['responses'][200]>;
export type UserBackupsPage = JsonOf<paths['/api/customers/{customerId}/backup/users']['get']['responses'][200]>;
export type UserBackup = UserBackupsPage['users'][number];
export type UsersPage = JsonOf<paths['/api/customers/{customerId}/users']['get']['responses'][200]>;
export type DirectoryUser = UsersPage['users'][number];
export type UsersQuery = QueryOf<paths['/api/customers/{customerId}/users']['get']>;
export type Licensing = JsonOf<paths['/api/customers/{customerId}/licensing']['get']['responses'][200]>;
export type LicenseReport = JsonOf<paths['/api/customers/{customerId}/licenses']['post']['responses'][200]>;
export type LicenseState = DirectoryUser['license'];

export const customerKeys = {
  all: (customerId: string) => ['customer', customerId] as const,
  backup: (customerId: string) => ['customer', customerId, 'backup'] as const,
  users: (customerId: string) => ['customer', customerId, 'users'] as const,
  licensing: (customerId: string) => ['customer', customerId, 'licensing'] as const,
  sharedDrives: (customerId: string) => ['customer', customerId, 'shared-drives'] as const,
};

export const ownCustomerQuery = queryOptions({
  queryKey: ['customer', 'own'],
  queryFn: () => call(() => api.GET('/api/customer')),
});

export function backupSummaryQuery(customerId: string, poll: boolean) {
  return queryOptions({
    queryKey: [...customerKeys.backup(customerId), 'summary'],
    queryFn: () =>
      call(() => api.GET('/api/customers/{customerId}/backup/summary', { params: { path: { customerId } } })),
    refetchInterval: poll ? 2000 : false,
  });
}

export function userBackupsQuery(
  customerId: string,
  query: { q?: string; limit: number; offset: number },
  poll: boolean,
) {
  return queryOptions({
    queryKey: [...customerKeys.backup(customerId), 'users', query],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/backup/users', {
          params: { path: { customerId }, query: { ...query, users: 'licensed' } },
        }),
      ),
    placeholderData: keepPreviousData,
    refetchInterval: poll ? 2000 : false,
  });
}

export function startBackup(customerId: string) {
  return call(() =>
    api.POST('/api/customers/{customerId}/backup/runs', { params: { path: { customerId } }, body: {} }),
  );
}

export function usersQuery(customerId: string, query: UsersQuery) {
  return queryOptions({
    queryKey: [...customerKeys.users(customerId), query],
    queryFn: () =>
      call(() => api.GET('/api/customers/{customerId}/users', { params: { path: { customerId }, query } })),
    placeholderData: keepPreviousData,
  });
}

export function orgUnitsQuery(customerId: string) {
  return queryOptions({
    queryKey: [...customerKeys.all(customerId), 'org-units'],
    queryFn: () => call(() => api.GET('/api/customers/{customerId}/org-units', { params: { path: { customerId } } })),
    staleTime: 60_000,
  });
}

export function licensingQuery(customerId: string) {
  return queryOptions({
    queryKey: customerKeys.licensing(customerId),
    queryFn: () => call(() => api.GET('/api/customers/{customerId}/licensing', { params: { path: { customerId } } })),
  });
}

export function saveLicenseChanges(customerId: string, changes: { userId: string; license: LicenseState }[]) {
  return call(() =>
    api.POST('/api/customers/{customerId}/licenses', { params: { path: { customerId } }, body: { changes } }),
  );
}

/** Legal hold on a user: while on, none of the user's backups are pruned (retention, the 60-day purge). */
export function setLegalHold(customerId: string, email: string, legalHold: boolean) {
  return call(() =>
    api.PUT('/api/customers/{customerId}/legal-hold', {
      params: { path: { customerId } },
      body: { email, legalHold },
    }),
  );
}

export function setAutoAssign(customerId: string, autoAssign: boolean) {
  return call(() =>
    api.PUT('/api/customers/{customerId}/licensing', { params: { path: { customerId } }, body: { autoAssign } }),
  );
}

/**
 * Every directory user (licensed or not) with the last backup of each service, searched and
 * paged on the server: the Users page. `items`/`bytes` arrive with the server's per-user figures.
 */
export function directoryBackupsQuery(customerId: string, query: { q?: string; limit: number; offset: number }) {
  return queryOptions({
    queryKey: [...customerKeys.backup(customerId), 'directory', query],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/backup/users', {
          params: { path: { customerId }, query: { ...query, users: 'all' } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

/** A user's figures protected as of each service's latest backup point, when the server sends them. */
export type ProtectedFigures = { items?: number; bytes?: number };

export type SharedDrivesPage = JsonOf<paths['/api/customers/{customerId}/shared-drives']['get']['responses'][200]>;
export type SharedDrive = SharedDrivesPage['drives'][number];

export function sharedDrivesQuery(customerId: string, query: { q?: string; limit: number; offset: number }) {
  return queryOptions({
    queryKey: [...customerKeys.sharedDrives(customerId), query],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/shared-drives', {
          params: { path: { customerId }, query: query.q ? query : { limit: query.limit, offset: query.offset } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function setDriveProtection(customerId: string, driveId: string, isProtected: boolean) {
  return call(() =>
    api.PUT('/api/customers/{customerId}/shared-drives/{driveId}/protection', {
      params: { path: { customerId, driveId } },
      body: { protected: isProtected },
    }),
  );
}

export function setProtectNewDrives(customerId: string, protectNew: boolean) {
  return call(() =>
    api.PUT('/api/customers/{customerId}/shared-drives/settings', {
      params: { path: { customerId } },
      body: { protectNew },
    }),
  );
}
