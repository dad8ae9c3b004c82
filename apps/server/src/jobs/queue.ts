// Background jobs: pg-boss on the same database as everything else — PGlite through pg-boss's
// own adapter in the embedded deployment, a PostgreSQL connection string when scaled out
// (DESIGN.md §2). Modules define a job (name, zod payload schema, handler, retry policy) and
// enqueue it; `safehold start` and `safehold worker` run the handlers. Payloads are parsed
// with zod both when enqueued (a caller's mistake fails at the caller) and when handled
// (a row in the database is untrusted input too). A job carries the trace id of the request
// (or job) that enqueued it, and its handler runs under that trace id (trace.ts), so the
// worker's log lines for it carry the same id as the request's.
import { sql } from 'drizzle-orm';
import {
  type DrizzleTransactionLike,
  fromDrizzle,
  fromPglite,
  PgBoss,
  type Job as PgBossJob,
  type SendOptions,
} from 'pg-boss';
import type { z } from 'zod';
import type { Clock } from '../clock.ts';
import type { Database, Db } from '../db/database.ts';
import type { Logger } from '../logger.ts';
import type { Metrics } from '../metrics/metrics.ts';
import { currentTraceId, isTraceId, runWithTraceId } from '../trace.ts';
import {
  listWorkerProcesses,
  startWorkerHeartbeat,
  type WorkerHeartbeat,
  type WorkerProcess,
} from './worker-heartbeats.ts';

/** How often pg-boss looks for work and does its upkeep. Tests shorten every interval. */
export interface JobQueueTuning {
  /** Polling for queues without a LISTEN/NOTIFY listener. */
  pollingIntervalSeconds: number;
  /** Backstop polling while NOTIFY is active (retries and delayed jobs are found by polling). */
  notifyPollingIntervalSeconds: number;
  /** How often expired active jobs are sent back to retry. */
  superviseIntervalSeconds: number;
  monitorIntervalSeconds: number;
  maintenanceIntervalSeconds: number;
  queueCacheIntervalSeconds: number;
  cronWorkerIntervalSeconds: number;
  cronMonitorIntervalSeconds: number;
  /** The heartbeat of job kinds that set none (JobOptions.heartbeatSeconds); at least 10. */
  heartbeatSeconds: number;
  /** How often a process running jobs records that it lives (worker-heartbeats.ts). */
  workerHeartbeatSeconds: number;
}

export const productionTuning: JobQueueTuning = {
  pollingIntervalSeconds: 2,
  notifyPollingIntervalSeconds: 5,
  superviseIntervalSeconds: 60,
  monitorIntervalSeconds: 60,
  maintenanceIntervalSeconds: 3600,
  queueCacheIntervalSeconds: 60,
  cronWorkerIntervalSeconds: 5,
  cronMonitorIntervalSeconds: 30,
  heartbeatSeconds: 30,
  workerHeartbeatSeconds: 30,
};

/** The fastest intervals pg-boss accepts: for tests. */
export const fastTuning: JobQueueTuning = {
  pollingIntervalSeconds: 0.5,
  notifyPollingIntervalSeconds: 0.5,
  superviseIntervalSeconds: 1,
  monitorIntervalSeconds: 1,
  maintenanceIntervalSeconds: 1,
  queueCacheIntervalSeconds: 1,
  cronWorkerIntervalSeconds: 1,
  cronMonitorIntervalSeconds: 1,
  // Not shortened: a test machine's stalled event loop must not look like a dead worker.
  heartbeatSeconds: 30,
  // Tests move the clock: they beat by hand (JobQueue.heartbeat), so a timer cannot race them.
  workerHeartbeatSeconds: 3600,
};

/** Retry and run-time policy of one job kind. */
export interface JobOptions<Schema extends z.ZodType<object>> {
  /** Parses the payload, at enqueue and again when the job runs. */
  payload: Schema;
  /** Attempts after the first one before the job is marked failed. Default 5. */
  retryLimit?: number;
  /** Delay before the first retry, in seconds; doubles with each retry (with jitter). Default 10. */
  retryDelaySeconds?: number;
  /** Upper bound of the retry delay, in seconds. Default 1 hour. */
  retryDelayMaxSeconds?: number;
  /** A job running longer than this is treated as crashed and retried. Default 15 minutes. */
  expireInSeconds?: number;
  /**
   * The process running a job refreshes it this often (pg-boss heartbeat, at half the interval);
   * a job not refreshed for this long was left by a dead process and is retried — after a
   * SIGKILL within this bound (plus the monitor interval), not after `expireInSeconds`. Default:
   * the queue's tuning (30).
   */
  heartbeatSeconds?: number;
  /** Handlers of this kind running at once in one process. Default 1. */
  concurrency?: number;
}

