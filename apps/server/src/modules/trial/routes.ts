// HTTP routes of the trial install: what to authorise, and "Verify". Both act only on the
// pending install named by the HttpOnly cookie the Google callback set (never on input from
// the page), and answer 404 without one.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { type CustomersModuleOptions, createCustomersDeps } from '../customers/index.ts';
import {
  findPendingInstall,
  hostCookieOptions,
  type PendingInstall,
  pendingInstallCookieName,
  requestMeta,
  setSessionCookie,
} from '../identity/index.ts';
import { createRateLimiter } from '../rate-limits/index.ts';
import { defaultTrialLimits, installInstructions, noPendingInstall, type TrialDeps, verifyInstall } from './install.ts';

const security = [{ pendingInstall: [], csrf: [] }];
const tags = ['trial'];

export function createTrialModule(options: CustomersModuleOptions & { limits?: TrialDeps['limits'] }): ApiModule {
  return async (app, ctx) => {
    const { limits, hooks, ...customerOptions } = options;
    const deps: TrialDeps = {
      db: ctx.db,
      clock: ctx.clock,
      audit: ctx.audit,
      customers: createCustomersDeps(ctx, { ...customerOptions, hooks: hooks(ctx) }),
      limiter: createRateLimiter({ db: ctx.db, clock: ctx.clock }),
      limits: limits ?? defaultTrialLimits,
    };
    const pendingOf = async (request: FastifyRequest): Promise<PendingInstall> => {
      const pending = await findPendingInstall(deps.db, deps.clock, request.cookies[pendingInstallCookieName]);
      if (!pending) throw noPendingInstall();
      return pending;
    };

    app.get(
      '/api/trial/installation',
      {
        schema: {
          tags,
          summary:
            "The trial install in progress: who signed in, the service account's client id and the scopes to authorise",
          security,
          response: {
            200: z.object({
              email: z.string(),
              domain: z.string(),
              clientId: z.string(),
              project: z.string().nullable(),
              scopes: z.array(z.string()),
              consolePath: z.string(),
              expiresAt: z.string(),
            }),
          },
        },
      },
      async (request, reply) => {
        reply.header('cache-control', 'no-store');
        return installInstructions(deps, await pendingOf(request));
      },
    );

    app.post(
      '/api/trial/installation/verify',
      {
        schema: {
          tags,
          summary:
            'Check the delegation (each missing scope named) and super-admin status; when both hold, create the tenant in trial and sign in',
          security,
          body: z.strictObject({}).nullish(),
          response: {
            200: z.object({
              installed: z.boolean(),
              reason: z.enum(['delegation_missing', 'not_super_admin', 'unknown_admin']).nullable(),
              message: z.string(),
              missingScopes: z.array(z.string()),
              customer: z.object({ id: z.string(), domain: z.string(), trialEndsAt: z.string().nullable() }).nullable(),
            }),
          },
        },
      },
      async (request, reply) => {
        const pending = await pendingOf(request);
        const outcome = await verifyInstall(deps, pending, requestMeta(request));
        if (!outcome.installed) return { ...outcome, customer: null };
        setSessionCookie(reply, outcome.sessionId);
        reply.clearCookie(pendingInstallCookieName, hostCookieOptions);
        return {
          installed: true,
          reason: null,
          message: `Safehold is installed for ${outcome.domain}: your trial has started.`,
          missingScopes: [],
          customer: { id: outcome.customerId, domain: outcome.domain, trialEndsAt: outcome.trialEndsAt },
        };
      },
    );
  };
}
