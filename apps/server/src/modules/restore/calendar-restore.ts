// Calendar restore through events.import: the iCalUID is kept (so the event is the same event
// for every attendee) and no invitations are sent. Events go back into their original calendar
// when the target user has it, otherwise into the target's primary calendar (Safehold does not
// create calendars: the report says so). Series are imported before their moved exceptions.
// Idempotency: one listing of each target calendar tells which iCalUIDs are already there, and
// importing an iCalUID twice updates the same event rather than adding one. Imports go 50 to a
// request through Calendar's batch endpoint.
import { CALENDAR_BATCH_MAX, type CalendarListEntry } from '@safehold/google';
import { selectVersions } from '../backup/index.ts';
import { storedObjectOf } from './restore-content.ts';
import type { PlannedItem, RestoreSelection, WorkItem } from './restore-store.ts';
import { type CreateOutcome, RestoreItemError, type ServiceWriter, type WriterContext } from './service-writer.ts';

/** Fields of a backed-up event that describe it; ids, etags, links and timestamps are Google's to assign. */
const IMPORTED_FIELDS = [
  'iCalUID',
  'summary',
  'description',
  'location',
  'start',
  'end',
  'endTimeUnspecified',
  'recurrence',
  'originalStartTime',
  'status',
  'attendees',
  'organizer',
  'transparency',
  'visibility',
  'colorId',
  'reminders',
  'extendedProperties',
  'attachments',
  'guestsCanInviteOthers',
  'guestsCanModify',
  'guestsCanSeeOtherGuests',
  'anyoneCanAddSelf',
  'source',
  'eventType',
  'locked',
] as const;

function timeKey(value: unknown): string {
  const time = value as { dateTime?: string; date?: string } | undefined;
  return time ? String(Date.parse(time.dateTime ?? time.date ?? '')) : '';
}

export function calendarWriter(w: WriterContext): ServiceWriter {
  const { restore, google } = w;
  const to = restore.toEmail;
  let calendars: Promise<CalendarListEntry[]> | undefined;
  const present = new Map<string, Promise<Map<string, string>>>();

  async function targetCalendar(calendarId: string): Promise<string> {
    calendars ??= (async () => {
      const list: CalendarListEntry[] = [];
      for await (const entry of google.calendar.listCalendars(to)) list.push(entry);
      return list;
    })();
    const list = await calendars;
    if (restore.toEmail === restore.fromEmail && list.some((entry) => entry.id === calendarId)) return calendarId;
    if (calendarId.toLowerCase() === restore.fromEmail) return 'primary';
    await w.note(
      `Events of calendar ${calendarId} were restored into ${to}'s primary calendar (the calendar is not in that account and Safehold does not create calendars).`,
    );
    return 'primary';
  }

  /** iCalUID|originalStart → event id of what the target calendar holds (not cancelled). */
  function eventsOf(calendarId: string): Promise<Map<string, string>> {
    let found = present.get(calendarId);
    if (!found) {
      found = (async () => {
        const map = new Map<string, string>();
        for await (const page of google.calendar.listEvents(to, calendarId, { showDeleted: false })) {
          for (const event of page.items) {
            if (event.status === 'cancelled' || !event.iCalUID) continue;
            map.set(
              `${event.iCalUID}|${timeKey((event as { originalStartTime?: unknown }).originalStartTime)}`,
              event.id,
            );
          }
        }
        return map;
      })();
      present.set(calendarId, found);
      found.catch(() => present.delete(calendarId));
    }
    return found;
  }

  async function readEvent(item: WorkItem): Promise<Record<string, unknown>> {
    const event = await storedObjectOf(w.repository, item);
    if (!event || typeof event !== 'object' || Array.isArray(event)) throw new RestoreItemError('not an event object');
    return event as Record<string, unknown>;
  }

  async function importBody(item: WorkItem): Promise<Record<string, unknown>> {
    const event = await readEvent(item);
    if (typeof event.iCalUID !== 'string') throw new RestoreItemError('the event has no iCalUID');
    const body: Record<string, unknown> = {};
    for (const field of IMPORTED_FIELDS) if (event[field] !== undefined) body[field] = event[field];
    return body;
  }

  const calendarOf = (item: WorkItem) =>
    typeof item.metadata.calendarId === 'string'
      ? item.metadata.calendarId
      : item.itemKey.slice(0, item.itemKey.lastIndexOf('/'));

  return {
    lanes: 2,
    // Two batches of 50 per page (Calendar's batch endpoint; each event still one request of quota).
    pageSize: 2 * CALENDAR_BATCH_MAX,
    async *plan(versions, selection: RestoreSelection) {
      let page: PlannedItem[] = [];
      for await (const version of selectVersions('calendar', versions, selection)) {
        const exception = typeof version.metadata.recurringEventId === 'string';
        page.push({ itemKey: version.itemKey, version: version.version, phase: exception ? 1 : 0 });
        if (page.length >= 500) {
          yield page;
          page = [];
        }
      }
      if (page.length > 0) yield page;
    },
    async findExisting(item) {
      const event = await readEvent(item);
      if (typeof event.iCalUID !== 'string') return undefined;
      const calendarId = await targetCalendar(calendarOf(item));
      const key = `${event.iCalUID}|${timeKey(event.originalStartTime)}`;
      return (await eventsOf(calendarId)).get(key);
    },
    async create(item) {
      const calendarId = await targetCalendar(calendarOf(item));
      const imported = await google.calendar.importEvent(to, calendarId, await importBody(item));
      return { targetId: imported.id };
    },
    async createMany(items) {
      // One batch request per target calendar and 50 events; an event that cannot be sent
      // (no iCalUID) fails alone.
      const outcomes: CreateOutcome[] = new Array(items.length);
      const byCalendar = new Map<string, Array<{ index: number; body: Record<string, unknown> }>>();
      for (const [index, item] of items.entries()) {
        try {
          const calendarId = await targetCalendar(calendarOf(item));
          const entries = byCalendar.get(calendarId) ?? [];
          entries.push({ index, body: await importBody(item) });
          byCalendar.set(calendarId, entries);
        } catch (error) {
          if (!(error instanceof RestoreItemError)) throw error;
          outcomes[index] = { ok: false, error };
        }
      }
      for (const [calendarId, entries] of byCalendar) {
        const results = await google.calendar.batchImportEvents(
          to,
          calendarId,
          entries.map((entry) => entry.body),
        );
        for (const [position, entry] of entries.entries()) {
          const result = results[position];
          outcomes[entry.index] = result?.ok
            ? { ok: true, targetId: result.event.id }
            : { ok: false, error: result?.error ?? new RestoreItemError('no answer in the batch') };
        }
      }
      return outcomes;
    },
  };
}