/** What a handler knows about the job it runs. */
export interface JobRun {
  id: string;
  name: string;
  /** 0 on the first attempt. */
  retryCount: number;
  /** Aborted when the job is cancelled or the worker stops; long handlers check it. */
  signal: AbortSignal;
  startedAt: Date;
  logger: Logger;
}

export type JobHandler<Payload> = (payload: Payload, run: JobRun) => Promise<void>;

export interface EnqueueOptions {
  /** Run no earlier than this. */
  startAfter?: Date;
  /** At most one queued job with this key (e.g. one backup run per source). */
  singletonKey?: string;
  priority?: number;
  /**
   * A Drizzle transaction to add the job in: it exists only if the transaction commits, so
   * "record the run and queue it" is one atomic step. On PGlite (one connection) a job sent
   * from inside a transaction MUST go through it — awaiting a plain enqueue there deadlocks.
   */
  transaction?: Pick<Db, 'execute'>;
}

export interface JobState {
  id: string;
  name: string;
  state: 'created' | 'retry' | 'active' | 'completed' | 'cancelled' | 'failed';
  retryCount: number;
  output: unknown;
}

/** Jobs waiting or running of one kind (the Installation health page). */
export interface QueueDepth {
  name: string;
  created: number;
  retry: number;
  active: number;
  /** When the longest-waiting job (created or retry) was created; null when none waits. */
  oldestWaitingSince: Date | null;
}

/** A job that ended failed (its retries used up), with pg-boss's recorded error. */
export interface FailedJob {
  id: string;
  name: string;
  failedAt: Date;
  retryCount: number;
  error: string;
}

/** A running job and its heartbeat (pg-boss refreshes `heartbeat_on` while its process lives). */
export interface ActiveJob {
  id: string;
  name: string;
  startedAt: Date | null;
  heartbeatAt: Date | null;
}

export interface JobQueue {
  /** Declares a job kind. Call before `start()`. */
  define<Schema extends z.ZodType<object>>(
    name: string,
    handler: JobHandler<z.infer<Schema>>,
    options: JobOptions<Schema>,
  ): void;
  /** Adds a job; resolves to its id (null when a singleton key already has one queued). */
  enqueue(name: string, payload: object, options?: EnqueueOptions): Promise<string | null>;
  /** Enqueues `name` on a cron schedule (UTC), once per installation, whichever process runs it. */
  schedule(name: string, cron: string, payload?: object): Promise<void>;
  /** Removes the cron schedule of `name`, if any (a retired job's schedule outlives its code). */
  unschedule(name: string): Promise<void>;
  /** The cron schedules in force, for tests and status pages. */
  schedules(): Promise<{ name: string; cron: string }[]>;
  /** A job's state, for tests and status pages. */
  get(name: string, id: string): Promise<JobState | null>;
  /** Depth of every job kind that has jobs waiting or running, by name. Reads pgboss.job. */
  depths(): Promise<QueueDepth[]>;
  /**
   * Jobs that ended failed within the last `hours` by the database's clock (pg-boss stamps jobs
   * with it, not with the injected one), newest first, at most `limit`.
   */
  failedWithin(hours: number, limit?: number): Promise<FailedJob[]>;
  /** Jobs running now, with their last heartbeat. */
  activeJobs(): Promise<ActiveJob[]>;
  /** Sends a failed job back to the queue (pg-boss retry). False when no failed job has that id. */
  retryFailed(id: string): Promise<{ name: string } | null>;
  /** Every process that ran jobs in the last 7 days (this one included), alive or not. */
  workers(): Promise<WorkerProcess[]>;
  /** Records this process's heartbeat now (it beats by itself every 30 s while it works). */
  heartbeat(): Promise<void>;
  /** Connects (installing pg-boss's schema on first use) and, with `work`, runs handlers. */
  start(options?: { work?: boolean }): Promise<void>;
  /**
   * Stops taking work and waits up to `graceMs` (default 30 s) for running handlers. Handlers
   * still running then are marked failed and retried later (by whichever process runs next).
   */
  stop(options?: { graceMs?: number }): Promise<void>;
  readonly started: boolean;
}

export interface JobQueueDependencies {
  database: Database;
  logger: Logger;
  clock: Clock;
  /** Where job durations are counted (the job gauges are read through `depths`). */
  metrics?: Metrics;
  tuning?: Partial<JobQueueTuning>;
  /** The command of this process (`start`, `worker`), as the health page names it. */
  command?: string;
}

