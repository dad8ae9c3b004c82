// A backup run that ends opens or resolves its customer's alerts at once, through the backup
// job's runFinished listener as runtime.ts wires it — the 15-minute sweep never runs here.
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createGoogleClient, type GoogleClient } from '@safehold/google';
import { and, eq, isNull } from 'drizzle-orm';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { defineBackupJobs, type FinishedRun } from '../backup/index.ts';
import { customerConnections } from '../customers/tables.ts';
import { customers } from '../tenancy/tables.ts';
import { evaluateAlertsAfterRun } from './after-runs.ts';
import type { AlertEvent } from './events.ts';
import { alerts } from './tables.ts';

const hour = 3600_000;
/** Attempts the test's Google client makes of one request (the first and its retries). */
const ATTEMPTS = 3;

forEachDatabase('alerts after backup runs', (kind) => {
  let f: BackupFixture;
  let google: GoogleClient;
  const events: AlertEvent[] = [];
  /** Resolvers waiting for the next run's listener to have finished. */
  const waiting: Array<(run: FinishedRun) => void> = [];

  before(async () => {
    f = await backupFixture(kind, { users: 2, generate: { messagesPerUser: 18 } });
    google = createGoogleClient({
      serviceAccountKey: f.emulator.serviceAccountKey,
      retry: { maxAttempts: ATTEMPTS, baseDelayMs: 5, maxDelayMs: 20, maxRetryAfterMs: 200 },
    });
    await f.ctx.db.update(customers).set({ status: 'active' }).where(eq(customers.id, f.customerId));
    const connectedAt = new Date(f.ctx.clock.now().getTime() - 30 * hour);
    await f.ctx.db.insert(customerConnections).values({
      customerId: f.customerId,
      adminEmail: `admin@${f.domain}`,
      clientId: '1234567890',
      createdAt: connectedAt,
      authorizationChangedAt: connectedAt,
    });
    const evaluate = evaluateAlertsAfterRun(f.ctx, (event) => {
      events.push(event);
    });
    defineBackupJobs(
      f.ctx.jobs,
      () => f.ctx,
      () => ({ google }),
      {
        runEnded: async () => {},
        runFinished: async (run) => {
          await evaluate(run);
          waiting.shift()?.(run);
        },
      },
    );
    await f.ctx.jobs.start({ work: true });
  });
  after(async () => {
    f?.emulator.control.setFaults([]);
    await f?.close();
  });

  /** Backs up one user's mail through the job queue; resolves when the run's listener is done. */
  async function backUpMail(user: number): Promise<FinishedRun> {
    f.ctx.clock.advance(60_000);
    const finished = new Promise<FinishedRun>((resolve) => waiting.push(resolve));
    await startTestBackup(f.ctx, f.customerId, {
      subjects: [f.users[user]!],
      services: ['gmail'],
      trigger: 'on_demand',
    });
    return finished;
  }

  const openKinds = async () =>
    (
      await f.ctx.db
        .select({ kind: alerts.kind })
        .from(alerts)
        .where(and(eq(alerts.customerId, f.customerId), isNull(alerts.resolvedAt)))
    )
      .map((row) => row.kind)
      .sort();

  it('a failed run opens "backups failed or not run" at once, with its alert.opened event', async () => {
    assert.deepEqual(await openKinds(), []);
    f.emulator.control.setFaults([{ endpoint: 'gmail.users.messages.list', errorRate: 1, status: 500 }]);
    try {
      const run = await backUpMail(0);
      assert.equal(run.status, 'failed');
    } finally {
      f.emulator.control.setFaults([]);
    }
    assert.deepEqual(await openKinds(), ['backup_overdue']);
    const [alert] = await f.ctx.db.select().from(alerts).where(eq(alerts.customerId, f.customerId));
    assert.match(alert?.cause ?? '', /1 run failed in the last 24 hours/);
    assert.deepEqual(
      events.map((event) => [event.type, event.alert.kind]),
      [['alert.opened', 'backup_overdue']],
    );
  });

  it('a good run resolves it at once', async () => {
    events.length = 0;
    const run = await backUpMail(0);
    assert.equal(run.status, 'success');
    assert.deepEqual(await openKinds(), []);
    assert.deepEqual(
      events.map((event) => [event.type, event.alert.kind]),
      [['alert.resolved', 'backup_overdue']],
    );
  });

  it('a partial run opens "partial runs" at once; the next good run of that source resolves it', async () => {
    events.length = 0;
    const email = f.users[1]?.email as string;
    f.emulator.control.setFaults([
      { endpoint: 'gmail.batch', user: email, times: ATTEMPTS, errorRate: 1, status: 503 },
    ]);
    try {
      const run = await backUpMail(1);
      assert.equal(run.status, 'partial');
    } finally {
      f.emulator.control.setFaults([]);
    }
    assert.deepEqual(await openKinds(), ['backup_partial']);
    assert.deepEqual(
      events.map((event) => [event.type, event.alert.kind]),
      [['alert.opened', 'backup_partial']],
    );
    const run = await backUpMail(1);
    assert.equal(run.status, 'success');
    assert.deepEqual(await openKinds(), []);
  });
});
