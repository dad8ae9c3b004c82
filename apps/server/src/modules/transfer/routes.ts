// HTTP routes of the transfer module (docs/transfer-tokens.md): the customer's Reseller
// Settings and the partner's preview/redeem. The token travels only in POST bodies (never in a
// URL) and is never logged: request logs carry method, URL and status, not bodies.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiModule, App } from '../../http/app.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import {
  createTransferDeps,
  defaultLifetimeDays,
  generateToken,
  getResellerSettings,
  maxLifetimeDays,
  previewTransfer,
  type Requester,
  redeemTransfer,
  removePartner,
  revokeToken,
  setPartnerAccess,
  type TransferDeps,
  type TransferRateLimits,
} from './service.ts';

const security = [{ session: [], csrf: [] }];
const tags = ['transfer'];

/** Bodiless POSTs (the web client sends `{}`). */
const noBody = z.strictObject({}).nullish();
const customerParams = z.object({ customerId: z.uuid() });
const partnerParams = z.object({ partnerId: z.uuid() });

const errorBody = z.object({
  error: z.object({ code: z.string(), message: z.string(), field: z.string().optional() }),
});

const resellerSettings = z.object({
  partner: z.object({ id: z.string(), name: z.string() }).nullable(),
  allowPartnerAccess: z.boolean(),
  token: z.object({ last4: z.string(), createdAt: z.string(), expiresAt: z.string() }).nullable(),
});

const generatedToken = z.object({
  token: z.string().describe('The transfer token: shown this once, stored only as a hash'),
  last4: z.string(),
  createdAt: z.string(),
  expiresAt: z.string(),
});

/**
 * Any string: a malformed token must get the same answer as every other invalid one, so the
 * format is checked by the service, not here.
 */
const tokenBody = z.strictObject({ token: z.string().describe('The transfer token (sht_…), pasted as received') });

const preview = z.object({
  customerId: z.string(),
  domain: z.string(),
  name: z.string(),
  status: z.enum(['trial', 'active', 'suspended', 'cancelled']),
  trialEndsAt: z.string().nullable(),
  users: z.number(),
  licenses: z.object({ standard: z.number(), archived: z.number(), assigned: z.number() }),
  seatsPurchased: z.number(),
  currentPartner: z.object({ name: z.string() }).nullable(),
});

function requester(request: FastifyRequest): Requester {
  const { actor, ip, userAgent } = auditActorOf(request);
  return { actor: requireActor(request), audit: { actor, ip, userAgent }, ip: request.ip };
}

export function registerTransferRoutes(app: App, deps: TransferDeps): void {
  app.get(
    '/api/customers/:customerId/reseller',
    {
      schema: {
        tags,
        summary: "Reseller Settings: the customer's partner, partner access and the live transfer token (last 4 only)",
        security,
        params: customerParams,
        response: { 200: resellerSettings },
      },
    },
    async (request) => getResellerSettings(deps, requireActor(request), request.params.customerId),
  );

  app.post(
    '/api/customers/:customerId/transfer-tokens',
    {
      schema: {
        tags,
        summary: 'Generate a transfer token (licensed super admin only); the previous one is revoked',
        description: `Lifetime 1–${maxLifetimeDays} days (default ${defaultLifetimeDays}). The token is in this answer only.`,
        security,
        params: customerParams,
        body: z.strictObject({ lifetimeDays: z.number().int().min(1).max(maxLifetimeDays).optional() }).optional(),
        response: { 201: generatedToken },
      },
    },
    async (request, reply) => {
      const token = await generateToken(
        deps,
        requester(request),
        request.params.customerId,
        request.body?.lifetimeDays ?? defaultLifetimeDays,
      );
      // The token is in this answer only: no cache keeps a copy.
      return reply.status(201).header('cache-control', 'no-store').send(token);
    },
  );

  app.post(
    '/api/customers/:customerId/transfer-tokens/revoke',
    {
      schema: {
        tags,
        summary: "Revoke the customer's live transfer token",
        security,
        params: customerParams,
        body: noBody,
      },
    },
    async (request, reply) => {
      await revokeToken(deps, requester(request), request.params.customerId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/customers/:customerId/partner/remove',
    {
      schema: {
        tags,
        summary: "Remove the customer's partner: its access ends at once",
        security,
        params: customerParams,
        body: noBody,
      },
    },
    async (request, reply) => {
      await removePartner(deps, requester(request), request.params.customerId);
      return reply.status(204).send();
    },
  );

  app.put(
    '/api/customers/:customerId/partner-access',
    {
      schema: {
        tags,
        summary: '"Allow partner to open this console" (stored; used by impersonation)',
        security,
        params: customerParams,
        body: z.strictObject({ allowed: z.boolean() }),
        response: { 200: z.object({ allowPartnerAccess: z.boolean() }) },
      },
    },
    async (request) => setPartnerAccess(deps, requester(request), request.params.customerId, request.body.allowed),
  );

  app.post(
    '/api/partners/:partnerId/customers/transfer/preview',
    {
      schema: {
        tags,
        summary: 'Preview the customer behind a transfer token without using it (partner owner/admin)',
        security,
        params: partnerParams,
        body: tokenBody,
        response: { 200: preview, 400: errorBody, 429: errorBody },
      },
    },
    async (request) => previewTransfer(deps, requester(request), request.params.partnerId, request.body.token),
  );

  app.post(
    '/api/partners/:partnerId/customers/transfer',
    {
      schema: {
        tags,
        summary: 'Redeem a transfer token: the customer moves to this partner (partner owner/admin)',
        security,
        params: partnerParams,
        body: tokenBody,
        response: { 200: z.object({ customerId: z.string(), domain: z.string() }), 400: errorBody, 429: errorBody },
      },
    },
    async (request) => redeemTransfer(deps, requester(request), request.params.partnerId, request.body.token),
  );
}

export function createTransferModule(options: { limits?: TransferRateLimits } = {}): ApiModule {
  return (app, ctx) => registerTransferRoutes(app, createTransferDeps(ctx, options.limits));
}

export const transferModule: ApiModule = createTransferModule();
