// A partner's team (issue 18 item 1): the members with their role, last sign-in and second
// factor, the pending invitations, and what owners and admins do to them — change a role,
// remove a member (their sessions end at once), transfer ownership, resend or revoke an
// invitation, and choose the customers a technician sees. The rules: exactly one owner; the
// owner and the last admin cannot be removed; nobody grants a role above their own, or acts
// on their own account. Every change is audited in the partner's log with the real person.
import { and, asc, eq, gt, inArray, isNull, ne, sql } from 'drizzle-orm';
import type { Db } from '../../db/database.ts';
import { AppError, notFound } from '../../http/errors.ts';
import {
  type Actor,
  authorize,
  canSee,
  mayGrantRole,
  type PartnerRole,
  partnerRoles,
  type Tenant,
} from '../policy/index.ts';
import { authorizeCustomer, customerColumn, loadCustomerTenant, partnerPath } from '../tenancy/index.ts';
import type { IdentityDeps } from './deps.ts';
import { invitePartnerUser } from './invitations.ts';
import { endStaffUserSessions, type RequestMeta } from './sessions.ts';
import { getStaffUser, type StaffUserWithPartner } from './store.ts';
import { oneTimeTokens, staffUsers, technicianAssignments } from './tables.ts';

export interface TeamMember {
  id: string;
  email: string;
  name: string;
  role: PartnerRole;
  lastSignInAt: Date | null;
  secondFactor: 'enrolled' | 'not_enrolled';
  disabled: boolean;
  /** Technicians: the customers they see (id and domain), by domain. */
  assignedCustomers: { id: string; domain: string }[];
}

export interface PendingInvitation {
  id: string;
  email: string;
  role: string;
  expiresAt: Date;
  createdAt: Date;
}

async function partnerTenant(db: Db, actor: Actor, partnerId: string): Promise<Tenant> {
  const path = await partnerPath(db, partnerId);
  const tenant: Tenant = { kind: 'partner', partnerId, partnerPath: path };
  if (path.length === 0 || !canSee(actor, tenant)) throw notFound('The partner');
  return tenant;
}

const actorId = (actor: Actor): string | null =>
  actor.kind === 'vendor' || actor.kind === 'partner' ? actor.userId : null;

async function record(
  deps: IdentityDeps,
  tx: Db,
  entry: { actor: Actor; label: string; partnerId: string; action: string; target: string; meta: RequestMeta },
  details: Record<string, unknown>,
): Promise<void> {
  await deps.audit.record(
    {
      actor: { kind: 'staff', id: actorId(entry.actor), label: entry.label },
      tenants: [`partner:${entry.partnerId}`],
      action: entry.action,
      target: entry.target,
      ...entry.meta,
      result: 'success',
      details,
    },
    tx,
  );
}

/** The team of a partner: members (owner first, then by email) and the live invitations. */
export async function listTeam(
  deps: IdentityDeps,
  actor: Actor,
  partnerId: string,
): Promise<{ members: TeamMember[]; invitations: PendingInvitation[] }> {
  const tenant = await partnerTenant(deps.db, actor, partnerId);
  authorize(actor, 'partner.team.read', tenant);
  const rows = await deps.db
    .select({
      id: staffUsers.id,
      email: staffUsers.email,
      name: staffUsers.name,
      role: staffUsers.role,
      lastSignInAt: staffUsers.lastSignInAt,
      totpEnabledAt: staffUsers.totpEnabledAt,
      disabledAt: staffUsers.disabledAt,
    })
    .from(staffUsers)
    .where(eq(staffUsers.partnerId, partnerId))
    .orderBy(sql`${staffUsers.role} <> 'owner'`, asc(staffUsers.email));
  const ids = rows.map((row) => row.id);
  const assignments =
    ids.length === 0
      ? []
      : await deps.db
          .select({
            userId: technicianAssignments.userId,
            customerId: technicianAssignments.customerId,
            domain: customerColumn(technicianAssignments.customerId, 'domain'),
          })
          .from(technicianAssignments)
          .where(inArray(technicianAssignments.userId, ids));
  const byUser = new Map<string, { id: string; domain: string }[]>();
  for (const row of assignments) {
    const list = byUser.get(row.userId) ?? [];
    list.push({ id: row.customerId, domain: String(row.domain) });
    byUser.set(row.userId, list);
  }
  const invitations = await deps.db
    .select({
      id: oneTimeTokens.id,
      email: oneTimeTokens.email,
      role: oneTimeTokens.role,
      expiresAt: oneTimeTokens.expiresAt,
      createdAt: oneTimeTokens.createdAt,
    })
    .from(oneTimeTokens)
    .where(
      and(
        eq(oneTimeTokens.purpose, 'invitation'),
        eq(oneTimeTokens.partnerId, partnerId),
        isNull(oneTimeTokens.usedAt),
        gt(oneTimeTokens.expiresAt, deps.clock.now()),
      ),
    )
    .orderBy(asc(oneTimeTokens.email));
  return {
    members: rows.map((row) => ({
      id: row.id,
      email: row.email,
      name: row.name,
      role: row.role as PartnerRole,
      lastSignInAt: row.lastSignInAt,
      secondFactor: row.totpEnabledAt ? 'enrolled' : 'not_enrolled',
      disabled: row.disabledAt !== null,
      assignedCustomers: (byUser.get(row.id) ?? []).sort((a, b) => a.domain.localeCompare(b.domain)),
    })),
    invitations: invitations.map((row) => ({ ...row, role: row.role ?? '' })),
  };
}

