// The restores and exports this browser remembers per person and customer (a browser shared by
// two people of one tenant shows neither the other's jobs), so that the header's
// notifications find them again after a reload (issue 17: a job "leaves a notification that
// links back to it"). The jobs themselves live on the server; this keeps only which ones to
// watch, how each ended and whether its ending was seen — bounded, newest first, in
// localStorage. The list logic is pure; rememberJob() and the store wrap it around storage.
import type { JobKind } from '../api/jobs.ts';

/** Whose jobs a list holds: the signed-in person, in one customer tenant. */
export interface JobOwner {
  customerId: string;
  personId: string;
}

/** How many jobs are remembered per person and customer: older ones drop off. */
export const rememberedLimit = 20;

export interface RememberedJob {
  kind: JobKind;
  jobId: string;
  /** What the job is, in words ("Restore · Mail of alice@…"). */
  label: string;
  rememberedAt: string;
  /** Set once the job has ended, with what the notification says. */
  ended: { at: string; title: string; text: string; ok: boolean } | null;
  /** Whether its ending was seen (the notifications menu was opened after it). */
  read: boolean;
}

export interface JobRef {
  kind: JobKind;
  jobId: string;
}

const sameJob = (a: JobRef, b: JobRef) => a.kind === b.kind && a.jobId === b.jobId;

/** Adds a job (first), unless it is remembered already; keeps the newest `rememberedLimit`. */
export function addJob(jobs: readonly RememberedJob[], job: JobRef & { label: string }, now: Date): RememberedJob[] {
  if (jobs.some((known) => sameJob(known, job))) return [...jobs];
  const added: RememberedJob = {
    kind: job.kind,
    jobId: job.jobId,
    label: job.label,
    rememberedAt: now.toISOString(),
    ended: null,
    read: false,
  };
  return [added, ...jobs].slice(0, rememberedLimit);
}

/** Records how a job ended (once: a later poll of the same ending changes nothing). */
export function recordEnd(
  jobs: readonly RememberedJob[],
  job: JobRef,
  outcome: { title: string; text: string; ok: boolean },
  now: Date,
): RememberedJob[] {
  return jobs.map((known) =>
    sameJob(known, job) && known.ended === null
      ? { ...known, ended: { at: now.toISOString(), ...outcome }, read: false }
      : known,
  );
}

export function markAllRead(jobs: readonly RememberedJob[]): RememberedJob[] {
  return jobs.map((job) => (job.ended && !job.read ? { ...job, read: true } : job));
}

/** Ended jobs whose notification has not been seen. */
export function unreadCount(jobs: readonly RememberedJob[]): number {
  return jobs.filter((job) => job.ended && !job.read).length;
}

/** Jobs still to watch (not known to have ended). */
export function unfinished(jobs: readonly RememberedJob[]): RememberedJob[] {
  return jobs.filter((job) => job.ended === null);
}

function isRememberedJob(value: unknown): value is RememberedJob {
  if (typeof value !== 'object' || value === null) return false;
  const job = value as Record<string, unknown>;
  const ended = job.ended as Record<string, unknown> | null | undefined;
  return (
    (job.kind === 'restore' || job.kind === 'export') &&
    typeof job.jobId === 'string' &&
    typeof job.label === 'string' &&
    typeof job.rememberedAt === 'string' &&
    typeof job.read === 'boolean' &&
    (ended === null ||
      (typeof ended === 'object' &&
        typeof ended.at === 'string' &&
        typeof ended.title === 'string' &&
        typeof ended.text === 'string' &&
        typeof ended.ok === 'boolean'))
  );
}

/**
 * Reads what was stored. Storage is the browser's, so anything unreadable (another version,
 * a hand edit) is dropped rather than trusted.
 */
export function parseRemembered(raw: string | null): RememberedJob[] {
  if (!raw) return [];
  let value: unknown;
  try {
    value = JSON.parse(raw);
  } catch {
    return [];
  }
  return Array.isArray(value) ? value.filter(isRememberedJob).slice(0, rememberedLimit) : [];
}

/** The part of the Web Storage API this needs (tests pass their own). */
export type JobStorage = Pick<Storage, 'getItem' | 'setItem'>;

export const storageKey = (owner: JobOwner) => `safehold.jobs.${owner.customerId}.${owner.personId}`;

/** Tells the header in this tab (and, through the storage event, other tabs) that the list changed. */
const changedEvent = 'safehold:jobs-changed';

function browserStorage(): JobStorage | null {
  try {
    return typeof window === 'undefined' ? null : window.localStorage;
  } catch {
    // Storage can be switched off (privacy settings): then nothing is remembered.
    return null;
  }
}

/** The stored list as it is (a string compares equal while unchanged: React's store snapshot). */
export function storedJobs(owner: JobOwner, storage: JobStorage | null = browserStorage()): string | null {
  return storage?.getItem(storageKey(owner)) ?? null;
}

export function loadJobs(owner: JobOwner, storage: JobStorage | null = browserStorage()): RememberedJob[] {
  return parseRemembered(storedJobs(owner, storage));
}

/** Applies `change` to the stored list and tells listeners; returns the new list. */
export function updateJobs(
  owner: JobOwner,
  change: (jobs: RememberedJob[]) => RememberedJob[],
  storage: JobStorage | null = browserStorage(),
): RememberedJob[] {
  const before = loadJobs(owner, storage);
  const after = change(before);
  const raw = JSON.stringify(after);
  if (storage && raw !== JSON.stringify(before)) {
    try {
      storage.setItem(storageKey(owner), raw);
    } catch {
      // Full or refused storage: the job is still on the server and on the jobs page.
    }
    if (typeof window !== 'undefined') window.dispatchEvent(new Event(changedEvent));
  }
  return after;
}

/** Remembers a started (or watched) job, so the notifications find it again after a reload. */
export function rememberJob(
  job: { owner: JobOwner | null; kind: JobKind; jobId: string; label: string },
  options: { storage?: JobStorage | null; now?: Date } = {},
): void {
  if (!job.owner) return;
  updateJobs(
    job.owner,
    (jobs) => addJob(jobs, job, options.now ?? new Date()),
    options.storage === undefined ? browserStorage() : options.storage,
  );
}

/** Calls `listener` whenever the remembered jobs change, in this tab or another; returns the unsubscribe. */
export function subscribeJobs(listener: () => void): () => void {
  if (typeof window === 'undefined') return () => {};
  window.addEventListener(changedEvent, listener);
  window.addEventListener('storage', listener);
  return () => {
    window.removeEventListener(changedEvent, listener);
    window.removeEventListener('storage', listener);
  };
}
