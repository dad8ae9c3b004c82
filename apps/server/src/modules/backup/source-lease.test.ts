import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { backupRuns } from '../../db/schema.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { type BackupFixture, backupFixture, runRow } from './backup-test-support.ts';
import { createQueuedRuns } from './queue-runs.ts';
import { ALREADY_RUNNING_REASON, DEFAULT_LEASE_MS, runSourceBackup } from './run-source.ts';

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

  const queue = async () => {
    const subject = f.users[0];
    assert.ok(subject);
    const [run] = await createQueuedRuns(f.ctx, f.customerId, {
      subjects: [subject],
      services: ['gmail'],
      trigger: 'on_demand',
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
    const [a, b] = [await queue(), await queue()];
    const results = await Promise.all([a, b].map((run) => runSourceBackup(f.ctx, run.runId, { google: f.google })));
    assert.deepEqual(results.map((result) => result.status).sort(), ['failed', 'success']);
    const loser = results.find((result) => result.status === 'failed');
    assert.equal(loser?.error, ALREADY_RUNNING_REASON);
    const rows = await f.ctx.db.select().from(backupRuns).where(eq(backupRuns.status, 'running'));
    assert.deepEqual(rows, [], 'nothing left running');
  });
});
