// The per-user backup page's API (issue 17): a user's or shared drive's backup sources and
// points, browsing Gmail and Drive as of a point (cursor-paged, never a whole label or folder),
// one message to read, download links, "Back up now" for one user, and starting a restore or an
// export. TanStack Query options and plain functions over the generated client.
import { infiniteQueryOptions, queryOptions } from '@tanstack/react-query';
import { api, call } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;
type BodyOf<T> = T extends { requestBody: { content: { 'application/json': infer Body } } } ? Body : never;

type Browse = '/api/customers/{customerId}/browse/sources';
export type BackupSource = JsonOf<paths[Browse]['get']['responses'][200]>['sources'][number];
export type BackupPoint = JsonOf<
  paths['/api/customers/{customerId}/browse/sources/{sourceId}/points']['get']['responses'][200]
>['points'][number];
export type LabelsAnswer = JsonOf<
  paths['/api/customers/{customerId}/browse/sources/{sourceId}/gmail/labels']['get']['responses'][200]
>;
export type MessagesPage = JsonOf<
  paths['/api/customers/{customerId}/browse/sources/{sourceId}/gmail/messages']['get']['responses'][200]
>;
export type MessageRow = MessagesPage['messages'][number];
export type DrivePage = JsonOf<
  paths['/api/customers/{customerId}/browse/sources/{sourceId}/drive/children']['get']['responses'][200]
>;
export type DriveEntry = DrivePage['entries'][number];
export type RestoreRequest = BodyOf<paths['/api/customers/{customerId}/restores']['post']>;
export type ExportRequest = BodyOf<paths['/api/customers/{customerId}/exports']['post']>;

/** One message as read from its backup: headers, the body as text, the attachments. */
export type BackedUpMessage = JsonOf<
  paths['/api/customers/{customerId}/browse/sources/{sourceId}/gmail/message']['get']['responses'][200]
>;

/** Messages and Drive entries are fetched this many at a time. */
export const browsePageSize = 50;

export const browseKeys = {
  all: (customerId: string) => ['customer', customerId, 'browse'] as const,
  source: (customerId: string, sourceId: string) => ['customer', customerId, 'browse', sourceId] as const,
};

/** Every backup source of one user (or shared drive id): one per service backed up. */
export function subjectSourcesQuery(customerId: string, subject: string) {
  return queryOptions({
    queryKey: [...browseKeys.all(customerId), 'sources', subject],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/browse/sources', {
          params: { path: { customerId }, query: { user: subject, limit: 100 } },
        }),
      ),
  });
}

/** The source's backup points, newest first (as the server sends them). */
export function pointsQuery(customerId: string, sourceId: string) {
  return queryOptions({
    queryKey: [...browseKeys.source(customerId, sourceId), 'points'],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/browse/sources/{sourceId}/points', {
          params: { path: { customerId, sourceId } },
        }),
      ),
  });
}

export function labelsQuery(customerId: string, sourceId: string, at: string) {
  return queryOptions({
    queryKey: [...browseKeys.source(customerId, sourceId), 'labels', at],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/browse/sources/{sourceId}/gmail/labels', {
          params: { path: { customerId, sourceId }, query: { at } },
        }),
      ),
  });
}

/** A label's messages, one page per fetch: "Load more" asks for the next cursor. */
export function messagesQuery(customerId: string, sourceId: string, at: string, label: string | null) {
  return infiniteQueryOptions({
    queryKey: [...browseKeys.source(customerId, sourceId), 'messages', at, label],
    queryFn: ({ pageParam }) =>
      call(() =>
        api.GET('/api/customers/{customerId}/browse/sources/{sourceId}/gmail/messages', {
          params: {
            path: { customerId, sourceId },
            query: {
              at,
              limit: browsePageSize,
              ...(label ? { label } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

/** A Drive folder's entries (the top level when no folder), folders first, paged by cursor. */
export function driveChildrenQuery(customerId: string, sourceId: string, at: string, folder: string | null) {
  return infiniteQueryOptions({
    queryKey: [...browseKeys.source(customerId, sourceId), 'drive', at, folder],
    queryFn: ({ pageParam }) =>
      call(() =>
        api.GET('/api/customers/{customerId}/browse/sources/{sourceId}/drive/children', {
          params: {
            path: { customerId, sourceId },
            query: {
              at,
              limit: browsePageSize,
              ...(folder ? { folder } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (last) => last.nextCursor,
  });
}

export function messageQuery(customerId: string, sourceId: string, itemKey: string, at: string) {
  return queryOptions({
    queryKey: [...browseKeys.source(customerId, sourceId), 'message', itemKey, at],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/browse/sources/{sourceId}/gmail/message', {
          params: { path: { customerId, sourceId }, query: { key: itemKey, at } },
        }),
      ),
    retry: false,
  });
}

/** A link that downloads one version of a backed-up item (.eml, the file, .ics or .vcf). */
export function downloadUrl(customerId: string, item: { sourceId: string; itemKey: string; version: number }): string {
  const query = new URLSearchParams({ source: item.sourceId, item: item.itemKey, version: String(item.version) });
  return `/api/customers/${encodeURIComponent(customerId)}/items/download?${query}`;
}

/** A link that downloads one attachment of a backed-up message (GET …/items/attachment). */
export function attachmentUrl(
  customerId: string,
  item: { sourceId: string; itemKey: string; version: number },
  part: string,
): string {
  const query = new URLSearchParams({
    source: item.sourceId,
    item: item.itemKey,
    version: String(item.version),
    part,
  });
  return `/api/customers/${encodeURIComponent(customerId)}/items/attachment?${query}`;
}

/** "Back up now" for one user: every service of theirs. */
export function backUpUser(customerId: string, email: string) {
  return call(() =>
    api.POST('/api/customers/{customerId}/backup/runs', {
      params: { path: { customerId } },
      body: { users: [email] },
    }),
  );
}

export function startRestore(customerId: string, body: RestoreRequest) {
  return call(() => api.POST('/api/customers/{customerId}/restores', { params: { path: { customerId } }, body }));
}

export function startExport(customerId: string, body: ExportRequest) {
  return call(() => api.POST('/api/customers/{customerId}/exports', { params: { path: { customerId } }, body }));
}
