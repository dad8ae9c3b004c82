// The identity module: sign-in for every console, sessions, CSRF protection, invitations,
// password resets and second factors. It owns the tables of the people who sign in and their
// credentials — staff_users, recovery_codes, customer_members, sessions, one_time_tokens,
// pending_installs, installation_settings — which only its own files read and write. Other
// modules use the request helpers exported here (requireActor, auditActorOf) and ask about
// people through people.ts (a staff user's organisation, a partner's owner and managers, a
// customer's members).
import type { ApiModuleOf } from '../../http/api-module.ts';
import { registerCsrfProtection } from './csrf.ts';
import { createIdentityDeps, type IdentityContext, type IdentityRateLimits } from './deps.ts';
import { registerIdentityResolution } from './request-identity.ts';
import { registerIdentityRoutes } from './routes.ts';

export { csrfCookieName, csrfHeaderName, csrfTokenFor, hostCookieOptions } from './csrf.ts';
export { createIdentityDeps, type IdentityContext, type IdentityDeps } from './deps.ts';
export { invitePartnerOwner, type OwnerInvitation } from './invitations.ts';
export { deleteSpentOneTimeTokens } from './one-time-tokens.ts';
export { createOperatorSetupLink, hasVendorOperator } from './operator-setup.ts';
export { hashPassword, verifyPassword } from './passwords.ts';
export {
  endPendingInstall,
  findPendingInstall,
  type PendingInstall,
  pendingInstallCookieName,
} from './pending-install.ts';
export {
  customerMemberEmail,
  customerMembersOf,
  ensureSuperAdminMember,
  type GrantedRole,
  grantMemberRole,
  type PartnerMemberInfo,
  partnerManagerEmails,
  partnerMembers,
  partnerOwnerColumns,
  removeTechnicianAssignments,
  type StaffOrganisationInfo,
  setMemberRole,
  staffOrganisations,
  superAdminEmails,
} from './people.ts';
export type { BearerIdentity, PartnerSessionView, RequestIdentity, SessionUser } from './request-identity.ts';
export {
  auditActorOf,
  auditTenantsOf,
  bearerToken,
  partnerSessionOf,
  requestMeta,
  requireActor,
  requireSessionStage,
  setSessionCookie,
} from './request-identity.ts';
export { deriveIdentityKeys, hmac, open as openSealed, safeEqual, seal } from './server-secrets.ts';
export {
  createSession,
  deleteExpiredSessions,
  endCustomerMemberSessions,
  endCustomerSessions,
  endPartnerSessions,
  endPartnerSessionsOn,
  sessionCookieName,
} from './sessions.ts';
export { findCustomerMember, getStaffUser, setCustomerMemberSubject } from './store.ts';
export { generateTotpSecret, totpCode } from './totp.ts';

/**
 * Builds the identity API module. It is global: its session resolution (request.identity)
 * and CSRF check apply to every /api route, so it must come first in the module list.
 */
export function createIdentityModule(options: { limits?: IdentityRateLimits } = {}): ApiModuleOf<IdentityContext> {
  const module: ApiModuleOf<IdentityContext> = async (app, ctx) => {
    const deps = createIdentityDeps(ctx, options.limits);
    registerCsrfProtection(app, deps.keys.csrf);
    registerIdentityResolution(app, deps);
    registerIdentityRoutes(app, deps);
  };
  module.global = true;
  return module;
}

export const identityModule: ApiModuleOf<IdentityContext> = createIdentityModule();
