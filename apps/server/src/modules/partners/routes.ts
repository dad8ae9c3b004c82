// HTTP routes of the vendor's partner program (notes: ISSUE6-API.md "Vendor"). Only HTTP
// here: zod schemas, the signed-in actor, calling the service.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { ApiModule } from '../../http/app.ts';
import { auditActorOf, createIdentityDeps, requireActor } from '../identity/index.ts';
import { createRateLimiter, type RateLimitRule } from '../rate-limits/index.ts';
import type { PartnerSummary } from '../tenancy/index.ts';
import { authorizeSubtreePartner, listChildPartnersFor } from './distributor.ts';
import {
  changePartnerStatus,
  listPartnersFor,
  onboardPartner,
  type PartnersDeps,
  resendOwnerInvitation,
  type SubtreeFigures,
} from './service.ts';

const security = [{ session: [], csrf: [] }];
/** A distributor onboarding child partners (each mails an owner invitation). */
const childOnboarding: RateLimitRule = { name: 'partners:onboard-child', limit: 30, windowMs: 60 * 60_000 };
const tags = ['vendor'];

const partnerSchema = z.object({
  id: z.string(),
  name: z.string(),
  status: z.enum(['active', 'suspended']),
  ownerEmail: z.string().nullable(),
  ownerInvitationPending: z.boolean(),
  ownerInvitationExpiresAt: z.string().nullable(),
  customers: z.number().int(),
  /** Seats (standard + archived licenses) of its customers; 0 where not listed (onboarding answers). */
  seats: z.number().int(),
  /** Bytes its customers' backups store. */
  storageBytes: z.number(),
  /** A distributor's whole subtree (its own customers and its partners'); null without partners under it or where not listed. */
  subtree: z
    .object({
      partners: z.number().int(),
      customers: z.number().int(),
      seats: z.number().int(),
      storageBytes: z.number(),
    })
    .nullable()
    .describe("A distributor's subtree totals: its own customers and every partner's under it"),
  createdAt: z.string(),
});
const partnerParams = z.strictObject({ partnerId: z.uuid('Not a partner id.') });

const toJson = (
  partner: PartnerSummary & { seats?: number; storageBytes?: number; subtree?: SubtreeFigures | null },
) => ({
  ...partner,
  seats: partner.seats ?? 0,
  storageBytes: partner.storageBytes ?? 0,
  subtree: partner.subtree ?? null,
  ownerInvitationExpiresAt: partner.ownerInvitationExpiresAt?.toISOString() ?? null,
  createdAt: partner.createdAt.toISOString(),
});
const invitationSchema = z.object({ email: z.string(), expiresAt: z.string() });

function auditActor(request: FastifyRequest) {
  const { actor, ip, userAgent } = auditActorOf(request);
  return { actor, ip, userAgent };
}

