// What the console says about a restore or an export (issue 17, jobs in the UI), as pure
// functions the progress bar, the summaries, the notifications and the "Restores and exports"
// page share: progress as items done of the total, the sentence a finished job ends with, what
// a restore selected, and the two server lists (restores, exports) merged into one, newest
// first, paged by a cursor holding how far each list has been read.
import type { DataExport, JobKind, RestoreSummary } from '../api/jobs.ts';
import { bytes, count, date } from '../format.ts';

type ServiceKey = RestoreSummary['service'];
const serviceLabels: Record<ServiceKey, string> = {
  gmail: 'Mail',
  drive: 'Drive',
  calendar: 'Calendar',
  contacts: 'Contacts',
};
export const serviceLabel = (service: string): string => serviceLabels[service as ServiceKey] ?? service;

/** Whether the job is still to do or being done (the console polls it then). */
export function isActive(status: string): boolean {
  return status === 'queued' || status === 'running';
}

export interface Progress {
  done: number;
  total: number;
}

/** A restore has done an item once it is restored, skipped (already there) or failed. */
export function restoreProgress(restore: Pick<RestoreSummary, 'total' | 'restored' | 'skipped' | 'failed'>): Progress {
  return { done: restore.restored + restore.skipped + restore.failed, total: restore.total };
}

export function exportProgress(job: Pick<DataExport, 'itemsDone' | 'itemsTotal'>): Progress {
  return { done: job.itemsDone, total: job.itemsTotal };
}

/**
 * The bar's fill in whole percent, 0–100. A job with nothing to do is empty while it waits and
 * full once it has ended; counts never push it past either end.
 */
export function percentDone(progress: Progress, ended: boolean): number {
  if (progress.total <= 0) return ended ? 100 : 0;
  return Math.max(0, Math.min(100, Math.floor((progress.done / progress.total) * 100)));
}

/** "3 of 10 items" — what the bar says in words (its aria-valuetext too). */
export function progressText(progress: Progress, bytesDone?: number): string {
  const items = `${count(progress.done)} of ${count(progress.total)} ${progress.total === 1 ? 'item' : 'items'}`;
  return bytesDone === undefined ? items : `${items} · ${bytes(bytesDone)} written`;
}

/**
 * What the bar says: the items, or "Preparing…" while a job has not counted its items yet (a
 * restore plans them first; "0 of 0 items" would read as nothing to do).
 */
export function progressWords(progress: Progress, ended: boolean, bytesDone?: number): string {
  if (!ended && progress.total === 0) return 'Preparing…';
  return progressText(progress, bytesDone);
}

/** What a restore took: the whole service, a label or folder, some items, or a search. */
export function selectionSummary(service: string, selection: RestoreSummary['selection']): string {
  const what = serviceLabel(service);
  if (selection.label !== undefined) return `${what}: label “${selection.label}”`;
  if (selection.folder !== undefined) return `${what}: folder “${selection.folder}”`;
  if (selection.items !== undefined) {
    const n = selection.items.length;
    return `${what}: ${count(n)} selected ${n === 1 ? 'item' : 'items'}`;
  }
  if (selection.query !== undefined) return `${what}: search “${selection.query}”`;
  return `${what}: everything`;
}

/**
 * Who and where: "alice@x → bob@x" when restored into another user; a shared drive by its name
 * ("Marketing", restored into itself, or "Marketing → bob@x").
 */
export function restoreTarget(restore: Pick<RestoreSummary, 'user' | 'to' | 'subjectName'>): string {
  return restore.to && restore.to !== restore.user ? `${restore.subjectName} → ${restore.to}` : restore.subjectName;
}

/**
 * What a restore's item is called in its report: its backed-up title (subject, file name, event
 * title, contact name), or, when the item has none, its key (a Gmail or Drive id) — shown then
 * as a fallback, not as a name.
 */
export function restoreItemName(item: { itemKey: string; title: string | null }): { text: string; isKey: boolean } {
  const title = item.title?.trim();
  return title ? { text: title, isKey: false } : { text: item.itemKey, isKey: true };
}

export interface JobOutcome {
  /** "Restore finished", "Export ready", "Restore failed", … — the notification's title. */
  title: string;
  /** The whole sentence, title and figures: what the status text and the notification say. */
  text: string;
  ok: boolean;
}

type RestoreCounts = Pick<RestoreSummary, 'status' | 'restored' | 'skipped' | 'failed' | 'error'>;

/** The sentence an ended restore ends with; null while it is queued or running. */
export function restoreOutcome(restore: RestoreCounts): JobOutcome | null {
  if (isActive(restore.status)) return null;
  const counts = `${count(restore.restored)} restored, ${count(restore.skipped)} skipped, ${count(restore.failed)} failed`;
  if (restore.status === 'failed') {
    const why = restore.error ?? 'no item could be restored (the reasons are listed below)';
    return { title: 'Restore failed', text: `Restore failed: ${why} (${counts}).`, ok: false };
  }
  return { title: 'Restore finished', text: `Restore finished: ${counts}.`, ok: restore.status === 'success' };
}

