// The backup engine's side of the customers module's extension points. Customers declares the
// hooks it needs (CustomerHooks, TenantRepositoryStorage) and never imports backup, which
// imports customers (its Google client, its users); the composition roots (runtime.ts,
// http/modules.ts, the CLI, test support) pass these in.
import type { AppContext } from '../../context.ts';
import type { CustomerHooks, TenantRepositoryStorage } from '../customers/index.ts';
import { listSharedDriveSubjects } from './directory-subjects.ts';
import { deleteRepositoryObjects } from './locked-deletions.ts';
import { ensureSources } from './queue-runs.ts';
import { deleteUserBackups } from './retention.ts';
import { countRepositoryObjects, createTenantRepositoryKeys, tenantRepositoryLocationOf } from './tenant-repository.ts';

/**
 * A new tenant gets its repository keys at once; a purged user's backups are deleted (gc
 * reclaims the space); after each directory sync the protected shared drives get their Drive
 * sources, which the schedule backs up (a new drive follows the tenant's "protect new" switch).
 */
export function backupCustomerHooks(
  ctx: Pick<AppContext, 'db' | 'clock' | 'config' | 'masterKey' | 'logger'>,
): CustomerHooks {
  return {
    tenantCreated: async (customerId) => {
      await createTenantRepositoryKeys(ctx, customerId);
    },
    userPurgeDue: async (user) => {
      await deleteUserBackups(ctx, user);
    },
    directorySynced: async ({ customerId, adminEmail, google }) => {
      const drives = await listSharedDriveSubjects(ctx, customerId, google, adminEmail);
      await ensureSources(ctx, customerId, drives, ['drive']);
    },
  };
}

/** The tenant repositories, as tenant deletion sees them. */
export const tenantRepositoryStorage: TenantRepositoryStorage = {
  locationOf: tenantRepositoryLocationOf,
  deleteObjects: deleteRepositoryObjects,
  countObjects: countRepositoryObjects,
};
