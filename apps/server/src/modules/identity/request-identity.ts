// Who is making a request: every /api request resolves its session cookie against the
// database (so sign-out, disabling a user or suspending a partner take effect at once) and
// decorates the request with `identity`. Other modules call `requireActor(request)` for the
// policy Actor of a signed-in user, and `auditActorOf(request)` for audit entries.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Clock } from '../../clock.ts';
import type { Db } from '../../db/database.ts';
import type { App } from '../../http/api-module.ts';
import { AppError } from '../../http/errors.ts';
import {
  type Actor,
  type CustomerRole,
  type PartnerRole,
  type PartnerSessionGrant,
  partnerSessionConsoleRole,
  type VendorRole,
} from '../policy/index.ts';
import { hostCookieOptions, isApiRequest } from './csrf.ts';
import type { AuditRecord, AuditTenant } from './deps.ts';
import {
  endPartnerSession,
  endSession,
  type RequestMeta,
  type SessionRow,
  type SessionStage,
  sessionCookieName,
  sessionExpired,
  sessionHashFromCookie,
  touchSession,
} from './sessions.ts';
import { assignedCustomerIds, loadSession } from './store.ts';

export interface SessionUser {
  id: string;
  email: string;
  name: string;
  console: 'vendor' | 'partner' | 'customer';
  role: VendorRole | PartnerRole | CustomerRole;
  partnerId: string | null;
  partnerName: string | null;
  customerId: string | null;
  domain: string | null;
  /** The customer console a partner user opened (issue 18 §2), while it lasts; else null. */
  partnerSession: PartnerSessionView | null;
}

export interface PartnerSessionView {
  customerId: string;
  domain: string;
  reason: string;
  /** ISO time the session ends at. */
  endsAt: string;
  /** What the pages show the partner user as inside the customer console (the policy's answer). */
  consoleRole: CustomerRole;
}

export interface RequestIdentity {
  sessionIdHash: string;
  stage: SessionStage;
  user: SessionUser;
  /** The policy actor; only for a fully signed-in session. */
  actor: Actor | null;
}

/**
 * A request authenticated by a partner's API key (Authorization: Bearer), never together with
 * a session cookie. The integrations module resolves the key and sets it; identity only
 * declares it, so requireActor and auditActorOf answer for both kinds of caller.
 */
export interface BearerIdentity {
  /** A partner's API key, or a customer's API token (Settings › API) sent as a bearer token. */
  actor: Extract<Actor, { kind: 'api_key' | 'api_token' }>;
  /** How audit entries name the key, e.g. `API key "PSA sync" (sh_live_…a1b2)`. */
  label: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    identity: RequestIdentity | null;
    bearer: BearerIdentity | null;
  }
}

/** The API key bearer token of a request, when it sends `Authorization: Bearer …`. */
export function bearerToken(request: FastifyRequest): string | null {
  const header = request.headers.authorization;
  if (typeof header !== 'string') return null;
  const match = /^Bearer\s+(\S+)\s*$/i.exec(header);
  return match?.[1] ?? null;
}

export function requestMeta(request: FastifyRequest): RequestMeta {
  const agent = request.headers['user-agent'];
  return { ip: request.ip, userAgent: typeof agent === 'string' ? agent.slice(0, 512) : null };
}

/** The signed-in user's policy Actor; 401 `unauthenticated` without a signed-in session. */
export function requireActor(request: FastifyRequest): Actor {
  const actor = request.identity?.actor ?? request.bearer?.actor;
  if (!actor) throw new AppError('unauthenticated', 'Sign in to continue.');
  return actor;
}

/** The session at one of the given stages, or 401. */
export function requireSessionStage(request: FastifyRequest, ...stages: SessionStage[]): RequestIdentity {
  const identity = request.identity;
  if (!identity) throw new AppError('unauthenticated', 'Sign in to continue.');
  if (!stages.includes(identity.stage)) {
    throw new AppError(
      identity.stage === 'signed_in' ? 'conflict' : 'second_factor_required',
      identity.stage === 'signed_in' ? 'You are already signed in.' : 'Complete the second sign-in step first.',
    );
  }
  return identity;
}

/** The signed-in partner user's live partner session, or null. */
export function partnerSessionOf(request: FastifyRequest): PartnerSessionGrant | null {
  const actor = request.identity?.actor;
  return actor?.kind === 'partner' ? (actor.partnerSession ?? null) : null;
}

/** The tenant log(s) where entries about this user belong. */
export function auditTenantsOf(user: SessionUser): AuditTenant[] {
  if (user.console === 'vendor') return ['vendor'];
  if (user.console === 'partner') return [`partner:${user.partnerId}`];
  return [`customer:${user.customerId}`];
}

/** Actor, tenant and request fields for an audit entry made by the signed-in user. */
export function auditActorOf(
  request: FastifyRequest,
): Pick<AuditRecord, 'actor' | 'ip' | 'userAgent' | 'onBehalfOf'> & { tenants: AuditTenant[] } {
  const meta = requestMeta(request);
  const bearer = request.bearer;
  if (bearer?.actor.kind === 'api_token') {
    return {
      actor: { kind: 'api_token', id: bearer.actor.tokenId, label: bearer.label },
      tenants: [`customer:${bearer.actor.customerId}`],
      ...meta,
    };
  }
  if (bearer) {
    return {
      actor: { kind: 'api_key', id: bearer.actor.keyId, label: bearer.label },
      tenants: [`partner:${bearer.actor.partnerId}`],
      ...meta,
    };
  }
  const user = request.identity?.user;
  if (!user) return { actor: { kind: 'anonymous', label: 'anonymous' }, tenants: ['vendor'], ...meta };
  const actor = {
    kind: user.console === 'customer' ? ('customer' as const) : ('staff' as const),
    id: user.id,
    label: user.email,
  };
  const session = user.partnerSession;
  // The person's own Reseller Console stays theirs during a partner session: what they change
  // there is the partner's business, not done in the customer's console nor for it.
  if (!session || isPartnerConsoleRoute(request)) return { actor, tenants: auditTenantsOf(user), ...meta };
  // Inside a partner session every entry names the real person and says for whom and why,
  // in the partner's log and the customer's (issue 18 §2).
  return {
    actor,
    onBehalfOf: partnerSessionLabel(session),
    tenants: [...auditTenantsOf(user), `customer:${session.customerId}`],
    ...meta,
  };
}

