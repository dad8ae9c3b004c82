// Test fixture: a process that tries to take a data-dir lock, prints "won" or "locked <pid>",
// and holds what it won until its stdin closes.
import { acquireDataDirLock, DataDirLockedError } from './data-dir-lock.ts';

const lockPath = process.argv[2] as string;
try {
  const lock = acquireDataDirLock(lockPath, 'contender');
  process.stdout.write('won\n');
  process.stdin.resume();
  process.stdin.on('end', () => lock.release());
} catch (error) {
  if (error instanceof DataDirLockedError) process.stdout.write(`locked ${error.owner.pid}\n`);
  else process.stdout.write(`error ${(error as Error).stack}\n`);
}
