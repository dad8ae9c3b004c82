// Calendar backup: every calendar of the user, each with its own sync token (cursor
// `{ calendars: { <id>: <syncToken> } }`). A 410 (token expired) → that calendar's full listing,
// compared with what is stored (events no longer listed are closed). Cancelled events are
// deletions. Item key: `<calendarId>/<eventId>`.
import { type CalendarEvent, ResyncRequired } from '@safehold/google';
import { type ObjectItem, putObjectItems } from './object-items.ts';
import type { ServiceResult, ServiceRun } from './service-context.ts';

export async function backupCalendar(run: ServiceRun): Promise<ServiceResult> {
  const stored = (run.cursor?.calendars ?? {}) as Record<string, string>;
  const tokens: Record<string, string> = {};
  let mode: ServiceResult['mode'] = Object.keys(stored).length > 0 ? 'incremental' : 'full';
  const calendarIds: string[] = [];
  for await (const calendar of run.google.calendar.listCalendars(run.email)) {
    if (!calendar.deleted) calendarIds.push(calendar.id);
  }
  for (const calendarId of calendarIds) {
    const token = stored[calendarId];
    let events: CalendarEvent[] | undefined;
    let full = !token;
    let cursor: string | undefined;
    if (token) {
      try {
        const sync = await run.google.calendarSync.incremental(run.email, calendarId, token);
        events = [];
        for await (const event of sync) events.push(event);
        cursor = sync.cursor;
      } catch (error) {
        if (!(error instanceof ResyncRequired)) throw error;
        full = true;
        mode = 'resync';
      }
    }
    if (!events) {
      const sync = await run.google.calendarSync.full(run.email, calendarId);
      events = [];
      for await (const event of sync) events.push(event);
      cursor = sync.cursor;
    }
    await storeEvents(run, calendarId, events, full);
    tokens[calendarId] = cursor as string;
  }
  // Calendars gone from the list: their events are gone too.
  const kept = new Set(calendarIds);
  for (const key of [...run.writer.current.keys()]) {
    if (!kept.has(key.slice(0, key.lastIndexOf('/')))) run.writer.close(key);
  }
  await run.writer.commit();
  return { cursor: { calendars: tokens }, mode };
}

interface EventTime {
  date?: string;
  dateTime?: string;
}
type EventTimes = { start?: EventTime; end?: EventTime };

/** An event's start or end for browsing: the date of an all-day event ("2026-12-04"), else the RFC 3339 time. */
function eventTime(time: EventTime | undefined): string | undefined {
  return time?.dateTime ?? time?.date;
}

/** A calendar's listed events: cancelled ones close, the others are put (the run commits at its end). */
async function storeEvents(run: ServiceRun, calendarId: string, events: CalendarEvent[], full: boolean): Promise<void> {
  const seen = new Set<string>();
  const items: ObjectItem[] = [];
  for (const event of events) {
    const key = `${calendarId}/${event.id}`;
    if (event.status === 'cancelled') {
      run.writer.close(key);
      continue;
    }
    seen.add(key);
    const metadata = {
      calendarId,
      summary: (event as { summary?: string }).summary,
      iCalUID: event.iCalUID,
      recurringEventId: event.recurringEventId,
      updated: event.updated,
      start: eventTime((event as EventTimes).start),
      end: eventTime((event as EventTimes).end),
    };
    items.push({ key, item: event, metadata });
  }
  const unchanged = await putObjectItems(run, items);
  if (full) {
    const prefix = `${calendarId}/`;
    for (const key of [...run.writer.current.keys()])
      if (key.startsWith(prefix) && !seen.has(key)) run.writer.close(key);
  }
  if (unchanged > 0) await run.writer.skip(unchanged);
}
