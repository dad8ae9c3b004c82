// The customer's Access controls (PRODUCT.md §3, Settings: "Allow users to access their
// backups", "Allow users to export their data") as the pages use them: read and saved by a
// super admin in Settings; every member (end users included) reads them with their own tenant,
// since GET /api/customer answers every role with its role and the controls.
import { queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import { ownCustomerQuery } from './customer-console.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
export type AccessControls = JsonOf<paths['/api/customers/{customerId}/access-controls']['get']['responses'][200]>;

/** The signed-in member's own tenant, role and Access controls (what My backups reads). */
export const ownAccessQuery = ownCustomerQuery;

export function accessControlsQuery(customerId: string) {
  return queryOptions({
    queryKey: ['customer', customerId, 'access-controls'],
    queryFn: () =>
      call(() => api.GET('/api/customers/{customerId}/access-controls', { params: { path: { customerId } } })),
  });
}

export function saveAccessControls(customerId: string, controls: AccessControls) {
  return call(() =>
    api.PUT('/api/customers/{customerId}/access-controls', { params: { path: { customerId } }, body: controls }),
  );
}
