// Calendar events (Google Calendar API event JSON, as backed up) rendered as iCalendar
// (RFC 5545): one VCALENDAR per calendar, a VEVENT per event with UID = iCalUID, DTSTART/DTEND
// with their time zone (and a VTIMEZONE for each zone used) or all-day dates, the recurrence
// lines (RRULE/EXDATE/RDATE) as Google keeps them, and RECURRENCE-ID for a changed instance.
// Streamable: header, one event at a time, then the footer with the time zones seen.
import { contentLine, escapeText, type Params, textLine } from './content-lines.ts';

const productId = '-//Safehold//Safehold export//EN';

interface EventTime {
  date?: string;
  dateTime?: string;
  timeZone?: string;
}

interface Person {
  email?: string;
  displayName?: string;
  optional?: boolean;
  resource?: boolean;
  responseStatus?: string;
}

/** UTC form: 20261124T093000Z. */
export function utcStamp(date: Date): string {
  return date.toISOString().replace(/[-:]/g, '').replace(/\.\d+/, '');
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterFor(zone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(zone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone: zone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
      timeZoneName: 'longOffset',
    });
    formatters.set(zone, formatter);
  }
  return formatter;
}

/** Whether the runtime knows this IANA zone. */
export function isKnownZone(zone: string): boolean {
  try {
    formatterFor(zone);
    return true;
  } catch {
    // Intl throws RangeError for an unknown zone: the caller falls back to UTC.
    return false;
  }
}

function zoneParts(zone: string, at: Date): { local: string; offsetMinutes: number } {
  const parts = Object.fromEntries(
    formatterFor(zone)
      .formatToParts(at)
      .map((part) => [part.type, part.value]),
  );
  const local = `${parts.year}${parts.month}${parts.day}T${parts.hour}${parts.minute}${parts.second}`;
  const match = /GMT([+-])(\d{2}):(\d{2})/.exec(parts.timeZoneName ?? '');
  const offsetMinutes = match ? (match[1] === '-' ? -1 : 1) * (Number(match[2]) * 60 + Number(match[3])) : 0;
  return { local, offsetMinutes };
}

function formatOffset(minutes: number): string {
  const sign = minutes < 0 ? '-' : '+';
  const abs = Math.abs(minutes);
  return `${sign}${String(Math.floor(abs / 60)).padStart(2, '0')}${String(abs % 60).padStart(2, '0')}`;
}

/** The time zones an iCalendar stream used, rendered as VTIMEZONE components at its end. */
export class TimeZones {
  readonly used = new Set<string>();
  readonly year: number;

  constructor(year = new Date().getUTCFullYear()) {
    this.year = year;
  }

  note(zone: string): void {
    this.used.add(zone);
  }

  render(): string {
    return [...this.used].map((zone) => vtimezone(zone, this.year)).join('');
  }
}

/**
 * A VTIMEZONE for `zone` with the rules in force in `year`: the year is scanned for offset
 * changes, each one becomes a yearly STANDARD/DAYLIGHT rule ("last Sunday of March").
 */
