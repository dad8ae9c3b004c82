import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { backupRuns } from '../../db/schema.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { defineBackupJobs } from './backup-jobs.ts';
import { type BackupFixture, backupFixture, runRow } from './backup-test-support.ts';
import { BACKUP_JOB, type BackupService } from './backup-types.ts';
import { createQueuedRuns, enqueueRunJob } from './queue-runs.ts';
import {
  GIVE_UP_AFTER_MS,
  INTERRUPTED_REASON,
  NEVER_STARTED_REASON,
  STALE_AFTER_MS,
  sweepStaleRuns,
} from './stale-runs.ts';

const MINUTE = 60_000;

forEachDatabase('the stale-run sweep', (kind) => {
  let f: BackupFixture;
  before(async () => {
    f = await backupFixture(kind, {
      users: 1,
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
  const run = async (service: BackupService, set: Partial<typeof backupRuns.$inferInsert>) => {
    const [queued] = await createQueuedRuns(f.ctx, f.customerId, {
      subjects: [f.users[0]!],
      services: [service],
      trigger: 'scheduled',
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

    assert.deepEqual(await sweepStaleRuns(f.ctx), { interrupted: 1, requeued: 1, abandoned: 1 });

    const deadRow = await runRow(f, dead);
    assert.equal(deadRow.status, 'failed');
    assert.equal(deadRow.error, INTERRUPTED_REASON);
    assert.equal(deadRow.leaseExpiresAt, null);
    const ancientRow = await runRow(f, ancient);
    assert.equal(ancientRow.status, 'failed');
    assert.equal(ancientRow.error, NEVER_STARTED_REASON);
    assert.equal((await runRow(f, pausedWorker)).status, 'running', 'a lease that ran out only lately is left');
    assert.equal((await runRow(f, justQueued)).status, 'queued');
    assert.equal((await runRow(f, justQueued)).jobId, null, 'a run queued lately is not requeued');
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
});
