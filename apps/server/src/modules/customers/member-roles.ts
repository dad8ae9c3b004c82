// Granting Safehold roles to people of a customer domain (PRODUCT.md §1): a help-desk admin
// restores and exports for others but has no settings; everyone else is an end user. Super
// admins come from Google, never from here. The person must be in the domain's directory (not
// deleted in Google); one who never signed in gets their member row now, so the role is
// theirs at their first sign-in. Every change is audited with who made it, before and after.
import { randomUUID } from 'node:crypto';
import { z } from 'zod';
import { AppError, notFound } from '../../http/errors.ts';
import { type GrantedRole, grantMemberRole } from '../identity/index.ts';
import { type Actor, mayGrantRole } from '../policy/index.ts';
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
  before: { role: string; grantedRole: GrantedRole } | null;
  after: { role: string; grantedRole: GrantedRole };
}

export async function setMemberGrantedRole(
  deps: Pick<CustomersDeps, 'db' | 'audit'>,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  input: { email: string; role: string },
): Promise<MemberRoleChange> {
  await authorizeCustomer(deps.db, actor, 'customer.roles.manage', customerId);
  const parsed = grantedRoleSchema.safeParse(input.role);
  if (!parsed.success) {
    throw new AppError('validation_failed', parsed.error.issues[0]?.message ?? 'invalid role', { field: 'role' });
  }
  const role = parsed.data;
  if (!mayGrantRole(actor, role)) throw new AppError('forbidden', 'You cannot grant a role above your own.');
  const customer = await getCustomer(deps.db, customerId);
  if (!customer) throw notFound('The customer');
  const email = input.email.trim().toLowerCase();
  const [user] = (await directoryUsersByEmails(deps.db, customerId, [email])).filter((row) => row.deletedAt === null);
  if (!user) {
    throw new AppError(
      'bad_request',
      `${email} is not a user of ${customer.domain} in Google (as of the last directory sync): nothing was changed.`,
      { field: 'email' },
    );
  }
  return deps.db.transaction(async (tx) => {
    const change = await grantMemberRole(tx, customerId, user.primaryEmail, role, randomUUID);
    await deps.audit.record(
      {
        ...auditActor,
        tenants: auditTenantsFor(customerId, auditActor),
        action: 'customer.member.role.set',
        target: user.primaryEmail.toLowerCase(),
        result: 'success',
        details: { before: change.before, after: change.after },
      },
      tx,
    );
    return { email: user.primaryEmail.toLowerCase(), ...change };
  });
}
