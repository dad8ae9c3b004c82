// Calendar API v3 (https://developers.google.com/workspace/calendar/api/v3/reference): the user's
// calendars, their events with sync tokens (nextSyncToken on the last page only; 410 when
// expired), and events.import (keeps iCalUID, sends no invitations) / events.insert for restore.
import { z } from 'zod';
import type { GoogleApiError, GoogleResponseShapeError } from '../errors.ts';
import { itemsOf, paginate } from '../http/pagination.ts';
import { type ApiContext, seg } from './api-context.ts';
import { batchCalls } from './batch-calls.ts';

/** Calls per Calendar batch request (Google allows up to 1,000; 50 keeps one failure cheap). */
export const CALENDAR_BATCH_MAX = 50;

export type ImportEventResult =
  | { ok: true; event: CalendarEvent }
  | { ok: false; error: GoogleApiError | GoogleResponseShapeError };

export const calendarListEntrySchema = z.looseObject({
  id: z.string(),
  summary: z.string().optional(),
  accessRole: z.string().optional(),
  primary: z.boolean().optional(),
  deleted: z.boolean().optional(),
});
export type CalendarListEntry = z.infer<typeof calendarListEntrySchema>;

export const calendarEventSchema = z.looseObject({
  id: z.string(),
  status: z.string().optional(),
  iCalUID: z.string().optional(),
  updated: z.string().optional(),
  recurringEventId: z.string().optional(),
});
export type CalendarEvent = z.infer<typeof calendarEventSchema>;

export const eventsPageSchema = z.object({
  items: z.array(calendarEventSchema).default([]),
  nextPageToken: z.string().optional(),
  nextSyncToken: z.string().optional(),
});
export type EventsPage = z.infer<typeof eventsPageSchema>;

export interface ListEventsOptions {
  /** With a sync token Google rejects timeMin/timeMax/q/orderBy/updatedMin, so none are offered. */
  syncToken?: string;
  /** Default true: cancelled events are how deletions arrive. */
  showDeleted?: boolean;
  maxResults?: number;
}

export type EventInput = Record<string, unknown>;

export interface CalendarApi {
  listCalendars(user: string): AsyncGenerator<CalendarListEntry, void, undefined>;
  /** Event pages; a 410 on an expired sync token is a GoogleApiError classified `resync`. */
  listEvents(
    user: string,
    calendarId: string,
    options?: ListEventsOptions,
  ): AsyncGenerator<EventsPage, void, undefined>;
  importEvent(user: string, calendarId: string, event: EventInput): Promise<CalendarEvent>;
  insertEvent(user: string, calendarId: string, event: EventInput): Promise<CalendarEvent>;
  /**
   * events.import of many events through /batch/calendar/v3 (≤ 50 per batch, each counted as
   * one call): one result per event, in order. A part that failed transiently (429, 5xx, rate
   * limit) is imported again on its own with the normal retries; a permanent failure (400) is
   * that event's result only.
   */
  batchImportEvents(user: string, calendarId: string, events: readonly EventInput[]): Promise<ImportEventResult[]>;
}

export function createCalendarApi(ctx: ApiContext): CalendarApi {
  const base = () => `${ctx.endpoints.api('calendar')}/calendar/v3`;
  const write = (user: string, operation: string, url: string, event: EventInput, idempotent: boolean) =>
    ctx.transport.json(
      {
        api: 'calendar',
        operation,
        user,
        method: 'POST',
        url,
        // events.import sends no invitations by design and has no sendUpdates parameter; insert must be told.
        query: {
          conferenceDataVersion: 1,
          supportsAttachments: true,
          sendUpdates: operation === 'calendar.events.insert' ? 'none' : undefined,
        },
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(event),
        idempotent,
      },
      calendarEventSchema,
    );
  return {
    listCalendars(user) {
      const pages = paginate('calendar.calendarList.list', (pageToken) =>
        ctx.transport.json(
          {
            api: 'calendar',
            operation: 'calendar.calendarList.list',
            user,
            method: 'GET',
            url: `${base()}/users/me/calendarList`,
            query: { showHidden: true, maxResults: 250, pageToken },
          },
          z.object({ items: z.array(calendarListEntrySchema).default([]), nextPageToken: z.string().optional() }),
        ),
      );
      return itemsOf(pages, (page) => page.items);
    },
    listEvents(user, calendarId, options = {}) {
      return paginate('calendar.events.list', (pageToken) =>
        ctx.transport.json(
          {
            api: 'calendar',
            operation: 'calendar.events.list',
            user,
            method: 'GET',
            url: `${base()}/calendars/${seg(calendarId)}/events`,
            query: {
              syncToken: options.syncToken,
              showDeleted: options.showDeleted ?? true,
              singleEvents: false,
              maxResults: options.maxResults ?? 2500,
              pageToken,
            },
          },
          eventsPageSchema,
        ),
      );
    },
    importEvent(user, calendarId, event) {
      // events.import is keyed by iCalUID: sending it twice updates the same event, so it may be repeated.
      return write(user, 'calendar.events.import', `${base()}/calendars/${seg(calendarId)}/events/import`, event, true);
    },
    insertEvent(user, calendarId, event) {
      return write(user, 'calendar.events.insert', `${base()}/calendars/${seg(calendarId)}/events`, event, false);
    },
    async batchImportEvents(user, calendarId, events) {
      const path = `/calendar/v3/calendars/${seg(calendarId)}/events/import?conferenceDataVersion=1&supportsAttachments=true`;
      const results: ImportEventResult[] = [];
      for (let start = 0; start < events.length; start += CALENDAR_BATCH_MAX) {
        const chunk = events.slice(start, start + CALENDAR_BATCH_MAX);
        const answers = await batchCalls(ctx, {
          api: 'calendar',
          batchPath: '/batch/calendar/v3',
          user,
          operation: 'calendar.events.import',
          paths: chunk.map(() => path),
          bodies: chunk,
          schema: calendarEventSchema,
          // events.import is keyed by iCalUID: repeating the whole batch updates the same events.
          idempotent: true,
          alone: (index) => this.importEvent(user, calendarId, chunk[index] as EventInput),
        });
        results.push(...answers.map((answer) => (answer.ok ? { ok: true as const, event: answer.value } : answer)));
      }
      return results;
    },
  };
}
