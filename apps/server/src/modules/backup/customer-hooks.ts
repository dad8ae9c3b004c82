// The backup engine's side of the customers module's extension points. Customers declares the
// hooks it needs (CustomerHooks, TenantRepositoryStorage) and never imports backup, which
// imports customers (its Google client, its users); the composition roots (runtime.ts,
// http/modules.ts, the CLI, test support) pass these in.
import type { AppContext } from '../../context.ts';
import type { CustomerHooks, TenantRepositoryStorage } from '../customers/index.ts';
import { deleteUserBackups } from './maintenance.ts';
import {
  countRepositoryObjects,
  createTenantRepositoryKeys,
  deleteTenantRepository,
  tenantRepositoryLocationOf,
} from './tenant-repository.ts';

/** A new tenant gets its repository keys at once; a purged user's backups are deleted (gc reclaims the space). */
export function backupCustomerHooks(ctx: Pick<AppContext, 'db' | 'config' | 'masterKey' | 'logger'>): CustomerHooks {
  return {
    tenantCreated: async (customerId) => {
      await createTenantRepositoryKeys(ctx, customerId);
    },
    userPurgeDue: async (user) => {
      await deleteUserBackups(ctx, user);
    },
  };
}

/** The tenant repositories, as tenant deletion sees them. */
export const tenantRepositoryStorage: TenantRepositoryStorage = {
  locationOf: tenantRepositoryLocationOf,
  deleteObjects: deleteTenantRepository,
  countObjects: countRepositoryObjects,
};
