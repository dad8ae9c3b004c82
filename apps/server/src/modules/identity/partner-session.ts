// Partner sessions (issue 18 §2): the only way partner staff reach a customer's backed-up data.
// "Open customer console" asks for a reason and a fresh authentication code (the password for
// an account without an authenticator), checks the policy (`customer.impersonate`: owners,
// admins, the assigned technician, and only while the customer allows it), and binds a
// session of at most 60 minutes to the staff session. Opening, refusals and ending are audited
// in the partner's log and the customer's, with the real person, the partner and the reason.
import { AppError } from '../../http/errors.ts';
import { type Actor, partnerSessionMaxMs } from '../policy/index.ts';
import { authorizeCustomer, getCustomer } from '../tenancy/index.ts';
import type { AuditRecord, IdentityDeps } from './deps.ts';
import { verifyPassword } from './passwords.ts';
import { partnerSessionLabel, type RequestIdentity } from './request-identity.ts';
import { endPartnerSession, type RequestMeta, startPartnerSession } from './sessions.ts';
import { countCodeFailure, invalidCodeMessage, limitCodeAttempt, useSecondFactorCode } from './sign-in.ts';
import { getStaffUser } from './store.ts';

export interface PartnerSessionRequest {
  reason: string;
  code: string;
}

export interface OpenedPartnerSession {
  customerId: string;
  endsAt: Date;
}

function wrong(field: string, message: string): AppError {
  return new AppError('validation_failed', `${field}: ${message}`, { field });
}

export async function openPartnerSession(
  deps: IdentityDeps,
  identity: RequestIdentity,
  actor: Actor,
  customerId: string,
  input: PartnerSessionRequest,
  meta: RequestMeta,
): Promise<OpenedPartnerSession> {
  const refusal = await authorizeCustomer(deps.db, actor, 'customer.impersonate', customerId).then(
    () => null,
    (error: unknown) => error,
  );
  // Only partner staff get past the policy; a partner refused on a customer it sees (read-only,
  // billing, the switch off) is recorded in both logs.
  if (actor.kind !== 'partner')
    throw refusal ?? new AppError('forbidden', 'Only partner staff open a customer console.');
  if (refusal && !(refusal instanceof AppError && refusal.status === 403)) throw refusal;
  const found = await getStaffUser(deps.db, identity.user.id);
  if (!found) throw new AppError('unauthenticated', 'Sign in to continue.');
  const reason = input.reason.trim();
  const domain = (await getCustomer(deps.db, customerId))?.domain ?? customerId;
  const audit: Omit<AuditRecord, 'result'> = {
    actor: { kind: 'staff', id: found.user.id, label: found.user.email },
    onBehalfOf: partnerSessionLabel({ domain, reason }),
    tenants: [`partner:${actor.partnerId}`, `customer:${customerId}`],
    action: 'partner_session.open',
    target: domain,
    ...meta,
  };
  if (refusal) {
    await deps.audit.record({ ...audit, result: 'denied', details: { reason: (refusal as AppError).code } });
    throw refusal;
  }

  await limitCodeAttempt(deps, found.user.id, meta.ip);
  const proven = found.user.totpSecretEncrypted
    ? (await useSecondFactorCode(deps, found.user, input.code)) !== null
    : await verifyPassword(found.user.passwordHash, input.code);
  if (!proven) {
    await deps.audit.record({ ...audit, result: 'failure', details: { reason: 'wrong_code' } });
    await countCodeFailure(deps, found.user.id);
    throw wrong('body.code', found.user.totpSecretEncrypted ? invalidCodeMessage : 'The password is not correct.');
  }

  const endsAt = new Date(deps.clock.now().getTime() + partnerSessionMaxMs);
  await deps.db.transaction(async (tx) => {
    await startPartnerSession(tx, identity.sessionIdHash, { customerId, reason, endsAt });
    await deps.audit.record({ ...audit, result: 'success', details: { reason, endsAt: endsAt.toISOString() } }, tx);
  });
  return { customerId, endsAt };
}

/** "End session": back to the Reseller Console; audited like the opening. */
export async function closePartnerSession(
  deps: IdentityDeps,
  identity: RequestIdentity,
  actor: Actor,
  meta: RequestMeta,
): Promise<void> {
  const session = identity.user.partnerSession;
  if (actor.kind !== 'partner' || !session) return;
  await deps.db.transaction(async (tx) => {
    await endPartnerSession(tx, identity.sessionIdHash);
    await deps.audit.record(
      {
        actor: { kind: 'staff', id: identity.user.id, label: identity.user.email },
        onBehalfOf: partnerSessionLabel(session),
        tenants: [`partner:${actor.partnerId}`, `customer:${session.customerId}`],
        action: 'partner_session.end',
        target: session.domain,
        result: 'success',
        ...meta,
      },
      tx,
    );
  });
}
