// Calendar API v3: calendarList, events list (with sync tokens and 410 on expiry), get,
// insert and import.
import { randomBytes } from 'node:crypto';
import { googleError, invalidArgument, json, parseJsonBody, type Reply } from '../http-reply.ts';
import { applyFields, parseFields } from '../partial-response.ts';
import type { RequestContext, Route } from '../router.ts';
import type { Calendar, CalendarEvent, User } from '../state.ts';
import type { World } from '../world.ts';
import { SCOPES } from './scopes.ts';

const notFound = (): Reply => googleError(404, 'Not Found', 'notFound');

function eventResource(calendar: Calendar, event: CalendarEvent): Record<string, unknown> {
  const body: Record<string, unknown> = {
    kind: 'calendar#event',
    etag: `"${event.updated}${event.seq}"`,
    id: event.id,
    status: event.status,
    htmlLink: `https://www.google.com/calendar/event?eid=${Buffer.from(`${event.id} ${calendar.id}`).toString('base64url')}`,
    created: new Date(event.created).toISOString(),
    updated: new Date(event.updated).toISOString(),
    summary: event.summary,
    description: event.description,
    location: event.location,
    creator: { email: event.organizer?.email ?? calendar.id },
    organizer: event.organizer ?? { email: calendar.id, self: true },
    start: event.start,
    end: event.end,
    recurrence: event.recurrence,
    recurringEventId: event.recurringEventId,
    originalStartTime: event.originalStartTime,
    transparency: event.transparency,
    visibility: event.visibility,
    iCalUID: event.iCalUID,
    sequence: event.sequence,
    attendees: event.attendees,
    reminders: { useDefault: true },
    eventType: 'default',
  };
  for (const key of Object.keys(body)) if (body[key] === undefined) delete body[key];
  return body;
}

function encodeToken(value: Record<string, unknown>): string {
  return Buffer.from(JSON.stringify(value)).toString('base64url');
}

function decodeToken(value: string): Record<string, unknown> | undefined {
  try {
    const parsed: unknown = JSON.parse(Buffer.from(value, 'base64url').toString('utf8'));
    return parsed && typeof parsed === 'object' ? (parsed as Record<string, unknown>) : undefined;
  } catch {
    return undefined;
  }
}

