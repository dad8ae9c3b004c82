// Restores and exports as the console follows them (issue 17, jobs in the UI): one restore or
// export by id (polled while it runs), a restore's items of one status (skipped / failed, with
// reasons, paged), and the tenant's recent restores and exports for the "Restores and exports"
// page. Both are server-side jobs, so a reload finds them again by id.
import { queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

export type RestoreDetail = JsonOf<paths['/api/customers/{customerId}/restores/{restoreId}']['get']['responses'][200]>;
export type RestoreItemStatus = RestoreDetail['items'][number]['status'];
export type DataExport = JsonOf<paths['/api/customers/{customerId}/exports/{exportId}']['get']['responses'][200]>;
export type ExportsPage = JsonOf<paths['/api/customers/{customerId}/exports']['get']['responses'][200]>;
export type RestoresPage = JsonOf<paths['/api/customers/{customerId}/restores']['get']['responses'][200]>;
/** One restore in the tenant's list: its status and counts, without its items and errors. */
export type RestoreSummary = RestoresPage['restores'][number];

export type JobKind = 'restore' | 'export';

export const jobKeys = {
  all: (customerId: string) => ['customer', customerId, 'jobs'] as const,
  job: (customerId: string, kind: JobKind, jobId: string) => ['customer', customerId, 'jobs', kind, jobId] as const,
};

/** A restore's status and counts; its items are asked for separately (restoreItemsQuery). */
export function fetchRestore(customerId: string, restoreId: string): Promise<RestoreDetail> {
  return call(() =>
    api.GET('/api/customers/{customerId}/restores/{restoreId}', {
      params: { path: { customerId, restoreId }, query: { limit: 1 } },
    }),
  );
}

export function fetchExport(customerId: string, exportId: string): Promise<DataExport> {
  return call(() =>
    api.GET('/api/customers/{customerId}/exports/{exportId}', { params: { path: { customerId, exportId } } }),
  );
}

/** One page of a restore's items in one status (e.g. the skipped ones, with their reasons). */
export function restoreItemsQuery(
  customerId: string,
  restoreId: string,
  status: RestoreItemStatus,
  page: { limit: number; offset: number },
) {
  return queryOptions({
    queryKey: [...jobKeys.job(customerId, 'restore', restoreId), 'items', status, page],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/restores/{restoreId}', {
          params: { path: { customerId, restoreId }, query: { status, ...page } },
        }),
      ),
  });
}

export function fetchExports(customerId: string, page: { limit: number; offset: number }): Promise<ExportsPage> {
  return call(() => api.GET('/api/customers/{customerId}/exports', { params: { path: { customerId }, query: page } }));
}

/** The tenant's restores, newest first (an end user's own ones only: the server decides). */
export function fetchRestores(customerId: string, page: { limit: number; offset: number }): Promise<RestoresPage> {
  return call(() => api.GET('/api/customers/{customerId}/restores', { params: { path: { customerId }, query: page } }));
}

/**
 * Polled about every second while the job is queued or running; no more once it has ended, or
 * when the server refused to show it (the error says why; polling would not change it).
 */
export const pollWhileActive = (query: {
  state: { data: { status: string } | undefined; status: 'pending' | 'error' | 'success' };
}): number | false => {
  if (query.state.status === 'error') return false;
  const status = query.state.data?.status;
  return status === undefined || status === 'queued' || status === 'running' ? 1000 : false;
};

export function restoreQuery(customerId: string, restoreId: string) {
  return queryOptions({
    queryKey: jobKeys.job(customerId, 'restore', restoreId),
    queryFn: () => fetchRestore(customerId, restoreId),
    refetchInterval: pollWhileActive,
  });
}

export function exportQuery(customerId: string, exportId: string) {
  return queryOptions({
    queryKey: jobKeys.job(customerId, 'export', exportId),
    queryFn: () => fetchExport(customerId, exportId),
    refetchInterval: pollWhileActive,
  });
}
