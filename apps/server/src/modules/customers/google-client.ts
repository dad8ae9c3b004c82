// The installation's Google client, built from the configuration (DESIGN.md §2a): the
// service-account key file named by GOOGLE_SERVICE_ACCOUNT_KEY plus the optional API, upload
// and token URLs. The rule "a key whose token_uri is not Google's points every unset URL at
// that origin" lives in @safehold/google; this passes the settings through unchanged.
import { readFileSync } from 'node:fs';
import {
  createGoogleClient,
  type GoogleClient,
  parseServiceAccountKey,
  type QuotaEvent,
  type QuotaManager,
  type SharedQuotaBudget,
} from '@safehold/google';
import type { Config } from '../../config/config.ts';
import type { Database } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { createPostgresQuotaBudget } from './quota-budget.ts';

export type GoogleSettings = Config['google'];

/** Builds a Google client for this installation; throws a clear AppError when no key is set. */
export type GoogleClientFactory = () => GoogleClient;

function readKey(settings: GoogleSettings): unknown {
  const keyPath = settings.serviceAccountKeyPath;
  if (!keyPath) {
    throw new AppError(
      'unavailable',
      'No Google service account is configured: set GOOGLE_SERVICE_ACCOUNT_KEY to the path of the JSON key of ' +
        "Safehold's service account (or run without Google credentials to use the built-in demo domain).",
    );
  }
  let text: string;
  try {
    text = readFileSync(keyPath, 'utf8');
  } catch (error) {
    throw new AppError(
      'unavailable',
      `The Google service account key ${keyPath} (GOOGLE_SERVICE_ACCOUNT_KEY) cannot be read: ${(error as Error).message}`,
    );
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new AppError(
      'unavailable',
      `The Google service account key ${keyPath} (GOOGLE_SERVICE_ACCOUNT_KEY) is not valid JSON.`,
    );
  }
}

/**
 * Builds a client; given `quotas`, it spends from those buckets instead of fresh ones, built on
 * `shared` when given (quota shared with other processes). Given `metrics`, its answers count
 * there, and so do the quota waits of the buckets it makes.
 */
export function createInstallationGoogleClient(
  settings: GoogleSettings,
  logger?: Logger,
  quotas?: QuotaManager,
  metrics?: Metrics,
  shared?: SharedQuotaBudget,
): GoogleClient {
  const serviceAccountKey = readKey(settings);
  const ownBuckets = {
    ...(metrics
      ? { onEvent: (event: QuotaEvent) => metrics.quotaWait(event.api, event.bucket, event.waitMs / 1000) }
      : {}),
    ...(shared ? { shared } : {}),
    ...(settings.quotaLimits ? { limits: settings.quotaLimits } : {}),
  };
  return createGoogleClient({
    serviceAccountKey,
    quotas: quotas ? { manager: quotas } : ownBuckets,
    ...(metrics ? { onResponse: (answer) => metrics.googleCall(answer.api, answer.status) } : {}),
    ...(settings.apiUrl ? { apiUrl: settings.apiUrl } : {}),
    ...(settings.uploadUrl ? { uploadUrl: settings.uploadUrl } : {}),
    ...(settings.tokenUrl ? { tokenUrl: settings.tokenUrl } : {}),
    ...(logger ? { logger: logger.child({ component: 'google' }) } : {}),
  });
}

/** The OAuth client id an admin authorises for domain-wide delegation (from the key). */
export function serviceAccountClientId(settings: GoogleSettings): string {
  return parseServiceAccountKey(readKey(settings)).client_id;
}

const clients = new WeakMap<Config, GoogleClient>();

/** What building the installation's client needs from the process's context. */
export interface GoogleClientContext {
  config: Config;
  logger: Logger;
  metrics?: Metrics;
  database?: Pick<Database, 'kind' | 'db'>;
}

/**
 * The quota budget shared with the other processes: on PostgreSQL, where workers run beside the
 * server (DESIGN.md §2), the database's; on PGlite only one process can open the data dir, so its
 * own buckets are the installation's (docs/deployment.md "Quota across workers").
 */
function sharedQuotaBudget(ctx: GoogleClientContext): SharedQuotaBudget | undefined {
  return ctx.database?.kind === 'postgres' ? createPostgresQuotaBudget(ctx.database.db) : undefined;
}

/**
 * The installation's Google client for its current configuration, built on first use and
 * kept (backups and restores use it, tokens cached). Its quota buckets (per project, user and
 * API) are the installation's: every other client is built on them. The configuration object
 * is the key because `safehold start` replaces ctx.config when it starts the demo emulator.
 */
export function installationGoogleClient(ctx: GoogleClientContext): GoogleClient {
  const cached = clients.get(ctx.config);
  if (cached) return cached;
  const client = createInstallationGoogleClient(
    ctx.config.google,
    ctx.logger,
    undefined,
    ctx.metrics,
    sharedQuotaBudget(ctx),
  );
  clients.set(ctx.config, client);
  return client;
}

/**
 * The customers module's clients (connect, directory sync, delegation checks): a new client at
 * each call, so a revoked delegation or a suspended admin shows at once instead of after a
 * cached token expires, but spending from the installation's quota buckets like the backups.
 */
export function googleClientFactory(ctx: GoogleClientContext): GoogleClientFactory {
  return () =>
    createInstallationGoogleClient(ctx.config.google, ctx.logger, installationGoogleClient(ctx).quotas, ctx.metrics);
}
