// What the customers module's use cases depend on (tenant connection, directory sync,
// licensing), built once from the AppContext, plus the hooks other modules fill in.

import type { GoogleClient } from '@safehold/google';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config/config.ts';
import type { AppContext } from '../../context.ts';
import type { Db } from '../../db/database.ts';
import type { Logger } from '../../logger.ts';
import type { AuditEntryInput, AuditService } from '../audit/index.ts';
import type { MailService } from '../notifications/index.ts';
import {
  configuredGoogleProjects,
  type GoogleClientFactory,
  type GoogleProject,
  googleClientFactory,
  serviceAccountClientId,
} from './google-client.ts';

/**
 * Extension points for the backup engine, which owns tenant keys and backup data. Declared here
 * and filled in by the composition root (backup's backupCustomerHooks), so that customers does
 * not import backup, which imports customers. Unset hooks are skipped (and the report of the
 * calling use case says so where it matters).
 */
export interface CustomerHooks {
  /** After a new customer tenant is created: create its repository keys (createTenantRepositoryKeys). */
  tenantCreated?(customerId: string): Promise<void>;
  /**
   * A user's 60-day grace period after losing their license has ended: delete the user's
   * backup data. The user is marked purged only after this resolves; a throw leaves the user
   * due, and the next purge run tries again.
   */
  userPurgeDue?(user: { customerId: string; userId: string; email: string }): Promise<void>;
  /**
   * A directory sync completed: the backup engine lists the domain's shared drives as the admin
   * the sync used (new ones remembered and, when the tenant protects new drives, registered for
   * the schedule), so a drive created today is in tonight's backup. A throw is logged; the sync
   * stands.
   */
  directorySynced?(sync: { customerId: string; adminEmail: string; google: GoogleClient }): Promise<void>;
}

export interface CustomersDeps {
  db: Db;
  clock: Clock;
  logger: Logger;
  audit: AuditService;
  mail: MailService;
  /** Base of links in emails. A function: `safehold start` may replace the configuration. */
  publicUrl(): string;
  google: GoogleClientFactory;
  /** A project's service-account OAuth client id (what an admin authorises for delegation); unset: the default project's. */
  googleClientId(project?: string | null): string;
  /** The installation's Cloud projects in configuration order (empty: no key configured). */
  googleProjects(): GoogleProject[];
  /** The Google settings (quota limits, keys) as configured now: the project-quota condition reads them. */
  googleSettings(): Config['google'];
  hooks: CustomerHooks;
}

/** Who did something, for audit entries (the tenant lists are added by the use case). */
export type AuditActor = Pick<AuditEntryInput, 'actor' | 'ip' | 'userAgent' | 'onBehalfOf'> & {
  /** Extra tenant logs that should show the entry (e.g. the acting partner's). */
  tenants?: AuditEntryInput['tenants'];
};

export const systemAuditActor = (label: string): AuditActor => ({ actor: { kind: 'system', label } });

/** What the composition root passes in; `hooks` has no default, so no caller can forget the backup engine's. */
export interface CustomersDepsOptions {
  google?: GoogleClientFactory;
  googleClientId?: (project?: string | null) => string;
  hooks: CustomerHooks;
}

/** The options of a module that builds its CustomersDeps per AppContext (the HTTP modules): the hooks per context. */
export type CustomersModuleOptions = Omit<CustomersDepsOptions, 'hooks'> & { hooks(ctx: AppContext): CustomerHooks };

export function createCustomersDeps(ctx: AppContext, options: CustomersDepsOptions): CustomersDeps {
  return {
    db: ctx.db,
    clock: ctx.clock,
    logger: ctx.logger,
    audit: ctx.audit,
    mail: ctx.mail,
    publicUrl: () => ctx.config.publicUrl,
    google: options.google ?? googleClientFactory(ctx),
    googleClientId: options.googleClientId ?? ((project) => serviceAccountClientId(ctx.config.google, project)),
    googleProjects: () => configuredGoogleProjects(ctx.config.google),
    googleSettings: () => ctx.config.google,
    hooks: options.hooks,
  };
}