/** A member of a partner the actor manages, not the actor, not the owner, no role above the actor's. */
async function loadMember(
  deps: IdentityDeps,
  actor: Actor,
  userId: string,
): Promise<{ target: StaffUserWithPartner; partnerId: string }> {
  const found = await getStaffUser(deps.db, userId);
  if (found?.user.orgKind !== 'partner' || !found.user.partnerId) throw notFound('The team member');
  const partnerId = found.user.partnerId;
  const tenant: Tenant = { kind: 'partner', partnerId, partnerPath: await partnerPath(deps.db, partnerId) };
  if (!canSee(actor, tenant)) throw notFound('The team member');
  authorize(actor, 'partner.team.manage', tenant);
  if (actorId(actor) === userId) throw new AppError('forbidden', 'You cannot change your own account here.');
  if (found.user.role === 'owner') {
    throw new AppError('forbidden', 'The owner cannot be changed or removed: the owner transfers ownership first.');
  }
  if (!mayGrantRole(actor, found.user.role)) {
    throw new AppError('forbidden', 'You cannot change a member whose role is above yours.');
  }
  return { target: found, partnerId };
}

/** The other enabled admins of the partner (the rule: the last admin stays). */
async function otherAdmins(db: Db, partnerId: string, userId: string): Promise<number> {
  const rows = await db
    .select({ id: staffUsers.id })
    .from(staffUsers)
    .where(
      and(
        eq(staffUsers.partnerId, partnerId),
        eq(staffUsers.role, 'admin'),
        isNull(staffUsers.disabledAt),
        ne(staffUsers.id, userId),
      ),
    );
  return rows.length;
}

export async function changeMemberRole(
  deps: IdentityDeps,
  actor: Actor,
  label: string,
  userId: string,
  role: Exclude<PartnerRole, 'owner'>,
  meta: RequestMeta,
): Promise<void> {
  const { target, partnerId } = await loadMember(deps, actor, userId);
  if (!mayGrantRole(actor, role)) {
    throw new AppError('forbidden', 'You cannot grant a role above your own.', { field: 'role' });
  }
  const before = target.user.role;
  if (before === role) return;
  if (before === 'admin' && (await otherAdmins(deps.db, partnerId, userId)) === 0) {
    throw new AppError('conflict', 'This is the last admin: make another member admin first.');
  }
  await deps.db.transaction(async (tx) => {
    await tx.update(staffUsers).set({ role }).where(eq(staffUsers.id, userId));
    // A technician's assignments mean nothing in another role; a new technician starts with none.
    if (before === 'technician') await tx.delete(technicianAssignments).where(eq(technicianAssignments.userId, userId));
    await record(
      deps,
      tx,
      { actor, label, partnerId, action: 'partner.team.role.change', target: target.user.email, meta },
      { from: before, to: role },
    );
  });
}

export async function removeMember(
  deps: IdentityDeps,
  actor: Actor,
  label: string,
  userId: string,
  meta: RequestMeta,
): Promise<void> {
  const { target, partnerId } = await loadMember(deps, actor, userId);
  if (target.user.role === 'admin' && (await otherAdmins(deps.db, partnerId, userId)) === 0) {
    throw new AppError('conflict', 'The last admin cannot be removed: make another member admin first.');
  }
  await deps.db.transaction(async (tx) => {
    const ended = await endStaffUserSessions(tx, userId);
    // Recovery codes, assignments and the account's links go with it (on delete cascade).
    await tx.delete(staffUsers).where(eq(staffUsers.id, userId));
    await record(
      deps,
      tx,
      { actor, label, partnerId, action: 'partner.team.member.remove', target: target.user.email, meta },
      { role: target.user.role, sessionsEnded: ended },
    );
  });
}

export async function transferOwnership(
  deps: IdentityDeps,
  actor: Actor,
  label: string,
  partnerId: string,
  userId: string,
  meta: RequestMeta,
): Promise<void> {
  const tenant = await partnerTenant(deps.db, actor, partnerId);
  authorize(actor, 'partner.ownership.transfer', tenant);
  const found = await getStaffUser(deps.db, userId);
  if (!found || found.user.partnerId !== partnerId) throw notFound('The team member');
  if (found.user.role === 'owner') throw new AppError('conflict', 'This member is the owner already.');
  if (found.user.disabledAt || !found.user.totpEnabledAt) {
    throw new AppError('conflict', 'Ownership goes to an active member who has signed in with a second factor.', {
      field: 'userId',
    });
  }
  const ownerId = actorId(actor) as string;
  await deps.db.transaction(async (tx) => {
    // The old owner becomes admin first: the database allows one owner per partner.
    await tx.update(staffUsers).set({ role: 'admin' }).where(eq(staffUsers.id, ownerId));
    await tx.delete(technicianAssignments).where(eq(technicianAssignments.userId, userId));
    await tx.update(staffUsers).set({ role: 'owner' }).where(eq(staffUsers.id, userId));
    await record(
      deps,
      tx,
      { actor, label, partnerId, action: 'partner.team.ownership.transfer', target: found.user.email, meta },
      { from: found.user.role, previousOwnerNowAdmin: true },
    );
  });
}

