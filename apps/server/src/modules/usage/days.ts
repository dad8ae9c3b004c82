// UTC calendar arithmetic for usage: days as 'YYYY-MM-DD', months as 'YYYY-MM'. Billing days
// are UTC days everywhere (the job, the report, the CSV), whatever the reader's time zone.

/** How long snapshots are kept (issue 18 #4). */
export const retentionYears = 3;

export const utcDay = (at: Date): string => at.toISOString().slice(0, 10);
export const utcMonth = (at: Date): string => at.toISOString().slice(0, 7);

/** The day before `day`. */
export function previousDay(day: string): string {
  const at = new Date(`${day}T00:00:00Z`);
  at.setUTCDate(at.getUTCDate() - 1);
  return utcDay(at);
}

/** The first instant after `day` (its end, exclusive). */
export const endOfDay = (day: string): Date => new Date(new Date(`${day}T00:00:00Z`).getTime() + 24 * 3600_000);

/** The first day of a month, as stored in usage_months.month. */
export const firstDay = (month: string): string => `${month}-01`;

/** The oldest day kept on `today`: the same date `retentionYears` earlier. */
export function oldestKeptDay(today: string): string {
  const at = new Date(`${today}T00:00:00Z`);
  at.setUTCFullYear(at.getUTCFullYear() - retentionYears);
  return utcDay(at);
}

/** The months a report can be asked for on `today`, newest first: this one back to the oldest kept. */
export function reportMonths(today: string): string[] {
  const oldest = oldestKeptDay(today).slice(0, 7);
  const months: string[] = [];
  const at = new Date(`${today.slice(0, 7)}-01T00:00:00Z`);
  while (utcMonth(at) >= oldest) {
    months.push(utcMonth(at));
    at.setUTCMonth(at.getUTCMonth() - 1);
  }
  return months;
}
