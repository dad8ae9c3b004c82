// createGoogleClient: one object with every API Safehold uses, wired to one key, one set of
// base URLs, one token cache, one quota manager and one retry policy.

import type { ApiContext } from './apis/api-context.ts';
import { type CalendarApi, createCalendarApi } from './apis/calendar.ts';
import { createDirectoryApi, type DirectoryApi } from './apis/directory.ts';
import { createDriveApi, type DriveApi } from './apis/drive.ts';
import { createGmailApi, type GmailApi } from './apis/gmail.ts';
import { createPeopleApi, type PeopleApi } from './apis/people.ts';
import { checkDelegation, createTokenSource, type DelegationCheck } from './auth/token-source.ts';
import { type GoogleClock, type GoogleLogger, type RandomSource, silentLogger, systemClock } from './clock.ts';
import { type Endpoints, parseServiceAccountKey, projectOf, resolveEndpoints } from './config.ts';
import { defaultRetryOptions, type RetryOptions } from './http/retry-policy.ts';
import { createTransport, type GoogleResponseEvent } from './http/transport.ts';
import {
  type BucketStats,
  createQuotaManager,
  type QuotaEvent,
  type QuotaLimitOverrides,
  type QuotaManager,
} from './quota/quota-manager.ts';
import type { SharedQuotaBudget } from './quota/shared-budget.ts';
import {
  type CalendarSync,
  createCalendarSync,
  createDriveSync,
  createGmailSync,
  createPeopleSync,
  type DriveSync,
  type GmailSync,
  type PeopleSync,
} from './sync/cursors.ts';

export interface GoogleClientOptions {
  /** The parsed Google JSON key (client_email, private_key, private_key_id, client_id, token_uri). */
  serviceAccountKey: unknown;
  /** One base for every API (the emulator); unset = Google's per-API hosts, or the key's token_uri origin if not Google's. */
  apiUrl?: string;
  /** Base for `/upload/...`; unset = apiUrl's rule. */
  uploadUrl?: string;
  /** Unset = the key's token_uri. */
  tokenUrl?: string;
  fetch?: typeof fetch;
  clock?: GoogleClock;
  random?: RandomSource;
  retry?: Partial<RetryOptions>;
  /** Longest wait for an answer before an attempt counts as a network error (then retried as one). Default 5 min. */
  requestTimeoutMs?: number;
  /**
   * Limits per API (and, with `shared`, buckets and backoffs shared with other processes), or a
   * manager shared with other clients of the same Cloud project.
   */
  quotas?:
    | { limits?: QuotaLimitOverrides; onEvent?: (event: QuotaEvent) => void; shared?: SharedQuotaBudget }
    | { manager: QuotaManager };
  logger?: GoogleLogger;
  /** Told of every attempt's answer (status 0: none came): the server counts them for its metrics. */
  onResponse?: (response: GoogleResponseEvent) => void;
}

export interface GoogleClient {
  readonly endpoints: Endpoints;
  /** The service account's Cloud project (quota buckets are per project). */
  readonly project: string;
  readonly directory: DirectoryApi;
  readonly gmail: GmailApi;
  readonly drive: DriveApi;
  readonly calendar: CalendarApi;
  readonly people: PeopleApi;
  readonly gmailSync: GmailSync;
  readonly driveSync: DriveSync;
  readonly calendarSync: CalendarSync;
  readonly peopleSync: PeopleSync;
  readonly quotas: QuotaManager;
  /** Units spent and waits per bucket, for benchmarks and the run report. */
  quotaStats(): BucketStats[];
  /** Requests a token per scope of GOOGLE_SCOPES impersonating `adminEmail`; returns the scopes not delegated. */
  checkDelegation(adminEmail: string): Promise<DelegationCheck>;
}

export function createGoogleClient(options: GoogleClientOptions): GoogleClient {
  const key = parseServiceAccountKey(options.serviceAccountKey);
  const endpoints = resolveEndpoints(key, options);
  const clock = options.clock ?? systemClock;
  const random = options.random ?? Math.random;
  const logger = options.logger ?? silentLogger;
  const fetchImpl = options.fetch ?? globalThis.fetch;
  const retry = { ...defaultRetryOptions, ...options.retry };
  const project = projectOf(key);
  const quotas =
    options.quotas && 'manager' in options.quotas
      ? options.quotas.manager
      : createQuotaManager({
          clock,
          project,
          ...(options.quotas?.limits ? { limits: options.quotas.limits } : {}),
          ...(options.quotas?.onEvent ? { onEvent: options.quotas.onEvent } : {}),
          ...(options.quotas?.shared ? { shared: options.quotas.shared } : {}),
        });
  const requestTimeoutMs = options.requestTimeoutMs ?? 300_000;
  const tokens = createTokenSource({
    key,
    tokenUrl: endpoints.tokenUrl,
    fetch: fetchImpl,
    clock,
    random,
    retry,
    logger,
    requestTimeoutMs,
  });
  const transport = createTransport({
    fetch: fetchImpl,
    requestTimeoutMs,
    tokens,
    quotas,
    clock,
    random,
    retry,
    logger,
    ...(options.onResponse ? { onResponse: options.onResponse } : {}),
  });
  const ctx: ApiContext = { transport, endpoints, clock, random, retry, logger, quotas };

  const directory = createDirectoryApi(ctx);
  const gmail = createGmailApi(ctx);
  const drive = createDriveApi(ctx);
  const calendar = createCalendarApi(ctx);
  const people = createPeopleApi(ctx);
  return {
    endpoints,
    project,
    directory,
    gmail,
    drive,
    calendar,
    people,
    gmailSync: createGmailSync(gmail),
    driveSync: createDriveSync(drive),
    calendarSync: createCalendarSync(calendar),
    peopleSync: createPeopleSync(people),
    quotas,
    quotaStats: () => quotas.stats(),
    checkDelegation: (adminEmail) => checkDelegation(tokens, adminEmail),
  };
}
