// Opens everything a command needs — database (migrated), master key, services — and
// closes it again. Shared by `start`, `worker`, `migrate` and the maintenance commands.
import { randomBytes } from 'node:crypto';
import { chmodSync, mkdirSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import { type Clock, systemClock } from './clock.ts';
import { type Config, readMasterKey } from './config/config.ts';
import { formatMode, preparePrivateDataDir } from './config/file-modes.ts';
import type { AppContext, DemoInfo } from './context.ts';
import { type Database, openDatabase } from './db/database.ts';
import { defineHousekeeping, scheduleHousekeeping } from './jobs/housekeeping.ts';
import { createJobQueue, type JobQueueTuning } from './jobs/queue.ts';
import { createLogger, type Logger } from './logger.ts';
import { createMetrics } from './metrics/metrics.ts';
import { type AlertEvent, defineAlertJobs, evaluateAlertsAfterRun, scheduleAlertJobs } from './modules/alerts/index.ts';
import { createAuditService } from './modules/audit/index.ts';
import {
  backupCustomerHooks,
  backupNotificationFacts,
  defineBackupJobs,
  scheduleBackupJobs,
} from './modules/backup/index.ts';
import {
  createCustomersDeps,
  defineCustomerJobs,
  flushGoogleUsage,
  scheduleCustomerJobs,
} from './modules/customers/index.ts';
import { defineExportJobs, deleteExpiredExports } from './modules/export/index.ts';
import { deleteExpiredSessions } from './modules/identity/index.ts';
import { defineIntegrationJobs, publishAlertChanged, publishBackupRunEnded } from './modules/integrations/index.ts';
import {
  createMailService,
  defineNotificationJobs,
  requestFailureCheck,
  scheduleNotificationJobs,
} from './modules/notifications/index.ts';
import { defineResellerJobs, scheduleResellerJobs } from './modules/reseller/index.ts';
import { defineRestoreJobs } from './modules/restore/index.ts';
import { defineUsageJobs, scheduleUsageJobs } from './modules/usage/index.ts';

export interface Runtime extends AppContext {
  close(): Promise<void>;
}

export interface RuntimeOptions {
  command: string;
  logger?: Logger;
  clock?: Clock;
  /** Tests pass an already-open database. */
  database?: Database;
  migrate?: boolean;
  demo?: DemoInfo | null;
  /** For tests: shorter pg-boss polling and upkeep intervals (over the configuration's). */
  jobTuning?: Partial<JobQueueTuning>;
}

export async function openRuntime(config: Config, options: RuntimeOptions): Promise<Runtime> {
  const logger = options.logger ?? createLogger({ level: config.logLevel });
  const clock = options.clock ?? systemClock;
  prepareDataDir(config.dataDir, logger);
  const masterKey = loadOrCreateMasterKey(config, logger);
  const database = options.database ?? (await openDatabase(config.database, { command: options.command }));
  try {
    if (options.migrate !== false) await database.migrate();
  } catch (error) {
    await database.close();
    throw error;
  }
  const db = database.db;
  const audit = createAuditService({ db, clock });
  const mail = createMailService({ db, clock, logger, smtp: config.smtp });
  // Jobs are defined here, in every process, so any process can enqueue them; only `start`
  // and `worker` call jobs.start({ work: true }) and run the handlers.
  const metrics = createMetrics();
  const jobs = createJobQueue({
    database,
    logger,
    clock,
    metrics,
    command: options.command,
    tuning: { ...configuredJobTuning(config.jobs), ...options.jobTuning },
  });
  metrics.watchJobs(() => jobs.depths());
  defineHousekeeping(jobs, {
    db,
    clock,
    deleteExpiredSessions: (now) => deleteExpiredSessions(db, now),
    deleteExpiredExports: (now) => deleteExpiredExports(runtime, now),
  });
  const runtime: Runtime = {
    config,
    database,
    db,
    logger,
    clock,
    masterKey,
    audit,
    mail,
    demo: options.demo ?? null,
    jobs,
    metrics,
    close: async () => {
      try {
        // Normally stopped (with its grace period) by the command first; this is the backstop.
        await jobs.stop({ graceMs: 1000 });
        // Units spent since the last flush (about a second's) reach the daily counters.
        await flushGoogleUsage(runtime).catch((error: unknown) =>
          logger.warn({ err: error }, 'Google usage counts not written at shutdown'),
        );
      } finally {
        await database.close();
      }
    },
  };
  // The customers module reads the configuration through the runtime at each run: `start`
  // replaces runtime.config when it starts the demo emulator.
  defineCustomerJobs(jobs, createCustomersDeps(runtime, { hooks: backupCustomerHooks(runtime) }));
  // Runs that end failed or partial become the partner's backup.failed / backup.partial webhooks,
  // and a check of the customer's immediate failure alerts (Settings › Notifications); every run
  // that ends has its customer's alerts evaluated at once (and their alert.* webhooks).
  const publishAlert = async (event: AlertEvent) => {
    await publishAlertChanged(runtime, event);
  };
  defineBackupJobs(jobs, () => runtime, undefined, {
    runEnded: async (run) => {
      // Queued first: a failing webhook must not delay the customer's own alert.
      await requestFailureCheck(jobs, run.customerId);
      await publishBackupRunEnded(runtime, run);
    },
    runFinished: evaluateAlertsAfterRun(runtime, publishAlert),
  });
  // The customer's status emails and failure alerts read the backup engine's facts, passed in here.
  defineNotificationJobs(jobs, () => ({ ...runtime, facts: backupNotificationFacts(runtime) }));
  defineExportJobs(jobs, () => runtime);
  defineResellerJobs(jobs, runtime);
  // Alerts opened and resolved become the partner's alert.* (and customer.trial_ending) webhooks.
  defineAlertJobs(jobs, runtime, publishAlert);
  defineIntegrationJobs(jobs, () => runtime);
  defineRestoreJobs(jobs, () => runtime);
  defineUsageJobs(jobs, runtime);
  return runtime;
}

/**
 * The job queue's timings the configuration sets (SAFEHOLD_JOB_*; docs/configuration.md): each
 * variable moves the pg-boss intervals that serve one purpose, the rest keep their defaults.
 */
export function configuredJobTuning(jobs: Config['jobs']): Partial<JobQueueTuning> {
  const tuning: Partial<JobQueueTuning> = {};
  if (jobs.pollSeconds !== null) {
    // New jobs are announced by NOTIFY; polling finds retries and delayed jobs, with or without it.
    tuning.pollingIntervalSeconds = jobs.pollSeconds;
    tuning.notifyPollingIntervalSeconds = jobs.pollSeconds;
  }
  if (jobs.superviseSeconds !== null) {
    // A supervise pass monitors (heartbeats, expiry) only when the monitor interval has passed too.
    tuning.superviseIntervalSeconds = jobs.superviseSeconds;
    tuning.monitorIntervalSeconds = jobs.superviseSeconds;
  }
  if (jobs.heartbeatSeconds !== null) tuning.heartbeatSeconds = jobs.heartbeatSeconds;
  return tuning;
}

/** The data dir, private to this account: created 0700, or tightened (with a warning) when it was open. */
function prepareDataDir(dataDir: string, logger: Logger): void {
  const { tightenedFrom } = preparePrivateDataDir(dataDir);
  if (tightenedFrom !== null) {
    logger.warn(
      { dataDir, from: formatMode(tightenedFrom), to: '0700' },
      'the data directory was open to other accounts: its permissions are now owner-only',
    );
  }
}

function loadOrCreateMasterKey(config: Config, logger: Logger): Buffer {
  const { key, created } = readMasterKey(config, () => randomBytes(32));
  if (created && config.masterKey.kind === 'file') {
    mkdirSync(path.dirname(config.masterKey.path), { recursive: true });
    writeFileSync(config.masterKey.path, `${key.toString('base64')}\n`, { mode: 0o600, flag: 'wx' });
    chmodSync(config.masterKey.path, 0o600);
    logger.warn(
      { path: config.masterKey.path },
      'generated a new master key: back it up now — without it, every backup in this installation is unreadable',
    );
  }
  return key;
}

/**
 * Starts the job workers of a process that runs them (`start`, `worker`) and puts the
 * installation's recurring jobs on the schedule — one list, so both commands run the same.
 */
export async function startWorkers(runtime: Runtime): Promise<void> {
  await runtime.jobs.start({ work: true });
  await scheduleHousekeeping(runtime.jobs);
  await scheduleCustomerJobs(runtime.jobs);
  await scheduleBackupJobs(runtime.jobs);
  await scheduleResellerJobs(runtime.jobs);
  await scheduleAlertJobs(runtime.jobs);
  await scheduleNotificationJobs(runtime.jobs);
  await scheduleUsageJobs(runtime.jobs);
}
