import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { type BackupFixture, backupFixture, runRow, startTestBackup } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { defineBackupJobs } from './backup-jobs.ts';
import { BACKUP_JOB, type BackupService, INTERRUPTED_REASON } from './backup-types.ts';
import { createQueuedRuns, enqueueRunJob } from './queue-runs.ts';
import { GIVE_UP_AFTER_MS, NEVER_STARTED_REASON, STALE_AFTER_MS, sweepStaleRuns } from './stale-runs.ts';
import { backupRuns } from './tables.ts';

const MINUTE = 60_000;

forEachDatabase('the stale-run sweep', (kind) => {
  let f: BackupFixture;
  before(async () => {
    f = await backupFixture(kind, {
      users: 2,
      generate: { messagesPerUser: 4, filesPerUser: 1, eventsPerUser: 1, contactsPerUser: 1 },
    });
    defineBackupJobs(
      f.ctx.jobs,
      () => f.ctx,
      () => ({ google: f.google }),
    );
    await f.ctx.jobs.start({ work: true });
  });
  after(async () => {
    await f?.close();
  });

  /** A run of `service` as the scheduler would leave it, then put in the given state. */
  const run = async (service: BackupService, set: Partial<typeof backupRuns.$inferInsert>, user = 0) => {
    const [queued] = await createQueuedRuns(f.ctx, f.customerId, {
      subjects: [f.users[user]!],
      services: [service],
      trigger: 'scheduled',
      enqueue: false,
    });
    await f.ctx.db.update(backupRuns).set(set).where(eq(backupRuns.id, queued!.runId));
    return queued!.runId;
  };

  it('ends the runs of dead workers, sends lost jobs again, gives up after a day, and leaves the rest', async () => {
    const now = f.ctx.clock.now().getTime();
    const ago = (ms: number) => new Date(now - ms);
    const dead = await run('calendar', {
      status: 'running',
      startedAt: ago(60 * MINUTE),
      leaseExpiresAt: ago(STALE_AFTER_MS + MINUTE),
      leaseHolder: 'pglite:a-dead-worker',
      leaseAttempt: randomUUID(),
      ranBy: 'pglite:a-dead-worker',
    });
    const pausedWorker = await run('contacts', {
      status: 'running',
      startedAt: ago(10 * MINUTE),
      leaseExpiresAt: ago(MINUTE),
    });
    const lost = await run('gmail', { queuedAt: ago(STALE_AFTER_MS + MINUTE) });
    const justQueued = await run('drive', { queuedAt: ago(MINUTE) });
    const waitingForItsJob = await run('drive', { queuedAt: ago(STALE_AFTER_MS + MINUTE) });
    await enqueueRunJob(f.ctx, waitingForItsJob, 'scheduled', new Date(Date.now() + 3_600_000));
    const ancient = await run('calendar', { queuedAt: ago(GIVE_UP_AFTER_MS + MINUTE) });
    // Queued by a `backup run --wait` that runs it itself and still lives (it renews the hold).
    const held = await run('contacts', {
      queuedAt: ago(GIVE_UP_AFTER_MS + MINUTE),
      leaseExpiresAt: new Date(now + 4 * MINUTE),
    });
    // ... and one whose process died long ago (another user's: its job runs on its own source).
    const orphaned = await run(
      'gmail',
      { queuedAt: ago(STALE_AFTER_MS + 5 * MINUTE), leaseExpiresAt: ago(STALE_AFTER_MS + MINUTE) },
      1,
    );

    assert.deepEqual(await sweepStaleRuns(f.ctx), { interrupted: 1, requeued: 2, abandoned: 1 });

    const deadRow = await runRow(f, dead);
    assert.equal(deadRow.status, 'failed');
    assert.equal(deadRow.error, INTERRUPTED_REASON);
    assert.equal(deadRow.leaseExpiresAt, null);
    // The whole lease given up, as a claim that closes a left run gives it up: no holder, no attempt.
    assert.equal(deadRow.leaseHolder, null);
    assert.equal(deadRow.leaseAttempt, null);
    assert.equal(deadRow.ranBy, 'pglite:a-dead-worker', 'who ran it stays');
    const ancientRow = await runRow(f, ancient);
    assert.equal(ancientRow.status, 'failed');
    assert.equal(ancientRow.error, NEVER_STARTED_REASON);
    assert.equal((await runRow(f, pausedWorker)).status, 'running', 'a lease that ran out only lately is left');
    assert.equal((await runRow(f, justQueued)).status, 'queued');
    assert.equal((await runRow(f, justQueued)).jobId, null, 'a run queued lately is not requeued');
    const heldRow = await runRow(f, held);
    assert.equal(heldRow.status, 'queued', 'a run held by a live process is neither failed nor requeued');
    assert.equal(heldRow.jobId, null);
    assert.ok((await runRow(f, orphaned)).jobId, 'a run whose holder died is requeued');
    const waiting = await runRow(f, waitingForItsJob);
    assert.equal(waiting.status, 'queued');
    assert.equal((await f.ctx.jobs.get(BACKUP_JOB, waiting.jobId ?? ''))?.state, 'created');

    // The lost run got a job of its own, which a worker runs to the end.
    const lostJob = (await runRow(f, lost)).jobId;
    assert.ok(lostJob, 'the lost run has a job now');
    let status = 'queued';
    for (let attempt = 0; attempt < 300 && (status === 'queued' || status === 'running'); attempt++) {
      await new Promise((resolve) => setTimeout(resolve, 100));
      status = (await runRow(f, lost)).status;
    }
    assert.equal(status, 'success');

    // A second sweep finds nothing more to do: the waiting run's job is alive.
    assert.deepEqual(await sweepStaleRuns(f.ctx), { interrupted: 0, requeued: 0, abandoned: 0 });
    assert.equal((await runRow(f, waitingForItsJob)).jobId, waiting.jobId, 'its job is not replaced');
  });

  it('a backup run --wait without a worker holds the runs it will run itself, and lets go when done', async () => {
    // In-process as the CLI runs it (this context's queue counts as not started), one run at a time.
    const holds: Array<Date | null> = [];
    const local = { ...f.ctx, jobs: { ...f.ctx.jobs, started: false } };
    const result = await startTestBackup(local, f.customerId, {
      subjects: [f.users[0]!],
      services: ['calendar', 'contacts'],
      trigger: 'on_demand',
      wait: true,
      concurrency: 1,
      runOptions: {
        google: f.google,
        groupSize: 1,
        hooks: {
          async afterCommit() {
            // While the first run commits, the second waits queued, held by this process.
            const rows = await f.ctx.db
              .select({ status: backupRuns.status, lease: backupRuns.leaseExpiresAt })
              .from(backupRuns)
              .where(and(eq(backupRuns.status, 'queued'), eq(backupRuns.trigger, 'on_demand')));
            for (const row of rows) holds.push(row.lease);
          },
        },
      },
    });
    assert.deepEqual(
      result.results?.map((entry) => entry.status),
      ['success', 'success'],
    );
    assert.ok(holds.length > 0, 'a queued run was seen while the first one ran');
    assert.ok(
      holds.every((lease) => lease && lease.getTime() > f.ctx.clock.now().getTime()),
      'every queued run of the call is held',
    );
    for (const entry of result.runs) assert.equal((await runRow(f, entry.runId)).leaseExpiresAt, null);
    assert.deepEqual(await sweepStaleRuns(f.ctx), { interrupted: 0, requeued: 0, abandoned: 0 });
  });

  it('a queued run and its job are recorded together: no job, no run', async () => {
    const before = await f.ctx.db.select({ id: backupRuns.id }).from(backupRuns);
    // The queue refuses the job after the run's insert was sent: the transaction rolls back.
    const refusing = {
      ...f.ctx,
      jobs: {
        ...f.ctx.jobs,
        enqueue: async () => {
          throw new Error('queue unavailable');
        },
      },
    };
    await assert.rejects(
      startTestBackup(refusing, f.customerId, {
        subjects: [f.users[1]!],
        services: ['calendar'],
        trigger: 'on_demand',
      }),
      /queue unavailable/,
    );
    const after = await f.ctx.db.select({ id: backupRuns.id }).from(backupRuns);
    assert.equal(after.length, before.length, 'no run without its job');

    const { runs } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [f.users[1]!],
      services: ['calendar'],
      trigger: 'on_demand',
    });
    const row = await runRow(f, runs[0]!.runId);
    assert.ok(row.jobId, 'the run carries its job id');
    assert.ok(await f.ctx.jobs.get(BACKUP_JOB, row.jobId), 'and that job exists');
  });
});
