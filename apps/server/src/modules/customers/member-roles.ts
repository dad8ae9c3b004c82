// Granting Safehold roles to people of a customer domain (PRODUCT.md §1): a help-desk admin
// restores and exports for others but has no settings; everyone else is an end user. Super
// admins come from Google, never from here. The person must be in the domain's directory (not
// deleted in Google); one who never signed in gets their member row now, so the role is
// theirs at their first sign-in. Every change is audited with who made it, before and after.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError, notFound } from '../../http/errors.ts';
import { type GrantedRole, grantMemberRole } from '../identity/index.ts';
import { type Actor, type CustomerRole, mayGrantRole } from '../policy/index.ts';
import { authorizeCustomer, getCustomer } from '../tenancy/index.ts';
import type { AuditActor, CustomersDeps } from './deps.ts';
import { auditTenantsFor } from './licensing.ts';
import { directoryUsersByEmails } from './store.ts';

export const grantableRoles = ['helpdesk_admin', 'end_user'] as const satisfies readonly GrantedRole[];

const grantedRoleSchema = z.enum(grantableRoles, {
  error: (issue) => `role must be helpdesk_admin or end_user, not "${String(issue.input)}"`,
});

export interface MemberRoleChange {
  email: string;
  /** Null when the member row was created (the person never signed in). */
  before: { role: CustomerRole; grantedRole: GrantedRole } | null;
  after: { role: CustomerRole; grantedRole: GrantedRole };
}

export async function setMemberGrantedRole(
  deps: Pick<CustomersDeps, 'db' | 'audit' | 'clock'>,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  input: { email: string; role: string },
): Promise<MemberRoleChange> {
  await authorizeCustomer(deps.db, actor, 'customer.roles.manage', customerId);
  const role = parseGrantedRole(actor, input.role);
  const user = await liveDirectoryUser(deps, customerId, input.email);
  return recordGrant(deps, auditActor, customerId, user.primaryEmail, role);
}

export function parseGrantedRole(actor: Actor, input: string): GrantedRole {
  const parsed = grantedRoleSchema.safeParse(input);
  if (!parsed.success) {
    throw new AppError('validation_failed', parsed.error.issues[0]?.message ?? 'invalid role', { field: 'role' });
  }
  if (!mayGrantRole(actor, parsed.data)) throw new AppError('forbidden', 'You cannot grant a role above your own.');
  return parsed.data;
}

/** The person of the domain's directory with this email, refused (naming why) when Google deleted them or never had them. */
export async function liveDirectoryUser(
  deps: Pick<CustomersDeps, 'db'>,
  customerId: string,
  rawEmail: string,
): Promise<{ primaryEmail: string; fullName: string }> {
  const customer = await getCustomer(deps.db, customerId);
  if (!customer) throw notFound('The customer');
  const email = rawEmail.trim().toLowerCase();
  const rows = await directoryUsersByEmails(deps.db, customerId, [email]);
  const user = rows.find((row) => row.deletedAt === null);
  if (user) return user;
  const reason = rows.length > 0 ? 'was deleted in Google' : `is not a user of ${customer.domain} in Google`;
  throw new AppError('bad_request', `${email} ${reason} (as of the last directory sync): nothing was changed.`, {
    field: 'email',
  });
}

/**
 * How the member list names who granted a role: a customer member by their email, partner staff
 * by theirs only inside a partner session (where the customer's audit log names them too),
 * otherwise by their organisation, and the command line as itself.
 */
function grantedByLabel(auditActor: AuditActor): string {
  const { actor, onBehalfOf } = auditActor;
  if (actor.kind === 'customer' || actor.kind === 'system') return actor.label;
  if (actor.kind === 'staff' && onBehalfOf) return `${actor.label} (partner session)`;
  return actor.kind === 'staff' ? 'Your partner' : actor.label;
}

/** Sets the granted role and writes its audit entry, in one transaction. */
export async function recordGrant(
  deps: Pick<CustomersDeps, 'db' | 'audit' | 'clock'>,
  auditActor: AuditActor,
  customerId: string,
  primaryEmail: string,
  role: GrantedRole,
): Promise<MemberRoleChange> {
  const email = primaryEmail.toLowerCase();
  return deps.db.transaction(async (tx) => {
    const change = await grantMemberRole(tx, customerId, email, role, randomUUID, {
      label: grantedByLabel(auditActor),
      at: deps.clock.now(),
    });
    await deps.audit.record(
      {
        ...auditActor,
        tenants: auditTenantsFor(customerId, auditActor),
        action: 'customer.member.role.set',
        target: email,
        result: 'success',
        details: { before: change.before, after: change.after },
      },
      tx,
    );
    return { email, ...change };
  });
}
