// Settings › Administrators (issue 19 #4): the customer's super admins (from Google, listed
// only) and help-desk admins (granted and revoked here by super admins).
import { queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
export type Administrators = JsonOf<paths['/api/customers/{customerId}/administrators']['get']['responses'][200]>;
export type HelpdeskAdmin = Administrators['helpdeskAdmins'][number];

export function administratorsQuery(customerId: string) {
  return queryOptions({
    queryKey: ['customer', customerId, 'administrators'],
    queryFn: () =>
      call(() => api.GET('/api/customers/{customerId}/administrators', { params: { path: { customerId } } })),
  });
}

export function grantHelpdeskAdmin(customerId: string, email: string) {
  return call(() =>
    api.POST('/api/customers/{customerId}/helpdesk-admins', { params: { path: { customerId } }, body: { email } }),
  );
}

export function revokeHelpdeskAdmin(customerId: string, email: string) {
  return call(() =>
    api.DELETE('/api/customers/{customerId}/helpdesk-admins/{email}', { params: { path: { customerId, email } } }),
  );
}