interface Definition {
  name: string;
  handler: JobHandler<object>;
  options: JobOptions<z.ZodType<object>>;
}

/** pg-boss keeps its tables in their own schema, apart from the migrations of ours. */
export const jobsSchema = 'pgboss';

/**
 * The field of a job's data that carries its trace id beside the payload: added at enqueue,
 * taken off before the payload is parsed (a strict payload schema never sees it).
 */
const TRACE_FIELD = 'safeholdTraceId';

/** A job's payload and trace id, from the data pg-boss stored. */
function splitTrace(data: unknown): { payload: unknown; traceId: string | undefined } {
  if (typeof data !== 'object' || data === null || !(TRACE_FIELD in data)) return { payload: data, traceId: undefined };
  const { [TRACE_FIELD]: traceId, ...payload } = data as Record<string, unknown>;
  return { payload, traceId: isTraceId(traceId) ? traceId : undefined };
}

/** The output pg-boss gives a job it fails because its heartbeat stopped (its process died). */
const HEARTBEAT_LOST = 'job heartbeat timeout';

/**
 * Sends jobs a dead worker left behind back to the queue at once. pg-boss fails such a job when
 * its heartbeat stops and schedules the retry after the job kind's retry delay, with backoff —
 * up to a minute for a restore. That delay is for errors worth waiting out (a Google quota, an
 * outage); a worker that died is not one, so the job resumes in whichever process polls next.
 * Its retry still counts against the kind's retry limit, so a job that kills its worker every
 * time still ends failed. Returns how many jobs were brought forward.
 */
async function resumeAbandonedJobs(database: Database): Promise<number> {
  const schema = sql.identifier(jobsSchema);
  const result = await database.db.execute(sql`
    update ${schema}.job set start_after = ${schema}.job_now()
     where state = 'retry' and start_after > ${schema}.job_now()
       and output #>> '{value,message}' = ${HEARTBEAT_LOST}
    returning id`);
  return (result as unknown as { rows: unknown[] }).rows.length;
}

