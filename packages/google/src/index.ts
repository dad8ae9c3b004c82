// @safehold/google: typed clients for the Google Workspace APIs Safehold backs up and restores
// (Directory, Gmail, Drive, Calendar, People), with service-account auth, quotas, retries,
// pagination and incremental-sync cursors. See ../README.md.
export type { ApiContext } from './apis/api-context.ts';
export {
  CALENDAR_BATCH_MAX,
  type CalendarApi,
  type CalendarEvent,
  type CalendarListEntry,
  type EventInput,
  type EventsPage,
  type ImportEventResult,
} from './apis/calendar.ts';
export type { DirectoryApi, DirectoryUser, ListUsersOptions, OrgUnit } from './apis/directory.ts';
export {
  appPropertyQuery,
  type ChangesPage,
  DEFAULT_FILE_FIELDS,
  type DriveApi,
  type DriveChange,
  type DriveFile,
  type DriveFileMetadata,
  type DrivePermission,
  driveQueryValue,
  GOOGLE_EXPORT_FORMATS,
  type ListFilesOptions,
  type SharedDrive,
} from './apis/drive.ts';
export type {
  GmailApi,
  GmailLabel,
  GmailMessageMetadata,
  GmailMessageMinimal,
  GmailProfile,
  GmailRawMessage,
  HistoryPage,
  HistoryRecord,
  ImportedMessage,
  ImportMessageOptions,
  ListMessagesOptions,
  MessageRef,
} from './apis/gmail.ts';
export {
  isSystemLabel,
  SYSTEM_LABEL_IDS,
} from './apis/gmail.ts';
export { type BatchMessageResult, GMAIL_BATCH_MAX } from './apis/gmail-batch.ts';
export {
  type ConnectionsPage,
  type ContactGroup,
  DEFAULT_PERSON_FIELDS,
  OTHER_CONTACT_FIELDS,
  type OtherContactsPage,
  PEOPLE_BATCH_CREATE_MAX,
  type PeopleApi,
  type Person,
} from './apis/people.ts';
export {
  AuthorizationLostError,
  type DelegationCheck,
  TokenRequestError,
} from './auth/token-source.ts';
export { createGoogleClient, type GoogleClient, type GoogleClientOptions } from './client.ts';
export { type GoogleClock, type GoogleLogger, type RandomSource, systemClock } from './clock.ts';
export {
  type Endpoints,
  InvalidServiceAccountKeyError,
  parseServiceAccountKey,
  projectOf,
  resolveEndpoints,
  type ServiceAccountKey,
} from './config.ts';
export {
  classifyError,
  type ErrorClassification,
  GoogleApiError,
  GoogleResponseShapeError,
  isDailyLimit,
  ResyncRequired,
} from './errors.ts';
export type { UploadBody } from './http/resumable-upload.ts';
export { defaultRetryOptions, mayRetry, type RetryOptions } from './http/retry-policy.ts';
export type { DownloadStream, GoogleResponseEvent } from './http/transport.ts';
export { operationCost } from './quota/costs.ts';
export {
  type ApiQuotaLimits,
  type BucketStats,
  createQuotaManager,
  defaultQuotaLimits,
  type QuotaEvent,
  type QuotaLimitOverrides,
  type QuotaManager,
  quotaUtilisation,
} from './quota/quota-manager.ts';
export type { SharedBucketShape, SharedQuotaBudget, SharedQuotaKey, SharedTake } from './quota/shared-budget.ts';
export { API_NAMES, GOOGLE_SCOPES, type GoogleApiName, type GoogleScope, SCOPES_BY_API } from './scopes.ts';
export type { CalendarSync, DriveSync, GmailSync, PeopleSync } from './sync/cursors.ts';
export {
  applyLabelChanges,
  type HistoryChanges,
  historyChanges,
  type LabelChange,
} from './sync/gmail-history-changes.ts';
export { CursorNotReadyError, type SyncRun } from './sync/sync-run.ts';
