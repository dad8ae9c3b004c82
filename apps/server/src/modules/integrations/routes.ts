// HTTP routes of Integrations (Reseller Console): a partner's API keys and webhooks, with the
// delivery log and "Send test event". Only HTTP here: zod schemas, the actor, the use cases.
import type { FastifyRequest } from 'fastify';
import { z } from 'zod';
import type { App } from '../../http/api-module.ts';
import { auditActorOf, requireActor } from '../identity/index.ts';
import { apiKeyScopes } from '../policy/index.ts';
import { createRateLimiter, type RateLimitRule } from '../rate-limits/index.ts';
import { createApiKey, listApiKeys, revokeApiKey } from './api-keys.ts';
import type { AuditActor } from './audit-actor.ts';
import type { IntegrationsDeps } from './deps.ts';
import { partnerEventTypes } from './events.ts';
import {
  createWebhook,
  deleteWebhook,
  enableWebhook,
  listDeliveries,
  listWebhooks,
  sendTestEvent,
} from './webhooks.ts';

const security = [{ session: [], csrf: [] }];
const tags = ['integrations'];
const partnerParams = z.strictObject({ partnerId: z.uuid('must be a partner id') });
const keyParams = partnerParams.extend({ keyId: z.uuid('must be an API key id') });
const webhookParams = partnerParams.extend({ webhookId: z.uuid('must be a webhook id') });

const scopeSchema = z.enum(apiKeyScopes);
const eventSchema = z.enum(partnerEventTypes);
const apiKeySchema = z.object({
  id: z.uuid(),
  name: z.string(),
  scopes: z.array(scopeSchema),
  last4: z.string(),
  createdAt: z.iso.datetime(),
  lastUsedAt: z.iso.datetime().nullable(),
  revokedAt: z.iso.datetime().nullable(),
});
const webhookSchema = z.object({
  id: z.uuid(),
  url: z.string(),
  events: z.array(eventSchema),
  createdAt: z.iso.datetime(),
  failingSince: z.iso.datetime().nullable(),
  disabledAt: z.iso.datetime().nullable(),
  disabledReason: z.string().nullable(),
});
const deliverySchema = z.object({
  id: z.uuid(),
  eventId: z.uuid(),
  eventType: z.string(),
  status: z.enum(['pending', 'delivered', 'failed']),
  attempts: z.number().int(),
  createdAt: z.iso.datetime(),
  lastAttemptAt: z.iso.datetime().nullable(),
  lastResponseCode: z.number().int().nullable(),
  lastError: z.string().nullable(),
  nextAttemptAt: z.iso.datetime().nullable(),
});

const createKeyBody = z.strictObject({
  name: z.string().trim().min(1, 'must not be empty').max(100, 'must be at most 100 characters'),
  scopes: z.array(scopeSchema).min(1, 'must name at least one scope'),
});
const createWebhookBody = z.strictObject({
  url: z.string().trim().min(1, 'must not be empty').max(2000, 'must be at most 2000 characters'),
  events: z.array(eventSchema).min(1, 'must name at least one event'),
});

/** Webhook URLs are resolved (DNS) and test events sent on request: limited per partner. */
const webhookChanges: RateLimitRule = { name: 'webhooks:changes:partner', limit: 60, windowMs: 60 * 60_000 };

function who(request: FastifyRequest): AuditActor {
  const { tenants: _tenants, ...audit } = auditActorOf(request);
  return { actor: requireActor(request), audit };
}

