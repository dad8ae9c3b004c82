import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { type BackupFixture, backupFixture, runRow } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { defineBackupJobs } from './backup-jobs.ts';
import { BACKUP_JOB, ON_DEMAND_PRIORITY } from './backup-types.ts';
import { createQueuedRuns } from './queue-runs.ts';
import { ALREADY_RUNNING_REASON, DEFAULT_LEASE_MS, runSourceBackup } from './run-source.ts';
import { backupRuns } from './tables.ts';

forEachDatabase('the per-source lease', (kind) => {
  let f: BackupFixture;
  before(async () => {
    f = await backupFixture(kind, {
      users: 1,
      generate: { messagesPerUser: 3, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0 },
    });
  });
  after(async () => {
    await f?.close();
  });

  const queue = async (enqueue = false) => {
    const subject = f.users[0];
    assert.ok(subject);
    const [run] = await createQueuedRuns(f.ctx, f.customerId, {
      subjects: [subject],
      services: ['gmail'],
      trigger: 'on_demand',
      enqueue,
    });
    assert.ok(run);
    return run;
  };

  it('turns a second run away while another holds the lease, or defers it', async () => {
    // A run of the source executing elsewhere (another worker), lease in force.
    const holder = await queue();
    const leaseUntil = new Date(f.ctx.clock.now().getTime() + DEFAULT_LEASE_MS);
    await f.ctx.db
      .update(backupRuns)
      .set({ status: 'running', startedAt: f.ctx.clock.now(), leaseExpiresAt: leaseUntil })
      .where(eq(backupRuns.id, holder.runId));

    const deferred = await queue();
    const waiting = await runSourceBackup(f.ctx, deferred.runId, { google: f.google, onBusy: 'defer' });
    assert.equal(waiting.status, 'queued');
    assert.equal(waiting.busyUntil?.getTime(), leaseUntil.getTime());
    assert.equal((await runRow(f, deferred.runId)).status, 'queued', 'left queued for a later attempt');

    const skipped = await runSourceBackup(f.ctx, (await queue()).runId, { google: f.google });
    assert.equal(skipped.status, 'failed');
    assert.equal(skipped.error, ALREADY_RUNNING_REASON);
    assert.equal((await runRow(f, holder.runId)).status, 'running', 'the holder is not disturbed');

    // The holder's lease runs out (its worker died): the deferred run takes over and ends it.
    f.ctx.clock.advance(DEFAULT_LEASE_MS + 1000);
    const resumed = await runSourceBackup(f.ctx, deferred.runId, { google: f.google, onBusy: 'defer' });
    assert.equal(resumed.status, 'success');
    const old = await runRow(f, holder.runId);
    assert.equal(old.status, 'failed');
    assert.match(old.error ?? '', /interrupted/);
    assert.equal((await runRow(f, deferred.runId)).leaseExpiresAt, null, 'the lease is released at the end');
  });

  it('lets exactly one of two runs of a source started at once execute', async () => {
    // A new message, so that the run holding the lease has something to commit (the source is
    // up to date after the test before, and a run without a commit never reaches afterCommit).
    const email = f.users[0]?.email;
    assert.ok(email);
    f.emulator.control.addMessage({ email, subject: 'Lease test', labelIds: ['INBOX'] });
    const [a, b] = [await queue(), await queue()];
    // The run that takes the lease waits after its first commit until the other has ended, so
    // the two overlap however the machine schedules them; a broken lease lets both in, and
    // both then go on after 10 s and succeed.
    let firstEnded = () => {};
    const ended = new Promise<void>((resolve) => {
      firstEnded = resolve;
    });
    const afterCommit = () =>
      Promise.race([ended, new Promise<void>((resolve) => setTimeout(resolve, 10_000).unref())]);
    const results = await Promise.all(
      [a, b].map((run) =>
        runSourceBackup(f.ctx, run.runId, { google: f.google, hooks: { afterCommit } }).finally(firstEnded),
      ),
    );
    assert.deepEqual(results.map((result) => result.status).sort(), ['failed', 'success']);
    const loser = results.find((result) => result.status === 'failed');
    assert.equal(loser?.error, ALREADY_RUNNING_REASON);
    const rows = await f.ctx.db.select().from(backupRuns).where(eq(backupRuns.status, 'running'));
    assert.deepEqual(rows, [], 'nothing left running');
  });

  it('the backup job sends a run whose source is busy back to the queue until the lease ends', async () => {
    const holder = await queue();
    const leaseUntil = new Date(f.ctx.clock.now().getTime() + DEFAULT_LEASE_MS);
    await f.ctx.db
      .update(backupRuns)
      .set({ status: 'running', startedAt: f.ctx.clock.now(), leaseExpiresAt: leaseUntil })
      .where(eq(backupRuns.id, holder.runId));
    defineBackupJobs(
      f.ctx.jobs,
      () => f.ctx,
      () => ({ google: f.google }),
    );
    await f.ctx.jobs.start({ work: true });
    const waiting = await queue(true);
    let jobs: Array<{ state: string; priority: number; start_after: Date | string }> = [];
    for (let attempt = 0; attempt < 200; attempt++) {
      const result = await f.ctx.db.execute(
        sql`select state, priority, start_after from pgboss.job where name = ${BACKUP_JOB} and data->>'runId' = ${waiting.runId} order by created_on`,
      );
      jobs = (result as unknown as { rows: typeof jobs }).rows;
      if (jobs.length === 2 && jobs[0]?.state === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(jobs.length, 2, 'the job was sent again');
    assert.equal(jobs[0]?.state, 'completed');
    assert.equal(jobs[1]?.state, 'created');
    assert.equal(jobs[1]?.priority, ON_DEMAND_PRIORITY, 'with its priority');
    assert.ok(new Date(jobs[1]?.start_after ?? 0).getTime() >= leaseUntil.getTime(), 'not before the lease ends');
    assert.equal((await runRow(f, waiting.runId)).status, 'queued');
    assert.equal((await runRow(f, holder.runId)).status, 'running');
  });
});
