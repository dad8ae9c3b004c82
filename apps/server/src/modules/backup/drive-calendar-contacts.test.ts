import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { after, before, it } from 'node:test';
import { Repository } from '@safehold/repository';
import { eq } from 'drizzle-orm';
import {
  type BackupFixture,
  backupFixture,
  requestCounts,
  runRow,
  startTestBackup,
  versionsOf,
} from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { listSharedDriveSubjects } from './directory-subjects.ts';
import type { BackupService } from './run-source.ts';
import { backupItemVersions } from './tables.ts';
import { openTenantRepository } from './tenant-repository.ts';

const sha256 = (data: Buffer | string) => createHash('sha256').update(data).digest('hex');
const FOLDER = 'application/vnd.google-apps.folder';

forEachDatabase('drive, calendar and contacts backup', (kind) => {
  let f: BackupFixture;
  before(async () => {
    f = await backupFixture(kind, { users: 2, generate: { messagesPerUser: 2, filesPerUser: 10, sharedDrives: 1 } });
  });
  after(async () => {
    await f?.close();
  });
  const user = () => f.users[1]?.email as string;

  async function backUp(service: BackupService) {
    const subject = f.users[1];
    assert.ok(subject);
    f.ctx.clock.advance(60_000);
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [subject],
      services: [service],
      trigger: 'scheduled',
      wait: true,
      runOptions: { google: f.google },
    });
    assert.ok(results?.[0]);
    return runRow(f, results[0].runId);
  }

  /** The emulator's Drive digest recomputed from the repository (Google files: their Office export). */
  async function driveDigest() {
    const versions = (await versionsOf(f, user(), 'drive')).filter(
      (version) => version.metadata.mimeType !== FOLDER && version.metadata.trashed !== true,
    );
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      const digests: string[] = [];
      for (const version of versions) {
        const content =
          version.metadata.contentKind === 'metadata' ? Buffer.alloc(0) : await repository.readAll(version.objectId);
        digests.push(sha256(`${version.metadata.name}\0${version.metadata.mimeType}\0${sha256(content)}`));
      }
      digests.sort();
      return { digest: sha256(digests.join('\n')), items: digests.length };
    } finally {
      await repository.close();
    }
  }

  it('a full Drive backup stores every owned file, Google Docs exported to Office, with path and permissions', async () => {
    const run = await backUp('drive');
    assert.equal(run.status, 'success');
    assert.equal(run.mode, 'full');
    const expected = f.emulator.control.digest({ email: user(), service: 'drive' });
    assert.deepEqual(await driveDigest(), { digest: expected.digest, items: expected.items });
    const versions = await versionsOf(f, user(), 'drive');
    const exported = versions.filter((version) => version.metadata.contentKind === 'export');
    assert.ok(exported.length > 0, 'the generated data has Google editor files');
    assert.ok(exported.every((version) => typeof version.metadata.exportedAs === 'string' && version.size > 0));
    assert.ok(
      versions.every(
        (version) => typeof version.metadata.path === 'string' && Array.isArray(version.metadata.permissions),
      ),
    );
  });

  it('an incremental Drive run downloads only changed files and keeps the old content of an edited file', async () => {
    const before = await versionsOf(f, user(), 'drive');
    const binary = before.find(
      (version) => version.metadata.contentKind === 'file' && version.metadata.trashed !== true,
    );
    assert.ok(binary);
    const created = f.emulator.control.createFile({
      email: user(),
      name: 'new.txt',
      mimeType: 'text/plain',
      content: 'brand new',
    });
    f.emulator.control.editFile({ email: user(), id: binary.itemKey, content: 'edited content' });
    const doc = f.emulator.control.createFile({
      email: user(),
      name: 'Plan',
      mimeType: 'application/vnd.google-apps.document',
      docText: 'the plan',
    });
    f.emulator.control.counters({ reset: true });
    const run = await backUp('drive');
    assert.equal(run.status, 'success');
    assert.equal(run.mode, 'incremental');
    assert.ok(created.id && doc.id);
    assert.deepEqual([run.added, run.changed], [2, 1]);
    const counts = requestCounts(f.emulator, user());
    assert.equal(counts['drive.files.list'] ?? 0, 0, 'no full listing');
    assert.equal(counts['drive.files.get'] ?? 0, 2, 'two downloads (new and edited file)');
    assert.equal(counts['drive.files.export'] ?? 0, 1, 'one export (the new Doc)');
    const expected = f.emulator.control.digest({ email: user(), service: 'drive' });
    assert.deepEqual(await driveDigest(), { digest: expected.digest, items: expected.items });
    const plan = (await versionsOf(f, user(), 'drive')).find((version) => version.itemKey === doc.id);
    assert.equal(plan?.metadata.exportedAs, 'application/vnd.openxmlformats-officedocument.wordprocessingml.document');
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      // The previous version of the edited file is still readable.
      assert.equal((await repository.readAll(binary.objectId)).length, binary.size);
    } finally {
      await repository.close();
    }
    // Nothing changed since: the next run stores nothing.
    const quiet = await backUp('drive');
    assert.deepEqual([quiet.added, quiet.changed, quiet.deleted], [0, 0, 0]);
  });

  it('a file whose content the tenant already holds is not downloaded: found by its checksum, stored once', async () => {
    const first = f.emulator.control.createFile({
      email: user(),
      name: 'original.txt',
      mimeType: 'text/plain',
      content: 'the same bytes twice',
    });
    assert.equal((await backUp('drive')).status, 'success');
    const copy = f.emulator.control.createFile({
      email: user(),
      name: 'copy.txt',
      mimeType: 'text/plain',
      content: 'the same bytes twice',
    });
    f.emulator.control.counters({ reset: true });
    const run = await backUp('drive');
    assert.equal(run.status, 'success');
    assert.equal(run.added, 1);
    assert.equal(requestCounts(f.emulator, user())['drive.files.get'] ?? 0, 0, 'the copy was not downloaded');
    const versions = await versionsOf(f, user(), 'drive');
    const [original, duplicate] = [first.id, copy.id].map((id) => versions.find((version) => version.itemKey === id));
    assert.ok(original && duplicate);
    assert.match(duplicate.contentHash, /^sha256:/);
    assert.equal(duplicate.objectId, original.objectId);
    assert.equal(duplicate.size, original.size);
  });

  it('calendar and contacts backups follow sync tokens and resync fully when a token expired', async (t) => {
    // Items are stored a group at a time (one index lookup, one worker round trip), not one by one.
    const putObjects = t.mock.method(Repository.prototype, 'putObjects');
    for (const [service, digestService] of [
      ['calendar', 'calendar'],
      ['contacts', 'contacts'],
    ] as const) {
      putObjects.mock.resetCalls();
      const full = await backUp(service);
      const stores = putObjects.mock.calls.map(({ arguments: [values] }) => values.length);
      assert.equal(full.status, 'success', `${service}: ${full.error}`);
      const expected = f.emulator.control.digest({ email: user(), service: digestService });
      assert.equal(full.items, expected.items, service);
      assert.equal(
        stores.reduce((sum, count) => sum + count, 0),
        expected.items,
        `${service}: every item stored once`,
      );
      assert.ok(stores.length < expected.items / 2, `${service}: ${expected.items} items in ${stores.length} stores`);
    }
    f.emulator.control.changeEvent({ email: user(), summary: 'New meeting' });
    f.emulator.control.changeContact({ email: user(), givenName: 'Nora', familyName: 'New' });
    const calendar = await backUp('calendar');
    const contacts = await backUp('contacts');
    assert.deepEqual([calendar.mode, calendar.added], ['incremental', 1]);
    assert.deepEqual([contacts.mode, contacts.added], ['incremental', 1]);
    f.emulator.control.expireCursors({ email: user() });
    const resyncCalendar = await backUp('calendar');
    const resyncContacts = await backUp('contacts');
    assert.deepEqual([resyncCalendar.mode, resyncCalendar.added, resyncCalendar.changed], ['resync', 0, 0]);
    assert.deepEqual([resyncContacts.mode, resyncContacts.added, resyncContacts.changed], ['resync', 0, 0]);
    assert.equal(resyncContacts.items, f.emulator.control.digest({ email: user(), service: 'contacts' }).items);
  });

  it('a Drive run commits once enough fetched bytes are pending, checked after each file', async () => {
    const subject = f.users[0];
    assert.ok(subject);
    const commits: number[] = [];
    f.ctx.clock.advance(60_000);
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [subject],
      services: ['drive'],
      trigger: 'scheduled',
      wait: true,
      // One fetch group holds every file: only a check after each file can commit before the end.
      runOptions: {
        google: f.google,
        commitBytes: 1,
        hooks: {
          afterCommit(committed) {
            commits.push(committed);
          },
        },
      },
    });
    const run = await runRow(f, results?.[0]?.runId as string);
    assert.equal(run.status, 'success', run.error ?? '');
    assert.ok(commits.length >= 2, `${commits.length} commits`);
    assert.equal(commits.at(-1), (await versionsOf(f, subject.email, 'drive')).length);
  });

  it('backs up a shared drive as one of its members', async () => {
    const admin = `admin@${f.domain}`;
    const subjects = await listSharedDriveSubjects(f.ctx, f.customerId, f.google, admin);
    assert.equal(subjects.length, 1);
    const drive = subjects[0];
    assert.ok(drive);
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [drive],
      services: ['drive', 'gmail'],
      trigger: 'scheduled',
      wait: true,
      runOptions: { google: f.google },
    });
    assert.equal(results?.length, 1, 'a shared drive has only a Drive source');
    const run = await runRow(f, results?.[0]?.runId as string);
    assert.equal(run.status, 'success', run.error ?? '');
    assert.ok(run.items > 0);
    const versions = await f.ctx.db
      .select()
      .from(backupItemVersions)
      .where(eq(backupItemVersions.sourceId, run.sourceId));
    assert.ok(versions.every((version) => version.metadata.driveId === drive.id));
  });
});
