// Settings › Administrators (issue 19 #4, PRODUCT.md §1): who administers the domain in
// Safehold. Super admins come from Google (every Google super admin of the domain, demoted at
// the next directory sync when Google demotes them), so they are listed, never edited here;
// help-desk admins are granted and revoked by the customer's super admins (the policy's
// `customer.roles.manage`). Every change goes through member-roles.ts and is audited there.
import { eq } from 'drizzle-orm';
import { z } from 'zod';
import { AppError } from '../../http/errors.ts';
import { customerMembersOf } from '../identity/index.ts';
import type { Actor } from '../policy/index.ts';
import { authorizeCustomer } from '../tenancy/index.ts';
import type { AuditActor, CustomersDeps } from './deps.ts';
import { liveDirectoryUser, type MemberRoleChange, parseGrantedRole, recordGrant } from './member-roles.ts';
import { directoryUsersByEmails } from './store.ts';
import { customerConnections } from './tables.ts';

const administratorSchema = z.object({
  email: z.string(),
  name: z.string().describe('Full name from the directory; empty when the directory does not have the person.'),
  deletedInGoogle: z.boolean(),
});

export const administratorsSchema = z.object({
  superAdmins: z.array(administratorSchema).describe('From Google: not editable in Safehold.'),
  helpdeskAdmins: z.array(
    administratorSchema.extend({
      grantedBy: z.string().nullable(),
      grantedAt: z.string().nullable(),
    }),
  ),
  lastSyncCompletedAt: z
    .string()
    .nullable()
    .describe('When the directory was last synced: a demotion in Google takes effect at the next sync.'),
});
export type Administrators = z.infer<typeof administratorsSchema>;

export const helpdeskAdminBody = z.strictObject({
  email: z.string().trim().min(1, 'give the e-mail address of a user of the domain').max(320),
});

const roleState = z.object({
  role: z.enum(['super_admin', 'helpdesk_admin', 'end_user']),
  grantedRole: z.enum(['helpdesk_admin', 'end_user']),
});

export const memberRoleChangeSchema = z.object({
  email: z.string(),
  before: roleState.nullable().describe('Null when the person had never signed in (their member row was created).'),
  after: roleState,
});

export const memberEmailParams = z.strictObject({
  customerId: z.uuid('must be a customer id'),
  email: z.string().min(1).max(320),
});

export async function listAdministrators(
  deps: Pick<CustomersDeps, 'db'>,
  actor: Actor,
  customerId: string,
): Promise<Administrators> {
  await authorizeCustomer(deps.db, actor, 'customer.roles.manage', customerId);
  const members = (await customerMembersOf(deps.db, customerId)).filter((member) => member.role !== 'end_user');
  const directory = new Map(
    (
      await directoryUsersByEmails(
        deps.db,
        customerId,
        members.map((member) => member.email),
      )
    ).map((user) => [user.primaryEmail.toLowerCase(), user]),
  );
  const person = (email: string) => {
    const user = directory.get(email.toLowerCase());
    return {
      email: email.toLowerCase(),
      name: user?.fullName ?? '',
      deletedInGoogle: !user || user.deletedAt !== null,
    };
  };
  const byEmail = (a: { email: string }, b: { email: string }) => a.email.localeCompare(b.email);
  const [connection] = await deps.db
    .select({ lastSyncCompletedAt: customerConnections.lastSyncCompletedAt })
    .from(customerConnections)
    .where(eq(customerConnections.customerId, customerId));
  return {
    superAdmins: members
      .filter((member) => member.role === 'super_admin')
      .map((member) => person(member.email))
      .sort(byEmail),
    helpdeskAdmins: members
      .filter((member) => member.role === 'helpdesk_admin')
      .map((member) => ({
        ...person(member.email),
        grantedBy: member.grantedBy,
        grantedAt: member.grantedAt?.toISOString() ?? null,
      }))
      .sort(byEmail),
    lastSyncCompletedAt: connection?.lastSyncCompletedAt?.toISOString() ?? null,
  };
}

/**
 * "Add a help-desk admin": any live user of the domain. Refused, naming why, for a user Google
 * deleted (or never had), a super admin (Google decides theirs) and someone already help-desk admin.
 */
export async function grantHelpdeskAdmin(
  deps: Pick<CustomersDeps, 'db' | 'audit' | 'clock'>,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  rawEmail: string,
): Promise<MemberRoleChange> {
  await authorizeCustomer(deps.db, actor, 'customer.roles.manage', customerId);
  const role = parseGrantedRole(actor, 'helpdesk_admin');
  const user = await liveDirectoryUser(deps, customerId, rawEmail);
  const email = user.primaryEmail.toLowerCase();
  const member = await memberOf(deps, customerId, email);
  if (member?.role === 'super_admin') {
    throw new AppError(
      'conflict',
      `${email} is a super admin in Google, which includes everything a help-desk admin may do: nothing was changed.`,
      { field: 'email' },
    );
  }
  if (member?.role === 'helpdesk_admin') {
    throw new AppError('conflict', `${email} is already a help-desk admin: nothing was changed.`, { field: 'email' });
  }
  return recordGrant(deps, auditActor, customerId, email, role);
}

/**
 * "Revoke": the help-desk admin becomes an end user again (at their next request: the session
 * reads the role each time). Works for someone Google has since deleted too.
 */
export async function revokeHelpdeskAdmin(
  deps: Pick<CustomersDeps, 'db' | 'audit' | 'clock'>,
  actor: Actor,
  auditActor: AuditActor,
  customerId: string,
  rawEmail: string,
): Promise<MemberRoleChange> {
  await authorizeCustomer(deps.db, actor, 'customer.roles.manage', customerId);
  const role = parseGrantedRole(actor, 'end_user');
  const email = rawEmail.trim().toLowerCase();
  const member = await memberOf(deps, customerId, email);
  if (member?.role === 'super_admin') {
    throw new AppError(
      'conflict',
      `${email} is a super admin because Google says so: demote them in the Google Admin console; ` +
        'Safehold follows at the next directory sync.',
      { field: 'email' },
    );
  }
  if (member?.role !== 'helpdesk_admin') {
    throw new AppError('conflict', `${email} is not a help-desk admin: nothing was changed.`, { field: 'email' });
  }
  return recordGrant(deps, auditActor, customerId, member.email, role);
}

async function memberOf(deps: Pick<CustomersDeps, 'db'>, customerId: string, email: string) {
  return (await customerMembersOf(deps.db, customerId)).find((member) => member.email.toLowerCase() === email);
}
