import assert from 'node:assert/strict';
import { after, before, it } from 'node:test';
import { createGoogleClient } from '@safehold/google';
import { and, eq, sql } from 'drizzle-orm';
import { type BackupFixture, backupFixture, runRow, startTestBackup } from '../../testing/backup.ts';
import { forEachDatabase } from '../../testing/context.ts';
import type { BackupService } from '../backup/index.ts';
import { ProjectQuotaSpentError } from '../customers/index.ts';
import { defineRestoreJobs, RESTORE_JOB, waitForRestore } from './restore-jobs.ts';
import { runRestore } from './restore-run.ts';
import { createRestore, getRestore, RestoreRequestError, restoreErrors } from './restore-store.ts';
import { type StartRestoreInput, startRestore } from './start-restore.ts';
import { restoreItems } from './tables.ts';

const services: BackupService[] = ['gmail', 'drive', 'calendar', 'contacts'];
/** The operator at the command line (the policy lets it restore any tenant). */
const operator = { actor: { kind: 'system' }, audit: { actor: { kind: 'system', label: 'test' } } } as const;

forEachDatabase('restore', (kind) => {
  let f: BackupFixture;
  let victim: string;
  let other: string;
  before(async () => {
    f = await backupFixture(kind, {
      users: 3,
      generate: { messagesPerUser: 16, filesPerUser: 8, eventsPerUser: 5, contactsPerUser: 5 },
    });
    victim = f.users[1]?.email as string;
    other = f.users[2]?.email as string;
  });
  after(async () => {
    await f?.close();
  });

  async function backUp(emails: string[], only: BackupService[] = services) {
    f.ctx.clock.advance(60_000);
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: f.users.filter((user) => emails.includes(user.email)),
      services: only,
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google },
    });
    for (const result of results ?? []) assert.equal(result.status, 'success', result.error ?? '');
    const last = results?.at(-1);
    assert.ok(last);
    return (await runRow(f, last.runId)).finishedAt as Date;
  }

  const digests = (email: string) =>
    Object.fromEntries(services.map((service) => [service, f.emulator.control.digest({ email, service })]));

  /** A restore as the CLI's --wait makes one: started (no job), then run here. */
  async function restore(
    request: Partial<StartRestoreInput['request']> & { service: BackupService },
    options: Parameters<typeof runRestore>[2] = {},
  ) {
    f.ctx.clock.advance(1000);
    const row = await startRestore(f.ctx, {
      customerId: f.customerId,
      request: { user: victim, ...request },
      by: operator,
      enqueue: false,
    });
    const result = await runRestore(f.ctx, row.id, { google: f.google, ...options });
    return { row, result };
  }

  /**
   * A restore (pages of 4) whose worker dies at its `killAt`-th create, after Google created the
   * item and before it is recorded; returns the restore's id (the item left `creating`).
   */
  async function restoreKilledAtCreate(request: Parameters<typeof restore>[0], killAt: number): Promise<string> {
    let created = 0;
    await assert.rejects(
      restore(request, {
        pageSize: 4,
        hooks: {
          afterCreate() {
            created += 1;
            if (created === killAt) throw new Error('worker killed');
          },
        },
      }),
      /worker killed/,
    );
    const [row] = await f.ctx.db
      .select()
      .from(restoreItems)
      .where(and(eq(restoreItems.customerId, f.customerId), eq(restoreItems.status, 'creating')));
    assert.ok(row, 'one item was created but not recorded');
    return row.restoreId;
  }

  it('a user wiped after a backup is restored in place as of the last backup point: every content digest equals the one before the wipe', async () => {
    await backUp([victim, other]);
    const before = digests(victim);
    for (const service of services) assert.ok(before[service]?.items, `${service} has items`);
    const wiped = f.emulator.control.wipeUser({ email: victim });
    assert.ok(wiped.messages > 0 && wiped.files > 0 && wiped.events > 0 && wiped.contacts > 0);
    for (const service of services) {
      const { result } = await restore({ service, inPlace: true });
      assert.equal(result.status, 'success', `${service}: ${JSON.stringify(result)}`);
      assert.equal(result.counts.failed, 0);
      assert.equal(result.counts.restored + result.counts.skipped, result.counts.total);
      assert.deepEqual(f.emulator.control.digest({ email: victim, service }), before[service], service);
    }
  });

  it('running the same restore again creates nothing: every item is skipped as already present', async () => {
    const before = digests(victim);
    for (const service of services) {
      const { result } = await restore({ service, inPlace: true });
      assert.equal(result.status, 'success');
      assert.equal(result.counts.restored, 0, `${service} restored nothing twice`);
      assert.equal(result.counts.skipped, result.counts.total);
    }
    assert.deepEqual(digests(victim), before);
  });

  it('restores into another user of the domain under a "Restored <date>" label and folder, with the user labels recreated', async () => {
    const mailBefore = f.emulator.control.digest({ email: other, service: 'gmail' });
    const { row, result } = await restore({ service: 'gmail', to: other });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.equal(row.toEmail, other);
    const labels = await f.google.gmail.listLabels(other);
    const container = labels.find((label) => label.name === row.containerName);
    assert.ok(container, `label ${row.containerName}`);
    assert.match(row.containerName, /^Restored \d{4}-\d{2}-\d{2}$/);
    const inContainer = [];
    for await (const ref of f.google.gmail.listMessages(other, { labelIds: [container.id] })) inContainer.push(ref);
    assert.equal(inContainer.length, result.counts.restored);
    const after = f.emulator.control.digest({ email: other, service: 'gmail' });
    assert.equal(after.items, mailBefore.items + result.counts.restored);
    const victimLabels = (await f.google.gmail.listLabels(victim)).filter((label) => label.type === 'user');
    for (const label of victimLabels) {
      assert.ok(
        labels.some((l) => l.name === label.name),
        `user label ${label.name} recreated`,
      );
    }

    const drive = await restore({ service: 'drive', to: other });
    assert.equal(drive.result.status, 'success', JSON.stringify(drive.result));
    const folders = [];
    for await (const file of f.google.drive.listFiles(other, {
      q: `name = '${drive.row.containerName}' and 'root' in parents and trashed = false`,
    }))
      folders.push(file);
    assert.equal(folders.length, 1, 'one Restored folder in My Drive');
    const victimDrive = f.emulator.control.digest({ email: victim, service: 'drive' });
    const otherDrive = f.emulator.control.digest({ email: other, service: 'drive' });
    assert.ok(otherDrive.items >= victimDrive.items);

    const contacts = await restore({ service: 'contacts', to: other });
    assert.equal(contacts.result.status, 'success', JSON.stringify(contacts.result));
    const calendar = await restore({ service: 'calendar', to: other });
    assert.equal(calendar.result.status, 'success', JSON.stringify(calendar.result));
  });

  it('restores a message deleted three backup points ago, as of the point that still had it', async () => {
    const refs = [];
    for await (const ref of f.google.gmail.listMessages(victim)) refs.push(ref);
    const target = refs[0];
    assert.ok(target);
    const original = await f.google.gmail.getMessage(victim, target.id, { format: 'raw' });
    const had = await backUp([victim], ['gmail']);
    f.emulator.control.deleteMessage({ email: victim, id: target.id });
    await backUp([victim], ['gmail']);
    f.emulator.control.addMessage({ email: victim, subject: 'later 1' });
    await backUp([victim], ['gmail']);
    f.emulator.control.addMessage({ email: victim, subject: 'later 2' });
    await backUp([victim], ['gmail']);
    const { result } = await restore({ service: 'gmail', asOf: had, inPlace: true, selection: { items: [target.id] } });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.deepEqual([result.counts.total, result.counts.restored], [1, 1]);
    const header = /^Message-ID:\s*<?([^>\r\n]+)>?/im.exec(original.raw.toString('latin1'))?.[1];
    assert.ok(header);
    const found = await f.google.gmail.findByRfc822MessageId(victim, header);
    assert.equal(found.length, 1);
    const back = await f.google.gmail.getMessage(victim, found[0]?.id as string, { format: 'raw' });
    assert.deepEqual(back.raw, original.raw, 'byte for byte');
  });

  it('a restore that dies between creating items and recording them resumes without duplicates or gaps', async () => {
    await backUp([victim]);
    const before = digests(victim);
    f.emulator.control.wipeUser({ email: victim });
    for (const service of services) {
      const restoreId = await restoreKilledAtCreate({ service, inPlace: true }, 3);
      assert.equal((await getRestore(f.ctx.db, f.customerId, restoreId))?.status, 'running');
      const result = await runRestore(f.ctx, restoreId, { google: f.google });
      assert.equal(result.status, 'success', JSON.stringify(result));
      assert.equal(result.counts.skipped, 0, 'the unrecorded item is found and counted as restored');
      assert.equal(result.counts.restored, result.counts.total);
      assert.deepEqual(f.emulator.control.digest({ email: victim, service }), before[service], service);
    }
  });

  it('completes despite quota limits and injected 5xx errors', async () => {
    await backUp([victim]);
    const before = digests(victim);
    f.emulator.control.wipeUser({ email: victim });
    // One request at a time per user (more answer 429 "Too many concurrent requests"), rate-limit
    // answers and server errors on the write calls.
    f.emulator.control.setQuotas({
      enabled: true,
      concurrentPerUser: { gmail: 1, drive: 1, calendar: 1, people: 1 },
    });
    f.emulator.control.setFaults([
      { endpoint: 'gmail.users.messages.import', errorRate: 0.3, status: 503 },
      { endpoint: 'gmail.users.messages.list', errorRate: 0.2, status: 429, reason: 'rateLimitExceeded' },
      { endpoint: 'drive.files.create', errorRate: 0.3, status: 502 },
      { endpoint: 'drive.files.list', errorRate: 0.2, status: 403, reason: 'userRateLimitExceeded' },
      { endpoint: 'people.people.createContact', errorRate: 0.3, status: 503 },
      { endpoint: 'people.people.batchCreateContacts', errorRate: 0.5, status: 500 },
      { endpoint: 'calendar.events.import', errorRate: 0.3, status: 500 },
    ]);
    try {
      for (const service of services) {
        const { result } = await restore({ service, inPlace: true });
        const errors = await restoreErrors(f.ctx.db, f.customerId, result.restoreId);
        assert.equal(result.status, 'success', `${service}: ${JSON.stringify({ result, errors })}`);
      }
    } finally {
      f.emulator.control.setFaults([]);
      f.emulator.control.setQuotas({
        enabled: false,
        concurrentPerUser: { gmail: 5, drive: 10, calendar: 10, people: 10 },
      });
    }
    assert.deepEqual(digests(victim), before);
    const counters = f.emulator.control.counters();
    assert.ok(counters.length > 0);
  });

  it('restores a large file by a resumable upload that resumes after dropped connections, byte for byte', async () => {
    const content = 'large file line\n'.repeat(1_300_000); // about 20 MB: three 8 MiB chunks
    const { id } = f.emulator.control.createFile({ email: victim, name: 'big.log', mimeType: 'text/plain', content });
    await backUp([victim], ['drive']);
    f.emulator.control.deleteFile({ email: victim, id });
    f.emulator.control.counters({ reset: true });
    f.emulator.control.setFaults([{ endpoint: 'drive.files.create', dropRate: 0.4 }]);
    let result: Awaited<ReturnType<typeof restore>>['result'];
    try {
      ({ result } = await restore(
        { service: 'drive', selection: { items: [id] }, permissions: true },
        { inMemoryMaxBytes: 1024 * 1024 },
      ));
    } finally {
      f.emulator.control.setFaults([]);
    }
    assert.equal(result.status, 'success', JSON.stringify(result));
    const [item] = await f.ctx.db
      .select()
      .from(restoreItems)
      .where(and(eq(restoreItems.restoreId, result.restoreId), eq(restoreItems.itemKey, id)));
    assert.ok(item?.targetId);
    const download = await f.google.drive.download(victim, item.targetId);
    const chunks: Buffer[] = [];
    for await (const chunk of download.body) chunks.push(Buffer.from(chunk));
    assert.ok(Buffer.concat(chunks).equals(Buffer.from(content)), 'the restored bytes are the backed-up bytes');
    const puts = f.emulator.control.counters().find((entry) => entry.endpoint === 'drive.files.create');
    assert.ok((puts?.count ?? 0) > 4, 'chunks were sent again after drops');
  });

  it('recreates sharing only when asked, without notification emails', async () => {
    const { id } = f.emulator.control.createFile({ email: victim, name: 'shared.txt', content: 'shared' });
    await f.google.drive.createPermission(victim, id, { type: 'user', role: 'writer', emailAddress: other });
    const had = await backUp([victim], ['drive']);
    f.emulator.control.deleteFile({ email: victim, id });
    await backUp([victim], ['drive']);
    const targetOf = async (restoreId: string) => {
      const [row] = await f.ctx.db
        .select()
        .from(restoreItems)
        .where(and(eq(restoreItems.restoreId, restoreId), eq(restoreItems.itemKey, id)));
      return row?.targetId as string;
    };
    const sharing = async (fileId: string) => {
      const list = [];
      for await (const p of f.google.drive.listPermissions(victim, fileId)) list.push(p);
      return list.filter((p) => p.role !== 'owner').map((p) => `${p.emailAddress}:${p.role}`);
    };
    const plain = await restore({ service: 'drive', asOf: had, selection: { items: [id] } });
    assert.equal(plain.result.status, 'success', JSON.stringify(plain.result));
    const plainCopy = await targetOf(plain.result.restoreId);
    assert.deepEqual(await sharing(plainCopy), []);
    f.emulator.control.deleteFile({ email: victim, id: plainCopy });
    const urls: string[] = [];
    const recording = createGoogleClient({
      serviceAccountKey: f.emulator.serviceAccountKey,
      fetch: (input, init) => {
        urls.push(String(input instanceof Request ? input.url : input));
        return fetch(input, init);
      },
    });
    const asked = await restore(
      { service: 'drive', asOf: had, selection: { items: [id] }, permissions: true },
      { google: recording },
    );
    const grants = urls.filter((url) => /\/permissions(\?|$)/.test(url) && url.includes('sendNotificationEmail'));
    assert.equal(grants.length, 1);
    assert.ok(grants.every((url) => new URL(url).searchParams.get('sendNotificationEmail') === 'false'));
    assert.equal(asked.result.status, 'success', JSON.stringify(asked.result));
    assert.equal(asked.result.counts.restored, 1);
    assert.deepEqual(await sharing(await targetOf(asked.result.restoreId)), [`${other}:writer`]);
  });

  it('recreates the several permissions of a file in one Drive batch request', async () => {
    const { id } = f.emulator.control.createFile({ email: victim, name: 'team.txt', content: 'team' });
    await f.google.drive.createPermission(victim, id, { type: 'user', role: 'writer', emailAddress: other });
    await f.google.drive.createPermission(victim, id, { type: 'domain', role: 'reader', domain: f.domain });
    const had = await backUp([victim], ['drive']);
    f.emulator.control.counters({ reset: true });
    const urls: string[] = [];
    const recording = createGoogleClient({
      serviceAccountKey: f.emulator.serviceAccountKey,
      fetch: (input, init) => {
        urls.push(new URL(String(input instanceof Request ? input.url : input)).pathname);
        return fetch(input, init);
      },
    });
    const { result } = await restore(
      { service: 'drive', asOf: had, selection: { items: [id] }, permissions: true },
      { google: recording },
    );
    assert.equal(result.status, 'success', JSON.stringify(result));
    const [row] = await f.ctx.db
      .select()
      .from(restoreItems)
      .where(and(eq(restoreItems.restoreId, result.restoreId), eq(restoreItems.itemKey, id)));
    const sharing = [];
    for await (const p of f.google.drive.listPermissions(victim, row?.targetId as string))
      if (p.role !== 'owner') sharing.push(`${p.type}:${p.emailAddress ?? p.domain}:${p.role}`);
    assert.deepEqual(sharing.sort(), [`domain:${f.domain}:reader`, `user:${other}:writer`]);
    const log = f.emulator.control.requestLog().filter((call) => call.user === victim);
    assert.equal(log.filter((call) => call.endpoint === 'drive.permissions.create').length, 2);
    assert.deepEqual(
      urls.filter((path) => path.includes('batch') || path.endsWith('/permissions')),
      ['/batch/drive/v3'],
      'both permissions in one batch request, none alone',
    );
  });

  it('refuses requests it cannot honour, with the field at fault', async () => {
    const cases: Array<[Parameters<typeof createRestore>[2], string]> = [
      [{ user: `nobody@${f.domain}`, service: 'gmail', requestedBy: 't' }, 'user'],
      [{ user: victim, service: 'gmail', to: 'someone@elsewhere.test', requestedBy: 't' }, 'to'],
      [{ user: victim, service: 'gmail', asOf: new Date('2001-01-01T00:00:00Z'), requestedBy: 't' }, 'asOf'],
      [{ user: victim, service: 'drive', selection: { label: 'INBOX' }, requestedBy: 't' }, 'label'],
      [{ user: victim, service: 'gmail', selection: { folder: '/x' }, requestedBy: 't' }, 'folder'],
    ];
    for (const [request, field] of cases) {
      await assert.rejects(createRestore(f.ctx, f.customerId, request), (error: unknown) => {
        assert.ok(error instanceof RestoreRequestError);
        assert.equal(error.field, field);
        return true;
      });
    }
  });

  const calls = (endpoint: string) =>
    f.emulator.control
      .counters()
      .filter((entry) => entry.endpoint === endpoint && entry.user === victim)
      .reduce((sum, entry) => sum + entry.count, 0);

  it('checks a page of messages with one rfc822msgid: OR search when none is there, and one search each when some are: nothing imported twice', async () => {
    await backUp([victim], ['gmail']);
    const before = f.emulator.control.digest({ email: victim, service: 'gmail' });
    const messageIds = async () => {
      const ids: string[] = [];
      for await (const ref of f.google.gmail.listMessages(victim, { includeSpamTrash: true })) ids.push(ref.id);
      return ids;
    };
    // The mailbox emptied (its contacts and calendar kept for the tests after this one).
    for (const id of await messageIds()) f.emulator.control.deleteMessage({ email: victim, id });
    f.emulator.control.counters({ reset: true });
    const emptied = await restore({ service: 'gmail', inPlace: true });
    assert.equal(emptied.result.status, 'success', JSON.stringify(emptied.result));
    assert.equal(emptied.result.counts.restored, before.items);
    // Pages of 50, 20 Message-IDs per search, none found: no search per message.
    let searches = 0;
    for (let left = before.items; left > 0; left -= 50) searches += Math.ceil(Math.min(left, 50) / 20);
    assert.equal(calls('gmail.users.messages.list'), searches);
    assert.deepEqual(f.emulator.control.digest({ email: victim, service: 'gmail' }), before);

    // Half of them deleted again: the searches find the others, which are then looked up alone.
    const deleted = (await messageIds()).filter((_, index) => index % 2 === 0);
    for (const id of deleted) f.emulator.control.deleteMessage({ email: victim, id });
    const again = await restore({ service: 'gmail', inPlace: true });
    assert.equal(again.result.status, 'success', JSON.stringify(again.result));
    assert.deepEqual(
      { restored: again.result.counts.restored, skipped: again.result.counts.skipped },
      { restored: deleted.length, skipped: before.items - deleted.length },
    );
    assert.deepEqual(f.emulator.control.digest({ email: victim, service: 'gmail' }), before);
  });

  it('a batch of contacts Google created but whose answer was cut short is recorded from a fresh listing, not created again', async () => {
    await backUp([victim], ['contacts']);
    const before = f.emulator.control.digest({ email: victim, service: 'contacts' });
    f.emulator.control.wipeUser({ email: victim });
    f.emulator.control.counters({ reset: true });
    f.emulator.control.setFaults([{ endpoint: 'people.people.batchCreateContacts', truncateRate: 1, times: 1 }]);
    try {
      const { result } = await restore({ service: 'contacts', inPlace: true });
      assert.equal(result.status, 'success', JSON.stringify(result));
      assert.deepEqual(
        { restored: result.counts.restored, skipped: result.counts.skipped },
        { restored: before.items, skipped: 0 },
      );
    } finally {
      f.emulator.control.setFaults([]);
    }
    assert.equal(calls('people.people.batchCreateContacts'), 1);
    assert.equal(calls('people.people.createContact'), 0, 'every contact was found by its marker');
    assert.deepEqual(f.emulator.control.digest({ email: victim, service: 'contacts' }), before);
  });

  it('an event Calendar refuses inside a batch is reported failed; the other events of its batch are restored', async () => {
    // The user was wiped by the test before: the last calendar backup point still has the events.
    assert.equal(f.emulator.control.digest({ email: victim, service: 'calendar' }).items, 0);
    f.emulator.control.setFaults([
      {
        endpoint: 'calendar.events.import',
        errorRate: 1,
        status: 400,
        reason: 'invalid',
        message: 'Invalid value',
        times: 1,
      },
    ]);
    try {
      const { result } = await restore({ service: 'calendar', inPlace: true });
      const errors = await restoreErrors(f.ctx.db, f.customerId, result.restoreId);
      assert.equal(result.status, 'partial', JSON.stringify(result));
      assert.ok(result.counts.total > 2, JSON.stringify(result.counts));
      assert.deepEqual(
        { restored: result.counts.restored, failed: result.counts.failed },
        { restored: result.counts.total - 1, failed: 1 },
      );
      assert.equal(errors.length, 1);
      assert.match(errors[0]?.reason ?? '', /Invalid value/);
      assert.equal(f.emulator.control.digest({ email: victim, service: 'calendar' }).items, result.counts.total - 1);
    } finally {
      f.emulator.control.setFaults([]);
    }
  });

  it("a restore stopped by its Cloud project's spent daily quota ends saying the restore stopped and can be started again, not that backups resume", async () => {
    const project = f.emulator.serviceAccountKey.project_id;
    const resetsAt = new Date(Date.parse('2026-12-06T08:00:00Z'));
    const spent = createGoogleClient({
      serviceAccountKey: f.emulator.serviceAccountKey,
      quotas: {
        manager: {
          ...f.google.quotas,
          acquire: async (api) => {
            throw new ProjectQuotaSpentError(project, api, resetsAt, f.ctx.clock.now().getTime());
          },
        },
      },
    });
    const { row, result } = await restore({ service: 'gmail', to: other }, { google: spent });
    assert.equal(result.status, 'failed');
    assert.equal(
      result.error,
      `Google Cloud project ${project} has used its daily Gmail quota; the restore stopped: start it again after 00:00 Pacific (what it already restored is skipped)`,
    );
    const stored = await getRestore(f.ctx.db, f.customerId, row.id);
    assert.equal(stored?.status, 'failed');
    assert.equal(stored?.error, result.error);
  });

  /** After a Gmail-only test that wiped `other`: its other services back, for the tests after. */
  async function restoreTheOtherServices() {
    for (const service of services.filter((s) => s !== 'gmail')) {
      const { result } = await restore({ user: other, service, inPlace: true });
      assert.equal(result.status, 'success', `${service}: ${JSON.stringify(result)}`);
    }
  }

  it("keeps its counts in its row after every page, with nobody listening (a job's restore is watched through the row)", async () => {
    await backUp([other]);
    f.emulator.control.wipeUser({ email: other });
    // The first page (4 messages) is recorded before the second page's first import.
    const restoreId = await restoreKilledAtCreate({ user: other, service: 'gmail', inPlace: true }, 5);
    const row = await getRestore(f.ctx.db, f.customerId, restoreId);
    assert.equal(row?.status, 'running');
    assert.ok((row?.total ?? 0) > 4, 'the total is stored from the plan');
    assert.equal(row?.restored, 4, 'the first page is counted in the row');
    const result = await runRestore(f.ctx, restoreId, { google: f.google });
    assert.equal(result.status, 'success', JSON.stringify(result));
    await restoreTheOtherServices();
  });

  it('an item whose backed-up version was removed after planning fails with the reason; the rest is restored', async () => {
    await backUp([other]);
    f.emulator.control.wipeUser({ email: other });
    const restoreId = await restoreKilledAtCreate({ user: other, service: 'gmail', inPlace: true }, 1);
    const pending = await f.ctx.db
      .select()
      .from(restoreItems)
      .where(and(eq(restoreItems.restoreId, restoreId), eq(restoreItems.status, 'pending')));
    const removed = pending.slice(-2);
    assert.equal(removed.length, 2);
    // As retention would: the version rows of two planned items go away.
    for (const item of removed) {
      await f.ctx.db.execute(
        sql`delete from backup_item_versions where customer_id = ${f.customerId} and item_key = ${item.itemKey} and version = ${item.version}`,
      );
    }
    const result = await runRestore(f.ctx, restoreId, { google: f.google });
    assert.equal(result.status, 'partial', JSON.stringify(result));
    assert.equal(result.counts.failed, 2);
    assert.equal(result.counts.restored + result.counts.skipped, result.counts.total - 2);
    const failed = await f.ctx.db
      .select()
      .from(restoreItems)
      .where(and(eq(restoreItems.restoreId, restoreId), eq(restoreItems.status, 'failed')));
    assert.deepEqual(failed.map((item) => item.itemKey).sort(), removed.map((item) => item.itemKey).sort());
    for (const item of failed) assert.match(item.reason ?? '', /no longer held/);
    await restoreTheOtherServices();
  });

  it('an item an interrupted plan wrote but the rerun plan does not is still restored: the pass ends with it pending, so the open phases are listed again', async () => {
    // Two events of the victim's (backed up by the first test), from its earlier Calendar restore.
    const planned = await f.ctx.db.execute(sql`
      select distinct on (ri.item_key) ri.item_key, ri.version, ri.phase
      from restore_items ri join restores r on r.id = ri.restore_id
      where r.customer_id = ${f.customerId} and r.service = 'calendar' and r.from_email = ${victim}
      order by ri.item_key limit 2`);
    const [kept, extra] = (planned as unknown as { rows: Array<{ item_key: string; version: number; phase: number }> })
      .rows;
    assert.ok(kept && extra);
    f.ctx.clock.advance(1000);
    const row = await startRestore(f.ctx, {
      customerId: f.customerId,
      request: { user: victim, service: 'calendar', inPlace: true, selection: { items: [kept.item_key] } },
      by: operator,
      enqueue: false,
    });
    // As a plan interrupted before `planned` would leave it: a row this plan does not write.
    await f.ctx.db.insert(restoreItems).values({
      restoreId: row.id,
      customerId: f.customerId,
      itemKey: extra.item_key,
      version: extra.version,
      phase: extra.phase,
    });
    const result = await runRestore(f.ctx, row.id, { google: f.google });
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.deepEqual(
      {
        total: result.counts.total,
        pending: result.counts.pending,
        done: result.counts.restored + result.counts.skipped,
      },
      { total: 2, pending: 0, done: 2 },
    );
    const items = await f.ctx.db.select().from(restoreItems).where(eq(restoreItems.restoreId, row.id));
    assert.deepEqual(
      items.map((item) => item.status === 'restored' || item.status === 'skipped'),
      [true, true],
    );
    const stored = await getRestore(f.ctx.db, f.customerId, row.id);
    assert.deepEqual(
      { planned: stored?.planned, total: stored?.total, restored: stored?.restored, skipped: stored?.skipped },
      { planned: true, total: 2, restored: result.counts.restored, skipped: result.counts.skipped },
    );
  });

  it('runs as a pg-boss job when a worker runs in the process, and the waiting caller sees the result', async () => {
    await backUp([victim], ['contacts']);
    const before = f.emulator.control.digest({ email: victim, service: 'contacts' });
    f.emulator.control.wipeUser({ email: victim });
    defineRestoreJobs(
      f.ctx.jobs,
      () => f.ctx,
      () => ({ google: f.google }),
    );
    await f.ctx.jobs.start({ work: true });
    const row = await startRestore(f.ctx, {
      customerId: f.customerId,
      request: { user: victim, service: 'contacts', inPlace: true },
      by: operator,
    });
    const result = await waitForRestore(f.ctx, f.customerId, row.id);
    assert.equal(result.status, 'success', JSON.stringify(result));
    assert.equal(result.counts.restored, before.items);
    // The restore row ends before pg-boss marks the job completed: wait for that too.
    let states: string[] = [];
    for (let i = 0; i < 100; i++) {
      const job = await f.ctx.db.execute(
        sql`select state from pgboss.job where name = ${RESTORE_JOB} and data->>'restoreId' = ${row.id}`,
      );
      states = (job as unknown as { rows: Array<{ state: string }> }).rows.map((r) => r.state);
      if (states[0] === 'completed') break;
      await new Promise((resolve) => setTimeout(resolve, 100));
    }
    assert.deepEqual(states, ['completed']);
    assert.deepEqual(f.emulator.control.digest({ email: victim, service: 'contacts' }), before);
  });
});
