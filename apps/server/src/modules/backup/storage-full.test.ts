// The repository volume fills up mid-backup: the run fails with a clear error, leaves no damaged
// pack, and the next run (space freed) resumes and completes. The full disk is a backend
// wrapper that answers ENOSPC once a byte budget is spent (the volume is outside the system).
import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { type Backend, backendFromUrl, openRepository, verifyRepository } from '@safehold/repository';
import { type BackupFixture, backupFixture, runRow, versionsOf } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { queueGmailRun } from './backup-test-support.ts';
import { createPostgresBlobIndex } from './postgres-blob-index.ts';
import { runSourceBackup } from './run-source.ts';
import { openTenantRepository, tenantKeys } from './tenant-repository.ts';

/** `backend`, until `budget` bytes were written; then every write fails as on a full disk. */
function fillsUpAfter(backend: Backend, budget: number): Backend & { full: boolean } {
  let written = 0;
  const wrapper = Object.create(backend) as Backend & { full: boolean };
  wrapper.full = false;
  const spend = (name: string, bytes: number): void => {
    if (written + bytes > budget) {
      wrapper.full = true;
      throw Object.assign(new Error(`ENOSPC: no space left on device, write '${name}'`), {
        code: 'ENOSPC',
        errno: -28,
      });
    }
    written += bytes;
  };
  wrapper.put = async (name, data) => {
    spend(name, data.length);
    await backend.put(name, data);
  };
  // Packs are streamed into the volume piece by piece (Backend.create): the same budget.
  if (backend.create) {
    const create = backend.create.bind(backend);
    wrapper.create = async (name) => {
      const inner = await create(name);
      return {
        ...inner,
        write: async (parts) => {
          spend(
            name,
            parts.reduce((sum, part) => sum + part.byteLength, 0),
          );
          await inner.write(parts);
        },
      };
    };
  }
  return wrapper;
}

forEachDatabase('the repository volume running out of space mid-backup', (kind) => {
  let f: BackupFixture;
  before(async () => {
    // Large enough messages that the mailbox spans several packs.
    f = await backupFixture(kind, {
      users: 1,
      generate: { messagesPerUser: 40, filesPerUser: 0, eventsPerUser: 0, contactsPerUser: 0 },
    });
  });
  after(async () => {
    await f?.close();
  });

  it('fails the run with a clear error, damages no pack, and the next run resumes', async () => {
    const subject = f.users[0];
    assert.ok(subject);
    const queue = () => queueGmailRun(f);
    const { keys, location } = await tenantKeys(f.ctx, f.customerId);
    const real = await backendFromUrl(location);
    const backend = fillsUpAfter(real, 20_000);
    const repository = await openRepository({
      backend,
      keys,
      index: createPostgresBlobIndex(f.ctx.db, f.customerId, { backend, dataKey: keys.dataKey }),
      workers: 1,
    });
    const first = await queue();
    try {
      const result = await runSourceBackup(f.ctx, first, { google: f.google, repository, groupSize: 5 });
      assert.equal(result.status, 'failed');
      assert.ok(backend.full, 'the volume filled up during the run');
      assert.match(result.error ?? '', /ENOSPC: no space left on device/);
      assert.match((await runRow(f, first)).error ?? '', /no space left on device/);
    } finally {
      await repository.close().catch(() => undefined);
    }
    const kept = (await versionsOf(f, subject.email, 'gmail')).length;

    // Space freed: the repository verifies whole, and the next run picks up where that one stopped.
    const checked = await openTenantRepository(f.ctx, f.customerId);
    try {
      const report = await verifyRepository(checked);
      assert.deepEqual(report.damage, [], 'no damaged pack');
    } finally {
      await checked.close();
    }
    const expected = f.emulator.control.digest({ email: subject.email, service: 'gmail' });
    const second = await runSourceBackup(f.ctx, await queue(), { google: f.google });
    assert.equal(second.status, 'success', second.error ?? '');
    const versions = await versionsOf(f, subject.email, 'gmail');
    assert.equal(versions.length, expected.items);
    assert.equal(new Set(versions.map((version) => version.itemKey)).size, expected.items, 'no duplicates');
    assert.ok(kept < expected.items, `${kept} kept from the failed run`);
  });
});
