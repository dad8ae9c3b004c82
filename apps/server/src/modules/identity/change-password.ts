// Changing one's own password (vendor operators and partner users): the current password and
// a second-factor code prove it is the account's person, not someone at an unlocked screen
// or holding a stolen session. Every other session of the person ends; this one continues
// under a new id.
import { AppError } from '../../http/errors.ts';
import { type Actor, authorize, type Tenant } from '../policy/index.ts';
import type { IdentityDeps } from './deps.ts';
import { assertPasswordAllowed, hashPassword, verifyPassword } from './passwords.ts';
import type { RequestIdentity } from './request-identity.ts';
import { advanceSession, endOtherStaffUserSessions, type RequestMeta } from './sessions.ts';
import {
  countCodeFailure,
  invalidCodeMessage,
  limitCodeAttempt,
  staffTenants,
  useSecondFactorCode,
} from './sign-in.ts';
import { getStaffUser, updateStaffUser } from './store.ts';

export interface PasswordChange {
  currentPassword: string;
  newPassword: string;
  code: string;
}

function ownOrganisation(actor: Actor): Tenant {
  if (actor.kind === 'partner') return { kind: 'partner', partnerId: actor.partnerId, partnerPath: [actor.partnerId] };
  if (actor.kind === 'customer') {
    return {
      kind: 'customer',
      customerId: actor.customerId,
      partnerPath: [],
      allowPartnerAccess: false,
      allowUserAccess: false,
      allowUserExport: false,
    };
  }
  return { kind: 'vendor' };
}

function wrong(field: string, message: string): AppError {
  return new AppError('validation_failed', `${field}: ${message}`, { field });
}

export async function changePassword(
  deps: IdentityDeps,
  identity: RequestIdentity,
  actor: Actor,
  input: PasswordChange,
  meta: RequestMeta,
): Promise<{ sessionId: string }> {
  authorize(actor, 'account.password.change', ownOrganisation(actor));
  const found = await getStaffUser(deps.db, identity.user.id);
  if (!found) throw new AppError('unauthenticated', 'Sign in to continue.');
  const { user } = found;
  // The new password's rules first: a refused one changes nothing and costs no attempt.
  assertPasswordAllowed(input.newPassword, user.email, 'body.newPassword');
  if (input.newPassword === input.currentPassword) {
    throw wrong('body.newPassword', 'The new password must differ from the current one.');
  }

  const audit = {
    actor: { kind: 'staff' as const, id: user.id, label: user.email },
    tenants: staffTenants(found),
    action: 'auth.password.change',
    target: user.email,
    ...meta,
  };
  // Both proofs are guesses an attacker with the session could make: counted as code failures.
  await limitCodeAttempt(deps, user.id, meta.ip);
  if (!(await verifyPassword(user.passwordHash, input.currentPassword))) {
    await deps.audit.record({ ...audit, result: 'failure', details: { reason: 'wrong_password' } });
    await countCodeFailure(deps, user.id);
    throw wrong('body.currentPassword', 'The current password is not correct.');
  }
  if (!(await useSecondFactorCode(deps, user, input.code))) {
    await deps.audit.record({ ...audit, result: 'failure', details: { reason: 'wrong_code' } });
    await countCodeFailure(deps, user.id);
    throw wrong('body.code', invalidCodeMessage);
  }

  const passwordHash = await hashPassword(input.newPassword);
  return deps.db.transaction(async (tx) => {
    await updateStaffUser(tx, user.id, { passwordHash });
    const ended = await endOtherStaffUserSessions(tx, user.id, identity.sessionIdHash);
    await deps.audit.record({ ...audit, result: 'success', details: { otherSessionsEnded: ended } }, tx);
    return { sessionId: await advanceSession(tx, deps.clock, identity.sessionIdHash, 'signed_in') };
  });
}