export function createJobQueue({
  database,
  logger,
  clock,
  metrics,
  tuning: tuningOverrides,
  command = 'worker',
}: JobQueueDependencies): JobQueue {
  const tuning = { ...productionTuning, ...tuningOverrides };
  let heartbeat: WorkerHeartbeat | null = null;
  const definitions = new Map<string, Definition>();
  const log = logger.child({ component: 'jobs' });
  let boss: PgBoss | null = null;
  let stopping: Promise<void> | null = null;
  let resumeTimer: NodeJS.Timeout | null = null;
  let sweep: Promise<void> | null = null;

  function definition(name: string): Definition {
    const found = definitions.get(name);
    if (!found) throw new Error(`Unknown job "${name}": define it before enqueueing or scheduling it`);
    return found;
  }

  function running(): PgBoss {
    if (!boss) throw new Error('The job queue is not started');
    return boss;
  }

  function queueOptions(options: JobOptions<z.ZodType<object>>) {
    return {
      retryLimit: options.retryLimit ?? 5,
      retryDelay: options.retryDelaySeconds ?? 10,
      retryBackoff: true,
      retryDelayMax: options.retryDelayMaxSeconds ?? 3600,
      expireInSeconds: options.expireInSeconds ?? 900,
      heartbeatSeconds: options.heartbeatSeconds ?? tuning.heartbeatSeconds,
    };
  }

  /** In processes that supervise: as often as they look for jobs whose heartbeat stopped. */
  function startResuming(): void {
    resumeTimer = setInterval(() => {
      sweep ??= resumeAbandonedJobs(database)
        .then((resumed) => {
          if (resumed > 0) log.info({ resumed }, 'jobs left by a dead worker resume now, not after their retry delay');
        })
        .catch((error: unknown) => {
          log.warn({ err: error }, 'could not resume jobs left by a dead worker; they run after their retry delay');
        })
        .finally(() => {
          sweep = null;
        });
    }, tuning.superviseIntervalSeconds * 1000);
    resumeTimer.unref();
  }

  /** Runs a job under the trace id it was enqueued with (a job enqueued outside any trace: its own id). */
  async function runJob(item: Definition, job: PgBossJob<object>): Promise<void> {
    const { payload, traceId } = splitTrace(job.data);
    // Real elapsed time, not the injected clock: the metric is how long handlers take.
    const started = performance.now();
    let outcome: 'completed' | 'failed' = 'failed';
    try {
      await runWithTraceId(traceId ?? job.id, () => runHandler(item, job, payload));
      outcome = 'completed';
    } finally {
      metrics?.jobFinished(item.name, outcome, (performance.now() - started) / 1000);
    }
  }

  async function runHandler(item: Definition, job: PgBossJob<object>, payload: unknown): Promise<void> {
    const runLogger = log.child({ job: item.name, jobId: job.id, attempt: job.retryCount + 1 });
    const parsed = item.options.payload.safeParse(payload);
    if (!parsed.success) {
      // Retrying cannot fix a malformed payload, but failing loudly keeps it visible.
      const fields = parsed.error.issues.map((issue) => issue.path.join('.') || '(payload)').join(', ');
      runLogger.error({ fields }, 'job payload is invalid');
      throw new Error(`Invalid payload for job "${item.name}": ${fields}`);
    }
    runLogger.debug('job started');
    try {
      await item.handler(parsed.data, {
        id: job.id,
        name: item.name,
        retryCount: job.retryCount,
        signal: job.signal,
        startedAt: clock.now(),
        logger: runLogger,
      });
    } catch (error) {
      runLogger.warn({ err: error }, 'job failed; pg-boss retries it with backoff until its retry limit');
      throw error;
    }
    runLogger.debug('job completed');
  }

  const schema = sql.identifier(jobsSchema);
  const rowsOf = <Row>(result: unknown) => (result as { rows: Row[] }).rows;
  /** pg-boss installs its schema when a queue first starts; before that there are no jobs. */
  const installed = async () =>
    rowsOf<{ found: boolean }>(
      await database.db.execute(sql`select to_regclass(${`${jobsSchema}.job`}) is not null as found`),
    )[0]?.found === true;
  const dateOf = (value: unknown) => (value === null || value === undefined ? null : new Date(value as string));

  return {
    get started() {
      return boss !== null;
    },

    define(name, handler, options) {
      if (boss) throw new Error(`Define job "${name}" before the queue starts`);
      if (definitions.has(name)) throw new Error(`Job "${name}" is defined twice`);
      definitions.set(name, {
        name,
        handler: handler as JobHandler<object>,
        options: options as unknown as JobOptions<z.ZodType<object>>,
      });
    },

    async enqueue(name, payload, options = {}) {
      const item = definition(name);
      const parsed = item.options.payload.parse(payload);
      const traceId = currentTraceId();
      const data = traceId ? { ...parsed, [TRACE_FIELD]: traceId } : parsed;
      const send: SendOptions = {};
      if (options.startAfter) send.startAfter = options.startAfter;
      if (options.singletonKey) send.singletonKey = options.singletonKey;
      if (options.priority !== undefined) send.priority = options.priority;
      if (options.transaction) send.db = fromDrizzle(options.transaction as unknown as DrizzleTransactionLike, sql);
      return running().send(name, data, send);
    },

    async schedule(name, cron, payload = {}) {
      const item = definition(name);
      await running().schedule(name, cron, item.options.payload.parse(payload), { tz: 'UTC' });
    },

    async unschedule(name) {
      await running().unschedule(name);
    },

    async schedules() {
      const rows = await running().getSchedules();
      return rows.map((row) => ({ name: row.name, cron: row.cron }));
    },

    async get(name, id) {
      const job = await running().getJobById<object>(name, id);
      if (!job) return null;
      return { id: job.id, name: job.name, state: job.state, retryCount: job.retryCount, output: job.output };
    },

    async depths() {
      if (!(await installed())) return [];
      const result = await database.db.execute(sql`
        select name,
               count(*) filter (where state = 'created')::int as created,
               count(*) filter (where state = 'retry')::int as retry,
               count(*) filter (where state = 'active')::int as active,
               min(created_on) filter (where state in ('created', 'retry')) as oldest
          from ${schema}.job
         where state in ('created', 'retry', 'active')
         group by name
         order by name`);
      return rowsOf<{ name: string; created: number; retry: number; active: number; oldest: unknown }>(result).map(
        (row) => ({
          name: row.name,
          created: Number(row.created),
          retry: Number(row.retry),
          active: Number(row.active),
          oldestWaitingSince: dateOf(row.oldest),
        }),
      );
    },

    async failedWithin(hours, limit = 100) {
      if (!(await installed())) return [];
      const result = await database.db.execute(sql`
        select id::text as id, name, retry_count, coalesce(completed_on, created_on) as failed_at,
               coalesce(output #>> '{message}', output #>> '{value,message}', output::text, '') as error
          from ${schema}.job
         where state = 'failed' and coalesce(completed_on, created_on) >= now() - make_interval(hours => ${hours}::int)
         order by failed_at desc
         limit ${limit}`);
      return rowsOf<{ id: string; name: string; retry_count: number; failed_at: unknown; error: string }>(result).map(
        (row) => ({
          id: row.id,
          name: row.name,
          retryCount: Number(row.retry_count),
          failedAt: dateOf(row.failed_at) ?? new Date(0),
          error: row.error,
        }),
      );
    },

    async activeJobs() {
      if (!(await installed())) return [];
      const result = await database.db.execute(sql`
        select id::text as id, name, started_on, heartbeat_on from ${schema}.job
         where state = 'active' order by started_on`);
      return rowsOf<{ id: string; name: string; started_on: unknown; heartbeat_on: unknown }>(result).map((row) => ({
        id: row.id,
        name: row.name,
        startedAt: dateOf(row.started_on),
        heartbeatAt: dateOf(row.heartbeat_on),
      }));
    },

    async retryFailed(id) {
      if (!(await installed())) return null;
      const result = await database.db.execute(sql`
        select name from ${schema}.job where id = ${id}::uuid and state = 'failed'`);
      const [row] = rowsOf<{ name: string }>(result);
      if (!row) return null;
      await running().retry(row.name, id);
      return { name: row.name };
    },

    async workers() {
      return listWorkerProcesses(database, clock.now());
    },

    async heartbeat() {
      await heartbeat?.beat();
    },

    async start(options = {}) {
      if (boss) throw new Error('The job queue is already started');
      const instance = new PgBoss({
        ...(database.pglite
          ? { db: fromPglite(database.pglite), backend: 'pglite' as const }
          : { connectionString: database.url ?? undefined, max: 4 }),
        schema: jobsSchema,
        useListenNotify: true,
        // Only processes that run handlers supervise and run cron; an API-only process just sends.
        supervise: options.work !== false,
        schedule: options.work !== false,
        superviseIntervalSeconds: tuning.superviseIntervalSeconds,
        monitorIntervalSeconds: tuning.monitorIntervalSeconds,
        maintenanceIntervalSeconds: tuning.maintenanceIntervalSeconds,
        queueCacheIntervalSeconds: tuning.queueCacheIntervalSeconds,
        cronWorkerIntervalSeconds: tuning.cronWorkerIntervalSeconds,
        cronMonitorIntervalSeconds: tuning.cronMonitorIntervalSeconds,
        instanceName: options.work === false ? 'safehold-sender' : 'safehold-worker',
      });
      instance.on('error', (error: unknown) => log.error({ err: error }, 'job queue error'));
      instance.on('warning', (warning: { message: string }) => log.warn({ warning: warning.message }, 'job queue'));
      await instance.start();
      try {
        for (const item of definitions.values()) {
          const settings = { ...queueOptions(item.options), notify: true };
          await instance.createQueue(item.name, settings);
          // createQueue leaves an existing queue as it was: bring its policy up to date.
          await instance.updateQueue(item.name, settings);
        }
        if (options.work !== false) {
          for (const item of definitions.values()) {
            await instance.work<object>(
              item.name,
              {
                pollingIntervalSeconds: tuning.pollingIntervalSeconds,
                notifyPollingIntervalSeconds: Math.max(
                  tuning.notifyPollingIntervalSeconds,
                  tuning.pollingIntervalSeconds,
                ),
                localConcurrency: item.options.concurrency ?? 1,
                batchSize: 1,
              },
              async (jobs) => {
                for (const job of jobs) await runJob(item, job);
              },
            );
          }
        }
      } catch (error) {
        await instance.stop({ graceful: false, close: true });
        throw error;
      }
      boss = instance;
      if (options.work !== false) {
        startResuming();
        heartbeat = await startWorkerHeartbeat(
          { database, clock, logger: log },
          command,
          tuning.workerHeartbeatSeconds * 1000,
        ).catch((error: unknown) => {
          // The jobs run all the same; the health page shows this process as unknown.
          log.warn({ err: error }, 'worker heartbeat not registered');
          return null;
        });
      }
      log.info({ jobs: [...definitions.keys()], work: options.work !== false }, 'job queue started');
    },

    async stop(options = {}) {
      if (stopping) return stopping;
      const instance = boss;
      if (!instance) return;
      stopping = (async () => {
        if (resumeTimer) clearInterval(resumeTimer);
        resumeTimer = null;
        await sweep;
        const graceMs = options.graceMs ?? 30_000;
        await instance.stop({ graceful: true, timeout: graceMs, close: true });
        boss = null;
        await heartbeat
          ?.stop()
          .catch((error: unknown) => log.warn({ err: error }, 'worker heartbeat not marked stopped'));
        heartbeat = null;
        log.info('job queue stopped');
      })().finally(() => {
        stopping = null;
      });
      return stopping;
    },
  };
}
