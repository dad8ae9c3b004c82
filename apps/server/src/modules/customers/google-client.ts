// The installation's Google clients, built from the configuration (DESIGN.md §2a): one per
// Cloud project, each from its service-account key file (GOOGLE_SERVICE_ACCOUNT_KEY, and
// GOOGLE_SERVICE_ACCOUNT_KEYS for several projects), plus the optional API, upload and token
// URLs; a customer's calls go through the client of the project it is bound to. The rule "a key whose token_uri is not Google's points every unset URL at
// that origin" lives in @safehold/google; this passes the settings through unchanged.
import {
  createGoogleClient,
  createQuotaManager,
  type GoogleClient,
  type QuotaEvent,
  type QuotaManager,
  type SharedQuotaBudget,
  systemClock,
} from '@safehold/google';
import { eq } from 'drizzle-orm';
import type { Clock } from '../../clock.ts';
import type { Config } from '../../config/config.ts';
import {
  type LoadedServiceAccountKey,
  readServiceAccountKeys,
  ServiceAccountKeyError,
} from '../../config/service-account-keys.ts';
import type { Database, Db } from '../../db/database.ts';
import { AppError } from '../../http/errors.ts';
import type { Logger } from '../../logger.ts';
import type { Metrics } from '../../metrics/metrics.ts';
import { createProjectUsage, dailyThresholds, type ProjectUsage, withDailyThresholds } from './project-usage.ts';
import { createPostgresQuotaBudget } from './quota-budget.ts';
import { customerConnections } from './tables.ts';

export type GoogleSettings = Config['google'];

/** Builds a Google client for a Cloud project (unset or null: the default, first one); throws a clear AppError when no key is set. */
export type GoogleClientFactory = (project?: string | null) => GoogleClient;

/**
 * The installation's Cloud projects, one per configured key, in configuration order (the first
 * is the default). Read at each call, so a replaced key file counts at once; errors name the file.
 */
export function googleProjects(settings: GoogleSettings): LoadedServiceAccountKey[] {
  if (settings.serviceAccountKeys.length === 0) {
    throw new AppError(
      'unavailable',
      'No Google service account is configured: set GOOGLE_SERVICE_ACCOUNT_KEY to the path of the JSON key of ' +
        "Safehold's service account (or run without Google credentials to use the built-in demo domain).",
    );
  }
  try {
    return readServiceAccountKeys(settings.serviceAccountKeys);
  } catch (error) {
    if (error instanceof ServiceAccountKeyError) throw new AppError('unavailable', error.message);
    throw error;
  }
}

/** A Cloud project as the rest of the module sees it: its id and the OAuth client id to authorise. */
export interface GoogleProject {
  id: string;
  clientId: string;
}

/** The configured projects, or none when no key is configured (a bad key file is still an error naming it). */
export function configuredGoogleProjects(settings: GoogleSettings): GoogleProject[] {
  if (settings.serviceAccountKeys.length === 0) return [];
  return googleProjects(settings).map((project) => ({ id: project.projectId, clientId: project.clientId }));
}

/** The key of `project` (unset or null: the default project); a project no longer configured is an AppError. */
export function projectKey(settings: GoogleSettings, project?: string | null): LoadedServiceAccountKey {
  const projects = googleProjects(settings);
  const found = project ? projects.find((candidate) => candidate.projectId === project) : projects[0];
  if (!found) {
    throw new AppError(
      'unavailable',
      `The Cloud project ${project} has no service account key configured (GOOGLE_SERVICE_ACCOUNT_KEY, ` +
        `GOOGLE_SERVICE_ACCOUNT_KEYS): configure its key again, or move its customers to another project.`,
    );
  }
  return found;
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
  project?: string | null,
  usage?: ProjectUsage,
): GoogleClient {
  const key = projectKey(settings, project);
  return createGoogleClient({
    serviceAccountKey: key.key,
    quotas: { manager: quotas ?? ownQuotaManager(settings, key.projectId, metrics, shared, usage) },
    ...(metrics ? { onResponse: (answer) => metrics.googleCall(answer.api, answer.status) } : {}),
    ...(settings.apiUrl ? { apiUrl: settings.apiUrl } : {}),
    ...(settings.uploadUrl ? { uploadUrl: settings.uploadUrl } : {}),
    ...(settings.tokenUrl ? { tokenUrl: settings.tokenUrl } : {}),
    ...(logger ? { logger: logger.child({ component: 'google' }) } : {}),
  });
}

