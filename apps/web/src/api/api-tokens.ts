// Settings › API as the page uses it: a customer's API tokens (generate — the token comes back
// once —, list, revoke), which scripts use on the Spanning-compatible API (/api/v1).
import { queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type Get<P extends keyof paths> = paths[P] extends { get: { responses: { 200: infer R } } } ? JsonOf<R> : never;

export type ApiToken = Get<'/api/customers/{customerId}/api-tokens'>['apiTokens'][number];

/** At most this many live tokens per tenant (the server refuses a sixth). */
export const maxLiveApiTokens = 5;

export const apiTokensQuery = (customerId: string) =>
  queryOptions({
    queryKey: ['customers', customerId, 'api-tokens'],
    queryFn: () => call(() => api.GET('/api/customers/{customerId}/api-tokens', { params: { path: { customerId } } })),
  });

export function createApiToken(customerId: string, name: string) {
  return call(() =>
    api.POST('/api/customers/{customerId}/api-tokens', { params: { path: { customerId } }, body: { name } }),
  );
}

export function revokeApiToken(customerId: string, tokenId: string) {
  return call(() =>
    api.POST('/api/customers/{customerId}/api-tokens/{tokenId}/revoke', {
      params: { path: { customerId, tokenId } },
    }),
  );
}
