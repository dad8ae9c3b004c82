// Settings › Schedule (issue 19 item 2): the tenant's time zone and daily backup window, read and
// saved by a super admin, with the span of the users' slots the server computes.
import { queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import { customerKeys } from './customer-console.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
export type Schedule = JsonOf<paths['/api/customers/{customerId}/backup/schedule']['get']['responses'][200]>;
export type ScheduleChange = Pick<Schedule, 'timeZone' | 'startHour' | 'endHour'>;

export function scheduleQuery(customerId: string) {
  return queryOptions({
    queryKey: [...customerKeys.backup(customerId), 'schedule'],
    queryFn: () =>
      call(() => api.GET('/api/customers/{customerId}/backup/schedule', { params: { path: { customerId } } })),
  });
}

export function saveSchedule(customerId: string, change: ScheduleChange) {
  return call(() =>
    api.PUT('/api/customers/{customerId}/backup/schedule', { params: { path: { customerId } }, body: change }),
  );
}
