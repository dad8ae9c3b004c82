// Settings › Notifications (PRODUCT.md §3, issue 19 item 3) as the page uses it: the status
// email, failure alerts, recipients and who unsubscribed; read and saved by a super admin.
import { queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type Path = paths['/api/customers/{customerId}/notifications'];
export type NotificationSettings = JsonOf<Path['get']['responses'][200]>;
export type NotificationSettingsUpdate = NonNullable<Path['put']['requestBody']>['content']['application/json'];

export function notificationSettingsQuery(customerId: string) {
  return queryOptions({
    queryKey: ['customer', customerId, 'notifications'],
    queryFn: () =>
      call(() => api.GET('/api/customers/{customerId}/notifications', { params: { path: { customerId } } })),
  });
}

export function saveNotificationSettings(customerId: string, update: NotificationSettingsUpdate) {
  return call(() =>
    api.PUT('/api/customers/{customerId}/notifications', { params: { path: { customerId } }, body: update }),
  );
}
