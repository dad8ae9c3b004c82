// The customers module's public surface (issue 15): what routes, the CLI, the jobs and other
// modules use. It owns a tenant's Google connection, its synced directory (org units, users)
// and their licenses — the tables customer_connections, directory_org_units and
// directory_users: tenant connection (connect.ts), directory sync (directory-sync.ts),
// licensing (licensing.ts), the 60-day purge (purge.ts), tenant deletion (delete-tenant.ts),
// read models (overview.ts, users-query.ts) and its HTTP API (routes.ts). The tenant rows
// themselves are tenancy's. It also owns the installation's Google client (google-client.ts)
// and the Google quota its processes share on PostgreSQL (quota-budget.ts: the tables
// google_quota_buckets, google_quota_backoffs and google_quota_callers).
export {
  type AccessControls,
  accessControlsOf,
  getAccessControls,
  setAccessControls,
} from './access-controls.ts';
export { type AddressCursor, type UserLicense, userByAddress, usersByAddress } from './address-listing.ts';
export {
  delegationConsolePath,
  delegationFix,
  isAuthorizationLost,
  recordAuthorizationLost,
} from './authorization.ts';
export {
  type AuthorizationState,
  checkAuthorization,
  customersPerProject,
  moveCustomerToProject,
  projectForDomain,
  projectQuotaWaits,
  refuseSpentProjectApis,
  serviceApi,
} from './cloud-projects.ts';
export { type ConnectResult, connectCustomer } from './connect.ts';
export {
  deleteTenant,
  type TenantDeletionReport,
  type TenantFiles,
  type TenantRepositoryStorage,
} from './delete-tenant.ts';
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
export {
  createInstallationGoogleClient,
  customerGoogleClient,
  flushGoogleUsage,
  type GoogleClientFactory,
  googleClientFactory,
  googleProjects,
  installationGoogleClient,
} from './google-client.ts';
export {
  defineCustomerJobs,
  directorySyncCron,
  directorySyncJob,
  scheduleCustomerJobs,
} from './jobs.ts';
export { legalHoldSchema, setLegalHold } from './legal-hold.ts';
export {
  applyLicenseChanges,
  authorizedCustomerRow,
  getLicensing,
  type LicenseChange,
  type LicenseChangeReport,
  type LicensingSettings,
  maxChangesPerBatch,
  purgeGraceDays,
  type SeatSummary,
  seatSummary,
  setAutoAssign,
  trialDays,
} from './licensing.ts';
export { grantableRoles, type MemberRoleChange, setMemberGrantedRole } from './member-roles.ts';
export {
  backedUpUserGoogleIds,
  type CustomerOverview,
  countUsersToBackUp,
  customerOverview,
  listCustomers,
  type OwnCustomerOverview,
  ownCustomerOverview,
  type UserToBackUp,
  usersToBackUp,
  usersToBackUpAmong,
} from './overview.ts';
export {
  isProjectQuotaReason,
  PROJECT_QUOTA_REASON_LIKE,
  ProjectQuotaSpentError,
  quotaDay,
  quotaDayResetsAt,
  type SpentProjectQuota,
} from './project-usage.ts';
export { type PurgeReport, purgeExpiredLicenses } from './purge.ts';
export { createCustomersModule } from './routes.ts';
export {
  allDirectoryUsers,
  authorizedCustomerIds,
  type ConnectionState,
  connectionStates,
  countLicensesByType,
  type DirectoryPageQuery,
  type DirectoryUserRow,
  directoryUserGoogleId,
  directoryUsersPage,
  getConnection,
  hasDirectoryUsers,
  insertDirectoryUsers,
  legalHoldGoogleIds,
  licenseCountsByCustomer,
  licensedEmails,
} from './store.ts';
export {
  changeSeats,
  convertToPaid,
  maxSeats,
  type SettableStatus,
  type SubscriptionView,
  seatsSchema,
  setCustomerStatus,
  settableStatuses,
  subscriptionView,
} from './subscription.ts';
export { listDirectoryUsers, listOrgUnits, type UsersPage, type UsersQuery } from './users-query.ts';
