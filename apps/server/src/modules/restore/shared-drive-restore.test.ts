import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import { after, before, it } from 'node:test';
import { and, count, eq } from 'drizzle-orm';
import { buildApp } from '../../http/app.ts';
import { AppError } from '../../http/errors.ts';
import { type BackupFixture, backupFixture, startTestBackup } from '../../testing/backup.ts';
import {
  createBrowser,
  openPartnerSessionAs,
  seedPartner,
  seedStaffUser,
  signInWithTotp,
} from '../../testing/browser.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { type BackupSubject, listSharedDriveSubjects } from '../backup/index.ts';
import { createIdentityModule } from '../identity/index.ts';
import { customers } from '../tenancy/tables.ts';
import { defineRestoreJobs } from './restore-jobs.ts';
import { runRestore } from './restore-run.ts';
import { getRestore } from './restore-store.ts';
import { restoreModule } from './routes.ts';
import { type StartRestoreInput, startRestore } from './start-restore.ts';
import { restoreItems, restores } from './tables.ts';

const FOLDER = 'application/vnd.google-apps.folder';
/** The operator at the command line (the policy lets it restore any tenant). */
const operator = { actor: { kind: 'system' }, audit: { actor: { kind: 'system', label: 'test' } } } as const;

forEachDatabase('restore of a shared drive', (kind) => {
  let f: BackupFixture;
  let driveId: string;
  let organizer: string;
  let other: string;
  let original: ReturnType<BackupFixture['emulator']['control']['digestSharedDrive']>;
  const digest = () => f.emulator.control.digestSharedDrive({ driveId });

  before(async () => {
    f = await backupFixture(kind, { users: 3, generate: { messagesPerUser: 1, filesPerUser: 2, sharedDrives: 1 } });
    const admin = `admin@${f.domain}`;
    for await (const drive of f.google.drive.listDrives(admin, { useDomainAdminAccess: true })) driveId = drive.id;
    organizer = (await f.google.drive.findSharedDriveMember(admin, driveId)) ?? '';
    other = f.users.find((user) => user.email !== organizer && user.email !== admin)?.email ?? '';
    assert.ok(driveId && organizer && other);
    // A folder with a file in it, besides the generated top-level files: the tree must come back.
    const plans = await f.google.drive.createFile(organizer, { name: 'Plans', mimeType: FOLDER, parents: [driveId] });
    await f.google.drive.createFile(
      organizer,
      { name: 'roadmap.txt', parents: [plans.id] },
      { body: Buffer.from('2027: restore shared drives\n'), mimeType: 'text/plain' },
    );
    // As the scheduler finds it: listed with domain admin access (its name remembered), read as a member.
    const [drive] = await listSharedDriveSubjects(f.ctx, f.customerId, f.google, admin);
    assert.deepEqual(drive, { kind: 'shared_drive', id: driveId, email: organizer });
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [drive as BackupSubject, ...f.users.filter((user) => user.email === other)],
      services: ['drive'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    for (const result of results ?? []) assert.equal(result.status, 'success', result.error ?? '');
    original = digest();
    assert.ok(original.items >= 9, 'the generated files and roadmap.txt');
  });
  after(async () => {
    await f?.close();
  });

  /** A restore as the CLI's --wait makes one: started (no job), then run here. */
  async function restore(
    request: Partial<StartRestoreInput['request']> = {},
    options: Parameters<typeof runRestore>[2] = {},
  ) {
    f.ctx.clock.advance(1000);
    const row = await startRestore(f.ctx, {
      customerId: f.customerId,
      request: { user: driveId, service: 'drive', ...request },
      by: operator,
      enqueue: false,
    });
    const result = await runRestore(f.ctx, row.id, { google: f.google, ...options });
    return { row, result };
  }

  /** The drive's name as Google gives it. */
  async function names() {
    const list = [];
    for await (const drive of f.google.drive.listDrives(`admin@${f.domain}`, { useDomainAdminAccess: true }))
      list.push(drive.name ?? '');
    return list;
  }

  /** The files of the shared drive named `name`, as its organizer lists them (corpora=drive). */
  async function inDrive(name: string) {
    const found = [];
    for await (const file of f.google.drive.listFiles(organizer, {
      q: `name = '${name}' and trashed = false`,
      driveId,
      fileFields: 'id,parents',
    }))
      found.push(file);
    return found;
  }

  it('restores into a "Restored <date>" folder at the top of the same shared drive', async () => {
    // First, while the originals are there (none carries a restore marker): a copy of each.
    const { row, result } = await restore();
    assert.equal(result.status, 'success', JSON.stringify(result));
    const containers = await inDrive(row.containerName);
    assert.equal(containers.length, 1, 'one Restored folder in the drive');
    assert.deepEqual(containers[0]?.parents, [driveId]);
    assert.equal(digest().items, original.items * 2, 'a copy of every file beside the originals');
    const plans = await inDrive('Plans');
    assert.ok(plans.some((folder) => folder.parents?.[0] === containers[0]?.id));
  });

  it('a shared drive wiped after a backup is restored in place into the drive: every content digest equals the one before', async () => {
    assert.ok(f.emulator.control.wipeSharedDrive({ driveId }).files > 0);
    assert.equal(digest().items, 0);
    const { row, result } = await restore({ inPlace: true });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.equal(result.counts.restored, result.counts.total);
    assert.deepEqual(digest(), original);
    assert.deepEqual([row.fromEmail, row.toEmail, row.sharedDriveId], [driveId, driveId, driveId]);
    const [plans] = await inDrive('Plans');
    assert.deepEqual(plans?.parents, [driveId], 'top-level items have the drive as parent');
    const [roadmap] = await inDrive('roadmap.txt');
    assert.deepEqual(roadmap?.parents, [plans?.id], 'the file is back in its folder');
    const done = await getRestore(f.ctx.db, f.customerId, result.restoreId);
    assert.ok(
      done?.notes.some((note) => note.includes(organizer)),
      'the report says whom it wrote as',
    );
  });

  it('running the same restore again creates nothing: every item is found in the drive and skipped', async () => {
    const { result } = await restore({ inPlace: true });
    assert.equal(result.status, 'success');
    assert.equal(result.counts.restored, 0);
    assert.equal(result.counts.skipped, result.counts.total);
    assert.deepEqual(digest(), original);
  });

  it('a restore into the drive that dies between creating items and recording them resumes without duplicates or gaps', async () => {
    f.emulator.control.wipeSharedDrive({ driveId });
    let created = 0;
    await assert.rejects(
      restore(
        { inPlace: true },
        {
          pageSize: 4,
          hooks: {
            afterCreate() {
              created += 1;
              if (created === 3) throw new Error('worker killed');
            },
          },
        },
      ),
      /worker killed/,
    );
    const [row] = await f.ctx.db
      .select()
      .from(restoreItems)
      .where(and(eq(restoreItems.customerId, f.customerId), eq(restoreItems.status, 'creating')));
    assert.ok(row, 'one item was created but not recorded');
    const result = await runRestore(f.ctx, row.restoreId, { google: f.google });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.equal(result.counts.skipped, 0, 'the unrecorded item is found in the drive and counted as restored');
    assert.equal(result.counts.restored, result.counts.total);
    assert.deepEqual(digest(), original, 'nothing twice, nothing missing');
  });

  it('restores into a user\'s My Drive under "Restored <date>"', async () => {
    const mine = f.emulator.control.digest({ email: other, service: 'drive' });
    const { row, result } = await restore({ to: other });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.equal(row.toEmail, other);
    const folders = [];
    for await (const file of f.google.drive.listFiles(other, {
      q: `name = '${row.containerName}' and 'root' in parents and trashed = false`,
      fileFields: 'id',
    }))
      folders.push(file);
    assert.equal(folders.length, 1, 'one Restored folder in their My Drive');
    const after = f.emulator.control.digest({ email: other, service: 'drive' });
    assert.equal(after.items, mine.items + original.items, 'every file of the drive, now theirs');
  });

  it('refuses requests it cannot honour, with the field at fault, and writes nothing', async () => {
    const restoresBefore = await f.ctx.db
      .select({ n: count() })
      .from(restores)
      .where(eq(restores.customerId, f.customerId));
    f.emulator.control.counters({ reset: true });
    const cases: Array<[Partial<StartRestoreInput['request']>, string]> = [
      [{ user: '0AnoSuchDrive' }, 'user'],
      [{ to: 'someone@elsewhere.test' }, 'to'],
      [{ to: other, inPlace: true }, 'inPlace'],
      [{ asOf: new Date('2001-01-01T00:00:00Z') }, 'asOf'],
      [{ selection: { label: 'INBOX' } }, 'label'],
      [{ service: 'gmail' }, 'user'],
    ];
    for (const [request, field] of cases) {
      await assert.rejects(
        startRestore(f.ctx, {
          customerId: f.customerId,
          request: { user: driveId, service: 'drive', ...request },
          by: operator,
          enqueue: false,
        }),
        (error: unknown) => {
          assert.ok(error instanceof AppError, String(error));
          assert.equal(error.code, 'validation_failed');
          assert.equal(error.field, field, error.message);
          return true;
        },
      );
    }
    const restoresAfter = await f.ctx.db
      .select({ n: count() })
      .from(restores)
      .where(eq(restores.customerId, f.customerId));
    assert.deepEqual(restoresAfter, restoresBefore, 'no restore row');
    assert.deepEqual(
      f.emulator.control.counters().filter((entry) => entry.endpoint.startsWith('drive.')),
      [],
      'nothing asked of Google',
    );
  });

  it("the API takes the drive by its id as `user`, like browsing, and shows the restore with the drive's name", async () => {
    const partnerId = await seedPartner(f.ctx.db);
    await f.ctx.db.update(customers).set({ partnerId }).where(eq(customers.id, f.customerId));
    const owner = await seedStaffUser(f.ctx, { email: 'owner@acme.test', partnerId, role: 'owner' });
    // The restore's job is queued for workers that do not run here.
    defineRestoreJobs(f.ctx.jobs, () => f.ctx);
    await f.ctx.jobs.start({ work: false });
    const app = await buildApp(f.ctx, { modules: [createIdentityModule(), restoreModule] });
    try {
      const browser = createBrowser(app);
      await signInWithTotp(browser, f.ctx.clock, owner);
      await openPartnerSessionAs(browser, f.ctx, owner, f.customerId);
      const url = `/api/customers/${f.customerId}/restores`;
      const started = await browser.post(url, { user: driveId, service: 'drive', inPlace: true });
      assert.equal(started.statusCode, 202, started.body);
      const shown = (await browser.get(`${url}/${started.json().id}`)).json();
      const [name] = await names();
      assert.deepEqual(
        [shown.subjectKind, shown.user, shown.subjectName, shown.to, shown.inPlace],
        ['shared_drive', driveId, name, driveId, true],
      );
      const listed = (await browser.get(`${url}?user=${encodeURIComponent(driveId)}`)).json();
      assert.ok(listed.restores.length > 0);
      assert.ok(listed.restores.every((restore: { user: string; to: string }) => restore.user === driveId));
      const refused = await browser.post(url, { user: driveId, service: 'drive', to: other, inPlace: true });
      assert.equal(refused.statusCode, 400, refused.body);
      assert.equal(refused.json().error.field, 'inPlace');
      const intoItself = await browser.post(url, { user: driveId, service: 'drive', to: driveId, items: ['x'] });
      assert.equal(intoItself.statusCode, 202, `\`to\` the drive's id is the drive itself: ${intoItself.body}`);
      const someoneElse = await browser.post(url, { user: driveId, service: 'drive', to: '0AotherDrive' });
      assert.equal(someoneElse.statusCode, 400, someoneElse.body);
      assert.equal(someoneElse.json().error.field, 'to');
      const notAnId = await browser.post(url, { user: 'not a drive', service: 'drive' });
      assert.equal(notAnId.statusCode, 400, notAnId.body);
    } finally {
      await app.close();
    }
  });

  it('lets a help-desk admin restore a shared drive and refuses an end user with 403', async () => {
    const member = (role: 'helpdesk_admin' | 'end_user') => ({
      actor: { kind: 'customer', memberId: randomUUID(), customerId: f.customerId, role, email: other } as const,
      audit: { actor: { kind: 'system', label: role } } as const,
    });
    const refused = startRestore(f.ctx, {
      customerId: f.customerId,
      request: { user: driveId, service: 'drive', to: other },
      by: member('end_user'),
      enqueue: false,
    });
    await assert.rejects(refused, (error: unknown) => {
      assert.ok(error instanceof AppError);
      assert.deepEqual([error.status, error.code], [403, 'forbidden']);
      assert.match(error.message, /administrators only/);
      return true;
    });
    const allowed = await startRestore(f.ctx, {
      customerId: f.customerId,
      request: { user: driveId, service: 'drive', selection: { folder: '/Plans' } },
      by: member('helpdesk_admin'),
      enqueue: false,
    });
    assert.equal(allowed.toEmail, driveId);
  });

  it('a deleted shared drive cannot be restored into: the restore fails saying to restore into a user, which works', async () => {
    f.emulator.control.deleteSharedDrive({ driveId });
    const { result } = await restore({ inPlace: true });
    assert.equal(result.status, 'failed');
    assert.match(result.error ?? '', /deleted.*Restore it into a user's My Drive instead/);
    assert.equal(result.counts.total, 0, 'nothing planned');
    // Into the organizer's My Drive, which has no marked copy (those in the drive are not in its corpus).
    const { result: intoUser } = await restore({ to: organizer, selection: { folder: '/Plans' } });
    assert.equal(intoUser.status, 'success', JSON.stringify(intoUser));
    assert.equal(intoUser.counts.restored, 2, 'the folder and its file');
  });
});
