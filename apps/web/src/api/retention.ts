// Settings → Retention (PRODUCT.md §3, issue 19 item 1): an age limit per service group or
// none (keep everything while licensed), the preview of what the next prune would remove,
// and saving.
import { queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
export type Retention = JsonOf<paths['/api/customers/{customerId}/backup/retention']['get']['responses'][200]>;
export type RetentionGroup = keyof Retention;
export type AgeLimit = NonNullable<Retention['mail']>;
export type PrunePreview = JsonOf<
  paths['/api/customers/{customerId}/backup/retention/preview']['post']['responses'][200]
>;

export function retentionQuery(customerId: string) {
  return queryOptions({
    queryKey: ['customer', customerId, 'retention'],
    queryFn: () =>
      call(() => api.GET('/api/customers/{customerId}/backup/retention', { params: { path: { customerId } } })),
  });
}

export function previewRetention(customerId: string, retention: Retention) {
  return call(() =>
    api.POST('/api/customers/{customerId}/backup/retention/preview', {
      params: { path: { customerId } },
      body: retention,
    }),
  );
}

export function saveRetention(customerId: string, retention: Retention) {
  return call(() =>
    api.PUT('/api/customers/{customerId}/backup/retention', { params: { path: { customerId } }, body: retention }),
  );
}
