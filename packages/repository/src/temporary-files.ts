// Temporary files a killed filesystem writer left in `tmp/` (up to a whole pack, ~16 MiB, each):
// removed when a repository opens, but only those no live writer can hold (format §8,
// "Temporary files"). A writer takes its lock before it creates any temporary file and keeps the
// lock fresh while it lives, so a file last written before the oldest live lock was created (less
// the clock-skew margin gc uses) belongs to a writer that is gone. Files written in the last
// hours are kept whatever the locks say, so a writer whose lock went stale while it still runs
// (a stalled process) keeps the pack it is writing.
import type { Backend } from './backend.ts';
import { LOCK_STALE_MS, listLocks } from './repository-config.ts';

/** Temporary files written more recently than this are never removed. */
export const TEMPORARY_FILE_MIN_AGE_MS = 6 * 60 * 60 * 1000;
/** Clock skew allowed between a lock's creation time (writer's clock) and a file's (file system's). */
const CLOCK_MARGIN_MS = 10 * 60 * 1000;

/**
 * Removes the temporary files of writers that are gone; answers how many. `clock` is the one
 * lock times are written with; a file's age is also taken by the real clock (mtimes are real).
 * Best effort: a file that cannot be listed or removed (another user's, a busy network file
 * system) stays for a later open, and never stops this one.
 */
export async function removeAbandonedTemporaryFiles(backend: Backend, clock: () => Date): Promise<number> {
  try {
    return await removeAbandoned(backend, clock);
  } catch {
    return 0;
  }
}

async function removeAbandoned(backend: Backend, clock: () => Date): Promise<number> {
  if (!backend.temporaryFiles) return 0;
  const oldEnough = Math.min(Date.now(), clock().getTime()) - TEMPORARY_FILE_MIN_AGE_MS;
  const candidates = (await backend.temporaryFiles()).filter((file) => file.modified.getTime() < oldEnough);
  // Locks are read only when there is something to remove: most opens find no old file.
  if (candidates.length === 0) return 0;
  const now = clock().getTime();
  const liveSince = (await listLocks(backend))
    .filter(({ lock }) => now - Date.parse(lock.refreshed) < LOCK_STALE_MS)
    .map(({ lock }) => Date.parse(lock.created));
  const cutoff = Math.min(now, ...liveSince) - CLOCK_MARGIN_MS;
  let removed = 0;
  for (const file of candidates) {
    if (file.modified.getTime() >= cutoff) continue;
    const gone = await file.remove().then(
      () => true,
      () => false,
    );
    if (gone) removed++;
  }
  return removed;
}
