// Test support for the backup module's own tests; the fixture, `startTestBackup` and the row readers
// that other modules' tests share too are in testing/backup.ts.
import type { BackupFixture } from '../../testing/backup.ts';
import { createQueuedRuns } from './queue-runs.ts';

/** Queues (without a job) one Gmail run of the fixture's user `index`, for a test to run itself. */
export async function queueGmailRun(fixture: BackupFixture, index = 0): Promise<string> {
  const subject = fixture.users[index];
  if (!subject) throw new Error(`no user ${index} in the fixture`);
  const [run] = await createQueuedRuns(fixture.ctx, fixture.customerId, {
    subjects: [subject],
    services: ['gmail'],
    trigger: 'on_demand',
    enqueue: false,
  });
  if (!run) throw new Error('no run was queued');
  return run.runId;
}
