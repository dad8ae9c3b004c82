// How every console writes figures (issue 17: one date format everywhere): times as the local
// date and time in one style ("4 Dec 2026, 20:41" in en-GB, "Dec 4, 2026, 8:41 PM" in en-US),
// dates alone in the same style, bytes in binary units, counts with the locale's grouping, and
// "—" where there is no figure (no run yet, nothing licensed).
export const none = '—';

/** The locale figures are written in: the browser's, overridable for tests. */
let locale: string | undefined;
export function setDisplayLocale(value: string | undefined): void {
  locale = value;
}

export function dateTime(iso: string | Date | null | undefined): string {
  if (!iso) return none;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeStyle: 'short' }).format(new Date(iso));
}

export function date(iso: string | Date | null | undefined): string {
  if (!iso) return none;
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium' }).format(new Date(iso));
}

/** A calendar month given as 'YYYY-MM' ("March 2026"): billing months are UTC months. */
export function month(yearMonth: string): string {
  return new Intl.DateTimeFormat(locale, { month: 'long', year: 'numeric', timeZone: 'UTC' }).format(
    new Date(`${yearMonth}-01T00:00:00Z`),
  );
}

/** A time of day alone ("20:41"), e.g. for "ends at HH:MM". */
export function timeOfDay(iso: string | Date): string {
  return new Intl.DateTimeFormat(locale, { timeStyle: 'short' }).format(new Date(iso));
}

export function count(value: number): string {
  return new Intl.NumberFormat(locale).format(value);
}

export function bytes(value: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let scaled = value;
  let unit = 0;
  while (scaled >= 1024 && unit < units.length - 1) {
    scaled /= 1024;
    unit++;
  }
  return `${unit === 0 ? scaled : scaled.toFixed(1)} ${units[unit]}`;
}

/** How long something took, from milliseconds: "850 ms", "12 s", "3 min 5 s", "1 h 2 min". */
export function duration(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return none;
  if (ms < 1000) return `${Math.round(ms)} ms`;
  const seconds = Math.round(ms / 1000);
  if (seconds < 60) return `${seconds} s`;
  const minutes = Math.floor(seconds / 60);
  if (minutes < 60) return `${minutes} min ${seconds % 60} s`;
  return `${Math.floor(minutes / 60)} h ${minutes % 60} min`;
}
