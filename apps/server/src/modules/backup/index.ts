// The backup module's public surface (issue 15): what other modules, the CLI, the jobs, bench
// and e2e use. The module owns the backup engine and everything it keeps: the tenants'
// repository keys and blob index (tenant_repository_keys, repository_packs, repository_blobs),
// the sources and their runs (backup_sources, backup_runs, backup_run_errors), the item
// versions (backup_item_versions) and each tenant's schedule and maintenance state
// (backup_tenant_state). Other modules read them through the functions below, never the tables.
// In file order (the linter sorts them):
// - starting a backup: startBackup, the one way in for the API, the CLI and the scheduler, and
//   runQueuedInProcess for the CLI's --wait; the jobs (defineBackupJobs, scheduleBackupJobs) and
//   the API module (backupModule);
// - settings and status: retention, the backup window, getBackupStatus, listBackupRuns, the
//   dashboards;
// - the tenant repositories: keys, opening one, customers' hooks, key export and recover;
// - reading the backed-up history (browse, search, restore, export): item-history.ts,
//   history-lists.ts, item-search.ts, and the one matching of a selection (version-selection.ts);
// - small helpers its neighbours share (bounded concurrency, batches, error text).
export { defineBackupJobs, ensureSources, runQueuedInProcess } from './backup-jobs.ts';
export {
  BACKUP_JOB,
  type BackupEvents,
  type BackupService,
  type BackupSubject,
  backupServices,
  type EndedRun,
  type EnqueuedRun,
  type FinishedRun,
  type RunResult,
} from './backup-types.ts';
export { backupCustomerHooks, tenantRepositoryStorage } from './customer-hooks.ts';
export { getBackupSummary, listUserBackups } from './dashboard.ts';
export { listSharedDriveSubjects } from './directory-subjects.ts';
export { type NoticeReport, notifyBackupFailures } from './failure-notices.ts';
export { GMAIL_BATCH } from './gmail-backup.ts';
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
  readVersionObjects,
  readVersionsBytes,
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
export { MAINTENANCE_JOB } from './maintenance.ts';
export { backupNotificationFacts } from './notification-facts.ts';
export { customersWithPartialRuns, type PartialRunsOfCustomer } from './partial-runs.ts';
export { exportTenantKeys, type KeyExport, keyExportSchema, RecoverError, recoverTenant } from './recover.ts';
export {
  type AgeLimit,
  getRetention,
  keepEverything,
  type Retention,
  retentionGroups,
  setRetention,
} from './retention.ts';
export { backupModule } from './routes.ts';
export { AUTHORISATION_LOST_REASON, type RunSourceOptions } from './run-source.ts';
export { type RunningLeaseHolder, runningLeaseHolders } from './running-leases.ts';
export {
  backupWindowSchema,
  getBackupWindow,
  scheduleBackupJobs,
  scheduleDueBackups,
  setBackupWindow,
} from './schedule.ts';
export { chunks, errorReason, forEachLimited } from './service-context.ts';
export { listSharedDrives, type SharedDriveEntry, sharedDriveName, sharedDriveNames } from './shared-drives.ts';
export {
  type BackupScope,
  type ChosenSource,
  type StartBackupDeps,
  type StartBackupInput,
  startBackup,
} from './start-backup.ts';
export { type BackupStatus, getBackupStatus, listBackupRuns } from './status.ts';
export { storedBytesByCustomer } from './stored-bytes.ts';
export { isSharedDriveKey, subjectKey } from './subject-key.ts';
export {
  createTenantRepositoryKeys,
  openTenantRepository,
  type TenantRepositoryDeps,
  tenantRepositoryLocationOf,
} from './tenant-repository.ts';
export {
  folderPath,
  isNarrowed,
  selectionMisfit,
  selectionPrefilter,
  selectVersions,
  type VersionSelection,
} from './version-selection.ts';