export function registerIntegrationRoutes(app: App, deps: IntegrationsDeps): void {
  const limiter = createRateLimiter(deps);
  const limitWebhookChanges = (partnerId: string) => limiter.consume([{ rule: webhookChanges, subject: partnerId }]);

  app.get(
    '/api/partners/:partnerId/api-keys',
    {
      schema: {
        tags,
        summary: "The partner's API keys (never their tokens): name, scopes, last used, revoked",
        security,
        params: partnerParams,
        response: { 200: z.object({ keys: z.array(apiKeySchema) }) },
      },
    },
    async (request) => ({ keys: await listApiKeys(deps, requireActor(request), request.params.partnerId) }),
  );

  app.post(
    '/api/partners/:partnerId/api-keys',
    {
      schema: {
        tags,
        summary: 'Creates an API key; the answer holds its token, shown this once and never again',
        security,
        params: partnerParams,
        body: createKeyBody,
        response: { 201: z.object({ key: apiKeySchema, token: z.string() }) },
      },
    },
    async (request, reply) => {
      const created = await createApiKey(deps, who(request), request.params.partnerId, request.body);
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.post(
    '/api/partners/:partnerId/api-keys/:keyId/revoke',
    {
      schema: {
        tags,
        summary: 'Revokes an API key: its next request answers 401',
        security,
        params: keyParams,
        response: { 200: apiKeySchema },
      },
    },
    async (request) => revokeApiKey(deps, who(request), request.params.partnerId, request.params.keyId),
  );

  app.get(
    '/api/partners/:partnerId/webhooks',
    {
      schema: {
        tags,
        summary: "The partner's webhooks: URL, events, failing since, disabled and why",
        security,
        params: partnerParams,
        response: { 200: z.object({ webhooks: z.array(webhookSchema) }) },
      },
    },
    async (request) => ({ webhooks: await listWebhooks(deps, who(request), request.params.partnerId) }),
  );

  app.post(
    '/api/partners/:partnerId/webhooks',
    {
      schema: {
        tags,
        summary:
          'Adds a webhook (an https URL that resolves to public addresses only); the answer holds its signing secret, shown this once',
        security,
        params: partnerParams,
        body: createWebhookBody,
        response: { 201: z.object({ webhook: webhookSchema, secret: z.string() }) },
      },
    },
    async (request, reply) => {
      const actor = who(request);
      await limitWebhookChanges(request.params.partnerId);
      const created = await createWebhook(deps, actor, request.params.partnerId, request.body);
      return reply.status(201).header('cache-control', 'no-store').send(created);
    },
  );

  app.delete(
    '/api/partners/:partnerId/webhooks/:webhookId',
    {
      schema: { tags, summary: 'Deletes a webhook and its delivery log', security, params: webhookParams },
    },
    async (request, reply) => {
      await deleteWebhook(deps, who(request), request.params.partnerId, request.params.webhookId);
      return reply.status(204).send();
    },
  );

  app.post(
    '/api/partners/:partnerId/webhooks/:webhookId/enable',
    {
      schema: {
        tags,
        summary: 'Turns a disabled webhook back on (its URL is checked again)',
        security,
        params: webhookParams,
        response: { 200: webhookSchema },
      },
    },
    async (request) => {
      const actor = who(request);
      await limitWebhookChanges(request.params.partnerId);
      return enableWebhook(deps, actor, request.params.partnerId, request.params.webhookId);
    },
  );

  app.post(
    '/api/partners/:partnerId/webhooks/:webhookId/test',
    {
      schema: {
        tags,
        summary: 'Sends a webhook.test event to this webhook (queued; see its delivery log)',
        security,
        params: webhookParams,
        response: { 202: deliverySchema },
      },
    },
    async (request, reply) => {
      const actor = who(request);
      await limitWebhookChanges(request.params.partnerId);
      const delivery = await sendTestEvent(deps, actor, request.params.partnerId, request.params.webhookId);
      return reply.status(202).send(delivery);
    },
  );

  app.get(
    '/api/partners/:partnerId/webhooks/:webhookId/deliveries',
    {
      schema: {
        tags,
        summary: "A webhook's delivery log, newest first (the last 50): attempts, response codes, errors",
        security,
        params: webhookParams,
        response: { 200: z.object({ deliveries: z.array(deliverySchema) }) },
      },
    },
    async (request) => ({
      deliveries: await listDeliveries(deps, who(request), request.params.partnerId, request.params.webhookId),
    }),
  );
}
