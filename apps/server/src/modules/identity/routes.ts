// HTTP routes of the identity module (contract: notes/IDENTITY-API.md). Only HTTP here:
// parsing with zod, cookies, and calling the use cases.
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import type { App } from '../../http/api-module.ts';
import { customerRoles, partnerRoles, vendorRoles } from '../policy/index.ts';
import { changePassword } from './change-password.ts';
import { hostCookieOptions, issueCsrfToken } from './csrf.ts';
import type { IdentityDeps } from './deps.ts';
import { confirmEnrolment, startEnrolment } from './enrol-second-factor.ts';
import {
  createGoogleSignIn,
  GoogleSignInRefused,
  googleCallbackPath,
  oidcCookieName,
  oidcStateLifetimeMs,
} from './google-sign-in.ts';
import { invitePartnerUser, inviteVendorOperator } from './invitations.ts';
import { acceptLink, inspectLink } from './links.ts';
import { disableUser, resetSecondFactor } from './member-admin.ts';
import { closePartnerSession, openPartnerSession } from './partner-session.ts';
import { completePasswordReset, requestPasswordReset } from './password-reset.ts';
import { passwordSchema } from './passwords.ts';
import { pendingInstallCookieName, pendingInstallLifetimeMs } from './pending-install.ts';
import {
  auditActorOf,
  clearSessionCookie,
  requestMeta,
  requireActor,
  requireSessionStage,
  setSessionCookie,
} from './request-identity.ts';
import { endSession } from './sessions.ts';
import { signIn, verifySecondFactor } from './sign-in.ts';
import { registerTeamRoutes } from './team-routes.ts';

const stage = z.enum(['second_factor', 'enrol_second_factor', 'signed_in']);
const sessionUser = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  console: z.enum(['vendor', 'partner', 'customer']),
  role: z.enum([...new Set([...vendorRoles, ...partnerRoles, ...customerRoles])] as [string, ...string[]]),
  partnerId: z.string().nullable(),
  partnerName: z.string().nullable(),
  customerId: z.string().nullable(),
  domain: z.string().nullable(),
  partnerSession: z
    .object({
      customerId: z.string(),
      domain: z.string(),
      reason: z.string(),
      endsAt: z.string().describe('ISO time the partner session ends at'),
      consoleRole: z.enum(customerRoles),
    })
    .nullable()
    .describe('The customer console a partner user opened ("Open customer console"), while it lasts'),
});
const emailInput = z.string().trim().min(3, 'Enter an email address.').max(320);
const codeInput = z.string().trim().min(6, 'Enter the code.').max(32);
const tokenInput = z.string().min(16, 'The link is incomplete.').max(256);
// Fastify hands a bodyless POST to validation as null.
const noBody = z.strictObject({}).nullish();
const security = [{ session: [], csrf: [] }];

