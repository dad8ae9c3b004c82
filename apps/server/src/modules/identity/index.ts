// The identity module: sign-in for every console, sessions, CSRF protection, invitations,
// password resets and second factors. Other modules use the request helpers exported here.
import type { ApiModule } from '../../http/app.ts';
import { registerCsrfProtection } from './csrf.ts';
import { createIdentityDeps, type IdentityRateLimits } from './deps.ts';
import { registerIdentityResolution } from './request-identity.ts';
import { registerIdentityRoutes } from './routes.ts';

export { csrfCookieName, csrfHeaderName, csrfTokenFor, hostCookieOptions } from './csrf.ts';
export { createIdentityDeps, type IdentityDeps } from './deps.ts';
export { invitePartnerOwner, type OwnerInvitation } from './invitations.ts';
export { createOperatorSetupLink, hasVendorOperator } from './operator-setup.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
export {
  endPendingInstall,
  findPendingInstall,
  type PendingInstall,
  pendingInstallCookieName,
} from './pending-install.ts';
export type { RequestIdentity, SessionUser } from './request-identity.ts';
export {
  auditActorOf,
  auditTenantsOf,
  requestMeta,
  requireActor,
  requireSessionStage,
  setSessionCookie,
} from './request-identity.ts';
export { deriveIdentityKeys, hmac, safeEqual, seal } from './server-secrets.ts';
export {
  createSession,
  deleteExpiredSessions,
  endCustomerMemberSessions,
  endCustomerSessions,
  endPartnerSessions,
  sessionCookieName,
} from './sessions.ts';
export { findCustomerMember, getStaffUser, setCustomerMemberSubject } from './store.ts';
export { generateTotpSecret, totpCode } from './totp.ts';

/**
 * Builds the identity API module. It is global: its session resolution (request.identity)
 * and CSRF check apply to every /api route, so it must come first in the module list.
 */
export function createIdentityModule(options: { limits?: IdentityRateLimits } = {}): ApiModule {
  const module: ApiModule = async (app, ctx) => {
    const deps = createIdentityDeps(ctx, options.limits);
    registerCsrfProtection(app, deps.keys.csrf);
    registerIdentityResolution(app, deps);
    registerIdentityRoutes(app, deps);
  };
  module.global = true;
  return module;
}

export const identityModule: ApiModule = createIdentityModule();
