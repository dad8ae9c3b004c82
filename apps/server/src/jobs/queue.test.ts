import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { it } from 'node:test';
import { z } from 'zod';
import { systemClock } from '../clock.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { createLogger } from '../logger.ts';
import { outbox } from '../modules/notifications/tables.ts';
import { createTestContext, forEachDatabase } from '../testing/context.ts';
import { createTestDatabase, type DatabaseKind, pgliteTemplateImage } from '../testing/databases.ts';
import { createJobQueue, fastTuning, type JobQueue, type JobState } from './queue.ts';

const logger = createLogger({ level: process.env.TEST_LOG_LEVEL ?? 'silent' });

/** Polls a job until it reaches one of the states (the test runner's timeout is the bound). */
async function waitForState(jobs: JobQueue, name: string, id: string, states: JobState['state'][]): Promise<JobState> {
  for (;;) {
    const job = await jobs.get(name, id);
    if (job && states.includes(job.state)) return job;
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/**
 * A database that can be closed and opened again, as a restarted process would: a PGlite
 * data dir on disk, or a PostgreSQL database reached by a new pool.
 */
async function reopenableDatabase(
  kind: DatabaseKind,
): Promise<{ where: string; open(): Promise<Database>; dispose(): Promise<void> }> {
  if (kind === 'pglite') {
    const dir = mkdtempSync(path.join(tmpdir(), 'safehold-jobs-'));
    const dataDir = path.join(dir, 'pglite');
    let first = true;
    return {
      where: dataDir,
      async open() {
        const image = first ? await pgliteTemplateImage() : undefined;
        first = false;
        return openDatabase(
          { kind: 'pglite', dataDir },
          { command: 'jobs test', ...(image ? { loadDataDir: image } : {}) },
        );
      },
      async dispose() {
        rmSync(dir, { recursive: true, force: true });
      },
    };
  }
  const owner = await createTestDatabase('postgres');
  const url = owner.testUrl as string;
  return {
    where: url,
    open: () => openDatabase({ kind: 'postgres', url }, { command: 'jobs test' }),
    dispose: () => owner.close(),
  };
}

forEachDatabase('job queue', (kind) => {
  it('runs an enqueued job with its parsed payload and marks it completed', async (t) => {
    const ctx = await createTestContext(kind);
    t.after(() => ctx.close());
    const seen: { to: string; count: number }[] = [];
    ctx.jobs.define(
      'greet',
      async (payload) => {
        seen.push(payload);
      },
      { payload: z.object({ to: z.string(), count: z.number().int().default(1) }) },
    );
    await ctx.jobs.start();
    const id = await ctx.jobs.enqueue('greet', { to: 'a@example.test' });
    assert.ok(id);
    const job = await waitForState(ctx.jobs, 'greet', id, ['completed', 'failed']);
    assert.equal(job.state, 'completed');
    assert.deepEqual(seen, [{ to: 'a@example.test', count: 1 }]);
  });

  it('rejects a payload that does not match the job schema at enqueue, and an unknown job name', async (t) => {
    const ctx = await createTestContext(kind);
    t.after(() => ctx.close());
    ctx.jobs.define('greet', async () => {}, { payload: z.object({ to: z.email() }) });
    await ctx.jobs.start({ work: false });
    await assert.rejects(ctx.jobs.enqueue('greet', { to: 'not-an-email' }), (error: Error) =>
      error.message.includes('to'),
    );
    await assert.rejects(ctx.jobs.enqueue('nope', {}), /Unknown job "nope"/);
  });

  it('retries a failing job with backoff until it succeeds', async (t) => {
    const ctx = await createTestContext(kind);
    t.after(() => ctx.close());
    const attempts: number[] = [];
    ctx.jobs.define(
      'flaky',
      async (_payload, run) => {
        attempts.push(run.retryCount);
        if (attempts.length < 3) throw new Error(`transient failure ${attempts.length}`);
      },
      { payload: z.object({}), retryLimit: 4, retryDelaySeconds: 1, retryDelayMaxSeconds: 1 },
    );
    await ctx.jobs.start();
    const id = await ctx.jobs.enqueue('flaky', {});
    assert.ok(id);
    const job = await waitForState(ctx.jobs, 'flaky', id, ['completed', 'failed']);
    assert.equal(job.state, 'completed');
    assert.deepEqual(attempts, [0, 1, 2]);
  });

  it('marks a job failed once its retries are used up', async (t) => {
    const ctx = await createTestContext(kind);
    t.after(() => ctx.close());
    let attempts = 0;
    ctx.jobs.define(
      'doomed',
      async () => {
        attempts++;
        throw new Error('permanent failure');
      },
      { payload: z.object({}), retryLimit: 1, retryDelaySeconds: 1, retryDelayMaxSeconds: 1 },
    );
    await ctx.jobs.start();
    const id = await ctx.jobs.enqueue('doomed', {});
    assert.ok(id);
    const job = await waitForState(ctx.jobs, 'doomed', id, ['completed', 'failed']);
    assert.equal(job.state, 'failed');
    assert.equal(attempts, 2);
  });

  it('loses no job across a restart: one enqueued before the stop runs after reopening', async (t) => {
    const store = await reopenableDatabase(kind);
    t.after(() => store.dispose());
    const payload = z.object({ n: z.number() });

    const first = await store.open();
    const producer = createJobQueue({ database: first, logger, clock: systemClock, tuning: fastTuning });
    producer.define('count', async () => assert.fail('the producer runs no handlers'), { payload });
    await producer.start({ work: false });
    const id = await producer.enqueue('count', { n: 7 });
    assert.ok(id);
    await producer.stop();
    await first.close();

    const second = await store.open();
    t.after(() => second.close());
    const ran: number[] = [];
    const worker = createJobQueue({ database: second, logger, clock: systemClock, tuning: fastTuning });
    t.after(() => worker.stop());
    worker.define('count', async ({ n }) => void ran.push(n), { payload });
    await worker.start();
    const job = await waitForState(worker, 'count', id, ['completed', 'failed']);
    assert.equal(job.state, 'completed');
    assert.deepEqual(ran, [7]);
  });

  it('resumes a job interrupted by a shutdown after the grace period, in the next process', async (t) => {
    const store = await reopenableDatabase(kind);
    t.after(() => store.dispose());
    const payload = z.object({ n: z.number() });
    const options = { payload, retryLimit: 3, retryDelaySeconds: 1, retryDelayMaxSeconds: 1 };

    const first = await store.open();
    const interrupted = createJobQueue({ database: first, logger, clock: systemClock, tuning: fastTuning });
    let started!: () => void;
    const running = new Promise<void>((resolve) => {
      started = resolve;
    });
    let release!: () => void;
    const stuck = new Promise<void>((resolve) => {
      release = resolve;
    });
    t.after(() => release());
    interrupted.define(
      'long',
      async () => {
        started();
        await stuck;
      },
      options,
    );
    await interrupted.start();
    const id = await interrupted.enqueue('long', { n: 1 });
    assert.ok(id);
    await running;
    assert.equal((await interrupted.get('long', id))?.state, 'active');
    await interrupted.stop({ graceMs: 1000 });
    await first.close();

    const second = await store.open();
    t.after(() => second.close());
    const resumed = createJobQueue({ database: second, logger, clock: systemClock, tuning: fastTuning });
    t.after(() => resumed.stop());
    const attempts: number[] = [];
    resumed.define('long', async (_payload, run) => void attempts.push(run.retryCount), options);
    await resumed.start();
    const job = await waitForState(resumed, 'long', id, ['completed', 'failed']);
    assert.equal(job.state, 'completed');
    assert.deepEqual(attempts, [1]);
  });

  /** Runs crash-worker.fixture.ts until its job runs, SIGKILLs it, and returns the job's id. */
  async function killWorkerMidJob(
    t: { after(fn: () => unknown): void },
    where: string,
    found: 'expiry' | 'heartbeat',
  ): Promise<string> {
    const crashing = spawn(
      process.execPath,
      [path.join(import.meta.dirname, 'crash-worker.fixture.ts'), kind, where, found],
      { stdio: ['ignore', 'pipe', 'inherit'] },
    );
    t.after(() => crashing.kill('SIGKILL'));
    const exited = new Promise((resolve) => crashing.on('exit', resolve));
    const id = await new Promise<string>((resolve) => {
      let out = '';
      crashing.stdout.setEncoding('utf8').on('data', (chunk: string) => {
        out += chunk;
        const match = out.match(/running (\S+)\n/);
        if (match) resolve(match[1] as string);
      });
    });
    crashing.kill('SIGKILL');
    await exited;
    return id;
  }

  it('resumes a job whose worker process was killed mid-run, once the job expires', async (t) => {
    const store = await reopenableDatabase(kind);
    t.after(() => store.dispose());
    // Seed the data dir (and pg-boss's schema) the way the first process of a deployment would.
    await (await store.open()).close();
    const id = await killWorkerMidJob(t, store.where, 'expiry');

    const database = await store.open();
    t.after(() => database.close());
    const resumed = createJobQueue({ database, logger, clock: systemClock, tuning: fastTuning });
    t.after(() => resumed.stop());
    const attempts: number[] = [];
    resumed.define('crashy', async (_payload, run) => void attempts.push(run.retryCount), {
      payload: z.object({}),
      expireInSeconds: 1,
      retryLimit: 5,
      retryDelaySeconds: 1,
      retryDelayMaxSeconds: 1,
    });
    await resumed.start();
    const job = await waitForState(resumed, 'crashy', id, ['completed', 'failed']);
    assert.equal(job.state, 'completed');
    assert.equal(attempts.length, 1);
    assert.ok((attempts[0] ?? 0) >= 1, 'the job ran again as a retry');
  });

  // Bounded by a timeout, not timed: without the resume the retry would wait out its hour.
  it('runs a job whose worker was killed again once its heartbeat is missed, not after its retry delay', {
    timeout: 180_000,
  }, async (t) => {
    const store = await reopenableDatabase(kind);
    t.after(() => store.dispose());
    await (await store.open()).close();
    const id = await killWorkerMidJob(t, store.where, 'heartbeat');

    const database = await store.open();
    t.after(() => database.close());
    const resumed = createJobQueue({ database, logger, clock: systemClock, tuning: fastTuning });
    t.after(() => resumed.stop());
    const attempts: number[] = [];
    resumed.define('crashy', async (_payload, run) => void attempts.push(run.retryCount), {
      payload: z.object({}),
      heartbeatSeconds: 10,
      expireInSeconds: 3600,
      retryLimit: 5,
      retryDelaySeconds: 3600,
    });
    await resumed.start();
    const job = await waitForState(resumed, 'crashy', id, ['completed', 'failed']);
    assert.equal(job.state, 'completed');
    assert.deepEqual(attempts, [1]);
  });

  it('fails, without running the handler, a job whose stored payload no longer matches the schema', async (t) => {
    const ctx = await createTestContext(kind);
    t.after(() => ctx.close());
    // An older release enqueued { size: number }; this one expects { size: string }.
    const older = createJobQueue({ database: ctx.database, logger, clock: systemClock, tuning: fastTuning });
    // A job keeps the retry policy it was sent with.
    older.define('evolving', async () => {}, { payload: z.object({ size: z.number() }), retryLimit: 0 });
    await older.start({ work: false });
    const id = await older.enqueue('evolving', { size: 3 });
    assert.ok(id);
    await older.stop();

    let ran = false;
    const handler = async () => {
      ran = true;
    };
    ctx.jobs.define('evolving', handler, {
      payload: z.object({ size: z.string() }),
      retryLimit: 0,
    });
    await ctx.jobs.start();
    const job = await waitForState(ctx.jobs, 'evolving', id, ['completed', 'failed']);
    assert.equal(job.state, 'failed');
    assert.equal(ran, false);
    assert.match(JSON.stringify(job.output), /Invalid payload for job .*evolving.*: size/);
  });

  it('a job enqueued in a transaction exists only if the transaction commits', async (t) => {
    const ctx = await createTestContext(kind);
    t.after(() => ctx.close());
    const ran: string[] = [];
    ctx.jobs.define('audited', async ({ label }) => void ran.push(label), { payload: z.object({ label: z.string() }) });
    await ctx.jobs.start();
    const rolledBack = new Error('roll back');
    let lostId: string | null = null;
    await assert.rejects(
      ctx.db.transaction(async (tx) => {
        lostId = await ctx.jobs.enqueue('audited', { label: 'lost' }, { transaction: tx });
        throw rolledBack;
      }),
      rolledBack,
    );
    assert.ok(lostId);
    assert.equal(await ctx.jobs.get('audited', lostId), null);
    const keptId = await ctx.db.transaction(async (tx) => {
      await tx.insert(outbox).values({ id: randomUUID(), to: 'a@b.test', subject: 's', text: 't' });
      return ctx.jobs.enqueue('audited', { label: 'kept' }, { transaction: tx });
    });
    assert.ok(keptId);
    const job = await waitForState(ctx.jobs, 'audited', keptId, ['completed', 'failed']);
    assert.equal(job.state, 'completed');
    assert.deepEqual(ran, ['kept']);
  });
});
