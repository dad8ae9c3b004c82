// The Reseller Console's API as its pages use it: the partner's customers list (server-side
// search, filter, sort, paging), its CSV link, one customer's detail, the partner's audit log,
// and the two transfer calls behind "Add a Customer".
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

export type CustomersPage = JsonOf<paths['/api/partners/{partnerId}/customers']['get']['responses'][200]>;
export type CustomerRow = CustomersPage['customers'][number];
export type CustomerDetail = JsonOf<paths['/api/partners/{partnerId}/customers/{customerId}']['get']['responses'][200]>;
export type CustomersQuery = NonNullable<paths['/api/partners/{partnerId}/customers']['get']['parameters']['query']>;
export type SortKey = NonNullable<CustomersQuery['sort']>;
export type CustomerStatus = NonNullable<CustomersQuery['status']>;
export type AuditPage = JsonOf<paths['/api/partners/{partnerId}/audit']['get']['responses'][200]>;

export function customersQuery(partnerId: string, query: CustomersQuery) {
  return queryOptions({
    queryKey: ['partner', partnerId, 'customers', query],
    queryFn: () =>
      call(() => api.GET('/api/partners/{partnerId}/customers', { params: { path: { partnerId }, query } })),
    // While the next page or sort loads, the table keeps showing the previous one.
    placeholderData: keepPreviousData,
  });
}

/** The CSV of the list as shown: same search, filter and sort (every matching row). */
export function customersCsvUrl(partnerId: string, query: CustomersQuery): string {
  const params = new URLSearchParams();
  for (const [key, value] of Object.entries(query)) {
    if (value !== undefined && value !== '' && key !== 'page' && key !== 'pageSize') params.set(key, String(value));
  }
  const search = params.toString();
  return `/api/partners/${encodeURIComponent(partnerId)}/customers.csv${search ? `?${search}` : ''}`;
}

export function customerDetailQuery(partnerId: string, customerId: string) {
  return queryOptions({
    queryKey: ['partner', partnerId, 'customers', 'detail', customerId],
    queryFn: () =>
      call(() =>
        api.GET('/api/partners/{partnerId}/customers/{customerId}', { params: { path: { partnerId, customerId } } }),
      ),
  });
}

export function partnerAuditQuery(partnerId: string) {
  return queryOptions({
    queryKey: ['partner', partnerId, 'audit'],
    queryFn: () =>
      call(() =>
        api.GET('/api/partners/{partnerId}/audit', { params: { path: { partnerId }, query: { limit: 200 } } }),
      ),
  });
}

export function partnerAuditCsvUrl(partnerId: string): string {
  return `/api/partners/${encodeURIComponent(partnerId)}/audit.csv`;
}

// The transfer endpoints are built by the transfer helper in parallel (ISSUE6-API.md
// "Transfer"). Until they are in schema.d.ts these two types are written by hand from that
// contract, and the calls go through a loosely typed client; the integrator replaces both
// with the generated types once the routes are merged.
export interface TransferPreview {
  customerId: string;
  domain: string;
  name: string;
  status: string;
  trialEndsAt: string | null;
  users: number;
  licenses: { standard: number; archived: number; assigned: number };
  seatsPurchased: number;
  currentPartner: { name: string } | null;
}
export interface TransferResult {
  customerId: string;
  domain: string;
}

type LooseClient = {
  POST(
    path: string,
    init: { params: { path: Record<string, string> }; body: unknown },
  ): Promise<{ data?: unknown; error?: unknown; response: Response }>;
};
const transferApi = api as unknown as LooseClient;

export function previewTransfer(partnerId: string, token: string): Promise<TransferPreview> {
  return call(() =>
    transferApi.POST('/api/partners/{partnerId}/customers/transfer/preview', {
      params: { path: { partnerId } },
      body: { token },
    }),
  ) as Promise<TransferPreview>;
}

export function redeemTransfer(partnerId: string, token: string): Promise<TransferResult> {
  return call(() =>
    transferApi.POST('/api/partners/{partnerId}/customers/transfer', {
      params: { path: { partnerId } },
      body: { token },
    }),
  ) as Promise<TransferResult>;
}
