import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
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
import { customerConnections } from '../customers/tables.ts';
import { GMAIL_BATCH, STORE_BYTES } from './gmail-backup.ts';
import { findSource, itemVersions, resolveBackupPoint, versionsAsOf } from './item-history.ts';
import { AUTHORISATION_LOST_REASON, type RunSourceOptions } from './run-source.ts';
import { backupItemVersions, backupRunErrors } from './tables.ts';
import { openTenantRepository } from './tenant-repository.ts';

const sha256 = (data: Buffer) => createHash('sha256').update(data).digest('hex');

forEachDatabase('gmail backup', (kind) => {
  let f: BackupFixture;
  before(async () => {
    f = await backupFixture(kind, { users: 7, generate: { messagesPerUser: 24 } });
  });
  after(async () => {
    await f?.close();
  });

  async function backUp(email: string, runOptions: RunSourceOptions = {}) {
    const subject = f.users.find((user) => user.email === email);
    assert.ok(subject);
    f.ctx.clock.advance(60_000);
    const { results } = await startTestBackup(f.ctx, f.customerId, {
      subjects: [subject],
      services: ['gmail'],
      trigger: 'on_demand',
      wait: true,
      runOptions: { google: f.google, ...runOptions },
    });
    const result = results?.[0];
    assert.ok(result);
    return runRow(f, result.runId);
  }

  /** The emulator's digest recomputed from the bytes restored from the repository. */
  async function repositoryDigest(email: string, at?: Date) {
    const versions = await versionsOf(f, email, 'gmail', at);
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      const digests: string[] = [];
      for (const version of versions) digests.push(sha256(await repository.readAll(version.objectId)));
      digests.sort();
      return { digest: sha256(Buffer.from(digests.join('\n'))), items: versions.length };
    } finally {
      await repository.close();
    }
  }

  const user = () => f.users[1]?.email as string;

  it('a full backup stores every message (spam and trash included) byte-for-byte with its labels', async () => {
    const run = await backUp(user());
    assert.equal(run.status, 'success');
    assert.equal(run.mode, 'full');
    const expected = f.emulator.control.digest({ email: user(), service: 'gmail' });
    assert.equal(run.added, expected.items);
    assert.equal(run.items, expected.items);
    assert.deepEqual(await repositoryDigest(user()), { digest: expected.digest, items: expected.items });
    const versions = await versionsOf(f, user(), 'gmail');
    assert.ok(versions.every((version) => Array.isArray(version.metadata.labelIds)));
    // Browse, search and restore read these from the metadata instead of opening every message.
    assert.ok(versions.every((version) => typeof version.metadata.messageIdHeader === 'string'));
    assert.ok(versions.every((version) => typeof version.metadata.from === 'string'));
    assert.ok(versions.some((version) => typeof version.metadata.subject === 'string'));
    const inbox = versions.find((version) => (version.metadata.labelIds as string[]).includes('INBOX'));
    assert.ok(inbox);
    assert.ok((inbox.metadata.labelNames as string[]).includes('INBOX'));
    assert.ok(run.snapshotId, 'the run wrote its manifest into the repository');
  });

  it('an incremental run fetches only the changes and a deleted mail stays readable as of the earlier backup point', async () => {
    const before = await backUp(user());
    assert.equal(before.mode, 'incremental');
    const pointBefore = before.finishedAt as Date;
    const current = await versionsOf(f, user(), 'gmail');
    const [deleted, relabelled] = current;
    assert.ok(deleted && relabelled);
    f.emulator.control.addMessage({ email: user(), subject: 'New since the last backup', body: 'hello' });
    f.emulator.control.deleteMessage({ email: user(), id: deleted.itemKey });
    f.emulator.control.relabelMessage({ email: user(), id: relabelled.itemKey, add: ['STARRED'] });
    f.emulator.control.counters({ reset: true });

    const run = await backUp(user());
    assert.equal(run.status, 'success');
    assert.equal(run.mode, 'incremental');
    assert.deepEqual([run.added, run.changed, run.deleted], [1, 1, 1]);
    const counts = requestCounts(f.emulator, user());
    assert.equal(counts['gmail.users.messages.list'] ?? 0, 0, 'no listing');
    assert.equal(counts['gmail.users.messages.get'], 1, 'one new message (raw); the label change comes from history');

    const expected = f.emulator.control.digest({ email: user(), service: 'gmail' });
    assert.deepEqual(await repositoryDigest(user()), { digest: expected.digest, items: expected.items });
    const starred = (await versionsOf(f, user(), 'gmail')).find((version) => version.itemKey === relabelled.itemKey);
    assert.ok(starred);
    assert.ok((starred.metadata.labelIds as string[]).includes('STARRED'));
    assert.equal(starred.version, 2);
    assert.equal(starred.objectId, relabelled.objectId, 'a label change keeps the stored content');

    const source = await findSource(f.ctx.db, f.customerId, user(), 'gmail');
    assert.ok(source);
    const point = await resolveBackupPoint(f.ctx.db, f.customerId, source.id, new Date(pointBefore.getTime() + 1));
    assert.equal(point?.runId, before.id, 'a time just after a backup point resolves to that point');
    const asBefore = await versionsAsOf(f.ctx.db, { customerId: f.customerId, sourceId: source.id, at: pointBefore });
    const old = asBefore.find((version) => version.itemKey === deleted.itemKey);
    assert.ok(old, 'the deleted message is in the state as of the earlier backup point');
    assert.equal(
      (await versionsAsOf(f.ctx.db, { customerId: randomUUID(), sourceId: source.id, at: pointBefore })).length,
      0,
      'another tenant id reads nothing of this source',
    );
    const history = await itemVersions(f.ctx.db, f.customerId, source.id, relabelled.itemKey);
    assert.deepEqual(
      history.map((version) => version.version),
      [1, 2],
    );
    // A message's content hash is its object id (the keyed hash of its bytes): the same bytes
    // put again give the same id, so the hash names the content, not the upload.
    assert.equal(deleted.contentHash, old.objectId);
    const held = await versionsOf(f, user(), 'gmail');
    assert.equal(
      new Set(held.map((version) => version.contentHash)).size,
      held.length,
      'different messages, different hashes',
    );
    const repository = await openTenantRepository(f.ctx, f.customerId);
    try {
      const bytes = await repository.readAll(old.objectId);
      assert.equal(await repository.putMail(Buffer.from(bytes)), deleted.contentHash);
    } finally {
      await repository.close();
    }
  });

  it('an expired history id leads to a full comparison that adds new, closes deleted and relabels mail', async () => {
    const current = await versionsOf(f, user(), 'gmail');
    const relabelled = current[3] as { itemKey: string; objectId: string };
    f.emulator.control.expireCursors({ email: user() });
    f.emulator.control.relabelMessage({ email: user(), id: relabelled.itemKey, add: ['IMPORTANT'] });
    f.emulator.control.addMessage({ email: user(), subject: 'After expiry', body: 'x' });
    f.emulator.control.deleteMessage({ email: user(), id: (current[2] as { itemKey: string }).itemKey });
    f.emulator.control.counters({ reset: true });
    const run = await backUp(user());
    assert.equal(run.status, 'success');
    assert.equal(run.mode, 'resync');
    assert.deepEqual([run.added, run.changed, run.deleted], [1, 1, 1]);
    assert.equal(requestCounts(f.emulator, user())['gmail.users.messages.get'], 1, 'only the new message is fetched');
    const after = (await versionsOf(f, user(), 'gmail')).find((version) => version.itemKey === relabelled.itemKey);
    assert.ok(after);
    assert.ok((after.metadata.labelIds as string[]).includes('IMPORTANT'));
    assert.equal(after.objectId, relabelled.objectId);
    const expected = f.emulator.control.digest({ email: user(), service: 'gmail' });
    assert.deepEqual(await repositoryDigest(user()), { digest: expected.digest, items: expected.items });
    // The next run is incremental again from the new cursor.
    assert.equal((await backUp(user())).mode, 'incremental');
  });

  it('injected 429 and 503 answers are retried and the run still ends complete', async () => {
    const email = f.users[2]?.email as string;
    f.emulator.control.setFaults([
      { endpoint: 'gmail.users.messages.get', errorRate: 0.3, status: 503 },
      { endpoint: 'gmail.users.messages.list', errorRate: 1, status: 429, reason: 'rateLimitExceeded', times: 1 },
    ]);
    try {
      const run = await backUp(email);
      assert.equal(run.status, 'success');
      const expected = f.emulator.control.digest({ email, service: 'gmail' });
      assert.deepEqual(await repositoryDigest(email), { digest: expected.digest, items: expected.items });
    } finally {
      f.emulator.control.setFaults([]);
    }
  });

  it('a run killed after some commits resumes without losing, duplicating or re-fetching committed mail', async () => {
    const email = f.users[3]?.email as string;
    const expected = f.emulator.control.digest({ email, service: 'gmail' });
    const killed = await backUp(email, {
      groupSize: 5,
      hooks: {
        afterCommit(committed) {
          if (committed >= 5) throw new Error('worker killed');
        },
      },
    });
    assert.equal(killed.status, 'failed');
    const committed = (await versionsOf(f, email, 'gmail')).length;
    assert.ok(committed >= 5 && committed < expected.items);
    f.emulator.control.counters({ reset: true });

    const resumed = await backUp(email);
    assert.equal(resumed.status, 'success');
    assert.equal(resumed.added, expected.items - committed);
    assert.equal(resumed.skipped, committed);
    assert.equal(requestCounts(f.emulator, email)['gmail.users.messages.get'], expected.items - committed);
    const all = await f.ctx.db.select().from(backupItemVersions).where(eq(backupItemVersions.runId, killed.id));
    assert.equal(all.length, committed);
    assert.deepEqual(await repositoryDigest(email), { digest: expected.digest, items: expected.items });
  });

  it('a run commits once enough items are pending, every few fetch groups, not after each group', async () => {
    const email = f.users[5]?.email as string;
    const expected = f.emulator.control.digest({ email, service: 'gmail' });
    const commits: number[] = [];
    const run = await backUp(email, {
      fetchGroup: 4,
      groupSize: 10,
      hooks: {
        afterCommit(committed) {
          commits.push(committed);
        },
      },
    });
    assert.equal(run.status, 'success');
    const groups = Math.ceil(expected.items / 4);
    assert.ok(commits.length >= 2 && commits.length < groups, `${commits.length} commits for ${groups} fetch groups`);
    // Each commit but the run's last took at least the 10 items it waited for.
    const sizes = commits.map((committed, i) => committed - (commits[i - 1] ?? 0));
    for (const size of sizes.slice(0, -1)) assert.ok(size >= 10, `commits of ${sizes.join(', ')} items`);
    assert.equal(commits.at(-1), expected.items);
    assert.deepEqual(await repositoryDigest(email), { digest: expected.digest, items: expected.items });
  });

  it('a run commits once enough fetched bytes are pending, below the item threshold', async () => {
    const email = f.users[6]?.email as string;
    const expected = f.emulator.control.digest({ email, service: 'gmail' });
    const commits: number[] = [];
    // Every message is more than one byte: each fetch group's check finds the bytes due.
    const run = await backUp(email, {
      fetchGroup: 4,
      commitBytes: 1,
      hooks: {
        afterCommit(committed) {
          commits.push(committed);
        },
      },
    });
    assert.equal(run.status, 'success');
    assert.ok(commits.length >= 2, `${commits.length} commits of ${expected.items} messages`);
    assert.deepEqual(await repositoryDigest(email), { digest: expected.digest, items: expected.items });
  });

  it('large messages are stored a few megabytes at a time, not a whole store batch at once', async (t) => {
    const email = f.users[3]?.email as string;
    const size = 3 * 1024 * 1024;
    for (let i = 0; i < 12; i++)
      f.emulator.control.addMessage({ email, subject: `large ${i}`, body: `${i}`.repeat(size) });
    const putMails = t.mock.method(Repository.prototype, 'putMails');
    const run = await backUp(email);
    assert.equal(run.status, 'success');
    assert.equal(run.added, 12);
    const batches = putMails.mock.calls.map(({ arguments: [raws] }) =>
      raws.reduce((sum, raw) => sum + raw.byteLength, 0),
    );
    assert.ok(batches.length >= 2, `the 36 MB went in ${batches.length} stores`);
    // Checked after each fetched batch: a store holds at most the limit plus one batch's messages.
    for (const bytes of batches) assert.ok(bytes < STORE_BYTES + GMAIL_BATCH * (size + 4096), `${bytes} bytes`);
    const expected = f.emulator.control.digest({ email, service: 'gmail' });
    assert.deepEqual(await repositoryDigest(email), { digest: expected.digest, items: expected.items });
  });

  it("the fetching goes on while a group's last store runs, and a failed store fails the run keeping what was committed", async (t) => {
    const email = f.users[4]?.email as string;
    const expected = f.emulator.control.digest({ email, service: 'gmail' });
    const putMails = Repository.prototype.putMails;
    let calls = 0;
    let overlapped = false;
    let secondStore: () => void = () => undefined;
    const second = new Promise<boolean>((resolve) => {
      secondStore = () => resolve(true);
    });
    const held = t.mock.method(
      Repository.prototype,
      'putMails',
      async function (this: Repository, raws: Parameters<Repository['putMails']>[0]) {
        calls += 1;
        const call = calls;
        // The first group's store is held until the second group's store arrives (or 5 s: a
        // fetching that waited for the first store before going on never sends the second).
        if (call === 1)
          overlapped = await Promise.race([
            second,
            new Promise<boolean>((resolve) => setTimeout(resolve, 5000, false)),
          ]);
        if (call === 2) secondStore();
        if (call === 4) throw new Error('storage gone');
        return putMails.call(this, raws);
      },
    );
    const failed = await backUp(email, { groupSize: 5 });
    held.mock.restore();
    assert.ok(overlapped, "the second group's store started while the first group's was still running");
    assert.equal(failed.status, 'failed');
    assert.match(failed.error ?? '', /storage gone/);
    const committed = (await versionsOf(f, email, 'gmail')).length;
    assert.ok(committed < expected.items, `${committed} of ${expected.items} committed`);

    const resumed = await backUp(email);
    assert.equal(resumed.status, 'success');
    assert.equal(resumed.added, expected.items - committed);
    assert.deepEqual(await repositoryDigest(email), { digest: expected.digest, items: expected.items });
  });

  it('revoked delegation fails the run with one tenant-level authorisation-lost reason, recorded on the tenant and emailed once', async () => {
    await f.ctx.db
      .insert(customerConnections)
      .values({ customerId: f.customerId, adminEmail: `admin@${f.domain}`, clientId: '123' });
    f.emulator.control.revokeDelegation({ domain: f.domain });
    try {
      const run = await backUp(f.users[0]?.email as string);
      assert.equal(run.status, 'failed');
      assert.equal(run.error, AUTHORISATION_LOST_REASON);
      const errors = await f.ctx.db.select().from(backupRunErrors).where(eq(backupRunErrors.runId, run.id));
      assert.equal(errors.length, 0, 'no per-item errors');
      const [connection] = await f.ctx.db
        .select()
        .from(customerConnections)
        .where(eq(customerConnections.customerId, f.customerId));
      assert.equal(connection?.authorizationStatus, 'lost', 'the scheduler stops queueing the tenant');
      // A second source failing the same way does not email again.
      await backUp(f.users[2]?.email as string);
      const mails = await f.ctx.mail.outbox({ to: `admin@${f.domain}` });
      assert.equal(mails.length, 1);
      assert.match(mails[0]?.subject ?? '', /can no longer back up/);
    } finally {
      f.emulator.control.grantDelegation({ domain: f.domain });
    }
  });
});
