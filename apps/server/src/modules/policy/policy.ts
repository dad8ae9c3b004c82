// Authorization in one place (PRODUCT.md §1): "may actor A do action X on tenant T?".
// Services call `authorize`; routes and UI never decide permissions themselves. Tenant data
// queries additionally filter by the tenant ids that `customerScope` allows.
import { AppError } from '../../http/errors.ts';

export const vendorRoles = ['admin', 'support'] as const;
export const partnerRoles = ['owner', 'admin', 'technician', 'read_only', 'billing'] as const;
export const customerRoles = ['super_admin', 'helpdesk_admin', 'end_user'] as const;
export type VendorRole = (typeof vendorRoles)[number];
export type PartnerRole = (typeof partnerRoles)[number];
export type CustomerRole = (typeof customerRoles)[number];
/** What a partner's API key may do (Integrations): each scope grants the actions listed in `apiKeyScopeActions`. */
export const apiKeyScopes = ['read', 'manage_customers', 'manage_licenses'] as const;
export type ApiKeyScope = (typeof apiKeyScopes)[number];

export type Actor =
  | { kind: 'vendor'; userId: string; role: VendorRole }
  | {
      kind: 'partner';
      userId: string;
      partnerId: string;
      role: PartnerRole;
      /** Customers assigned to this user (meaningful for technicians). */
      assignedCustomerIds: readonly string[];
      /** The customer console this user opened ("Open customer console"), while it lasts. */
      partnerSession?: PartnerSessionGrant | null;
    }
  | { kind: 'customer'; memberId: string; customerId: string; role: CustomerRole; email: string }
  /** A partner's API key (Authorization: Bearer): the partner's tenants, only what its scopes allow. */
  | { kind: 'api_key'; keyId: string; partnerId: string; scopes: readonly ApiKeyScope[] }
  /** A customer's API token (HTTP Basic on /api/v1, the Spanning-compatible API): its own tenant only. */
  | { kind: 'api_token'; tokenId: string; customerId: string }
  | { kind: 'system' };

/**
 * A partner session (issue 18 §2): a partner user acting inside one customer's console, for a
 * reason they gave, until `endsAt` (at most 60 minutes after it opened). The identity module
 * drops it once it has ended; the rules below also check the customer's switch at every request.
 */
export interface PartnerSessionGrant {
  customerId: string;
  reason: string;
  endsAt: Date;
}

/** The longest a partner session lasts. */
export const partnerSessionMaxMs = 60 * 60_000;

/**
 * The tenant an action is on. `partnerPath` lists the managing partner first, then its
 * ancestors up to the root: a partner sees a tenant when its own id is on that path.
 */
export type Tenant =
  | { kind: 'vendor' }
  | { kind: 'partner'; partnerId: string; partnerPath: readonly string[] }
  | {
      kind: 'customer';
      customerId: string;
      partnerPath: readonly string[];
      allowPartnerAccess: boolean;
      /** Settings › Access controls: end users may browse and restore their own backups. */
      allowUserAccess: boolean;
      /** …and export their own data (only while allowUserAccess is on). */
      allowUserExport: boolean;
    };

export const actions = [
  // vendor console
  'vendor.partners.read',
  'vendor.partners.manage',
  'vendor.outbox.read',
  'vendor.health.read',
  'vendor.jobs.retry',
  'vendor.operators.manage',
  // partner organisation
  'partner.read',
  'partner.team.manage',
  'partner.team.read',
  'partner.ownership.transfer',
  'partner.customers.add',
  'partner.customers.read',
  'partner.billing.read',
  'partner.alerts.read',
  'partner.alerts.digest',
  'partner.integrations.manage',
  'partner.usage.read',
  'partner.partners.read',
  'partner.partners.manage',
  // customer tenant
  'customer.read',
  'customer.licenses.manage',
  'customer.subscription.manage',
  'customer.backup.run',
  'customer.data.browse',
  'customer.data.restore',
  'customer.data.export',
  'customer.settings.manage',
  'customer.access_controls.read',
  'customer.roles.manage',
  'customer.transfer_token.manage',
  'customer.partner.remove',
  'customer.reseller.read',
  'customer.partner_access.manage',
  'customer.impersonate',
  'customer.audit.read',
  'customer.billing.read',
  'customer.delete',
  'customer.technicians.read',
  'customer.alerts.acknowledge',
  'customer.api_tokens.manage',
  'customer.google_project.move',
  'customer.authorization.check',
  // every tenant
  'audit.read',
  // one's own staff account (vendor operators and partner users; customers use Google)
  'account.password.change',
] as const;
export type Action = (typeof actions)[number];

