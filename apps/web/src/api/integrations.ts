// The Integrations API as the page uses it: a partner's API keys (create — the token comes back
// once —, revoke) and webhooks (add — the signing secret comes back once —, delete, turn back on,
// "Send test event", the delivery log).
import { queryOptions } from '@tanstack/react-query';
import { api, call, callWithoutResult } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type Get<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } } ? JsonOf<R> : never;

export type ApiKey = Get<'/api/partners/{partnerId}/api-keys'>['keys'][number];
export type ApiKeyScope = ApiKey['scopes'][number];
export type Webhook = Get<'/api/partners/{partnerId}/webhooks'>['webhooks'][number];
export type WebhookEvent = Webhook['events'][number];
export type Delivery = Get<'/api/partners/{partnerId}/webhooks/{webhookId}/deliveries'>['deliveries'][number];

export const apiKeyScopeLabels: Record<ApiKeyScope, string> = {
  read: 'Read',
  manage_customers: 'Manage customers',
  manage_licenses: 'Manage licenses',
};

export const webhookEventLabels: Record<WebhookEvent, string> = {
  'backup.failed': 'Backup failed',
  'backup.partial': 'Backup partly failed',
  'customer.added': 'Customer added',
  'customer.removed': 'Customer removed',
  'customer.trial_ending': 'Trial ending',
  'alert.opened': 'Alert opened',
  'alert.resolved': 'Alert resolved',
};

export const integrationsKey = (partnerId: string) => ['partners', partnerId, 'integrations'] as const;

export const apiKeysQuery = (partnerId: string) =>
  queryOptions({
    queryKey: [...integrationsKey(partnerId), 'api-keys'],
    queryFn: () => call(() => api.GET('/api/partners/{partnerId}/api-keys', { params: { path: { partnerId } } })),
  });

export const webhooksQuery = (partnerId: string) =>
  queryOptions({
    queryKey: [...integrationsKey(partnerId), 'webhooks'],
    queryFn: () => call(() => api.GET('/api/partners/{partnerId}/webhooks', { params: { path: { partnerId } } })),
  });

export const deliveriesQuery = (partnerId: string, webhookId: string) =>
  queryOptions({
    queryKey: [...integrationsKey(partnerId), 'webhooks', webhookId, 'deliveries'],
    queryFn: () =>
      call(() =>
        api.GET('/api/partners/{partnerId}/webhooks/{webhookId}/deliveries', {
          params: { path: { partnerId, webhookId } },
        }),
      ),
  });

export function createApiKey(partnerId: string, body: { name: string; scopes: ApiKeyScope[] }) {
  return call(() => api.POST('/api/partners/{partnerId}/api-keys', { params: { path: { partnerId } }, body }));
}

export function revokeApiKey(partnerId: string, keyId: string) {
  return call(() =>
    api.POST('/api/partners/{partnerId}/api-keys/{keyId}/revoke', { params: { path: { partnerId, keyId } } }),
  );
}

export function addWebhook(partnerId: string, body: { url: string; events: WebhookEvent[] }) {
  return call(() => api.POST('/api/partners/{partnerId}/webhooks', { params: { path: { partnerId } }, body }));
}

export function deleteWebhook(partnerId: string, webhookId: string) {
  return callWithoutResult(() =>
    api.DELETE('/api/partners/{partnerId}/webhooks/{webhookId}', { params: { path: { partnerId, webhookId } } }),
  );
}

export function enableWebhook(partnerId: string, webhookId: string) {
  return call(() =>
    api.POST('/api/partners/{partnerId}/webhooks/{webhookId}/enable', { params: { path: { partnerId, webhookId } } }),
  );
}

export function sendTestEvent(partnerId: string, webhookId: string) {
  return call(() =>
    api.POST('/api/partners/{partnerId}/webhooks/{webhookId}/test', { params: { path: { partnerId, webhookId } } }),
  );
}
