// Customer-side sign-in with Google (OpenID Connect, authorization code + PKCE) through
// openid-client, pointed at Google or at the emulator by GOOGLE_OIDC_ISSUER. The person must
// have a verified email and a Workspace domain (`hd`) that is a customer tenant of this
// installation (in trial or active); they become (or update) a member of that customer.
// Started for a trial install ("Start a free trial"), a domain that is no customer yet gives
// a pending install (pending-install.ts) instead, which the trial module completes.
import { randomUUID } from 'node:crypto';
import * as oidc from 'openid-client';
import type { IdentityDeps } from './deps.ts';
import { createPendingInstall } from './pending-install.ts';
import { open, seal } from './server-secrets.ts';
import { createSession, endSession, type RequestMeta } from './sessions.ts';
import { findCustomerByDomain, findCustomerMember, insertCustomerMember, setCustomerMemberSubject } from './store.ts';

export const oidcCookieName = '__Host-safehold-oidc';
export const oidcStateLifetimeMs = 10 * 60_000;
export const googleCallbackPath = '/api/auth/google/callback';

/** Why a Google sign-in was refused; the web app shows a message for each (`/sign-in?error=`). */
export type GoogleSignInError =
  | 'google_not_configured'
  | 'google_failed'
  | 'email_not_verified'
  | 'not_a_workspace_account'
  | 'unknown_domain'
  | 'account_mismatch'
  | 'tenant_suspended'
  | 'tenant_cancelled';

/** Why Google sign-in was started: to sign in, or to install a trial for a new domain. */
export type GoogleSignInIntent = 'sign_in' | 'trial';

export type GoogleSignInOutcome =
  | { kind: 'session'; sessionId: string }
  /** The domain is no customer yet (trial intent): the pending install's cookie value. */
  | { kind: 'pending_install'; pendingInstallId: string };

export class GoogleSignInRefused extends Error {
  override name = 'GoogleSignInRefused';
  readonly reason: GoogleSignInError;
  constructor(reason: GoogleSignInError) {
    super(reason);
    this.reason = reason;
  }
}

interface PendingSignIn {
  state: string;
  nonce: string;
  verifier: string;
  expiresAt: number;
  intent?: GoogleSignInIntent;
}

function isLoopback(url: URL): boolean {
  return ['127.0.0.1', 'localhost', '[::1]', '::1'].includes(url.hostname);
}

export interface GoogleSignIn {
  /** The issuer URL to send the browser to, and the sealed state for the cookie. */
  start(intent?: GoogleSignInIntent): Promise<{ url: string; cookie: string }>;
  /** Completes the sign-in from the callback URL; returns the new session id. */
  finish(
    callbackUrl: string,
    cookie: string | undefined,
    meta: RequestMeta,
    previousSessionHash: string | null,
  ): Promise<GoogleSignInOutcome>;
}

