// Google quota across workers (issue 20 item 2, Tests: "the quota test with 3 workers"): three
// processes — each its own database pool, installation Google client and quota manager, as
// `safehold worker` builds them on PostgreSQL — back up one domain while each also reads one
// user's mailbox (as a restore or export of that user would), with low ceilings set in the
// emulator and in Safehold (GOOGLE_QUOTA_LIMITS). Measured by the emulator, not by Safehold: no
// user and not the project ever sends more than its ceiling in any 60 seconds; and (without
// ceilings) a 429 one process is answered for a user keeps every process off that user for the
// Retry-After while the others go on.
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import type { GoogleClient } from '@safehold/google';
import { loadConfig } from '../../config/config.ts';
import { type Database, openDatabase } from '../../db/database.ts';
import { createLogger } from '../../logger.ts';
import { createMetrics, type Metrics } from '../../metrics/metrics.ts';
import { parseMetrics, sampleValue } from '../../metrics/metrics-text.test-support.ts';
import { type BackupFixture, backupFixture } from '../../testing/backup.ts';
import { databaseKinds } from '../../testing/databases.ts';
import { installationGoogleClient } from '../customers/index.ts';
import { createQueuedRuns } from './queue-runs.ts';
import { runSourceBackup } from './run-source.ts';

const USER_CEILING = 100;
const PROJECT_CEILING = 150;
const RETRY_AFTER_SECONDS = 6;
// Each bucket holds 15 s of its rate, so a batch of 5 messages.get (25 units) fits in a user's.
const limits = {
  gmail: {
    perUserPerMinute: USER_CEILING,
    perProjectPerMinute: PROJECT_CEILING,
    concurrencyPerUser: 5,
    burstSeconds: 15,
  },
};

const postgresOnly =
  !databaseKinds().includes('postgres') && 'TEST_DATABASE_URL is not set (the workers share PostgreSQL)';