export const partnersModule: ApiModule = (app, ctx) => {
  const deps: PartnersDeps = { ctx, identity: createIdentityDeps(ctx) };

  app.get(
    '/api/vendor/partners',
    {
      schema: {
        tags,
        summary: 'The partner program: partners with their owner, status and number of customers (vendor operators)',
        security,
        querystring: z.strictObject({
          search: z.string().trim().max(200).optional().describe('Part of the name or the owner email'),
          status: z.enum(['active', 'suspended']).optional(),
          page: z.coerce.number().int().min(1).default(1),
          pageSize: z.coerce.number().int().min(1).max(200).default(50),
        }),
        response: { 200: z.object({ total: z.number().int(), partners: z.array(partnerSchema) }) },
      },
    },
    async (request) => {
      const result = await listPartnersFor(deps, requireActor(request), request.query);
      return { total: result.total, partners: result.partners.map(toJson) };
    },
  );

  app.post(
    '/api/vendor/partners',
    {
      schema: {
        tags,
        summary: 'Onboard a partner: creates the organisation and emails its owner an invitation (vendor admins)',
        security,
        body: z.strictObject({
          name: z.string().trim().min(1, 'Enter the partner name.').max(200),
          ownerEmail: z.email('Enter a valid email address.').max(320),
        }),
        response: {
          201: z.object({
            partner: partnerSchema,
            invitation: invitationSchema,
          }),
        },
      },
    },
    async (request, reply) => {
      const result = await onboardPartner(deps, requireActor(request), auditActor(request), request.body);
      return reply.status(201).send({
        partner: toJson(result.partner),
        invitation: { email: result.invitation.email, expiresAt: result.invitation.expiresAt.toISOString() },
      });
    },
  );

  app.post(
    '/api/vendor/partners/:partnerId/owner-invitation',
    {
      schema: {
        tags,
        summary:
          'Send the owner invitation again (same or another address) while nobody accepted it; the earlier link stops working (vendor admins)',
        security,
        params: partnerParams,
        body: z.strictObject({ ownerEmail: z.email('Enter a valid email address.').max(320).optional() }).nullish(),
        response: { 201: invitationSchema },
      },
    },
    async (request, reply) => {
      const result = await resendOwnerInvitation(
        deps,
        requireActor(request),
        auditActor(request),
        request.params.partnerId,
        request.body?.ownerEmail,
      );
      return reply.status(201).send({ email: result.email, expiresAt: result.expiresAt.toISOString() });
    },
  );

  for (const [action, status] of [
    ['suspend', 'suspended'],
    ['reactivate', 'active'],
  ] as const) {
    app.post(
      `/api/vendor/partners/:partnerId/${action}`,
      {
        schema: {
          tags,
          summary:
            action === 'suspend'
              ? "Suspend a partner: its users' sessions end at once and they cannot sign in (vendor admins)"
              : 'Reactivate a suspended partner (vendor admins)',
          security,
          params: partnerParams,
          body: z.strictObject({}).nullish(),
          response: { 200: partnerSchema },
        },
      },
      async (request) =>
        toJson(
          await changePartnerStatus(deps, requireActor(request), auditActor(request), request.params.partnerId, status),
        ),
    );
  }

  // Distributors (issue 18 #8): the partner's child partners and onboarding one under it.
  const limiter = createRateLimiter(ctx);
  const distributorParams = z.strictObject({ partnerId: z.uuid('must be a partner id') });
  const distributorTags = ['reseller'];
  const childSchema = z.object({
    partner: partnerSchema,
    parent: z.object({ id: z.string(), name: z.string() }).describe('The partner it sits under'),
    depth: z.number().int().describe('1: a direct child; 2: a grandchild; …'),
    customers: z.number().int(),
    seatsAssigned: z.number().int(),
    seatsPurchased: z.number().int(),
    storageBytes: z.number(),
    openAlerts: z.number().int(),
  });

  app.get(
    '/api/partners/:partnerId/partners',
    {
      schema: {
        tags: distributorTags,
        summary:
          "A distributor's whole subtree of partners, depth first (each with its parent), with the customers, seats, storage and open alerts of each one's own subtree (partner owners and admins)",
        security,
        params: distributorParams,
        response: { 200: z.object({ canOnboard: z.boolean(), partners: z.array(childSchema) }) },
      },
    },
    async (request) => {
      const result = await listChildPartnersFor(deps, requireActor(request), request.params.partnerId);
      return {
        canOnboard: result.canOnboard,
        partners: result.partners.map((child) => ({ ...child, partner: toJson(child.partner) })),
      };
    },
  );

  app.post(
    '/api/partners/:partnerId/partners/:childId/owner-invitation',
    {
      schema: {
        tags: distributorTags,
        summary:
          "Send a pending owner invitation of a partner in this distributor's subtree again (same or another address); the earlier link stops working (the distributor's owner and admins)",
        security,
        params: z.strictObject({
          partnerId: z.uuid('must be a partner id'),
          childId: z.uuid('must be a partner id'),
        }),
        body: z.strictObject({ ownerEmail: z.email('Enter a valid email address.').max(320).optional() }).nullish(),
        response: { 201: invitationSchema },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      await authorizeSubtreePartner(deps, actor, request.params.partnerId, request.params.childId);
      // Each invitation mails an address from outside: bounded with onboarding, per acting organisation.
      await limiter.consume([
        { rule: childOnboarding, subject: actor.kind === 'partner' ? actor.partnerId : request.params.partnerId },
      ]);
      const result = await resendOwnerInvitation(
        deps,
        actor,
        auditActor(request),
        request.params.childId,
        request.body?.ownerEmail,
        'subtree',
      );
      return reply.status(201).send({ email: result.email, expiresAt: result.expiresAt.toISOString() });
    },
  );

  app.post(
    '/api/partners/:partnerId/partners',
    {
      schema: {
        tags: distributorTags,
        summary:
          "Onboard a child partner under this distributor: creates the organisation and emails its owner an invitation (the distributor's owner and admins)",
        security,
        params: distributorParams,
        body: z.strictObject({
          name: z.string().trim().min(1, 'Enter the partner name.').max(200),
          ownerEmail: z.email('Enter a valid email address.').max(320),
        }),
        response: { 201: z.object({ partner: partnerSchema, invitation: invitationSchema }) },
      },
    },
    async (request, reply) => {
      const actor = requireActor(request);
      // Each onboarding mails an address from outside: bounded per acting organisation.
      await limiter.consume([
        { rule: childOnboarding, subject: actor.kind === 'partner' ? actor.partnerId : request.params.partnerId },
      ]);
      const result = await onboardPartner(deps, actor, auditActor(request), {
        ...request.body,
        parentPartnerId: request.params.partnerId,
      });
      return reply.status(201).send({
        partner: toJson(result.partner),
        invitation: { email: result.invitation.email, expiresAt: result.invitation.expiresAt.toISOString() },
      });
    },
  );
};
