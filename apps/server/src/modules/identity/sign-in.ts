// Signing in with email and password, then the second factor (a TOTP code or a recovery
// code). Every attempt counts against its IP address and failures against the account (see
// IdentityRateLimits for why), and is audited; every failure gives the same answer so the
// response does not reveal which accounts exist.
import { AppError } from '../../http/errors.ts';
import type { AuditTenant, IdentityDeps } from './deps.ts';
import { verifyPassword } from './passwords.ts';
import { hashRecoveryCode, recoveryCodePattern } from './recovery-codes.ts';
import type { RequestIdentity } from './request-identity.ts';
import { open } from './server-secrets.ts';
import { advanceSession, createSession, endSession, type RequestMeta } from './sessions.ts';
import type { StaffUserRow } from './store.ts';
import {
  claimTotpStep,
  findStaffUserByEmail,
  getStaffUser,
  type StaffUserWithPartner,
  updateStaffUser,
  useRecoveryCode,
} from './store.ts';
import { matchTotp } from './totp.ts';

export const invalidCredentialsMessage = 'The email or password is not correct.';
export const invalidCodeMessage = 'That code is not valid.';

export function staffTenants(found: StaffUserWithPartner): AuditTenant[] {
  return found.user.orgKind === 'vendor' ? ['vendor'] : [`partner:${found.user.partnerId}`];
}

export interface SignInResult {
  sessionId: string;
  stage: 'second_factor' | 'enrol_second_factor';
}

export async function signIn(
  deps: IdentityDeps,
  input: { email: string; password: string },
  meta: RequestMeta,
  previousSessionHash: string | null,
): Promise<SignInResult> {
  const email = input.email.trim().toLowerCase();
  const fail = async (reason: string, found: StaffUserWithPartner | null) => {
    await deps.audit.record({
      actor: found ? { kind: 'staff', id: found.user.id, label: email } : { kind: 'anonymous', label: email },
      tenants: found ? staffTenants(found) : ['vendor'],
      action: 'auth.sign_in',
      target: email,
      ...meta,
      result: 'failure',
      details: { reason },
    });
  };
  // Keyed by account and address: a stranger's failures never lock the owner out elsewhere.
  const failuresFromHere = { rule: deps.limits.signInFailuresPerAccountAndIp, subject: `${email} ${meta.ip}` };
  try {
    await deps.limiter.consume([{ rule: deps.limits.signInPerIp, subject: meta.ip }]);
    await deps.limiter.ensureAllowed([failuresFromHere]);
  } catch (error) {
    await fail('rate_limited', null);
    throw error;
  }

  const found = await findStaffUserByEmail(deps.db, email);
  const passwordOk = await verifyPassword(found?.user.passwordHash ?? null, input.password);
  let reason: string | null = null;
  if (!found) reason = 'unknown_email';
  else if (!passwordOk) reason = 'wrong_password';
  else if (found.user.disabledAt) reason = 'user_disabled';
  else if (found.partner && found.partner.status !== 'active') reason = 'partner_suspended';
  if (reason || !found) {
    await fail(reason ?? 'unknown_email', found);
    await deps.limiter.consume([failuresFromHere]);
    throw new AppError('invalid_credentials', invalidCredentialsMessage);
  }

  // A new session id at sign-in: whatever session the browser had before is ended.
  if (previousSessionHash) await endSession(deps.db, previousSessionHash);
  const stage = found.user.totpEnabledAt ? 'second_factor' : 'enrol_second_factor';
  const sessionId = await createSession(
    deps.db,
    deps.clock,
    { kind: 'staff', staffUserId: found.user.id },
    stage,
    meta,
  );
  await deps.audit.record({
    actor: { kind: 'staff', id: found.user.id, label: found.user.email },
    tenants: staffTenants(found),
    action: 'auth.sign_in.password',
    target: found.user.email,
    ...meta,
    result: 'success',
    details: { nextStage: stage },
  });
  return { sessionId, stage };
}

/** Checks a TOTP or recovery code for a session at stage second_factor; signs it in. */
export async function verifySecondFactor(
  deps: IdentityDeps,
  identity: RequestIdentity,
  code: string,
  meta: RequestMeta,
): Promise<{ sessionId: string }> {
  const found = await getStaffUser(deps.db, identity.user.id);
  if (!found) throw new AppError('unauthenticated', 'Sign in to continue.');
  const { user } = found;
  const auditBase = {
    actor: { kind: 'staff' as const, id: user.id, label: user.email },
    tenants: staffTenants(found),
    target: user.email,
    ...meta,
  };
  try {
    await limitCodeAttempt(deps, user.id, meta.ip);
  } catch (error) {
    await deps.audit.record({
      ...auditBase,
      action: 'auth.sign_in',
      result: 'failure',
      details: { reason: 'rate_limited', step: 'second_factor' },
    });
    throw error;
  }

  const method = await useSecondFactorCode(deps, user, code);
  if (!method) {
    await deps.audit.record({
      ...auditBase,
      action: 'auth.sign_in',
      result: 'failure',
      details: { reason: 'wrong_code', step: 'second_factor' },
    });
    await countCodeFailure(deps, user.id);
    throw new AppError('invalid_credentials', invalidCodeMessage);
  }
  if (method === 'recovery_code') {
    await deps.audit.record({ ...auditBase, action: 'auth.recovery_code.use', result: 'success' });
  }
  const sessionId = await advanceSession(deps.db, deps.clock, identity.sessionIdHash, 'signed_in');
  await updateStaffUser(deps.db, user.id, { lastSignInAt: deps.clock.now() });
  await deps.audit.record({ ...auditBase, action: 'auth.sign_in', result: 'success', details: { method } });
  return { sessionId };
}

/**
 * Before checking a code: counts the attempt against the IP address and refuses (429) an
 * account whose wrong codes used up the window. Successful codes never count.
 */
export async function limitCodeAttempt(deps: IdentityDeps, userId: string, ip: string): Promise<void> {
  await deps.limiter.consume([{ rule: deps.limits.secondFactorPerIp, subject: ip }]);
  await deps.limiter.ensureAllowed([{ rule: deps.limits.secondFactorFailuresPerAccount, subject: userId }]);
}

export async function countCodeFailure(deps: IdentityDeps, userId: string): Promise<void> {
  await deps.limiter.consume([{ rule: deps.limits.secondFactorFailuresPerAccount, subject: userId }]);
}

/** Which second factor `code` is — a fresh TOTP code or an unused recovery code, now used up — or null. */
export async function useSecondFactorCode(
  deps: IdentityDeps,
  user: StaffUserRow,
  code: string,
): Promise<'totp' | 'recovery_code' | null> {
  const trimmed = code.trim();
  if (/^\d{6}$/.test(trimmed)) {
    const secret = user.totpSecretEncrypted ? open(deps.keys.totpSecret, user.totpSecretEncrypted, user.id) : null;
    const step = secret ? matchTotp(secret, trimmed, deps.clock.now(), user.totpLastStep) : null;
    return step !== null && (await claimTotpStep(deps.db, user.id, step)) ? 'totp' : null;
  }
  if (recoveryCodePattern.test(trimmed.toLowerCase())) {
    const codeHash = hashRecoveryCode(deps.keys.recoveryCode, user.id, trimmed);
    if (await useRecoveryCode(deps.db, user.id, codeHash, deps.clock.now())) return 'recovery_code';
  }
  return null;
}
