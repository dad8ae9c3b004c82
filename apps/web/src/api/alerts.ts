// The Alerts page's API: the partner's unresolved alerts (open or acknowledged, paged by the
// server), acknowledging one, and the signed-in member's daily-digest switch.
import { keepPreviousData, queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

export type AlertsPage = JsonOf<paths['/api/partners/{partnerId}/alerts']['get']['responses'][200]>;
export type AlertRow = AlertsPage['alerts'][number];
export type AlertState = AlertsPage['state'];
export type AlertKind = AlertRow['kind'];

export function alertsQuery(partnerId: string, state: AlertState, page: number, pageSize: number) {
  return queryOptions({
    queryKey: ['partner', partnerId, 'alerts', state, page, pageSize],
    queryFn: () =>
      call(() =>
        api.GET('/api/partners/{partnerId}/alerts', {
          params: { path: { partnerId }, query: { state, page, pageSize } },
        }),
      ),
    placeholderData: keepPreviousData,
  });
}

export function acknowledgeAlert(partnerId: string, alertId: string) {
  return call(() =>
    api.POST('/api/partners/{partnerId}/alerts/{alertId}/acknowledge', { params: { path: { partnerId, alertId } } }),
  );
}

export const digestQuery = (partnerId: string) =>
  queryOptions({
    queryKey: ['partner', partnerId, 'alerts', 'digest'],
    queryFn: () => call(() => api.GET('/api/partners/{partnerId}/alerts/digest', { params: { path: { partnerId } } })),
  });

export function setDigest(partnerId: string, enabled: boolean) {
  return call(() =>
    api.PUT('/api/partners/{partnerId}/alerts/digest', { params: { path: { partnerId } }, body: { enabled } }),
  );
}