export function registerIdentityRoutes(app: App, deps: IdentityDeps): void {
  const google = createGoogleSignIn(deps);
  registerTeamRoutes(app, deps);

  app.get(
    '/api/auth/session',
    {
      schema: {
        tags: ['auth'],
        summary: 'The current session (or null) and the CSRF token for state-changing requests',
        response: {
          200: z.object({
            csrfToken: z.string(),
            session: z.object({ stage, user: sessionUser }).nullable(),
          }),
        },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      const csrfToken = issueCsrfToken(deps.keys.csrf, request, reply);
      const identity = request.identity;
      return { csrfToken, session: identity ? { stage: identity.stage, user: identity.user } : null };
    },
  );

  app.post(
    '/api/auth/sign-in',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with email and password (vendor and partner users)',
        body: z.strictObject({ email: emailInput, password: z.string().min(1, 'Enter your password.').max(1024) }),
        response: { 200: z.object({ stage: z.enum(['second_factor', 'enrol_second_factor']) }) },
      },
    },
    async (request, reply) => {
      const result = await signIn(deps, request.body, requestMeta(request), request.identity?.sessionIdHash ?? null);
      setSessionCookie(reply, result.sessionId);
      return { stage: result.stage };
    },
  );

  app.post(
    '/api/auth/second-factor',
    {
      schema: {
        tags: ['auth'],
        summary: 'Second sign-in step: a 6-digit authenticator code or a recovery code',
        security,
        body: z.strictObject({ code: codeInput }),
        response: { 200: z.object({ stage: z.literal('signed_in') }) },
      },
    },
    async (request, reply) => {
      const identity = requireSessionStage(request, 'second_factor');
      const { sessionId } = await verifySecondFactor(deps, identity, request.body.code, requestMeta(request));
      setSessionCookie(reply, sessionId);
      return { stage: 'signed_in' as const };
    },
  );

  app.post(
    '/api/auth/enrolment/start',
    {
      schema: {
        tags: ['auth'],
        summary: 'Start (or resume) authenticator enrolment: the pending TOTP secret',
        security,
        body: noBody,
        response: { 200: z.object({ secret: z.string(), otpauthUri: z.string() }) },
      },
    },
    async (request, reply) => {
      reply.header('cache-control', 'no-store');
      return startEnrolment(deps, requireSessionStage(request, 'enrol_second_factor'));
    },
  );

  app.post(
    '/api/auth/enrolment/confirm',
    {
      schema: {
        tags: ['auth'],
        summary: 'Confirm enrolment with a code from the authenticator; returns ten recovery codes',
        security,
        body: z.strictObject({ code: codeInput }),
        response: { 200: z.object({ stage: z.literal('signed_in'), recoveryCodes: z.array(z.string()).length(10) }) },
      },
    },
    async (request, reply) => {
      const identity = requireSessionStage(request, 'enrol_second_factor');
      const result = await confirmEnrolment(deps, identity, request.body.code, requestMeta(request));
      setSessionCookie(reply, result.sessionId);
      reply.header('cache-control', 'no-store');
      return { stage: 'signed_in' as const, recoveryCodes: result.recoveryCodes };
    },
  );

  app.post(
    '/api/auth/sign-out',
    { schema: { tags: ['auth'], summary: 'End the current session', security, body: noBody } },
    async (request, reply) => {
      const identity = request.identity;
      if (identity) {
        await endSession(deps.db, identity.sessionIdHash);
        const audit = auditActorOf(request);
        await deps.audit.record({ ...audit, action: 'auth.sign_out', target: identity.user.email, result: 'success' });
      }
      clearSessionCookie(reply);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/auth/links/inspect',
    {
      schema: {
        tags: ['auth'],
        summary: 'What a one-time link (setup, invitation, password reset) is for',
        body: z.strictObject({ token: tokenInput }),
        response: {
          200: z.object({
            purpose: z.enum(['operator_setup', 'invitation', 'password_reset']),
            email: z.string(),
            organisation: z.string().nullable(),
            needsEmail: z.boolean(),
          }),
        },
      },
    },
    async (request) => inspectLink(deps, request.body.token, requestMeta(request)),
  );

  app.post(
    '/api/auth/links/accept',
    {
      schema: {
        tags: ['auth'],
        summary: 'Create an account from a setup or invitation link',
        body: z.strictObject({
          token: tokenInput,
          password: passwordSchema,
          email: z.email('Enter a valid email address.').max(320).optional(),
          name: z.string().trim().max(200).optional(),
        }),
        response: { 200: z.object({ stage: z.literal('enrol_second_factor') }) },
      },
    },
    async (request, reply) => {
      const previous = request.identity?.sessionIdHash;
      const { sessionId } = await acceptLink(deps, request.body, requestMeta(request));
      if (previous) await endSession(deps.db, previous);
      setSessionCookie(reply, sessionId);
      return { stage: 'enrol_second_factor' as const };
    },
  );

  app.post(
    '/api/auth/password-reset/request',
    {
      schema: {
        tags: ['auth'],
        summary: 'Email a password-reset link (always answers 202)',
        body: z.strictObject({ email: emailInput }),
        response: { 202: z.strictObject({}) },
      },
    },
    async (request, reply) => {
      await requestPasswordReset(deps, request.body.email, requestMeta(request));
      return reply.status(202).send({});
    },
  );

  app.post(
    '/api/auth/password-reset/complete',
    {
      schema: {
        tags: ['auth'],
        summary: 'Set a new password from a reset link; ends every session of the user',
        body: z.strictObject({ token: tokenInput, password: passwordSchema }),
      },
    },
    async (request, reply) => {
      await completePasswordReset(deps, request.body, requestMeta(request));
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/auth/password/change',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Change your own password (staff): current password and a second-factor code; ends your other sessions',
        security,
        body: z.strictObject({
          currentPassword: z.string().min(1, 'Enter your current password.').max(1024),
          newPassword: passwordSchema,
          code: codeInput,
        }),
      },
    },
    async (request, reply) => {
      const identity = requireSessionStage(request, 'signed_in');
      const { sessionId } = await changePassword(
        deps,
        identity,
        requireActor(request),
        request.body,
        requestMeta(request),
      );
      setSessionCookie(reply, sessionId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/customers/:customerId/partner-session',
    {
      schema: {
        tags: ['auth'],
        summary:
          'Open customer console (partner owners, admins, assigned technicians): a reason and a fresh ' +
          'authentication code (the password for an account without an authenticator) open a partner ' +
          'session of at most 60 minutes in that customer console, while the customer allows it',
        security,
        params: z.strictObject({ customerId: z.uuid('Not a customer id.') }),
        body: z.strictObject({
          reason: z.string().trim().min(3, 'Say why you open this console.').max(500),
          code: z.string().trim().min(1, 'Enter the authentication code.').max(1024),
        }),
        response: { 201: z.object({ customerId: z.string(), endsAt: z.string() }) },
      },
    },
    async (request, reply) => {
      const identity = requireSessionStage(request, 'signed_in');
      const opened = await openPartnerSession(
        deps,
        identity,
        requireActor(request),
        request.params.customerId,
        request.body,
        requestMeta(request),
      );
      return reply.status(201).send({ customerId: opened.customerId, endsAt: opened.endsAt.toISOString() });
    },
  );

  app.post(
    '/api/auth/partner-session/end',
    {
      schema: {
        tags: ['auth'],
        summary: 'End session: leave the customer console of a partner session (nothing to end answers 204 too)',
        security,
        body: noBody,
      },
    },
    async (request, reply) => {
      const identity = requireSessionStage(request, 'signed_in');
      await closePartnerSession(deps, identity, requireActor(request), requestMeta(request));
      return reply.status(204).send();
    },
  );

  const redirectToSignIn = (reply: FastifyReply, reason: string) =>
    reply.redirect(`/sign-in?error=${encodeURIComponent(reason)}`, 302);

  app.get(
    '/api/auth/google/start',
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with Google: redirects to the identity provider',
        querystring: z.strictObject({
          intent: z
            .enum(['sign_in', 'trial'])
            .default('sign_in')
            .describe('trial: "Start a free trial" — a domain that is no customer yet goes on to authorise Safehold'),
        }),
      },
    },
    async (request, reply) => {
      try {
        const { url, cookie } = await google.start(request.query.intent);
        reply.setCookie(oidcCookieName, cookie, { ...hostCookieOptions, maxAge: oidcStateLifetimeMs / 1000 });
        return reply.redirect(url, 302);
      } catch (error) {
        if (error instanceof GoogleSignInRefused) return redirectToSignIn(reply, error.reason);
        deps.logger.error({ err: error }, 'google sign-in: discovery failed');
        return redirectToSignIn(reply, 'google_failed');
      }
    },
  );

  app.get(
    googleCallbackPath,
    {
      schema: {
        tags: ['auth'],
        summary: 'Sign in with Google: the identity provider returns here',
        // The provider's answer (RFC 6749 §4.1.2); openid-client reads it from the full URL.
        querystring: z
          .object({
            code: z.string().optional(),
            state: z.string().optional(),
            iss: z.string().optional(),
            scope: z.string().optional(),
            authuser: z.string().optional(),
            hd: z.string().optional(),
            prompt: z.string().optional(),
            error: z.string().optional(),
            error_description: z.string().optional(),
          })
          .loose(),
      },
    },
    async (request, reply) => {
      reply.clearCookie(oidcCookieName, hostCookieOptions);
      try {
        const callbackUrl = new URL(request.url, deps.config.publicUrl).href;
        const outcome = await google.finish(
          callbackUrl,
          request.cookies[oidcCookieName],
          requestMeta(request),
          request.identity?.sessionIdHash ?? null,
        );
        if (outcome.kind === 'pending_install') {
          reply.setCookie(pendingInstallCookieName, outcome.pendingInstallId, {
            ...hostCookieOptions,
            maxAge: pendingInstallLifetimeMs / 1000,
          });
          return reply.redirect('/trial/authorise', 302);
        }
        setSessionCookie(reply, outcome.sessionId);
        return reply.redirect('/customer', 302);
      } catch (error) {
        if (error instanceof GoogleSignInRefused) return redirectToSignIn(reply, error.reason);
        deps.logger.error({ err: error }, 'google sign-in failed');
        return redirectToSignIn(reply, 'google_failed');
      }
    },
  );

  const invitationResponse = z.object({ email: z.string(), role: z.string(), expiresAt: z.string() });

  app.post(
    '/api/partners/:partnerId/invitations',
    {
      schema: {
        tags: ['team'],
        summary: 'Invite a person to a partner organisation (owner/admin; role no higher than your own)',
        security,
        params: z.strictObject({ partnerId: z.uuid('Not a partner id.') }),
        body: z.strictObject({
          email: z.email('Enter a valid email address.').max(320),
          role: z.enum(partnerRoles).exclude(['owner']),
        }),
        response: { 201: invitationResponse },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const result = await invitePartnerUser(
        deps,
        actor,
        request.identity?.user.email ?? '',
        { partnerId: request.params.partnerId, ...request.body },
        requestMeta(request),
      );
      return reply.status(201).send({ ...result, expiresAt: result.expiresAt.toISOString() });
    },
  );

  app.post(
    '/api/vendor/operators/invitations',
    {
      schema: {
        tags: ['team'],
        summary: 'Invite a vendor operator (vendor admins)',
        security,
        body: z.strictObject({ email: z.email('Enter a valid email address.').max(320), role: z.enum(vendorRoles) }),
        response: { 201: invitationResponse },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      const result = await inviteVendorOperator(
        deps,
        actor,
        request.identity?.user.email ?? '',
        request.body,
        requestMeta(request),
      );
      return reply.status(201).send({ ...result, expiresAt: result.expiresAt.toISOString() });
    },
  );

  const userParams = z.strictObject({ userId: z.uuid('Not a user id.') });

  app.post(
    '/api/staff-users/:userId/second-factor/reset',
    {
      schema: {
        tags: ['team'],
        summary: "Reset a member's second factor: they enrol again at next sign-in; their sessions end",
        security,
        params: userParams,
        body: noBody,
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      await resetSecondFactor(
        deps,
        actor,
        request.identity?.user.email ?? '',
        request.params.userId,
        requestMeta(request),
      );
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/staff-users/:userId/disable',
    {
      schema: {
        tags: ['team'],
        summary: 'Disable an account; its sessions end at once',
        security,
        params: userParams,
        body: noBody,
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      await disableUser(deps, actor, request.identity?.user.email ?? '', request.params.userId, requestMeta(request));
      return reply.status(204).send();
    },
  );
}
