// A distributor's Partners page (issue 18 #8): the partners of its subtree with the figures of
// each one's own subtree, onboarding a child partner under it (its owner gets an invitation),
// and sending a pending owner invitation again.
import { queryOptions } from '@tanstack/react-query';
import type { ApiPaths } from './client.ts';
import { api, call } from './client.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
export type ChildPartners = JsonOf<ApiPaths['/api/partners/{partnerId}/partners']['get']['responses'][200]>;
export type ChildPartner = ChildPartners['partners'][number];

export const childPartnersQueryKey = (partnerId: string) => ['partner', partnerId, 'partners'] as const;

export function childPartnersQuery(partnerId: string) {
  return queryOptions({
    queryKey: childPartnersQueryKey(partnerId),
    queryFn: () => call(() => api.GET('/api/partners/{partnerId}/partners', { params: { path: { partnerId } } })),
  });
}

export function onboardChildPartner(partnerId: string, input: { name: string; ownerEmail: string }) {
  return call(() => api.POST('/api/partners/{partnerId}/partners', { params: { path: { partnerId } }, body: input }));
}

/** "Resend invitation": a new single-use link to the pending owner; the earlier one stops working. */
export function resendChildOwnerInvitation(partnerId: string, childId: string) {
  return call(() =>
    api.POST('/api/partners/{partnerId}/partners/{childId}/owner-invitation', {
      params: { path: { partnerId, childId } },
      body: {},
    }),
  );
}
