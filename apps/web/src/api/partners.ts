// The vendor's partner program as the Partners page uses it: the list (a TanStack Query),
// onboarding a partner (which mails its owner an invitation) and suspend / reactivate.
import { queryOptions } from '@tanstack/react-query';
import type { ApiPaths } from './client.ts';
import { api, call } from './client.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
export type PartnerList = JsonOf<ApiPaths['/api/vendor/partners']['get']['responses'][200]>;
export type Partner = PartnerList['partners'][number];
export type PartnerStatusFilter = 'active' | 'suspended' | undefined;

export const partnersQueryKey = ['vendor', 'partners'] as const;

export function partnersQuery(filters: {
  search: string;
  status: PartnerStatusFilter;
  page: number;
  pageSize: number;
}) {
  return queryOptions({
    queryKey: [...partnersQueryKey, filters],
    queryFn: () =>
      call(() =>
        api.GET('/api/vendor/partners', {
          params: {
            query: {
              page: filters.page,
              pageSize: filters.pageSize,
              ...(filters.search.trim() ? { search: filters.search.trim() } : {}),
              ...(filters.status ? { status: filters.status } : {}),
            },
          },
        }),
      ),
    placeholderData: (previous) => previous,
  });
}

export function onboardPartner(input: { name: string; ownerEmail: string }) {
  return call(() => api.POST('/api/vendor/partners', { body: input }));
}

export function resendOwnerInvitation(partnerId: string) {
  return call(() =>
    api.POST('/api/vendor/partners/{partnerId}/owner-invitation', { params: { path: { partnerId } }, body: {} }),
  );
}

export function setPartnerSuspended(partnerId: string, suspended: boolean) {
  const params = { path: { partnerId } };
  return call(() =>
    suspended
      ? api.POST('/api/vendor/partners/{partnerId}/suspend', { params, body: {} })
      : api.POST('/api/vendor/partners/{partnerId}/reactivate', { params, body: {} }),
  );
}
