// The per-user backup page's search, calendar, contacts, version history and backup history as
// TanStack Query options over the generated client: search and the browse lists are paged by the
// server's cursor (one page per request, "Load more" asks for the next — a long list is never
// loaded whole), backup runs by offset. The page frame's own queries are in browse.ts.
import { infiniteQueryOptions, keepPreviousData, queryOptions } from '@tanstack/react-query';
import type { SelectableItem } from '../pages/user-backups/contract.ts';
import { api, call } from './client.ts';
import type { paths } from './schema.d.ts';

type JsonOf<T> = T extends { content: { 'application/json': infer Body } } ? Body : never;

export type SearchPage = JsonOf<paths['/api/customers/{customerId}/search']['get']['responses'][200]>;
export type SearchHit = SearchPage['items'][number];
export type CalendarsAnswer = JsonOf<
  paths['/api/customers/{customerId}/browse/sources/{sourceId}/calendar/calendars']['get']['responses'][200]
>;
export type EventsPage = JsonOf<
  paths['/api/customers/{customerId}/browse/sources/{sourceId}/calendar/events']['get']['responses'][200]
>;
export type CalendarEvent = EventsPage['events'][number];
export type ContactsPage = JsonOf<
  paths['/api/customers/{customerId}/browse/sources/{sourceId}/contacts']['get']['responses'][200]
>;
export type Contact = ContactsPage['contacts'][number];
export type ItemHistory = JsonOf<
  paths['/api/customers/{customerId}/browse/sources/{sourceId}/item']['get']['responses'][200]
>;
export type ItemVersion = ItemHistory['versions'][number];
export type PointsAnswer = JsonOf<
  paths['/api/customers/{customerId}/browse/sources/{sourceId}/points']['get']['responses'][200]
>;
export type RunsPage = JsonOf<paths['/api/customers/{customerId}/backup/runs']['get']['responses'][200]>;
export type BackupRun = RunsPage['runs'][number];
type RunsQuery = NonNullable<paths['/api/customers/{customerId}/backup/runs']['get']['parameters']['query']>;

/** Items per request: a screenful, and the next one on "Load more". */
export const pageSize = 50;

export const searchKeys = {
  all: (customerId: string) => ['customer', customerId, 'user-backups'] as const,
};

