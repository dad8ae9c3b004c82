// The Reseller Console's API as its pages use it: the partner's customers list (server-side
// search, filter, sort, paging), its CSV link, and one customer's detail
// (the audit log page and the transfer calls have their own modules).
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

export type Subscription = JsonOf<
  paths['/api/partners/{partnerId}/customers/{customerId}/convert']['post']['responses'][200]
>;
export type SettableStatus = 'active' | 'suspended' | 'cancelled';

/** "Convert to paid": the trial ends with this many seats purchased. */
export function convertCustomer(partnerId: string, customerId: string, seats: number) {
  return call(() =>
    api.POST('/api/partners/{partnerId}/customers/{customerId}/convert', {
      params: { path: { partnerId, customerId } },
      body: { seats },
    }),
  );
}

export function changeCustomerSeats(partnerId: string, customerId: string, seats: number) {
  return call(() =>
    api.PUT('/api/partners/{partnerId}/customers/{customerId}/seats', {
      params: { path: { partnerId, customerId } },
      body: { seats },
    }),
  );
}

/** Suspend, cancel, or reactivate (`active`) a customer. */
export function setCustomerStatus(partnerId: string, customerId: string, status: SettableStatus) {
  return call(() =>
    api.PUT('/api/partners/{partnerId}/customers/{customerId}/status', {
      params: { path: { partnerId, customerId } },
      body: { status },
    }),
  );
}
