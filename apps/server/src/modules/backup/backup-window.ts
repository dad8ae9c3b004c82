// The daily backup window in the tenant's time zone (issue 19 item 2, PRODUCT.md §3 "Schedule"):
// the hours, as the tenant's clocks show them, in which the scheduled backup of each user starts.
// Each user (or shared drive) has a slot: a stable hash of their id picks a minute of the window,
// the same wall-clock time every day, so a tenant's load spreads across the window and a user's
// backups come at a steady time. Pure functions of an instant and the window; no I/O.
//
// Wall-clock to instant follows the "compatible" rule of Temporal (TC39): a time skipped by a
// spring-forward change moves forward by the gap (02:30 → 03:30 in Paris), a time repeated by a
// fall-back change takes its first occurrence. So on DST days the window is an hour shorter or
// longer in real time, and a slot always falls inside it.
import { createHash } from 'node:crypto';
import { z } from 'zod';

const DAY_MS = 86_400_000;

/** Whether `name` is an IANA time zone this runtime knows ("Europe/Paris", "UTC"); offsets are refused. */
export function isTimeZone(name: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+-]*(\/[A-Za-z0-9_+-]+)*$/.test(name)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

/** The runtime's spelling of a valid zone ("europe/paris" → "Europe/Paris"). */
export function canonicalTimeZone(name: string): string {
  return new Intl.DateTimeFormat('en-US', { timeZone: name }).resolvedOptions().timeZone;
}

/** An IANA time zone name (store it as canonicalTimeZone spells it). */
export const timeZoneSchema = z
  .string()
  .max(64)
  .refine(isTimeZone, { message: 'must be an IANA time zone name such as "Europe/Paris" or "UTC"' })
  .describe('IANA time zone name, e.g. "Europe/Paris"');

export interface ZonedWindow {
  /** IANA time zone name; the hours below are its wall-clock hours. */
  timeZone: string;
  /** First hour of the window, 0–23. */
  startHour: number;
  /** Length in hours, 1–24; start + hours past 24 ends the next day. */
  hours: number;
}

/** A calendar day in some zone. */
export interface LocalDay {
  year: number;
  month: number;
  day: number;
}

