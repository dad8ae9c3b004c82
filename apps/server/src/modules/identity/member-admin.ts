// What owners and admins do to other people's accounts: reset a lost second factor (the
// person enrols again at next sign-in) and disable an account. Both end the person's
// sessions at once. Partner owners/admins act on their partner's members, vendor admins
// on operators; nobody acts on a role above their own, on the owner, or on themselves.
import { AppError, notFound } from '../../http/errors.ts';
import { type Actor, authorize, canSee, mayGrantRole, type Tenant } from '../policy/index.ts';
import { partnerPath } from '../tenancy/index.ts';
import type { IdentityDeps } from './deps.ts';
import { endStaffUserSessions, type RequestMeta } from './sessions.ts';
import { staffTenants } from './sign-in.ts';
import { deleteRecoveryCodes, getStaffUser, type StaffUserWithPartner, updateStaffUser } from './store.ts';

async function loadTarget(deps: IdentityDeps, actor: Actor, userId: string): Promise<StaffUserWithPartner> {
  const found = await getStaffUser(deps.db, userId);
  if (!found) throw notFound('The user');
  let tenant: Tenant;
  if (found.user.orgKind === 'vendor') {
    tenant = { kind: 'vendor' };
    if (!canSee(actor, tenant)) throw notFound('The user');
    authorize(actor, 'vendor.operators.manage', tenant);
  } else {
    const path = await partnerPath(deps.db, found.user.partnerId as string);
    tenant = { kind: 'partner', partnerId: found.user.partnerId as string, partnerPath: path };
    if (!canSee(actor, tenant)) throw notFound('The user');
    authorize(actor, 'partner.team.manage', tenant);
  }
  const actorId = actor.kind === 'vendor' || actor.kind === 'partner' ? actor.userId : null;
  if (actorId === found.user.id) throw new AppError('forbidden', 'You cannot do this to your own account.');
  if (!mayGrantRole(actor, found.user.role)) {
    throw new AppError('forbidden', 'You cannot change an account whose role is above yours, or the owner.');
  }
  return found;
}

export async function resetSecondFactor(
  deps: IdentityDeps,
  actor: Actor,
  actorLabel: string,
  userId: string,
  meta: RequestMeta,
): Promise<void> {
  const target = await loadTarget(deps, actor, userId);
  await deps.db.transaction(async (tx) => {
    await updateStaffUser(tx, userId, { totpSecretEncrypted: null, totpEnabledAt: null, totpLastStep: null });
    await deleteRecoveryCodes(tx, userId);
    const ended = await endStaffUserSessions(tx, userId);
    await deps.audit.record(
      {
        actor: { kind: 'staff', id: 'userId' in actor ? actor.userId : null, label: actorLabel },
        tenants: staffTenants(target),
        action: 'auth.second_factor.reset',
        target: target.user.email,
        ...meta,
        result: 'success',
        details: { sessionsEnded: ended },
      },
      tx,
    );
  });
}

export async function disableUser(
  deps: IdentityDeps,
  actor: Actor,
  actorLabel: string,
  userId: string,
  meta: RequestMeta,
): Promise<void> {
  const target = await loadTarget(deps, actor, userId);
  if (target.user.disabledAt) return;
  await deps.db.transaction(async (tx) => {
    await updateStaffUser(tx, userId, { disabledAt: deps.clock.now() });
    const ended = await endStaffUserSessions(tx, userId);
    await deps.audit.record(
      {
        actor: { kind: 'staff', id: 'userId' in actor ? actor.userId : null, label: actorLabel },
        tenants: staffTenants(target),
        action: 'auth.user.disable',
        target: target.user.email,
        ...meta,
        result: 'success',
        details: { sessionsEnded: ended },
      },
      tx,
    );
  });
}
