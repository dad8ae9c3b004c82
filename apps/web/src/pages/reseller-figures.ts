// How the Reseller Console writes its figures: shares as percentages, bytes in binary units,
// times in the one format of ../format.ts, and "—" where there is no figure (no licensed users, no run yet).
import { none } from '../format.ts';

export { bytes, date, dateTime, none } from '../format.ts';

export function percent(share: number | null): string {
  if (share === null) return none;
  const value = share * 100;
  return `${value === 100 || value === 0 ? value.toFixed(0) : value.toFixed(1)} %`;
}

export const statusLabels: Record<string, string> = {
  trial: 'Trial',
  active: 'Active',
  suspended: 'Suspended',
  cancelled: 'Cancelled',
};
export const statusColors: Record<string, string> = {
  trial: 'blue',
  active: 'green',
  suspended: 'orange',
  cancelled: 'gray',
};
