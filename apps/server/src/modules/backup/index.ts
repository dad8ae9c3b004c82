// The backup module's public surface (issue 15): what other modules, the CLI, the jobs, bench
// and e2e use. The module owns the backup engine and everything it keeps: the tenants'
// repository keys and blob index (tenant_repository_keys, repository_packs, repository_blobs),
// the sources and their runs (backup_sources, backup_runs, backup_run_errors), the item
// versions (backup_item_versions) and each tenant's schedule and maintenance state
// (backup_tenant_state). Other modules read them through the functions below, never the tables.

// Starting a backup: the one way in, for the API, the CLI and the scheduler.
// The jobs (runtime.ts registers them) and the API module (http/modules.ts).
export { defineBackupJobs, runQueuedInProcess } from './backup-jobs.ts';
export {
  BACKUP_JOB,
  type BackupService,
  type BackupSubject,
  backupServices,
  type EnqueuedRun,
  type RunResult,
  type RunStatus,
} from './backup-types.ts';
// The tenant repositories: keys, opening one, and what customers' hooks need.
export { backupCustomerHooks, tenantRepositoryStorage } from './customer-hooks.ts';
export { getBackupSummary, listUserBackups } from './dashboard.ts';
export { listSharedDriveSubjects } from './directory-subjects.ts';
export { GMAIL_BATCH } from './gmail-backup.ts';
// Reading the backed-up history (browse, search, restore, export).
export {
  calendarsAsOf,
  driveChildrenAsOf,
  FOLDER_MIME_TYPE,
  gmailLabelCounts,
  type LabelCount,
  listSourcesPage,
} from './history-lists.ts';
export {
  allVersionsAsOf,
  type BackupPoint,
  type BackupSource,
  backupPointOfRun,
  backupPoints,
  contentKind,
  countVersionsAsOf,
  findSource,
  type ItemVersion,
  itemVersions,
  readVersionBytes,
  readVersionObject,
  resolveBackupPoint,
  sourceById,
  type VersionFilter,
  versionAsOf,
  versionKey,
  versionsAsOf,
  versionsByKey,
} from './item-history.ts';
export {
  searchVersions,
  type VersionSearchFilter,
  type VersionSearchHit,
  type VersionSearchOptions,
} from './item-search.ts';
export { getRetention, MAINTENANCE_JOB, setRetention } from './maintenance.ts';
export { exportTenantKeys, type KeyExport, keyExportSchema, RecoverError, recoverTenant } from './recover.ts';
export { backupModule } from './routes.ts';
export { AUTHORISATION_LOST_REASON, type RunSourceOptions } from './run-source.ts';
export { backupWindowSchema, getBackupWindow, scheduleBackupJobs, setBackupWindow } from './schedule.ts';
// Small helpers the engine's neighbours share (bounded concurrency, batches, error text).
export { chunks, errorReason, forEachLimited } from './service-context.ts';
export {
  type BackupScope,
  type ChosenSource,
  type StartBackupDeps,
  type StartBackupInput,
  startBackup,
} from './start-backup.ts';
// Status and dashboards.
export { type BackupStatus, getBackupStatus, listBackupRuns } from './status.ts';
export { createTenantRepositoryKeys, openTenantRepository, tenantRepositoryLocationOf } from './tenant-repository.ts';
