// The backup module's public surface (issue 15): what other modules, the CLI and the jobs use.
// For now it holds the one way to start a backup; the rest of the module's callers move here
// as the module's other use cases get their front door.
export { runQueuedInProcess } from './backup-jobs.ts';
export type { EnqueuedRun, RunResult } from './backup-types.ts';
export {
  type BackupScope,
  type ChosenSource,
  type StartBackupDeps,
  type StartBackupInput,
  startBackup,
} from './start-backup.ts';
