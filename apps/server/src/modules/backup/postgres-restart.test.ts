// PostgreSQL goes away mid-backup (a restart, a failover: every session of the database is
// terminated with pg_terminate_backend). The run completes or fails cleanly, and the next run
// resumes with nothing lost or duplicated.
import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { inArray } from 'drizzle-orm';
import pg from 'pg';
import { type BackupFixture, backupFixture, versionsOf } from '../../testing/backup.ts';
import { queueGmailRun } from './backup-test-support.ts';
import { runSourceBackup } from './run-source.ts';
import { backupRuns } from './tables.ts';

describe('a backup while PostgreSQL ends every session [postgres]', { skip: !process.env.TEST_DATABASE_URL }, () => {
  let f: BackupFixture;
  before(async () => {
    f = await backupFixture('postgres', {
      users: 1,
      generate: { messagesPerUser: 40, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0 },
    });
  });
  after(async () => {
    await f?.close();
  });

  it('ends the run completed or failed, and the next run resumes with every message once', async () => {
    const subject = f.users[0];
    assert.ok(subject);
    const queue = () => queueGmailRun(f);
    const admin = new pg.Client({ connectionString: f.ctx.database.testUrl as string });
    await admin.connect();
    let terminated = 0;
    const first = await queue();
    try {
      const result = await runSourceBackup(f.ctx, first, {
        google: f.google,
        groupSize: 5,
        hooks: {
          async afterCommit(committed) {
            if (committed < 5 || terminated > 0) return;
            const ended = await admin.query(
              'select pg_terminate_backend(pid) from pg_stat_activity where datname = current_database() and pid <> pg_backend_pid()',
            );
            terminated = ended.rowCount ?? 0;
          },
        },
      });
      assert.ok(terminated > 0, 'the sessions were ended mid-run');
      assert.ok(['success', 'failed'].includes(result.status), `${result.status}: ${result.error}`);
    } finally {
      await admin.end();
    }
    const second = await runSourceBackup(f.ctx, await queue(), { google: f.google });
    assert.equal(second.status, 'success', second.error ?? '');
    const expected = f.emulator.control.digest({ email: subject.email, service: 'gmail' });
    const versions = await versionsOf(f, subject.email, 'gmail');
    assert.equal(versions.length, expected.items);
    assert.equal(new Set(versions.map((version) => version.itemKey)).size, expected.items, 'no duplicates');
    const open = await f.ctx.db
      .select()
      .from(backupRuns)
      .where(inArray(backupRuns.status, ['queued', 'running']));
    assert.deepEqual(open, [], 'no run left open');
  });
});