export function vtimezone(zone: string, year: number): string {
  const transitions: Array<{ at: Date; from: number; to: number }> = [];
  const offsetAt = (ms: number) => zoneParts(zone, new Date(ms)).offsetMinutes;
  const start = Date.UTC(year, 0, 1);
  const end = Date.UTC(year + 1, 0, 1);
  const day = 86_400_000;
  let previous = offsetAt(start);
  for (let t = start + day; t <= end; t += day) {
    const offset = offsetAt(t);
    if (offset === previous) continue;
    // Narrow the change down to the minute.
    let low = t - day;
    let high = t;
    while (high - low > 60_000) {
      const mid = low + Math.floor((high - low) / 120_000) * 60_000;
      if (offsetAt(mid) === previous) low = mid;
      else high = mid;
    }
    transitions.push({ at: new Date(high), from: previous, to: offset });
    previous = offset;
  }
  let body = '';
  if (transitions.length === 0) {
    const offset = formatOffset(previous);
    body =
      'BEGIN:STANDARD\r\nDTSTART:19700101T000000\r\n' +
      `TZOFFSETFROM:${offset}\r\nTZOFFSETTO:${offset}\r\nEND:STANDARD\r\n`;
  }
  for (const transition of transitions) {
    const kind = transition.to > transition.from ? 'DAYLIGHT' : 'STANDARD';
    // The onset is given in the local time before the change.
    const local = new Date(transition.at.getTime() + transition.from * 60_000);
    const monthDay = local.getUTCDate();
    const month = local.getUTCMonth();
    const daysInMonth = new Date(Date.UTC(local.getUTCFullYear(), month + 1, 0)).getUTCDate();
    const weekdayIndex = local.getUTCDay();
    const weekday = ['SU', 'MO', 'TU', 'WE', 'TH', 'FR', 'SA'][weekdayIndex];
    const nth = monthDay + 7 > daysInMonth ? -1 : Math.ceil(monthDay / 7);
    // The rule's first onset in 1970, so that times long before `year` resolve by it too.
    const dtstart = `1970${utcStamp(new Date(Date.UTC(1970, month, onsetDay(1970, month, weekdayIndex, nth)))).slice(4, 8)}T${utcStamp(local).slice(9, 15)}`;
    body +=
      `BEGIN:${kind}\r\nDTSTART:${dtstart}\r\n` +
      `RRULE:FREQ=YEARLY;BYMONTH=${month + 1};BYDAY=${nth}${weekday}\r\n` +
      `TZOFFSETFROM:${formatOffset(transition.from)}\r\nTZOFFSETTO:${formatOffset(transition.to)}\r\nEND:${kind}\r\n`;
  }
  return `BEGIN:VTIMEZONE\r\n${contentLine('TZID', zone)}${contentLine('X-LIC-LOCATION', zone)}${body}END:VTIMEZONE\r\n`;
}

/** Day of month of the `nth` (-1: last) `weekday` (0 = Sunday) of a month. */
function onsetDay(year: number, month: number, weekday: number, nth: number): number {
  if (nth > 0) {
    const first = new Date(Date.UTC(year, month, 1)).getUTCDay();
    return 1 + ((weekday - first + 7) % 7) + (nth - 1) * 7;
  }
  const lastDay = new Date(Date.UTC(year, month + 1, 0));
  return lastDay.getUTCDate() - ((lastDay.getUTCDay() - weekday + 7) % 7);
}

/** DTSTART/DTEND/RECURRENCE-ID: a date, a local time in a known zone, or UTC. */
function timeLine(name: string, time: unknown, zones: TimeZones, fallbackZone?: string): string {
  if (!time || typeof time !== 'object') return '';
  const value = time as EventTime;
  if (value.date) return contentLine(name, value.date.replace(/-/g, ''), { VALUE: 'DATE' });
  if (!value.dateTime) return '';
  const instant = new Date(value.dateTime);
  if (Number.isNaN(instant.getTime())) return '';
  const zone = value.timeZone ?? fallbackZone;
  if (zone && isKnownZone(zone)) {
    zones.note(zone);
    return contentLine(name, zoneParts(zone, instant).local, { TZID: zone });
  }
  return contentLine(name, utcStamp(instant));
}

function stampLine(name: string, value: unknown): string {
  if (typeof value !== 'string') return '';
  const date = new Date(value);
  return Number.isNaN(date.getTime()) ? '' : contentLine(name, utcStamp(date));
}

const partStat: Record<string, string> = {
  needsAction: 'NEEDS-ACTION',
  accepted: 'ACCEPTED',
  declined: 'DECLINED',
  tentative: 'TENTATIVE',
};

function personLine(name: 'ORGANIZER' | 'ATTENDEE', person: Person): string {
  if (!person.email) return '';
  const params: Params = { CN: person.displayName };
  if (name === 'ATTENDEE') {
    params.CUTYPE = person.resource ? 'RESOURCE' : undefined;
    params.ROLE = person.optional ? 'OPT-PARTICIPANT' : 'REQ-PARTICIPANT';
    params.PARTSTAT = partStat[person.responseStatus ?? ''] ?? 'NEEDS-ACTION';
  }
  return contentLine(name, `mailto:${person.email}`, params);
}