export function createGoogleSignIn(deps: IdentityDeps): GoogleSignIn {
  const { oidcIssuer, oidcClientId, oidcClientSecret } = deps.config.google;
  const redirectUri = `${deps.config.publicUrl}${googleCallbackPath}`;
  let configuration: Promise<oidc.Configuration> | null = null;

  const getConfiguration = (): Promise<oidc.Configuration> => {
    if (!oidcIssuer || !oidcClientId) throw new GoogleSignInRefused('google_not_configured');
    const issuer = new URL(oidcIssuer);
    configuration ??= oidc
      .discovery(
        issuer,
        oidcClientId,
        oidcClientSecret ?? undefined,
        undefined,
        // Plain http only for an issuer on this machine (the emulator, tests).
        isLoopback(issuer) && issuer.protocol === 'http:' ? { execute: [oidc.allowInsecureRequests] } : undefined,
      )
      .catch((error: unknown) => {
        configuration = null; // try discovery again next time
        throw error;
      });
    return configuration;
  };

  const refuse = async (reason: GoogleSignInError, meta: RequestMeta, label: string, tenants: string[] = []) => {
    await deps.audit.record({
      actor: { kind: 'anonymous', label },
      tenants: tenants.length > 0 ? (tenants as `customer:${string}`[]) : ['vendor'],
      action: 'auth.sign_in.google',
      target: label,
      ...meta,
      result: 'failure',
      details: { reason },
    });
    return new GoogleSignInRefused(reason);
  };

  return {
    async start(intent = 'sign_in') {
      const config = await getConfiguration();
      const pending: PendingSignIn = {
        intent,
        state: oidc.randomState(),
        nonce: oidc.randomNonce(),
        verifier: oidc.randomPKCECodeVerifier(),
        expiresAt: deps.clock.now().getTime() + oidcStateLifetimeMs,
      };
      const url = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri,
        scope: 'openid email profile',
        response_type: 'code',
        code_challenge: await oidc.calculatePKCECodeChallenge(pending.verifier),
        code_challenge_method: 'S256',
        state: pending.state,
        nonce: pending.nonce,
      });
      return { url: url.href, cookie: seal(deps.keys.oidcState, JSON.stringify(pending), 'oidc-state') };
    },

    async finish(callbackUrl, cookie, meta, previousSessionHash) {
      const config = await getConfiguration();
      const opened = cookie ? open(deps.keys.oidcState, cookie, 'oidc-state') : null;
      const pending = opened ? (JSON.parse(opened.toString('utf8')) as PendingSignIn) : null;
      if (!pending || pending.expiresAt < deps.clock.now().getTime()) {
        throw await refuse('google_failed', meta, 'google sign-in (no or expired state)');
      }
      let claims: oidc.IDToken | undefined;
      try {
        const tokens = await oidc.authorizationCodeGrant(
          config,
          new URL(callbackUrl),
          {
            pkceCodeVerifier: pending.verifier,
            expectedState: pending.state,
            expectedNonce: pending.nonce,
            idTokenExpected: true,
          },
          { redirect_uri: redirectUri },
        );
        claims = tokens.claims();
      } catch (error) {
        deps.logger.warn(
          { err: error instanceof Error ? { name: error.name, message: error.message } : String(error) },
          'google sign-in: the authorization response or code exchange failed',
        );
        throw await refuse('google_failed', meta, 'google sign-in');
      }
      if (!claims) throw await refuse('google_failed', meta, 'google sign-in');
      const email = typeof claims.email === 'string' ? claims.email.trim().toLowerCase() : '';
      const verified = claims.email_verified === true || claims.email_verified === 'true';
      if (!email || !verified) throw await refuse('email_not_verified', meta, email || claims.sub);
      // Only Workspace accounts carry `hd`; a consumer account with a verified address at a
      // customer's domain must not get in.
      const hostedDomain = typeof claims.hd === 'string' ? claims.hd.toLowerCase() : '';
      if (!hostedDomain) throw await refuse('not_a_workspace_account', meta, email);
      const customer = await findCustomerByDomain(deps.db, hostedDomain);
      if (!customer && pending.intent === 'trial') {
        const pendingInstallId = await createPendingInstall(deps.db, deps.clock, {
          email,
          domain: hostedDomain,
          googleSubject: claims.sub,
        });
        await deps.audit.record({
          actor: { kind: 'anonymous', label: email },
          tenants: ['vendor'],
          action: 'auth.sign_in.google',
          target: email,
          ...meta,
          result: 'success',
          details: { next: 'trial_install', domain: hostedDomain },
        });
        return { kind: 'pending_install', pendingInstallId };
      }
      if (!customer) throw await refuse('unknown_domain', meta, email);
      if (customer.status === 'suspended' || customer.status === 'cancelled') {
        throw await refuse(customer.status === 'suspended' ? 'tenant_suspended' : 'tenant_cancelled', meta, email, [
          `customer:${customer.id}`,
        ]);
      }

      let member = await findCustomerMember(deps.db, customer.id, email);
      if (member?.googleSubject && member.googleSubject !== claims.sub) {
        throw await refuse('account_mismatch', meta, email, [`customer:${customer.id}`]);
      }
      const now = deps.clock.now();
      if (!member) {
        const id = randomUUID();
        await insertCustomerMember(deps.db, {
          id,
          customerId: customer.id,
          email,
          role: 'end_user',
          googleSubject: claims.sub,
          createdAt: now,
        });
        member = await findCustomerMember(deps.db, customer.id, email);
      } else if (!member.googleSubject) {
        await setCustomerMemberSubject(deps.db, member.id, claims.sub);
      }
      if (!member) throw await refuse('google_failed', meta, email);

      if (previousSessionHash) await endSession(deps.db, previousSessionHash);
      const sessionId = await createSession(
        deps.db,
        deps.clock,
        { kind: 'customer', customerMemberId: member.id },
        'signed_in',
        meta,
      );
      await deps.audit.record({
        actor: { kind: 'customer', id: member.id, label: email },
        tenants: [`customer:${customer.id}`],
        action: 'auth.sign_in.google',
        target: email,
        ...meta,
        result: 'success',
        details: { role: member.role },
      });
      return { kind: 'session', sessionId };
    },
  };
}
