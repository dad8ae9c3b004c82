// TOTP enrolment, forced at a user's first sign-in (and after an administrator reset their
// second factor): a pending secret is stored encrypted, confirmed by one valid code, and then
// ten recovery codes are issued.
import { AppError } from '../../http/errors.ts';
import type { IdentityDeps } from './deps.ts';
import { generateRecoveryCodes, hashRecoveryCode } from './recovery-codes.ts';
import type { RequestIdentity } from './request-identity.ts';
import { open, seal } from './server-secrets.ts';
import { advanceSession, type RequestMeta } from './sessions.ts';
import { countCodeFailure, limitCodeAttempt, staffTenants } from './sign-in.ts';
import { getStaffUser, replaceRecoveryCodes, updateStaffUser } from './store.ts';
import { base32Encode, generateTotpSecret, matchTotp, otpauthUri } from './totp.ts';

async function loadUser(deps: IdentityDeps, identity: RequestIdentity) {
  const found = await getStaffUser(deps.db, identity.user.id);
  if (!found) throw new AppError('unauthenticated', 'Sign in to continue.');
  if (found.user.totpEnabledAt) throw new AppError('conflict', 'A second factor is already set up for this account.');
  return found;
}

/** The pending secret (created on the first call, the same one until confirmed). */
export async function startEnrolment(
  deps: IdentityDeps,
  identity: RequestIdentity,
): Promise<{ secret: string; otpauthUri: string }> {
  const { user } = await loadUser(deps, identity);
  let secret = user.totpSecretEncrypted ? open(deps.keys.totpSecret, user.totpSecretEncrypted, user.id) : null;
  if (!secret) {
    secret = generateTotpSecret();
    await updateStaffUser(deps.db, user.id, {
      totpSecretEncrypted: seal(deps.keys.totpSecret, secret, user.id),
      totpLastStep: null,
    });
  }
  const encoded = base32Encode(secret);
  return { secret: encoded, otpauthUri: otpauthUri(user.email, encoded) };
}

export async function confirmEnrolment(
  deps: IdentityDeps,
  identity: RequestIdentity,
  code: string,
  meta: RequestMeta,
): Promise<{ sessionId: string; recoveryCodes: string[] }> {
  const found = await loadUser(deps, identity);
  const { user } = found;
  await limitCodeAttempt(deps, user.id, meta.ip);
  const secret = user.totpSecretEncrypted ? open(deps.keys.totpSecret, user.totpSecretEncrypted, user.id) : null;
  if (!secret) throw new AppError('conflict', 'Start the enrolment first.');
  const now = deps.clock.now();
  const step = matchTotp(secret, code.trim(), now, user.totpLastStep);
  if (step === null) {
    await deps.audit.record({
      actor: { kind: 'staff', id: user.id, label: user.email },
      tenants: staffTenants(found),
      action: 'auth.second_factor.enrol',
      target: user.email,
      ...meta,
      result: 'failure',
      details: { reason: 'wrong_code' },
    });
    await countCodeFailure(deps, user.id);
    throw new AppError('invalid_credentials', 'That code is not valid.');
  }
  const recoveryCodes = generateRecoveryCodes();
  const sessionId = await deps.db.transaction(async (tx) => {
    await updateStaffUser(tx, user.id, { totpEnabledAt: now, totpLastStep: step, lastSignInAt: now });
    await replaceRecoveryCodes(
      tx,
      user.id,
      recoveryCodes.map((code) => hashRecoveryCode(deps.keys.recoveryCode, user.id, code)),
      now,
    );
    await deps.audit.record(
      {
        actor: { kind: 'staff', id: user.id, label: user.email },
        tenants: staffTenants(found),
        action: 'auth.second_factor.enrol',
        target: user.email,
        ...meta,
        result: 'success',
      },
      tx,
    );
    return advanceSession(tx, deps.clock, identity.sessionIdHash, 'signed_in');
  });
  return { sessionId, recoveryCodes };
}