type Rule = (actor: Actor, tenant: Tenant) => boolean;

const vendorAdmin: Rule = (actor) => actor.kind === 'vendor' && actor.role === 'admin';
const vendorAny: Rule = (actor) => actor.kind === 'vendor';
const onPath = (actor: Actor, tenant: Tenant): boolean =>
  (actor.kind === 'partner' || actor.kind === 'api_key') &&
  tenant.kind !== 'vendor' &&
  tenant.partnerPath.includes(actor.partnerId);

/** A partner user who may see this customer: in the subtree, and assigned if a technician. */
const partnerSees = (actor: Actor, tenant: Tenant): boolean => {
  if (actor.kind !== 'partner' || tenant.kind !== 'customer' || !onPath(actor, tenant)) return false;
  return actor.role !== 'technician' || actor.assignedCustomerIds.includes(tenant.customerId);
};
const partnerRole =
  (...roles: PartnerRole[]): Rule =>
  (actor, tenant) =>
    actor.kind === 'partner' && roles.includes(actor.role) && partnerSees(actor, tenant);
/** Whether the actor is inside a live partner session on this customer, which still allows it. */
const inPartnerSession = (actor: Actor, tenant: Tenant): boolean =>
  actor.kind === 'partner' &&
  tenant.kind === 'customer' &&
  tenant.allowPartnerAccess &&
  actor.partnerSession?.customerId === tenant.customerId;
/**
 * Customer data (browse, search, download, restore, export) for partner staff: only inside a
 * partner session on that customer (issue 18 §2); figures stay with `partnerRole`.
 */
const partnerRoleInSession =
  (...roles: PartnerRole[]): Rule =>
  (actor, tenant) =>
    partnerRole(...roles)(actor, tenant) && inPartnerSession(actor, tenant);
const ownPartnerOrg =
  (...roles: PartnerRole[]): Rule =>
  (actor, tenant) =>
    actor.kind === 'partner' && tenant.kind === 'partner' && roles.includes(actor.role) && onPath(actor, tenant);
const customerRole =
  (...roles: CustomerRole[]): Rule =>
  (actor, tenant) =>
    actor.kind === 'customer' &&
    tenant.kind === 'customer' &&
    tenant.customerId === actor.customerId &&
    roles.includes(actor.role);
type AccessControl = 'allowUserAccess' | 'allowUserExport';
/**
 * An end user of the tenant while the customer's access controls allow it. Only their own
 * data: the services also call `authorizeSubject` for the user whose backup is reached.
 */
const endUserWhile =
  (...flags: AccessControl[]): Rule =>
  (actor, tenant) =>
    customerRole('end_user')(actor, tenant) && tenant.kind === 'customer' && flags.every((flag) => tenant[flag]);
const onVendor: Rule = (_actor, tenant) => tenant.kind === 'vendor';
const isSystem: Rule = (actor) => actor.kind === 'system';
const all =
  (...rules: Rule[]): Rule =>
  (actor, tenant) =>
    rules.every((rule) => rule(actor, tenant));
const any =
  (...rules: Rule[]): Rule =>
  (actor, tenant) =>
    rules.some((rule) => rule(actor, tenant));

