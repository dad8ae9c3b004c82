// The customers module's service: what routes, the CLI, jobs and other modules call. Tenant
// connection (connect.ts), directory sync (directory-sync.ts), licensing (licensing.ts),
// the 60-day purge (purge.ts), read models (overview.ts, users-query.ts).
export { delegationConsolePath, delegationFix } from './authorization.ts';
export { type ConnectResult, connectCustomer } from './connect.ts';
export {
  type AuditActor,
  type CustomerHooks,
  type CustomersDeps,
  type CustomersDepsOptions,
  type CustomersModuleOptions,
  createCustomersDeps,
  systemAuditActor,
} from './deps.ts';
export { requestDirectorySync, type SyncReport, syncDirectory } from './directory-sync.ts';
export { createInstallationGoogleClient, type GoogleClientFactory, googleClientFactory } from './google-client.ts';
export {
  defineCustomerJobs,
  directorySyncCron,
  directorySyncJob,
  licensePurgeCron,
  licensePurgeJob,
  scheduleCustomerJobs,
} from './jobs.ts';
export {
  applyLicenseChanges,
  getLicensing,
  type LicenseChange,
  type LicenseChangeReport,
  type LicensingSettings,
  purgeGraceDays,
  type SeatSummary,
  setAutoAssign,
  trialDays,
} from './licensing.ts';
export {
  type CustomerOverview,
  customerOverview,
  listCustomers,
  ownCustomerOverview,
  type UserToBackUp,
  usersToBackUp,
} from './overview.ts';
export { type PurgeReport, purgeExpiredLicenses } from './purge.ts';
export { listDirectoryUsers, listOrgUnits, type UsersPage } from './users-query.ts';
