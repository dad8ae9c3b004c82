import assert from 'node:assert/strict';
import { existsSync, statSync } from 'node:fs';
import path from 'node:path';
import { it } from 'node:test';
import { sql } from 'drizzle-orm';
import { z } from 'zod';
import { systemClock } from '../clock.ts';
import { openDatabase } from '../db/database.ts';
import { housekeepingJob } from '../jobs/housekeeping.ts';
import { createJobQueue, fastTuning } from '../jobs/queue.ts';
import { createLogger } from '../logger.ts';
import { parseMetrics, sampleValue } from '../metrics/metrics-text.test-support.ts';
import { emptyDataDir, runCli } from '../testing/cli-process.ts';
import { createTestDatabase, databaseKinds } from '../testing/databases.ts';
import { runWithTraceId } from '../trace.ts';

it('safehold start on a new data dir serves health, readiness and API docs, prints a setup link, and stops cleanly on SIGTERM', async (t) => {
  const data = emptyDataDir();
  t.after(() => data.remove());
  const env = { SAFEHOLD_DATA_DIR: path.join(data.dir, 'data'), PORT: '0', HOST: '127.0.0.1' };

  const first = runCli(['start'], env);
  t.after(() => first.kill('SIGKILL'));
  const [, url] = (await first.waitForStdout(/Safehold is running at (http:\/\/127\.0\.0\.1:\d+)\n/)) as [
    string,
    string,
  ];
  const [, firstLink] = (await first.waitForStdout(/one-time link .*:\n {2}(\S+\/setup#token=\S+)\n/)) as [
    string,
    string,
  ];
  assert.ok(firstLink.startsWith(`${url}/setup#token=`));
  assert.match(first.stderr(), /generated a new master key: back it up now/);
  assert.equal(statSync(path.join(data.dir, 'data', 'master.key')).mode & 0o777, 0o600);

  const health = await fetch(`${url}/healthz`);
  assert.equal(health.status, 200);
  assert.deepEqual(await health.json(), { status: 'ok' });
  const ready = await fetch(`${url}/readyz`);
  assert.equal(ready.status, 200);
  assert.deepEqual(await ready.json(), { status: 'ready', checks: { database: true, migrations: true } });
  const docs = await fetch(`${url}/api/docs`);
  assert.equal(docs.status, 200);
  assert.match(docs.headers.get('content-type') ?? '', /text\/html/);
  assert.match(await docs.text(), /<html/i);
  const openapi = await fetch(`${url}/api/docs/json`);
  assert.equal(openapi.status, 200);
  const document = z.object({ openapi: z.string(), info: z.object({ title: z.string() }) }).parse(await openapi.json());
  assert.match(document.openapi, /^3\./);
  assert.equal(document.info.title, 'Safehold API');

  first.kill('SIGTERM');
  assert.equal(await first.exited, 0);
  assert.match(first.stderr(), /"signal":"SIGTERM".*stopping: no new work is taken/);
  assert.match(first.stderr(), /job queue stopped/);

  // Still no operator: the next start prints a new link (the old one is revoked).
  const second = runCli(['start'], env);
  t.after(() => second.kill('SIGKILL'));
  const [, secondLink] = (await second.waitForStdout(/one-time link .*:\n {2}(\S+)\n/)) as [string, string];
  assert.notEqual(secondLink.split('#')[1], firstLink.split('#')[1]);
  assert.doesNotMatch(second.stderr(), /generated a new master key/);
  second.kill('SIGINT');
  assert.equal(await second.exited, 0);
});

it('safehold start stopped by SIGTERM while still starting finishes starting, stops cleanly and frees the data dir', async (t) => {
  const data = emptyDataDir();
  t.after(() => data.remove());
  const env = { SAFEHOLD_DATA_DIR: path.join(data.dir, 'data'), PORT: '0' };
  const server = runCli(['start'], env);
  t.after(() => server.kill('SIGKILL'));
  // Logged while the database is still being created, long before the URL is printed.
  await server.waitForStderr(/generated a new master key/);
  server.kill('SIGTERM');
  assert.equal(await server.exited, 0);
  assert.match(server.stderr(), /"signal":"SIGTERM"/);
  assert.equal(existsSync(path.join(data.dir, 'data', 'pglite.lock')), false);
});

it('safehold worker on PostgreSQL runs jobs enqueued by another process with the job timings of SAFEHOLD_JOB_*, under the trace id they were enqueued with, serves metrics on METRICS_PORT, and stops on SIGTERM', {
  skip: !databaseKinds().includes('postgres') && 'TEST_DATABASE_URL is not set',
}, async (t) => {
  const owner = await createTestDatabase('postgres');
  t.after(() => owner.close());
  const url = owner.testUrl as string;
  const data = emptyDataDir();
  t.after(() => data.remove());
  const worker = runCli(['worker'], {
    DATABASE_URL: url,
    SAFEHOLD_DATA_DIR: data.dir,
    SAFEHOLD_JOB_SUPERVISE_SECONDS: '2',
    SAFEHOLD_JOB_HEARTBEAT_SECONDS: '12',
    METRICS_PORT: '0',
    METRICS_TOKEN: metricsToken,
  });
  t.after(() => worker.kill('SIGKILL'));
  await worker.waitForStdout(/Safehold worker is running \(PostgreSQL, lease holder /);
  const [, metricsUrl] = (await worker.waitForStdout(/Metrics: (http:\/\/127\.0\.0\.1:\d+\/metrics)\n/)) as [
    string,
    string,
  ];
  assert.equal((await fetch(metricsUrl)).status, 401);

  const database = await openDatabase({ kind: 'postgres', url }, { command: 'test producer' });
  t.after(() => database.close());
  // What the worker told pg-boss, as pg-boss recorded it: its supervision interval (instances)
  // and the heartbeat a job of each kind must keep (queues; production default 60 and 30).
  const recorded = await database.db.execute(
    sql`select (select config->>'superviseIntervalSeconds' || '/' || (config->>'monitorIntervalSeconds')
                  from pgboss.instance where name = 'safehold-worker' and stopped_on is null) as supervise,
               (select heartbeat_seconds from pgboss.queue where name = ${housekeepingJob}) as heartbeat`,
  );
  assert.deepEqual((recorded as unknown as { rows: unknown[] }).rows, [{ supervise: '2/2', heartbeat: 12 }]);
  const producer = createJobQueue({
    database,
    logger: createLogger({ level: 'silent' }),
    clock: systemClock,
    tuning: fastTuning,
  });
  producer.define(housekeepingJob, async () => assert.fail('the producer runs no handlers'), { payload: z.object({}) });
  await producer.start({ work: false });
  t.after(() => producer.stop());
  // The worker scheduled the installation's recurring jobs, housekeeping among them.
  const schedules = await producer.schedules();
  assert.deepEqual(
    schedules.find((schedule) => schedule.name === housekeepingJob),
    { name: housekeepingJob, cron: '7 * * * *' },
  );
  // Enqueued as a request of another process would: the worker runs it under that trace id.
  const id = await runWithTraceId('trace-from-the-api', () => producer.enqueue(housekeepingJob, {}));
  assert.ok(id);
  for (;;) {
    const job = await producer.get(housekeepingJob, id);
    if (job?.state === 'completed' || job?.state === 'failed') {
      assert.equal(job.state, 'completed');
      break;
    }
    await new Promise((resolve) => setTimeout(resolve, 100));
  }
  const scraped = await fetch(metricsUrl, { headers: { authorization: `Bearer ${metricsToken}` } });
  assert.equal(scraped.status, 200);
  const samples = parseMetrics(await scraped.text());
  // At least ours (the hourly schedule may have run one too, at minute 7).
  assert.ok(
    sampleValue(samples, 'safehold_job_duration_seconds_count', { kind: housekeepingJob, outcome: 'completed' }) >= 1,
  );
  worker.kill('SIGTERM');
  assert.equal(await worker.exited, 0);
  const done = worker
    .stderr()
    .split('\n')
    .filter((line) => line.includes('housekeeping done'))
    .map((line) => JSON.parse(line) as { traceId?: string });
  assert.ok(
    done.some((line) => line.traceId === 'trace-from-the-api'),
    `the job's lines carry the trace id it was enqueued with: ${JSON.stringify(done)}`,
  );
});

const metricsToken = 'worker-metrics-token-0123456789abcdef';