type ExportFacts = Pick<
  DataExport,
  'status' | 'itemsDone' | 'zipBytes' | 'expiresAt' | 'downloadUrl' | 'error' | 'finishedAt'
>;

/** The sentence an ended export ends with; null while it is queued or running. */
export function exportOutcome(job: ExportFacts): JobOutcome | null {
  if (isActive(job.status)) return null;
  if (job.status === 'failed') {
    return {
      title: 'Export failed',
      text: `Export failed: ${job.error ?? 'the zip could not be built'}. Start a new export to try again.`,
      ok: false,
    };
  }
  if (job.status === 'expired' || job.downloadUrl === null) {
    return {
      title: 'Export expired',
      text: `Export expired${job.expiresAt ? ` on ${date(job.expiresAt)}` : ''}: its zip was deleted. Start a new export to download the data again.`,
      ok: false,
    };
  }
  const items = `${count(job.itemsDone)} ${job.itemsDone === 1 ? 'item' : 'items'}`;
  const size = job.zipBytes === null ? '' : `, ${bytes(job.zipBytes)}`;
  return {
    title: 'Export ready',
    text: `Export ready: ${items}${size}, kept until ${date(job.expiresAt)}.`,
    ok: true,
  };
}

/** One row of the "Restores and exports" page. */
export interface JobRow {
  kind: JobKind;
  id: string;
  createdAt: string;
  finishedAt: string | null;
  status: string;
  /** Whose data: the user (and where a restore went). */
  who: string;
  /** What: the service and selection of a restore, the services of an export. */
  what: string;
  progress: Progress;
  outcome: JobOutcome | null;
}

export function restoreRow(restore: RestoreSummary): JobRow {
  return {
    kind: 'restore',
    id: restore.id,
    createdAt: restore.createdAt,
    finishedAt: restore.finishedAt,
    status: restore.status,
    who: restoreTarget(restore),
    what: selectionSummary(restore.service, restore.selection),
    progress: restoreProgress(restore),
    outcome: restoreOutcome(restore),
  };
}

/** What an export holds: its services, or its one service's selection ("Mail: label “Work”"). */
export function exportWhat(job: Pick<DataExport, 'services' | 'selection'>): string {
  const [service] = job.services;
  return job.selection && service
    ? selectionSummary(service, job.selection)
    : job.services.map(serviceLabel).join(', ');
}

/** Whose backups an export holds: the user's email, or the shared drive's name (its id if unnamed). */
export function exportSubject(job: Pick<DataExport, 'user' | 'sharedDrive'>): string {
  return job.sharedDrive ? `Shared drive ${job.sharedDrive.name ?? job.sharedDrive.id}` : job.user;
}

export function exportRow(job: DataExport): JobRow {
  return {
    kind: 'export',
    id: job.id,
    createdAt: job.createdAt,
    finishedAt: job.finishedAt,
    status: job.status,
    who: exportSubject(job),
    what: exportWhat(job),
    progress: exportProgress(job),
    outcome: exportOutcome(job),
  };
}

/** Newest first; equal times in a fixed order (by id) so pages never swap rows. */
export function newestFirst(a: JobRow, b: JobRow): number {
  if (a.createdAt !== b.createdAt) return a.createdAt < b.createdAt ? 1 : -1;
  return a.id < b.id ? 1 : a.id > b.id ? -1 : 0;
}

/** How far each list has been read: the offsets of the next page's first restore and export. */
export interface JobCursor {
  restores: number;
  exports: number;
}
export const firstPage: JobCursor = { restores: 0, exports: 0 };

export interface JobPage {
  rows: JobRow[];
  /** Where the next (older) page starts, or null when this is the last page. */
  next: JobCursor | null;
}

/**
 * One page of the two lists merged, newest first. Each list, newest first, was read from the
 * cursor's offset, up to `size + 1` rows: the page takes the newest `size` of both, and the
 * next page continues each list after the rows this page took from it. Since neither list
 * holds anything newer past what was read, no job is skipped or shown twice.
 */
export function mergeJobPage(
  cursor: JobCursor,
  restores: readonly RestoreSummary[],
  exports: readonly DataExport[],
  size: number,
): JobPage {
  const all = [...restores.map(restoreRow), ...exports.map(exportRow)].sort(newestFirst);
  const rows = all.slice(0, size);
  if (all.length <= size) return { rows, next: null };
  const taken = (kind: JobKind) => rows.filter((row) => row.kind === kind).length;
  return {
    rows,
    next: { restores: cursor.restores + taken('restore'), exports: cursor.exports + taken('export') },
  };
}

export function jobPath(kind: JobKind, id: string): string {
  return kind === 'restore' ? `/customer/restores/${id}` : `/customer/exports/${id}`;
}
