import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { AppError } from '../../http/errors.ts';
import { type BackupFixture, backupFixture, startTestBackup, versionsOf } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';
import { allVersionsAsOf, findSource, listSharedDriveSubjects, sharedDriveName } from '../backup/index.ts';
import type { Actor } from '../policy/index.ts';
import { EXPORT_JOB, exportFilePath, runExport } from './exports.ts';
import { type StartExportInput, startExport } from './start-export.ts';
import { dataExports } from './tables.ts';

const FOLDER = 'application/vnd.google-apps.folder';

interface ManifestItem {
  path: string;
  service: string;
  itemKey: string | null;
}

function filesUnder(root: string, dir = root): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    return entry.isDirectory() ? filesUnder(root, full) : [path.relative(root, full).split(path.sep).join('/')];
  });
}

forEachDatabase('export of a selection or a shared drive', (kind) => {
  let f: BackupFixture;
  let user: string;
  let work: string;
  let driveId: string;
  let driveName: string;
  /** The messages filed under the label "Work" (and one that is not). */
  const work_: { labelled: string[]; other: string } = { labelled: [], other: '' };
  /** /Acquisition/2026/plan.txt, /Acquisition/notes.txt, and /outside.txt. */
  const files: Record<'projects' | 'sub' | 'plan' | 'notes' | 'outside', string> = {
    projects: '',
    sub: '',
    plan: '',
    notes: '',
    outside: '',
  };

  const member = (role: 'super_admin' | 'helpdesk_admin' | 'end_user'): Actor => ({
    kind: 'customer',
    memberId: `m-${role}`,
    customerId: f.customerId,
    role,
    email: role === 'end_user' ? user : `${role}@${f.domain}`,
  });
  const by = (actor: Actor): StartExportInput['by'] => ({
    actor,
    audit: { actor: { kind: 'customer', id: actor.kind === 'customer' ? actor.memberId : 'x', label: 'admin' } },
  });

  before(async () => {
    f = await backupFixture(kind, {
      users: 1,
      generate: { messagesPerUser: 4, filesPerUser: 2, eventsPerUser: 4, contactsPerUser: 3, sharedDrives: 1 },
    });
    user = f.users[0]?.email as string;
    work = mkdtempSync(path.join(tmpdir(), 'safehold-export-selection-'));
    const label = await f.google.gmail.createLabel(user, { name: 'Work' });
    for (const subject of ['Work one', 'Work two']) {
      work_.labelled.push(f.emulator.control.addMessage({ email: user, subject, labelIds: ['INBOX', label.id] }).id);
    }
    work_.other = f.emulator.control.addMessage({ email: user, subject: 'Quarterly figures', labelIds: ['INBOX'] }).id;
    files.projects = f.emulator.control.createFile({ email: user, name: 'Acquisition', mimeType: FOLDER }).id;
    files.sub = f.emulator.control.createFile({
      email: user,
      name: '2026',
      mimeType: FOLDER,
      parentId: files.projects,
    }).id;
    files.plan = f.emulator.control.createFile({
      email: user,
      name: 'plan.txt',
      mimeType: 'text/plain',
      content: 'the plan',
      parentId: files.sub,
    }).id;
    files.notes = f.emulator.control.createFile({
      email: user,
      name: 'notes.txt',
      mimeType: 'text/plain',
      content: 'notes',
      parentId: files.projects,
    }).id;
    files.outside = f.emulator.control.createFile({
      email: user,
      name: 'outside.txt',
      mimeType: 'text/plain',
      content: 'not in Acquisition',
    }).id;
    const [drive] = await listSharedDriveSubjects(f.ctx, f.customerId, f.google, `admin@${f.domain}`);
    assert.ok(drive, 'the emulator has a shared drive');
    driveId = drive.id;
    driveName = (await sharedDriveName(f.ctx.db, f.customerId, drive.id)) as string;
    assert.ok(driveName, 'the listing remembered the drive’s name');
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [...f.users, drive],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    for (const result of results ?? []) assert.equal(result.status, 'success', result.error ?? '');
    await f.ctx.jobs.start({ work: false });
  });
  after(async () => {
    await f?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  /** Starts (without a job) and builds an export, then unpacks its zip with Debian's unzip. */
  async function exported(request: Omit<StartExportInput, 'customerId' | 'by'>, actor = member('super_admin')) {
    const row = await startExport(f.ctx, { customerId: f.customerId, ...request, by: by(actor), enqueue: false });
    const done = await runExport(f.ctx, row.id);
    assert.equal(done.status, 'success', done.error ?? '');
    assert.equal(done.itemsDone, row.itemsTotal, 'progress ends at the planned total');
    const dir = path.join(work, row.id);
    execFileSync('/usr/bin/unzip', ['-q', exportFilePath(f.ctx, row), '-d', dir]);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    const items = (manifest.items as ManifestItem[]).filter((item) => item.itemKey !== null);
    return { row, done, manifest, files: filesUnder(dir), keys: (service: string) => keysOf(items, service) };
  }
  const keysOf = (items: ManifestItem[], service: string) =>
    [...new Set(items.filter((item) => item.service === service).map((item) => item.itemKey as string))].sort();

  async function state() {
    const jobs = (await f.ctx.db.execute(sql`select id from pgboss.job where name = ${EXPORT_JOB}`)) as unknown as {
      rows: unknown[];
    };
    return {
      exports: (await f.ctx.db.select({ id: dataExports.id }).from(dataExports)).length,
      jobs: jobs.rows.length,
      audits: (await f.ctx.db.select({ id: auditLog.id }).from(auditLog)).length,
    };
  }

  it('a label exports exactly the messages carrying it: their .eml and the label’s mbox, nothing else', async () => {
    const result = await exported({ user, services: ['gmail'], selection: { label: 'work' } });
    assert.equal(result.row.itemsTotal, 2);
    assert.deepEqual(result.row.selection, { label: 'work' });
    assert.deepEqual(result.keys('gmail'), [...work_.labelled].sort());
    const emls = result.files.filter((file) => file.startsWith('mail/messages/'));
    assert.equal(emls.length, 2);
    assert.ok(!emls.some((file) => file.includes(work_.other)), 'a message outside the label is not exported');
    assert.ok(result.files.includes('mail/mbox/Work.mbox'), result.files.join(', '));
    assert.ok(!result.files.some((file) => file.startsWith('drive/')), 'no other service');
    assert.deepEqual(result.manifest.selection, { label: 'work' });
  });

  it('a folder exports it with its subfolders and their files (in their tree), not what is outside', async () => {
    const result = await exported({ user, services: ['drive'], selection: { folder: '/Acquisition/' } });
    assert.deepEqual(result.keys('drive'), [files.projects, files.sub, files.plan, files.notes].sort());
    assert.equal(result.row.itemsTotal, 4);
    assert.ok(result.files.includes('drive/Acquisition/2026/plan.txt'), result.files.join(', '));
    assert.ok(result.files.includes('drive/Acquisition/notes.txt'));
    assert.ok(!result.files.some((file) => file.endsWith('outside.txt')));
    assert.equal(readFileSync(path.join(work, result.row.id, 'drive/Acquisition/2026/plan.txt'), 'utf8'), 'the plan');
  });

  it('explicit items export those items only: one contact, one event in its calendar’s .ics', async () => {
    const [contact] = await versionsOf(f, user, 'contacts');
    assert.ok(contact);
    const contacts = await exported({ user, services: ['contacts'], selection: { items: [contact.itemKey] } });
    assert.deepEqual(contacts.keys('contacts'), [contact.itemKey]);
    assert.equal(contacts.row.itemsTotal, 1);

    const events = await versionsOf(f, user, 'calendar');
    const [event] = events;
    assert.ok(event && events.length > 1);
    const calendar = await exported({ user, services: ['calendar'], selection: { items: [event.itemKey] } });
    assert.deepEqual(calendar.keys('calendar'), [event.itemKey]);
    assert.equal(calendar.files.filter((file) => file.endsWith('.ics')).length, 1);
  });

  it('a query is resolved to its items when the export starts, and only they are exported', async () => {
    const result = await exported({ user, services: ['gmail'], selection: { query: 'subject:"Quarterly figures"' } });
    assert.deepEqual(result.row.selection, { query: 'subject:"Quarterly figures"', items: [work_.other] });
    assert.deepEqual(result.keys('gmail'), [work_.other]);
  });

  it('refuses a selection of several services, or one that does not fit the service, naming the field; nothing is written', async () => {
    const cases: Array<[Omit<StartExportInput, 'customerId' | 'by'>, string, RegExp]> = [
      [{ user, services: ['gmail', 'drive'], selection: { label: 'Work' } }, 'services', /exactly one/],
      [{ user, selection: { items: ['x'] } }, 'services', /exactly one/],
      [{ user, services: ['drive'], selection: { label: 'Work' } }, 'label', /Gmail only/],
      [{ user, services: ['gmail'], selection: { folder: '/Projects' } }, 'folder', /Drive only/],
      [{ user, services: ['gmail'], selection: { query: 'subject:"no such thing anywhere"' } }, 'query', /Nothing/],
      [{ user, services: ['gmail'], selection: { query: 'before:yesterday-ish' } }, 'query', /./],
      [{ user: driveId, services: ['gmail'] }, 'services', /Drive only/],
    ];
    const before = await state();
    for (const [request, field, message] of cases) {
      await assert.rejects(
        startExport(f.ctx, { customerId: f.customerId, ...request, by: by(member('super_admin')) }),
        (error: unknown) => {
          assert.ok(error instanceof AppError, String(error));
          assert.equal(error.code, 'validation_failed', error.message);
          assert.equal(error.field, field, `${JSON.stringify(request)}: ${error.message}`);
          assert.match(error.message, message);
          return true;
        },
      );
    }
    assert.deepEqual(await state(), before);
  });

  it('exports a shared drive by its id: the row records the drive, the zip holds the drive’s files', async () => {
    const result = await exported({ user: driveId }, member('helpdesk_admin'));
    assert.equal(result.row.sharedDriveId, driveId);
    assert.equal(result.row.sharedDriveName, driveName);
    assert.equal(result.row.subjectEmail, driveId, 'never a member’s email (their own export list must not show it)');
    assert.deepEqual(result.row.services, ['drive']);
    const source = await findSource(f.ctx.db, f.customerId, driveId, 'drive');
    assert.equal(source?.subjectKind, 'shared_drive');
    const expected: string[] = [];
    for await (const version of allVersionsAsOf(f.ctx.db, {
      customerId: f.customerId,
      sourceId: source?.id as string,
      at: f.ctx.clock.now(),
    })) {
      expected.push(version.itemKey);
    }
    assert.ok(expected.length > 0);
    assert.deepEqual(result.keys('drive'), expected.sort());
    assert.deepEqual(result.manifest.sharedDrive, { id: driveId, name: driveName });
    assert.ok(!Object.values(files).some((key) => result.keys('drive').includes(key)), 'none of the user’s own files');
  });

  it('an end user may not export a shared drive (403), and nothing is written', async () => {
    const before = await state();
    await assert.rejects(
      startExport(f.ctx, { customerId: f.customerId, user: driveId, by: by(member('end_user')) }),
      (error: unknown) => error instanceof AppError && error.code === 'forbidden' && error.status === 403,
    );
    assert.deepEqual(await state(), before);
  });
});
