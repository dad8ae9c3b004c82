import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import ICAL from 'ical.js';
import { type App, buildApp } from '../../http/app.ts';
import { type BackupFixture, backupFixture, startTestBackup, versionsOf } from '../../testing/backup.ts';
import {
  type Browser,
  createBrowser,
  openPartnerSessionAs,
  seedPartner,
  seedStaffUser,
  signInWithTotp,
} from '../../testing/browser.ts';
import { forEachDatabase } from '../../testing/context.ts';
import { auditLog } from '../audit/tables.ts';
import { findSource, type ItemVersion } from '../backup/index.ts';
import { backupSources } from '../backup/tables.ts';
import { createIdentityModule } from '../identity/index.ts';
import { staffUsers } from '../identity/tables.ts';
import { customers } from '../tenancy/tables.ts';
import { mboxLabels, planExport } from './export-archive.ts';
import {
  createExport,
  defineExportJobs,
  deleteExpiredExports,
  exportFilePath,
  insertExport,
  runExport,
} from './exports.ts';
import { exportModule } from './routes.ts';
import { dataExports } from './tables.ts';

/** Reads every file of a directory tree: relative path → absolute path. */
function filesUnder(root: string, dir = root): Map<string, string> {
  const found = new Map<string, string>();
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) for (const [rel, abs] of filesUnder(root, full)) found.set(rel, abs);
    else found.set(path.relative(root, full).split(path.sep).join('/'), full);
  }
  return found;
}

async function bytesOf(body: AsyncIterable<Uint8Array>): Promise<Buffer> {
  const parts: Buffer[] = [];
  for await (const chunk of body) parts.push(Buffer.from(chunk));
  return Buffer.concat(parts);
}

const mboxScript = `
import mailbox, sys, json, re
out = {}
for path in sys.argv[1:]:
    ids = []
    for message in mailbox.mbox(path):
        ids.append(message['Message-ID'].strip('<> ') if message['Message-ID'] else None)
    out[path] = ids
print(json.dumps(out))
`;