const managing = ['owner', 'admin'] as const satisfies PartnerRole[];
const operating = ['owner', 'admin', 'technician'] as const satisfies PartnerRole[];
const viewing = ['owner', 'admin', 'technician', 'read_only'] as const satisfies PartnerRole[];

const rules: Record<Action, Rule> = {
  'vendor.partners.read': all(onVendor, vendorAny),
  'vendor.partners.manage': all(onVendor, vendorAdmin),
  // Without SMTP the outbox is how invitation, setup and reset links reach people: reading
  // it is becoming them, so it is for vendor admins only (with SMTP it keeps no link).
  'vendor.outbox.read': all(onVendor, vendorAdmin),
  'vendor.health.read': all(onVendor, vendorAny),
  // Sending a failed job back to the queue changes what the installation does: admins only.
  'vendor.jobs.retry': all(onVendor, vendorAdmin),
  'vendor.operators.manage': all(onVendor, vendorAdmin),

  'partner.read': any(
    all(vendorAny, (_a, t) => t.kind === 'partner'),
    ownPartnerOrg(...partnerRoles),
  ),
  'partner.team.manage': ownPartnerOrg(...managing),
  // The Team page: members, their second factor and assigned customers, pending invitations.
  'partner.team.read': ownPartnerOrg(...managing),
  // Exactly one owner: only the owner hands the role on, within their own organisation.
  'partner.ownership.transfer': (actor, tenant) =>
    actor.kind === 'partner' &&
    actor.role === 'owner' &&
    tenant.kind === 'partner' &&
    tenant.partnerId === actor.partnerId,
  'partner.customers.add': ownPartnerOrg(...managing),
  // The Reseller Console's customers list (technicians: their assigned customers, in SQL).
  'partner.customers.read': any(
    all(vendorAny, (_a, t) => t.kind === 'partner'),
    ownPartnerOrg(...partnerRoles),
  ),
  'partner.billing.read': ownPartnerOrg('owner', 'admin', 'billing'),
  // Alerts across the partner's customers (technicians: their assigned customers, in SQL), and
  // one's own daily digest of them. Billing reads Usage and billing instead.
  'partner.alerts.read': any(
    all(vendorAny, (_a, t) => t.kind === 'partner'),
    ownPartnerOrg(...viewing),
  ),
  // The digest is a member's own choice, on their own organisation (not a child's).
  'partner.alerts.digest': all(
    ownPartnerOrg(...viewing),
    (actor, tenant) => actor.kind === 'partner' && tenant.kind === 'partner' && tenant.partnerId === actor.partnerId,
  ),
  // API keys and webhooks: the partner's owner and admins, of their own organisation only.
  'partner.integrations.manage': (actor, tenant) =>
    actor.kind === 'partner' &&
    tenant.kind === 'partner' &&
    tenant.partnerId === actor.partnerId &&
    (managing as readonly PartnerRole[]).includes(actor.role),
  // Usage and billing (issue 18 #4): every role of the partner's organisation (the Billing role's
  // page; technicians see their assigned customers only, in SQL) and the vendor, for any partner.
  'partner.usage.read': any(
    all(vendorAny, (_a, t) => t.kind === 'partner'),
    ownPartnerOrg(...partnerRoles),
  ),

  // Distributors (issue 18 #8): the child partners of the partner's subtree with their figures
  // (owner and admin of the distributor, or of a child for its own children; the vendor reads),
  // and onboarding a child partner under it (owner and admin only).
  'partner.partners.read': any(
    all(vendorAny, (_a, t) => t.kind === 'partner'),
    ownPartnerOrg(...managing),
  ),
  'partner.partners.manage': ownPartnerOrg(...managing),

  'customer.read': any(
    all(vendorAny, (_a, t) => t.kind === 'customer'),
    partnerRole(...viewing, 'billing'),
    customerRole('super_admin', 'helpdesk_admin'),
    // Operators at the command line (`safehold tenant list`, `licenses assign`) and jobs.
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  'customer.licenses.manage': any(
    partnerRole(...managing),
    customerRole('super_admin'),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  // The customer's lifecycle (convert to paid, seats, suspend, cancel, reactivate): what the
  // partner sells, so its owner and admins; the operator at the command line (`safehold tenant convert`).
  'customer.subscription.manage': any(
    partnerRole(...managing),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  'customer.backup.run': any(
    partnerRole(...operating),
    customerRole('super_admin', 'helpdesk_admin'),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  // The operator at the command line too: `safehold export` and `safehold restore` start theirs
  // through the same use cases as the API (startExport, startRestore), which ask this module.
  // End users: their own backups (PRODUCT §1), unless the customer turned that off.
  'customer.data.browse': any(
    partnerRoleInSession(...operating),
    customerRole('super_admin', 'helpdesk_admin'),
    endUserWhile('allowUserAccess'),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  // End users restore only into their own account (authorizeSubject on `user` and `to`).
  'customer.data.restore': any(
    partnerRoleInSession(...operating),
    customerRole('super_admin', 'helpdesk_admin'),
    endUserWhile('allowUserAccess'),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  // A zip of a user's data (and one item's download): a switch of its own for end users.
  'customer.data.export': any(
    partnerRoleInSession(...operating),
    customerRole('super_admin', 'helpdesk_admin'),
    endUserWhile('allowUserAccess', 'allowUserExport'),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  'customer.settings.manage': any(partnerRole(...managing), customerRole('super_admin')),
  // What end users may do with their backups: every member (their page says why something
  // is off) and whoever reads the tenant.
  'customer.access_controls.read': any(
    all(vendorAny, (_a, t) => t.kind === 'customer'),
    partnerRole(...viewing, 'billing'),
    customerRole('super_admin', 'helpdesk_admin', 'end_user'),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  // Settings › Administrators, making help-desk admins (and end users again): the customer's
  // super admins (issue 19 #4) and the operator at the command line (`safehold tenant role`).
  // Not partner staff, not even inside a partner session: who administers the domain is the
  // customer's decision (and `mayGrantRole` never lets a partner role grant a customer role).
  'customer.roles.manage': any(
    customerRole('super_admin'),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  'customer.transfer_token.manage': customerRole('super_admin'),
  'customer.partner.remove': customerRole('super_admin'),
  // The customer's own Reseller Settings (its partner, the live token's last 4 characters).
  'customer.reseller.read': any(
    all(vendorAny, (_a, t) => t.kind === 'customer'),
    customerRole('super_admin', 'helpdesk_admin'),
  ),
  // "Allow partner to open this console" is the customer's decision alone.
  'customer.partner_access.manage': customerRole('super_admin'),
  // "Open customer console": owners, admins and the assigned technician, never read-only or
  // billing, and only while the customer allows it.
  'customer.impersonate': all(partnerRole(...operating), (_a, t) => t.kind === 'customer' && t.allowPartnerAccess),
  'customer.audit.read': any(
    all(vendorAny, (_a, t) => t.kind === 'customer'),
    partnerRole(...managing),
    customerRole('super_admin'),
  ),
  // Which Google Cloud project serves the customer (issue 20): the vendor's decision (its
  // projects and their quotas), admins only, and the operator at the command line.
  'customer.google_project.move': any(
    all(vendorAdmin, (_a, t) => t.kind === 'customer'),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  // "Check authorisation" (asks Google whether the domain authorised Safehold's client id; may
  // resume or pause backups): vendor admins, the partner's owner and admins, the customer's super admins.
  'customer.authorization.check': any(
    all(vendorAdmin, (_a, t) => t.kind === 'customer'),
    partnerRole(...managing),
    customerRole('super_admin'),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  // "Acknowledge" on an alert: whoever operates the customer (a technician: an assigned one).
  'customer.alerts.acknowledge': partnerRole(...operating),
  'customer.billing.read': any(partnerRole('owner', 'admin', 'billing'), customerRole('super_admin')),
  // Settings › API (issue 19 #5): the customer's super admins, and the operator at the command
  // line (`safehold api-token`). A token acts as the whole tenant's licences, so not partners.
  'customer.api_tokens.manage': any(
    customerRole('super_admin'),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  // Deleting a tenant with all its data (PRODUCT §6) is the installation operator's act alone:
  // a vendor admin, or the operator at the command line (system).
  'customer.delete': any(
    all(vendorAdmin, (_a, t) => t.kind === 'customer'),
    all(isSystem, (_a, t) => t.kind === 'customer'),
  ),
  // The technicians assigned to a customer (its detail page in the Reseller Console): partner
  // staff are the partner's business, so not the customer's members.
  'customer.technicians.read': any(
    all(vendorAny, (_a, t) => t.kind === 'customer'),
    partnerRole(...viewing, 'billing'),
  ),

  'audit.read': any(
    all(onVendor, vendorAny),
    ownPartnerOrg(...managing),
    partnerRole(...managing),
    customerRole('super_admin'),
  ),

  // On the organisation the account belongs to; support and read-only roles included.
  'account.password.change': any(
    all(onVendor, vendorAny),
    (actor, tenant) => actor.kind === 'partner' && tenant.kind === 'partner' && tenant.partnerId === actor.partnerId,
  ),
};

/** Refusals that deserve more than "your role does not allow this": the page shows them as they are. */
const refusalReasons: Partial<Record<Action, string>> = {
  'vendor.outbox.read':
    'The outbox is for vendor admins only: without SMTP it holds invitation, setup and password-reset links, ' +
    'and whoever opens such a link can become that person.',
  'account.password.change': 'Customer accounts sign in with Google: they have no Safehold password to change.',
  'customer.impersonate': 'Only owners, admins and the assigned technician open a customer console.',
};

/**
 * What each API key scope allows, on the key's partner and the tenants below it. Nothing else:
 * never customer data (browse, restore, export), the team, the audit log, integrations, or
 * opening a customer console — those stay with people who sign in. A manage scope includes
 * the reads its own answers need (a license change answers with the customer's seat figures).
 */
export const apiKeyScopeActions: Record<ApiKeyScope, readonly Action[]> = {
  read: ['partner.read', 'partner.customers.read', 'customer.read'],
  manage_customers: ['partner.read', 'partner.customers.read', 'partner.customers.add'],
  manage_licenses: ['customer.read', 'customer.licenses.manage'],
};

/**
 * What a customer's API token may do, on its own tenant only: what the Spanning-compatible API
 * offers (PRODUCT §7) — read users, change licences, export — and, on the REST API (Bearer), the
 * data work scripts automate: start backups, browse and restore. Never settings, roles, tokens,
 * the partner relation, the audit log or deletion: those stay with signed-in super admins.
 */
export const apiTokenActions: readonly Action[] = [
  'customer.read',
  'customer.licenses.manage',
  'customer.backup.run',
  'customer.data.browse',
  'customer.data.restore',
  'customer.data.export',
];

function apiTokenAllows(actor: Extract<Actor, { kind: 'api_token' }>, action: Action, tenant: Tenant): boolean {
  return tenant.kind === 'customer' && tenant.customerId === actor.customerId && apiTokenActions.includes(action);
}

function apiKeyAllows(actor: Extract<Actor, { kind: 'api_key' }>, action: Action, tenant: Tenant): boolean {
  // A partner action is about a partner tenant, a customer action about a customer.
  const tenantKind = action.startsWith('partner.') ? 'partner' : action.startsWith('customer.') ? 'customer' : null;
  if (tenant.kind !== tenantKind || !onPath(actor, tenant)) return false;
  return actor.scopes.some((scope) => apiKeyScopeActions[scope].includes(action));
}

export function can(actor: Actor, action: Action, tenant: Tenant): boolean {
  if (actor.kind === 'api_key') return apiKeyAllows(actor, action, tenant);
  if (actor.kind === 'api_token') return apiTokenAllows(actor, action, tenant);
  return rules[action](actor, tenant);
}

/**
 * Throws unless allowed. A tenant the actor cannot even see answers 404 (its existence is
 * not revealed); a visible tenant where the action is not allowed answers 403.
 */
export function authorize(actor: Actor, action: Action, tenant: Tenant): void {
  if (can(actor, action, tenant)) return;
  if (!canSee(actor, tenant)) throw new AppError('not_found', 'Not found.');
  throw (
    accessControlRefusal(actor, action, tenant) ??
    partnerSessionRefusal(actor, action, tenant) ??
    new AppError('forbidden', refusalReasons[action] ?? 'Your role does not allow this.')
  );
}

const endUserActions: readonly Action[] = ['customer.data.browse', 'customer.data.restore', 'customer.data.export'];
const customerDataActions = endUserActions;

export const partnerAccessOffMessage =
  'This customer has not allowed its partner to open its console: ' +
  'a super admin of the customer can turn on "Allow partner to open this console" in Reseller Settings.';

/**
 * A partner role that may work with this customer's data, refused because it is not inside a
 * partner session on it (or the customer forbids opening one): its own code and sentence.
 */
function partnerSessionRefusal(actor: Actor, action: Action, tenant: Tenant): AppError | null {
  if (actor.kind !== 'partner' || tenant.kind !== 'customer') return null;
  if (!(operating as readonly PartnerRole[]).includes(actor.role)) return null;
  if (action === 'customer.impersonate' && !tenant.allowPartnerAccess) {
    return new AppError('partner_access_off', partnerAccessOffMessage);
  }
  if (!customerDataActions.includes(action)) return null;
  if (!tenant.allowPartnerAccess) return new AppError('partner_access_off', partnerAccessOffMessage);
  return new AppError(
    'partner_session_required',
    "Partner staff reach a customer's backed-up data only in a partner session: " +
      "open the customer console from the customer's page, with a reason.",
  );
}

/**
 * What a partner user is inside the customer console of their partner session, for the pages
 * to show (the rules above still decide every request): managers as a super admin, a
 * technician as a help-desk admin.
 */
export function partnerSessionConsoleRole(role: PartnerRole): CustomerRole {
  return role === 'owner' || role === 'admin' ? 'super_admin' : 'helpdesk_admin';
}

/**
 * An end user refused because the customer switched their access off (not because of the
 * role): its own code, and a sentence the page shows as it is.
 */
function accessControlRefusal(actor: Actor, action: Action, tenant: Tenant): AppError | null {
  if (actor.kind !== 'customer' || actor.role !== 'end_user' || tenant.kind !== 'customer') return null;
  if (!endUserActions.includes(action)) return null;
  if (!tenant.allowUserAccess) {
    return new AppError('user_access_off', 'Your administrator has turned off access to backups.');
  }
  if (action === 'customer.data.export' && !tenant.allowUserExport) {
    return new AppError('user_export_off', 'Your administrator has turned off exports of your data.');
  }
  return null;
}

/**
 * The own-data rule: an end user reaches only the backups of their own account (by email;
 * shared drives are nobody's own). Anyone else the tenant-level `authorize` allowed reaches
 * every user's. Another user's backup answers 404, as if it did not exist: an end user does
 * not learn who else is backed up.
 */
export function authorizeSubject(actor: Actor, subjectEmail: string, notFoundMessage = 'Not found.'): void {
  const own = ownSubjectOnly(actor);
  if (own !== null && own !== subjectEmail.toLowerCase()) throw new AppError('not_found', notFoundMessage);
}

/**
 * A shared drive's backup as the subject of a restore or export: administrators' and help-desk's
 * (whom the tenant-level `authorize` allowed), never an end user's — a shared drive is nobody's
 * own data (PRODUCT §1). Refused with 403 rather than 404: the end user named the drive.
 */
export function authorizeSharedDriveSubject(actor: Actor): void {
  if (ownSubjectOnly(actor) !== null) {
    throw new AppError('forbidden', 'Shared drives are restored and exported by administrators only.');
  }
}

/** Where a restore may write: an end user only into their own account (PRODUCT §1). */
export function authorizeRestoreTarget(actor: Actor, targetEmail: string): void {
  const own = ownSubjectOnly(actor);
  if (own !== null && own !== targetEmail.toLowerCase()) {
    throw new AppError('forbidden', 'You can restore only into your own account.');
  }
}

/** The only subject (email, lower case) list queries may return for this actor; null: any. */
export function ownSubjectOnly(actor: Actor): string | null {
  return actor.kind === 'customer' && actor.role === 'end_user' ? actor.email.toLowerCase() : null;
}

/**
 * Reading backup runs (a user's backup history): administrators read any subject's with
 * `customer.read`; an end user reads the history of their own backups, as they browse them
 * (`customer.data.browse`, so the access controls apply), and nobody else's.
 */
export function backupHistoryAccess(actor: Actor): { action: Action; onlySubject: string | null } {
  const own = ownSubjectOnly(actor);
  return own === null
    ? { action: 'customer.read', onlySubject: null }
    : { action: 'customer.data.browse', onlySubject: own };
}

export function canSee(actor: Actor, tenant: Tenant): boolean {
  if (actor.kind === 'system' || actor.kind === 'vendor') return true;
  if (tenant.kind === 'vendor') return false;
  if (actor.kind === 'partner') return tenant.kind === 'partner' ? onPath(actor, tenant) : partnerSees(actor, tenant);
  if (actor.kind === 'api_key') return onPath(actor, tenant);
  return tenant.kind === 'customer' && tenant.customerId === actor.customerId;
}

const roleRank: Record<PartnerRole | VendorRole | CustomerRole, number> = {
  owner: 5,
  admin: 4,
  super_admin: 4,
  technician: 3,
  helpdesk_admin: 3,
  billing: 2,
  support: 2,
  read_only: 1,
  end_user: 1,
};

/** Nobody grants a role above their own; ownership moves only by transfer, never by grant. */
export function mayGrantRole(actor: Actor, role: PartnerRole | VendorRole | CustomerRole): boolean {
  if (actor.kind === 'system') return true;
  if (actor.kind === 'api_key' || actor.kind === 'api_token') return false;
  if (actor.kind === 'customer' && !(customerRoles as readonly string[]).includes(role)) return false;
  if (actor.kind === 'partner' && !(partnerRoles as readonly string[]).includes(role)) return false;
  if (actor.kind === 'vendor' && !(vendorRoles as readonly string[]).includes(role)) return false;
  if (role === 'owner') return false;
  return roleRank[role] <= roleRank[actor.role];
}

/** The organisation a staff member belongs to, as an audit entry's reader sees it. */
export type StaffOrganisation = { kind: 'vendor' } | { kind: 'partner'; partnerId: string };

/**
 * How an actor reads an audit log (issue 16 #10). A partner reads a customer's log only for
 * its own management period (from when it got the customer): what the previous partner did
 * there is that partner's business. Staff of another organisation appear as their
 * organisation only — a partner's staff e-mails and IP addresses are that partner's personal
 * data — so a customer sees which partner (or the Safehold operator) acted, never who. Vendor
 * operators, who run the installation and its database, see every entry in full.
 */
export interface AuditView {
  fromManagementStart: boolean;
  namesStaffOf(organisation: StaffOrganisation): boolean;
  /**
   * Whether entries made inside a partner session (issue 18 §2: a partner user working in the
   * customer's console, the entry saying for whom and why) name the person and the reason. The
   * customer sees who worked in its console and why; their IP address and browser stay hidden.
   */
  namesPartnerSessionStaff: boolean;
}

export function auditView(actor: Actor, tenant: Tenant): AuditView {
  switch (actor.kind) {
    case 'system':
    case 'vendor':
      return { fromManagementStart: false, namesStaffOf: () => true, namesPartnerSessionStaff: true };
    case 'partner':
    case 'api_key':
      return {
        fromManagementStart: tenant.kind === 'customer',
        namesStaffOf: (organisation) => organisation.kind === 'partner' && organisation.partnerId === actor.partnerId,
        namesPartnerSessionStaff: false,
      };
    case 'customer':
    case 'api_token':
      return { fromManagementStart: false, namesStaffOf: () => false, namesPartnerSessionStaff: true };
  }
}

export type InvitedRole = PartnerRole | VendorRole;

/**
 * The owner invitation of a partner organisation being onboarded (throws like `authorize`):
 * a top-level partner's by vendor admins; a distributor's child's (issue 18 #8) by the owner
 * and admins of the distributor it sits under (its parent on the path), or vendor admins.
 * Only the onboarding and owner-invitation paths ask this, never the Team page's invitations.
 */
export function authorizeOwnerInvitation(actor: Actor, organisation: Tenant): void {
  if (organisation.kind !== 'partner') throw new AppError('forbidden', 'Only a partner organisation has an owner.');
  const [, parentId, ...above] = organisation.partnerPath;
  if (parentId && actor.kind === 'partner') {
    authorize(actor, 'partner.partners.manage', {
      kind: 'partner',
      partnerId: parentId,
      partnerPath: [parentId, ...above],
    });
    return;
  }
  authorize(actor, 'vendor.partners.manage', { kind: 'vendor' });
}

/**
 * Every invitation path asks this (throws like `authorize`): vendor admins invite operators,
 * and the owner of a partner they onboard; partner owners and admins invite members of their
 * organisation (or of a child's). Nobody invites to a role above their own, the owner role is
 * never given by a member, and customer members are never invited (they come from Google).
 */
export function authorizeInvitation(actor: Actor, organisation: Tenant, role: InvitedRole): void {
  if (organisation.kind === 'customer') throw new AppError('forbidden', 'Customer members come from Google.');
  if (organisation.kind === 'partner' && role === 'owner') {
    authorize(actor, 'vendor.partners.manage', { kind: 'vendor' });
    return;
  }
  authorize(actor, organisation.kind === 'vendor' ? 'vendor.operators.manage' : 'partner.team.manage', organisation);
  const roles: readonly string[] = organisation.kind === 'vendor' ? vendorRoles : partnerRoles;
  if (!roles.includes(role) || !mayGrantRole(actor, role)) {
    throw new AppError('forbidden', 'You cannot grant a role above your own.');
  }
}

/**
 * Which customers a list query may return for this actor, to be applied in SQL: every
 * customer, those under a partner subtree (optionally narrowed to an assigned set), or one.
 */
export type CustomerScope =
  | { kind: 'all' }
  | { kind: 'partnerSubtree'; partnerId: string; onlyCustomerIds: readonly string[] | null }
  | { kind: 'customer'; customerId: string };

export function customerScope(actor: Actor): CustomerScope {
  switch (actor.kind) {
    case 'system':
    case 'vendor':
      return { kind: 'all' };
    case 'partner':
      return {
        kind: 'partnerSubtree',
        partnerId: actor.partnerId,
        onlyCustomerIds: actor.role === 'technician' ? actor.assignedCustomerIds : null,
      };
    case 'api_key':
      return { kind: 'partnerSubtree', partnerId: actor.partnerId, onlyCustomerIds: null };
    case 'customer':
    case 'api_token':
      return { kind: 'customer', customerId: actor.customerId };
  }
}
