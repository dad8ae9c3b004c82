// How the Reseller Console writes its figures: shares as percentages, bytes in binary units,
// times as local dates, and "—" where there is no figure (no licensed users, no run yet).
export const none = '—';

export function percent(share: number | null): string {
  if (share === null) return none;
  const value = share * 100;
  return `${value === 100 || value === 0 ? value.toFixed(0) : value.toFixed(1)} %`;
}

export function bytes(count: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB', 'PiB'];
  let value = count;
  let unit = 0;
  while (value >= 1024 && unit < units.length - 1) {
    value /= 1024;
    unit++;
  }
  return `${unit === 0 ? value : value.toFixed(1)} ${units[unit]}`;
}

export function dateTime(iso: string | null): string {
  return iso ? new Date(iso).toLocaleString() : none;
}

export function date(iso: string | null): string {
  return iso ? new Date(iso).toLocaleDateString() : none;
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