const recurrenceLine = /^(RRULE|EXRULE|RDATE|EXDATE)[;:]/i;

/** One VEVENT. `calendarZone` is used for a dateTime without its own zone (recurrence needs one). */
export function renderVevent(event: Record<string, unknown>, zones: TimeZones, calendarZone?: string): string {
  const id = typeof event.id === 'string' ? event.id : 'event';
  const uid = typeof event.iCalUID === 'string' ? event.iCalUID : `${id}@google.com`;
  let out = 'BEGIN:VEVENT\r\n';
  out += contentLine('UID', escapeText(uid));
  out += stampLine('DTSTAMP', event.updated ?? event.created) || contentLine('DTSTAMP', utcStamp(new Date(0)));
  out += stampLine('CREATED', event.created);
  out += stampLine('LAST-MODIFIED', event.updated);
  out += timeLine('DTSTART', event.start, zones, calendarZone);
  out += timeLine('DTEND', event.end, zones, calendarZone);
  out += timeLine('RECURRENCE-ID', event.originalStartTime, zones, calendarZone);
  if (Array.isArray(event.recurrence)) {
    for (const line of event.recurrence) {
      if (typeof line !== 'string' || !recurrenceLine.test(line)) continue;
      const zone = /;TZID=([^;:]+)/i.exec(line)?.[1];
      if (zone && isKnownZone(zone)) zones.note(zone);
      const colon = line.indexOf(':');
      out += contentLine(line.slice(0, colon), line.slice(colon + 1));
    }
  }
  out += textLine('SUMMARY', event.summary);
  out += textLine('DESCRIPTION', event.description);
  out += textLine('LOCATION', event.location);
  const status = typeof event.status === 'string' ? event.status.toUpperCase() : '';
  if (['CONFIRMED', 'TENTATIVE', 'CANCELLED'].includes(status)) out += contentLine('STATUS', status);
  if (event.transparency === 'transparent') out += contentLine('TRANSP', 'TRANSPARENT');
  else out += contentLine('TRANSP', 'OPAQUE');
  if (event.visibility === 'private' || event.visibility === 'confidential' || event.visibility === 'public') {
    out += contentLine('CLASS', event.visibility.toUpperCase());
  }
  if (typeof event.sequence === 'number') out += contentLine('SEQUENCE', String(event.sequence));
  if (typeof event.htmlLink === 'string') out += contentLine('URL', event.htmlLink);
  if (event.organizer && typeof event.organizer === 'object') out += personLine('ORGANIZER', event.organizer as Person);
  if (Array.isArray(event.attendees)) {
    for (const attendee of event.attendees)
      if (attendee && typeof attendee === 'object') out += personLine('ATTENDEE', attendee);
  }
  const reminders = (event.reminders as { overrides?: Array<{ minutes?: number }> } | undefined)?.overrides;
  for (const reminder of reminders ?? []) {
    if (typeof reminder.minutes !== 'number') continue;
    out +=
      'BEGIN:VALARM\r\nACTION:DISPLAY\r\n' +
      textLine('DESCRIPTION', typeof event.summary === 'string' && event.summary ? event.summary : 'Reminder') +
      `TRIGGER:-PT${Math.max(0, Math.round(reminder.minutes))}M\r\nEND:VALARM\r\n`;
  }
  return `${out}END:VEVENT\r\n`;
}

export function icsHeader(calendarName?: string): string {
  return (
    'BEGIN:VCALENDAR\r\nVERSION:2.0\r\n' +
    contentLine('PRODID', productId) +
    'CALSCALE:GREGORIAN\r\n' +
    textLine('X-WR-CALNAME', calendarName)
  );
}

export function icsFooter(zones: TimeZones): string {
  return `${zones.render()}END:VCALENDAR\r\n`;
}

/** A whole .ics for a few events (the single-event download). */
export function renderIcs(events: Array<Record<string, unknown>>, calendarName?: string): string {
  const zones = new TimeZones();
  return icsHeader(calendarName) + events.map((event) => renderVevent(event, zones)).join('') + icsFooter(zones);
}
