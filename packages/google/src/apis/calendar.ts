// Calendar API v3 (https://developers.google.com/workspace/calendar/api/v3/reference): the user's
// calendars, their events with sync tokens (nextSyncToken on the last page only; 410 when
// expired), and events.import (keeps iCalUID, sends no invitations) / events.insert for restore.
import { randomBytes } from 'node:crypto';
import { z } from 'zod';
import { GoogleApiError, GoogleResponseShapeError } from '../errors.ts';
import { itemsOf, paginate } from '../http/pagination.ts';
import { parseJsonText, parseWith } from '../http/transport.ts';
import { type ApiContext, seg } from './api-context.ts';
import { type BatchPart, errorOfPart, parseBatchResponse } from './gmail-batch.ts';

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
      const results: ImportEventResult[] = [];
      for (let start = 0; start < events.length; start += CALENDAR_BATCH_MAX) {
        const chunk = events.slice(start, start + CALENDAR_BATCH_MAX);
        results.push(
          ...(await importBatch(ctx, user, calendarId, chunk, (event) => this.importEvent(user, calendarId, event))),
        );
      }
      return results;
    },
  };
}

async function importBatch(
  ctx: ApiContext,
  user: string,
  calendarId: string,
  events: readonly EventInput[],
  importOne: (event: EventInput) => Promise<CalendarEvent>,
): Promise<ImportEventResult[]> {
  const operation = 'calendar.events.import';
  const boundary = `batch_${randomBytes(12).toString('hex')}`;
  const pathPrefix = new URL(ctx.endpoints.api('calendar')).pathname.replace(/\/$/, '');
  const url = `${pathPrefix}/calendar/v3/calendars/${seg(calendarId)}/events/import?conferenceDataVersion=1&supportsAttachments=true`;
  const body = `${events
    .map((event, index) => {
      const json = JSON.stringify(event);
      return (
        `--${boundary}\r\nContent-Type: application/http\r\nContent-ID: <item-${index}>\r\n\r\n` +
        `POST ${url}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(json)}\r\n\r\n${json}\r\n`
      );
    })
    .join('')}--${boundary}--\r\n`;
  const parts = await ctx.transport.request(
    {
      api: 'calendar',
      operation: 'calendar.batch',
      user,
      method: 'POST',
      url: `${ctx.endpoints.api('calendar')}/batch/calendar/v3`,
      headers: { 'content-type': `multipart/mixed; boundary=${boundary}` },
      body,
      // events.import is keyed by iCalUID: repeating the whole batch updates the same events.
      idempotent: true,
      cost: events.length,
    },
    async (response) => parseBatchResponse(response.headers.get('content-type'), await response.text()),
  );
  const byIndex = new Map<number, BatchPart>();
  parts.forEach((part, position) => {
    byIndex.set(Number(/item-(\d+)>?$/.exec(part.contentId ?? '')?.[1] ?? position), part);
  });
  const results: ImportEventResult[] = [];
  for (const [index, event] of events.entries()) {
    const part = byIndex.get(index);
    if (part && part.status >= 200 && part.status < 300) {
      try {
        results.push({
          ok: true,
          event: parseWith(operation, calendarEventSchema, parseJsonText(operation, part.body)),
        });
      } catch (error) {
        if (!(error instanceof GoogleResponseShapeError)) throw error;
        results.push({ ok: false, error });
      }
      continue;
    }
    const partError = part ? errorOfPart(part, ctx.clock.now(), operation) : undefined;
    if (partError && partError.classification !== 'retry' && partError.status !== 401) {
      results.push({ ok: false, error: partError });
      continue;
    }
    ctx.logger.debug(
      { operation: 'calendar.batch', user, index, status: part?.status },
      'batch part failed, importing alone',
    );
    try {
      results.push({ ok: true, event: await importOne(event) });
    } catch (error) {
      if (!(error instanceof GoogleApiError || error instanceof GoogleResponseShapeError)) throw error;
      results.push({ ok: false, error });
    }
  }
  return results;
}
