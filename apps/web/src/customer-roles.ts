// What each customer role opens in the customer console (PRODUCT.md §1): super admins
// everything; help-desk admins everything but Settings, the License Manager and the audit log
// (restore and export for anyone, no settings); end users only "My backups", their own data,
// and the pages of the restores and exports they started.
// The routes guard and filter the navigation with it, so that no page ever makes an end
// user's browser ask for an admin-only API (and show its 403). The server's policy module
// decides access for real; this only keeps the console from offering what it would refuse.
import type { Viewer } from './pages/user-backups/contract.ts';

export const customerRoles = ['super_admin', 'helpdesk_admin', 'end_user'] as const;
export type CustomerRole = (typeof customerRoles)[number];

export const dashboardPath = '/customer';
export const myBackupsPath = '/customer/my-backups';

/**
 * A restore's or an export's own page: where the notification of a job a person started links.
 * An end user may open those of their own jobs (the server answers 404 for anyone else's), not
 * the tenant's list of jobs.
 */
const jobPagePrefixes = ['/customer/restores/', '/customer/exports/'];

/** Pages for super admins only: a help-desk admin who asks for one is sent to the Dashboard. */
const superAdminOnly = ['/customer/settings', '/customer/license-manager', '/customer/audit'];

/** The customer role of a session's user; anything else counts as the least, an end user. */
export function customerRoleOf(user: { role: string }): CustomerRole {
  return (customerRoles as readonly string[]).includes(user.role) ? (user.role as CustomerRole) : 'end_user';
}

/** Where a customer member starts: end users on their own backups, admins on the Dashboard. */
export function customerLanding(role: CustomerRole): string {
  return role === 'end_user' ? myBackupsPath : dashboardPath;
}

function normalise(pathname: string): string {
  return pathname.replace(/\/+$/, '') || '/';
}

function within(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

/** `/customer/restores/<id>`, one segment below the prefix (not the list, nothing deeper). */
function isOneBelow(pathname: string, prefix: string): boolean {
  const rest = pathname.slice(prefix.length);
  return pathname.startsWith(prefix) && rest.length > 0 && !rest.includes('/');
}

/** Whether this role may open this page of the customer console. */
export function mayOpenCustomerPath(role: CustomerRole, pathname: string): boolean {
  const path = normalise(pathname);
  if (role === 'end_user') {
    return within(path, myBackupsPath) || jobPagePrefixes.some((prefix) => isOneBelow(path, prefix));
  }
  if (role === 'helpdesk_admin') return !superAdminOnly.some((prefix) => within(path, prefix));
  return true;
}

/** Where to send a member who asked for a page their role does not open, or null to let them in. */
export function customerRedirect(role: CustomerRole, pathname: string): string | null {
  return mayOpenCustomerPath(role, pathname) ? null : customerLanding(role);
}

/**
 * The navigation a role sees: the console's list without the pages the role may not open;
 * an end user's is "My backups" alone.
 */
export function customerNavFor<Item extends { label: string; to: string }>(
  role: CustomerRole,
  nav: readonly Item[],
  myBackups: Item,
): Item[] {
  if (role === 'end_user') return [myBackups];
  return nav.filter((item) => mayOpenCustomerPath(role, item.to));
}

/**
 * Who may change the tenant's settings (the server's `customer.settings.manage`: Access controls,
 * which shared drives are protected): the customer's super admins, and its managing partner's
 * owner and admins. A help-desk admin has no settings (PRODUCT.md §1).
 */
export function mayManageSettings(user: { console: string; role: string }): boolean {
  if (user.console === 'customer') return user.role === 'super_admin';
  if (user.console === 'partner') return user.role === 'owner' || user.role === 'admin';
  return false;
}

/** Who may change the Access controls: the customer's super admins, and its managing partner's owner and admins. */
export function mayManageAccessControls(user: { console: string; role: string }): boolean {
  return mayManageSettings(user);
}

/**
 * Who sees Settings › Administrators: the customer's super admins only. Partner staff, even in a
 * partner session, do not: who administers the domain is the customer's decision (the server's
 * `customer.roles.manage`).
 */
export function mayManageAdministrators(user: { console: string; role: string; partnerSession?: unknown }): boolean {
  return user.console === 'customer' && user.role === 'super_admin' && !user.partnerSession;
}
/** Who may set the Retention: the same people as the Access controls (the server's customer.settings.manage). */
export const mayManageRetention = mayManageAccessControls;
/**
 * Settings › API (the tenant's API tokens): the customer's own super admins only — not partner
 * staff, even in a partner session (the server refuses them too).
 */
export function mayManageApiTokens(user: { console: string; role: string }): boolean {
  return user.console === 'customer' && user.role === 'super_admin';
}

export interface AccessControls {
  allowUserAccess: boolean;
  allowUserExport: boolean;
}

/** The controls in one sentence, for the notice that they were saved. */
export function accessControlsSummary(controls: AccessControls): string {
  if (!controls.allowUserAccess) return 'Users cannot access their backups.';
  return controls.allowUserExport
    ? 'Users can access their backups and export their data.'
    : 'Users can access their backups but not export their data.';
}

/** What an end user reads in place of their backups, or of Export, when the administrator turned it off. */
export const accessOffSentence = 'Your administrator has turned off access to your backups.';
export const exportOffSentence = 'Your administrator has turned off exports of your data.';

/**
 * How "My backups" may be used: an end user as the Access controls allow, always into their
 * own account and never "Back up now"; an admin looking at their own data is not limited by
 * the controls (they are for users who are not administrators).
 */
export function selfViewer(role: CustomerRole, controls: AccessControls): Viewer {
  if (role !== 'end_user') return { mode: 'self', mayRestore: true, mayExport: true, mayBackUp: false };
  const mayExport = controls.allowUserAccess && controls.allowUserExport;
  return {
    mode: 'self',
    mayRestore: controls.allowUserAccess,
    mayExport,
    mayBackUp: false,
    ...(mayExport ? {} : { refusals: { export: exportOffSentence } }),
  };
}
