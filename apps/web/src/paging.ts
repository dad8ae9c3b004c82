// Server paging as the lists show it: how many pages, which page an offset is, and the
// "26–50 of 10,000 users" line under a table.
import { count } from './format.ts';

export function pageCount(total: number, pageSize: number): number {
  return Math.max(1, Math.ceil(total / pageSize));
}

export function pageOffset(page: number, pageSize: number): number {
  return (Math.max(1, page) - 1) * pageSize;
}

/** "26–50 of 10,000 users"; "No users" for an empty list; the noun in the singular for one. */
export function rangeText(offset: number, shown: number, total: number, noun: { one: string; many: string }): string {
  if (total === 0) return `No ${noun.many}`;
  const name = total === 1 ? noun.one : noun.many;
  return `${count(offset + 1)}–${count(offset + shown)} of ${count(total)} ${name}`;
}
