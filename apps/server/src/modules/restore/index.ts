// The restore module's public surface (issue 15). It owns restores into Google Workspace: the
// `restores` and `restore_items` tables, the one way to start a restore (startRestore: the API
// and the CLI), the restore job and its runner (one writer per service), and the restore's
// status and report. Other modules, the CLI, the jobs, bench and e2e import only this file.
export { defineRestoreJobs, RESTORE_JOB, waitForRestore } from './restore-jobs.ts';
export { type RestoreHooks, type RestoreResult, type RunRestoreOptions, runRestore } from './restore-run.ts';
export {
  getRestore,
  type Restore,
  type RestoreCounts,
  type RestoreRequest,
  type RestoreSelection,
  type RestoreStatus,
  restoreErrors,
} from './restore-store.ts';
export { restoreModule } from './routes.ts';
export { type StartRestoreDeps, type StartRestoreInput, startRestore } from './start-restore.ts';