const formatters = new Map<string, Intl.DateTimeFormat>();
function formatterOf(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: 'numeric',
      day: 'numeric',
      hour: 'numeric',
      minute: 'numeric',
      second: 'numeric',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** The wall-clock fields of an instant in a zone. */
function wallClock(timeZone: string, at: number): LocalDay & { hour: number; minute: number; second: number } {
  const fields: Record<string, number> = {};
  for (const part of formatterOf(timeZone).formatToParts(at)) {
    if (part.type !== 'literal') fields[part.type] = Number(part.value);
  }
  return {
    year: fields.year ?? 1970,
    month: fields.month ?? 1,
    day: fields.day ?? 1,
    hour: fields.hour ?? 0,
    minute: fields.minute ?? 0,
    second: fields.second ?? 0,
  };
}

/** The zone's offset from UTC at an instant, in ms (Paris in winter: +3,600,000). */
function offsetAt(timeZone: string, at: number): number {
  const wall = wallClock(timeZone, at);
  const asUtc = Date.UTC(wall.year, wall.month - 1, wall.day, wall.hour, wall.minute, wall.second);
  return asUtc - Math.floor(at / 1000) * 1000;
}

/** The calendar day an instant falls on in a zone. */
export function localDayOf(timeZone: string, at: Date | number): LocalDay {
  const { year, month, day } = wallClock(timeZone, typeof at === 'number' ? at : at.getTime());
  return { year, month, day };
}

/** The day `days` after `day` (negative: before). */
export function addDays(day: LocalDay, days: number): LocalDay {
  const moved = new Date(Date.UTC(day.year, day.month - 1, day.day + days));
  return { year: moved.getUTCFullYear(), month: moved.getUTCMonth() + 1, day: moved.getUTCDate() };
}

/**
 * The instant at which the zone's clocks show `minutes` past midnight of `day` (minutes may pass
 * 1440: the next day). Skipped times move forward by the gap; repeated times take the first.
 */
export function zonedInstant(timeZone: string, day: LocalDay, minutes: number): number {
  const wall = Date.UTC(day.year, day.month - 1, day.day, 0, minutes);
  // A zone changes its offset at most once around any given day, so the offsets a day before and
  // after are the only candidates.
  const before = offsetAt(timeZone, wall - DAY_MS);
  const after = offsetAt(timeZone, wall + DAY_MS);
  const fits = [wall - before, wall - after].filter((at) => at + offsetAt(timeZone, at) === wall);
  if (fits.length > 0) return Math.min(...fits);
  return wall - before; // In a gap: the earlier offset puts it after the change, by the gap.
}

/** Minutes into the window at which a subject's slot opens: a stable hash of its id. */
export function slotOffsetMinutes(subjectId: string, window: Pick<ZonedWindow, 'hours'>): number {
  const hash = createHash('sha256').update(subjectId).digest();
  return hash.readUInt32BE(0) % (window.hours * 60);
}

/** The slot's wall-clock time, minutes after midnight (0–1439). */
export function slotMinuteOfDay(subjectId: string, window: ZonedWindow): number {
  return (window.startHour * 60 + slotOffsetMinutes(subjectId, window)) % 1440;
}

export interface WindowOccurrence {
  /** The local day the window starts on. */
  day: LocalDay;
  start: number;
  end: number;
}

function occurrenceOn(window: ZonedWindow, day: LocalDay): WindowOccurrence {
  const startMinutes = window.startHour * 60;
  return {
    day,
    start: zonedInstant(window.timeZone, day, startMinutes),
    end: zonedInstant(window.timeZone, day, startMinutes + window.hours * 60),
  };
}

/** The occurrence of the window that contains `now` (it may have begun yesterday), or null outside it. */
export function currentWindow(now: Date, window: ZonedWindow): WindowOccurrence | null {
  const today = localDayOf(window.timeZone, now);
  for (const day of [addDays(today, -1), today]) {
    const occurrence = occurrenceOn(window, day);
    if (occurrence.start <= now.getTime() && now.getTime() < occurrence.end) return occurrence;
  }
  return null;
}

/** When a subject's slot opens in the window that starts on `day`. */
export function slotAt(subjectId: string, window: ZonedWindow, day: LocalDay): Date {
  return new Date(zonedInstant(window.timeZone, day, window.startHour * 60 + slotOffsetMinutes(subjectId, window)));
}

/** The first opening of a subject's slot at or after `now`: when its next scheduled backup starts. */
export function nextSlotAt(subjectId: string, window: ZonedWindow, now: Date): Date {
  const today = localDayOf(window.timeZone, now);
  for (let days = -1; days <= 2; days++) {
    const at = slotAt(subjectId, window, addDays(today, days));
    if (at.getTime() >= now.getTime()) return at;
  }
  // Unreachable: a slot opens every day. Kept so the type is total.
  return new Date(now.getTime() + DAY_MS);
}

/** "HH:MM" of minutes after midnight. */
export function clockTime(minuteOfDay: number): string {
  const hour = Math.floor(minuteOfDay / 60) % 24;
  return `${String(hour).padStart(2, '0')}:${String(minuteOfDay % 60).padStart(2, '0')}`;
}

/** The wall-clock span of the slots of some subjects, in window order (a window may cross midnight). */
export function slotSpan(
  subjectIds: readonly string[],
  window: ZonedWindow,
): { subjects: number; first: string | null; last: string | null } {
  if (subjectIds.length === 0) return { subjects: 0, first: null, last: null };
  let first = Number.POSITIVE_INFINITY;
  let last = 0;
  for (const id of subjectIds) {
    const offset = slotOffsetMinutes(id, window);
    first = Math.min(first, offset);
    last = Math.max(last, offset);
  }
  const at = (offset: number) => clockTime((window.startHour * 60 + offset) % 1440);
  return { subjects: subjectIds.length, first: at(first), last: at(last) };
}