/** A route of the Reseller Console's API (`/api/partners/:partnerId/…`). */
function isPartnerConsoleRoute(request: FastifyRequest): boolean {
  return (request.routeOptions.url ?? request.url).startsWith('/api/partners/');
}

/**
 * How an audit entry says on whose behalf and why a partner user acted (the entry's actor is
 * the person; readers see their organisation beside it).
 */
export function partnerSessionLabel(session: { domain: string; reason: string }): string {
  return `${session.domain}, partner session: ${session.reason}`;
}

export function clearSessionCookie(reply: FastifyReply): void {
  reply.clearCookie(sessionCookieName, hostCookieOptions);
}

export function setSessionCookie(reply: FastifyReply, id: string): void {
  reply.setCookie(sessionCookieName, id, hostCookieOptions);
}

/** Resolves a session id hash to the identity, or null (and deletes it) when it has ended. */
export async function resolveSession(db: Db, clock: Clock, idHash: string): Promise<RequestIdentity | null> {
  const row = await loadSession(db, idHash);
  if (!row) return null;
  const now = clock.now();
  // An ended partner session is dropped; the staff session goes on in the partner console.
  if (row.session.actingCustomerId && !livePartnerSession(row.session, now)) await endPartnerSession(db, idHash);
  const { session } = row;
  let identity: RequestIdentity | null = null;
  if (session.subjectKind === 'staff' && row.user) {
    const user = row.user;
    const active = !user.disabledAt && (user.orgKind === 'vendor' || row.partnerStatus === 'active');
    if (active) {
      const sessionUser: SessionUser = {
        id: user.id,
        email: user.email,
        name: user.name,
        console: user.orgKind,
        role: user.role,
        partnerId: user.partnerId,
        partnerName: row.partnerName,
        customerId: null,
        domain: null,
        partnerSession: null,
      };
      const grant = livePartnerSession(session, now);
      if (grant && user.orgKind === 'partner' && row.actingCustomerDomain) {
        sessionUser.partnerSession = {
          customerId: grant.customerId,
          domain: row.actingCustomerDomain,
          reason: grant.reason,
          endsAt: grant.endsAt.toISOString(),
          consoleRole: partnerSessionConsoleRole(user.role as PartnerRole),
        };
      }
      let actor: Actor | null = null;
      if (session.stage === 'signed_in') {
        actor =
          user.orgKind === 'vendor'
            ? { kind: 'vendor', userId: user.id, role: user.role as VendorRole }
            : {
                kind: 'partner',
                userId: user.id,
                partnerId: user.partnerId as string,
                role: user.role as PartnerRole,
                assignedCustomerIds: await assignedCustomerIds(db, user.id),
                partnerSession: sessionUser.partnerSession ? grant : null,
              };
      }
      identity = { sessionIdHash: idHash, stage: session.stage, user: sessionUser, actor };
    }
  } else if (
    session.subjectKind === 'customer' &&
    row.member &&
    // A suspended or cancelled tenant's members are signed out at their next request.
    (row.customerStatus === 'trial' || row.customerStatus === 'active')
  ) {
    const member = row.member;
    identity = {
      sessionIdHash: idHash,
      stage: session.stage,
      user: {
        id: member.id,
        email: member.email,
        name: member.email,
        console: 'customer',
        role: member.role,
        partnerId: null,
        partnerName: null,
        customerId: member.customerId,
        domain: row.customerDomain,
        partnerSession: null,
      },
      actor:
        session.stage === 'signed_in'
          ? {
              kind: 'customer',
              memberId: member.id,
              customerId: member.customerId,
              role: member.role,
              email: member.email,
            }
          : null,
    };
  }
  if (!identity || sessionExpired(session, now)) {
    await endSession(db, idHash);
    return null;
  }
  await touchSession(db, idHash, now);
  return identity;
}

/** The session's partner session when it has not ended by `now`. */
function livePartnerSession(
  session: Pick<SessionRow, 'actingCustomerId' | 'actingReason' | 'actingExpiresAt'>,
  now: Date,
): PartnerSessionGrant | null {
  const { actingCustomerId, actingReason, actingExpiresAt } = session;
  if (!actingCustomerId || actingReason === null || !actingExpiresAt) return null;
  if (now.getTime() >= actingExpiresAt.getTime()) return null;
  return { customerId: actingCustomerId, reason: actingReason, endsAt: actingExpiresAt };
}

export function registerIdentityResolution(app: App, deps: { db: Db; clock: Clock }): void {
  app.decorateRequest('identity', null);
  app.decorateRequest('bearer', null);
  app.addHook('onRequest', async (request, reply) => {
    request.identity = null;
    request.bearer = null;
    if (!isApiRequest(request)) return;
    const cookie = request.cookies[sessionCookieName];
    if (cookie === undefined) return;
    const idHash = sessionHashFromCookie(cookie);
    request.identity = idHash ? await resolveSession(deps.db, deps.clock, idHash) : null;
    // A cookie that no longer names a live session is removed from the browser.
    if (!request.identity) clearSessionCookie(reply);
  });
}