export function calendarRoutes(world: World): Route[] {
  const base = '/calendar/v3';

  function calendarFor(ctx: RequestContext): { user: User; calendar: Calendar } | Reply {
    const user = ctx.user;
    if (!user) return notFound();
    const id = ctx.params.calendarId ?? 'primary';
    const calendar = user.calendars.get(id === 'primary' ? user.primaryEmail : id.toLowerCase());
    return calendar ? { user, calendar } : notFound();
  }

  function validateEvent(input: Record<string, unknown>): Reply | undefined {
    const start = input.start as Record<string, unknown> | undefined;
    const end = input.end as Record<string, unknown> | undefined;
    if (!start || !(start.dateTime || start.date)) return googleError(400, 'Missing start time.', 'required');
    if (!end || !(end.dateTime || end.date)) return googleError(400, 'Missing end time.', 'required');
    for (const value of [start.dateTime, end.dateTime]) {
      if (value !== undefined && (typeof value !== 'string' || Number.isNaN(Date.parse(value))))
        return googleError(400, 'Bad Request', 'badRequest');
    }
    return undefined;
  }

  function storeEvent(
    user: User,
    calendar: Calendar,
    input: Record<string, unknown>,
    id: string,
    iCalUID: string,
  ): CalendarEvent {
    return world.upsertEvent(user, calendar, {
      id,
      iCalUID,
      summary: typeof input.summary === 'string' ? input.summary : undefined,
      description: typeof input.description === 'string' ? input.description : undefined,
      location: typeof input.location === 'string' ? input.location : undefined,
      start: input.start as CalendarEvent['start'],
      end: input.end as CalendarEvent['end'],
      recurrence: Array.isArray(input.recurrence) ? input.recurrence.map(String) : undefined,
      recurringEventId: typeof input.recurringEventId === 'string' ? input.recurringEventId : undefined,
      originalStartTime: input.originalStartTime as CalendarEvent['originalStartTime'],
      status: input.status === 'cancelled' || input.status === 'tentative' ? input.status : 'confirmed',
      attendees: Array.isArray(input.attendees) ? (input.attendees as CalendarEvent['attendees']) : undefined,
      organizer: (input.organizer as CalendarEvent['organizer']) ?? { email: user.primaryEmail, self: true },
      transparency: typeof input.transparency === 'string' ? input.transparency : undefined,
      visibility: typeof input.visibility === 'string' ? input.visibility : undefined,
    });
  }

  const respond = (ctx: RequestContext, body: Record<string, unknown>): Reply => {
    const raw = ctx.query.get('fields');
    if (!raw) return json(body);
    const tree = parseFields(raw);
    return tree
      ? json(applyFields(body, tree) as Record<string, unknown>)
      : invalidArgument('Invalid field selection', 'fields');
  };

  return [
    {
      method: 'GET',
      pattern: `${base}/users/me/calendarList`,
      name: 'calendar.calendarList.list',
      api: 'calendar',
      units: 1,
      scopes: SCOPES.calendarList,
      queryParams: ['maxResults', 'pageToken', 'showDeleted', 'showHidden', 'minAccessRole', 'syncToken'],
      handler(ctx) {
        const user = ctx.user;
        if (!user) return notFound();
        const items = [...user.calendars.values()].map((c) => ({
          kind: 'calendar#calendarListEntry',
          etag: `"${c.changeSeq}"`,
          id: c.id,
          summary: c.summary,
          description: c.description,
          timeZone: c.timeZone,
          accessRole: c.accessRole,
          primary: c.primary || undefined,
          selected: true,
          defaultReminders: [],
        }));
        return respond(ctx, {
          kind: 'calendar#calendarList',
          etag: `"${items.length}"`,
          nextSyncToken: encodeToken({ t: world.clock.now() }),
          items,
        });
      },
    },
    {
      method: 'GET',
      pattern: `${base}/calendars/:calendarId/events`,
      name: 'calendar.events.list',
      api: 'calendar',
      units: 1,
      scopes: SCOPES.calendarRead,
      queryParams: [
        'maxResults',
        'pageToken',
        'showDeleted',
        'singleEvents',
        'syncToken',
        'timeMin',
        'timeMax',
        'q',
        'orderBy',
        'updatedMin',
        'iCalUID',
        'timeZone',
        'maxAttendees',
        'showHiddenInvitations',
        'alwaysIncludeEmail',
        'privateExtendedProperty',
        'sharedExtendedProperty',
        'eventTypes',
      ],
      handler(ctx) {
        const found = calendarFor(ctx);
        if ('status' in found) return found;
        const { user, calendar } = found;
        const maxRaw = ctx.query.get('maxResults');
        const max = maxRaw === null ? 250 : Number(maxRaw);
        if (!Number.isInteger(max) || max < 1) return invalidArgument('Invalid value for maxResults', 'maxResults');
        const size = Math.min(max, 2500);
        const pageToken = ctx.query.get('pageToken');
        const page = pageToken ? decodeToken(pageToken) : undefined;
        if (pageToken && !page) return invalidArgument('Invalid page token value.', 'pageToken');
        const syncRaw = ctx.query.get('syncToken') ?? (typeof page?.s === 'string' ? page.s : null);
        let afterSeq = 0;
        const upToSeq = typeof page?.u === 'number' ? page.u : calendar.changeSeq;
        if (syncRaw) {
          for (const forbidden of [
            'timeMin',
            'timeMax',
            'q',
            'orderBy',
            'updatedMin',
            'iCalUID',
            'privateExtendedProperty',
            'sharedExtendedProperty',
          ]) {
            if (ctx.query.has(forbidden))
              return googleError(
                400,
                `The requested parameter '${forbidden}' cannot be used together with a sync token.`,
                'invalid',
                { location: forbidden, locationType: 'parameter' },
              );
          }
          const sync = decodeToken(syncRaw);
          if (!sync || typeof sync.q !== 'number' || typeof sync.t !== 'number')
            return googleError(410, 'Sync token is no longer valid, a full sync is required.', 'fullSyncRequired');
          if (sync.t < user.syncTokensValidAfter || world.clock.now() - sync.t > world.retention.calendarSyncTokenMs) {
            return googleError(410, 'Sync token is no longer valid, a full sync is required.', 'fullSyncRequired');
          }
          afterSeq = sync.q;
        }
        const showDeleted = ctx.query.get('showDeleted') === 'true' || !!syncRaw;
        const timeMin = ctx.query.get('timeMin');
        const timeMax = ctx.query.get('timeMax');
        const q = ctx.query.get('q')?.toLowerCase();
        const iCalUID = ctx.query.get('iCalUID');
        const startOf = (e: CalendarEvent) => Date.parse(e.start.dateTime ?? e.start.date ?? '');
        const events = [...calendar.events.values()]
          .filter((e) => e.seq > afterSeq && e.seq <= upToSeq)
          .filter((e) => showDeleted || e.status !== 'cancelled')
          .filter(
            (e) => !timeMin || Date.parse(e.end.dateTime ?? e.end.date ?? '') > Date.parse(timeMin) || !!e.recurrence,
          )
          .filter((e) => !timeMax || startOf(e) < Date.parse(timeMax))
          .filter(
            (e) => !q || `${e.summary ?? ''} ${e.description ?? ''} ${e.location ?? ''}`.toLowerCase().includes(q),
          )
          .filter((e) => !iCalUID || e.iCalUID === iCalUID)
          .sort((a, b) => (ctx.query.get('orderBy') === 'startTime' ? startOf(a) - startOf(b) : a.seq - b.seq));
        const offset = typeof page?.o === 'number' ? page.o : 0;
        const items = events.slice(offset, offset + size).map((e) => eventResource(calendar, e));
        const body: Record<string, unknown> = {
          kind: 'calendar#events',
          etag: `"${calendar.changeSeq}"`,
          summary: calendar.summary,
          updated: new Date(world.clock.now()).toISOString(),
          timeZone: calendar.timeZone,
          accessRole: calendar.accessRole,
          defaultReminders: [],
        };
        if (offset + size < events.length)
          body.nextPageToken = encodeToken({ o: offset + size, u: upToSeq, s: syncRaw ?? undefined });
        else body.nextSyncToken = encodeToken({ q: upToSeq, t: world.clock.now() });
        body.items = items;
        return respond(ctx, body);
      },
    },
    {
      method: 'GET',
      pattern: `${base}/calendars/:calendarId/events/:eventId`,
      name: 'calendar.events.get',
      api: 'calendar',
      units: 1,
      scopes: SCOPES.calendarRead,
      queryParams: ['timeZone', 'maxAttendees', 'alwaysIncludeEmail'],
      handler(ctx) {
        const found = calendarFor(ctx);
        if ('status' in found) return found;
        const event = found.calendar.events.get(ctx.params.eventId ?? '');
        return event ? respond(ctx, eventResource(found.calendar, event)) : notFound();
      },
    },
    {
      method: 'POST',
      pattern: `${base}/calendars/:calendarId/events/import`,
      name: 'calendar.events.import',
      api: 'calendar',
      units: 1,
      scopes: SCOPES.calendarWrite,
      queryParams: ['conferenceDataVersion', 'supportsAttachments'],
      handler(ctx) {
        const found = calendarFor(ctx);
        if ('status' in found) return found;
        const parsed = parseJsonBody(ctx.body);
        if (!parsed.ok) return parsed.reply;
        const input = (parsed.value ?? {}) as Record<string, unknown>;
        if (typeof input.iCalUID !== 'string' || !input.iCalUID)
          return googleError(400, 'Missing iCalUID.', 'required');
        const invalid = validateEvent(input);
        if (invalid) return invalid;
        // An event is identified by its iCalUID and, for an exception of a recurring event, its
        // original start: importing the same one again updates it (idempotent restore).
        const originalStart = (value: unknown) => {
          const time = value as { dateTime?: string; date?: string } | undefined;
          return time ? String(Date.parse(time.dateTime ?? time.date ?? '')) : '';
        };
        const existing = [...found.calendar.events.values()].find(
          (e) =>
            e.iCalUID === input.iCalUID &&
            originalStart(e.originalStartTime) === originalStart(input.originalStartTime),
        );
        const id = existing?.id ?? `${randomBytes(13).toString('hex')}`;
        if (input.originalStartTime && typeof input.recurringEventId !== 'string') {
          // An imported exception belongs to the series with the same iCalUID.
          const series = [...found.calendar.events.values()].find((e) => e.iCalUID === input.iCalUID && e.recurrence);
          if (series) input.recurringEventId = series.id;
        }
        return respond(
          ctx,
          eventResource(found.calendar, storeEvent(found.user, found.calendar, input, id, input.iCalUID)),
        );
      },
    },
    {
      method: 'POST',
      pattern: `${base}/calendars/:calendarId/events`,
      name: 'calendar.events.insert',
      api: 'calendar',
      units: 1,
      scopes: SCOPES.calendarWrite,
      queryParams: ['conferenceDataVersion', 'supportsAttachments', 'sendUpdates', 'sendNotifications', 'maxAttendees'],
      handler(ctx) {
        const found = calendarFor(ctx);
        if ('status' in found) return found;
        const parsed = parseJsonBody(ctx.body);
        if (!parsed.ok) return parsed.reply;
        const input = (parsed.value ?? {}) as Record<string, unknown>;
        const invalid = validateEvent(input);
        if (invalid) return invalid;
        const id = typeof input.id === 'string' ? input.id : randomBytes(13).toString('hex');
        if (!/^[a-v0-9]{5,1024}$/.test(id)) return googleError(400, 'Invalid resource id value.', 'invalid');
        if (found.calendar.events.has(id))
          return googleError(409, 'The requested identifier already exists.', 'duplicate');
        return respond(
          ctx,
          eventResource(found.calendar, storeEvent(found.user, found.calendar, input, id, `${id}@google.com`)),
        );
      },
    },
    {
      method: 'DELETE',
      pattern: `${base}/calendars/:calendarId/events/:eventId`,
      name: 'calendar.events.delete',
      api: 'calendar',
      units: 1,
      scopes: SCOPES.calendarWrite,
      queryParams: ['sendUpdates', 'sendNotifications'],
      handler(ctx) {
        const found = calendarFor(ctx);
        if ('status' in found) return found;
        const event = found.calendar.events.get(ctx.params.eventId ?? '');
        if (!event || event.status === 'cancelled') return googleError(410, 'Resource has been deleted', 'deleted');
        world.upsertEvent(found.user, found.calendar, { ...event, status: 'cancelled' });
        return { status: 204, body: '' };
      },
    },
  ];
}