/** Search results of a (scoped) query as of a backup point, page by page. */
export function searchQuery(customerId: string, q: string, at: string | null) {
  return infiniteQueryOptions({
    queryKey: [...searchKeys.all(customerId), 'search', q, at],
    queryFn: ({ pageParam }) =>
      call(() =>
        api.GET('/api/customers/{customerId}/search', {
          params: {
            path: { customerId },
            query: {
              q,
              limit: pageSize,
              ...(at ? { asOf: at } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
  });
}

export function calendarsQuery(customerId: string, sourceId: string, at: string | null) {
  return queryOptions({
    queryKey: [...searchKeys.all(customerId), 'calendars', sourceId, at],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/browse/sources/{sourceId}/calendar/calendars', {
          params: { path: { customerId, sourceId }, query: at ? { at } : {} },
        }),
      ),
  });
}

export function eventsQuery(customerId: string, sourceId: string, calendar: string, at: string | null) {
  return infiniteQueryOptions({
    queryKey: [...searchKeys.all(customerId), 'events', sourceId, calendar, at],
    queryFn: ({ pageParam }) =>
      call(() =>
        api.GET('/api/customers/{customerId}/browse/sources/{sourceId}/calendar/events', {
          params: {
            path: { customerId, sourceId },
            query: {
              calendar,
              limit: pageSize,
              ...(at ? { at } : {}),
              ...(pageParam ? { cursor: pageParam } : {}),
            },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
  });
}

export function contactsQuery(customerId: string, sourceId: string, at: string | null) {
  return infiniteQueryOptions({
    queryKey: [...searchKeys.all(customerId), 'contacts', sourceId, at],
    queryFn: ({ pageParam }) =>
      call(() =>
        api.GET('/api/customers/{customerId}/browse/sources/{sourceId}/contacts', {
          params: {
            path: { customerId, sourceId },
            query: { limit: pageSize, ...(at ? { at } : {}), ...(pageParam ? { cursor: pageParam } : {}) },
          },
        }),
      ),
    initialPageParam: null as string | null,
    getNextPageParam: (page) => page.nextCursor,
  });
}

/** One item's every backed-up version (newest point; the history does not depend on it). */
export function itemHistoryQuery(customerId: string, sourceId: string, itemKey: string) {
  return queryOptions({
    queryKey: [...searchKeys.all(customerId), 'item', sourceId, itemKey],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/browse/sources/{sourceId}/item', {
          params: { path: { customerId, sourceId }, query: { key: itemKey } },
        }),
      ),
  });
}

/** A source's backup points (to say which points a version appears in). */
export function sourcePointsQuery(customerId: string, sourceId: string) {
  return queryOptions({
    queryKey: [...searchKeys.all(customerId), 'points', sourceId],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/browse/sources/{sourceId}/points', {
          params: { path: { customerId, sourceId } },
        }),
      ),
    staleTime: 30_000,
  });
}

/** A user's (email) or shared drive's (id) backup runs, newest first, a page at a time. */
export function backupRunsQuery(customerId: string, filter: RunsQuery & { user: string }) {
  return queryOptions({
    queryKey: [...searchKeys.all(customerId), 'runs', filter],
    queryFn: () =>
      call(() =>
        api.GET('/api/customers/{customerId}/backup/runs', { params: { path: { customerId }, query: filter } }),
      ),
    placeholderData: keepPreviousData,
    // A run still queued or running is followed until it ends (its counts and problems come then).
    refetchInterval: (query) => (query.state.data?.runs.some(runInProgress) ? 3000 : false),
  });
}

const untitled: Record<SelectableItem['service'], string> = {
  gmail: '(no subject)',
  drive: '(no name)',
  calendar: '(no title)',
  contacts: '(no name)',
};

/** A row's title: the subject, file name, event title or contact name, or what it lacks. */
export function titleOf(service: SelectableItem['service'], title: string | null | undefined): string {
  return title?.trim() ? title : untitled[service];
}

/** A search hit as a selectable row. */
export function hitItem(hit: SearchHit): SelectableItem {
  return {
    service: hit.service,
    sourceId: hit.sourceId,
    itemKey: hit.itemKey,
    version: hit.version,
    title: titleOf(hit.service, hit.title),
  };
}

export function eventItem(sourceId: string, event: CalendarEvent): SelectableItem {
  return {
    service: 'calendar',
    sourceId,
    itemKey: event.itemKey,
    version: event.version,
    title: titleOf('calendar', event.summary),
  };
}

export function contactItem(sourceId: string, contact: Contact): SelectableItem {
  return {
    service: 'contacts',
    sourceId,
    itemKey: contact.itemKey,
    version: contact.version,
    title: titleOf('contacts', contact.displayName),
  };
}

export type BackupPoint = PointsAnswer['points'][number];

/**
 * The backup points a version appears in: those at or after it was first backed up and before
 * the version that replaced it (or the item's deletion) — the server's "valid at" rule.
 */
export function pointsOfVersion(
  version: Pick<ItemVersion, 'validFrom' | 'validTo'>,
  points: readonly BackupPoint[],
): BackupPoint[] {
  const from = Date.parse(version.validFrom);
  const to = version.validTo === null ? Number.POSITIVE_INFINITY : Date.parse(version.validTo);
  return points.filter((point) => {
    const at = Date.parse(point.at);
    return from <= at && at < to;
  });
}

export function runInProgress(run: Pick<BackupRun, 'status'>): boolean {
  return run.status === 'queued' || run.status === 'running';
}

/** A run whose skipped or failed items (or run-level error) are worth opening. */
export function runHasDetails(run: BackupRun): boolean {
  return run.errors.length > 0 || run.error !== null;
}

export type BackedUpCalendar = CalendarsAnswer['calendars'][number];

/** Google's ids of calendars that are not a person's own: long generated ids, not worth showing. */
const generatedCalendarId = /@(group\.v\.|group\.|import\.)?calendar\.google\.com$/;

/**
 * The calendar picker's choices: a person's calendar (its id is their email) first, by its email;
 * calendars with generated ids as "Other calendar 1, 2…" (the backup keeps no calendar names) —
 * each with its event count.
 */
export function calendarChoices(
  calendars: readonly BackedUpCalendar[],
  events: (count: number) => string,
): Array<{ value: string; label: string }> {
  const own = calendars.filter((calendar) => !generatedCalendarId.test(calendar.calendarId));
  const other = calendars.filter((calendar) => generatedCalendarId.test(calendar.calendarId));
  return [
    ...own.map((calendar) => ({
      value: calendar.calendarId,
      label: `${calendar.calendarId === 'primary' ? 'Primary calendar' : calendar.calendarId} (${events(calendar.events)})`,
    })),
    ...other.map((calendar, index) => ({
      value: calendar.calendarId,
      label: `Other calendar ${index + 1} (${events(calendar.events)})`,
    })),
  ];
}