async function loadInvitation(deps: IdentityDeps, actor: Actor, partnerId: string, invitationId: string) {
  const tenant = await partnerTenant(deps.db, actor, partnerId);
  authorize(actor, 'partner.team.manage', tenant);
  const [row] = await deps.db
    .select()
    .from(oneTimeTokens)
    .where(
      and(
        eq(oneTimeTokens.id, invitationId),
        eq(oneTimeTokens.purpose, 'invitation'),
        eq(oneTimeTokens.partnerId, partnerId),
        isNull(oneTimeTokens.usedAt),
      ),
    );
  if (!row) throw notFound('The invitation');
  if (row.role === 'owner' || !(partnerRoles as readonly string[]).includes(row.role ?? '')) {
    throw new AppError('forbidden', 'The owner invitation is the vendor’s to resend or revoke.');
  }
  return row;
}

export async function revokeInvitation(
  deps: IdentityDeps,
  actor: Actor,
  label: string,
  partnerId: string,
  invitationId: string,
  meta: RequestMeta,
): Promise<void> {
  const row = await loadInvitation(deps, actor, partnerId, invitationId);
  await deps.db.transaction(async (tx) => {
    await tx.update(oneTimeTokens).set({ usedAt: deps.clock.now() }).where(eq(oneTimeTokens.id, row.id));
    await record(
      deps,
      tx,
      { actor, label, partnerId, action: 'auth.invitation.revoke', target: row.email, meta },
      { role: row.role },
    );
  });
}

/** A new link (the old one stops working), mailed again, valid for another 72 hours. */
export async function resendInvitation(
  deps: IdentityDeps,
  actor: Actor,
  label: string,
  partnerId: string,
  invitationId: string,
  meta: RequestMeta,
) {
  const row = await loadInvitation(deps, actor, partnerId, invitationId);
  return invitePartnerUser(
    deps,
    actor,
    label,
    { partnerId, email: row.email, role: row.role as Exclude<PartnerRole, 'owner'> },
    meta,
  );
}

/** Replaces a technician's assigned customers; each must be one of the partner's (or its children's). */
export async function setTechnicianAssignments(
  deps: IdentityDeps,
  actor: Actor,
  label: string,
  userId: string,
  customerIds: string[],
  meta: RequestMeta,
): Promise<{ customerIds: string[] }> {
  const { target, partnerId } = await loadMember(deps, actor, userId);
  if (target.user.role !== 'technician') {
    throw new AppError('conflict', 'Only technicians have assigned customers: the other roles see every customer.');
  }
  const wanted = [...new Set(customerIds)];
  for (const customerId of wanted) {
    const tenant = await loadCustomerTenant(deps.db, customerId);
    if (tenant?.kind !== 'customer' || !tenant.partnerPath.includes(partnerId)) {
      throw new AppError('validation_failed', `customerIds: ${customerId} is not one of your customers.`, {
        field: 'customerIds',
      });
    }
  }
  const current = (
    await deps.db
      .select({ customerId: technicianAssignments.customerId })
      .from(technicianAssignments)
      .where(eq(technicianAssignments.userId, userId))
  ).map((row) => row.customerId);
  const added = wanted.filter((id) => !current.includes(id));
  const removed = current.filter((id) => !wanted.includes(id));
  if (added.length === 0 && removed.length === 0) return { customerIds: wanted };
  await deps.db.transaction(async (tx) => {
    if (removed.length > 0) {
      await tx
        .delete(technicianAssignments)
        .where(and(eq(technicianAssignments.userId, userId), inArray(technicianAssignments.customerId, removed)));
    }
    if (added.length > 0) {
      const now = deps.clock.now();
      await tx
        .insert(technicianAssignments)
        .values(added.map((customerId) => ({ userId, customerId, createdAt: now })));
    }
    await record(
      deps,
      tx,
      { actor, label, partnerId, action: 'partner.team.assignments.change', target: target.user.email, meta },
      { added, removed },
    );
  });
  return { customerIds: wanted };
}

/** The technicians assigned to a customer (its detail page), by email. */
export async function customerTechnicians(
  deps: IdentityDeps,
  actor: Actor,
  customerId: string,
): Promise<{ id: string; email: string; name: string }[]> {
  await authorizeCustomer(deps.db, actor, 'customer.technicians.read', customerId);
  return deps.db
    .select({ id: staffUsers.id, email: staffUsers.email, name: staffUsers.name })
    .from(technicianAssignments)
    .innerJoin(staffUsers, eq(staffUsers.id, technicianAssignments.userId))
    .where(and(eq(technicianAssignments.customerId, customerId), eq(staffUsers.role, 'technician')))
    .orderBy(asc(staffUsers.email));
}
