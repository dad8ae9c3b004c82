// Usage and billing as its page uses it: a partner's monthly usage report (a page of rows and
// the month's totals) and the CSV link of the same report.
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

export type UsageReport = JsonOf<paths['/api/partners/{partnerId}/usage']['get']['responses'][200]>;
export type UsageRow = UsageReport['customers'][number];
export type UsageQuery = NonNullable<paths['/api/partners/{partnerId}/usage']['get']['parameters']['query']>;

export function usageQuery(partnerId: string, query: UsageQuery) {
  return queryOptions({
    queryKey: ['partner', partnerId, 'usage', query],
    queryFn: () => call(() => api.GET('/api/partners/{partnerId}/usage', { params: { path: { partnerId }, query } })),
    placeholderData: keepPreviousData,
  });
}

/** The CSV of the report shown: the same month, every row, then the totals. */
export function usageCsvUrl(partnerId: string, month: string): string {
  return `/api/partners/${encodeURIComponent(partnerId)}/usage.csv?month=${encodeURIComponent(month)}`;
}
