// PGlite is single-process: a second process opening the same data dir silently loses data.
// The process that opens it takes this lock file beside the data dir (DESIGN.md §2). The
// file holds the owner's pid, its start time (so a reused pid is recognised as stale) and the
// URL of the server it runs, if any. It is written to a private file first and then linked
// into place (link fails if the name exists), so no other process ever reads it half-written
// — an empty lock file would look stale and be taken over from a live owner.
import { linkSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';

export interface LockOwner {
  pid: number;
  /** Kernel start time of the process (clock ticks since boot on Linux), or null. */
  startTime: string | null;
  url: string | null;
  command: string;
  acquiredAt: string;
}

/** The data dir is held by another live process. CLI exit code 3. */
export class DataDirLockedError extends Error {
  override name = 'DataDirLockedError';
  readonly owner: LockOwner;
  readonly lockPath: string;

  constructor(lockPath: string, owner: LockOwner) {
    const where = owner.url ? ` serving ${owner.url}` : '';
    super(
      `The data directory is in use by another Safehold process (pid ${owner.pid}, "${owner.command}"${where}, ` +
        `since ${owner.acquiredAt}). PGlite allows one process at a time: stop that process first, ` +
        `or run Safehold on PostgreSQL (DATABASE_URL) to use several processes. Lock file: ${lockPath}`,
    );
    this.owner = owner;
    this.lockPath = lockPath;
  }
}

export function processStartTime(pid: number): string | null {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // Field 22 (starttime); the command name (field 2) may contain spaces, so count from ')'.
    const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return fields[19] ?? null;
  } catch {
    return null;
  }
}

function isAlive(owner: LockOwner): boolean {
  if (!Number.isInteger(owner.pid) || owner.pid <= 0) return false;
  try {
    process.kill(owner.pid, 0);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ESRCH') return false;
  }
  // On Linux a different start time means the pid now belongs to another process.
  const current = processStartTime(owner.pid);
  if (owner.pid === process.pid) {
    // Our own pid: held by this very process (a second open would lose data) unless the lock
    // was left by an earlier process that had the same pid (common as pid 1 in containers).
    return owner.startTime !== null && current === owner.startTime;
  }
  return owner.startTime === null || current === null || current === owner.startTime;
}

/** Writes `content` under a private name, then links it to `target`; throws EEXIST if taken. */
function createComplete(target: string, content: string): void {
  const temporary = `${target}.${process.pid}.${Math.random().toString(36).slice(2)}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600, flag: 'wx' });
  try {
    linkSync(temporary, target);
  } finally {
    rmSync(temporary, { force: true });
  }
}

function readOwner(lockPath: string): LockOwner | null {
  try {
    return JSON.parse(readFileSync(lockPath, 'utf8')) as LockOwner;
  } catch {
    return null;
  }
}

export interface DataDirLock {
  readonly path: string;
  /** Records the URL the server listens on, for the message a second process prints. */
  setUrl(url: string): void;
  release(): void;
}

export function acquireDataDirLock(lockPath: string, command: string): DataDirLock {
  const owner: LockOwner = {
    pid: process.pid,
    startTime: processStartTime(process.pid),
    url: null,
    command,
    acquiredAt: new Date().toISOString(),
  };
  for (let attempt = 0; attempt < 5; attempt++) {
    try {
      createComplete(lockPath, JSON.stringify(owner));
      return makeLock(lockPath, owner);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    }
    const existing = readOwner(lockPath);
    if (existing && isAlive(existing)) {
      throw new DataDirLockedError(lockPath, existing);
    }
    takeOverStale(lockPath, existing);
  }
  throw new Error(`Could not take the data directory lock ${lockPath}: it keeps changing hands`);
}

/**
 * Moves a stale lock aside. Two processes may judge the same lock stale at once; moving it
 * aside (atomic rename) and checking that what moved is what was judged stale means only
 * the stale file is ever removed — a live lock moved by mistake is put back.
 */
function takeOverStale(lockPath: string, judged: LockOwner | null): void {
  const aside = `${lockPath}.stale-${process.pid}-${Date.now()}`;
  try {
    renameSync(lockPath, aside);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code === 'ENOENT') return;
    throw error;
  }
  const moved = readOwner(aside);
  const sameAsJudged =
    moved === null || (judged !== null && moved.pid === judged.pid && moved.acquiredAt === judged.acquiredAt);
  if (!sameAsJudged && moved && isAlive(moved)) {
    // Put it back with link, which (unlike rename) never replaces a lock taken meanwhile.
    try {
      linkSync(aside, lockPath);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    } finally {
      rmSync(aside, { force: true });
    }
    return;
  }
  rmSync(aside, { force: true });
}

function makeLock(lockPath: string, owner: LockOwner): DataDirLock {
  let released = false;
  // Replaced whole by rename: truncating in place would let a reader see an empty file.
  const rewrite = () => {
    const temporary = `${lockPath}.${process.pid}.url.tmp`;
    writeFileSync(temporary, JSON.stringify(owner), { mode: 0o600 });
    renameSync(temporary, lockPath);
  };
  return {
    path: lockPath,
    setUrl(url) {
      owner.url = url;
      if (!released) rewrite();
    },
    release() {
      if (released) return;
      released = true;
      const current = readOwner(lockPath);
      if (current?.pid === owner.pid && current.acquiredAt === owner.acquiredAt) rmSync(lockPath, { force: true });
    },
  };
}
