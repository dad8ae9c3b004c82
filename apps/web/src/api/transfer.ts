// The transfer-token API as the pages use it: the customer's Reseller Settings (partner, live
// token, generate / revoke, remove partner, partner access) and the partner's preview and
// redemption. Tokens travel only in POST bodies, never in a URL.
import { queryOptions } from '@tanstack/react-query';
import { api, call, callWithoutResult } from './client.ts';

export const resellerSettingsQuery = (customerId: string) =>
  queryOptions({
    queryKey: ['customers', customerId, 'reseller'],
    queryFn: () => call(() => api.GET('/api/customers/{customerId}/reseller', { params: { path: { customerId } } })),
  });

export function generateTransferToken(customerId: string, lifetimeDays: number) {
  return call(() =>
    api.POST('/api/customers/{customerId}/transfer-tokens', {
      params: { path: { customerId } },
      body: { lifetimeDays },
    }),
  );
}

export function revokeTransferToken(customerId: string) {
  return callWithoutResult(() =>
    api.POST('/api/customers/{customerId}/transfer-tokens/revoke', { params: { path: { customerId } }, body: {} }),
  );
}

export function removePartner(customerId: string) {
  return callWithoutResult(() =>
    api.POST('/api/customers/{customerId}/partner/remove', { params: { path: { customerId } }, body: {} }),
  );
}

export function setPartnerAccess(customerId: string, allowed: boolean) {
  return call(() =>
    api.PUT('/api/customers/{customerId}/partner-access', { params: { path: { customerId } }, body: { allowed } }),
  );
}

export function previewTransfer(partnerId: string, token: string) {
  return call(() =>
    api.POST('/api/partners/{partnerId}/customers/transfer/preview', {
      params: { path: { partnerId } },
      body: { token },
    }),
  );
}

export function redeemTransfer(partnerId: string, token: string) {
  return call(() =>
    api.POST('/api/partners/{partnerId}/customers/transfer', { params: { path: { partnerId } }, body: { token } }),
  );
}

/** What "Preview" shows before a partner adds a customer. */
export type TransferPreview = Awaited<ReturnType<typeof previewTransfer>>;
