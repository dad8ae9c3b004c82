// What each partner role finds in the Reseller Console's navigation (PRODUCT.md §1, issue 18):
// owners and admins everything; technicians and read-only members no Partners, Team, Integrations
// or audit log; the Billing role no Alerts either (it reads Usage and billing). The server's policy module
// decides access for real (partner.alerts.read, partner.team.read, partner.integrations.manage,
// audit.read); this only keeps the console from offering a page whose API would answer 403.

export const partnerRoles = ['owner', 'admin', 'technician', 'read_only', 'billing'] as const;
export type PartnerRole = (typeof partnerRoles)[number];

/** The partner role of a session's user; anything else counts as the least, read-only. */
export function partnerRoleOf(user: { role: string }): PartnerRole {
  return (partnerRoles as readonly string[]).includes(user.role) ? (user.role as PartnerRole) : 'read_only';
}

const managing: readonly PartnerRole[] = ['owner', 'admin'];

/** Pages for some roles only; every other page of the console is for every role. */
const pageRoles: { prefix: string; roles: readonly PartnerRole[] }[] = [
  { prefix: '/partner/partners', roles: managing },
  { prefix: '/partner/alerts', roles: ['owner', 'admin', 'technician', 'read_only'] },
  { prefix: '/partner/team', roles: managing },
  { prefix: '/partner/integrations', roles: managing },
  { prefix: '/partner/audit', roles: managing },
];

function within(pathname: string, prefix: string): boolean {
  return pathname === prefix || pathname.startsWith(`${prefix}/`);
}

/** Whether this role may open this page of the Reseller Console. */
export function mayOpenPartnerPath(role: PartnerRole, pathname: string): boolean {
  const path = pathname.replace(/\/+$/, '') || '/';
  return pageRoles.every((page) => !within(path, page.prefix) || page.roles.includes(role));
}

/** The navigation a role sees: the console's list without the pages the role may not open. */
export function partnerNavFor<Item extends { to: string }>(role: PartnerRole, nav: readonly Item[]): Item[] {
  return nav.filter((item) => mayOpenPartnerPath(role, item.to));
}
