// Safehold's configuration: environment variables (DESIGN.md §2a), parsed and validated
// once at start. A bad value stops start-up with exit code 2 and names the variable.
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { z } from 'zod';
import { ConfigError } from './config-error.ts';
import { assertPrivateKeyFile } from './file-modes.ts';
import {
  keyFilesOf,
  readServiceAccountKeys,
  ServiceAccountKeyError,
  type ServiceAccountKeySource,
} from './service-account-keys.ts';

const port = z.coerce
  .number({ error: 'must be a number' })
  .int('must be a whole number')
  .min(0, 'must be between 0 and 65535')
  .max(65535, 'must be between 0 and 65535');

const databaseUrl = z
  .string()
  .refine((value) => /^postgres(ql)?:\/\//.test(value), 'must start with postgres:// or postgresql://');

const storageUrl = z
  .string()
  .refine((value) => value.startsWith('s3://') || value.startsWith('file://') || path.isAbsolute(value), {
    message: 'must be s3://bucket/prefix, file:///path or an absolute path',
  });

/** A whole number of seconds within [min, max], for the job queue's timings. */
const seconds = (min: number, max: number) =>
  z.coerce
    .number({ error: 'must be a number of seconds' })
    .int('must be a whole number of seconds')
    .min(min, `must be between ${min} and ${max} seconds`)
    .max(max, `must be between ${min} and ${max} seconds`);

const httpUrl = z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' });
const smtpUrl = z.url({ protocol: /^smtps?$/, error: 'must be an smtp:// or smtps:// URL' });

/** One API's overrides in GOOGLE_QUOTA_LIMITS (QuotaLimitOverrides of @safehold/google). */
const apiQuotaLimits = (api: string) => {
  const positive = (field: string) =>
    z
      .number({ error: `${api}.${field} must be a number` })
      .positive(`${api}.${field} must be above 0`)
      .optional();
  return z
    .strictObject(
      {
        perUserPerMinute: positive('perUserPerMinute'),
        perProjectPerMinute: positive('perProjectPerMinute'),
        // A Cloud project's daily threshold (issue 20), kept across processes by the server.
        perProjectPerDay: positive('perProjectPerDay'),
        concurrencyPerUser: z
          .number({ error: `${api}.concurrencyPerUser must be a number` })
          .int(`${api}.concurrencyPerUser must be a whole number`)
          .min(1, `${api}.concurrencyPerUser must be at least 1`)
          .optional(),
        burstSeconds: positive('burstSeconds'),
      },
      {
        error: `${api} takes perUserPerMinute, perProjectPerMinute, perProjectPerDay, concurrencyPerUser and burstSeconds only`,
      },
    )
    .optional();
};

/** GOOGLE_QUOTA_LIMITS: JSON such as {"gmail":{"perUserPerMinute":6000}}, overriding Google's published quotas. */
const googleQuotaLimits = z
  .string()
  .transform((text, ctx) => {
    try {
      return JSON.parse(text) as unknown;
    } catch {
      ctx.addIssue({ code: 'custom', message: 'must be JSON such as {"gmail":{"perUserPerMinute":6000}}' });
      return z.NEVER;
    }
  })
  .pipe(
    z.strictObject(
      {
        gmail: apiQuotaLimits('gmail'),
        drive: apiQuotaLimits('drive'),
        calendar: apiQuotaLimits('calendar'),
        people: apiQuotaLimits('people'),
        directory: apiQuotaLimits('directory'),
      },
      { error: 'names APIs among gmail, drive, calendar, people and directory only' },
    ),
  );

const environmentSchema = z.object({
  NODE_ENV: z.enum(['development', 'production', 'test']).default('development'),
  PORT: port.default(8080),
  HOST: z.string().min(1).default('127.0.0.1'),
  SAFEHOLD_DATA_DIR: z.string().min(1).default('./data'),
  SAFEHOLD_PUBLIC_URL: httpUrl.optional(),
  DATABASE_URL: databaseUrl.optional(),
  SAFEHOLD_STORAGE_URL: storageUrl.optional(),
  SAFEHOLD_EXPORT_DIR: z.string().min(1).optional(),
  S3_ENDPOINT: httpUrl.optional(),
  // Immutable backups (docs/deployment.md): packs and manifests written under S3 Object Lock.
  S3_OBJECT_LOCK_MODE: z
    .enum(['off', 'governance', 'compliance'], { error: 'must be off, governance or compliance' })
    .default('off'),
  S3_OBJECT_LOCK_DAYS: z.coerce
    .number({ error: 'must be a number of days' })
    .int('must be a whole number of days')
    .min(1, 'must be between 1 and 36500 days')
    .max(36500, 'must be between 1 and 36500 days')
    .optional(),
  SAFEHOLD_MASTER_KEY: z
    .string()
    .refine((value) => Buffer.from(value, 'base64').length === 32, 'must be 32 bytes, base64-encoded')
    .optional(),
  SAFEHOLD_MASTER_KEY_FILE: z.string().min(1).optional(),
  SMTP_URL: smtpUrl.optional(),
  SMTP_FROM: z.string().min(3).default('Safehold <safehold@localhost>'),
  SAFEHOLD_TRUSTED_PROXIES: z
    .string()
    .transform((value) =>
      value
        .split(',')
        .map((entry) => entry.trim())
        .filter(Boolean),
    )
    .optional(),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  GOOGLE_SERVICE_ACCOUNT_KEY: z.string().min(1).optional(),
  // Several Cloud projects (docs/deployment.md "Several Cloud projects"): one key per project.
  GOOGLE_SERVICE_ACCOUNT_KEYS: z.string().min(1).optional(),
  GOOGLE_API_URL: httpUrl.optional(),
  GOOGLE_UPLOAD_URL: httpUrl.optional(),
  GOOGLE_TOKEN_URL: httpUrl.optional(),
  GOOGLE_QUOTA_LIMITS: googleQuotaLimits.optional(),
  GOOGLE_OIDC_ISSUER: httpUrl.optional(),
  GOOGLE_OIDC_CLIENT_ID: z.string().min(1).optional(),
  GOOGLE_OIDC_CLIENT_SECRET: z.string().min(1).optional(),
  SAFEHOLD_DEMO: z
    .enum(['0', '1'], { error: 'must be 1 (demo mode allowed, even in production) or 0 (never)' })
    .optional(),
  // pg-boss's own bounds: it polls at most every 0.5 s (we take whole seconds), supervises at
  // most every second and takes no heartbeat under 10 s; the upper bounds keep a typo (3600
  // meant as minutes) from leaving a dead worker's job unnoticed for days.
  SAFEHOLD_JOB_POLL_SECONDS: seconds(1, 300).optional(),
  // Webhooks (docs/integrations.md): private targets are refused unless the vendor allows them.
  SAFEHOLD_WEBHOOKS_ALLOW_PRIVATE: z
    .enum(['0', '1'], { error: 'must be 1 (webhooks may target private addresses) or 0 (never)' })
    .optional(),
  SAFEHOLD_WEBHOOKS_CA_FILE: z.string().min(1).optional(),
  SAFEHOLD_JOB_SUPERVISE_SECONDS: seconds(1, 3600).optional(),
  SAFEHOLD_JOB_HEARTBEAT_SECONDS: seconds(10, 3600).optional(),
  // Prometheus metrics (docs/operations.md#metrics): /metrics on the main listener with this
  // bearer token, and/or on a listener of its own (the only way for `safehold worker`).
  METRICS_TOKEN: z
    .string()
    .min(32, 'must be at least 32 characters (e.g. openssl rand -hex 32)')
    .regex(/^[\x21-\x7e]+$/, 'must be printable ASCII without spaces')
    .optional(),
  METRICS_PORT: port.optional(),
  METRICS_HOST: z.string().min(1).default('127.0.0.1'),
});

/**
 * Variables whose value is a secret or may carry one (a URL's password): a message names them
 * but never repeats their value, not even a malformed one (`user:pass@host` without a scheme).
 */
const secretVariables = new Set<string>([
  'DATABASE_URL',
  'SMTP_URL',
  'SAFEHOLD_MASTER_KEY',
  'GOOGLE_OIDC_CLIENT_SECRET',
  'METRICS_TOKEN',
]);

export type Environment = z.infer<typeof environmentSchema>;

/** Every variable Safehold reads (docs/configuration.md must describe each). */
export const environmentVariables = Object.keys(environmentSchema.shape);

export interface Config {
  env: Environment['NODE_ENV'];
  host: string;
  port: number;
  publicUrl: string;
  dataDir: string;
  database: { kind: 'pglite'; dataDir: string } | { kind: 'postgres'; url: string };
  storageUrl: string;
  /** Where zip exports are written (and deleted when their link expires). */
  exportDir: string;
  masterKey: { kind: 'inline'; key: Buffer } | { kind: 'file'; path: string; mustExist: boolean };
  smtp: { url: string; from: string } | null;
  /** SAFEHOLD_DEMO: true = demo mode allowed (also in production), false = never, null = unset. */
  demo: boolean | null;
  trustedProxies: string[];
  /** The job queue's timings (SAFEHOLD_JOB_*); null = the built-in default. */
  jobs: { pollSeconds: number | null; superviseSeconds: number | null; heartbeatSeconds: number | null };
  logLevel: Environment['LOG_LEVEL'];
  /**
   * Webhook delivery: whether URLs may resolve to loopback, link-local or private addresses
   * (SSRF guard off), and a PEM file of extra CAs to trust for HTTPS (beside the system's).
   */
  webhooks: { allowPrivateAddresses: boolean; caFile: string | null };
  /**
   * Where /metrics is served: with `token`, on the main listener (Authorization: Bearer); with
   * `port`, on a listener of its own at host:port (asking the token too when one is set). Both
   * null: nowhere.
   */
  metrics: { token: string | null; port: number | null; host: string };
  google: {
    /**
     * The service-account keys, one per Cloud project (GOOGLE_SERVICE_ACCOUNT_KEY first, then
     * GOOGLE_SERVICE_ACCOUNT_KEYS); empty = none configured. The first is the default project.
     */
    serviceAccountKeys: ServiceAccountKeySource[];
    apiUrl: string | null;
    uploadUrl: string | null;
    tokenUrl: string | null;
    /** Overrides of Google's published quotas (GOOGLE_QUOTA_LIMITS), per API. */
    quotaLimits: z.output<typeof googleQuotaLimits> | null;
    oidcIssuer: string | null;
    oidcClientId: string | null;
    oidcClientSecret: string | null;
  };
}

export { ConfigError };

export function loadConfig(source: NodeJS.ProcessEnv = process.env, cwd = process.cwd()): Config {
  const relevant = Object.fromEntries(
    Object.entries(source).filter(([key, value]) => key in environmentSchema.shape && value !== ''),
  );
  const parsed = environmentSchema.safeParse(relevant);
  if (!parsed.success) {
    const problems = parsed.error.issues.map((issue) => {
      const variable = String(issue.path[0] ?? 'environment');
      const value = relevant[variable];
      return `${variable} ${issue.message}${value === undefined ? '' : describeValue(variable, value)}`;
    });
    throw new ConfigError(`Invalid configuration: ${problems.join('; ')}`);
  }
  const env = parsed.data;
  const dataDir = path.resolve(cwd, env.SAFEHOLD_DATA_DIR);

  if (env.SAFEHOLD_MASTER_KEY && env.SAFEHOLD_MASTER_KEY_FILE) {
    throw new ConfigError('Invalid configuration: set SAFEHOLD_MASTER_KEY or SAFEHOLD_MASTER_KEY_FILE, not both');
  }
  let masterKey: Config['masterKey'];
  if (env.SAFEHOLD_MASTER_KEY) {
    masterKey = { kind: 'inline', key: Buffer.from(env.SAFEHOLD_MASTER_KEY, 'base64') };
  } else if (env.SAFEHOLD_MASTER_KEY_FILE) {
    const file = path.resolve(cwd, env.SAFEHOLD_MASTER_KEY_FILE);
    if (!existsSync(file))
      throw new ConfigError(`Invalid configuration: SAFEHOLD_MASTER_KEY_FILE ${file} does not exist`);
    masterKey = { kind: 'file', path: file, mustExist: true };
  } else if (env.NODE_ENV === 'production') {
    throw new ConfigError(
      'Invalid configuration: SAFEHOLD_MASTER_KEY or SAFEHOLD_MASTER_KEY_FILE is required when NODE_ENV=production',
    );
  } else {
    masterKey = { kind: 'file', path: path.join(dataDir, 'master.key'), mustExist: false };
  }

  if (
    env.SAFEHOLD_DEMO === '1' &&
    (env.GOOGLE_SERVICE_ACCOUNT_KEY || env.GOOGLE_SERVICE_ACCOUNT_KEYS || env.GOOGLE_OIDC_ISSUER)
  ) {
    throw new ConfigError(
      'Invalid configuration: SAFEHOLD_DEMO=1 asks for demo mode (the built-in Google emulator instead of Google), ' +
        'but Google credentials are set (GOOGLE_SERVICE_ACCOUNT_KEY, GOOGLE_OIDC_ISSUER): unset one or the other',
    );
  }
  const serviceAccountKeys = serviceAccountKeysOf(env, cwd);

  if (env.SAFEHOLD_STORAGE_URL?.startsWith('s3://') && !env.S3_ENDPOINT && !source.AWS_REGION) {
    throw new ConfigError(
      'Invalid configuration: SAFEHOLD_STORAGE_URL is s3:// but neither S3_ENDPOINT nor AWS_REGION is set',
    );
  }

  if (env.METRICS_PORT !== undefined && env.METRICS_PORT !== 0 && env.METRICS_PORT === env.PORT) {
    throw new ConfigError(
      `Invalid configuration: METRICS_PORT ${env.METRICS_PORT} is also PORT: the metrics listener needs a port of its own ` +
        '(or leave METRICS_PORT unset and set METRICS_TOKEN to serve /metrics on the main listener)',
    );
  }
  if (env.S3_OBJECT_LOCK_MODE !== 'off') {
    if (!env.SAFEHOLD_STORAGE_URL?.startsWith('s3://')) {
      throw new ConfigError(
        `Invalid configuration: S3_OBJECT_LOCK_MODE=${env.S3_OBJECT_LOCK_MODE} needs SAFEHOLD_STORAGE_URL=s3://bucket/prefix; ` +
          'a filesystem repository cannot lock objects',
      );
    }
    if (env.S3_OBJECT_LOCK_DAYS === undefined) {
      throw new ConfigError(
        `Invalid configuration: S3_OBJECT_LOCK_DAYS is required with S3_OBJECT_LOCK_MODE=${env.S3_OBJECT_LOCK_MODE}`,
      );
    }
  } else if (env.S3_OBJECT_LOCK_DAYS !== undefined) {
    throw new ConfigError('Invalid configuration: S3_OBJECT_LOCK_DAYS is set but S3_OBJECT_LOCK_MODE is off');
  }

  const webhooksCaFile = env.SAFEHOLD_WEBHOOKS_CA_FILE ? path.resolve(cwd, env.SAFEHOLD_WEBHOOKS_CA_FILE) : null;
  if (webhooksCaFile && !existsSync(webhooksCaFile)) {
    throw new ConfigError(`Invalid configuration: SAFEHOLD_WEBHOOKS_CA_FILE ${webhooksCaFile} does not exist`);
  }

  return {
    env: env.NODE_ENV,
    host: env.HOST,
    port: env.PORT,
    publicUrl: (env.SAFEHOLD_PUBLIC_URL ?? `http://${formatHost(env.HOST)}:${env.PORT}`).replace(/\/$/, ''),
    dataDir,
    database: env.DATABASE_URL
      ? { kind: 'postgres', url: env.DATABASE_URL }
      : { kind: 'pglite', dataDir: path.join(dataDir, 'pglite') },
    storageUrl: env.SAFEHOLD_STORAGE_URL ?? path.join(dataDir, 'repositories'),
    exportDir: env.SAFEHOLD_EXPORT_DIR ? path.resolve(cwd, env.SAFEHOLD_EXPORT_DIR) : path.join(dataDir, 'exports'),
    masterKey,
    smtp: env.SMTP_URL ? { url: env.SMTP_URL, from: env.SMTP_FROM } : null,
    demo: env.SAFEHOLD_DEMO === undefined ? null : env.SAFEHOLD_DEMO === '1',
    trustedProxies: env.SAFEHOLD_TRUSTED_PROXIES ?? [],
    jobs: {
      pollSeconds: env.SAFEHOLD_JOB_POLL_SECONDS ?? null,
      superviseSeconds: env.SAFEHOLD_JOB_SUPERVISE_SECONDS ?? null,
      heartbeatSeconds: env.SAFEHOLD_JOB_HEARTBEAT_SECONDS ?? null,
    },
    logLevel: env.LOG_LEVEL,
    webhooks: { allowPrivateAddresses: env.SAFEHOLD_WEBHOOKS_ALLOW_PRIVATE === '1', caFile: webhooksCaFile },
    metrics: { token: env.METRICS_TOKEN ?? null, port: env.METRICS_PORT ?? null, host: env.METRICS_HOST },
    google: {
      serviceAccountKeys,
      apiUrl: env.GOOGLE_API_URL ?? null,
      uploadUrl: env.GOOGLE_UPLOAD_URL ?? null,
      tokenUrl: env.GOOGLE_TOKEN_URL ?? null,
      quotaLimits: env.GOOGLE_QUOTA_LIMITS ?? null,
      oidcIssuer: env.GOOGLE_OIDC_ISSUER ?? null,
      oidcClientId: env.GOOGLE_OIDC_CLIENT_ID ?? null,
      oidcClientSecret: env.GOOGLE_OIDC_CLIENT_SECRET ?? null,
    },
  };
}

/**
 * The key files named by GOOGLE_SERVICE_ACCOUNT_KEY and GOOGLE_SERVICE_ACCOUNT_KEYS. With several
 * projects configured every key is read now, so a bad one stops start-up naming its file; a lone
 * GOOGLE_SERVICE_ACCOUNT_KEY is read when first used (its errors name the file too).
 */
function serviceAccountKeysOf(env: Environment, cwd: string): ServiceAccountKeySource[] {
  const sources: ServiceAccountKeySource[] = env.GOOGLE_SERVICE_ACCOUNT_KEY
    ? [{ path: path.resolve(cwd, env.GOOGLE_SERVICE_ACCOUNT_KEY), variable: 'GOOGLE_SERVICE_ACCOUNT_KEY' }]
    : [];
  if (!env.GOOGLE_SERVICE_ACCOUNT_KEYS) return sources;
  try {
    sources.push(...keyFilesOf(env.GOOGLE_SERVICE_ACCOUNT_KEYS, cwd));
    readServiceAccountKeys(sources);
  } catch (error) {
    if (error instanceof ServiceAccountKeyError) throw new ConfigError(`Invalid configuration: ${error.message}`);
    throw error;
  }
  return sources;
}

/** The bad value as a message may show it: never a secret variable's, and never a URL's user:password part. */
function describeValue(variable: string, value: string): string {
  if (secretVariables.has(variable)) return ' (value not shown: it may hold a secret)';
  return ` (got "${value.replace(/\/\/.*@/s, '//***@')}")`;
}

function formatHost(host: string): string {
  return host.includes(':') ? `[${host}]` : host;
}

/**
 * Reads the master key, creating it (mode 0600) on first start outside production. A key file
 * that group or others may read is refused before it is read.
 */
export function readMasterKey(config: Config, generate: () => Buffer): { key: Buffer; created: boolean } {
  if (config.masterKey.kind === 'inline') return { key: config.masterKey.key, created: false };
  const file = config.masterKey.path;
  if (existsSync(file)) {
    assertPrivateKeyFile(
      file,
      config.masterKey.mustExist ? 'The master key file (SAFEHOLD_MASTER_KEY_FILE)' : 'The master key file',
    );
    const key = Buffer.from(readFileSync(file, 'utf8').trim(), 'base64');
    if (key.length !== 32) throw new ConfigError(`Invalid master key in ${file}: must be 32 bytes, base64-encoded`);
    return { key, created: false };
  }
  if (config.masterKey.mustExist) throw new ConfigError(`SAFEHOLD_MASTER_KEY_FILE ${file} does not exist`);
  return { key: generate(), created: true };
}
