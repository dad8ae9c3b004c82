// Who may read Safehold's local state: only the account it runs as. The data dir holds the
// database (every tenant's metadata), the generated master key and by default the backups, so
// it is 0700 and everything in it 0600: the process's umask sees to what Node creates, and
// PGlite's files, whose modes its WASM file system sets itself, are tightened by a walk.
import { chmodSync, lstatSync, mkdirSync, readdirSync, statSync } from 'node:fs';
import path from 'node:path';
import { ConfigError } from './config-error.ts';

/** No permission for group or others on anything this process creates. */
export const privateUmask = 0o077;

/** Whether this platform has Unix permission bits worth checking (Windows has none). */
const hasUnixModes = process.platform !== 'win32';

/**
 * Makes everything this process creates from now on private (files 0600, directories 0700).
 * Called first thing by the `safehold` CLI, so it covers every command that writes the data
 * dir (`start`, `worker`, maintenance commands, `repo`, `emulator`).
 */
export function restrictNewFileModes(): void {
  if (hasUnixModes) process.umask(privateUmask);
}

/** Octal for messages, e.g. 0755. */
export function formatMode(mode: number): string {
  return `0${(mode & 0o777).toString(8).padStart(3, '0')}`;
}

/**
 * Creates the data dir 0700, or tightens an existing one that group or others may enter:
 * once the directory is closed, nothing inside it (older files included, whatever their mode)
 * can be reached by another account. Returns the mode it had when it was tightened.
 * A directory this account cannot chmod (someone else owns it) is refused, naming the fix.
 */
export function preparePrivateDataDir(dir: string): { tightenedFrom: number | null } {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  if (!hasUnixModes) return { tightenedFrom: null };
  const mode = statSync(dir).mode & 0o777;
  if ((mode & privateUmask) === 0) return { tightenedFrom: null };
  try {
    chmodSync(dir, 0o700);
  } catch (error) {
    throw new ConfigError(
      `SAFEHOLD_DATA_DIR ${dir} is open to group or others (mode ${formatMode(mode)}) and could not be made private ` +
        `(${(error as NodeJS.ErrnoException).code ?? 'error'}): run "chmod 700 ${dir}" as its owner`,
    );
  }
  return { tightenedFrom: mode };
}

/**
 * Refuses a key file that group or others may read or write: a master key readable by another
 * account opens every backup of the installation.
 */
export function assertPrivateKeyFile(file: string, what: string): void {
  if (!hasUnixModes) return;
  const mode = statSync(file).mode & 0o777;
  if ((mode & privateUmask) === 0) return;
  throw new ConfigError(
    `${what} ${file} is open to group or others (mode ${formatMode(mode)}): run "chmod 600 ${file}" ` +
      '(and make sure only the account Safehold runs as owns it), then start again',
  );
}

/**
 * Takes group and other permissions off everything under `dir` (symlinks are not followed).
 * For PGlite's directory: the umask does not reach it, because PGlite's WASM file system
 * chmods what it creates — the files of a new cluster to 0666, later ones through its own
 * emulated umask (022) — so the files are tightened after it opens and after it closes.
 */
export function removeGroupAndOtherAccess(dir: string): void {
  if (!hasUnixModes) return;
  const visit = (current: string) => {
    try {
      const stat = lstatSync(current);
      if (stat.isSymbolicLink()) return;
      if (stat.mode & privateUmask) chmodSync(current, stat.mode & 0o700);
      if (stat.isDirectory()) for (const entry of readdirSync(current)) visit(path.join(current, entry));
    } catch (error) {
      // A file (or the whole directory) removed meanwhile has no mode left to tighten.
      if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    }
  };
  visit(dir);
}