describe('Google quota across three workers', { skip: postgresOnly }, () => {
  let f: BackupFixture;
  let dir: string;
  let keyPath: string;
  const pools: Database[] = [];
  before(async () => {
    f = await backupFixture('postgres', {
      users: 3,
      generate: { messagesPerUser: 4, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0 },
    });
    dir = mkdtempSync(path.join(tmpdir(), 'safehold-quota-workers-'));
    keyPath = path.join(dir, 'service-account.json');
    writeFileSync(keyPath, JSON.stringify(f.emulator.serviceAccountKey), { mode: 0o600 });
  });
  after(async () => {
    await Promise.all(pools.map((pool) => pool.close()));
    await f?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  /**
   * Three workers: each its own pool on the test database, its own installation Google client and
   * its own metrics (what its /metrics would show).
   */
  async function startWorkers(env: NodeJS.ProcessEnv, metrics: Metrics[] = []): Promise<GoogleClient[]> {
    const workers: GoogleClient[] = [];
    for (let index = 0; index < 3; index++) {
      const url = f.ctx.database.testUrl as string;
      const database = await openDatabase({ kind: 'postgres', url }, { command: 'worker' });
      pools.push(database);
      const config = loadConfig({ SAFEHOLD_DATA_DIR: dir, GOOGLE_SERVICE_ACCOUNT_KEY: keyPath, ...env });
      const own = createMetrics();
      metrics.push(own);
      workers.push(
        installationGoogleClient({ config, logger: createLogger({ level: 'silent' }), database, metrics: own }),
      );
    }
    return workers;
  }

  /** What one worker's /metrics says of its waits for quota, by bucket. */
  async function quotaWaits(metrics: Metrics, bucket: string): Promise<{ waits: number; seconds: number }> {
    const samples = parseMetrics(await metrics.render());
    return {
      waits: sampleValue(samples, 'safehold_google_quota_waits_total', { api: 'gmail', bucket }),
      seconds: sampleValue(samples, 'safehold_google_quota_wait_seconds_total', { api: 'gmail', bucket }),
    };
  }

  async function readMailbox(google: GoogleClient, user: string): Promise<number> {
    let read = 0;
    for await (const message of google.gmail.listMessages(user)) {
      await google.gmail.getMessage(user, message.id, { format: 'raw' });
      read += 1;
    }
    return read;
  }

  it('back up a domain while reading one user, never above the per-user or per-project ceiling the emulator counts', async () => {
    const metrics: Metrics[] = [];
    const workers = await startWorkers({ GOOGLE_QUOTA_LIMITS: JSON.stringify(limits) }, metrics);
    const watched = f.users[0]?.email ?? '';
    f.emulator.control.setQuotas({
      enabled: true,
      unitsPerMinute: { gmail: USER_CEILING },
      // This test is about units: the emulator does not cap concurrency (the last test does), as
      // workers only divide a user's cap once each has seen the others (within a second).
      concurrentPerUser: { gmail: 100 },
    });
    f.emulator.control.counters({ reset: true });
    const runs = await createQueuedRuns(f.ctx, f.customerId, {
      subjects: f.users,
      services: ['gmail'],
      trigger: 'on_demand',
      enqueue: false,
    });
    const backUp = async (google: GoogleClient) => {
      const statuses: string[] = [];
      for (let run = runs.shift(); run; run = runs.shift()) {
        statuses.push((await runSourceBackup(f.ctx, run.runId, { google })).status);
      }
      return statuses;
    };
    // Each worker also reads the first user's mailbox, as a restore or an export of that user would.
    const [statuses, reads] = await Promise.all([
      Promise.all(workers.map(backUp)),
      Promise.all(workers.map((google) => readMailbox(google, watched))),
    ]);
    f.emulator.control.setQuotas({ enabled: false });
    assert.deepEqual(statuses.flat(), ['success', 'success', 'success'], 'every user backed up');
    assert.deepEqual(reads, [4, 4, 4], 'every reader read the whole mailbox');

    const peaks = f.emulator.control.usagePeaks().filter((peak) => peak.api === 'gmail');
    const watchedPeak = peaks.find((peak) => peak.scope === 'user' && peak.key === watched);
    assert.ok(
      watchedPeak && watchedPeak.units > USER_CEILING,
      `the user was asked more than a minute's worth (${watchedPeak?.units})`,
    );
    for (const peak of peaks.filter((p) => p.scope === 'user')) {
      assert.ok(peak.peakUnitsPerMinute <= USER_CEILING, `${peak.key}: ${peak.peakUnitsPerMinute} units in 60 s`);
    }
    const [project] = peaks.filter((peak) => peak.scope === 'project');
    assert.ok(
      project && project.units > PROJECT_CEILING,
      `the project asked more than a minute's worth (${project?.units})`,
    );
    assert.ok(project.peakUnitsPerMinute <= PROJECT_CEILING, `project: ${project.peakUnitsPerMinute} units in 60 s`);
    const refusals = f.emulator.control.requestLog().filter((call) => call.refusedWith !== undefined);
    assert.deepEqual(refusals, [], "the emulator's quota never had to refuse a call");
    // More than a minute's worth asked means runs waited for the user's bucket: /metrics shows it.
    const waited = await Promise.all(metrics.map((each) => quotaWaits(each, 'user')));
    const total = waited.reduce((sum, each) => ({
      waits: sum.waits + each.waits,
      seconds: sum.seconds + each.seconds,
    }));
    assert.ok(total.waits > 0 && total.seconds > 0, `quota waits on /metrics: ${JSON.stringify(waited)}`);
  });

  it('a 429 one worker is answered for a user keeps all three off that user until its Retry-After, and only that user', async () => {
    const workers = await startWorkers({});
    const [watched, other] = f.users.map((user) => user.email);
    assert.ok(watched && other);
    f.emulator.control.setFaults([
      {
        endpoint: 'gmail.users.messages.list',
        user: watched,
        errorRate: 1,
        status: 429,
        message: 'User-rate limit exceeded.',
        retryAfterSeconds: RETRY_AFTER_SECONDS,
        times: 1,
      },
    ]);
    f.emulator.control.counters({ reset: true });
    // Every worker reads the watched user's mailbox over and over until its calls resumed after the
    // Retry-After, and the other user's meanwhile.
    const resumed = () => {
      const log = f.emulator.control.requestLog();
      const refusal = log.find((call) => call.refusedWith !== undefined);
      return (
        refusal !== undefined &&
        log.some((call) => call.user === watched && call.at >= refusal.at + RETRY_AFTER_SECONDS * 1000)
      );
    };
    let watchedDone = 0;
    const readWatched = async (google: GoogleClient) => {
      let read = 0;
      while (!resumed()) read += await readMailbox(google, watched);
      watchedDone += 1;
      return read;
    };
    const readOther = async (google: GoogleClient) => {
      while (watchedDone < workers.length) await readMailbox(google, other);
    };
    const [reads] = await Promise.all([Promise.all(workers.map(readWatched)), Promise.all(workers.map(readOther))]);
    f.emulator.control.setFaults([]);
    assert.ok(
      reads.every((read) => read > 0 && read % 4 === 0),
      `each worker read whole mailboxes: ${reads}`,
    );

    const log = f.emulator.control.requestLog();
    const refusals = log.filter((call) => call.refusedWith !== undefined);
    assert.equal(refusals.length, 1, 'the injected 429');
    const refusedAt = refusals[0]?.at ?? 0;
    // Calls already past their quota check, and workers that read the backoffs less than a second
    // before, may still reach the emulator just after the 429; from then until Retry-After, none.
    const quietFrom = refusedAt + 2_000;
    const quietUntil = refusedAt + RETRY_AFTER_SECONDS * 1000;
    const during = log.filter((call) => call.at >= quietFrom && call.at < quietUntil);
    assert.deepEqual(
      during.filter((call) => call.user === watched).map((call) => `${call.endpoint} +${call.at - refusedAt} ms`),
      [],
      'no worker called for the user during the backoff',
    );
    assert.ok(
      during.some((call) => call.user === other),
      "the other user's calls went on meanwhile: the backoff was the user's, not the project's",
    );
    assert.ok(
      log.some((call) => call.user === watched && call.at >= quietUntil),
      'calls for the user resumed after it',
    );
  });

  it('a 429 inside a Gmail batch (the batch itself 200) keeps every worker off that user until its Retry-After, as a top-level 429 does', async () => {
    const metrics: Metrics[] = [];
    const [batching, reader] = await startWorkers({}, metrics);
    assert.ok(batching && reader);
    const watched = f.users[0]?.email ?? '';
    const ids: string[] = [];
    for await (const message of batching.gmail.listMessages(watched)) ids.push(message.id);
    assert.equal(ids.length, 4);
    // One part of the batch is refused: the emulator answers the batch 200 with a 429 inside.
    f.emulator.control.setFaults([
      {
        endpoint: 'gmail.users.messages.get',
        user: watched,
        errorRate: 1,
        status: 429,
        message: 'User-rate limit exceeded.',
        retryAfterSeconds: RETRY_AFTER_SECONDS,
        times: 1,
      },
    ]);
    f.emulator.control.counters({ reset: true });
    const refusal = () => f.emulator.control.requestLog().find((call) => call.refusedWith !== undefined);
    // A second worker starts reading the user a second after the refusal: well inside its Retry-After.
    const readLater = async () => {
      while (!refusal()) await new Promise((resolve) => setTimeout(resolve, 20));
      await new Promise((resolve) => setTimeout(resolve, 1000));
      return readMailbox(reader, watched);
    };
    const [results, read] = await Promise.all([batching.gmail.batchGetRawMessages(watched, ids), readLater()]);
    f.emulator.control.setFaults([]);
    assert.deepEqual(
      results.map((result) => result.ok),
      [true, true, true, true],
      'the refused part was fetched again',
    );
    assert.equal(read, 4);

    const log = f.emulator.control.requestLog();
    const refused = log.filter((call) => call.refusedWith !== undefined);
    assert.deepEqual(
      refused.map((call) => [call.endpoint, call.refusedWith]),
      [['gmail.users.messages.get', 429]],
      'the one injected 429, inside the batch',
    );
    const refusedAt = refused[0]?.at ?? 0;
    // The batch's own parts reach the emulator together with the refusal; after them, no call for
    // the user (the refused part fetched alone, the other worker's reads) until the Retry-After.
    const after = log.filter((call) => call.user === watched && call.at > refusedAt + 500);
    assert.ok(after.length > 0, 'calls for the user resumed');
    assert.deepEqual(
      after
        .filter((call) => call.at < refusedAt + RETRY_AFTER_SECONDS * 1000)
        .map((call) => `${call.endpoint} +${call.at - refusedAt} ms`),
      [],
      'no worker called for the user during the backoff',
    );
    // Both workers waited it out, and their /metrics say so.
    for (const each of metrics.slice(0, 2)) assert.ok((await quotaWaits(each, 'backoff')).waits > 0);
  });

  it("workers calling one user at once divide its concurrency cap: Google's cap of 5 in flight is never exceeded", async () => {
    const workers = await startWorkers({});
    const watched = f.users[1]?.email ?? '';
    const ids: string[] = [];
    for await (const message of workers[0]?.gmail.listMessages(watched) ?? []) ids.push(message.id);
    // Each call holds one of the user's 5 slots at the emulator for 300 ms.
    f.emulator.control.setQuotas({
      enabled: true,
      unitsPerMinute: { gmail: 1_000_000 },
      concurrentPerUser: { gmail: 5 },
    });
    f.emulator.control.setFaults([{ endpoint: 'gmail.users.messages.get', latencyMs: 300 }]);
    try {
      // Each worker begins on the user (and says so); a second later each knows of the others.
      for (const google of workers) await google.gmail.getMessage(watched, ids[0] ?? '', { format: 'minimal' });
      await new Promise((resolve) => setTimeout(resolve, 1100));
      f.emulator.control.counters({ reset: true });
      // Then each fires 5 requests at once, three times: 15 at once if each kept the whole cap.
      const burst = (google: GoogleClient) =>
        Promise.all(
          Array.from({ length: 5 }, (_, i) =>
            google.gmail.getMessage(watched, ids[i % ids.length] ?? '', { format: 'minimal' }),
          ),
        );
      for (let round = 0; round < 3; round++) await Promise.all(workers.map(burst));
    } finally {
      f.emulator.control.setFaults([]);
      f.emulator.control.setQuotas({ enabled: false });
    }
    const log = f.emulator.control.requestLog().filter((call) => call.user === watched);
    assert.equal(
      log.filter((call) => call.endpoint === 'gmail.users.messages.get').length,
      45,
      'every request went out once',
    );
    assert.deepEqual(
      log.filter((call) => call.refusedWith !== undefined).map((call) => `${call.endpoint} ${call.refusedWith}`),
      [],
      'the emulator never refused one for concurrency',
    );
  });
});
