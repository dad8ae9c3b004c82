// HTTP routes of Settings › API: a customer's API tokens, for its super admins (the policy's
// customer.api_tokens.manage). A customer member acts on the tenant of their session only.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../http/api-module.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import {
  type ApiTokenActor,
  type ApiTokenDeps,
  createApiToken,
  listApiTokens,
  maxApiTokenNameLength,
  revokeApiToken,
} from './api-tokens.ts';

const security = [{ session: [], csrf: [] }];
const tags = ['customers'];

const customerIdParams = z.strictObject({ customerId: z.uuid() });
const tokenParams = z.strictObject({ customerId: z.uuid(), tokenId: z.uuid() });
export const apiTokenSchema = z.strictObject({
  id: z.uuid(),
  name: z.string(),
  last4: z.string(),
  createdAt: z.string(),
  lastUsedAt: z.string().nullable(),
  revokedAt: z.string().nullable(),
});
const createBody = z.strictObject({ name: z.string().trim().min(1).max(maxApiTokenNameLength) });

function who(request: FastifyRequest): ApiTokenActor {
  const { actor, ip, userAgent, onBehalfOf } = auditActorOf(request);
  return { actor: requireActor(request), audit: { actor, ip, userAgent, onBehalfOf: onBehalfOf ?? null } };
}

export function registerApiTokenRoutes(app: App, deps: ApiTokenDeps): void {
  app.get(
    '/api/customers/:customerId/api-tokens',
    {
      schema: {
        tags,
        summary: "The tenant's API tokens (live and revoked): name, last 4 characters, created, last used",
        security,
        params: customerIdParams,
        response: { 200: z.strictObject({ apiTokens: z.array(apiTokenSchema) }) },
      },
    },
    async (request) => {
      const actor = requireActor(request);
      return { apiTokens: await listApiTokens(deps, actor, request.params.customerId) };
    },
  );

  app.post(
    '/api/customers/:customerId/api-tokens',
    {
      schema: {
        tags,
        summary:
          'Generate an API token (for /api/v1 with HTTP Basic: the domain and the token). The token is in this ' +
          'answer only; at most 5 live tokens per tenant',
        security,
        params: customerIdParams,
        body: createBody,
        response: { 201: z.strictObject({ apiToken: apiTokenSchema, token: z.string() }) },
      },
    },
    async (request, reply) => {
      const customerId = request.params.customerId;
      const created = await createApiToken(deps, who(request), customerId, request.body);
      return reply.status(201).send(created);
    },
  );

  app.post(
    '/api/customers/:customerId/api-tokens/:tokenId/revoke',
    {
      schema: {
        tags,
        summary: 'Revoke an API token: it never authenticates again (it stays listed as revoked)',
        security,
        params: tokenParams,
        response: { 200: z.strictObject({ apiToken: apiTokenSchema }) },
      },
    },
    async (request) => {
      const customerId = request.params.customerId;
      return { apiToken: await revokeApiToken(deps, who(request), customerId, { id: request.params.tokenId }) };
    },
  );
}