/** A project's buckets (on `shared` when given), keeping its daily thresholds when given `usage`. */
function ownQuotaManager(
  settings: GoogleSettings,
  project: string,
  metrics?: Metrics,
  shared?: SharedQuotaBudget,
  usage?: ProjectUsage,
): QuotaManager {
  const manager = createQuotaManager({
    clock: systemClock,
    project,
    ...(metrics
      ? { onEvent: (event: QuotaEvent) => metrics.quotaWait(event.api, event.bucket, event.waitMs / 1000) }
      : {}),
    ...(shared ? { shared } : {}),
    ...(settings.quotaLimits ? { limits: settings.quotaLimits } : {}),
  });
  return usage ? withDailyThresholds(manager, project, usage) : manager;
}

/** The OAuth client id an admin authorises for domain-wide delegation (from the project's key). */
export function serviceAccountClientId(settings: GoogleSettings, project?: string | null): string {
  return projectKey(settings, project).clientId;
}

/** Per configuration, the installation's client of each project (by project id). */
const clients = new WeakMap<Config, Map<string, GoogleClient>>();

/** What building the installation's client needs from the process's context. */
export interface GoogleClientContext {
  config: Config;
  logger: Logger;
  metrics?: Metrics;
  database?: Pick<Database, 'kind' | 'db'>;
  /** The clock of the quota day (google_project_usage); unset: the system's. */
  clock?: Clock;
}

/**
 * The quota budget shared with the other processes: on PostgreSQL, where workers run beside the
 * server (DESIGN.md §2), the database's; on PGlite only one process can open the data dir, so its
 * own buckets are the installation's (docs/deployment.md "Quota across workers").
 */
function sharedQuotaBudget(ctx: GoogleClientContext): SharedQuotaBudget | undefined {
  return ctx.database?.kind === 'postgres' ? createPostgresQuotaBudget(ctx.database.db) : undefined;
}

const usages = new WeakMap<Config, ProjectUsage>();

/** The daily-threshold counters every client of this configuration shares (none without a database). */
function projectUsageOf(ctx: GoogleClientContext): ProjectUsage | undefined {
  if (!ctx.database) return undefined;
  let usage = usages.get(ctx.config);
  if (!usage) {
    const clock = ctx.clock;
    usage = createProjectUsage(
      ctx.database.db,
      dailyThresholds(ctx.config.google.quotaLimits),
      clock ? () => clock.now().getTime() : undefined,
    );
    usages.set(ctx.config, usage);
  }
  return usage;
}

/**
 * Adds what this process spent to the daily counters now (otherwise about once a second): tests,
 * and the shutdown of `safehold start` and `worker` (runtime.close), so no spent unit is lost.
 */
export async function flushGoogleUsage(ctx: GoogleClientContext): Promise<void> {
  await usages.get(ctx.config)?.flush();
}

/**
 * The installation's Google client for its current configuration, built on first use and
 * kept (backups and restores use it, tokens cached). Its quota buckets (per project, user and
 * API) are the installation's: every other client is built on them. The configuration object
 * is the key because `safehold start` replaces ctx.config when it starts the demo emulator.
 */
export function installationGoogleClient(ctx: GoogleClientContext, project?: string | null): GoogleClient {
  let perProject = clients.get(ctx.config);
  if (!perProject) {
    perProject = new Map();
    clients.set(ctx.config, perProject);
  }
  const cached = perProject.get(project ?? '');
  if (cached) return cached;
  const id = projectKey(ctx.config.google, project).projectId;
  const client =
    perProject.get(id) ??
    createInstallationGoogleClient(
      ctx.config.google,
      ctx.logger,
      undefined,
      ctx.metrics,
      sharedQuotaBudget(ctx),
      id,
      projectUsageOf(ctx),
    );
  perProject.set(id, client);
  perProject.set(project ?? '', client);
  return client;
}

/**
 * The installation's client for the Cloud project a customer is bound to (customer_connections.
 * google_project; unbound: the default project): what every backup and restore of the customer
 * calls Google with.
 */
export async function customerGoogleClient(
  ctx: GoogleClientContext & { db: Db },
  customerId: string,
): Promise<GoogleClient> {
  const [row] = await ctx.db
    .select({ project: customerConnections.googleProject })
    .from(customerConnections)
    .where(eq(customerConnections.customerId, customerId));
  return installationGoogleClient(ctx, row?.project ?? null);
}

/**
 * The customers module's clients (connect, directory sync, delegation checks): a new client at
 * each call, so a revoked delegation or a suspended admin shows at once instead of after a
 * cached token expires, but spending from the installation's quota buckets like the backups.
 */
export function googleClientFactory(ctx: GoogleClientContext): GoogleClientFactory {
  return (project) =>
    createInstallationGoogleClient(
      ctx.config.google,
      ctx.logger,
      installationGoogleClient(ctx, project).quotas,
      ctx.metrics,
      undefined,
      project,
    );
}