forEachDatabase('export', (kind) => {
  let f: BackupFixture;
  let app: App;
  let owner: Awaited<ReturnType<typeof seedStaffUser>>;
  let stranger: Awaited<ReturnType<typeof seedStaffUser>>;
  let otherCustomerId: string;
  let otherPartnerId: string;
  let work: string;
  let email: string;
  /** Backup point 1 (before the deletions) and the items deleted after it. */
  let firstPoint: Date;
  let deletedMessage: string;
  let deletedFile: string;
  let hostileFiles: { html: string; svg: string };
  const quotedBody = 'Dear team,\r\nFrom the desk of the director: hello.\r\n>From a quote\r\n';

  async function backUp(): Promise<void> {
    await startTestBackup(f.ctx, f.customerId, {
      subjects: [f.users[0] as (typeof f.users)[number]],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
  }

  before(async () => {
    f = await backupFixture(kind, {
      users: 2,
      generate: { messagesPerUser: 10, filesPerUser: 6, eventsPerUser: 12, contactsPerUser: 5 },
    });
    email = f.users[0]?.email as string;
    work = mkdtempSync(path.join(tmpdir(), 'safehold-export-test-'));
    const partnerId = await seedPartner(f.ctx.db);
    otherPartnerId = await seedPartner(f.ctx.db, { name: 'Other IT' });
    await f.ctx.db.update(customers).set({ partnerId }).where(eq(customers.id, f.customerId));
    otherCustomerId = randomUUID();
    await f.ctx.db
      .insert(customers)
      .values({ id: otherCustomerId, domain: `other-${kind}.test`, name: 'Other', partnerId: otherPartnerId });
    owner = await seedStaffUser(f.ctx, { email: 'owner@acme.test', partnerId, role: 'owner' });
    stranger = await seedStaffUser(f.ctx, { email: 'owner@other.test', partnerId: otherPartnerId, role: 'owner' });
    f.emulator.control.addMessage({ email, subject: 'Quoting test', body: quotedBody, labelIds: ['INBOX'] });
    const folder = f.emulator.control.createFile({
      email,
      name: 'Projets 2026',
      mimeType: 'application/vnd.google-apps.folder',
    });
    f.emulator.control.createFile({
      email,
      name: 'Compte rendu',
      mimeType: 'application/vnd.google-apps.document',
      docText: 'Réunion du lundi',
      parentId: folder.id,
    });
    // Files whose Drive type a browser would run as a page, with Safehold's origin and session.
    hostileFiles = {
      html: f.emulator.control.createFile({
        email,
        name: 'invoice.html',
        mimeType: 'text/html',
        content: '<script>fetch("/api/auth/session").then((r) => r.text()).then(alert)</script>',
      }).id,
      svg: f.emulator.control.createFile({
        email,
        name: 'logo.svg',
        mimeType: 'image/svg+xml',
        content: '<svg xmlns="http://www.w3.org/2000/svg"><script>alert(document.domain)</script></svg>',
      }).id,
    };
    await backUp();
    firstPoint = f.ctx.clock.now();
    const messages = await versionsOf(f, email, 'gmail');
    deletedMessage = messages[0]?.itemKey as string;
    const files = (await versionsOf(f, email, 'drive')).filter((version) => version.metadata.contentKind === 'file');
    deletedFile = files[0]?.itemKey as string;
    f.emulator.control.deleteMessage({ email, id: deletedMessage });
    f.emulator.control.deleteFile({ email, id: deletedFile });
    f.ctx.clock.advance(3600_000);
    await backUp();
    // The other user's mail, with messages large enough to make the export spool to disk.
    const other = f.users[1] as (typeof f.users)[number];
    for (let i = 0; i < 3; i++)
      f.emulator.control.addMessage({
        email: other.email,
        subject: `Large ${i}`,
        body: `${'spool '.repeat(50_000)}\r\n`,
        labelIds: ['INBOX'],
      });
    await startTestBackup(f.ctx, f.customerId, {
      subjects: [other],
      services: ['gmail'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    defineExportJobs(f.ctx.jobs, () => f.ctx);
    await f.ctx.jobs.start({ work: true });
    app = await buildApp(f.ctx, { modules: [createIdentityModule(), exportModule] });
  });
  after(async () => {
    await app?.close();
    await f?.close();
    if (work) rmSync(work, { recursive: true, force: true });
  });

  async function as(user: typeof owner): Promise<Browser> {
    const browser = createBrowser(app);
    await signInWithTotp(browser, f.ctx.clock, user);
    // Partner staff reach customer data inside a partner session (issue 18 §2): the owner on
    // this tenant, the stranger (the other partner's owner) on its own customer.
    if (user.id === owner.id) await openPartnerSessionAs(browser, f.ctx, user, f.customerId);
    if (user.id === stranger.id) await openPartnerSessionAs(browser, f.ctx, user, otherCustomerId);
    return browser;
  }

  /** Starts an export, waits for the worker to finish it, downloads and unpacks the zip. */
  async function exportZip(browser: Browser, body: Record<string, unknown>, name: string) {
    const started = await browser.post(`/api/customers/${f.customerId}/exports`, body);
    assert.equal(started.statusCode, 202, started.body);
    const { id } = started.json();
    let status: Record<string, unknown> = {};
    for (let attempt = 0; attempt < 600; attempt++) {
      const response = await browser.get(`/api/customers/${f.customerId}/exports/${id}`);
      assert.equal(response.statusCode, 200, response.body);
      status = response.json();
      if (status.status === 'success' || status.status === 'failed') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.equal(status.status, 'success', String(status.error));
    assert.equal(status.itemsDone, status.itemsTotal);
    assert.equal(status.downloadUrl, `/api/customers/${f.customerId}/exports/${id}/download`);
    const download = await browser.get(status.downloadUrl as string);
    assert.equal(download.statusCode, 200);
    assert.equal(download.headers['content-type'], 'application/zip');
    const zip = path.join(work, `${name}.zip`);
    writeFileSync(zip, download.rawPayload);
    assert.equal(statSync(zip).size, status.zipBytes);
    // Debian's unzip checks every entry's CRC and the central directory.
    execFileSync('/usr/bin/unzip', ['-tq', zip]);
    const dir = path.join(work, name);
    execFileSync('/usr/bin/unzip', ['-q', zip, '-d', dir]);
    const manifest = JSON.parse(readFileSync(path.join(dir, 'manifest.json'), 'utf8'));
    return { id: id as string, status, zip, dir, files: filesUnder(dir), manifest };
  }

  it('exports a user as a zip that independent parsers read back: mbox, .eml, .ics, .vcf, Drive bytes, manifest', async () => {
    const browser = await as(owner);
    const result = await exportZip(browser, { user: email }, 'latest');
    const items = result.manifest.items as Array<{
      path: string;
      service: string;
      itemKey: string | null;
      version: number | null;
      size: number;
      sha256: string;
    }>;
    assert.equal(result.manifest.user, email);

    // The manifest lists every backed-up item of every service, and its CSV twin says the same.
    for (const service of ['gmail', 'drive', 'calendar', 'contacts']) {
      const expected = (await versionsOf(f, email, service))
        .map((version) => `${version.itemKey}@${version.version}`)
        .sort();
      const listed = items
        .filter((item) => item.service === service && item.itemKey !== null)
        .map((item) => `${item.itemKey}@${item.version}`)
        .sort();
      assert.deepEqual(listed, expected, service);
    }
    const csv = readFileSync(path.join(result.dir, 'manifest.csv'), 'utf8').trimEnd().split('\r\n');
    assert.equal(csv[0], 'path,service,item_key,version,size,sha256');
    assert.equal(csv.length - 1, items.length);
    // Every file entry in the manifest is in the zip with that size and hash.
    for (const item of items.filter(
      (entry) => entry.itemKey === null || entry.service === 'gmail' || entry.service === 'drive',
    )) {
      if (item.path.endsWith('/')) {
        assert.ok(statSync(path.join(result.dir, item.path)).isDirectory(), item.path);
        continue;
      }
      const file = result.files.get(item.path);
      assert.ok(file, item.path);
      const data = readFileSync(file);
      assert.equal(data.length, item.size, item.path);
    }
    assert.ok(
      !items.some((item) => item.itemKey === deletedMessage),
      'a message deleted before the latest backup is not exported',
    );
    assert.ok(!items.some((item) => item.itemKey === deletedFile));

    // Mail: each .eml is the message Gmail serves; each label's mbox holds that label's messages (Python's mailbox).
    const messages = await versionsOf(f, email, 'gmail');
    for (const message of messages) {
      const entry = items.find((item) => item.itemKey === message.itemKey);
      assert.ok(entry?.path.startsWith('mail/messages/') && entry.path.endsWith('.eml'));
      const raw = await f.google.gmail.getMessage(email, message.itemKey, { format: 'raw' });
      assert.deepEqual(readFileSync(result.files.get(entry?.path ?? '') as string), raw.raw);
    }
    const mboxes = [...result.files.keys()].filter((name) => name.startsWith('mail/mbox/'));
    const parsed = JSON.parse(
      execFileSync('python3', ['-c', mboxScript, ...mboxes.map((name) => result.files.get(name) as string)], {
        encoding: 'utf8',
      }),
    ) as Record<string, string[]>;
    const expectedByLabel = new Map<string, string[]>();
    for (const message of messages) {
      for (const label of mboxLabels(message)) {
        expectedByLabel.set(label, [...(expectedByLabel.get(label) ?? []), String(message.metadata.messageIdHeader)]);
      }
    }
    assert.deepEqual(
      mboxes.map((name) => name.slice('mail/mbox/'.length, -'.mbox'.length)).sort(),
      [...expectedByLabel.keys()].sort(),
    );
    for (const [label, ids] of expectedByLabel) {
      assert.deepEqual(parsed[result.files.get(`mail/mbox/${label}.mbox`) as string]?.sort(), ids.sort(), label);
    }
    // A body line starting "From " is quoted in the mbox (mboxrd) and byte-exact in the .eml.
    const inbox = readFileSync(result.files.get('mail/mbox/INBOX.mbox') as string, 'latin1');
    assert.match(inbox, /\r\n>From the desk of the director: hello\.\r\n>>From a quote\r\n/);

    // Calendars: one .ics per calendar, read by ical.js; every event there with its iCalUID.
    const events = await versionsOf(f, email, 'calendar');
    const calendarIds = [...new Set(events.map((event) => String(event.metadata.calendarId)))];
    assert.ok(calendarIds.length >= 2);
    const uids: string[] = [];
    for (const calendarId of calendarIds) {
      const text = readFileSync(result.files.get(`calendar/${calendarId}.ics`) as string, 'utf8');
      const calendar = new ICAL.Component(ICAL.parse(text));
      for (const event of calendar.getAllSubcomponents('vevent')) uids.push(String(event.getFirstPropertyValue('uid')));
      assert.ok(calendar.getAllSubcomponents('vevent').every((event) => event.getFirstPropertyValue('dtstart')));
    }
    assert.deepEqual(uids.sort(), events.map((event) => String(event.metadata.iCalUID)).sort());
    assert.ok(
      events.some((event) => event.metadata.recurringEventId),
      'the generated data has a changed instance',
    );

    // Contacts: one .vcf, every contact a card with its name.
    const cards = ICAL.parse(readFileSync(result.files.get('contacts/contacts.vcf') as string, 'utf8')) as unknown[];
    const contacts = await versionsOf(f, email, 'contacts');
    const list = (Array.isArray(cards[0]) ? cards : [cards]) as unknown[][];
    assert.deepEqual(
      list.map((card) => String(new ICAL.Component(card).getFirstPropertyValue('fn'))).sort(),
      contacts.map((contact) => String(contact.metadata.displayName)).sort(),
    );

    // Drive: every file in its folder, byte for byte what Drive serves (Google files as their Office export).
    const driveFiles = (await versionsOf(f, email, 'drive')).filter(
      (version) => version.metadata.contentKind !== 'metadata',
    );
    assert.ok(
      driveFiles.some((version) => version.metadata.contentKind === 'export'),
      'the data has a Google file',
    );
    for (const version of driveFiles) {
      const entry = items.find((item) => item.itemKey === version.itemKey) as (typeof items)[number];
      const folder = String(version.metadata.path ?? '/').replace(/^\/+/, '');
      assert.ok(
        entry.path.startsWith(`${version.metadata.trashed ? 'drive-trash' : 'drive'}/${folder ? `${folder}/` : ''}`),
        entry.path,
      );
      const served =
        version.metadata.contentKind === 'export'
          ? await f.google.drive.export(email, version.itemKey, String(version.metadata.exportedAs))
          : await f.google.drive.download(email, version.itemKey);
      assert.deepEqual(readFileSync(result.files.get(entry.path) as string), await bytesOf(served.body), entry.path);
    }
  });

  it('exports an item deleted since as of the backup point that still had it', async () => {
    const browser = await as(owner);
    const result = await exportZip(
      browser,
      { user: email, services: ['gmail', 'drive'], asOf: firstPoint.toISOString() },
      'earlier',
    );
    const items = result.manifest.items as Array<{ path: string; itemKey: string | null }>;
    const message = items.find((item) => item.itemKey === deletedMessage);
    const file = items.find((item) => item.itemKey === deletedFile);
    assert.ok(message && result.files.has(message.path));
    assert.ok(file && result.files.has(file.path));
    assert.deepEqual(Object.keys(result.manifest.services).sort(), ['drive', 'gmail']);
  });

  it('downloads single items as .eml, file, .ics and .vcf, by version or as of a time, and audits it', async () => {
    const browser = await as(owner);
    const source = async (service: 'gmail' | 'drive' | 'calendar' | 'contacts') =>
      (await findSource(f.ctx.db, f.customerId, email, service))?.id as string;
    const url = (sourceId: string, item: string, extra = '') =>
      `/api/customers/${f.customerId}/items/download?source=${sourceId}&item=${encodeURIComponent(item)}${extra}`;

    const message = (await versionsOf(f, email, 'gmail'))[1] as ItemVersion;
    const eml = await browser.get(url(await source('gmail'), message.itemKey));
    assert.equal(eml.statusCode, 200, eml.body);
    assert.equal(eml.headers['content-type'], 'message/rfc822');
    assert.match(String(eml.headers['content-disposition']), /^attachment; filename=".*\.eml"; filename\*=UTF-8''/);
    const raw = await f.google.gmail.getMessage(email, message.itemKey, { format: 'raw' });
    assert.deepEqual(eml.rawPayload, raw.raw);

    // The deleted message: as of the first backup point, or by its version number.
    const gone = await browser.get(
      url(await source('gmail'), deletedMessage, `&asOf=${encodeURIComponent(firstPoint.toISOString())}`),
    );
    assert.equal(gone.statusCode, 200);
    assert.equal((await browser.get(url(await source('gmail'), deletedMessage, '&version=1'))).statusCode, 200);
    assert.equal((await browser.get(url(await source('gmail'), deletedMessage, '&version=9'))).statusCode, 404);
    assert.equal(
      (await browser.get(url(await source('gmail'), deletedMessage, '&asOf=2001-01-01T00:00:00Z'))).statusCode,
      404,
    );

    const event = (await versionsOf(f, email, 'calendar'))[0] as ItemVersion;
    const ics = await browser.get(url(await source('calendar'), event.itemKey));
    assert.equal(ics.statusCode, 200);
    assert.equal(ics.headers['content-type'], 'text/calendar; charset=utf-8');
    const vevent = new ICAL.Component(ICAL.parse(ics.body)).getFirstSubcomponent('vevent');
    assert.equal(vevent?.getFirstPropertyValue('uid'), event.metadata.iCalUID);

    const contact = (await versionsOf(f, email, 'contacts'))[0] as ItemVersion;
    const vcf = await browser.get(url(await source('contacts'), contact.itemKey));
    assert.equal(vcf.statusCode, 200);
    assert.equal(vcf.headers['content-type'], 'text/vcard; charset=utf-8');
    assert.equal(new ICAL.Component(ICAL.parse(vcf.body)).getFirstPropertyValue('fn'), contact.metadata.displayName);

    const drive = await versionsOf(f, email, 'drive');
    const file = drive.find((version) => version.metadata.contentKind === 'file') as ItemVersion;
    const download = await browser.get(url(await source('drive'), file.itemKey));
    assert.equal(download.statusCode, 200);
    assert.deepEqual(download.rawPayload, await bytesOf((await f.google.drive.download(email, file.itemKey)).body));
    const folder = drive.find((version) => version.metadata.contentKind === 'metadata');
    if (folder) assert.equal((await browser.get(url(await source('drive'), folder.itemKey))).statusCode, 409);

    const audited = await f.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'item.download'));
    assert.ok(
      audited.some(
        (entry) => (entry.details as { item?: string }).item === message.itemKey && entry.actorId === owner.id,
      ),
    );
  });

  it('serves a backed-up HTML or SVG file as an opaque attachment, never as a page of this origin', async () => {
    const browser = await as(owner);
    const sourceId = (await findSource(f.ctx.db, f.customerId, email, 'drive'))?.id as string;
    for (const [itemKey, name] of [
      [hostileFiles.html, 'invoice.html'],
      [hostileFiles.svg, 'logo.svg'],
    ] as const) {
      const download = await browser.get(
        `/api/customers/${f.customerId}/items/download?source=${sourceId}&item=${encodeURIComponent(itemKey)}`,
      );
      assert.equal(download.statusCode, 200, download.body);
      assert.equal(download.headers['content-type'], 'application/octet-stream', name);
      assert.equal(download.headers['content-disposition'], `attachment; filename="${name}"; filename*=UTF-8''${name}`);
      assert.equal(download.headers['x-content-type-options'], 'nosniff');
      assert.match(download.body, /<script>/, 'the bytes are the file as backed up');
    }
  });

  it('puts an export interrupted by a stopping worker back in the queue, without a partial file, and finishes it on the next run', async () => {
    const row = await createExport(f.ctx, { customerId: f.customerId, subjectEmail: email, requestedBy: 'test' });
    const stop = new AbortController();
    await assert.rejects(
      runExport(f.ctx, row.id, {
        signal: stop.signal,
        onProgress: (progress) => {
          if (progress.itemsDone === 3) stop.abort(new Error('worker stopping'));
        },
      }),
    );
    const [interrupted] = await f.ctx.db.select().from(dataExports).where(eq(dataExports.id, row.id));
    assert.equal(interrupted?.status, 'queued');
    const dir = path.join(f.ctx.config.exportDir, f.customerId);
    assert.deepEqual(
      readdirSync(dir).filter((name) => name.startsWith(row.id)),
      [],
      'no partial zip or work directory is left',
    );
    const done = await runExport(f.ctx, row.id);
    assert.equal(done.status, 'success');
    assert.equal(done.itemsDone, done.itemsTotal);
    execFileSync('/usr/bin/unzip', ['-tq', path.join(dir, `${row.id}.zip`)]);
  });

  it('closes its spool files when an export fails, not leaving them to the garbage collector', async () => {
    // The other user's mailbox, backed up in `before` with three 300 KiB messages: they fill the
    // INBOX mbox's spool buffer, so its file is open when the export stops.
    const other = f.users[1] as (typeof f.users)[number];
    const row = await createExport(f.ctx, {
      customerId: f.customerId,
      subjectEmail: other.email,
      services: ['gmail'],
      requestedBy: 'test',
    });
    const workDir = `${exportFilePath(f.ctx, row)}.work`;
    /** This process's open files inside the export's work directory. */
    const openSpoolFiles = () =>
      readdirSync('/proc/self/fd').flatMap((fd) => {
        try {
          const target = readlinkSync(path.join('/proc/self/fd', fd));
          return target.startsWith(workDir) ? [target] : [];
        } catch {
          return [];
        }
      });
    const stop = new AbortController();
    let openWhenStopped: string[] = [];
    await assert.rejects(
      runExport(f.ctx, row.id, {
        signal: stop.signal,
        onProgress: (progress) => {
          if (progress.itemsDone !== progress.itemsTotal - 1) return;
          openWhenStopped = openSpoolFiles();
          stop.abort(new Error('worker stopping'));
        },
      }),
    );
    assert.ok(openWhenStopped.length > 0, 'a spool file was open when the export stopped');
    assert.deepEqual(openSpoolFiles(), [], 'no spool file is left open');
    const done = await runExport(f.ctx, row.id);
    assert.equal(done.status, 'success');
  });

  it('paces its progress writes by the injected clock, not the machine clock', async (t) => {
    // Every progress report comes a full interval later by the injected clock, so each one is
    // written; the machine clock (how long the export really takes) must not matter.
    const progressWrites: unknown[] = [];
    const update = f.ctx.db.update.bind(f.ctx.db);
    t.mock.method(f.ctx.db, 'update', (table: typeof dataExports) => {
      const builder = update(table);
      if (table !== dataExports) return builder;
      const set = builder.set.bind(builder);
      return Object.assign(builder, {
        set: (values: Record<string, unknown>) => {
          if (Object.keys(values).sort().join() === 'bytesDone,itemsDone') progressWrites.push(values);
          return set(values as Parameters<typeof set>[0]);
        },
      });
    });
    const row = await createExport(f.ctx, { customerId: f.customerId, subjectEmail: email, requestedBy: 'test' });
    let reports = 0;
    const done = await runExport(f.ctx, row.id, {
      onProgress: () => {
        reports++;
        f.ctx.clock.advance(60_000);
      },
    });
    assert.equal(done.status, 'success');
    assert.ok(reports > 1, `${reports} progress reports`);
    assert.equal(progressWrites.length, reports);
  });

  it("exports the user's own Drive even when a shared drive is read as that user", async () => {
    const own = (await findSource(f.ctx.db, f.customerId, email, 'drive'))?.id;
    await f.ctx.db.insert(backupSources).values({
      id: randomUUID(),
      customerId: f.customerId,
      subjectKind: 'shared_drive',
      subjectId: '0Ashared',
      subjectEmail: email,
      service: 'drive',
    });
    const plan = await planExport(f.ctx.db, {
      customerId: f.customerId,
      subjectEmail: email,
      services: ['drive'],
      asOf: null,
    });
    assert.deepEqual(
      plan.sources.map((entry) => entry.source.id),
      [own],
    );
  });

  it('exports a label over HTTP: the status shows the selection, the zip holds only its messages', async () => {
    const browser = await as(owner);
    const result = await exportZip(browser, { user: email, services: ['gmail'], label: 'SENT' }, 'sent-label');
    assert.deepEqual(result.status.selection, { label: 'SENT' });
    assert.equal(result.status.sharedDrive, null);
    const sent = (await versionsOf(f, email, 'gmail')).filter((version) =>
      (version.metadata.labelIds as string[] | undefined)?.includes('SENT'),
    );
    const exportedKeys = (result.manifest.items as Array<{ itemKey: string | null; service: string }>)
      .filter((item) => item.service === 'gmail' && item.itemKey !== null)
      .map((item) => item.itemKey);
    assert.ok(sent.length > 0 && sent.length < (await versionsOf(f, email, 'gmail')).length, 'SENT excludes some mail');
    assert.deepEqual(exportedKeys.sort(), sent.map((version) => version.itemKey).sort());
  });

  it('rejects bad input with a clear message and creates no export', async () => {
    const browser = await as(owner);
    const count = async () => (await f.ctx.db.select().from(dataExports)).length;
    const before = await count();
    const badService = await browser.post(`/api/customers/${f.customerId}/exports`, { user: email, services: ['fax'] });
    assert.equal(badService.statusCode, 400);
    const unknown = await browser.post(`/api/customers/${f.customerId}/exports`, { user: 'nobody@nowhere.test' });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.json().error.message, /nobody@nowhere\.test/);
    const badTime = await browser.post(`/api/customers/${f.customerId}/exports`, { user: email, asOf: 'yesterday' });
    assert.equal(badTime.statusCode, 400);
    const tooEarly = await browser.post(`/api/customers/${f.customerId}/exports`, {
      user: email,
      asOf: '2001-01-01T00:00:00Z',
    });
    assert.equal(tooEarly.statusCode, 400);
    assert.match(tooEarly.json().error.message, /as of 2001/);
    // A selection over HTTP: the restore API's field names, one service, and the field at fault named.
    const labelOnDrive = await browser.post(`/api/customers/${f.customerId}/exports`, {
      user: email,
      services: ['drive'],
      label: 'INBOX',
    });
    assert.equal(labelOnDrive.statusCode, 400, labelOnDrive.body);
    assert.equal(labelOnDrive.json().error.field, 'label');
    const twoServices = await browser.post(`/api/customers/${f.customerId}/exports`, {
      user: email,
      services: ['gmail', 'drive'],
      items: ['x'],
    });
    assert.equal(twoServices.json().error.field, 'services', twoServices.body);
    const notAnEmail = await browser.post(`/api/customers/${f.customerId}/exports`, { user: 'someone@' });
    assert.equal(notAnEmail.statusCode, 400, notAnEmail.body);
    const both = await browser.get(
      `/api/customers/${f.customerId}/items/download?source=${randomUUID()}&item=x&version=1&asOf=2026-01-01T00:00:00Z`,
    );
    assert.equal(both.statusCode, 400);
    assert.equal(await count(), before);
  });

  it("hides one tenant's items and exports from another (404)", async () => {
    const owned = await as(owner);
    const started = await owned.post(`/api/customers/${f.customerId}/exports`, { user: email, services: ['contacts'] });
    assert.equal(started.statusCode, 202);
    const exportId = started.json().id;
    const sourceId = (await findSource(f.ctx.db, f.customerId, email, 'gmail'))?.id as string;
    const item = (await versionsOf(f, email, 'gmail'))[0]?.itemKey as string;
    const other = await as(stranger);
    assert.equal(
      (await other.get(`/api/customers/${f.customerId}/items/download?source=${sourceId}&item=${item}`)).statusCode,
      404,
    );
    assert.equal(
      (await other.get(`/api/customers/${otherCustomerId}/items/download?source=${sourceId}&item=${item}`)).statusCode,
      404,
    );
    assert.equal((await other.post(`/api/customers/${f.customerId}/exports`, { user: email })).statusCode, 404);
    assert.equal((await other.post(`/api/customers/${otherCustomerId}/exports`, { user: email })).statusCode, 400);
    assert.equal((await other.get(`/api/customers/${f.customerId}/exports/${exportId}`)).statusCode, 404);
    assert.equal((await other.get(`/api/customers/${otherCustomerId}/exports/${exportId}`)).statusCode, 404);
    assert.equal((await other.get(`/api/customers/${f.customerId}/exports`)).statusCode, 404);
    const theirs = await other.get(`/api/customers/${otherCustomerId}/exports`);
    assert.equal(theirs.statusCode, 200);
    assert.deepEqual(theirs.json().exports, []);
    const ours = await owned.get(`/api/customers/${f.customerId}/exports?limit=1`);
    assert.equal(ours.json().exports[0].id, exportId);
  });

  it('a zip download needs the session of someone allowed to export the data now: not a bare URL, not after a role change or a move to another partner', async () => {
    const browser = await as(owner);
    const result = await exportZip(browser, { user: email, services: ['contacts'] }, 'guarded');
    const link = result.status.downloadUrl as string;
    assert.equal((await browser.get(link)).statusCode, 200);

    // The URL alone (no session: a forwarded link, a browser history entry) opens nothing.
    const anonymous = await createBrowser(app).get(link);
    assert.equal(anonymous.statusCode, 401);
    assert.equal(anonymous.rawPayload.subarray(0, 2).toString(), '{"');
    // Another partner's staff do not even learn that the export exists.
    assert.equal((await (await as(stranger)).get(link)).statusCode, 404);

    // The creator demoted to a role that may not export: refused at once, in the same session.
    await f.ctx.db.update(staffUsers).set({ role: 'billing' }).where(eq(staffUsers.id, owner.id));
    try {
      assert.equal((await browser.get(link)).statusCode, 403);
    } finally {
      await f.ctx.db.update(staffUsers).set({ role: 'owner' }).where(eq(staffUsers.id, owner.id));
    }
    assert.equal((await browser.get(link)).statusCode, 200);

    // The customer moved to another partner: the old partner's staff lose it, the new one's may export.
    const [customer] = await f.ctx.db.select().from(customers).where(eq(customers.id, f.customerId));
    await f.ctx.db.update(customers).set({ partnerId: otherPartnerId }).where(eq(customers.id, f.customerId));
    try {
      assert.equal((await browser.get(link)).statusCode, 404);
      const newPartner = await as(stranger);
      await openPartnerSessionAs(newPartner, f.ctx, stranger, f.customerId);
      assert.equal((await newPartner.get(link)).statusCode, 200);
    } finally {
      await f.ctx.db.update(customers).set({ partnerId: customer?.partnerId }).where(eq(customers.id, f.customerId));
    }

    // The 7-day bearer link of before (an HMAC token in the query) no longer exists, with or without a session.
    const seconds = Math.floor(f.ctx.clock.now().getTime() / 1000) + 3600;
    const bearer = `/api/exports/download?token=${result.id}.${seconds}.${'A'.repeat(43)}`;
    assert.equal((await createBrowser(app).get(bearer)).statusCode, 404);
    assert.equal((await browser.get(bearer)).statusCode, 404);
  });

  it('serves byte ranges, audits the download, and answers 410 once the zip passed its 7 days (housekeeping deletes it)', async () => {
    const browser = await as(owner);
    const result = await exportZip(browser, { user: email, services: ['contacts'] }, 'expiring');
    const link = result.status.downloadUrl as string;
    const range = await browser.get(link, { headers: { range: 'bytes=0-3' } });
    assert.equal(range.statusCode, 206);
    assert.deepEqual(range.rawPayload, Buffer.from('PK\u0003\u0004', 'latin1'));
    const tail = await browser.get(link, { headers: { range: 'bytes=-22' } });
    assert.equal(tail.statusCode, 206);
    assert.equal(tail.rawPayload.length, 22);
    const audited = await f.ctx.db
      .select()
      .from(auditLog)
      .where(and(eq(auditLog.action, 'export.download'), eq(auditLog.target, f.customerId)));
    assert.ok(
      audited.some(
        (entry) => (entry.details as { exportId?: string }).exportId === result.id && entry.actorId === owner.id,
      ),
    );
    assert.ok((await f.ctx.db.select().from(auditLog).where(eq(auditLog.action, 'export.create'))).length > 0);

    f.ctx.clock.advance(7 * 24 * 3600_000 + 1000);
    // The session has long ended by then: a new one.
    const later = await as(owner);
    assert.equal((await later.get(link)).statusCode, 410);
    const file = path.join(f.ctx.config.exportDir, f.customerId, `${result.id}.zip`);
    assert.ok(statSync(file).isFile());
    assert.ok((await deleteExpiredExports(f.ctx, f.ctx.clock.now())) >= 1);
    assert.throws(() => statSync(file), /ENOENT/);
    const [row] = await f.ctx.db.select().from(dataExports).where(eq(dataExports.id, result.id));
    assert.equal(row?.status, 'expired');
    assert.equal((await later.get(link)).statusCode, 410);
    assert.equal((await later.get(`/api/customers/${f.customerId}/exports/${result.id}`)).json().downloadUrl, null);
  });

  it("lists the customer's exports newest first with a total, of one user when asked", async () => {
    const browser = await as(owner);
    const url = `/api/customers/${f.customerId}/exports`;
    const someoneElse = f.users[1]?.email as string;
    f.ctx.clock.advance(1000);
    const theirs = await insertExport(f.ctx.db, {
      id: randomUUID(),
      customerId: f.customerId,
      subjectEmail: someoneElse,
      services: ['gmail'],
      requestedBy: 'test',
      createdAt: f.ctx.clock.now(),
    });
    const all = (await browser.get(`${url}?limit=1`)).json();
    assert.equal(all.exports[0].id, theirs.id, 'newest first');
    const stored = await f.ctx.db.select().from(dataExports).where(eq(dataExports.customerId, f.customerId));
    assert.equal(all.total, stored.length);
    const ofUser = (await browser.get(`${url}?user=${encodeURIComponent(someoneElse.toUpperCase())}`)).json();
    const theirsStored = stored.filter((row) => row.subjectEmail === someoneElse);
    assert.ok(theirsStored.length >= 1);
    assert.equal(ofUser.exports[0].id, theirs.id, 'newest first');
    assert.deepEqual(
      ofUser.exports.map((row: { id: string }) => row.id).sort(),
      theirsStored.map((row) => row.id).sort(),
    );
    assert.equal(ofUser.total, theirsStored.length);
    const ofFirst = (await browser.get(`${url}?user=${encodeURIComponent(email)}&limit=200`)).json();
    assert.equal(ofFirst.total, stored.length - theirsStored.length);
    assert.ok(ofFirst.exports.every((row: { user: string }) => row.user === email));
    for (const bad of ['user=someone@', 'limit=500', 'status=done']) {
      const response = await browser.get(`${url}?${bad}`);
      assert.equal(response.statusCode, 400, `${bad}: ${response.body}`);
    }
  });
});
