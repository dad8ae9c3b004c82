import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import {
  type BackupFixture,
  backupFixture,
  requestCounts,
  runRow,
  startTestBackup,
  versionsOf,
} from '../../testing/backup.ts';
import { runAndKillWorker } from '../../testing/worker-process.ts';
import { createQueuedRuns } from './queue-runs.ts';
import { backupItemVersions, backupRuns } from './tables.ts';
import { openTenantRepository } from './tenant-repository.ts';

const fixtureScript = new URL('./backup-process.fixture.ts', import.meta.url).pathname;
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

// A real process SIGKILLed mid-run needs a database two processes share: PostgreSQL only.
describe('a backup worker killed with SIGKILL [postgres]', { skip: !process.env.TEST_DATABASE_URL }, () => {
  let f: BackupFixture;
  before(async () => {
    f = await backupFixture('postgres', { users: 2, generate: { messagesPerUser: 40 } });
  });
  after(async () => {
    await f?.close();
  });

  it('resumes at once without losing, duplicating or re-downloading committed messages', async () => {
    const subject = f.users[1];
    assert.ok(subject);
    const [run] = await createQueuedRuns(f.ctx, f.customerId, {
      subjects: [subject],
      services: ['gmail'],
      trigger: 'on_demand',
      enqueue: false,
    });
    assert.ok(run);
    // Killed right after its second commit, with more fetches and puts in flight.
    await runAndKillWorker({
      fixtureScript,
      ctx: f.ctx,
      serviceAccountKey: f.emulator.serviceAccountKey,
      targetId: run.runId,
      killWhen: (output) => /committed (\d+)\n[\s\S]*committed \d+\n/.test(output),
    });
    const interrupted = await runRow(f, run.runId);
    assert.equal(interrupted.status, 'running', 'the dead worker left its run running');
    const committed = await f.ctx.db.select().from(backupItemVersions).where(eq(backupItemVersions.runId, run.runId));
    const expected = f.emulator.control.digest({ email: subject.email, service: 'gmail' });
    assert.ok(committed.length > 0 && committed.length < expected.items, `${committed.length} committed`);

    // Its lease has not run out, but its holder is dead (its session's advisory lock is gone):
    // the next run takes the source over at once.
    f.emulator.control.counters({ reset: true });
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [subject],
      services: ['gmail'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    assert.equal(results?.[0]?.status, 'success');
    const [old] = await f.ctx.db.select().from(backupRuns).where(eq(backupRuns.id, run.runId));
    assert.equal(old?.status, 'failed', 'the interrupted run is closed as failed');
    assert.equal(
      requestCounts(f.emulator, subject.email)['gmail.users.messages.get'],
      expected.items - committed.length,
    );
    const versions = await versionsOf(f, subject.email, 'gmail');
    assert.equal(versions.length, expected.items);
    assert.equal(new Set(versions.map((version) => version.itemKey)).size, expected.items, 'no duplicates');
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      const digests: string[] = [];
      for (const version of versions) digests.push(sha256(await repository.readAll(version.objectId)));
      digests.sort();
      assert.equal(sha256(Buffer.from(digests.join('\n'))), expected.digest, 'every message readable, byte for byte');
    } finally {
      await repository.close();
    }
  });
});
