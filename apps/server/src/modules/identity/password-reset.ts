// Password reset by emailed link (single use, one hour). Requesting one always answers the
// same, whether or not the account exists; completing one ends every session of the user.
import type { IdentityDeps } from './deps.ts';
import { invalidLink } from './links.ts';
import { hashToken, issueOneTimeToken, oneTimeLink, revokeOneTimeTokens } from './one-time-tokens.ts';
import { assertPasswordAllowed, hashPassword } from './passwords.ts';
import { endStaffUserSessions, type RequestMeta } from './sessions.ts';
import { staffTenants } from './sign-in.ts';
import { claimToken, findLiveToken, findStaffUserByEmail, getStaffUser, updateStaffUser } from './store.ts';

export async function requestPasswordReset(deps: IdentityDeps, rawEmail: string, meta: RequestMeta): Promise<void> {
  const email = rawEmail.trim().toLowerCase();
  // A request is counted for the account from this address and, with a higher limit, from
  // anywhere: a stranger at one address cannot use up the owner's requests, and nobody can
  // have an address mailed without end.
  await deps.limiter.consume([
    { rule: deps.limits.passwordResetPerAccountAndIp, subject: `${email} ${meta.ip}` },
    { rule: deps.limits.passwordResetPerAccount, subject: email },
    { rule: deps.limits.passwordResetPerIp, subject: meta.ip },
  ]);
  const found = await findStaffUserByEmail(deps.db, email);
  if (!found || found.user.disabledAt || (found.partner && found.partner.status !== 'active')) {
    await deps.audit.record({
      actor: { kind: 'anonymous', label: email },
      tenants: ['vendor'],
      action: 'auth.password_reset.request',
      target: email,
      ...meta,
      result: 'failure',
      details: { reason: found ? 'account_inactive' : 'unknown_email' },
    });
    return;
  }
  const userEmail = found.user.email.toLowerCase();
  await revokeOneTimeTokens(deps.db, deps.clock, 'password_reset', userEmail);
  const issued = await issueOneTimeToken(deps.db, deps.clock, {
    purpose: 'password_reset',
    email: userEmail,
    staffUserId: found.user.id,
  });
  const link = oneTimeLink(deps.config.publicUrl, 'password_reset', issued.token);
  await deps.mail.send({
    to: found.user.email,
    subject: 'Reset your Safehold password',
    text:
      'Someone (hopefully you) asked to reset the password of your Safehold account.\n\n' +
      `Choose a new password with this link (valid for one hour, usable once):\n${link}\n\n` +
      'If it was not you, ignore this email: your password stays as it is.\n',
    secrets: [link],
  });
  await deps.audit.record({
    actor: { kind: 'anonymous', label: email },
    tenants: staffTenants(found),
    action: 'auth.password_reset.request',
    target: found.user.email,
    ...meta,
    result: 'success',
  });
}

export async function completePasswordReset(
  deps: IdentityDeps,
  input: { token: string; password: string },
  meta: RequestMeta,
): Promise<void> {
  await deps.limiter.consume([{ rule: deps.limits.linkPerIp, subject: meta.ip }]);
  const preview = await findLiveToken(deps.db, hashToken(input.token), deps.clock.now());
  if (preview?.purpose !== 'password_reset' || !preview.staffUserId) throw invalidLink();
  const found = await getStaffUser(deps.db, preview.staffUserId);
  if (!found) throw invalidLink();
  assertPasswordAllowed(input.password, found.user.email);
  const passwordHash = await hashPassword(input.password);
  await deps.db.transaction(async (tx) => {
    const token = await claimToken(tx, hashToken(input.token), ['password_reset'], deps.clock.now());
    if (!token) throw invalidLink();
    await updateStaffUser(tx, found.user.id, { passwordHash });
    const ended = await endStaffUserSessions(tx, found.user.id);
    await deps.audit.record(
      {
        actor: { kind: 'staff', id: found.user.id, label: found.user.email },
        tenants: staffTenants(found),
        action: 'auth.password_reset.complete',
        target: found.user.email,
        ...meta,
        result: 'success',
        details: { sessionsEnded: ended },
      },
      tx,
    );
  });
}
