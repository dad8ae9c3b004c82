import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import { runAndKillWorker } from '../../testing/worker-process.ts';
import { runRestore } from './restore-run.ts';
import { countItems, createRestore, getRestore } from './restore-store.ts';

const fixtureScript = new URL('./restore-process.fixture.ts', import.meta.url).pathname;

// A real process SIGKILLed mid-restore needs a database two processes share: PostgreSQL only.
describe('a restore worker killed with SIGKILL [postgres]', { skip: !process.env.TEST_DATABASE_URL }, () => {
  let f: BackupFixture;
  before(async () => {
    f = await backupFixture('postgres', { users: 2, generate: { messagesPerUser: 40 } });
  });
  after(async () => {
    await f?.close();
  });

  it('resumes after the kill: every message back exactly once', async () => {
    const subject = f.users[1];
    assert.ok(subject);
    f.ctx.clock.advance(60_000);
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [subject],
      services: ['gmail'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    assert.equal(results?.[0]?.status, 'success');
    const before = f.emulator.control.digest({ email: subject.email, service: 'gmail' });
    f.emulator.control.wipeUser({ email: subject.email });
    const restore = await createRestore(f.ctx, f.customerId, {
      user: subject.email,
      service: 'gmail',
      inPlace: true,
      requestedBy: 'test',
    });
    await runAndKillWorker({
      fixtureScript,
      ctx: f.ctx,
      serviceAccountKey: f.emulator.serviceAccountKey,
      targetId: restore.id,
      killWhen: (output) => output.includes('restored 5\n'),
    });
    assert.equal((await getRestore(f.ctx.db, f.customerId, restore.id))?.status, 'running');
    const midway = await countItems(f.ctx.db, restore.id);
    assert.ok(midway.restored >= 4 && midway.pending > 0, JSON.stringify(midway));
    assert.ok(f.emulator.control.digest({ email: subject.email, service: 'gmail' }).items < before.items);

    const result = await runRestore(f.ctx, restore.id, { google: f.google });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.deepEqual(
      { total: result.counts.total, restored: result.counts.restored, skipped: result.counts.skipped },
      { total: before.items, restored: before.items, skipped: 0 },
    );
    assert.deepEqual(f.emulator.control.digest({ email: subject.email, service: 'gmail' }), before);
  });
});
